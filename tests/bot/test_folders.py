"""Folders docbot can't write: one line naming the folder, and the commands that only read still work.

These run `docbot` in a child process. Root ignores file modes, so as root the child runs without the
capabilities that let it (setpriv), as an operator's account would.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bot.conftest import Result
from tests.bot.test_cli import DRIVER, QUESTIONS

SETPRIV = shutil.which("setpriv")


def run_unprivileged(*args: str, input: str = "") -> Result:
    """`docbot <args>` in a child process that file modes apply to, with the fake embedder."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        if SETPRIV is None:
            pytest.skip("as root, these tests need setpriv (util-linux) to drop the override of file modes")
        prefix = [SETPRIV, "--bounding-set=-dac_override,-dac_read_search"]
    env = {**os.environ, "DOCBOT_EMBEDDING_MODEL": "fake-embedder"}
    p = subprocess.run([*prefix, sys.executable, "-c", DRIVER, *args], input=input, capture_output=True, text=True,
                       env=env, timeout=120)
    return Result(p.returncode, p.stdout, p.stderr)


def read_only(folder: Path) -> None:
    """Take the write permission off a folder and everything in it."""
    for path in [*folder.rglob("*"), folder]:
        if not path.is_symlink():
            path.chmod(stat.S_IMODE(path.stat().st_mode) & ~0o222)


@pytest.fixture
def read_only_index(built, tmp_path, monkeypatch):
    """The test's index, with a question already logged in its database, then made read-only."""
    from bot.database import QuestionLog

    url = f"sqlite:///{built / 'docbot.sqlite3'}"
    monkeypatch.setenv("DOCBOT_DATABASE_URL", url)
    with QuestionLog(url) as qlog:
        qlog.record(QUESTIONS[1], outcome="answered", latency_ms=5.0, source="cli")
    read_only(built)
    yield built
    for path in [*built.rglob("*"), built]:
        if not path.is_symlink():
            path.chmod(stat.S_IMODE(path.stat().st_mode) | 0o200)


def test_ask_on_a_read_only_index_answers_and_says_once_it_does_not_log(read_only_index):
    """`ask` answers every question from a read-only index, and says once (one line) that it can't log them."""
    r = run_unprivileged("ask", "--json", input="\n".join(QUESTIONS) + "\n")
    assert r.code == 0, r.err
    assert [json.loads(line)["question"] for line in r.out.splitlines()] == QUESTIONS
    assert len(r.err_lines) == 1, r.err
    assert r.err.startswith("docbot: questions are not logged: cannot write the database ")
    assert str(read_only_index) in r.err and "DOCBOT_DATABASE_URL" in r.err


@pytest.mark.parametrize("args", [("sources",), ("stats",), ("stats", "--json")])
def test_reading_commands_work_on_a_read_only_index(read_only_index, args):
    """`sources` and `stats` only read: a read-only index and database are enough, and they say nothing more."""
    r = run_unprivileged(*args)
    assert (r.code, r.err) == (0, ""), r.err
    assert r.out


def test_index_into_a_read_only_folder_is_one_line_naming_it(read_only_index):
    """`index` into a folder it can't write: one line naming the folder and what docbot needs there; exit 1."""
    r = run_unprivileged("index")
    assert r.code == 1
    assert r.err_lines == [f"docbot: cannot write to the index folder {read_only_index} (Permission denied): docbot "
                           "writes the index there; make the folder writable, or set DOCBOT_INDEX_DIR to one you "
                           "can write"]


def test_index_under_a_read_only_parent(tmp_path, monkeypatch):
    """A new index folder that can't be created: the same one line."""
    parent = tmp_path / "locked"
    parent.mkdir()
    monkeypatch.setenv("DOCBOT_INDEX_DIR", str(parent / "index"))
    read_only(parent)
    try:
        r = run_unprivileged("index")
    finally:
        parent.chmod(0o755)
    assert r.code == 1 and len(r.err_lines) == 1
    assert r.err.startswith(f"docbot: cannot write to the index folder {parent / 'index'} (Permission denied)")
