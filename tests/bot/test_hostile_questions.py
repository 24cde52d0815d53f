"""Hostile questions through /ask and mentions, judged as Discord would: accepted payloads, no pings."""

from __future__ import annotations

import discord
from hypothesis import HealthCheck, given, settings

from tests.bot.helpers import MockGuild, MockInteraction, MockMember, MockMessage, invoke, sent
from tests.e2e.fake_discord.limits import is_empty, message_errors
from tests.e2e.fake_discord.mentions import pings
from tests.strategies import questions

HOSTILE = settings(max_examples=30, deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def payload(kwargs: dict) -> dict:
    """The JSON discord.py would send for a send/reply/followup call."""
    out: dict = {}
    if kwargs.get("content") is not None:
        out["content"] = str(kwargs["content"])
    embeds = kwargs.get("embeds") or ([kwargs["embed"]] if kwargs.get("embed") else [])
    if embeds:
        out["embeds"] = [e.to_dict() for e in embeds]
    if kwargs.get("view") is not None:
        out["components"] = kwargs["view"].to_components()
    allowed = kwargs.get("allowed_mentions")
    out["allowed_mentions"] = allowed.to_dict() if isinstance(allowed, discord.AllowedMentions) else None
    return out


def assert_discord_accepts_and_nobody_is_pinged(calls: list[dict]) -> None:
    assert calls, "the user got no reply at all"
    for kwargs in calls:
        body = payload(kwargs)
        assert message_errors(body) == {}, body
        assert not is_empty(body)
        # Even with every role mentionable and @everyone permitted, nothing notifies anyone.
        assert pings(body.get("content", ""), body["allowed_mentions"], may_mention_everyone=True,
                     mentionable_roles={123456789012345678}) == set()
        assert body["allowed_mentions"] is not None  # never left to the defaults


@HOSTILE
@given(question=questions(min_size=1))
async def test_slash_ask_with_any_question(bot, question):
    """/ask with arbitrary text: an answer or a private refusal, within Discord's limits, pinging no one."""
    inter = MockInteraction(bot)
    await invoke(bot, "ask", inter, question=question)
    calls = sent(inter.response.send_message) + sent(inter.followup.send)
    assert_discord_accepts_and_nobody_is_pinged(calls)
    for reply in sent(inter.response.send_message) + sent(inter.followup.send):
        if "embeds" not in reply:  # a refusal, not an answer: private
            assert reply["ephemeral"] is True


@HOSTILE
@given(question=questions(min_size=1))
async def test_mention_with_any_question(bot, me, question):
    """`@docbot <arbitrary text>` in a channel: a reply within Discord's limits pinging no one, or a reaction."""
    message = MockMessage(guild=MockGuild(), author=MockMember(), content=f"<@{me.id}> {question}")
    await bot.get_cog("Ask").on_message(message)
    calls = sent(message.reply)
    if message.add_reaction.await_count:  # too long: a reaction, and the limit said for a minute
        message.add_reaction.assert_awaited_once_with("✂️")
        assert [c.get("delete_after") for c in calls] == [60]
    assert_discord_accepts_and_nobody_is_pinged(calls)
    for kwargs in calls:
        assert kwargs.get("mention_author") is False
