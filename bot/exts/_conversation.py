"""What answering on Discord shares: the question in a message, whether it speaks to the bot, and decoration.

Decoration (the typing indicator, a reaction) is best effort: failing to show it never fails an answer.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import AsyncIterator

import discord

from .. import render

log = logging.getLogger(__name__)

# Users, roles, channels, slash commands and mass pings: addressing people, not part of a question.
# Mentions of users, roles, channels and commands, @everyone, and custom emoji (<:name:id>, <a:name:id>).
_MENTIONS = re.compile(r"<@!?\d+>|<@&\d+>|<#\d+>|</[^<>:\s][^<>:]*:\d+>|<a?:\w+:\d+>|@(?:everyone|here)\b")
THREAD_NAME_LIMIT = 100  # Discord's longest thread name

COOLDOWN_REACTION = "⏳"  # asked again too soon, or too many questions at once: ask again in a moment
TOO_LONG_REACTION = "✂️"  # over the length limit: shorten it


def question_text(text: str) -> str:
    """The question in a message: every mention (the bot, users, roles, channels, @everyone) and custom emoji out."""
    return " ".join(_MENTIONS.sub(" ", text or "").split())


def mentions_me(message: discord.Message, me: discord.abc.Snowflake) -> bool:
    """Whether a message mentions the bot: its user (also a reply that pings it) or its own managed role."""
    if any(user.id == me.id for user in message.mentions):
        return True
    role = message.guild.self_role if message.guild is not None else None
    return role is not None and any(r.id == role.id for r in message.role_mentions)


def replied_to(message: discord.Message) -> discord.Message | None:
    """The message this one replies to, when Discord sent it along (or it is cached); None otherwise."""
    ref = message.reference
    if ref is None:
        return None
    resolved = ref.resolved if isinstance(ref.resolved, discord.Message) else ref.cached_message
    return resolved if isinstance(resolved, discord.Message) else None


def thread_name(question: str) -> str:
    """A thread's name made from its question (Discord takes 1 to 100 characters)."""
    return render.shorten(" ".join(question.split()), THREAD_NAME_LIMIT) or "docbot"


def can_embed(channel: object) -> bool:
    """Whether the bot's embeds show in `channel` (Discord hides them without Embed Links); True in DMs."""
    guild = getattr(channel, "guild", None)
    if guild is None or not hasattr(channel, "permissions_for"):
        return True
    return channel.permissions_for(guild.me).embed_links


@contextlib.asynccontextmanager
async def typing(channel: discord.abc.Messageable) -> AsyncIterator[None]:
    """"docbot is typing…" while the block runs, best effort: failing to show it never fails the answer."""
    indicator = channel.typing()
    try:
        await indicator.__aenter__()
    except Exception:  # noqa: BLE001 - decoration only (a 403, a rate limit, a network blip)
        log.debug("Could not show the typing indicator", exc_info=True)
        indicator = None
    try:
        yield
    finally:
        if indicator is not None:
            try:
                await indicator.__aexit__(None, None, None)
            except Exception:  # noqa: BLE001 - decoration only
                log.debug("Could not stop the typing indicator", exc_info=True)


async def react(message: discord.Message, emoji: str) -> None:
    """Add a reaction to a message, best effort (no Add Reactions permission: nothing happens)."""
    try:
        await message.add_reaction(emoji)
    except discord.HTTPException:
        log.debug("Could not react to a message", exc_info=True)
