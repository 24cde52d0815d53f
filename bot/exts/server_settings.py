"""/settings: a server's managers choose where and how docbot answers; everything here is private to them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import Choice, locale_str
from discord.ext import commands

from ..database import GuildSettings, GuildSettingsStore
from ..i18n import t
from ._utils import NO_MENTIONS, interaction_language

if TYPE_CHECKING:
    from ..client import DocBot

log = logging.getLogger(__name__)


def _s(key: str) -> locale_str:
    """A command text in English, translated for French clients by its MESSAGES key."""
    return locale_str(t(key, "en"), key=key)


def _channels(ids: frozenset[int]) -> str:
    # <#id> shows the channel's name to each reader; mentions of channels never notify anyone.
    return ", ".join(f"<#{i}>" for i in sorted(ids))


def describe(settings: GuildSettings, lang: str, *, message_content: bool) -> str:
    """A server's settings in words, with what the bot can't do for them as it runs."""
    lines = [f"**{t('settings_title', lang)}**",
             t("settings_mode_thread" if settings.answer_mode == "thread" else "settings_mode_reply", lang),
             t("settings_channels", lang, channels=_channels(settings.mention_channels))
             if settings.mention_channels else t("settings_channels_all", lang),
             t("settings_forums", lang, forums=_channels(settings.forum_channels))
             if settings.forum_channels else t("settings_forums_none", lang),
             t("settings_language_auto", lang) if settings.language == "auto"
             else t("settings_language_fixed", lang, language=t(f"language_{settings.language}", lang))]
    if not message_content:
        if settings.forum_channels:
            lines.append(f"⚠️ {t('settings_forum_needs_intent', lang)}")
        if settings.answer_mode == "thread":
            lines.append(f"ℹ️ {t('settings_thread_needs_intent', lang)}")
    return "\n".join(lines)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)  # only a hint to Discord's UI: interaction_check enforces
class ServerSettings(commands.GroupCog, group_name="settings", group_description=_s("cmd_settings")):
    """docbot's settings for one server, for its managers (Manage Server)."""

    def __init__(self, bot: DocBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        """Only in a server, and only for people with Manage Server there."""
        if interaction.guild_id is None:
            raise app_commands.NoPrivateMessage()
        if not interaction.permissions.manage_guild:
            raise app_commands.MissingPermissions(["manage_guild"])
        return True

    async def _apply(self, interaction: discord.Interaction,
                     change: Callable[[GuildSettingsStore, int], GuildSettings], *, saved: bool = True) -> None:
        """Acknowledge, make the change off the event loop, then show the settings privately."""
        # The write may wait on a busy database longer than Discord's 3 s: acknowledge first.
        await interaction.response.defer(ephemeral=True, thinking=True)
        settings = await asyncio.to_thread(change, self.bot.guild_settings, interaction.guild_id)
        lang = interaction_language(interaction)
        text = describe(settings, lang, message_content=self.bot.intents.message_content)
        if saved:
            text = f"{t('settings_saved', lang)}\n{text}"
            log.info("Settings of server %s changed by %s", interaction.guild_id, interaction.user.id)
        await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="show", description=_s("cmd_settings_show"))
    async def show(self, interaction: discord.Interaction) -> None:
        """/settings show."""
        await self._apply(interaction, lambda store, guild: store.get(guild), saved=False)

    @app_commands.command(name="mode", description=_s("cmd_settings_mode"))
    @app_commands.describe(answers=_s("cmd_settings_mode_answers"))
    @app_commands.choices(answers=[Choice(name=_s("choice_reply"), value="reply"),
                                   Choice(name=_s("choice_thread"), value="thread")])
    async def mode(self, interaction: discord.Interaction, answers: Choice[str]) -> None:
        """/settings mode: answer mentions with a reply, or in a new thread from the question."""
        by = interaction.user.id
        await self._apply(interaction, lambda store, guild: store.set_answer_mode(guild, answers.value, by=by))

    @app_commands.command(name="language", description=_s("cmd_settings_language"))
    @app_commands.describe(language=_s("cmd_settings_language_language"))
    @app_commands.choices(language=[Choice(name=_s("choice_auto"), value="auto"),
                                    Choice(name=_s("choice_fr"), value="fr"),
                                    Choice(name=_s("choice_en"), value="en")])
    async def language(self, interaction: discord.Interaction, language: Choice[str]) -> None:
        """/settings language: the language of docbot's own words here ("auto": the asker's)."""
        by = interaction.user.id
        await self._apply(interaction, lambda store, guild: store.set_language(guild, language.value, by=by))

    @app_commands.command(name="channel", description=_s("cmd_settings_channel"))
    @app_commands.describe(channel=_s("cmd_settings_channel_channel"), answer=_s("cmd_settings_channel_answer"))
    async def channel(self, interaction: discord.Interaction, channel: discord.TextChannel, answer: bool) -> None:
        """/settings channel: answer mentions in this channel (the first one picked limits them to the list)."""
        by = interaction.user.id
        await self._apply(interaction, lambda store, guild: store.pick_channel(guild, channel.id, "mentions",
                                                                               answer, by=by))

    @app_commands.command(name="all-channels", description=_s("cmd_settings_all_channels"))
    async def all_channels(self, interaction: discord.Interaction) -> None:
        """/settings all-channels: answer mentions everywhere again."""
        await self._apply(interaction, lambda store, guild: store.clear_channels(guild, "mentions"))

    @app_commands.command(name="forum", description=_s("cmd_settings_forum"))
    @app_commands.describe(forum=_s("cmd_settings_forum_forum"), answer=_s("cmd_settings_forum_answer"))
    async def forum(self, interaction: discord.Interaction, forum: discord.ForumChannel, answer: bool) -> None:
        """/settings forum: answer the new posts of a help forum (needs the Message Content intent)."""
        by = interaction.user.id
        await self._apply(interaction, lambda store, guild: store.pick_channel(guild, forum.id, "forum", answer,
                                                                               by=by))


async def setup(bot: DocBot) -> None:
    """Load the ServerSettings cog."""
    await bot.add_cog(ServerSettings(bot))
