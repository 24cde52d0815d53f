"""The gateway websocket: HELLO, IDENTIFY/READY, heartbeats, RESUME, dispatches, transport compression."""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import secrets
import time
import zlib
from typing import TYPE_CHECKING

from aiohttp import WSMsgType, web

from . import objects as o

if TYPE_CHECKING:
    from .server import FakeDiscord

log = logging.getLogger(__name__)

# Opcodes (https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway).
DISPATCH, HEARTBEAT, IDENTIFY, PRESENCE, VOICE, RESUME, RECONNECT, REQUEST_MEMBERS, INVALID_SESSION, HELLO, \
    HEARTBEAT_ACK = 0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11
COMMANDS_PER_MINUTE = 120  # Discord disconnects a connection that sends more (close code 4008)
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MESSAGES = 1 << 9
INTENT_DIRECT_MESSAGES = 1 << 12


def _zstd_stream():
    """zstd-stream (what discord.py asks for when zstd is importable): one stream, flushed per message."""
    try:
        from compression import zstd  # Python 3.14+

        c = zstd.ZstdCompressor()
        return lambda data: c.compress(data, c.FLUSH_BLOCK)
    except ImportError:
        import zstandard

        z = zstandard.ZstdCompressor().compressobj()
        return lambda data: z.compress(data) + z.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)


class Connection:
    """One websocket connection, with its transport compression context."""

    def __init__(self, ws: web.WebSocketResponse, transport: asyncio.Transport, compress: str | None) -> None:
        self.ws = ws
        self.transport = transport
        self.compress = compress
        self._zlib = zlib.compressobj() if compress == "zlib-stream" else None
        self._zstd = _zstd_stream() if compress == "zstd-stream" else None
        self.lock = asyncio.Lock()
        self.session: Session | None = None
        self.commands: collections.deque[float] = collections.deque()

    @property
    def closed(self) -> bool:
        return self.ws.closed

    async def send(self, payload: dict) -> bool:
        """Send one gateway message, compressed as the client asked; False when the socket is gone."""
        data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        async with self.lock:
            if self.ws.closed or self.transport.is_closing():
                return False
            try:
                if self._zlib is not None:
                    # zlib-stream: one context for the connection, each message ends with a sync flush.
                    await self.ws.send_bytes(self._zlib.compress(data) + self._zlib.flush(zlib.Z_SYNC_FLUSH))
                elif self._zstd is not None:
                    await self.ws.send_bytes(self._zstd(data))
                else:
                    await self.ws.send_str(data.decode())
            except (ConnectionError, RuntimeError):
                return False
        return True

    async def close(self, code: int, reason: str) -> None:
        await self.ws.close(code=code, message=reason.encode())

    def abort(self) -> None:
        """Drop the TCP connection without a close frame."""
        self.transport.abort()

    def over_rate_limit(self) -> bool:
        now = time.monotonic()
        self.commands.append(now)
        while self.commands and self.commands[0] < now - 60:
            self.commands.popleft()
        return len(self.commands) > COMMANDS_PER_MINUTE


class Session:
    """A gateway session: its sequence, the events sent in it (for RESUME) and its live connection."""

    def __init__(self, fake: FakeDiscord, intents: int, shard: tuple[int, int] = (0, 1)) -> None:
        self.fake = fake
        self.id = secrets.token_hex(16)
        self.intents = intents
        self.shard = shard  # (shard id, shard count)
        self.seq = 0
        self.events: list[dict] = []
        self.connection: Connection | None = None
        self.guilds_sent = False
        self.lock = asyncio.Lock()

    def _shape(self, event: str, data: dict) -> dict | None:
        """What this session receives of an event, given its intents; None if nothing."""
        if event.startswith(("CHANNEL_", "THREAD_")):
            return data if self.intents & INTENT_GUILDS else None
        if event != "MESSAGE_CREATE":
            return data
        dm = "guild_id" not in data
        if not self.intents & (INTENT_DIRECT_MESSAGES if dm else INTENT_GUILD_MESSAGES):
            return None
        return self._readable(data)

    def _readable(self, data: dict) -> dict:
        """A message as this session may read it: blanked without the Message Content intent, unless exempt."""
        if data.get("referenced_message"):  # the message a reply quotes is read by the same rule
            data = {**data, "referenced_message": self._readable(data["referenced_message"])}
        bot_id = self.fake.bot_user["id"]
        dm = "guild_id" not in data
        mentioned = any(u["id"] == bot_id for u in data.get("mentions", []))
        if dm or mentioned or data["author"]["id"] == bot_id or self.intents & o.INTENT_MESSAGE_CONTENT:
            return data
        # Without the Message Content intent, Discord blanks what the message says.
        return {**data, "content": "", "embeds": [], "attachments": [], "components": []}

    async def dispatch(self, event: str, data: dict) -> None:
        shaped = self._shape(event, data)
        if shaped is None:
            return
        async with self.lock:
            self.seq += 1
            payload = {"op": DISPATCH, "t": event, "s": self.seq, "d": shaped}
            self.events.append(payload)
            if self.connection is not None:
                await self.connection.send(payload)


def gateway_handler(fake: FakeDiscord):
    """The aiohttp handler of the gateway websocket."""

    async def close(conn: Connection, code: int, reason: str) -> None:
        with fake.lock:
            fake.gateway_closes.append((code, reason))
        await conn.close(code, reason)

    async def identify(conn: Connection, d: dict) -> None:
        if conn.session is not None:
            return await close(conn, 4005, "Already authenticated.")
        if d.get("token") != fake.bot_token:
            return await close(conn, 4004, "Authentication failed.")
        intents = d.get("intents")
        if not isinstance(intents, int):
            return await close(conn, 4013, "Invalid intent(s).")
        if intents & o.PRIVILEGED_INTENTS & ~fake.privileged_intents:
            return await close(conn, 4014, "Disallowed intent(s).")
        shard = d.get("shard")
        if shard is not None and not (isinstance(shard, list) and len(shard) == 2
                                      and all(type(v) is int for v in shard) and 0 <= shard[0] < shard[1]):
            return await close(conn, 4010, "Invalid shard.")
        count = shard[1] if shard is not None else 1
        if count < fake.required_shards:
            return await close(conn, 4011, "Sharding required.")
        session = Session(fake, intents, (shard[0], count) if shard is not None else (0, 1))
        with fake.lock:
            fake.identifies.append({k: v for k, v in d.items() if k != "token"} | {"at": time.monotonic()})
            fake.sessions[session.id] = session
            fake.session = session
            fake.shard_sessions[session.shard[0]] = session
            guilds = [g for g in fake.guild_names if fake.shard_of(g, count) == session.shard[0]]
        session.connection, conn.session = conn, session
        ready = {
            "v": 10, "user": {**fake.bot_user, "verified": True, "mfa_enabled": False, "email": None},
            "guilds": [{"id": str(g), "unavailable": True} for g in guilds], "session_id": session.id,
            "session_type": "normal", "resume_gateway_url": fake.gateway_url,
            "application": {"id": str(fake.app_id), "flags": fake.application()["flags"]},
            "private_channels": [], "relationships": [], "presences": [], "guild_join_requests": [],
            "geo_ordered_rtc_regions": [], "user_settings": {}, "auth": {}, "_trace": ["fake-discord"],
        }
        if shard is not None:
            ready["shard"] = list(session.shard)
        await session.dispatch("READY", ready)
        if intents & INTENT_GUILDS:
            for g in guilds:
                await session.dispatch("GUILD_CREATE", fake.guild_payload(g))
        session.guilds_sent = True

    async def resume(conn: Connection, d: dict) -> None:
        if d.get("token") != fake.bot_token:
            return await close(conn, 4004, "Authentication failed.")
        session = fake.sessions.get(d.get("session_id"))
        seq = d.get("seq")
        if session is None or not isinstance(seq, int) or seq > session.seq:
            await conn.send({"op": INVALID_SESSION, "d": False})
            return
        old = session.connection
        if old is not None and old is not conn:
            await old.close(4009, "Session resumed elsewhere.")
        with fake.lock:
            fake.resumes.append({"session_id": session.id, "seq": seq, "at": time.monotonic(),
                                 "replayed": session.seq - seq})
            fake.session = session
            fake.shard_sessions[session.shard[0]] = session
        async with session.lock:
            session.connection, conn.session = conn, session
            for event in session.events:
                if event["s"] > seq:
                    await conn.send(event)
        await session.dispatch("RESUMED", {"_trace": ["fake-discord"]})

    async def request_members(conn: Connection, d: dict) -> None:
        everyone = not d.get("user_ids") and d.get("query") == ""
        if everyone and not conn.session.intents & o.INTENT_GUILD_MEMBERS:
            return await close(conn, 4013, "Invalid intent(s).")
        with fake.lock:
            members = [o.member(m.user, m.roles) for m in fake.members.values()]
        await conn.session.dispatch("GUILD_MEMBERS_CHUNK", {
            "guild_id": str(d.get("guild_id") or fake.guild_id), "members": members, "chunk_index": 0, "chunk_count": 1,
            "not_found": [], "presences": [], **({"nonce": d["nonce"]} if d.get("nonce") else {})})

    async def handler(request: web.Request) -> web.WebSocketResponse:
        transport = request.transport
        ws = web.WebSocketResponse(max_msg_size=4096 * 4)
        await ws.prepare(request)
        compress = request.query.get("compress")
        conn = Connection(ws, transport, compress if compress in ("zlib-stream", "zstd-stream") else None)
        if request.query.get("v") != "10":
            await close(conn, 4012, "Invalid API version.")
            return ws
        if request.query.get("encoding", "json") != "json":
            await close(conn, 4002, "Decode error.")  # the stand-in speaks JSON only
            return ws
        await conn.send({"op": HELLO, "d": {"heartbeat_interval": fake.heartbeat_interval_ms,
                                            "_trace": ["fake-discord"]}})
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    await close(conn, 4002, "Decode error.")
                    break
                try:
                    payload = json.loads(msg.data)
                    op, d = payload["op"], payload.get("d")
                except (ValueError, KeyError, TypeError):
                    await close(conn, 4002, "Decode error.")
                    break
                if conn.over_rate_limit():
                    await close(conn, 4008, "Rate limited.")
                    break
                if op == HEARTBEAT:
                    with fake.lock:
                        fake.heartbeats.append(time.monotonic())
                    await conn.send({"op": HEARTBEAT_ACK})
                elif op == IDENTIFY:
                    await identify(conn, d or {})
                elif op == RESUME:
                    await resume(conn, d or {})
                elif conn.session is None:
                    await close(conn, 4003, "Not authenticated.")
                    break
                elif op == REQUEST_MEMBERS:
                    await request_members(conn, d or {})
                elif op in (PRESENCE, VOICE):
                    pass
                else:
                    await close(conn, 4001, "Unknown opcode.")
                    break
        finally:
            session = conn.session
            if session is not None and session.connection is conn:
                session.connection = None
        return ws

    return handler
