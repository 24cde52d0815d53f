"""Who may do what: changing the documents and rebuilding the index, for the bot's owner and admin servers' managers.

One index serves every server the bot is in, so a server's own managers may change it only when the
operator listed that server (DOCBOT_ADMIN_GUILD_IDS, else DOCBOT_GUILD_ID's). The bot's owner (the
application's owner, or its team's admins and developers) may do it in any server.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, Protocol, TypeVar

import discord
from discord import app_commands

log = logging.getLogger(__name__)

T = TypeVar("T")


class Guarded(Protocol):
    """What the checks need of the client: who owns it, and its settings (`admin_guilds`)."""

    settings: Any

    async def is_owner(self, user: discord.abc.User, /) -> bool:
        """Whether `user` owns the bot."""
        ...


class NotPermitted(app_commands.CheckFailure):
    """Refused to this user here; `reason` is the key of the message that says why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


async def is_owner(bot: Guarded, user: discord.abc.User) -> bool:
    """Whether `user` owns the bot (a team's admins and developers count); False when Discord can't say."""
    try:
        return await bot.is_owner(user)
    except discord.HTTPException as exc:
        log.warning("Could not read the bot's owner from Discord (%s %s); treating %s as not the owner",
                    exc.status, exc.text, user.id)
        return False


async def refusal(interaction: discord.Interaction[Any]) -> str | None:
    """None if the user may change the documents and rebuild here; else the key of the reason they may not."""
    if interaction.guild_id is None:
        return "guild_only"
    if await is_owner(interaction.client, interaction.user):
        return None
    if interaction.guild_id not in interaction.client.settings.admin_guilds:
        return "not_admin_guild"
    perms = interaction.permissions
    if not (perms.manage_guild or perms.administrator):
        return "manage_guild_only"
    return None


def manages_documents() -> Callable[[T], T]:
    """An app command check: only those `refusal` lets through; the others get NotPermitted with the reason."""

    async def predicate(interaction: discord.Interaction[Any]) -> bool:
        reason = await refusal(interaction)
        if reason is not None:
            raise NotPermitted(reason)
        return True

    return app_commands.check(predicate)


def outside_admin_guilds(guilds: Iterable[discord.Guild], admin: frozenset[int]) -> list[discord.Guild]:
    """The servers among `guilds` whose managers may not change the documents."""
    return [g for g in guilds if g.id not in admin]


def warn_outside(guilds: Iterable[discord.Guild], admin: frozenset[int]) -> None:
    """Log a warning naming the servers the bot is in that are not admin servers (anyone may invite a public bot)."""
    outside = outside_admin_guilds(guilds, admin)
    if not outside:
        return
    names = ", ".join(f"{g.name} ({g.id})" for g in outside[:20]) + (" …" if len(outside) > 20 else "")
    if admin:
        log.warning("docbot is in %d servers not listed in DOCBOT_ADMIN_GUILD_IDS: %s. Their managers cannot change "
                    "the documents or rebuild the index (the bot's owner can). If nobody meant to invite it there, "
                    "turn off Public Bot in the Developer Portal (Bot page) and remove it from them.",
                    len(outside), names)
    else:
        log.warning("No admin server is set (DOCBOT_ADMIN_GUILD_IDS, or DOCBOT_GUILD_ID): only the bot's owner may "
                    "change the documents or rebuild the index, in any of its %d servers: %s. On a single server, set "
                    "DOCBOT_ADMIN_GUILD_IDS=<its id>.", len(outside), names)
