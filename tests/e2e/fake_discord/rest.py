"""The REST routes the bot uses, answering as Discord does, errors included."""

from __future__ import annotations

import inspect
import json
import logging
import time
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import limits, permissions
from . import objects as o

if TYPE_CHECKING:
    from .server import FakeDiscord, Interaction

log = logging.getLogger(__name__)

API = "/api/v10"
CALLBACK_TYPES = {4: "CHANNEL_MESSAGE_WITH_SOURCE", 5: "DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE",
                  6: "DEFERRED_UPDATE_MESSAGE", 7: "UPDATE_MESSAGE", 8: "AUTOCOMPLETE_RESULT", 9: "MODAL"}
INTERACTION_TOKEN_TTL = 15 * 60
# Where a handler leaves the request's JSON payload for the request log.
PAYLOAD = web.RequestKey("payload", object) if hasattr(web, "RequestKey") else "payload"


class DiscordError(Exception):
    """An error response, with Discord's JSON body."""

    def __init__(self, status: int, code: int, message: str, errors: dict | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict = {"message": message, "code": code}
        if errors:
            self.body["errors"] = errors


def json_response(data: Any, status: int = 200) -> web.Response:
    """A JSON response typed plain `application/json`, as Discord does (discord.py compares it exactly)."""
    return web.Response(body=json.dumps(data).encode(), status=status, content_type="application/json")


def unknown_interaction() -> DiscordError:
    return DiscordError(404, 10062, "Unknown interaction")


def unknown_webhook() -> DiscordError:
    return DiscordError(404, 10015, "Unknown Webhook")


def unknown_message() -> DiscordError:
    return DiscordError(404, 10008, "Unknown Message")


def check_message(payload: dict, *, result: dict | None = None) -> None:
    """Raise Discord's 400 for a payload it would refuse; `result` is the message after an edit."""
    errors = limits.message_errors(payload)
    if errors:
        raise DiscordError(400, 50035, "Invalid Form Body", errors)
    if limits.is_empty(result if result is not None else payload):
        raise DiscordError(400, 50006, "Cannot send an empty message")


def _edit(message: dict, payload: dict) -> dict:
    out = dict(message)
    for key in ("content", "embeds", "components", "flags", "attachments"):
        if key in payload:
            out[key] = payload[key] if payload[key] is not None else ([] if key != "content" else "")
    out["edited_timestamp"] = o.iso_now()
    return out


def routes(fake: FakeDiscord) -> list[web.RouteDef]:
    """The stand-in's REST API."""

    def record_sent(route: str, payload: dict, status: int, *, interaction: Interaction | None = None,
                    channel_id: int | None = None, message_id: int | None = None, reply_to: int | None = None,
                    error: dict | None = None) -> None:
        from .server import Sent

        sent = Sent(route, payload, status, time.monotonic(),
                    interaction_id=interaction.id if interaction else None, channel_id=channel_id,
                    message_id=message_id, pings=fake.message_pings(payload, reply_to), error=error)
        with fake.lock:
            fake.sent.append(sent)

    async def read_payload(request: web.Request) -> tuple[dict, list[dict]]:
        """The JSON payload of a request, from a JSON body or a multipart `payload_json`, and its files."""
        if request.content_type.startswith("multipart/"):
            payload: dict = {}
            files: list[dict] = []
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":
                    payload = json.loads(await part.text())
                else:
                    data = await part.read()
                    files.append({"id": str(o.snowflake()), "filename": part.filename, "size": len(data),
                                  "url": f"{fake.api_base}/attachments/{part.filename}"})
            request[PAYLOAD] = payload
            return payload, files
        if not request.can_read_body:
            return {}, []
        try:
            request[PAYLOAD] = await request.json()
        except ValueError:
            raise DiscordError(400, 50109, "The request body contains invalid JSON.") from None
        return request[PAYLOAD], []

    def authorized(request: web.Request) -> None:
        if request.headers.get("Authorization") != f"Bot {fake.bot_token}":
            raise DiscordError(401, 0, "401: Unauthorized")

    def interaction_for(token: str, app_id: str) -> Interaction:
        with fake.lock:
            rec = fake.by_token.get(token)
        if rec is None or app_id != str(fake.app_id):
            raise unknown_webhook()
        if time.monotonic() - rec.dispatched_at > fake.token_ttl:
            raise DiscordError(401, 50027, "Invalid Webhook Token")
        return rec

    def interaction_message(rec: Interaction, payload: dict, flags: int, files: list[dict]) -> dict:
        msg = o.message(o.snowflake(), rec.channel_id, {**fake.bot_user, "bot": True}, payload,
                        guild_id=rec.guild_id, webhook_id=fake.app_id,
                        interaction={"id": str(rec.id), "type": rec.type,
                                     "user": fake.members[rec.user_id].user,
                                     "authorizing_integration_owners": {}})
        msg["flags"] = flags
        msg["attachments"] = files
        return msg

    # -- gateway discovery, identity -------------------------------------------------------------------

    async def get_gateway(request: web.Request) -> Any:
        return {"url": fake.gateway_url}

    async def get_gateway_bot(request: web.Request) -> Any:
        authorized(request)
        return {"url": fake.gateway_url, "shards": fake.shard_count,
                "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 86_400_000,
                                        "max_concurrency": 1}}

    async def get_me(request: web.Request) -> Any:
        authorized(request)
        return {**fake.bot_user, "verified": True, "mfa_enabled": False, "email": None, "locale": "fr"}

    async def get_application(request: web.Request) -> Any:
        authorized(request)
        return fake.application()

    # -- application commands --------------------------------------------------------------------------

    def command_scope(request: web.Request) -> int | None:
        if request.match_info["app"] != str(fake.app_id):
            raise DiscordError(403, 50001, "Missing Access")
        gid = request.match_info.get("guild")
        if gid is not None and int(gid) not in fake.guild_names:
            raise DiscordError(403, 50001, "Missing Access")
        return None if gid is None else int(gid)

    async def put_commands(request: web.Request) -> Any:
        authorized(request)
        scope = command_scope(request)
        body, _ = await read_payload(request)
        errors = limits.command_errors(body)
        if errors:
            raise DiscordError(400, 50035, "Invalid Form Body", errors)
        with fake.lock:
            old = {c["name"]: c for c in fake.commands.get(scope, [])}
            stored = []
            for cmd in body:
                keep = old.get(cmd["name"])
                stored.append({
                    "type": 1, "description": "", "options": [], "default_member_permissions": None, "nsfw": False,
                    "integration_types": [0], "contexts": None, "description_localizations": None,
                    "name_localizations": None, **cmd,
                    "id": keep["id"] if keep else str(o.snowflake()), "application_id": str(fake.app_id),
                    "version": str(o.snowflake()),
                    **({"guild_id": str(scope)} if scope is not None else {}),
                })
            fake.commands[scope] = stored
        if fake.command_sync_fault is not None:
            answer = fake.command_sync_fault(stored)
            return await answer if inspect.isawaitable(answer) else answer
        return stored

    async def get_commands(request: web.Request) -> Any:
        authorized(request)
        scope = command_scope(request)
        with fake.lock:
            return list(fake.commands.get(scope, []))

    # -- interactions ----------------------------------------------------------------------------------

    async def interaction_callback(request: web.Request) -> Any:
        iid, tok = request.match_info["id"], request.match_info["token"]
        body, files = await read_payload(request)
        with fake.lock:
            rec = fake.interactions.get(int(iid)) if iid.isdigit() else None
        if rec is None or rec.token != tok:
            raise unknown_interaction()
        elapsed = time.monotonic() - rec.dispatched_at
        if rec.callback_type is None and elapsed > fake.deadline:
            # Too late: Discord has already told the user "The application did not respond".
            with fake.lock:
                rec.late_callbacks.append(elapsed)
            record_sent("callback", body, 404, interaction=rec, error={"code": 10062})
            raise unknown_interaction()
        if rec.callback_type is not None:
            record_sent("callback", body, 400, interaction=rec, error={"code": 40060})
            raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
        ctype, data = body.get("type"), body.get("data") or {}
        allowed = (4, 5, 9) if rec.type == 2 else (4, 5, 6, 7, 9) if rec.type in (3, 5) else (8,)
        if ctype not in allowed:
            errors = {"type": {"_errors": [{"code": "INTERACTION_CALLBACK_TYPE_INVALID",
                                            "message": "Interaction callback type is invalid"}]}}
            record_sent("callback", body, 400, interaction=rec, error=errors)
            raise DiscordError(400, 50035, "Invalid Form Body", errors)
        flags = int(data.get("flags") or 0)
        if ctype in (4, 8):
            try:
                if ctype == 8:
                    errors = limits.autocomplete_errors(data)
                    if errors:
                        raise DiscordError(400, 50035, "Invalid Form Body", {"data": errors})
                else:
                    check_message(data)
            except DiscordError as exc:
                record_sent("callback", data, exc.status, interaction=rec, error=exc.body)
                raise
        message = None
        with fake.lock:
            rec.callback_at, rec.callback_type = time.monotonic(), ctype
            rec.ephemeral = bool(flags & o.EPHEMERAL)
            if ctype == 4:
                message = rec.original = interaction_message(rec, data, flags, files)
            elif ctype == 5:
                rec.loading = True
                message = rec.original = interaction_message(rec, {}, (flags & o.EPHEMERAL) | o.LOADING, [])
        record_sent("callback", data if ctype == 4 else body, 200 if ctype == 4 else 204, interaction=rec,
                    message_id=int(message["id"]) if message else None)
        if request.query.get("with_response") not in ("1", "true", "True"):
            return web.Response(status=204)
        out: dict = {"interaction": {"id": iid, "type": rec.type, "response_message_loading": ctype == 5,
                                     "response_message_ephemeral": rec.ephemeral}}
        if message is not None:
            out["interaction"]["response_message_id"] = message["id"]
            out["resource"] = {"type": ctype, "message": message}
        return out

    async def followup(request: web.Request) -> Any:
        rec = interaction_for(request.match_info["token"], request.match_info["app"])
        payload, files = await read_payload(request)
        if rec.callback_type is None:
            record_sent("followup", payload, 404, interaction=rec, error={"code": 10015})
            raise unknown_webhook()
        try:
            check_message(payload, result={**payload, "attachments": files})
        except DiscordError as exc:
            record_sent("followup", payload, exc.status, interaction=rec, error=exc.body)
            raise
        flags = int(payload.get("flags") or 0)
        with fake.lock:
            if rec.loading:
                # The first followup after a thinking defer becomes the response, ephemeral as the defer said.
                msg = _edit(rec.original, {**payload, "attachments": files})
                msg["flags"] = (rec.original["flags"] & o.EPHEMERAL) | (flags & ~o.EPHEMERAL & ~o.LOADING)
                msg["edited_timestamp"] = None
                rec.original, rec.loading = msg, False
            else:
                msg = interaction_message(rec, payload, flags, files)
                rec.followups.append(msg)
        record_sent("followup", payload, 200, interaction=rec, message_id=int(msg["id"]))
        if request.query.get("wait") in ("1", "true", "True"):
            return msg
        return web.Response(status=204)

    def webhook_message(rec: Interaction, message_id: str) -> tuple[dict, str]:
        with fake.lock:
            if message_id == "@original" or (rec.original and rec.original["id"] == message_id):
                if rec.original is None:
                    raise unknown_message()
                return rec.original, "original"
            for m in rec.followups:
                if m["id"] == message_id:
                    return m, "followup"
        raise unknown_message()

    async def get_webhook_message(request: web.Request) -> Any:
        rec = interaction_for(request.match_info["token"], request.match_info["app"])
        msg, _ = webhook_message(rec, request.match_info["message"])
        return msg

    async def edit_webhook_message(request: web.Request) -> Any:
        rec = interaction_for(request.match_info["token"], request.match_info["app"])
        payload, files = await read_payload(request)
        route = "edit_original" if request.match_info["message"] == "@original" else "edit_followup"
        try:
            msg, which = webhook_message(rec, request.match_info["message"])
            if files:
                payload = {**payload, "attachments": (payload.get("attachments") or []) + files}
            edited = _edit(msg, payload)
            check_message(payload, result=edited)
        except DiscordError as exc:
            record_sent(route, payload, exc.status, interaction=rec, error=exc.body)
            raise
        with fake.lock:
            if which == "original":
                edited["flags"] = (msg["flags"] & o.EPHEMERAL) | (int(edited.get("flags") or 0) & ~o.LOADING
                                                                    & ~o.EPHEMERAL)
                rec.original, rec.loading = edited, False
            else:
                rec.followups = [edited if m["id"] == msg["id"] else m for m in rec.followups]
        record_sent(route, payload, 200, interaction=rec, message_id=int(msg["id"]))
        return edited

    async def delete_webhook_message(request: web.Request) -> Any:
        rec = interaction_for(request.match_info["token"], request.match_info["app"])
        msg, which = webhook_message(rec, request.match_info["message"])
        with fake.lock:
            if which == "original":
                rec.original, rec.loading = None, False
            else:
                rec.followups = [m for m in rec.followups if m["id"] != msg["id"]]
        return web.Response(status=204)

    # -- channels ----------------------------------------------------------------------------------------

    def channel(cid: str) -> dict:
        with fake.lock:
            ch = fake.channels.get(int(cid)) if cid.isdigit() else None
            ch = ch or (fake.dm_channels.get(int(cid)) if cid.isdigit() else None)
        if ch is None:
            raise DiscordError(404, 10003, "Unknown Channel")
        return ch

    async def get_channel(request: web.Request) -> Any:
        authorized(request)
        return channel(request.match_info["channel"])

    async def post_channel_message(request: web.Request) -> Any:
        authorized(request)
        ch = channel(request.match_info["channel"])
        payload, files = await read_payload(request)
        cid = int(ch["id"])
        reply_to = None
        perms = permissions.in_channel(fake, fake.bot_member, ch) if "guild_id" in ch else permissions.ALL
        try:
            refused = permissions.dm_refusal(fake, ch) or permissions.missing_to_send(perms, ch, payload)
            if refused:
                raise DiscordError(*refused)
            check_message(payload, result={**payload, "attachments": files})
            ref = payload.get("message_reference")
            if ref:
                with fake.lock:
                    target = fake.channel_messages.get(int(ref.get("message_id", 0)))
                if target is None or int(target["channel_id"]) != cid:
                    if ref.get("fail_if_not_exists", True):
                        raise DiscordError(400, 50035, "Invalid Form Body", {"message_reference": limits._err(
                            "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message")})
                    payload = {k: v for k, v in payload.items() if k != "message_reference"}
                else:
                    reply_to = int(target["author"]["id"])
        except DiscordError as exc:
            record_sent("channel_message", payload, exc.status, channel_id=cid, error=exc.body)
            raise
        guild_id = int(ch["guild_id"]) if "guild_id" in ch else None
        msg = o.message(o.snowflake(), cid, {**fake.bot_user, "bot": True}, permissions.as_shown(perms, payload),
                        guild_id=guild_id)
        msg["attachments"] = files
        with fake.lock:
            fake.channel_messages[int(msg["id"])] = msg
        record_sent("channel_message", payload, 200, channel_id=cid, message_id=int(msg["id"]),
                    reply_to=reply_to)
        return msg

    def bot_message(request: web.Request) -> dict:
        ch = channel(request.match_info["channel"])
        mid = request.match_info["message"]
        with fake.lock:
            msg = fake.channel_messages.get(int(mid)) if mid.isdigit() else None
        if msg is None or msg["channel_id"] != ch["id"]:
            raise unknown_message()
        return msg

    async def get_channel_message(request: web.Request) -> Any:
        authorized(request)
        return bot_message(request)

    async def edit_channel_message(request: web.Request) -> Any:
        authorized(request)
        msg = bot_message(request)
        if msg["author"]["id"] != fake.bot_user["id"]:
            raise DiscordError(403, 50005, "Cannot edit a message authored by another user")
        payload, files = await read_payload(request)
        edited = _edit(msg, payload)
        try:
            check_message(payload, result=edited)
        except DiscordError as exc:
            record_sent("edit_channel_message", payload, exc.status, channel_id=int(msg["channel_id"]),
                        message_id=int(msg["id"]), error=exc.body)
            raise
        with fake.lock:
            fake.channel_messages[int(msg["id"])] = edited
        record_sent("edit_channel_message", payload, 200, channel_id=int(msg["channel_id"]),
                    message_id=int(msg["id"]))
        return edited

    async def delete_channel_message(request: web.Request) -> Any:
        authorized(request)
        msg = bot_message(request)
        # Others' messages need Manage Messages, which the bot is never given here.
        if msg["author"]["id"] != fake.bot_user["id"]:
            raise DiscordError(403, 50013, "Missing Permissions")
        with fake.lock:
            del fake.channel_messages[int(msg["id"])]
            fake.deleted_messages.append(msg)
        return web.Response(status=204)

    async def typing(request: web.Request) -> Any:
        authorized(request)
        channel(request.match_info["channel"])
        return web.Response(status=204)

    async def reaction(request: web.Request) -> Any:
        authorized(request)
        bot_message(request)
        return web.Response(status=204)

    async def create_dm(request: web.Request) -> Any:
        authorized(request)
        body, _ = await read_payload(request)
        with fake.lock:
            m = fake.members.get(int(body.get("recipient_id", 0)))
        if m is None:
            raise DiscordError(400, 50033, "Invalid Recipient(s)")
        return fake._dm_channel(m)

    table = [
        ("GET", "/gateway", get_gateway),
        ("GET", "/gateway/bot", get_gateway_bot),
        ("GET", "/users/@me", get_me),
        ("GET", "/oauth2/applications/@me", get_application),
        ("GET", "/applications/{app}/commands", get_commands),
        ("PUT", "/applications/{app}/commands", put_commands),
        ("GET", "/applications/{app}/guilds/{guild}/commands", get_commands),
        ("PUT", "/applications/{app}/guilds/{guild}/commands", put_commands),
        ("POST", "/interactions/{id}/{token}/callback", interaction_callback),
        ("POST", "/webhooks/{app}/{token}", followup),
        ("GET", "/webhooks/{app}/{token}/messages/{message}", get_webhook_message),
        ("PATCH", "/webhooks/{app}/{token}/messages/{message}", edit_webhook_message),
        ("DELETE", "/webhooks/{app}/{token}/messages/{message}", delete_webhook_message),
        ("GET", "/channels/{channel}", get_channel),
        ("POST", "/channels/{channel}/messages", post_channel_message),
        ("GET", "/channels/{channel}/messages/{message}", get_channel_message),
        ("PATCH", "/channels/{channel}/messages/{message}", edit_channel_message),
        ("DELETE", "/channels/{channel}/messages/{message}", delete_channel_message),
        ("POST", "/channels/{channel}/typing", typing),
        ("PUT", "/channels/{channel}/messages/{message}/reactions/{emoji}/@me", reaction),
        ("POST", "/users/@me/channels", create_dm),
    ]
    from .rest_threads import thread_routes

    table += thread_routes(fake, SimpleNamespace(authorized=authorized, channel=channel, read_payload=read_payload))

    def wrap(handler):
        async def run(request: web.Request) -> web.StreamResponse:
            started = time.monotonic()
            try:
                result = await handler(request)
                response = result if isinstance(result, web.StreamResponse) else json_response(result)
            except DiscordError as exc:
                response = json_response(exc.body, status=exc.status)
            with fake.lock:
                fake.requests.append(_request_record(request, response, started))
            return response

        return run

    defs = [web.route(method, API + path, wrap(handler)) for method, path, handler in table]

    async def unhandled(request: web.Request) -> web.StreamResponse:
        with fake.lock:
            fake.unhandled.append(f"{request.method} {request.path}")
        return json_response({"message": "404: Not Found", "code": 0}, status=404)

    defs.append(web.route("*", "/{tail:.*}", unhandled))
    return defs


def _request_record(request: web.Request, response: web.StreamResponse, started: float):
    from .server import Request

    body = None
    if isinstance(response, web.Response) and response.body and response.content_type == "application/json":
        try:
            body = json.loads(response.body)
        except (TypeError, ValueError):
            body = None
    return Request(request.method, request.path, response.status, started, body=request.get(PAYLOAD),
                   response=body)
