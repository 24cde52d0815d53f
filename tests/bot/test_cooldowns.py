"""Per-user cooldowns in the bot's database: one question per window, across processes, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest

from bot.database import Cooldowns, QuestionLog


class Clock:
    """A clock a test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def test_one_question_per_window(question_log):
    """The first question goes; the next within the window is told how long to wait; after it, it goes again."""
    clock = Clock()
    cooldowns = Cooldowns(question_log, clock=clock)
    assert cooldowns.take("ask", 42, 5.0) == 0.0
    clock.now += 2.0
    assert cooldowns.take("ask", 42, 5.0) == pytest.approx(3.0)
    clock.now += 1.0
    assert cooldowns.take("ask", 42, 5.0) == pytest.approx(2.0), "a refused question does not restart the wait"
    clock.now += 2.0
    assert cooldowns.take("ask", 42, 5.0) == 0.0


def test_users_and_kinds_wait_apart(question_log):
    """Another user, or "More passages" after a question, is not held back."""
    cooldowns = Cooldowns(question_log, clock=Clock())
    assert cooldowns.take("ask", 1, 60.0) == 0.0
    assert cooldowns.take("ask", 2, 60.0) == 0.0
    assert cooldowns.take("more", 1, 60.0) == 0.0
    assert cooldowns.take("ask", 1, 60.0) > 0


def test_two_processes_let_one_question_through(database_url):
    """Two processes (their own connections) taking the same user's cooldown at the same moment, 8 times each:
    exactly one goes."""
    logs = [QuestionLog(database_url), QuestionLog(database_url)]
    try:
        stores = [Cooldowns(q) for q in logs]
        start = threading.Barrier(16)
        results: list[float] = []
        lock = threading.Lock()

        def take(store: Cooldowns) -> None:
            start.wait()
            waited = store.take("ask", 7, 60.0)
            with lock:
                results.append(waited)

        threads = [threading.Thread(target=take, args=(stores[i % 2],)) for i in range(16)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(30)
        assert len(results) == 16 and results.count(0.0) == 1, results
    finally:
        for q in logs:
            q.close()


def test_old_rows_are_pruned(question_log, monkeypatch):
    """Users whose wait is over do not stay in the table for ever."""
    import sqlalchemy as sa

    from bot.database import cooldowns as module

    monkeypatch.setattr(module, "PRUNE_EVERY", 3)
    clock = Clock()
    cooldowns = Cooldowns(question_log, clock=clock)
    for user in (1, 2):
        cooldowns.take("ask", user, 5.0)
    clock.now += 10.0
    cooldowns.take("ask", 3, 5.0)
    with question_log.engine.connect() as conn:
        assert conn.execute(sa.select(module.cooldowns.c.user_id)).scalars().all() == [3]
