"""A member's permissions in a channel, computed as Discord documents it: roles, then the channel's overwrites.

https://discord.com/developers/docs/topics/permissions#permission-overwrites: @everyone's overwrite, then
the member's roles' overwrites together, then the member's own; Administrator has everything; without View
Channel, nothing. A thread has its parent channel's overwrites.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import objects as o

if TYPE_CHECKING:
    from .server import FakeDiscord, Member

ALL = (1 << 53) - 1


def base(fake: FakeDiscord, member: Member) -> int:
    """The member's permissions in the guild: @everyone's and its roles'."""
    perms = 0
    for r in fake.roles:
        if int(r["id"]) == fake.guild_id or int(r["id"]) in member.roles:
            perms |= int(r["permissions"])
    return ALL if perms & o.ADMINISTRATOR else perms


def in_channel(fake: FakeDiscord, member: Member, channel: dict) -> int:
    """The member's permissions in `channel` (a thread: in its parent), overwrites applied."""
    perms = base(fake, member)
    if perms & o.ADMINISTRATOR:
        return ALL
    if o.is_thread(channel):
        with fake.lock:
            channel = fake.channels[int(channel["parent_id"])]
    overwrites = {(int(ow["id"]), ow["type"]): ow for ow in channel.get("permission_overwrites") or []}

    def apply(perms: int, allow: int, deny: int) -> int:
        return (perms & ~deny) | allow

    everyone = overwrites.get((fake.guild_id, 0))
    if everyone:
        perms = apply(perms, int(everyone["allow"]), int(everyone["deny"]))
    allow = deny = 0
    for role_id in member.roles:
        ow = overwrites.get((role_id, 0))
        if ow:
            allow |= int(ow["allow"])
            deny |= int(ow["deny"])
    perms = apply(perms, allow, deny)
    own = overwrites.get((member.id, 1))
    if own:
        perms = apply(perms, int(own["allow"]), int(own["deny"]))
    return perms if perms & o.VIEW_CHANNEL else 0


def missing_to_send(perms: int, channel: dict, payload: dict) -> tuple[int, int, str] | None:
    """Discord's refusal (status, code, message) of a message the bot may not send there; None if allowed."""
    if not perms & o.VIEW_CHANNEL:
        return 403, 50001, "Missing Access"
    if not perms & (o.SEND_MESSAGES_IN_THREADS if o.is_thread(channel) else o.SEND_MESSAGES):
        return 403, 50013, "Missing Permissions"
    if payload.get("message_reference") and not perms & o.READ_MESSAGE_HISTORY:
        return 400, 160002, "Cannot reply without permission to read message history"
    shown = payload.get("content") or payload.get("components") or payload.get("attachments")
    if payload.get("embeds") and not perms & o.EMBED_LINKS and not shown:
        return 403, 50013, "Missing Permissions"  # embeds alone, and none may be shown
    return None


def as_shown(perms: int, payload: dict) -> dict:
    """The message Discord keeps: without Embed Links, a bot's embeds are dropped (its text stays)."""
    if payload.get("embeds") and not perms & o.EMBED_LINKS:
        return {**payload, "embeds": []}
    return payload


def bot_in_channel(fake: FakeDiscord, channel: dict) -> int:
    """The bot's permissions in a guild channel."""
    return in_channel(fake, fake.bot_member, channel)


def add_channel(fake: FakeDiscord, name: str, *, bot_deny: int = 0) -> dict:
    """A new text channel of the guild, where the bot's role is denied `bot_deny` (call before the bot connects)."""
    channel = o.text_channel(o.snowflake(), fake.guild_id, name, position=len(fake.channels))
    if bot_deny:
        channel["permission_overwrites"] = [{"id": str(fake.bot_role), "type": 0, "allow": "0",
                                             "deny": str(bot_deny)}]
    with fake.lock:
        fake.channels[int(channel["id"])] = channel
    return channel


def dm_refusal(fake: FakeDiscord, channel: dict) -> tuple[int, int, str] | None:
    """Discord's refusal of a DM to someone who does not accept DMs from the bot; None otherwise."""
    if channel["type"] != 1:
        return None
    recipient = int(channel["recipients"][0]["id"])
    with fake.lock:
        closed = recipient in fake.dms_closed
    return (403, 50007, "Cannot send messages to this user") if closed else None
