"""The one place errors become short messages in the user's language; tracebacks go to the log."""

from __future__ import annotations

import logging
import math

import discord
from discord import app_commands
from discord.ext import commands

from index import (
    BusyError,
    DocbotError,
    DocumentsDirError,
    EmbeddingModelError,
    IndexCorruptError,
    IndexIncompatibleError,
    IndexLockedError,
    IndexMissingError,
    InvalidQuestionError,
)

from ..i18n import language_for, t

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()


def user_message(error: BaseException, lang: str) -> str:
    """What to tell the user about `error`, in `lang`; anything unexpected is logged with its traceback."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, app_commands.CommandOnCooldown):
        return t("cooldown", lang, seconds=max(1, math.ceil(error.retry_after)))
    if isinstance(error, app_commands.NoPrivateMessage):
        return t("guild_only", lang)
    if isinstance(error, app_commands.MissingPermissions):
        return t("manage_guild_only" if "manage_guild" in error.missing_permissions else "not_allowed", lang)
    if isinstance(error, app_commands.CheckFailure):
        return t("not_allowed", lang)
    if isinstance(error, DocbotError):
        return _docbot_message(error, lang)
    log.error("Unexpected error", exc_info=error)
    return t("unexpected", lang)


def _docbot_message(error: DocbotError, lang: str) -> str:
    if isinstance(error, IndexLockedError):
        return t("reindex_running", lang)
    if isinstance(error, BusyError):
        return t("busy", lang)
    if isinstance(error, InvalidQuestionError):
        return t("invalid_question", lang, detail=str(error))
    # The rest needs the operator: the details go to the log, the user gets what they can do.
    log.warning("%s: %s", type(error).__name__, error)
    if isinstance(error, IndexMissingError):
        return t("index_missing", lang)
    if isinstance(error, (IndexCorruptError, IndexIncompatibleError)):
        return t("index_broken", lang)
    if isinstance(error, DocumentsDirError):
        return t("documents_missing", lang)
    if isinstance(error, EmbeddingModelError):
        return t("model_error", lang)
    return str(error)


async def send_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Tell the user about an error in a short ephemeral message."""
    message = user_message(error, language_for(interaction.locale, interaction.guild_locale))
    try:
        if not interaction.response.is_done():
            await interaction.response.send_message(message, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        if interaction.response.type is discord.InteractionResponseType.deferred_channel_message:
            # The first follow-up of a deferral inherits its visibility: drop the (possibly public)
            # "thinking…" placeholder so the error stays between the bot and the user.
            try:
                await interaction.delete_original_response()
            except discord.HTTPException:
                log.debug("Could not delete the deferred response", exc_info=True)
        await interaction.followup.send(message, ephemeral=True, allowed_mentions=NO_MENTIONS)
    except discord.HTTPException:
        log.warning("Could not report an error to the user", exc_info=True)


async def reply_error(message: discord.Message, error: BaseException, lang: str) -> None:
    """Tell the author of a mention or DM about an error, in a reply (messages can't be ephemeral)."""
    try:
        await message.reply(user_message(error, lang), allowed_mentions=NO_MENTIONS, mention_author=False)
    except discord.HTTPException:
        log.warning("Could not report an error to the user", exc_info=True)


class ErrorHandler(commands.Cog):
    """Routes every slash command error to `send_error`."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        self._previous = bot.tree.on_error

    async def cog_load(self) -> None:
        """Install the handler on the command tree."""
        self.bot.tree.error(self.on_app_command_error)

    async def cog_unload(self) -> None:
        """Put back the tree's previous handler."""
        self.bot.tree.on_error = self._previous

    async def on_app_command_error(self, interaction: discord.Interaction,
                                   error: app_commands.AppCommandError) -> None:
        """Report a slash command error to its user."""
        await send_error(interaction, error)


async def setup(bot: commands.Bot) -> None:
    """Load the ErrorHandler cog."""
    await bot.add_cog(ErrorHandler(bot))
