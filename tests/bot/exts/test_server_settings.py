"""/settings: for server managers only, private, stored; plain words when the bot can't do what was picked."""

from __future__ import annotations

import discord
import pytest
from discord.app_commands import Choice

from bot.i18n import t
from tests.bot.helpers import MockForumChannel, MockInteraction, MockTextChannel, invoke, sent

MANAGER = discord.Permissions(manage_guild=True)


@pytest.mark.parametrize("permissions", [discord.Permissions.none(), discord.Permissions(manage_messages=True)])
async def test_refused_to_members_without_manage_server(bot, permissions):
    """Someone without Manage Server gets a private refusal naming the permission; nothing is stored."""
    inter = MockInteraction(bot, permissions=permissions, locale=discord.Locale.french)
    await invoke(bot, "settings mode", inter, answers=Choice(name="thread", value="thread"))
    [refusal] = sent(inter.response.send_message)
    assert refusal["ephemeral"] is True and refusal["content"] == t("manage_guild_only", "fr")
    inter.response.defer.assert_not_awaited()
    assert bot.guild_settings.get(inter.guild_id).answer_mode == "reply"


async def test_refused_in_a_dm(bot):
    """In a DM there is no server to set."""
    inter = MockInteraction(bot, guild=None, permissions=MANAGER)
    await invoke(bot, "settings show", inter)
    assert sent(inter.response.send_message)[0]["content"] == t("guild_only", "en")


async def test_a_manager_changes_them_privately_and_they_apply(bot):
    """Deferred privately first, stored, then shown: mode, language, channels."""
    inter = MockInteraction(bot, permissions=MANAGER)
    await invoke(bot, "settings mode", inter, answers=Choice(name="thread", value="thread"))
    assert inter.response.defer.await_args.kwargs == {"ephemeral": True, "thinking": True}
    [shown] = sent(inter.followup.send)
    assert shown["ephemeral"] is True and shown["content"].startswith(t("settings_saved", "en"))
    assert t("settings_mode_thread", "en") in shown["content"]
    help_channel = MockTextChannel(guild=inter.guild)
    for name, params in [("settings language", {"language": Choice(name="fr", value="fr")}),
                         ("settings channel", {"channel": help_channel, "answer": True})]:
        await invoke(bot, name, MockInteraction(bot, guild=inter.guild, permissions=MANAGER), **params)
    settings = bot.guild_settings.get(inter.guild_id)
    assert (settings.answer_mode, settings.language, settings.mention_channels) == ("thread", "fr",
                                                                                    {help_channel.id})
    show = MockInteraction(bot, guild=inter.guild, permissions=MANAGER)
    await invoke(bot, "settings show", show)
    assert f"<#{help_channel.id}>" in sent(show.followup.send)[0]["content"]
    everywhere = MockInteraction(bot, guild=inter.guild, permissions=MANAGER)
    await invoke(bot, "settings all-channels", everywhere)
    assert t("settings_channels_all", "en") in sent(everywhere.followup.send)[0]["content"]


@pytest.mark.parametrize("message_content", [True, False])
async def test_picking_a_forum_says_plainly_when_the_intent_is_off(make_bot, message_content):
    """A forum picked while the Message Content intent is off: saved, and the reply says what is missing."""
    bot = await make_bot(message_content=message_content)
    inter = MockInteraction(bot, permissions=MANAGER)
    forum = MockForumChannel(guild=inter.guild)
    await invoke(bot, "settings forum", inter, forum=forum, answer=True)
    text = sent(inter.followup.send)[0]["content"]
    assert f"<#{forum.id}>" in text and bot.guild_settings.get(inter.guild_id).forum_channels == {forum.id}
    assert (t("settings_forum_needs_intent", "en") in text) is (not message_content)
    assert "DOCBOT_MESSAGE_CONTENT=true" in t("settings_forum_needs_intent", "fr")


async def test_settings_commands_are_for_managers_in_servers_only(bot):
    """Discord hides /settings from members without Manage Server and in DMs (the bot still checks)."""
    group = bot.tree.get_command("settings")
    payload = group.to_dict(bot.tree)
    assert int(payload["default_member_permissions"]) == discord.Permissions(manage_guild=True).value
    assert payload["contexts"] == [0]  # servers only
    assert {c.name for c in group.commands} == {"show", "mode", "language", "channel", "all-channels", "forum"}
