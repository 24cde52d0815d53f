"""The stand-in itself, checked against a minimal discord.py bot: it must behave as Discord does."""

from __future__ import annotations

import asyncio
import contextlib

import discord
import pytest
from discord import app_commands
from discord.ext import commands

pytestmark = pytest.mark.e2e


def minimal_bot(calls: dict) -> commands.Bot:
    """A discord.py bot that answers /echo, and replies to mentions; `calls` collects what the test asks of it."""
    intents = discord.Intents.default()
    bot = commands.Bot(command_prefix=commands.when_mentioned, intents=intents,
                       allowed_mentions=discord.AllowedMentions.none())

    @bot.tree.command(name="echo", description="Say it back")
    @app_commands.describe(text="What to say")
    async def echo(interaction: discord.Interaction, text: str) -> None:
        delay = calls.get("delay", 0.0)
        if delay:
            await asyncio.sleep(delay)
        try:
            await interaction.response.defer(thinking=True)
        except discord.HTTPException as exc:
            calls.setdefault("errors", []).append(exc)
            return
        try:
            await interaction.followup.send(text * calls.get("repeat", 1))
        except discord.HTTPException as exc:
            calls.setdefault("errors", []).append(exc)

    @bot.event
    async def on_message(message: discord.Message) -> None:
        if message.author.bot:
            return
        if bot.user in message.mentions or message.guild is None:
            await message.reply(f"heard: {message.content}")

    async def setup_hook() -> None:
        await bot.tree.sync()

    bot.setup_hook = setup_hook
    return bot


@contextlib.asynccontextmanager
async def running(bot: commands.Bot, fake):
    task = asyncio.create_task(bot.start(fake.bot_token))
    try:
        await fake.wait_ready()
        await asyncio.wait_for(bot.wait_until_ready(), 10)
        yield bot
    finally:
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)


async def test_connects_syncs_and_answers_a_slash_command(discord_at):
    """IDENTIFY → READY → GUILD_CREATE over zlib-stream; /echo is synced, deferred, then followed up."""
    fake = discord_at
    calls: dict = {}
    async with running(minimal_bot(calls), fake) as bot:
        assert bot.get_guild(fake.guild_id) is not None
        assert fake.command_names() == ["echo"]
        user = fake.add_member("ada")
        rec = await fake.invoke("echo", {"text": "bonjour"}, member=user)
        await fake.wait_for(lambda: rec.answered, 5, "the answer")
        assert rec.callback_type == 5 and rec.first_response_seconds < fake.deadline
        assert rec.messages[0]["content"] == "bonjour"
        assert fake.heartbeats, "discord.py heartbeats"
    assert not fake.rejected()


async def test_late_first_response_gets_unknown_interaction(discord_at):
    """A first response after 3 s gets Discord's 404 Unknown interaction (10062)."""
    fake = discord_at
    fake.deadline = 0.2  # same rule, shorter clock, to keep the test fast
    calls: dict = {"delay": 0.4}
    async with running(minimal_bot(calls), fake):
        rec = await fake.invoke("echo", {"text": "x"}, member=fake.add_member("ada"))
        await fake.wait_for(lambda: calls.get("errors"), 5, "the bot's error")
    err = calls["errors"][0]
    assert isinstance(err, discord.NotFound) and err.code == 10062
    assert rec.callback_type is None and rec.late_callbacks


async def test_content_over_2000_is_invalid_form_body(discord_at):
    """2001 characters of content get a 400 with code 50035, and nothing is posted."""
    fake = discord_at
    calls: dict = {"repeat": 2001}
    async with running(minimal_bot(calls), fake):
        rec = await fake.invoke("echo", {"text": "a"}, member=fake.add_member("ada"))
        await fake.wait_for(lambda: calls.get("errors"), 5, "the bot's error")
    err = calls["errors"][0]
    assert isinstance(err, discord.HTTPException) and err.status == 400 and err.code == 50035
    assert "content" in str(err)
    assert not rec.answered


async def test_mention_and_dm_get_replies_without_pings(discord_at):
    """A mention in a channel and a DM both reach the bot; the replies carry allowed_mentions none."""
    fake = discord_at
    async with running(minimal_bot({}), fake):
        user = fake.add_member("ada")
        msg = await fake.post_message(f"<@{fake.app_id}> hello @everyone", member=user)
        await fake.wait_for(lambda: fake.replies_to(msg), 5, "the reply")
        dm = await fake.post_message("salut", member=user, dm=True)
        await fake.wait_for(lambda: fake.replies_to(dm), 5, "the DM reply")
    sent = [s for s in fake.sent if s.route == "channel_message"]
    assert len(sent) == 2 and all(s.status == 200 for s in sent)
    assert all(s.payload["allowed_mentions"] == {"parse": []} and not s.pings for s in sent)


async def test_unguarded_message_would_ping(discord_at):
    """Without allowed_mentions, the stand-in reports the pings Discord would send."""
    fake = discord_at
    payload = {"content": f"@everyone <@&{fake.pingable_role}> <@123>"}
    assert fake.message_pings(payload) == {"@everyone", f"role:{fake.pingable_role}", "user:123"}
    assert fake.message_pings({**payload, "allowed_mentions": {"parse": []}}) == set()


async def test_resumes_after_a_dropped_connection(discord_at):
    """After a network drop, discord.py RESUMEs and gets the events it missed."""
    fake = discord_at
    async with running(minimal_bot({}), fake):
        await fake.drop_connection()
        rec = await fake.invoke("echo", {"text": "again"}, member=fake.add_member("ada"))
        await fake.wait_for(lambda: rec.answered, 10, "the answer after the drop")
        assert fake.resumes and len(fake.identifies) == 1


async def test_bad_token_is_a_login_failure(discord_at):
    """A token Discord does not know: 401 on /users/@me, which discord.py raises as LoginFailure."""
    bot = minimal_bot({})
    with pytest.raises(discord.LoginFailure):
        await bot.login("not-the-token")
    await bot.close()
