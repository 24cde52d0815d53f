"""What people do in conversations, as Discord carries it: channels and their permissions, replies, threads,
forum posts, slash command options, the message menu and button clicks.

Payloads follow Discord's documentation: a reply's MESSAGE_CREATE has type 19, `message_reference` and the
whole `referenced_message` (and notifies its author, who is then in `mentions`, unless the ping is off); a
message command is an APPLICATION_COMMAND of type 3 whose `target_id` is in `resolved.messages`, with its
content whatever the intents; a button click is a MESSAGE_COMPONENT interaction carrying its message.
"""

from __future__ import annotations

import urllib.parse
from typing import TYPE_CHECKING, Any

from . import objects as o
from . import permissions
from .rest_threads import announce_post, create_forum_post

if TYPE_CHECKING:
    from .server import FakeDiscord, Interaction, Member

# Option types (https://discord.com/developers/docs/interactions/application-commands#application-command-object-
# application-command-option-type).
SUB_COMMAND, SUB_COMMAND_GROUP, STRING, INTEGER, BOOLEAN, CHANNEL, NUMBER = 1, 2, 3, 4, 5, 7, 10
_PYTHON_TYPES = {STRING: str, INTEGER: int, BOOLEAN: bool, NUMBER: (int, float)}


def command_options(fake: FakeDiscord, cmd: dict, path: list[str], options: dict, member: Member,
                    where: dict | None) -> dict:
    """A slash command's `options` (nested in its subcommand) and `resolved`, as Discord's UI lets a user fill them.

    A channel option takes a channel id; Discord resolves it with the member's permissions in that channel.
    """
    declared = cmd.get("options") or []
    chosen: list[dict] = []
    for part in path:
        sub = next((opt for opt in declared if opt["name"] == part and opt["type"] in (SUB_COMMAND,
                                                                                        SUB_COMMAND_GROUP)), None)
        if sub is None:
            raise AssertionError(f"/{cmd['name']} has no subcommand {part!r}")
        chosen.append(sub)
        declared = sub.get("options") or []
    if any(opt["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP) for opt in declared):
        raise AssertionError(f"Discord makes a user pick one of /{cmd['name']}'s subcommands: "
                             f"{[opt['name'] for opt in declared]}")
    by_name = {opt["name"]: opt for opt in declared}
    unknown = set(options) - set(by_name)
    if unknown:
        raise AssertionError(f"/{cmd['name']} has no option {sorted(unknown)}; it has {sorted(by_name)}")
    missing = [n for n, opt in by_name.items() if opt.get("required") and n not in options]
    if missing:
        raise AssertionError(f"Discord would not let a user run /{cmd['name']} without {missing}")
    values: list[dict] = []
    resolved: dict[str, dict] = {}
    for name, value in options.items():
        opt = by_name[name]
        kind = opt["type"]
        if kind == CHANNEL:
            channel = _channel_option(fake, opt, value, member)
            resolved.setdefault("channels", {})[channel["id"]] = channel
            value = channel["id"]
        elif kind in _PYTHON_TYPES:
            if not isinstance(value, _PYTHON_TYPES[kind]) or (kind != BOOLEAN and isinstance(value, bool)):
                raise AssertionError(f"option {name!r} of /{cmd['name']} takes {_PYTHON_TYPES[kind]}, not {value!r}")
        else:
            raise AssertionError(f"the stand-in does not model option type {kind}")
        choices = [c["value"] for c in opt.get("choices") or []]
        if choices and value not in choices:
            raise AssertionError(f"Discord offers only {choices} for {name!r}, not {value!r}")
        values.append({"name": name, "type": kind, "value": value})
    for sub in reversed(chosen):
        values = [{"name": sub["name"], "type": sub["type"], "options": values}]
    return {"options": values, **({"resolved": resolved} if resolved else {})}


def _channel_option(fake: FakeDiscord, opt: dict, value: Any, member: Member) -> dict:
    with fake.lock:
        channel = fake.channels.get(int(value))
    if channel is None:
        raise AssertionError(f"no channel {value} in the guild for option {opt['name']!r}")
    allowed = opt.get("channel_types")
    if allowed and channel["type"] not in allowed:
        raise AssertionError(f"Discord offers only channels of types {allowed} for {opt['name']!r}")
    partial = {"id": channel["id"], "name": channel["name"], "type": channel["type"], "flags": channel["flags"],
               "permissions": str(permissions.in_channel(fake, member, channel))}
    if channel.get("parent_id"):
        partial["parent_id"] = channel["parent_id"]
    if o.is_thread(channel):
        partial["thread_metadata"] = channel["thread_metadata"]
    return partial


def reply_fields(fake: FakeDiscord, target: dict, channel_id: int) -> dict:
    """What makes a message a reply to `target` (in the same channel, as the reply button does)."""
    if int(target["channel_id"]) != channel_id:
        raise AssertionError("Discord's reply button replies in the message's own channel")
    ref = {"type": 0, "message_id": target["id"], "channel_id": target["channel_id"]}
    if target.get("guild_id"):
        ref["guild_id"] = target["guild_id"]
    return {"type": 19, "message_reference": ref, "referenced_message": target}


class ConversationsMixin:
    """What tests do in conversations (mixed into FakeDiscord)."""

    async def add_channel(self: FakeDiscord, name: str, *, forum: bool = False,
                          overwrites: list[dict] | tuple = ()) -> dict:
        """A new text (or forum) channel; CHANNEL_CREATE to a connected bot."""
        cid = o.snowflake()
        make = o.forum_channel if forum else o.text_channel
        channel = make(cid, self.guild_id, name, position=len(self.channels))
        channel["permission_overwrites"] = list(overwrites)
        with self.lock:
            self.channels[cid] = channel
        if self.session is not None:
            await self._call(self.dispatch("CHANNEL_CREATE", channel))
        return channel

    async def reply(self: FakeDiscord, message: dict, content: str, *, member: Member, ping: bool = True) -> dict:
        """A member presses Reply on `message` and sends `content` (`ping`: Discord's @ON, the default)."""
        target = self.find_message(int(message["id"]))
        if target is None:
            raise AssertionError("nobody can reply to a message Discord does not show (ephemeral, or unknown)")
        return await self.post_message(content, member=member, channel_id=int(target["channel_id"]),
                                       reply_to=target, ping=ping)

    async def start_forum_post(self: FakeDiscord, forum_id: int, title: str, content: str, *,
                               member: Member) -> tuple[dict, dict]:
        """A member opens a post in a forum: the thread and its first message (THREAD_CREATE, MESSAGE_CREATE)."""
        with self.lock:
            forum = self.channels[forum_id]
        if forum["type"] != o.GUILD_FORUM:
            raise AssertionError("posts are made in forum channels")
        if not permissions.in_channel(self, member, forum) & o.SEND_MESSAGES:
            raise AssertionError("Discord lets only members who may send messages there open a post")

        async def post() -> tuple[dict, dict]:
            thread, starter = create_forum_post(
                self, forum, member.id, title,
                lambda tid: self._user_message(tid, tid, content, member))
            await announce_post(self, thread, starter)
            return thread, starter

        return await self._call(post())

    async def invoke_menu(self: FakeDiscord, name: str, message: dict, *, member: Member) -> Interaction:
        """A member picks Apps → `name` on `message`: a message command (type 3) with the message resolved."""
        cmd = self.command(name, self.guild_of(int(message["channel_id"])), type=3)
        if cmd is None:
            raise AssertionError(f"no message command {name!r} is registered; these are: {self.command_names()}")
        required = int(cmd.get("default_member_permissions") or 0)
        if required and member.permissions & required != required:
            raise AssertionError(f"Discord hides {name!r} from members without permissions {required}")
        target = self.find_message(int(message["id"]))
        if target is None:
            raise AssertionError("no such message")
        data = {"id": cmd["id"], "name": name, "type": 3, "target_id": target["id"],
                # The target's content comes along, whatever the bot's intents.
                "resolved": {"messages": {target["id"]: target}}}
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        return await self._call(self._interaction(2, data, name, {}, member, False, int(target["channel_id"])))

    async def click(self: FakeDiscord, message: dict, custom_id: str, *, member: Member) -> Interaction:
        """A member clicks the button `custom_id` under `message`: a MESSAGE_COMPONENT interaction."""
        shown = self.find_message(int(message["id"]), ephemeral_to=member.id) or message
        buttons = [c for row in shown.get("components") or [] for c in row.get("components") or []]
        if not any(b.get("custom_id") == custom_id for b in buttons):
            raise AssertionError(f"no button {custom_id!r} under that message: {[b.get('custom_id') for b in buttons]}")
        dm = "guild_id" not in shown
        data = {"custom_id": custom_id, "component_type": 2}
        return await self._call(self._interaction(3, data, custom_id, {}, member, dm,
                                                  None if dm else int(shown["channel_id"]), {"message": shown}))

    def find_message(self: FakeDiscord, message_id: int, *, ephemeral_to: int | None = None) -> dict | None:
        """A message as Discord shows it: in a channel, or an interaction's answer (ephemeral: to its user only)."""
        with self.lock:
            if message_id in self.channel_messages:
                return self.channel_messages[message_id]
            for rec in self.interactions.values():
                for msg in rec.messages:
                    if int(msg["id"]) == message_id:
                        private = bool(int(msg.get("flags") or 0) & o.EPHEMERAL)
                        return msg if not private or ephemeral_to == rec.user_id else None
        return None

    def thread_from(self: FakeDiscord, message: dict) -> dict | None:
        """The thread started from a message (it has the message's id), if any."""
        with self.lock:
            channel = self.channels.get(int(message["id"]))
        return channel if channel is not None and o.is_thread(channel) else None

    def bot_messages_in(self: FakeDiscord, channel_id: int) -> list[dict]:
        """The bot's messages in a channel or thread, oldest first (interaction answers included)."""
        with self.lock:
            found = [m for m in self.channel_messages.values()
                     if m["author"]["id"] == self.bot_user["id"] and int(m["channel_id"]) == channel_id]
            found += [m for rec in self.interactions.values() for m in rec.messages
                      if int(m["channel_id"]) == channel_id]
        return sorted(found, key=lambda m: int(m["id"]))

    def reactions_on(self: FakeDiscord, message: dict) -> list[str]:
        """The emoji the bot added to a message (accepted requests), in order."""
        with self.lock:
            return [urllib.parse.unquote(r.path.split("/reactions/")[1].removesuffix("/@me"))
                    for r in self.requests if r.method == "PUT" and r.status == 204
                    and f"/messages/{message['id']}/reactions/" in r.path]
