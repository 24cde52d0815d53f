"""What the cogs share: sending without pings, the asker's language, and errors as short private messages."""

from __future__ import annotations

import logging
import math

import discord
from discord import app_commands

from index import DocbotError

from ..access import NotPermitted
from ..i18n import language_for, t
from ..messages import for_operator, for_user, needs_operator
from ..service import BusyError

log = logging.getLogger(__name__)

NO_MENTIONS = discord.AllowedMentions.none()


def interaction_language(interaction: discord.Interaction) -> str:
    """The language to answer an interaction in: the user's client, else the server's."""
    return language_for(interaction.locale, interaction.guild_locale)


def user_message(error: BaseException, lang: str) -> str:
    """What to tell the user about `error`, in `lang`; anything unexpected is logged with its traceback."""
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, app_commands.CommandOnCooldown):
        return t("cooldown", lang, seconds=max(1, math.ceil(error.retry_after)))
    if isinstance(error, NotPermitted):
        return t(error.reason, lang)
    if isinstance(error, app_commands.NoPrivateMessage):
        return t("guild_only", lang)
    if isinstance(error, app_commands.MissingPermissions):
        return t("manage_guild_only" if "manage_guild" in error.missing_permissions else "not_allowed", lang)
    if isinstance(error, app_commands.CheckFailure):
        return t("not_allowed", lang)
    if isinstance(error, (DocbotError, BusyError)):
        if needs_operator(error):
            # The details, and what fixes them, go to the log; the user gets what they can do.
            log.warning("%s: %s", type(error).__name__, for_operator(error))
        return for_user(error, lang)
    log.error("Unexpected error", exc_info=error)
    return t("unexpected", lang)


async def send_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Tell the user about an error in a short ephemeral message."""
    message = user_message(error, interaction_language(interaction))
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
    await reply(message, user_message(error, lang))


async def reply(message: discord.Message, text: str, *, delete_after: float | None = None) -> None:
    """Reply with text, pinging no one, deleted after `delete_after` seconds if given; a failed send is logged."""
    try:
        await message.reply(text, allowed_mentions=NO_MENTIONS, mention_author=False, delete_after=delete_after)
    except discord.HTTPException:
        log.warning("Could not reply to a message", exc_info=True)
