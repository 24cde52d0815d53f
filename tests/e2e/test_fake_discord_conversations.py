"""The stand-in's conversations, checked with a minimal discord.py bot against Discord's documented behaviour:
replies, threads, forum posts, the message content intent, message menus, button clicks, subcommands with
channel options, and channel permissions."""

from __future__ import annotations

import aiohttp
import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.e2e.fake_discord import objects as o
from tests.e2e.test_fake_discord import running

pytestmark = pytest.mark.e2e


def listening_bot(seen: dict, *, message_content: bool = False) -> commands.Bot:
    """A bot that records what discord.py made of events, with a message menu, a button and /pick."""
    intents = discord.Intents.default()
    intents.message_content = message_content
    bot = commands.Bot(command_prefix="!", intents=intents, allowed_mentions=discord.AllowedMentions.none())

    @bot.event
    async def on_message(message: discord.Message) -> None:
        seen.setdefault("messages", []).append(message)

    @bot.event
    async def on_thread_create(thread: discord.Thread) -> None:
        seen.setdefault("threads", []).append(thread)

    @bot.tree.context_menu(name="Echo this")
    async def echo(interaction: discord.Interaction, message: discord.Message) -> None:
        seen["menu"] = message
        await interaction.response.send_message(message.content or "(empty)", ephemeral=True)

    group = app_commands.Group(name="pick", description="Pick things")

    @group.command(name="forum", description="Pick a forum")
    @app_commands.choices(mode=[app_commands.Choice(name="On", value="on"),
                                app_commands.Choice(name="Off", value="off")])
    async def pick_forum(interaction: discord.Interaction, forum: discord.ForumChannel,
                         mode: app_commands.Choice[str]) -> None:
        seen["picked"] = (forum, mode.value)
        view = discord.ui.View()
        view.add_item(discord.ui.Button(label="Go", custom_id="pick:go"))
        await interaction.response.send_message("picked", view=view)

    bot.tree.add_command(group)

    @bot.event
    async def on_interaction(interaction: discord.Interaction) -> None:
        if interaction.type is discord.InteractionType.component:
            seen["click"] = interaction
            await interaction.response.defer(ephemeral=True, thinking=True)
            await interaction.followup.send("clicked", ephemeral=True)

    async def setup_hook() -> None:
        await bot.tree.sync()

    bot.setup_hook = setup_hook
    return bot


async def test_a_reply_carries_its_reference_and_pings_its_author(discord_at):
    """Reply button: type 19, message_reference and referenced_message; the replied author is in mentions."""
    fake = discord_at
    seen: dict = {}
    async with running(listening_bot(seen), fake) as bot:
        ada = fake.add_member("ada")
        first = await fake.post_message(f"<@{fake.app_id}> bonjour", member=ada)
        # The bot's own message, sent over REST, then replied to by Ada with the ping on and off.
        channel = bot.get_channel(fake.channel_id)
        sent = await channel.send("salut", allowed_mentions=discord.AllowedMentions.none())
        loud = await fake.reply({"id": str(sent.id)}, "et ensuite ?", member=ada)
        quiet = await fake.reply({"id": str(sent.id)}, "et après ?", member=ada, ping=False)
        assert str(fake.app_id) not in [u["id"] for u in quiet["mentions"]]
        await fake.wait_for(lambda: len(seen.get("messages", [])) == 3, 5, "three messages")
    assert loud["type"] == 19 and loud["message_reference"]["message_id"] == str(sent.id)
    assert loud["referenced_message"]["id"] == str(sent.id)
    _, loud_msg, quiet_msg = seen["messages"]
    assert loud_msg.type is discord.MessageType.reply and loud_msg.reference.resolved.id == sent.id
    assert [u.id for u in loud_msg.mentions] == [fake.app_id] and loud_msg.content == "et ensuite ?"
    # Without the intent and without the ping, what the reply says is blanked; what it quotes (the bot's) is not.
    assert quiet_msg.mentions == [] and quiet_msg.content == ""
    assert quiet_msg.reference.resolved.content == "salut"
    assert first["mentions"][0]["id"] == str(fake.app_id)


async def test_a_thread_from_a_message_has_its_id_and_is_announced(discord_at):
    """POST …/messages/{id}/threads: a public thread with the message's id, THREAD_CREATE, posts in it."""
    fake = discord_at
    seen: dict = {}
    async with running(listening_bot(seen), fake) as bot:
        msg = await fake.post_message("une question", member=fake.add_member("ada"))
        channel = bot.get_channel(fake.channel_id)
        thread = await channel.get_partial_message(int(msg["id"])).create_thread(name="Une question")
        await fake.wait_for(lambda: seen.get("threads"), 5, "THREAD_CREATE")
        await thread.send("dans le fil")
        with pytest.raises(discord.HTTPException) as again:
            await channel.get_partial_message(int(msg["id"])).create_thread(name="Encore")
    assert thread.id == int(msg["id"]) and thread.parent_id == fake.channel_id and thread.name == "Une question"
    assert seen["threads"][0].id == thread.id
    assert again.value.code == 160004
    assert [m["content"] for m in fake.bot_messages_in(thread.id)] == ["dans le fil"]
    assert fake.channel_messages[int(msg["id"])]["flags"] & o.HAS_THREAD


@pytest.mark.parametrize(("body", "field"), [
    ({"name": ""}, "name"),
    ({"name": "x" * 101}, "name"),
    ({"name": "ok", "auto_archive_duration": 90}, "auto_archive_duration"),
    ({"name": "ok", "rate_limit_per_user": 30000}, "rate_limit_per_user"),
    ({"name": "ok", "type": 11}, "type"),  # not a field of this route
])
async def test_thread_bodies_are_checked_strictly(discord_at, body, field):
    """Wrong shapes and unknown fields: 400, code 50035, the field named; no thread made."""
    fake = discord_at
    async with running(listening_bot({}), fake):
        msg = await fake.post_message("une question", member=fake.add_member("ada"))
        async with aiohttp.ClientSession(headers={"Authorization": f"Bot {fake.bot_token}"}) as http:
            r = await http.post(f"{fake.api_base}/channels/{fake.channel_id}/messages/{msg['id']}/threads",
                                json=body)
            assert r.status == 400 and (await r.json())["code"] == 50035
            assert field in (await r.json())["errors"]
    assert fake.thread_from(msg) is None


async def test_forum_posts_over_rest_and_by_members(discord_at):
    """A forum post needs `message`; a member's post fires THREAD_CREATE, then its first message (same id)."""
    fake = discord_at
    seen: dict = {}
    forum = await fake.add_channel("aide", forum=True)
    async with running(listening_bot(seen, message_content=True), fake) as bot:
        assert isinstance(bot.get_channel(int(forum["id"])), discord.ForumChannel)
        thread, starter = await fake.start_forum_post(int(forum["id"]), "Installer", "Comment installer ?",
                                                      member=fake.add_member("ada"))
        await fake.wait_for(lambda: seen.get("messages"), 5, "the post's first message")
        async with aiohttp.ClientSession(headers={"Authorization": f"Bot {fake.bot_token}"}) as http:
            bare = await http.post(f"{fake.api_base}/channels/{forum['id']}/threads", json={"name": "Sans message"})
            assert bare.status == 400 and "message" in (await bare.json())["errors"]
        made = await bot.get_channel(int(forum["id"])).create_thread(name="Annonce", content="Bienvenue")
    assert starter["id"] == thread["id"] and seen["threads"][0].parent_id == int(forum["id"])
    message = seen["messages"][0]  # then the bot's own post's first message
    assert message.id == message.channel.id == int(thread["id"]) and message.content == "Comment installer ?"
    assert made.thread.parent_id == int(forum["id"]) and made.message.content == "Bienvenue"


async def test_message_menu_resolves_its_message_with_content_whatever_the_intent(discord_at):
    """A message command (type 2 interaction, data type 3): target_id in resolved.messages, content included."""
    fake = discord_at
    seen: dict = {}
    async with running(listening_bot(seen), fake):
        assert fake.command("Echo this", type=3) is not None
        msg = await fake.post_message("un texte sans mention", member=fake.add_member("ada"))
        await fake.wait_for(lambda: seen.get("messages"), 5, "the message")
        rec = await fake.invoke_menu("Echo this", msg, member=fake.add_member("bea"))
        await fake.wait_for(lambda: rec.answered, 5, "the menu's answer")
    assert seen["messages"][0].content == ""  # the gateway blanked it: no intent, no mention
    assert seen["menu"].content == "un texte sans mention" and seen["menu"].id == int(msg["id"])
    assert rec.messages[0]["content"] == "un texte sans mention" and rec.ephemeral


async def test_subcommand_with_a_forum_option_then_a_button_click(discord_at):
    """/pick forum: nested options, the forum resolved; its button click is a component interaction."""
    fake = discord_at
    seen: dict = {}
    forum = await fake.add_channel("aide", forum=True)
    async with running(listening_bot(seen), fake):
        ada = fake.add_member("ada")
        with pytest.raises(AssertionError, match="channels of types"):
            await fake.invoke("pick forum", {"forum": fake.channel_id, "mode": "on"}, member=ada)
        with pytest.raises(AssertionError, match="offers only"):
            await fake.invoke("pick forum", {"forum": int(forum["id"]), "mode": "sideways"}, member=ada)
        with pytest.raises(AssertionError, match="subcommands"):
            await fake.invoke("pick", {}, member=ada)
        rec = await fake.invoke("pick forum", {"forum": int(forum["id"]), "mode": "on"}, member=ada)
        await fake.wait_for(lambda: rec.answered, 5, "the answer")
        click = await fake.click(rec.messages[0], "pick:go", member=ada)
        await fake.wait_for(lambda: click.answered, 5, "the click's answer")
    picked, mode = seen["picked"]
    assert picked.id == int(forum["id"]) and mode == "on"
    assert seen["click"].message.id == int(rec.messages[0]["id"]) and click.callback_type == 5 and click.ephemeral


async def test_without_embed_links_embeds_are_dropped_or_refused(discord_at):
    """A channel denying the bot Embed Links: text with embeds is kept without them; embeds alone are 403."""
    fake = discord_at
    no_embeds = await fake.add_channel("texte", overwrites=[o.overwrite(fake.bot_role, deny=o.EMBED_LINKS)])
    async with running(listening_bot({}), fake) as bot:
        channel = bot.get_channel(int(no_embeds["id"]))
        assert not channel.permissions_for(channel.guild.me).embed_links  # discord.py reads the overwrite too
        kept = await channel.send("texte", embed=discord.Embed(title="caché"))
        with pytest.raises(discord.Forbidden) as refused:
            await channel.send(embed=discord.Embed(title="seul"))
        rec = await fake.invoke("pick forum", {"forum": int((await fake.add_channel("f", forum=True))["id"]),
                                               "mode": "on"}, member=fake.add_member("ada"),
                                channel_id=int(no_embeds["id"]))
        await fake.wait_for(lambda: rec.answered, 5, "the answer")
    assert kept.content == "texte" and kept.embeds == [] and refused.value.code == 50013
    assert not int(rec_app_permissions(fake, rec)) & o.EMBED_LINKS


def rec_app_permissions(fake, rec) -> str:
    """The app_permissions the stand-in sent with an interaction."""
    session = fake.session
    for event in session.events:
        if event["t"] == "INTERACTION_CREATE" and event["d"]["id"] == str(rec.id):
            return event["d"]["app_permissions"]
    raise AssertionError("interaction not dispatched")


async def test_channel_events_need_the_guilds_intent(discord_at):
    """CHANNEL_CREATE reaches a bot with the GUILDS intent; not one without."""
    fake = discord_at
    bot = commands.Bot(command_prefix="!", intents=discord.Intents(guild_messages=True))
    async with running(bot, fake):
        await fake.add_channel("nouveau")  # returns once the gateway has sent, or not sent, the event
    assert not [e for e in fake.session.events if e["t"] == "CHANNEL_CREATE"]
