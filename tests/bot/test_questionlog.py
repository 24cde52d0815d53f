"""The question log: what is stored, how stats group it, and that an abrupt stop loses nothing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from bot.database import QuestionLog, normalize

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def qlog(database_url):
    with QuestionLog(database_url) as q:
        yield q


@pytest.mark.parametrize(("a", "b"), [
    ("Où est Jensen Huang ?", "où est  jensen huang"),
    ("What is H20?", "what is h20"),
    ("Trump!!", "TRUMP"),
])
def test_normalize_groups_the_same_question(a, b):
    """Case, spacing and trailing punctuation don't make a different question."""
    assert normalize(a) == normalize(b)


def test_record_and_get(qlog):
    """A recorded question comes back by id with its outcome, and its payload when it has one."""
    payload = {"passages": [{"document": "a.txt", "excerpt": "Jensen Huang, PDG…"}], "page": 1}
    qid = qlog.record("Qui ?", outcome="answered", latency_ms=12.5, source="slash", guild_id=1 << 62,
                      top_document="a.txt", payload=payload)
    got = qlog.get(qid)
    assert (got.id, got.question, got.outcome, got.payload) == (qid, "Qui ?", "answered", payload)
    assert qlog.get(qid + 1) is None
    assert qlog.get(qlog.record("Quoi ?", outcome="not_covered", latency_ms=1, source="dm")).payload is None


def test_votes_one_per_person_and_unknown_question(qlog):
    """A second vote by the same person replaces the first; a vote on an unknown id is refused."""
    qid = qlog.record("Qui ?", outcome="answered", latency_ms=1, source="slash")
    assert qlog.vote(qid, 7, 1) and qlog.vote(qid, 7, -1) and qlog.vote(qid, 8, -1)
    assert (qlog.totals().up, qlog.totals().down) == (0, 2)
    assert qlog.vote(qid + 100, 7, 1) is False
    with pytest.raises(ValueError):
        qlog.vote(qid, 7, 0)


def test_stats_group_count_and_separate_unanswered(qlog):
    """Most asked counts rewordings together; unanswered lists only what the documents didn't cover."""
    for q in ["Où a dîné Huang ?", "où a dîné huang", "OÙ A DÎNÉ HUANG ?!"]:
        qlog.record(q, outcome="answered", latency_ms=10, source="slash")
    qlog.record("Recette de crêpes ?", outcome="not_covered", latency_ms=5, source="dm")
    qlog.record("Recette de crêpes", outcome="not_covered", latency_ms=5, source="mention")
    qlog.record("Prix du H20 ?", outcome="not_covered", latency_ms=5, source="slash")
    qlog.record("boom", outcome="error", latency_ms=None, source="slash", error="IndexMissingError: …")

    most = qlog.most_asked()
    assert [(s.question, s.count) for s in most] == [("OÙ A DÎNÉ HUANG ?!", 3), ("Recette de crêpes", 2),
                                                     ("Prix du H20 ?", 1)]
    assert [(s.question, s.count) for s in qlog.unanswered()] == [("Recette de crêpes", 2),
                                                                  ("Prix du H20 ?", 1)]
    totals = qlog.totals()
    assert (totals.questions, totals.answered, totals.not_covered, totals.errors) == (7, 3, 3, 1)
    assert totals.median_latency_ms == 5


def test_database_is_in_wal_mode(tmp_path):
    """WAL: readers (docbot stats) never block the bot's writes."""
    with QuestionLog(tmp_path / "q.sqlite3") as qlog, sqlite3.connect(qlog.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_kill_9_loses_nothing_recorded(tmp_path):
    """Questions recorded before a SIGKILL are all in the database afterwards."""
    db = tmp_path / "q.sqlite3"
    code = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from bot.database import QuestionLog
        q = QuestionLog(Path({str(db)!r}))
        for i in range(20):
            qid = q.record(f"question {{i}}", outcome="answered", latency_ms=1.0, source="slash")
            q.vote(qid, 1, 1)
        print("recorded", flush=True)
        time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "recorded"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(30)
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    with QuestionLog(db, readonly=True) as q:
        totals = q.totals()
    assert (totals.questions, totals.up) == (20, 20)
