"""Slash commands with subcommands, attachments and autocomplete, run in any channel of the guild.

`FakeDiscord.invoke` runs flat commands in the guild's first channel; these build the same
INTERACTION_CREATE (application command, or autocomplete) for `/group subcommand`, with the attachments an
option names in `data.resolved.attachments`, and with the member's and the bot's permissions computed in the
chosen channel (topics/permissions), as Discord sends them.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from . import objects as o
from .permissions import bot_in_channel, in_channel

if TYPE_CHECKING:
    from .server import FakeDiscord, Interaction, Member

APPLICATION_COMMAND, AUTOCOMPLETE = 2, 4
SUB_COMMAND, SUB_COMMAND_GROUP, ATTACHMENT = 1, 2, 11


def _declared(fake: FakeDiscord, name: str, sub: str | None, member: Member, guild_id: int
              ) -> tuple[dict, list[dict]]:
    from .server import CommandUnavailable

    cmd = fake.command(name, guild_id)
    if cmd is None:
        raise AssertionError(f"/{name} is not registered with Discord; these are: {fake.command_names()}")
    required = int(cmd.get("default_member_permissions") or 0)
    if required and not member.permissions & o.ADMINISTRATOR and member.permissions & required != required:
        raise CommandUnavailable(f"Discord hides /{name} from members without permissions {required}")
    options = cmd.get("options") or []
    if sub is None:
        return cmd, options
    group = next((opt for opt in options if opt["name"] == sub and opt["type"] == SUB_COMMAND), None)
    if group is None:
        raise AssertionError(f"/{name} has no subcommand {sub!r}")
    return cmd, group.get("options") or []


def _values(command: str, declared: list[dict], given: dict, focused: str | None = None
            ) -> tuple[list[dict], dict]:
    by_name = {opt["name"]: opt for opt in declared}
    unknown = set(given) - set(by_name)
    if unknown:
        raise AssertionError(f"/{command} has no option {sorted(unknown)}; it has {sorted(by_name)}")
    missing = [n for n, opt in by_name.items() if opt.get("required") and n not in given and n != focused]
    if missing and focused is None:
        raise AssertionError(f"Discord would not let a user run /{command} without {missing}")
    out, resolved = [], {}
    for key, value in given.items():
        kind = by_name[key]["type"]
        if kind == ATTACHMENT:
            resolved[value["id"]] = value
            value = value["id"]
        entry = {"name": key, "type": kind, "value": value}
        if key == focused:
            entry["focused"] = True
        out.append(entry)
    return out, ({"attachments": resolved} if resolved else {})


async def run(fake: FakeDiscord, name: str, sub: str | None = None, options: dict | None = None, *,
              member: Member, channel_id: int | None = None, focused: str | None = None) -> Interaction:
    """A member runs `/name sub` (or types in option `focused`: autocomplete) in a guild channel."""
    return await fake._call(_dispatch(fake, name, sub, options or {}, member, channel_id, focused))


async def _dispatch(fake: FakeDiscord, name: str, sub: str | None, options: dict, member: Member,
                    channel_id: int | None, focused: str | None) -> Interaction:
    from .server import Interaction

    channel_id = channel_id or fake.channel_id
    guild_id = fake.guild_of(channel_id)
    cmd, declared = _declared(fake, name, sub, member, guild_id)
    values, resolved = _values(f"{name} {sub or ''}".strip(), declared, options, focused)
    data_options = [{"name": sub, "type": SUB_COMMAND, "options": values}] if sub else values
    data: dict = {"id": cmd["id"], "name": name, "type": 1, "options": data_options}
    if resolved:
        data["resolved"] = resolved
    if cmd.get("guild_id"):
        data["guild_id"] = cmd["guild_id"]
    with fake.lock:
        channel = fake.channels[channel_id]
    kind = AUTOCOMPLETE if focused else APPLICATION_COMMAND
    iid, tok = o.snowflake(), o.token()
    payload = {
        "id": str(iid), "application_id": str(fake.app_id), "type": kind, "data": data, "token": tok, "version": 1,
        "locale": "fr", "app_permissions": str(bot_in_channel(fake, channel)), "entitlements": [],
        "attachment_size_limit": 10 * 1024 * 1024, "authorizing_integration_owners": {"0": str(guild_id)},
        "guild_id": str(guild_id), "guild_locale": "fr", "channel_id": str(channel_id), "channel": channel,
        "context": 0, "guild": {"id": str(guild_id), "locale": "fr", "features": []},
        "member": o.member(member.user, member.roles,
                           permissions=in_channel(fake, member, channel)),
    }
    rec = Interaction(iid, tok, kind, f"{name} {sub}" if sub else name, options, member.id, channel_id,
                      guild_id, dispatched_at=0.0)
    with fake.lock:
        fake.interactions[iid] = rec
        fake.by_token[tok] = rec
    rec.dispatched_at = time.monotonic()
    await fake.dispatch("INTERACTION_CREATE", payload)
    return rec


def choices(fake: FakeDiscord, rec: Interaction) -> list[dict] | None:
    """The choices the bot answered an autocomplete with (None before it answered)."""
    for sent in fake.sent_for(rec):
        if sent.route == "callback" and sent.status < 400 and sent.payload.get("type") == 8:
            return sent.payload["data"]["choices"]
    return None
