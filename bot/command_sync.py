"""Slash commands registered with Discord on demand: by `docbot sync`, or at start when the command tree changed.

Syncing at every start is what discord.py's maintainers advise against (Discord rate-limits it, and
servers may briefly list stale commands), and a sync must never be a condition of connecting:
mentions and DMs work without it. So the bot keeps, next to the index, a hash of the command payloads
it last synced for each application and scope, and syncs again only when they differ.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord
from discord import app_commands

log = logging.getLogger(__name__)

STATE_FILE = "discord-commands.json"


class SyncError(Exception):
    """A sync that could not be done, in one line for the operator; `code` is the exit code of `docbot sync`."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def describe(error: BaseException) -> str:
    """What went wrong with a sync, in one line (discord.py raises HTTP errors, and KeyError on malformed answers)."""
    if isinstance(error, discord.Forbidden):
        return (f"Discord refused it ({error.status} {error.text or 'Forbidden'}): invite the bot with the "
                "applications.commands scope, and check DOCBOT_GUILD_ID")
    if isinstance(error, discord.HTTPException):
        return f"Discord answered {error.status} {error.text or type(error).__name__}"
    if isinstance(error, asyncio.TimeoutError):
        return "Discord did not answer in time"
    if isinstance(error, (KeyError, TypeError, ValueError)):
        return f"Discord's answer was malformed ({type(error).__name__}: {error})"
    return f"{type(error).__name__}: {error}"


def scope_key(guild_id: int | None) -> str:
    """The key of a sync's scope: one server, or global."""
    return f"guild:{guild_id}" if guild_id else "global"


async def payloads(tree: app_commands.CommandTree, guild_id: int | None) -> list[dict[str, Any]]:
    """The JSON the tree sends for this scope, translated as `CommandTree.sync` translates it."""
    guild = discord.Object(id=guild_id) if guild_id else None
    commands = tree.get_commands(guild=guild)
    if tree.translator is not None:
        return [await c.get_translated_payload(tree, tree.translator) for c in commands]
    return [c.to_dict(tree) for c in commands]


def digest(payload: list[dict[str, Any]]) -> str:
    """A hash of command payloads, whatever their order."""
    ordered = sorted(payload, key=lambda c: (c.get("type", 1), c.get("name", "")))
    return hashlib.sha256(json.dumps(ordered, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class SyncState:
    """What was last synced, per application and scope: a small JSON file next to the index."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("Ignoring %s (%s): the commands will be synced again", self.path, exc)
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, application_id: int, scope: str) -> str | None:
        """The hash last synced to `scope` for this application, if any."""
        entry = self._read().get(str(application_id))
        return entry.get(scope) if isinstance(entry, dict) else None

    def put(self, application_id: int, scope: str, value: str) -> None:
        """Remember a sync (a new file renamed over the old); failing costs only a new sync at the next start."""
        data = self._read()
        data.setdefault(str(application_id), {})[scope] = value
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        except OSError as exc:
            log.warning("Could not remember the sync in %s (%s): the next start syncs again", self.path, exc)
            return
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, indent=1, sort_keys=True)
            os.replace(tmp, self.path)
        except OSError as exc:
            Path(tmp).unlink(missing_ok=True)
            log.warning("Could not remember the sync in %s (%s): the next start syncs again", self.path, exc)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


@dataclass
class SyncReport:
    """What a sync changed in one scope."""

    scope: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One line for people."""
        where = "globally" if self.scope == "global" else f"to server {self.scope.removeprefix('guild:')}"
        total = len(self.added) + len(self.updated) + len(self.unchanged)
        if not total:
            return f"Removed {len(self.removed)} commands {where}: {', '.join(map(_shown, self.removed))}"
        parts = [f"{label} {', '.join(map(_shown, names))}"
                 for label, names in (("added", self.added), ("updated", self.updated), ("removed", self.removed))
                 if names]
        parts.append(f"{len(self.unchanged)} unchanged")
        return f"Synced {total} commands {where}: {'; '.join(parts)}"


def _shown(name: str) -> str:
    """A command as people type it: /name for a slash command; a menu command (spaces, capitals) quoted."""
    return f"/{name}" if re.fullmatch(r"[-_a-z0-9]+", name) else f"“{name}” (menu)"


def _plain(value: Any) -> Any:
    """A payload value compared as Discord stores it: empty and false values alike, numbers as text."""
    if isinstance(value, dict):
        out = {k: _plain(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not None} or None
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value] or None
    if value is None or value is False or value == "":
        return None
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _covers(mine: Any, theirs: Any) -> bool:
    """Whether Discord's stored command says what ours says (it adds fields of its own, which are ignored)."""
    mine, theirs = _plain(mine), _plain(theirs)
    if isinstance(mine, dict):
        return isinstance(theirs, dict) and all(_covers(v, theirs.get(k)) for k, v in mine.items())
    if isinstance(mine, list):
        return isinstance(theirs, list) and len(mine) == len(theirs) and all(map(_covers, mine, theirs))
    return mine == theirs


def compare(scope: str, mine: list[dict[str, Any]], before: list[dict[str, Any]]) -> SyncReport:
    """What syncing `mine` over the commands Discord had (`before`) changes."""
    old = {(c.get("type", 1), c.get("name")): c for c in before}
    report = SyncReport(scope)
    for c in mine:
        key = (c.get("type", 1), c.get("name"))
        prior = old.pop(key, None)
        (report.added if prior is None else report.unchanged if _covers(c, prior) else report.updated).append(key[1])
    report.removed = sorted(str(name) for _, name in old)
    return report


async def _registered(bot: discord.Client, guild_id: int | None) -> list[dict[str, Any]]:
    app_id = bot.application_id
    if guild_id:
        return await bot.http.get_guild_commands(app_id, guild_id)
    return await bot.http.get_global_commands(app_id)


def _prepare(tree: app_commands.CommandTree, guild_id: int | None) -> None:
    if guild_id:
        tree.copy_global_to(guild=discord.Object(id=guild_id))


async def sync_if_changed(bot: discord.Client, state: SyncState, guild_id: int | None) -> SyncReport | None:
    """Sync the tree to one server (or globally) unless it is what was last synced there; the report, or None."""
    _prepare(bot.tree, guild_id)
    mine = await payloads(bot.tree, guild_id)
    scope, value = scope_key(guild_id), digest(mine)
    if state.get(bot.application_id, scope) == value:
        return None
    report = await _sync(bot, mine, guild_id)
    state.put(bot.application_id, scope, value)
    return report


async def _sync(bot: discord.Client, mine: list[dict[str, Any]], guild_id: int | None) -> SyncReport:
    before = await _registered(bot, guild_id)
    await bot.tree.sync(guild=discord.Object(id=guild_id) if guild_id else None)
    return compare(scope_key(guild_id), mine, before)


def check_options(guild_id: int | None, clear_global: bool) -> None:
    """SyncError (exit code 2) for clearing the global commands without a server to hold the commands instead."""
    if clear_global and not guild_id:
        raise SyncError("--clear-global removes the global commands once a server has its own: give the server "
                        "with --guild or DOCBOT_GUILD_ID", code=2)


async def sync(bot: discord.Client, state: SyncState, guild_id: int | None, *,
               clear_global: bool = False) -> list[SyncReport]:
    """Sync now, whatever was synced before; with `clear_global` (a server only), also remove the global commands.

    A server that has the same commands both globally and as its own lists them twice.
    """
    check_options(guild_id, clear_global)
    _prepare(bot.tree, guild_id)
    mine = await payloads(bot.tree, guild_id)
    reports = [await _sync(bot, mine, guild_id)]
    state.put(bot.application_id, scope_key(guild_id), digest(mine))
    if clear_global:
        before = await _registered(bot, None)
        bot.tree.clear_commands(guild=None)
        await bot.tree.sync()
        state.put(bot.application_id, scope_key(None), digest([]))
        reports.append(SyncReport("global", removed=sorted(str(c.get("name")) for c in before)))
    return reports
