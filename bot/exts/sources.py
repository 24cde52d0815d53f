"""/sources: the indexed documents and when the index was built."""

from __future__ import annotations

import asyncio
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


class Sources(commands.Cog):
    """Lists what the bot knows about."""

    def __init__(self, bot: DocBot) -> None:
        self.bot = bot

    @app_commands.command(name="sources", description=locale_str(t("cmd_sources", "en"), key="cmd_sources"))
    async def sources(self, interaction: discord.Interaction) -> None:
        """/sources: the documents (title, passages, date) and the build time, privately."""
        # Loading a large index from disk can outlast Discord's 3 s: acknowledge first.
        await interaction.response.defer(ephemeral=True, thinking=True)
        lang = interaction_language(interaction)
        index = await asyncio.to_thread(self.bot.engine.load)
        await interaction.followup.send(embeds=render.sources_embeds(index, lang), ephemeral=True,
                                        allowed_mentions=NO_MENTIONS)


async def setup(bot: DocBot) -> None:
    """Load the Sources cog."""
    await bot.add_cog(Sources(bot))
