"""The question log: every question asked, whether it was answered, how long it took, and the feedback.

SQLite in WAL mode with synchronous=FULL and one transaction per write: a question is on disk
once `record` returns, so an abrupt stop (kill -9, power cut) loses nothing already logged.
Calls block on disk I/O; the bot runs them with `asyncio.to_thread`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

log = logging.getLogger(__name__)

OUTCOMES = ("answered", "not_covered", "error")
Outcome = Literal["answered", "not_covered", "error"]

SCHEMA_VERSION = 2  # 2: the payload column
_SCHEMA = ("""
CREATE TABLE IF NOT EXISTS questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    asked_at REAL NOT NULL,
    question TEXT NOT NULL,
    normalized TEXT NOT NULL,           -- groups "Who is X?" and "who is x" together in stats
    outcome TEXT NOT NULL CHECK (outcome IN ('answered', 'not_covered', 'error')),
    latency_ms REAL,
    source TEXT NOT NULL,               -- slash, mention, dm, ...
    guild_id INTEGER,
    top_document TEXT,
    error TEXT,
    payload TEXT                        -- JSON: what the answer's "More passages" button shows
)""", """
CREATE INDEX IF NOT EXISTS questions_normalized ON questions (normalized)""", """
CREATE TABLE IF NOT EXISTS feedback (
    question_id INTEGER NOT NULL REFERENCES questions (id),
    user_id INTEGER NOT NULL,
    vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
    at REAL NOT NULL,
    PRIMARY KEY (question_id, user_id)  -- one vote per person per answer: voting again replaces it
)""")

_TRAILING = re.compile(r"[\s?!.…;:,]+$")


def normalize(question: str) -> str:
    """The grouping key of a question: case-folded, single-spaced, without trailing punctuation."""
    return _TRAILING.sub("", " ".join(question.casefold().split()))


@dataclass(frozen=True)
class LoggedQuestion:
    """A question as stored."""

    id: int
    question: str
    outcome: str
    asked_at: float
    payload: dict | None = None


@dataclass(frozen=True)
class QuestionStat:
    """A question (its latest wording) with how often it was asked, and what people thought of it."""

    question: str
    count: int
    last_asked: float
    up: int = 0
    down: int = 0


@dataclass(frozen=True)
class Totals:
    """Overall counts for `docbot stats`."""

    questions: int
    answered: int
    not_covered: int
    errors: int
    median_latency_ms: float | None
    up: int
    down: int


class QuestionLog:
    """The SQLite question log; safe to share between threads."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        if readonly:
            self._conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True,
                                         check_same_thread=False, isolation_level=None, timeout=10)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
        self._lock = threading.Lock()
        if not readonly:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            with self._transaction() as db:
                for statement in _SCHEMA:
                    db.execute(statement)
                columns = {row[1] for row in db.execute("PRAGMA table_info(questions)")}
                if "payload" not in columns:  # a log written before version 2
                    db.execute("ALTER TABLE questions ADD COLUMN payload TEXT")
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        # BEGIN IMMEDIATE takes the write lock up front, so two bots on one file queue instead of failing.
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
            if self._conn.in_transaction:
                self._conn.execute("COMMIT")

    def close(self) -> None:
        """Close the database (everything is already committed)."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> QuestionLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record(self, question: str, *, outcome: Outcome, latency_ms: float | None, source: str,
               guild_id: int | None = None, top_document: str | None = None, error: str | None = None,
               asked_at: float | None = None, payload: dict | None = None) -> int:
        """Log one question; its id (what the answer's buttons carry). `payload` is kept as JSON."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        data = None if payload is None else json.dumps(payload, ensure_ascii=False)
        with self._transaction() as db:
            cur = db.execute(
                "INSERT INTO questions (asked_at, question, normalized, outcome, latency_ms, source,"
                " guild_id, top_document, error, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (asked_at if asked_at is not None else time.time(), question, normalize(question), outcome,
                 latency_ms, source, guild_id, top_document, error, data))
            return int(cur.lastrowid)

    def get(self, question_id: int) -> LoggedQuestion | None:
        """The logged question with this id, or None."""
        with self._lock:
            row = self._conn.execute("SELECT id, question, outcome, asked_at, payload FROM questions WHERE id = ?",
                                     (question_id,)).fetchone()
        if row is None:
            return None
        return LoggedQuestion(*row[:4], payload=json.loads(row[4]) if row[4] is not None else None)

    def vote(self, question_id: int, user_id: int, vote: int) -> bool:
        """Record a 👍 (1) or 👎 (-1) from a user on an answer; False if the question is unknown."""
        if vote not in (-1, 1):
            raise ValueError("vote must be 1 or -1")
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM questions WHERE id = ?", (question_id,)).fetchone() is None:
                return False
            db.execute("INSERT INTO feedback (question_id, user_id, vote, at) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (question_id, user_id)"
                       " DO UPDATE SET vote = excluded.vote, at = excluded.at",
                       (question_id, user_id, vote, time.time()))
            return True

    def _grouped(self, where: str, limit: int) -> list[QuestionStat]:
        # Each group is shown with its latest wording (the row with the highest id).
        sql = f"""
            SELECT latest.question, g.n, latest.asked_at, g.up, g.down
            FROM (SELECT MAX(q.id) AS last_id, COUNT(DISTINCT q.id) AS n,
                         COALESCE(SUM(f.vote = 1), 0) AS up, COALESCE(SUM(f.vote = -1), 0) AS down
                  FROM questions q LEFT JOIN feedback f ON f.question_id = q.id
                  WHERE {where}
                  GROUP BY q.normalized) AS g
            JOIN questions latest ON latest.id = g.last_id
            ORDER BY g.n DESC, g.last_id DESC
            LIMIT ?"""
        with self._lock:
            rows = self._conn.execute(sql, (limit,)).fetchall()
        return [QuestionStat(*r) for r in rows]

    def most_asked(self, limit: int = 10) -> list[QuestionStat]:
        """The questions asked most often (errors aside)."""
        return self._grouped("q.outcome != 'error'", limit)

    def unanswered(self, limit: int = 10) -> list[QuestionStat]:
        """The questions the documents could not answer, most frequent first."""
        return self._grouped("q.outcome = 'not_covered'", limit)

    def disliked(self, limit: int = 10) -> list[QuestionStat]:
        """Answered questions that got a 👎: answers the documents may get wrong or only half cover."""
        return self._grouped(
            "q.outcome = 'answered' AND q.id IN (SELECT question_id FROM feedback WHERE vote = -1)", limit)

    def totals(self) -> Totals:
        """How many questions, answered or not, the median latency and the votes."""
        with self._lock:
            db = self._conn
            counts = dict(db.execute("SELECT outcome, COUNT(*) FROM questions GROUP BY outcome").fetchall())
            n = db.execute("SELECT COUNT(latency_ms) FROM questions WHERE outcome != 'error'").fetchone()[0]
            median = None
            if n:
                median = self._conn.execute(
                    "SELECT latency_ms FROM questions WHERE outcome != 'error' AND latency_ms IS NOT NULL "
                    "ORDER BY latency_ms LIMIT 1 OFFSET ?", ((n - 1) // 2,)).fetchone()[0]
            up, down = self._conn.execute(
                "SELECT COALESCE(SUM(vote = 1), 0), COALESCE(SUM(vote = -1), 0) FROM feedback").fetchone()
        return Totals(questions=sum(counts.values()), answered=counts.get("answered", 0),
                      not_covered=counts.get("not_covered", 0), errors=counts.get("error", 0),
                      median_latency_ms=median, up=up, down=down)


def report(qlog: QuestionLog, limit: int = 10) -> str:
    """The `docbot stats` text: totals, the most asked questions, and what the documents could not answer."""
    tot = qlog.totals()
    if not tot.questions:
        return "No questions logged yet."
    latency = "" if tot.median_latency_ms is None else f"; median answer time {tot.median_latency_ms:.0f} ms"
    lines = [f"{tot.questions} questions: {tot.answered} answered, {tot.not_covered} not covered by the "
             f"documents, {tot.errors} failed{latency}; feedback {tot.up} 👍 / {tot.down} 👎", ""]

    def section(title: str, stats: list[QuestionStat], empty: str) -> None:
        lines.append(title)
        if not stats:
            lines.append(f"  {empty}")
        for s in stats:
            votes = f"  [{s.up} 👍 / {s.down} 👎]" if s.up or s.down else ""
            lines.append(f"  {s.count:>4} × {_one_line(s.question)}{votes}")
        lines.append("")

    section("Most asked:", qlog.most_asked(limit), "(none)")
    section("Not answered by the documents (what they are missing):", qlog.unanswered(limit), "(none)")
    section("Answered but marked 👎:", qlog.disliked(limit), "(none)")
    return "\n".join(lines).rstrip()


def _one_line(text: str, width: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"
