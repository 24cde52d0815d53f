"""Floods on the real discord.py client: a global cap on retrievals (a queue, not a crash), a cooldown."""

from __future__ import annotations

import asyncio
import threading

import pytest

from bot.i18n import t

pytestmark = pytest.mark.e2e

QUESTION = "Qui est le PDG de Nvidia ?"


class CountingEngine:
    """The fake engine, counting retrievals in progress; they hold until `release` is set."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.running = self.peak = self.calls = 0
        self.release = threading.Event()
        self._lock = threading.Lock()

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def ask(self, question, k=None, history=()):
        with self._lock:
            self.running += 1
            self.calls += 1
            self.peak = max(self.peak, self.running)
        try:
            self.release.wait(30)
            return self.inner.ask(question, k, history)
        finally:
            with self._lock:
                self.running -= 1


async def test_flood_of_questions_is_queued_under_the_cap_and_all_answered(docbot, discord_at, fake_engine):
    """60 people ask at once, DOCBOT_MAX_CONCURRENT=2: all deferred, 2 retrievals at a time, all answered."""
    fake = discord_at
    engine = CountingEngine(fake_engine)
    bot = await docbot(engine, max_concurrent=2, cooldown_seconds=0)
    people = [fake.add_member(f"user{i}") for i in range(60)]
    recs = await fake.invoke_many([("ask", {"question": QUESTION}, p) for p in people])

    # Everyone gets "docbot is thinking…" while only two retrievals run; the rest wait their turn.
    await fake.wait_for(lambda: all(r.callback_type == 5 for r in recs) and bot.waiting == 60
                        and engine.running == 2, 30, "every deferral, every question queued, two retrievals")
    # Were the cap missing, every worker thread would hold a blocked retrieval and this would never run;
    # as it is, no retrieval is waiting for a worker either (the queue is first in, first out).
    await asyncio.wait_for(asyncio.to_thread(lambda: None), 10)
    assert engine.running == 2 and engine.calls == 2 and bot.waiting == 60
    engine.release.set()
    await fake.wait_for(lambda: all(r.answered for r in recs), 60, "every answer")

    assert engine.peak == 2 and engine.calls == 60
    assert all("Jensen Huang" in r.messages[0]["embeds"][0]["description"] for r in recs)
    assert not fake.rejected()


async def test_one_user_flooding_gets_one_answer_and_cooldown_notices(docbot, discord_at, fake_engine):
    """One user fires 10 /ask and 5 mentions at once: one retrieval, the rest told to slow down (privately)."""
    fake = discord_at
    engine = CountingEngine(fake_engine)
    engine.release.set()
    await docbot(engine, cooldown_seconds=60)
    spammer, other = fake.add_member("spammer"), fake.add_member("other")
    recs = await fake.invoke_many([("ask", {"question": QUESTION}, spammer)] * 10)
    mentions = [await fake.post_message(f"<@{fake.app_id}> {QUESTION}", member=spammer) for _ in range(5)]
    await fake.wait_for(lambda: all(r.answered for r in recs) and all(fake.reactions_on(m) for m in mentions),
                        30, "a reply or a reaction to every attempt")

    answers = [r for r in recs if r.callback_type == 5]
    refusals = [r for r in recs if r.callback_type == 4]
    assert len(answers) == 1 and len(refusals) == 9
    slow_down = t("cooldown", "fr", seconds=60).split(" ")[0]  # "Doucement"
    assert all(r.ephemeral and r.messages[0]["content"].startswith(slow_down) for r in refusals)
    # A mention too soon gets ⏳, never public words.
    assert all(fake.reactions_on(m) == ["⏳"] and not fake.replies_to(m) for m in mentions)
    assert engine.calls == 1

    # Someone else is not slowed down by the spammer.
    rec = await fake.invoke("ask", {"question": QUESTION}, member=other)
    await fake.wait_for(lambda: rec.answered, 30, "the other user's answer")
    assert rec.callback_type == 5 and engine.calls == 2
    assert not fake.rejected()
