"""/reindex: the bot's owner and admin servers' managers update the index without restarting the bot."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.ext import commands

from .. import render
from ..access import manages_documents
from ..i18n import t
from ._progress import Progress, deliver, describe_progress
from ._utils import interaction_language, user_message

if TYPE_CHECKING:
    from ..client import DocBot

log = logging.getLogger(__name__)


class Reindex(commands.Cog):
    """Rebuilds the index on request."""

    def __init__(self, bot: DocBot) -> None:
        self.bot = bot

    @app_commands.command(name="reindex", description=locale_str(t("cmd_reindex", "en"), key="cmd_reindex"))
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)  # only a hint to Discord's UI: the check enforces
    @manages_documents()
    async def reindex(self, interaction: discord.Interaction) -> None:
        """/reindex: rebuild incrementally off the event loop, then swap the new index in."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        lang = interaction_language(interaction)
        log.info("Reindex requested by %s in guild %s", interaction.user.id, interaction.guild_id)
        try:
            folder = self.bot.settings.documents_dir.name or "documents"
            async with Progress(interaction, describe_progress(lang, f"{folder}/")) as progress:
                summary = await self.bot.rebuild(progress)
        except Exception as exc:  # noqa: BLE001 - the words for any failure, where the requester will see them
            text = user_message(exc, lang)
        else:
            log.info("Reindex done: %s", summary.line())
            text = render.reindex_message(summary, lang)
        await deliver(interaction, text, lang, "/reindex")


async def setup(bot: DocBot) -> None:
    """Load the Reindex cog."""
    await bot.add_cog(Reindex(bot))
