"""Abrupt stops (kill -9 of the bot, of the question log mid-write, a damaged disk) and the next start."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys

import pytest

from bot.database import QuestionLog
from index import store

from .conftest import DRIVER, REPO, TIMEOUT

# Records questions, then stops inside the next write, between its INSERT and its COMMIT.
RECORDER = f"""
import sys
from pathlib import Path
sys.path.insert(0, {str(REPO)!r})
from sqlalchemy import event
from bot.database import QuestionLog

qlog = QuestionLog(Path(sys.argv[1]))
for i in range(int(sys.argv[2])):
    qlog.record(f"question {{i}}", outcome="answered", latency_ms=1.0, source="test")

@event.listens_for(qlog.engine, "commit")  # called with the INSERT done, before the COMMIT is sent
def pause(conn):
    print("PAUSED commit", flush=True)
    sys.stdin.readline()

qlog.record("the question in flight", outcome="answered", latency_ms=1.0, source="test")
"""


def integrity(path) -> str:
    with sqlite3.connect(path) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0]


def test_question_log_killed_mid_write_keeps_every_committed_question(tmp_path, docbot):
    """kill -9 between a write's INSERT and COMMIT: the 20 questions before it are there, the database is
    sound, and it takes new questions."""
    db = tmp_path / "questions.sqlite3"
    docbot.paused("commit", command=[sys.executable, "-c", RECORDER, str(db), "20"]).kill9()

    assert integrity(db) == "ok"
    with QuestionLog(db) as qlog:
        assert qlog.totals().questions == 20
        assert {s.question for s in qlog.most_asked(50)} == {f"question {i}" for i in range(20)}
        qlog.record("after the crash", outcome="not_covered", latency_ms=2.0, source="test")
        assert qlog.totals().questions == 21


def start_bot() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(DRIVER), "run"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)


@pytest.mark.e2e
async def test_bot_killed_after_answering_keeps_its_question_log(stand_in, built, tmp_path, monkeypatch):
    """kill -9 of `docbot run` right after three answers: the three are logged; the bot starts again and
    logs the next one."""
    fake = stand_in
    db = tmp_path / "questions.sqlite3"
    monkeypatch.setenv("DOCBOT_DATABASE_URL", f"sqlite:///{db}")
    asked = ["Qui est le PDG de Nvidia ?", "Combien de puces Nvidia a-t-elle commandées à TSMC ?",
             "Quelle est la recette de la tarte aux pommes ?"]
    bot = start_bot()
    try:
        await fake.wait_ready(timeout=TIMEOUT)
        ada, bea, cyd = (fake.add_member(n) for n in ("ada", "bea", "cyd"))
        rec = await fake.invoke("ask", {"question": asked[0]}, member=ada)
        mention = await fake.post_message(f"<@{fake.app_id}> {asked[1]}", member=bea)
        dm = await fake.post_message(asked[2], member=cyd, dm=True)
        await fake.wait_for(lambda: rec.answered and fake.replies_to(mention) and fake.replies_to(dm),
                            TIMEOUT, "the three answers")
        assert bot.poll() is None, "the bot is still running when it is killed"
    finally:
        bot.send_signal(signal.SIGKILL)
        bot.wait(TIMEOUT)

    assert integrity(db) == "ok"
    with QuestionLog(db, readonly=True) as qlog:
        logged = {s.question: s.count for s in qlog.most_asked(10)}
        assert logged == dict.fromkeys(asked, 1)
        assert [s.question for s in qlog.unanswered(10)] == [asked[2]]

    bot = start_bot()
    try:
        await fake.wait_for(lambda: len(fake.identifies) == 2 and fake.session.guilds_sent, TIMEOUT,
                            "the restarted bot to connect")
        rec = await fake.invoke("ask", {"question": asked[0]}, member=fake.add_member("dan"))
        await fake.wait_for(lambda: rec.answered, TIMEOUT, "the answer after the restart")
    finally:
        bot.send_signal(signal.SIGINT)
        bot.wait(TIMEOUT)
    with QuestionLog(db, readonly=True) as qlog:
        assert qlog.totals().questions == 4


@pytest.mark.e2e
async def test_bot_started_on_a_damaged_index_repairs_it_and_answers(stand_in, built, tmp_path):
    """`docbot run` over a damaged index (say, after a crash of the disk): it says so, rebuilds, and answers;
    it does not exit (and so does not crash-loop under a supervisor)."""
    fake = stand_in
    damaged = store.current_path(built).resolve() / store.VECTORS
    damaged.write_bytes(b"\0" * damaged.stat().st_size)
    log = open(tmp_path / "run.log", "w+", encoding="utf-8")
    bot = subprocess.Popen([sys.executable, str(DRIVER), "run"], stdout=log, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL)
    try:
        await fake.wait_ready(timeout=TIMEOUT)
        rec = await fake.invoke("ask", {"question": "Qui est le PDG de Nvidia ?"},
                                member=fake.add_member("ada"))
        await fake.wait_for(lambda: rec.answered, TIMEOUT, "the answer")
        assert bot.poll() is None
    finally:
        bot.send_signal(signal.SIGINT)
        bot.wait(TIMEOUT)
    assert "Jensen Huang" in rec.messages[0]["embeds"][0]["description"]
    log.seek(0)
    text = log.read()
    log.close()
    assert ("previous index unusable, rebuilding everything: the index file vectors.faiss is damaged "
            "(checksum mismatch)") in text
    assert "Traceback" not in text
    store.load(built, "fake-embedder")  # whole again
