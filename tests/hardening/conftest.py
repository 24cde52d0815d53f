"""Fault injection: `docbot` in real processes (fake embedder), frozen at chosen points of a build."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

DRIVER = Path(__file__).with_name("fakedocbot.py")
REPO = DRIVER.parent.parent.parent
MODEL = "fake-embedder"  # the name FakeEmbedder answers to, and the DOCBOT_EMBEDDING_MODEL of these tests
TIMEOUT = 60  # a safety net against a hung child, not a timing assertion


@pytest.fixture(autouse=True)
def _fake_model(monkeypatch):
    # The torch backend names its model exactly DOCBOT_EMBEDDING_MODEL (others add a suffix), so the real
    # `docbot`, which fails on a damaged index before it loads any model, agrees with the fake's indexes.
    monkeypatch.setenv("DOCBOT_EMBEDDING_MODEL", MODEL)
    monkeypatch.setenv("DOCBOT_EMBEDDING_BACKEND", "torch")


@pytest.fixture
def docs_copy(docs_copy, monkeypatch) -> Path:
    """The writable copy of the documents, and what DOCBOT_DOCUMENTS_DIR names for `docbot` children."""
    monkeypatch.setenv("DOCBOT_DOCUMENTS_DIR", str(docs_copy))
    return docs_copy


@pytest.fixture
def index_dir(tmp_path) -> Path:
    return tmp_path / "index"


@pytest.fixture
def built(built, docs_copy) -> Path:
    """The test's copy of the session's index, over a private copy of the documents (same stat data)."""
    return built


def run_docbot(*args: str, input: str | None = None, real: bool = False) -> subprocess.CompletedProcess:
    """Run `docbot <args>` in a child process: the real entry point if `real`, else with the fake embedder."""
    # The console script, not `python -m bot`: that would put the working directory, which holds a
    # folder named `index`, ahead of the `index` package on sys.path.
    cmd = [str(Path(sys.executable).with_name("docbot"))] if real else [sys.executable, str(DRIVER)]
    env = {k: v for k, v in os.environ.items() if k != "DOCBOT_TEST_PAUSE_AT"}
    return subprocess.run([*cmd, *args], input=input, capture_output=True, text=True, timeout=TIMEOUT,
                          env=env)


def ask_json(*questions: str) -> list[dict]:
    """`docbot ask --json` over stdin, one object per question; fails the test on a non-zero exit."""
    r = run_docbot("ask", "--json", input="".join(q + "\n" for q in questions))
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in r.stdout.splitlines()]


def cited(answer: dict) -> list[str]:
    """The documents an answer cites."""
    return [c["document"] for c in answer["citations"]]


class Paused:
    """A child frozen at a point of its work, to be killed or let go: `docbot` (see fakedocbot.py), or
    `command`, which prints "PAUSED <point>" and waits for a line on stdin in the same way.
    """

    def __init__(self, point: str, *args: str, command: list[str] | None = None) -> None:
        env = {**os.environ, "DOCBOT_TEST_PAUSE_AT": point}
        self.point = point
        self.proc = subprocess.Popen(command or [sys.executable, str(DRIVER), *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.output: list[str] = []
        while True:
            try:
                line = self._lines.get(timeout=TIMEOUT)
            except queue.Empty:
                self.proc.kill()
                raise AssertionError(f"docbot never reached {point!r}") from None
            if line is None:
                self.proc.wait()
                raise AssertionError(f"docbot ended before {point!r}: {self.proc.stderr.read()}")
            if line.strip() == f"PAUSED {point}":
                break
            self.output.append(line)

    def _read(self) -> None:
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def kill9(self) -> None:
        """SIGKILL: no handler, no finally, no atexit runs."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(TIMEOUT)
        assert self.proc.returncode == -signal.SIGKILL

    def resume(self) -> tuple[int, str, str]:
        """Let it finish; its exit code, the rest of its stdout, and its stderr."""
        self.proc.stdin.write("\n")
        self.proc.stdin.close()
        self.proc.wait(TIMEOUT)
        rest = []
        while (line := self._lines.get(timeout=TIMEOUT)) is not None:
            rest.append(line)
        return self.proc.returncode, "".join(self.output + rest), self.proc.stderr.read()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if f and not f.closed:
                f.close()


class Docbot:
    """The `docbot` command for a test (tests cannot import this module, so a fixture hands it out)."""

    run = staticmethod(run_docbot)
    ask_json = staticmethod(ask_json)
    cited = staticmethod(cited)

    def __init__(self) -> None:
        self.started: list[Paused] = []

    def paused(self, point: str, *args: str, command: list[str] | None = None) -> Paused:
        """Start `docbot <args>` (or `command`) frozen at `point`."""
        p = Paused(point, *args, command=command)
        self.started.append(p)
        return p


@pytest.fixture
def stand_in(monkeypatch):
    """A local Discord (tests/e2e/fake_discord) that `docbot` children connect to."""
    from tests.e2e.fake_discord import FakeDiscord
    from tests.e2e.fake_discord.pointing import environment

    fake = FakeDiscord(token="MTE5ODc2NTQzMjEwOTg3NjU0.Gh7x2Q.secret-part-of-the-token-0123456789").start()
    monkeypatch.setenv("DISCORD_TOKEN", fake.bot_token)
    for name, value in environment(fake.api_base, fake.gateway_url).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DOCBOT_GUILD_ID", str(fake.guild_id))
    yield fake
    fake.stop()


@pytest.fixture
def docbot():
    """Run `docbot` in child processes; any child left alive is killed at the end of the test."""
    d = Docbot()
    yield d
    for p in d.started:
        p.close()
