"""/reindex: server managers update the index without restarting the bot."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.ext import commands

from .. import render
from ..i18n import t
from ._utils import NO_MENTIONS, interaction_language

if TYPE_CHECKING:
    from ..client import DocBot

log = logging.getLogger(__name__)


def _in_guild(interaction: discord.Interaction) -> bool:
    # guild_only() only hides the command in DMs on Discord's side; this is the bot's own check.
    if interaction.guild_id is None:
        raise app_commands.NoPrivateMessage()
    return True


class Reindex(commands.Cog):
    """Rebuilds the index on request."""

    def __init__(self, bot: DocBot) -> None:
        self.bot = bot

    @app_commands.command(name="reindex", description=locale_str(t("cmd_reindex", "en"), key="cmd_reindex"))
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)  # only a hint to Discord's UI: the checks enforce
    @app_commands.checks.has_permissions(manage_guild=True)
    @app_commands.check(_in_guild)  # checks run bottom-up: "only in a server" before "only managers"
    async def reindex(self, interaction: discord.Interaction) -> None:
        """/reindex: rebuild incrementally off the event loop, then swap the new index in."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        lang = interaction_language(interaction)
        log.info("Reindex requested by %s in guild %s", interaction.user.id, interaction.guild_id)
        summary = await self.bot.rebuild()
        log.info("Reindex done: %s", summary.line())
        await interaction.followup.send(render.reindex_message(summary, lang), ephemeral=True,
                                        allowed_mentions=NO_MENTIONS)


async def setup(bot: DocBot) -> None:
    """Load the Reindex cog."""
    await bot.add_cog(Reindex(bot))
