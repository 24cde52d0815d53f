"""The terminal as people use it: the chat in a pseudo-terminal, Ctrl-C, quiet logs, the build's progress."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

from bot.progress import BuildProgress
from tests.bot.conftest import Result
from tests.bot.test_cli import DRIVER, QUESTIONS, SUMMARY

pexpect = pytest.importorskip("pexpect")

REPO = Path(__file__).resolve().parents[2]
FAKEDOCBOT = REPO / "tests" / "hardening" / "fakedocbot.py"
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]")
LEFT, UP, CTRL_C, CTRL_D = "\x1b[D", "\x1b[A", "\x03", "\x04"


def plain(raw: str) -> str:
    """What a terminal shows of `raw`, roughly: escape sequences out, line ends as \\n."""
    return ANSI.sub("", raw).replace("\r\n", "\n")


class Terminal:
    """A `docbot` process on an 80-column pseudo-terminal, with the fake embedder."""

    def __init__(self, *args: str, env: dict[str, str]) -> None:
        self.child = pexpect.spawn(sys.executable, ["-c", DRIVER, *args], env=env, encoding="utf-8",
                                   dimensions=(24, 80), timeout=60)
        self.raw = ""
        self.seen = 0  # how much of the output earlier waits have matched

    def wait_for(self, pattern: str, timeout: float = 60) -> str:
        """Read until the screen shows `pattern` after what was matched before; the text read up to it."""
        deadline = time.monotonic() + timeout
        while True:
            shown = plain(self.raw)
            found = re.search(pattern, shown[self.seen:])
            if found:
                text = shown[self.seen:self.seen + found.end()]
                self.seen += found.end()
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} never appeared in:\n{shown}")
            try:
                self.raw += self.child.read_nonblocking(4096, timeout=max(0.1, deadline - time.monotonic()))
            except pexpect.TIMEOUT:
                continue
            except pexpect.EOF:
                if not re.search(pattern, plain(self.raw)[self.seen:]):
                    raise AssertionError(f"{pattern!r} never appeared before the end:\n{plain(self.raw)}") from None

    def finish(self) -> int:
        """Read to the end; the exit code."""
        self.raw += self.child.read()
        self.child.close()
        return self.child.exitstatus


@pytest.fixture
def term_env(tmp_path, indexed) -> dict[str, str]:
    """The environment of a person's terminal, with the test's index, database and history file."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR")}
    # The pseudo-terminal does not answer prompt_toolkit's cursor-position requests, as real terminals do.
    return {**env, "TERM": "xterm-256color", "DOCBOT_EMBEDDING_MODEL": "fake-embedder",
            "XDG_STATE_HOME": str(tmp_path / "state"), "PROMPT_TOOLKIT_NO_CPR": "1"}


def logged_questions() -> list[str]:
    from bot.database import QuestionLog
    from bot.settings import Settings

    with QuestionLog(Settings().database_url.get_secret_value(), readonly=True) as qlog, \
            qlog.engine.connect() as conn:
        return [q for (q,) in conn.exec_driver_sql("SELECT question FROM questions ORDER BY id")]


def test_chat_in_a_terminal(term_env, tmp_path):
    """Arrow keys edit the line, Up recalls it, Ctrl-C drops a line and Ctrl-D leaves on a fresh line; no log lines."""
    term = Terminal("chat", env=term_env)
    term.wait_for("to leave.*\n")
    # "Qui est PDG de Nvidia ?", then back before "PDG" to insert the missing "le ".
    term.child.send("Qui est PDG de Nvidia ?" + LEFT * len("PDG de Nvidia ?") + "le \r")
    term.wait_for(r"\n")
    answer = term.wait_for(r"Sources:\n(.*\n)+?\n")
    term.child.send(UP + "\r")
    term.wait_for("Sources:")
    term.wait_for(r"\n\n")
    term.child.send("pas fini" + CTRL_C)
    term.child.send(CTRL_D)
    assert term.finish() == 0
    screen = plain(term.raw)

    assert logged_questions() == [QUESTIONS[1], QUESTIONS[1]]
    assert screen.endswith("Bye.\n")  # the shell's prompt comes on a line of its own
    assert "pas fini" not in logged_questions()
    assert not re.search(r"^(DEBUG|INFO|WARNING|ERROR) ", screen, re.MULTILINE), screen
    assert "[1]" in answer and all(len(line.rstrip()) <= 80 for line in answer.splitlines()), answer
    history = tmp_path / "state" / "docbot" / "history"
    assert QUESTIONS[1] in history.read_text(encoding="utf-8")
    assert history.stat().st_mode & 0o077 == 0  # questions may be private


def test_chat_leaves_on_a_second_ctrl_c(term_env):
    """Ctrl-C twice in a row leaves the chat, with exit code 0 (so `make run` ends without an error)."""
    term = Terminal("chat", env=term_env)
    term.wait_for("to leave.*\n")
    term.child.send("abc" + CTRL_C)
    term.child.send(CTRL_C)
    assert term.finish() == 0
    assert plain(term.raw).endswith("Bye.\n")


def test_answers_fit_a_narrow_terminal(term_env):
    """On a 50-column terminal, every line of an answer fits in 50 columns."""
    term = Terminal("chat", env=term_env)
    term.child.setwinsize(24, 50)
    term.wait_for("to leave.*\n")
    term.child.send(QUESTIONS[0] + "\r")
    term.wait_for(r"\n")  # the line typed (redrawn as it was edited)
    answer = term.wait_for(r"Sources:\n(.*\n)+?\n")
    term.child.send(CTRL_D)
    assert term.finish() == 0
    assert all(len(line.rstrip()) <= 50 for line in answer.splitlines()), answer


def test_emphasis_on_a_terminal(term_env):
    """The answer's key sentence is bold and the citations dim."""
    term = Terminal("ask", QUESTIONS[1], env=term_env)
    assert term.finish() == 0
    assert "\x1b[1m" in term.raw and "\x1b[2m" in term.raw  # bold, dim


@pytest.mark.parametrize("no_color", [None, "1"])
def test_no_color(term_env, no_color):
    """The words "not covered" are in colour, except with NO_COLOR; the citations stay dim either way."""
    env = {**term_env, "DOCBOT_MIN_EVIDENCE": "20",
           **({"NO_COLOR": no_color} if no_color else {})}
    term = Terminal("ask", QUESTIONS[3], env=env)
    assert term.finish() == 0
    assert "\x1b[2m" in term.raw
    assert bool(re.search(r"\x1b\[(\d+;)*3[0-7]m", term.raw)) == (no_color is None)


# Logs and the build, in a real process

def run_process(*args: str, input: str = "", env: dict | None = None) -> Result:
    env = {**os.environ, "DOCBOT_EMBEDDING_MODEL": "fake-embedder", **(env or {})}
    p = subprocess.run([sys.executable, "-c", DRIVER, *args], input=input, capture_output=True, text=True, env=env,
                       timeout=120)
    return Result(p.returncode, p.stdout, p.stderr)


def test_index_says_only_its_summary_and_more_with_verbose(tmp_path):
    """`docbot index` prints its summary alone; -v (or DOCBOT_LOG_LEVEL) adds what it did."""
    quiet = run_process("index")
    assert quiet.code == 0 and quiet.err == "" and SUMMARY.match(quiet.out.strip())
    verbose = run_process("index", "--force", "-v")
    assert verbose.code == 0 and SUMMARY.match(verbose.out.strip())
    assert any(line.startswith("INFO ") for line in verbose.err_lines), verbose.err
    by_setting = run_process("index", env={"DOCBOT_LOG_LEVEL": "info"})
    assert any(line.startswith("INFO ") for line in by_setting.err_lines), by_setting.err


def test_ctrl_c_during_a_build_leaves_the_previous_index_serving(built, docs_copy, monkeypatch):
    """Ctrl-C while passages are embedded: one line saying the previous index still serves, and it does."""
    monkeypatch.setenv("DOCBOT_DOCUMENTS_DIR", str(docs_copy))
    run_process("index")  # the index of these documents, as they are
    before = os.readlink(built / "current")
    with open(docs_copy / "h20-terres-rares-commande-tsmc.txt", "a", encoding="utf-8") as f:
        f.write("\nUne phrase de plus sur les terres rares.\n")
    env = {**os.environ, "DOCBOT_EMBEDDING_MODEL": "fake-embedder", "DOCBOT_TEST_PAUSE_AT": "embed"}
    proc = subprocess.Popen([sys.executable, str(FAKEDOCBOT), "index"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout.readline().strip() == "PAUSED embed"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert err == "docbot: interrupted; the index was not changed: the previous one still serves\n"
    assert os.readlink(built / "current") == before
    assert not list(built.glob("tmp-*"))
    assert run_process("ask", "--json", input=f"{QUESTIONS[1]}\n").code == 0


def test_the_progress_bar_is_cleared_when_interrupted():
    """The build's bar is drawn on a terminal and erased when the build ends, also by Ctrl-C."""
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=80)
    with pytest.raises(KeyboardInterrupt), BuildProgress(console) as progress:
        progress("embed", 10, 100)
        raise KeyboardInterrupt
    assert "Embedding passages" in screen.getvalue()
    assert screen.getvalue().endswith("\x1b[2K") or "\x1b[2K" in screen.getvalue().rsplit("Embedding", 1)[1]


def test_no_progress_off_a_terminal():
    """Piped or logged to a file, the build draws nothing."""
    screen = io.StringIO()
    with BuildProgress(Console(file=screen, force_terminal=False)) as progress:
        progress("embed", 10, 100)
    assert screen.getvalue() == ""


def logged_links() -> list[tuple[str, int | None]]:
    from bot.database import QuestionLog
    from bot.settings import Settings

    with QuestionLog(Settings().database_url.get_secret_value(), readonly=True) as qlog, \
            qlog.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT id, question, parent_id FROM questions ORDER BY id").all()
    ids = {i: q for i, q, _ in rows}
    return [(q, ids.get(parent)) for _, q, parent in rows]


def test_chat_carries_the_conversation(term_env):
    """A question follows the one before it, as in a Discord thread; /new starts afresh."""
    term = Terminal("chat", env=term_env)
    term.wait_for("to leave.*\n")
    for line in (QUESTIONS[0], "Et pourquoi ?", "/new", "Et pourquoi ?"):
        term.child.send(line + "\r")
        term.wait_for("a new conversation" if line == "/new" else r"(Sources:|proches\.)\n(.*\n)+?\n")
    term.child.send(CTRL_D)
    assert term.finish() == 0
    assert logged_links() == [(QUESTIONS[0], None), ("Et pourquoi ?", QUESTIONS[0]), ("Et pourquoi ?", None)]


@pytest.mark.parametrize(("stage", "label"), [
    ("embed", "Embedding passages"),
    ("embed 2/2", "Embedding passages, model 2 of 2"),
    ("read", "Reading documents"),
    ("something new", "something new"),
])
def test_build_stages_in_words(stage, label):
    """Each model's passages are counted apart, as the summary counts passages: "72 of 72", not "144"."""
    from bot.progress import stage_label

    assert stage_label(stage) == label
