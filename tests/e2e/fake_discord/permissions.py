"""Permissions in one channel, computed the way Discord documents it: the roles' permissions, then the channel's
overwrites for @everyone, for the member's roles, and for the member (topics/permissions, "Permission Overwrites").

Also what Discord answers a bot that posts where it may not: 403 Missing Access, Missing Permissions, or, in
a DM with someone who does not accept DMs from it, Cannot send messages to this user.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import objects as o

if TYPE_CHECKING:
    from .rest import DiscordError
    from .server import FakeDiscord

ALL = (1 << 53) - 1


def in_channel(fake: FakeDiscord, channel: dict, user_id: int, roles: list[int]) -> int:
    """The permissions of a member (with these roles) in a guild channel."""
    with fake.lock:
        perms = 0
        for r in fake.roles:
            if int(r["id"]) == fake.guild_id or int(r["id"]) in roles:
                perms |= int(r["permissions"])
        if perms & o.ADMINISTRATOR:
            return ALL
        overwrites = {int(ow["id"]): ow for ow in channel.get("permission_overwrites") or []}
    everyone = overwrites.get(fake.guild_id)
    if everyone:
        perms = (perms & ~int(everyone["deny"])) | int(everyone["allow"])
    allow = deny = 0
    for role_id in roles:
        ow = overwrites.get(role_id)
        if ow and ow["type"] == 0:
            allow, deny = allow | int(ow["allow"]), deny | int(ow["deny"])
    perms = (perms & ~deny) | allow
    mine = overwrites.get(user_id)
    if mine and mine["type"] == 1:
        perms = (perms & ~int(mine["deny"])) | int(mine["allow"])
    return perms


def bot_in_channel(fake: FakeDiscord, channel: dict) -> int:
    """The bot's permissions in a guild channel."""
    return in_channel(fake, channel, int(fake.bot_user["id"]), fake.bot_member.roles)


def add_channel(fake: FakeDiscord, name: str, *, bot_deny: int = 0) -> dict:
    """A new text channel of the guild, where the bot's role is denied `bot_deny` (call before the bot connects)."""
    channel = o.text_channel(o.snowflake(), fake.guild_id, name, position=len(fake.channels))
    if bot_deny:
        channel["permission_overwrites"] = [{"id": str(fake.bot_role), "type": 0, "allow": "0",
                                             "deny": str(bot_deny)}]
    with fake.lock:
        fake.channels[int(channel["id"])] = channel
    return channel


def post_refusal(fake: FakeDiscord, channel: dict) -> DiscordError | None:
    """The error Discord answers the bot's message in this channel with, if any."""
    from .rest import DiscordError

    if channel["type"] == 1:
        recipient = int(channel["recipients"][0]["id"])
        with fake.lock:
            closed = recipient in fake.dms_closed
        return DiscordError(403, 50007, "Cannot send messages to this user") if closed else None
    perms = bot_in_channel(fake, channel)
    if not perms & o.VIEW_CHANNEL:
        return DiscordError(403, 50001, "Missing Access")
    if not perms & o.SEND_MESSAGES:
        return DiscordError(403, 50013, "Missing Permissions")
    return None
