"""The stand-in for Discord: its state, the thread it runs in, and what tests do with it."""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from . import objects as o
from . import permissions
from .conversations import ConversationsMixin, command_options, reply_fields
from .mentions import pings
from .rest import INTERACTION_TOKEN_TTL

log = logging.getLogger(__name__)

FIRST_RESPONSE_DEADLINE = 3.0  # seconds Discord waits for an interaction's first response


class CommandUnavailable(AssertionError):
    """Discord would not let this user run this command at all."""


@dataclass
class Member:
    """A member of the stand-in's guild (or, with `dm`, a user who writes to the bot)."""

    user: dict
    roles: list[int]
    permissions: int

    @property
    def id(self) -> int:
        return int(self.user["id"])

    @property
    def mention(self) -> str:
        return f"<@{self.id}>"


@dataclass
class Sent:
    """A message payload the bot sent (a create or an edit), as recorded after Discord's checks."""

    # "callback", "followup", "edit_original", "edit_followup", "channel_message", "edit_channel_message"
    route: str
    payload: dict
    status: int
    at: float
    interaction_id: int | None = None
    channel_id: int | None = None
    message_id: int | None = None
    pings: set[str] = field(default_factory=set)
    error: dict | None = None


@dataclass
class Interaction:
    """An INTERACTION_CREATE the stand-in dispatched, and every answer it received."""

    id: int
    token: str
    type: int
    name: str
    options: dict
    user_id: int
    channel_id: int
    guild_id: int | None
    dispatched_at: float
    callback_at: float | None = None
    callback_type: int | None = None
    late_callbacks: list[float] = field(default_factory=list)  # seconds after dispatch
    ephemeral: bool = False
    original: dict | None = None  # the response message (a loading one after a thinking defer)
    followups: list[dict] = field(default_factory=list)
    loading: bool = False

    @property
    def first_response_seconds(self) -> float | None:
        return None if self.callback_at is None else self.callback_at - self.dispatched_at

    @property
    def messages(self) -> list[dict]:
        """The messages the user sees: the response (once it is no longer loading) and the followups."""
        out = [] if self.original is None or self.loading else [self.original]
        return out + self.followups

    @property
    def answered(self) -> bool:
        return bool(self.messages)


@dataclass
class Request:
    """One REST request the bot made."""

    method: str
    path: str
    status: int
    at: float
    body: Any = None
    response: Any = None


class FakeDiscord(ConversationsMixin):
    """A local Discord: REST API v10 and gateway on 127.0.0.1, in a thread of its own, as a remote server is.

    Tests call the async methods from their own event loop; the state is shared under a lock.
    """

    def __init__(self, *, token: str = "fake-bot-token", heartbeat_interval_ms: int = 1000,
                 privileged_intents: int = o.PRIVILEGED_INTENTS,
                 deadline: float = FIRST_RESPONSE_DEADLINE, shards: int = 1) -> None:
        self.bot_token = token
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.privileged_intents = privileged_intents  # the intents switched on in the developer portal
        self.deadline = deadline
        self.lock = threading.RLock()
        # Sharding (https://discord.com/developers/docs/events/gateway#sharding): GET /gateway/bot recommends
        # `shard_count`; a bot in more servers than one session may carry must shard (fewer shards: 4011).
        self.shard_count = shards
        self.required_shards = 1

        self.app_id = o.snowflake()
        self.bot_user = o.user(self.app_id, "docbot", bot=True)
        self.owner = o.user(o.snowflake(), "owner")
        self.guild_id = o.snowflake()
        self.channel_id = o.snowflake()
        self.moderator_role = o.snowflake()
        self.bot_role = o.snowflake()
        self.pingable_role = o.snowflake()  # mentionable: anyone may ping it
        self.roles = [
            o.role(self.guild_id, "@everyone", o.MEMBER_PERMISSIONS, 0),
            o.role(self.moderator_role, "Moderators", o.MANAGE_GUILD, 1),
            o.role(self.pingable_role, "Announcements", 0, 2, mentionable=True),
            o.role(self.bot_role, "docbot", o.BOT_PERMISSIONS, 3, bot_id=self.app_id),
        ]
        general = o.text_channel(self.channel_id, self.guild_id, "general")
        self.channels: dict[int, dict] = {self.channel_id: general}
        self.guild_names: dict[int, str] = {self.guild_id: "docbot e2e"}  # every guild the bot is in
        self.dm_channels: dict[int, dict] = {}  # channel id -> DM channel
        self.members: dict[int, Member] = {}
        self.bot_member = self._add_member(self.bot_user, [self.bot_role])

        # Records, all guarded by `lock`.
        self.requests: list[Request] = []
        self.deleted_messages: list[dict] = []  # channel messages deleted through the API, oldest first
        self.unhandled: list[str] = []
        self.sent: list[Sent] = []
        self.interactions: dict[int, Interaction] = {}
        self.by_token: dict[str, Interaction] = {}
        self.channel_messages: dict[int, dict] = {}  # id -> message, in channels and DMs
        self.commands: dict[int | None, list[dict]] = {}  # guild id (None: global) -> commands
        self.heartbeats: list[float] = []
        self.identifies: list[dict] = []
        self.resumes: list[dict] = []
        self.gateway_closes: list[tuple[int, str]] = []  # close codes the stand-in sent, and why
        # Operations (attachments.py, permissions.py): files on the CDN and who fetched them, users whose DMs are
        # closed to the bot, the application's team, how long interaction tokens live, and a fault to answer
        # command syncs with (given the stored commands, it returns the body, or an awaitable of it, or raises
        # DiscordError).
        self.cdn: dict[int, Any] = {}
        self.cdn_requests: list[int | str] = []
        self.dms_closed: set[int] = set()
        self.team: list[tuple[dict, str]] = []  # (user, role) of the application's team; empty: owned by `owner`
        self.token_ttl = float(INTERACTION_TOKEN_TTL)
        self.command_sync_fault: Callable[[list[dict]], Any] | None = None

        self.sessions: dict[str, Any] = {}  # session id -> gateway.Session
        self.session: Any = None  # the session identified last
        self.shard_sessions: dict[int, Any] = {}  # shard id -> the session identified last for it
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle -------------------------------------------------------------------------------------

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    def start(self) -> FakeDiscord:
        """Serve on a free port of 127.0.0.1 from a background thread."""
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._serve())
            except BaseException as exc:  # report a failed start to the caller, then stop
                failure.append(exc)
                started.set()
                return
            started.set()
            loop.run_forever()
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-discord", daemon=True)
        self._thread.start()
        started.wait(10)
        if failure:
            raise failure[0]
        return self

    async def _serve(self) -> None:
        from . import attachments
        from .gateway import gateway_handler
        from .rest import routes

        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_get("/", gateway_handler(self))
        app.router.add_routes(attachments.routes(self))
        app.router.add_routes(routes(self))
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        """Close every connection and stop the thread."""
        if self._loop is None:
            return

        async def close_all() -> None:
            for s in list(self.sessions.values()):
                if s.connection is not None:
                    await s.connection.close(1001, "stand-in stopping")

        try:
            asyncio.run_coroutine_threadsafe(close_all(), self._loop).result(5)
        except Exception:  # noqa: BLE001 - best effort on teardown
            log.debug("closing gateway connections failed", exc_info=True)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    async def _call(self, coro) -> Any:
        """Run a coroutine on the stand-in's loop from the test's loop."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self._loop))

    # -- the guild and its people ----------------------------------------------------------------------

    def _add_member(self, user: dict, roles: list[int]) -> Member:
        perms = 0
        for r in self.roles:
            if int(r["id"]) == self.guild_id or int(r["id"]) in roles:
                perms |= int(r["permissions"])
        m = Member(user, roles, perms)
        with self.lock:
            self.members[m.id] = m
        return m

    def add_member(self, name: str, *, moderator: bool = False) -> Member:
        """A new guild member; `moderator` gives the role with Manage Server."""
        return self._add_member(o.user(o.snowflake(), name), [self.moderator_role] if moderator else [])

    def add_guild(self, name: str, *, shard: int = 0) -> dict:
        """Another guild the bot is in, whose id Discord routes to `shard` of `shard_count`, with its own
        "general" channel (call before the bot connects); that channel."""
        while True:
            guild_id = o.snowflake()
            if self.shard_of(guild_id) == shard:
                break
        channel = o.text_channel(o.snowflake(), guild_id, "general")
        with self.lock:
            self.guild_names[guild_id] = name
            self.channels[int(channel["id"])] = channel
        return channel

    def shard_of(self, guild_id: int | None, count: int | None = None) -> int:
        """The shard Discord sends a guild's events to: (guild_id >> 22) % shard count; DMs go to shard 0."""
        return 0 if guild_id is None else (guild_id >> 22) % (count or self.shard_count)

    def guild_payload(self, guild_id: int | None = None) -> dict:
        """The GUILD_CREATE payload of a guild the bot is in (the first one by default)."""
        guild_id = guild_id or self.guild_id
        with self.lock:
            members = [o.member(m.user, m.roles) for m in self.members.values()]
            channels = [c for c in self.channels.values() if int(c["guild_id"]) == guild_id]
        # Other guilds have the first one's roles, with their own @everyone (whose id is the guild's).
        roles = [{**r, "id": str(guild_id)} if int(r["id"]) == self.guild_id else r for r in self.roles]
        return {
            "id": str(guild_id), "name": self.guild_names[guild_id], "icon": None, "splash": None,
            "discovery_splash": None, "owner_id": self.owner["id"], "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0, "default_message_notifications": 1, "explicit_content_filter": 0,
            "roles": roles, "emojis": [], "features": [], "mfa_level": 0, "application_id": None,
            "system_channel_id": None, "system_channel_flags": 0, "rules_channel_id": None,
            "max_presences": None, "max_members": 500000, "vanity_url_code": None, "description": None,
            "banner": None, "premium_tier": 0, "premium_subscription_count": 0, "preferred_locale": "fr",
            "public_updates_channel_id": None, "nsfw_level": 0, "stickers": [],
            "premium_progress_bar_enabled": False,
            "safety_alerts_channel_id": None, "joined_at": "2024-01-01T00:00:00+00:00", "large": False,
            "unavailable": False, "member_count": len(members), "voice_states": [], "members": members,
            "channels": [c for c in channels if not o.is_thread(c)],
            "threads": [c for c in channels if o.is_thread(c)], "presences": [], "stage_instances": [],
            "guild_scheduled_events": [], "soundboard_sounds": [], "incidents_data": None,
        }

    def application(self) -> dict:
        """GET /oauth2/applications/@me."""
        flags = 0
        if self.privileged_intents & o.INTENT_MESSAGE_CONTENT:
            flags |= 1 << 18  # GATEWAY_MESSAGE_CONTENT
        if self.privileged_intents & o.INTENT_GUILD_MEMBERS:
            flags |= 1 << 14
        if self.privileged_intents & o.INTENT_GUILD_PRESENCES:
            flags |= 1 << 12
        owner, team = self.owner, None
        if self.team:
            # A team-owned application: `owner` is the team's pseudo-user (documented as a partial user).
            team_id = str(self.app_id + 1)
            owner = o.user(self.app_id + 1, f"team{team_id}")
            team = {"icon": None, "id": team_id, "name": "docbot team", "owner_user_id": self.team[0][0]["id"],
                    "members": [{"membership_state": 2, "team_id": team_id, "user": u, "role": role,
                                 "permissions": ["*"]} for u, role in self.team]}
        return {"id": str(self.app_id), "name": "docbot", "icon": None, "description": "", "summary": "",
                "type": None, "bot_public": True, "bot_require_code_grant": False, "owner": owner,
                "team": team, "verify_key": "0" * 64, "flags": flags, "bot": self.bot_user, "tags": [],
                "interactions_endpoint_url": None, "redirect_uris": [], "rpc_origins": [],
                "approximate_guild_count": 1, "hook": True, "integration_types_config": {"0": {}}}

    # -- what tests do -----------------------------------------------------------------------------------

    async def wait_shards(self, shards: list[int] | range, timeout: float = 20.0) -> None:
        """Wait until each of `shards` has identified (or resumed) and received its guilds."""
        def ready() -> bool:
            return all(s in self.shard_sessions and self.shard_sessions[s].guilds_sent
                       and self.shard_sessions[s].connection is not None for s in shards)

        await self.wait_for(ready, timeout, f"shards {list(shards)} to connect")

    async def wait_ready(self, timeout: float = 20.0, *, commands: bool = True) -> None:
        """Wait until a bot has identified and received its guild (and, with `commands`, registered commands:
        a bot may sync them after connecting)."""
        await self.wait_for(lambda: self.session is not None and self.session.guilds_sent
                            and (not commands or any(self.commands.values())), timeout,
                            "the bot to connect to the gateway" + (" and register its commands" if commands else ""))

    async def wait_for(self, condition: Callable[[], Any], timeout: float, what: str = "a condition") -> Any:
        """Poll `condition` (under the lock) until it is truthy; its value."""
        end = time.monotonic() + timeout
        while True:
            with self.lock:
                value = condition()
            if value:
                return value
            if time.monotonic() > end:
                raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
            await asyncio.sleep(0.02)

    def command(self, name: str, guild_id: int | None = None, type: int = 1) -> dict | None:
        """The registered command `name` of `type` (1 slash, 3 message menu): guild commands first, then global."""
        with self.lock:
            for scope in (guild_id, None):
                for c in self.commands.get(scope, []):
                    if c["name"] == name and c.get("type", 1) == type:
                        return c
        return None

    async def invoke(self, name: str, options: dict | None = None, *, member: Member, dm: bool = False,
                     permission_override: bool = False, channel_id: int | None = None) -> Interaction:
        """A user runs slash command `name` ("settings mode": a subcommand): the INTERACTION_CREATE Discord sends.

        Discord hides a command from members who lack its `default_member_permissions`, unless a server
        admin grants it to them in the server's Integrations settings: `permission_override`. `channel_id`:
        where it is run (default: the guild's first channel); a channel option's value is a channel id.
        """
        return await self._call(self._invoke(name, options or {}, member, dm, permission_override, channel_id))

    async def invoke_many(self, calls: list[tuple[str, dict, Member]]) -> list[Interaction]:
        """Several users run commands at the same moment: the INTERACTION_CREATEs go out back to back."""

        async def all_at_once() -> list[Interaction]:
            return [await self._invoke(name, opts, m, False, False) for name, opts, m in calls]

        return await self._call(all_at_once())

    async def _invoke(self, name: str, options: dict, member: Member, dm: bool,
                      permission_override: bool, channel_id: int | None = None) -> Interaction:
        guild_id = None if dm else self.guild_of(channel_id)
        name, *path = name.split()
        cmd = self.command(name, guild_id)
        if cmd is None:
            raise AssertionError(f"/{name} is not registered with Discord; these are: {self.command_names()}")
        if dm and cmd.get("contexts") is not None and 1 not in cmd["contexts"]:
            raise CommandUnavailable(f"Discord does not offer /{name} in DMs")
        required = int(cmd.get("default_member_permissions") or 0)
        if not dm and required and not permission_override and not member.permissions & o.ADMINISTRATOR \
                and member.permissions & required != required:
            raise CommandUnavailable(f"Discord hides /{name} from members without permissions {required}")
        where = None if dm else self.channels[channel_id or self.channel_id]
        data: dict = {"id": cmd["id"], "name": name, "type": 1,
                      **command_options(self, cmd, path, options, member, where)}
        if cmd.get("guild_id"):
            data["guild_id"] = cmd["guild_id"]
        return await self._interaction(2, data, " ".join([name, *path]), options, member, dm, channel_id)

    async def _interaction(self, itype: int, data: dict, name: str, options: dict, member: Member, dm: bool,
                           channel_id: int | None, extra: dict | None = None) -> Interaction:
        """Dispatch an INTERACTION_CREATE of `itype` (2 a command, 3 a component) from `member`; its record."""
        iid, tok = o.snowflake(), o.token()
        payload: dict = {
            "id": str(iid), "application_id": str(self.app_id), "type": itype, "data": data, "token": tok,
            "version": 1, "locale": "fr", "app_permissions": str(o.BOT_PERMISSIONS), "entitlements": [],
            "attachment_size_limit": 10 * 1024 * 1024,
            "authorizing_integration_owners": {"0": str(self.guild_id)},
        }
        if dm:
            channel = self._dm_channel(member)
            payload.update(channel_id=channel["id"], channel=channel, user=member.user, context=1)
            channel_id = int(channel["id"])
        else:
            channel_id = channel_id or self.channel_id
            channel = self.channels[channel_id]
            guild_id = self.guild_of(channel_id)
            payload["authorizing_integration_owners"] = {"0": str(guild_id)}
            # Permissions in that channel, its overwrites applied: the bot's, and the member's.
            payload.update(guild_id=str(guild_id), guild_locale="fr", channel_id=str(channel_id),
                           channel=channel, context=0,
                           app_permissions=str(permissions.in_channel(self, self.bot_member, channel)),
                           guild={"id": str(guild_id), "locale": "fr", "features": []},
                           member=o.member(member.user, member.roles,
                                           permissions=permissions.in_channel(self, member, channel)))
        payload.update(extra or {})
        guild_id = None if dm else self.guild_of(channel_id)
        rec = Interaction(iid, tok, itype, name, options, member.id, channel_id, guild_id, dispatched_at=0.0)
        with self.lock:
            self.interactions[iid] = rec
            self.by_token[tok] = rec
        # Discord's clock starts when it sends the event.
        rec.dispatched_at = time.monotonic()
        await self.dispatch("INTERACTION_CREATE", payload)
        return rec

    def _dm_channel(self, member: Member) -> dict:
        with self.lock:
            for ch in self.dm_channels.values():
                if ch["recipients"][0]["id"] == member.user["id"]:
                    return ch
            ch = o.dm_channel(o.snowflake(), member.user)
            self.dm_channels[int(ch["id"])] = ch
            return ch

    async def post_message(self, content: str, *, member: Member, dm: bool = False, channel_id: int | None = None,
                           reply_to: dict | None = None, ping: bool = True) -> dict:
        """A user posts `content` in a channel (default: the guild's first), a thread, or a DM: MESSAGE_CREATE.

        `reply_to`: a message it replies to (Discord's reply button); `ping`: the reply notifies its author.
        """
        return await self._call(self._post_message(content, member, dm, channel_id, reply_to, ping))

    async def _post_message(self, content: str, member: Member, dm: bool, channel_id: int | None = None,
                            reply_to: dict | None = None, ping: bool = True) -> dict:
        channel_id = int(self._dm_channel(member)["id"]) if dm else channel_id or self.channel_id
        msg = self._user_message(o.snowflake(), channel_id, content, member, dm, reply_to, ping)
        with self.lock:
            self.channel_messages[int(msg["id"])] = msg
        await self.dispatch("MESSAGE_CREATE", msg)
        return msg

    def _user_message(self, message_id: int, channel_id: int, content: str, member: Member, dm: bool = False,
                      reply_to: dict | None = None, ping: bool = True) -> dict:
        """A member's message as Discord makes it: its mentions read from the content (and the reply)."""
        msg = o.message(message_id, channel_id, member.user, {"content": content},
                        guild_id=None if dm else self.guild_of(channel_id))
        mentioned = {int(i) for i in re.findall(r"<@!?(\d+)>", content)}
        if reply_to is not None:
            msg.update(reply_fields(self, reply_to, channel_id))
            if ping and int(reply_to["author"]["id"]) != member.id:
                mentioned.add(int(reply_to["author"]["id"]))  # the reply notifies whom it replies to
        with self.lock:
            people = [self.members[i] for i in mentioned if i in self.members]
        if dm:
            msg["mentions"] = [m.user for m in people]
        else:
            msg["member"] = o.member(None, member.roles)
            msg["mentions"] = [{**m.user, "member": o.member(None, m.roles)} for m in people]
            msg["mention_roles"] = [r for r in re.findall(r"<@&(\d+)>", content)]
            may_everyone = bool(member.permissions & o.MENTION_EVERYONE)
            msg["mention_everyone"] = may_everyone and ("@everyone" in content or "@here" in content)
        return msg

    def guild_of(self, channel_id: int | None) -> int:
        """The guild a channel (or thread) belongs to; the first guild's by default."""
        with self.lock:
            channel = self.channels.get(channel_id or self.channel_id)
        return int(channel["guild_id"]) if channel is not None else self.guild_id

    def session_for(self, guild_id: int | None) -> Any:
        """The session Discord sends a guild's events to (DMs: shard 0's), or None."""
        with self.lock:
            sessions = dict(self.shard_sessions)
        if not sessions:
            return None
        count = next(iter(sessions.values())).shard[1]
        return sessions.get(self.shard_of(guild_id, count))

    async def dispatch(self, event: str, data: dict) -> None:
        """Send a dispatch event to the session of its guild's shard (queued for a RESUME while it is
        disconnected)."""
        guild_id = data.get("guild_id")
        session = self.session_for(int(guild_id) if guild_id else None)
        if session is None:
            raise AssertionError("no bot is connected to the stand-in's gateway"
                                 + (f" for shard {self.shard_of(int(guild_id))}" if guild_id else ""))
        await session.dispatch(event, data)

    async def drop_connection(self) -> None:
        """Cut the bot's gateway connection the way a network failure does: no close frame."""
        await self._call(self._drop())

    async def _drop(self) -> None:
        conn = self.session.connection if self.session else None
        if conn is None:
            raise AssertionError("no live gateway connection to drop")
        conn.abort()

    # -- reading the records ---------------------------------------------------------------------------

    def command_names(self) -> list[str]:
        with self.lock:
            return sorted({c["name"] for cmds in self.commands.values() for c in cmds})

    def sent_for(self, interaction: Interaction) -> list[Sent]:
        """Every payload the bot sent in answer to `interaction`."""
        with self.lock:
            return [s for s in self.sent if s.interaction_id == interaction.id]

    def replies_to(self, message: dict) -> list[dict]:
        """The bot's replies to `message` (messages that reference it)."""
        with self.lock:
            return [m for m in self.channel_messages.values()
                    if m["author"]["id"] == self.bot_user["id"] and m["channel_id"] == message["channel_id"]
                    and str((m.get("message_reference") or {}).get("message_id")) == message["id"]]

    def rejected(self) -> list[Sent]:
        """The payloads the stand-in answered with an error."""
        with self.lock:
            return [s for s in self.sent if s.status >= 400]

    def message_pings(self, payload: dict, reply_to: int | None = None) -> set[str]:
        """Who Discord would notify for a message the bot sends."""
        return pings(payload.get("content") or "", payload.get("allowed_mentions"),
                     may_mention_everyone=bool(self.bot_member.permissions & o.MENTION_EVERYONE),
                     mentionable_roles={int(r["id"]) for r in self.roles if r["mentionable"]},
                     replied_user=reply_to)
