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
    """A discord.py bot that answers /echo and replies to mentions; `calls` steers it and collects errors."""
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
        await fake.wait_ready(commands=bool(bot.tree.get_commands()))
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


async def test_second_response_and_unknown_tokens_are_refused(discord_at):
    """A second first-response is 400 40060; a followup for an unknown token is 404 10015."""
    import aiohttp

    fake = discord_at
    async with running(minimal_bot({}), fake):
        rec = await fake.invoke("echo", {"text": "x"}, member=fake.add_member("ada"))
        await fake.wait_for(lambda: rec.answered, 5, "the answer")
    async with aiohttp.ClientSession() as http:
        callback = f"{fake.api_base}/interactions/{rec.id}/{rec.token}/callback"
        again = await http.post(callback, json={"type": 5})
        stray = await http.post(f"{fake.api_base}/webhooks/{fake.app_id}/not-a-token", json={"content": "x"})
        assert (again.status, (await again.json())["code"]) == (400, 40060)
        assert (stray.status, (await stray.json())["code"]) == (404, 10015)


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


async def test_sharded_client_discovers_the_gateway(discord_at, monkeypatch):
    """An AutoShardedBot asks GET /gateway/bot for its URL and shard count, then identifies as [0, 1]."""
    import discord.gateway
    import yarl

    fake = discord_at
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL("ws://127.0.0.1:9/"))
    bot = commands.AutoShardedBot(command_prefix="!", intents=discord.Intents.default())
    async with running(bot, fake):
        assert bot.shard_count == 1
    assert fake.identifies[0]["shard"] == [0, 1]
    assert ("GET", "/api/v10/gateway/bot", 200) in [(r.method, r.path, r.status) for r in fake.requests]


async def test_bad_token_is_a_login_failure(discord_at):
    """A token Discord does not know: 401 on /users/@me, which discord.py raises as LoginFailure."""
    bot = minimal_bot({})
    with pytest.raises(discord.LoginFailure):
        await bot.login("not-the-token")
    await bot.close()


def _embed(**fields) -> dict:
    return {"title": "t", "description": "d", **fields}


def _field(name: str = "n", value: str = "v") -> dict:
    return {"name": name, "value": value}


def _row(n: int, custom_id: str = "b") -> dict:
    buttons = [{"type": 2, "style": 2, "custom_id": f"{custom_id}{i}"} for i in range(n)]
    return {"type": 1, "components": buttons}


LIMIT_CASES = [
    ({"content": "a" * 2000}, None),
    ({"content": "a" * 2001}, ("content",)),
    ({"embeds": [_embed(title="a" * 256)]}, None),
    ({"embeds": [_embed(title="a" * 257)]}, ("embeds", "0", "title")),
    ({"embeds": [_embed(description="a" * 4097)]}, ("embeds", "0", "description")),
    ({"embeds": [_embed(fields=[_field()] * 25)]}, None),
    ({"embeds": [_embed(fields=[_field()] * 26)]}, ("embeds", "0", "fields")),
    ({"embeds": [_embed(fields=[_field(value="a" * 1025)])]}, ("embeds", "0", "fields", "0", "value")),
    ({"embeds": [_embed(fields=[_field(value="")])]}, ("embeds", "0", "fields", "0", "value")),
    ({"embeds": [_embed(fields=[_field(name="a" * 257)])]}, ("embeds", "0", "fields", "0", "name")),
    ({"embeds": [_embed(footer={"text": "a" * 2049})]}, ("embeds", "0", "footer", "text")),
    ({"embeds": [_embed(description="a" * 4000), _embed(description="a" * 1998)]}, None),
    ({"embeds": [_embed(description="a" * 4000), _embed(description="a" * 1999)]}, ("embeds",)),
    ({"embeds": [_embed()] * 10}, None),
    ({"embeds": [_embed()] * 11}, ("embeds",)),
    ({"content": "x", "components": [_row(5)]}, None),
    ({"content": "x", "components": [_row(6)]}, ("components", "0", "components")),
    ({"content": "x", "components": [_row(1, "a" * 99)]}, None),  # custom_id "aaa…a0": 100 characters
    ({"content": "x", "components": [_row(1, "a" * 100)]},
     ("components", "0", "components", "0", "custom_id")),
    ({"content": "x", "components": [_row(1), _row(1)]}, ("components", "1", "components", "0", "custom_id")),
    ({"content": "x", "components": [_row(1)] * 6}, ("components",)),
    ({"content": "x", "allowed_mentions": {"parse": []}}, None),
    ({"content": "x", "allowed_mentions": {"parse": ["users"], "users": ["1"]}}, ("allowed_mentions",)),
]


@pytest.mark.parametrize(("payload", "where"), LIMIT_CASES)
def test_limits_answer_like_discord(payload, where):
    """Each documented limit: the last allowed size passes, one more is a 50035 error at the field's path."""
    from tests.e2e.fake_discord.limits import message_errors

    errors = message_errors(payload)
    if where is None:
        assert errors == {}
        return
    node = errors
    for key in where:
        node = node[key]
    assert node["_errors"][0]["code"]
