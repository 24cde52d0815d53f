"""Per-user cooldowns in the bot's database, so that they hold across the bot's processes (shards).

One row per user and kind holds until when the user must wait. Taking a cooldown is one atomic statement
on SQLite and PostgreSQL (INSERT ... ON CONFLICT DO UPDATE ... WHERE the wait is over), so two processes
that see the same user at the same moment let one question through, never two. The times are Unix
times of the processes' clocks (keep them in sync: NTP). Calls block on I/O: run them in a thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from .tables import cooldowns

if TYPE_CHECKING:
    from .questionlog import QuestionLog

# Every so many takes, a process deletes the rows whose wait is over: the table holds the users who asked
# in the last few seconds, not everyone who ever asked.
PRUNE_EVERY = 500

_UPSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


class Cooldowns:
    """Takes users' cooldowns in the shared database; safe to share between threads."""

    def __init__(self, questions_log: QuestionLog, *, clock: Callable[[], float] = time.time) -> None:
        self.engine = questions_log.engine
        self._clock = clock
        self._takes = 0
        self._lock = threading.Lock()

    def warm_up(self) -> None:
        """Open a connection of the pool and read the table (the first check then pays no connection set-up)."""
        with self.engine.connect() as conn:
            conn.execute(sa.select(sa.func.count()).select_from(cooldowns)).scalar()

    def take(self, kind: str, user_id: int, seconds: float) -> float:
        """0 if the user may go ahead now (their wait of `seconds` starts), else the seconds left to wait."""
        c = cooldowns.c
        for _ in range(3):  # the row may be deleted (pruned) or inserted by another process meanwhile
            now = self._clock()
            with self.engine.begin() as conn:
                insert = _UPSERT.get(conn.dialect.name)
                if insert is not None:
                    # One statement: a new row, or the old one moved on if its wait is over; no row back if not.
                    stmt = insert(cooldowns).values(user_id=user_id, kind=kind, until=now + seconds)
                    stmt = stmt.on_conflict_do_update(index_elements=["user_id", "kind"],
                                                      set_={"until": stmt.excluded.until}, where=c.until <= now)
                    if conn.execute(stmt.returning(c.until)).first() is not None:
                        self._prune(conn, now)
                        return 0.0
                elif conn.execute(sa.update(cooldowns).where(c.user_id == user_id, c.kind == kind, c.until <= now)
                                  .values(until=now + seconds)).rowcount:
                    return 0.0
                until = conn.execute(sa.select(c.until).where(c.user_id == user_id, c.kind == kind)).scalar()
            if until is not None:
                if until > now:
                    return until - now
                continue  # its wait ended between the two statements
            if insert is not None:
                continue
            try:  # a database without INSERT ... ON CONFLICT: insert, and read again if another process did first
                with self.engine.begin() as conn:
                    conn.execute(sa.insert(cooldowns).values(user_id=user_id, kind=kind, until=now + seconds))
                return 0.0
            except sa.exc.IntegrityError:
                continue
        return seconds  # contended three times over: the user is asking very fast, from several places

    def _prune(self, conn: sa.Connection, now: float) -> None:
        with self._lock:
            self._takes += 1
            due = self._takes % PRUNE_EVERY == 0
        if due:
            conn.execute(sa.delete(cooldowns).where(cooldowns.c.until < now))
