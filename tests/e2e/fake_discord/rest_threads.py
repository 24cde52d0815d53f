"""Threads over REST: a thread started from a message, and a forum post (a thread with its first message).

https://discord.com/developers/docs/resources/channel#start-thread-from-message and
#start-thread-in-forum-or-media-channel. Unknown fields and wrong shapes are refused with 50035, as the
strictest server does; each creation fires THREAD_CREATE (`newly_created`), and a post's MESSAGE_CREATE.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import limits, permissions
from . import objects as o

if TYPE_CHECKING:
    from .server import FakeDiscord

ARCHIVE_DURATIONS = (60, 1440, 4320, 10080)
FROM_MESSAGE_FIELDS = {"name", "auto_archive_duration", "rate_limit_per_user"}
# `type` is the same route's field for text channels (discord.py sends 11 for a forum too), `tts` a message's.
FORUM_FIELDS = {"name", "auto_archive_duration", "rate_limit_per_user", "applied_tags", "message", "type"}
FORUM_MESSAGE_FIELDS = {"content", "embeds", "allowed_mentions", "components", "sticker_ids", "attachments",
                        "flags", "tts"}


def thread_errors(body: Any, fields: set[str]) -> dict:
    """The 50035 error tree for a thread creation body; empty when Discord would accept it."""
    if not isinstance(body, dict):
        return limits._err("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
    errors: dict = {}
    for key in sorted(set(body) - fields):
        limits._put(errors, (key,), limits._err("UNKNOWN_FIELD", f"Unknown field {key!r}."))
    name = body.get("name")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 100 or len(name) > 100:
        limits._put(errors, ("name",), limits._err("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length."))
    archive = body.get("auto_archive_duration")
    if archive is not None and archive not in ARCHIVE_DURATIONS:
        limits._put(errors, ("auto_archive_duration",), limits._err(
            "BASE_TYPE_CHOICES", f"Value must be one of {set(ARCHIVE_DURATIONS)}."))
    slow = body.get("rate_limit_per_user")
    if slow is not None and (not isinstance(slow, int) or isinstance(slow, bool) or not 0 <= slow <= 21600):
        limits._put(errors, ("rate_limit_per_user",), limits._err(
            "NUMBER_TYPE_MAX", "int value should be <= 21600 and >= 0."))
    return errors


def create_forum_post(fake: FakeDiscord, forum: dict, owner_id: int, name: str,
                      starter: Callable[[int], dict], *, auto_archive_duration: int = 1440) -> tuple[dict, dict]:
    """Store a post of `forum`: the thread, and its first message made by `starter(thread_id)` (same id)."""
    thread_id = o.snowflake()
    thread = o.thread_channel(thread_id, int(forum["guild_id"]), int(forum["id"]), owner_id, name,
                              auto_archive_duration=auto_archive_duration, forum=True)
    first = starter(thread_id)
    with fake.lock:
        thread["message_count"] = thread["total_message_sent"] = 1
        thread["last_message_id"] = first["id"]
        fake.channels[thread_id] = thread
        fake.channel_messages[thread_id] = first
        forum["last_message_id"] = str(thread_id)
    return thread, first


def thread_routes(fake: FakeDiscord, api: SimpleNamespace) -> list[tuple[str, str, Any]]:
    """The REST routes that start threads; `api` holds rest.py's helpers (authorized, channel, read_payload)."""
    from .rest import DiscordError

    def bot_permissions(channel: dict) -> int:
        return permissions.in_channel(fake, fake.bot_member, channel)

    def invalid(errors: dict) -> DiscordError:
        return DiscordError(400, 50035, "Invalid Form Body", errors)

    async def start_from_message(request: web.Request) -> Any:
        api.authorized(request)
        ch = api.channel(request.match_info["channel"])
        body, _ = await api.read_payload(request)
        if ch["type"] not in (o.GUILD_TEXT, o.GUILD_ANNOUNCEMENT):
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        mid = request.match_info["message"]
        with fake.lock:
            msg = fake.channel_messages.get(int(mid)) if mid.isdigit() else None
        if msg is None or msg["channel_id"] != ch["id"]:
            raise DiscordError(404, 10008, "Unknown Message")
        errors = thread_errors(body, FROM_MESSAGE_FIELDS)
        if errors:
            raise invalid(errors)
        perms = bot_permissions(ch)
        if not perms & o.VIEW_CHANNEL:
            raise DiscordError(403, 50001, "Missing Access")
        if not perms & o.CREATE_PUBLIC_THREADS:
            raise DiscordError(403, 50013, "Missing Permissions")
        thread_id = int(msg["id"])  # a thread started from a message has the message's id
        with fake.lock:
            if thread_id in fake.channels:
                raise DiscordError(400, 160004, "A thread has already been created for this message")
        thread = o.thread_channel(thread_id, int(ch["guild_id"]), int(ch["id"]), fake.app_id, body["name"],
                                  auto_archive_duration=body.get("auto_archive_duration")
                                  or ch.get("default_auto_archive_duration", 1440),
                                  rate_limit_per_user=body.get("rate_limit_per_user") or 0)
        if ch["type"] == o.GUILD_ANNOUNCEMENT:
            thread["type"] = o.ANNOUNCEMENT_THREAD
        with fake.lock:
            fake.channels[thread_id] = thread
            msg["thread"] = thread
            msg["flags"] = int(msg.get("flags") or 0) | o.HAS_THREAD
        await fake.dispatch("THREAD_CREATE", {**thread, "newly_created": True,
                                              "member": o.thread_member(thread_id, fake.app_id)})
        return {**thread, "member": o.thread_member(thread_id, fake.app_id)}

    async def start_in_forum(request: web.Request) -> Any:
        api.authorized(request)
        ch = api.channel(request.match_info["channel"])
        body, _ = await api.read_payload(request)
        if ch["type"] != o.GUILD_FORUM:
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")  # text: not modelled
        errors = thread_errors(body, FORUM_FIELDS)
        if isinstance(body, dict) and body.get("type", o.PUBLIC_THREAD) != o.PUBLIC_THREAD:
            limits._put(errors, ("type",), limits._err("BASE_TYPE_CHOICES", "A forum's posts are public threads."))
        message = body.get("message") if isinstance(body, dict) else None
        if not isinstance(message, dict):
            limits._put(errors, ("message",), limits._err("BASE_TYPE_REQUIRED", "This field is required"))
        else:
            for key in sorted(set(message) - FORUM_MESSAGE_FIELDS):
                limits._put(errors, ("message", key), limits._err("UNKNOWN_FIELD", f"Unknown field {key!r}."))
            for path, leaf in limits.message_errors(message).items():
                errors.setdefault("message", {})[path] = leaf
            if limits.is_empty(message):
                raise DiscordError(400, 50006, "Cannot send an empty message")
        if errors:
            raise invalid(errors)
        if not bot_permissions(ch) & o.SEND_MESSAGES:
            raise DiscordError(403, 50013, "Missing Permissions")
        bot = {**fake.bot_user, "bot": True}
        thread, starter = create_forum_post(
            fake, ch, fake.app_id, body["name"],
            lambda tid: o.message(tid, tid, bot, permissions.as_shown(bot_permissions(ch), message),
                                  guild_id=int(ch["guild_id"])),
            auto_archive_duration=body.get("auto_archive_duration") or 1440)
        await announce_post(fake, thread, starter)
        return {**thread, "member": o.thread_member(int(thread["id"]), fake.app_id), "message": starter}

    return [
        ("POST", "/channels/{channel}/messages/{message}/threads", start_from_message),
        ("POST", "/channels/{channel}/threads", start_in_forum),
    ]


async def announce_post(fake: FakeDiscord, thread: dict, starter: dict) -> None:
    """What the gateway says of a new forum post: THREAD_CREATE, then its first message's MESSAGE_CREATE."""
    await fake.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
    await fake.dispatch("MESSAGE_CREATE", starter)

