"""The question log: every question asked, whether it was answered, how long it took, and the feedback.

One transaction per write, committed before `record` returns: on SQLite (WAL, synchronous=FULL) a question is
on disk then, so an abrupt stop (kill -9, power cut) loses nothing already logged. Calls block on I/O; the bot
runs them with `asyncio.to_thread`, and the log is safe to share between threads.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL

from . import engine as db
from .tables import OUTCOMES, feedback, questions


@dataclass(frozen=True)
class Origin:
    """Where on Discord a question was asked, and the logged question it follows up (all optional)."""

    user_id: int | None = None
    channel_id: int | None = None
    message_id: int | None = None
    thread_id: int | None = None  # the thread its conversation goes on in
    parent_id: int | None = None  # the logged question it follows up

    def columns(self) -> dict[str, int | None]:
        """The question log's columns for this origin."""
        return {"user_id": self.user_id, "channel_id": self.channel_id, "message_id": self.message_id,
                "thread_id": self.thread_id, "parent_id": self.parent_id}


Outcome = Literal["answered", "not_covered", "error"]

_TRAILING = re.compile(r"[\s?!.…;:,]+$")
_UPSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


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
    payload: dict[str, Any] | None = None


@dataclass(frozen=True)
class QuestionStat:
    """A question (its latest wording) with how often it was asked, and what people thought of it."""

    question: str
    count: int
    last_asked: float
    up: int = 0
    down: int = 0


@dataclass(frozen=True)
class DayStat:
    """The questions of one day (from `start` to `end`, Unix times) and how they went."""

    start: float
    end: float
    questions: int
    answered: int
    not_covered: int


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


def _votes(vote: sa.ColumnElement[int], value: int) -> sa.ColumnElement[int]:
    return _count(vote == value)


def _count(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
    """How many rows of a group meet `condition` (0 for an empty group)."""
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _since(asked_at: sa.ColumnElement[float], since: float | None) -> sa.ColumnElement[bool]:
    return sa.true() if since is None else asked_at >= since


class QuestionLog:
    """The question log in the bot's database; safe to share between threads.

    `database` is a database URL, or the Path of a SQLite file. Read-only, it never creates nor migrates
    anything (for `docbot stats`), and raises SchemaError if the database is not at this docbot's revision.
    """

    def __init__(self, database: str | Path | URL, *, readonly: bool = False) -> None:
        self.engine, self.url = db.open_database(database, readonly=readonly)
        self.readonly = readonly
        self._reads = db.reader(self.engine)
        self._closed = False

    @property
    def path(self) -> Path | None:
        """The SQLite file, or None for a server database."""
        return db.sqlite_file(self.url)

    def close(self) -> None:
        """Close the database (everything is already committed); a SQLite WAL is folded into the file."""
        if not self._closed:
            self._closed = True
            db.close(self.engine, checkpoint=not self.readonly)

    def __enter__(self) -> QuestionLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record(self, question: str, *, outcome: Outcome, latency_ms: float | None, source: str,
               guild_id: int | None = None, top_document: str | None = None, error: str | None = None,
               asked_at: float | None = None, payload: dict[str, Any] | None = None,
               origin: Origin | None = None) -> int:
        """Log one question, with the JSON its answer's "More passages" needs; its id (what the buttons carry).

        `origin`: where on Discord it was asked, and the question it follows up.
        """
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        row = {"asked_at": asked_at if asked_at is not None else time.time(), "question": question,
               "normalized": normalize(question), "outcome": outcome, "latency_ms": latency_ms, "source": source,
               "guild_id": guild_id, "top_document": top_document, "error": error, "payload": payload}
        if origin is not None:
            row.update(origin.columns())
        with self.engine.begin() as conn:
            return int(conn.execute(sa.insert(questions).values(row)).inserted_primary_key[0])

    def get(self, question_id: int) -> LoggedQuestion | None:
        """The logged question with this id, or None."""
        q = questions.c
        with self._reads.begin() as conn:
            row = conn.execute(sa.select(q.id, q.question, q.outcome, q.asked_at, q.payload)
                               .where(q.id == question_id)).first()
        return LoggedQuestion(*row) if row else None

    def vote(self, question_id: int, user_id: int, vote: int) -> bool:
        """Record a 👍 (1) or 👎 (-1) from a user on an answer; False if the question is unknown."""
        if vote not in (-1, 1):
            raise ValueError("vote must be 1 or -1")
        row = {"question_id": question_id, "user_id": user_id, "vote": vote, "at": time.time()}
        with self.engine.begin() as conn:
            if conn.execute(sa.select(questions.c.id).where(questions.c.id == question_id)).first() is None:
                return False
            insert = _UPSERT.get(conn.dialect.name)
            if insert is None:  # a database without INSERT ... ON CONFLICT: replace in the same transaction
                conn.execute(sa.delete(feedback).where(feedback.c.question_id == question_id,
                                                       feedback.c.user_id == user_id))
                conn.execute(sa.insert(feedback).values(row))
            else:
                stmt = insert(feedback).values(row)
                conn.execute(stmt.on_conflict_do_update(index_elements=["question_id", "user_id"],
                                                        set_={"vote": stmt.excluded.vote, "at": stmt.excluded.at}))
            return True

    def _grouped(self, where: Callable[[sa.Alias], sa.ColumnElement[bool]], limit: int,
                 since: float | None) -> list[QuestionStat]:
        # Each group is shown with its latest wording (the row with the highest id).
        q, f = questions.alias("q"), feedback.alias("f")
        groups = (sa.select(sa.func.max(q.c.id).label("last_id"), sa.func.count(sa.distinct(q.c.id)).label("n"),
                            _votes(f.c.vote, 1).label("up"), _votes(f.c.vote, -1).label("down"))
                  .select_from(q.outerjoin(f, f.c.question_id == q.c.id))
                  .where(where(q), _since(q.c.asked_at, since))
                  .group_by(q.c.normalized).subquery("g"))
        latest = questions.alias("latest")
        stmt = (sa.select(latest.c.question, groups.c.n, latest.c.asked_at, groups.c.up, groups.c.down)
                .join_from(groups, latest, latest.c.id == groups.c.last_id)
                .order_by(groups.c.n.desc(), groups.c.last_id.desc()).limit(limit))
        with self._reads.begin() as conn:
            rows = conn.execute(stmt).all()
        return [QuestionStat(text, int(n), last, int(up), int(down)) for text, n, last, up, down in rows]

    def most_asked(self, limit: int = 10, since: float | None = None) -> list[QuestionStat]:
        """The questions asked most often (errors aside), since `since` (Unix time) if given."""
        return self._grouped(lambda q: q.c.outcome != "error", limit, since)

    def unanswered(self, limit: int = 10, since: float | None = None) -> list[QuestionStat]:
        """The questions the documents could not answer, most frequent first."""
        return self._grouped(lambda q: q.c.outcome == "not_covered", limit, since)

    def disliked(self, limit: int = 10, since: float | None = None) -> list[QuestionStat]:
        """Answered questions that got a 👎: answers the documents may get wrong or only half cover."""
        downvoted = sa.select(feedback.c.question_id).where(feedback.c.vote == -1)
        return self._grouped(lambda q: (q.c.outcome == "answered") & q.c.id.in_(downvoted), limit, since)

    def per_day(self, bounds: Sequence[float]) -> list[DayStat]:
        """The questions of each day, the days given by their bounds (n + 1 ascending Unix times for n days).

        The caller chooses the bounds (local midnights, whatever the time zone and its clock changes);
        the database only counts between them, in one query that uses the index on `asked_at`, so it
        is the same SQL on SQLite and PostgreSQL. Days without questions are there, with zeros.
        """
        pairs = list(zip(bounds[:-1], bounds[1:], strict=True))
        if not pairs:
            return []
        days = sa.union_all(*(sa.select(sa.literal(i, sa.Integer).label("day"), sa.literal(lo, sa.Double).label("lo"),
                                        sa.literal(hi, sa.Double).label("hi"))
                              for i, (lo, hi) in enumerate(pairs))).subquery("days")
        q = questions.alias("q")
        stmt = (sa.select(days.c.day, sa.func.count(q.c.id), _count(q.c.outcome == "answered"),
                          _count(q.c.outcome == "not_covered"))
                .select_from(days.outerjoin(q, sa.and_(q.c.asked_at >= days.c.lo, q.c.asked_at < days.c.hi)))
                .group_by(days.c.day).order_by(days.c.day))
        with self._reads.begin() as conn:
            rows = conn.execute(stmt).all()
        return [DayStat(pairs[day][0], pairs[day][1], int(n), int(answered), int(not_covered))
                for day, n, answered, not_covered in rows]

    def totals(self, since: float | None = None) -> Totals:
        """How many questions, answered or not, the median latency and the votes (since `since` if given)."""
        q = questions.c
        recent = _since(q.asked_at, since)
        timed = sa.and_(q.outcome != "error", q.latency_ms.is_not(None), recent)
        with self._reads.begin() as conn:  # one transaction: the figures agree with each other
            counts = dict(conn.execute(sa.select(q.outcome, sa.func.count()).where(recent)
                                       .group_by(q.outcome)).all())
            n = conn.execute(sa.select(sa.func.count()).where(timed)).scalar_one()
            median = None
            if n:
                median = conn.execute(sa.select(q.latency_ms).where(timed).order_by(q.latency_ms)
                                      .limit(1).offset((n - 1) // 2)).scalar_one()
            up, down = conn.execute(sa.select(_votes(feedback.c.vote, 1), _votes(feedback.c.vote, -1))
                                    .select_from(feedback.join(questions, questions.c.id == feedback.c.question_id))
                                    .where(recent)).one()
        return Totals(questions=sum(counts.values()), answered=counts.get("answered", 0),
                      not_covered=counts.get("not_covered", 0), errors=counts.get("error", 0),
                      median_latency_ms=median, up=int(up), down=int(down))

