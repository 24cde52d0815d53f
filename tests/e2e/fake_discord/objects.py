"""Discord's JSON objects as the API sends them: users, guilds, channels, members, messages, interactions."""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
import threading
import time

DISCORD_EPOCH_MS = 1_420_070_400_000

# Permission bits (https://discord.com/developers/docs/topics/permissions).
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_APPLICATION_COMMANDS = 1 << 31
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38

MEMBER_PERMISSIONS = (VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY
                      | ADD_REACTIONS | USE_APPLICATION_COMMANDS | SEND_MESSAGES_IN_THREADS | CREATE_PUBLIC_THREADS)
# The bot may ping @everyone: the worst case, so that only allowed_mentions stands between a quoted
# "@everyone" and a notification to the whole server.
BOT_PERMISSIONS = MEMBER_PERMISSIONS | MENTION_EVERYONE

# Gateway intents (https://discord.com/developers/docs/events/gateway#gateway-intents).
INTENT_GUILD_MEMBERS = 1 << 1
INTENT_GUILD_PRESENCES = 1 << 8
INTENT_MESSAGE_CONTENT = 1 << 15
PRIVILEGED_INTENTS = INTENT_GUILD_MEMBERS | INTENT_GUILD_PRESENCES | INTENT_MESSAGE_CONTENT

EPHEMERAL = 1 << 6
LOADING = 1 << 7

_lock = threading.Lock()
_counter = itertools.count()


def snowflake() -> int:
    """A new, increasing snowflake id for the current time."""
    with _lock:
        n = next(_counter)
    return ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (n % 4096)


def token() -> str:
    """An opaque token, like an interaction's."""
    return "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48)


def iso_now() -> str:
    """The current time as Discord writes timestamps."""
    return dt.datetime.now(dt.timezone.utc).isoformat()


def user(id: int, username: str, *, bot: bool = False) -> dict:
    """A user object."""
    return {"id": str(id), "username": username, "discriminator": "0", "global_name": username,
            "avatar": None, "bot": bot, "system": False, "public_flags": 0, "flags": 0, "banner": None,
            "accent_color": None, "avatar_decoration_data": None}


def role(id: int, name: str, permissions: int, position: int, *, mentionable: bool = False,
         bot_id: int | None = None) -> dict:
    """A role object; with `bot_id`, the role Discord manages for that bot (made when it joined)."""
    out = {"id": str(id), "name": name, "color": 0, "colors": {"primary_color": 0}, "hoist": False,
           "icon": None, "unicode_emoji": None, "position": position, "permissions": str(permissions),
           "managed": bot_id is not None, "mentionable": mentionable, "flags": 0}
    if bot_id is not None:
        out["tags"] = {"bot_id": str(bot_id)}
    return out


def text_channel(id: int, guild_id: int, name: str, position: int = 0) -> dict:
    """A guild text channel object."""
    return {"id": str(id), "type": 0, "guild_id": str(guild_id), "name": name, "position": position,
            "permission_overwrites": [], "topic": None, "nsfw": False, "last_message_id": None,
            "rate_limit_per_user": 0, "parent_id": None, "flags": 0}


def dm_channel(id: int, recipient: dict) -> dict:
    """A DM channel object."""
    return {"id": str(id), "type": 1, "last_message_id": None, "recipients": [recipient], "flags": 0}


def member(user_obj: dict | None, roles: list[int], *, permissions: int | None = None) -> dict:
    """A guild member; `user_obj` None for the partial member of a MESSAGE_CREATE."""
    out = {"roles": [str(r) for r in roles], "joined_at": "2024-01-01T00:00:00+00:00", "deaf": False,
           "mute": False, "flags": 0, "pending": False, "nick": None, "avatar": None, "premium_since": None,
           "communication_disabled_until": None}
    if user_obj is not None:
        out["user"] = user_obj
    if permissions is not None:
        out["permissions"] = str(permissions)
    return out


def message(id: int, channel_id: int, author: dict, payload: dict, *, guild_id: int | None = None,
            interaction: dict | None = None, webhook_id: int | None = None) -> dict:
    """The message object Discord returns for a message it created from `payload`."""
    out = {
        "id": str(id), "channel_id": str(channel_id), "author": author,
        "content": payload.get("content") or "",
        "timestamp": iso_now(), "edited_timestamp": None, "tts": bool(payload.get("tts")),
        "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [],
        "embeds": payload.get("embeds") or [], "components": payload.get("components") or [],
        "pinned": False, "type": 0, "flags": int(payload.get("flags") or 0),
    }
    if guild_id is not None:
        out["guild_id"] = str(guild_id)
    if payload.get("message_reference"):
        out["type"] = 19
        out["message_reference"] = payload["message_reference"]
    if interaction is not None:
        out["type"] = 20
        out["interaction_metadata"] = interaction
    if webhook_id is not None:
        out["webhook_id"] = str(webhook_id)
    return out


# Channel types (https://discord.com/developers/docs/resources/channel#channel-object-channel-types).
GUILD_TEXT, GUILD_ANNOUNCEMENT, ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD, GUILD_FORUM = 0, 5, 10, 11, 12, 15
THREAD_TYPES = (ANNOUNCEMENT_THREAD, PUBLIC_THREAD, PRIVATE_THREAD)
HAS_THREAD = 1 << 5  # message flag: a thread was started from it


def is_thread(channel: dict) -> bool:
    """Whether a channel object is a thread."""
    return channel["type"] in THREAD_TYPES


def forum_channel(id: int, guild_id: int, name: str, position: int = 0) -> dict:
    """A guild forum channel object."""
    return {"id": str(id), "type": GUILD_FORUM, "guild_id": str(guild_id), "name": name, "position": position,
            "permission_overwrites": [], "topic": None, "nsfw": False, "last_message_id": None,
            "rate_limit_per_user": 0, "parent_id": None, "flags": 0, "available_tags": [],
            "default_reaction_emoji": None, "default_thread_rate_limit_per_user": 0, "default_sort_order": None,
            "default_forum_layout": 0, "default_auto_archive_duration": 1440}


def thread_channel(id: int, guild_id: int, parent_id: int, owner_id: int, name: str, *,
                   auto_archive_duration: int = 1440, rate_limit_per_user: int = 0, forum: bool = False) -> dict:
    """A public thread object (a forum's posts are public threads too)."""
    out = {"id": str(id), "type": PUBLIC_THREAD, "guild_id": str(guild_id), "parent_id": str(parent_id),
           "owner_id": str(owner_id), "name": name, "last_message_id": None, "message_count": 0,
           "member_count": 1, "rate_limit_per_user": rate_limit_per_user, "flags": 0, "total_message_sent": 0,
           "thread_metadata": {"archived": False, "auto_archive_duration": auto_archive_duration,
                               "archive_timestamp": iso_now(), "locked": False, "create_timestamp": iso_now()}}
    if forum:
        out["applied_tags"] = []
    return out


def thread_member(thread_id: int, user_id: int) -> dict:
    """The thread member object of a user in a thread (what its creator gets back)."""
    return {"id": str(thread_id), "user_id": str(user_id), "join_timestamp": iso_now(), "flags": 0}


def overwrite(target_id: int, *, member: bool = False, allow: int = 0, deny: int = 0) -> dict:
    """A permission overwrite on a channel, for a role (or a member)."""
    return {"id": str(target_id), "type": 1 if member else 0, "allow": str(allow), "deny": str(deny)}
