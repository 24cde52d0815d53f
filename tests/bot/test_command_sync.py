"""Command sync on demand: only when the tree changed, never fatal, and `docbot sync` that says what changed."""

from __future__ import annotations

import asyncio
import json
import logging
from unittest import mock

import discord
import pytest

from bot import command_sync
from bot.client import DocBot
from bot.command_sync import STATE_FILE, SyncError, SyncReport, SyncState, compare, digest
from bot.settings import Settings

APP = 123456789012345678
GUILD = 223456789012345678


@pytest.fixture
def new_bot(fake_engine, tmp_path):
    bots = []

    async def make(**settings) -> DocBot:
        bot = DocBot(Settings(index_dir=tmp_path / "index", **settings), fake_engine, application_id=APP)
        await bot.tree.set_translator(None)
        await bot.load_cogs()
        bot.tree.sync = mock.AsyncMock(return_value=[])
        bot.http.get_guild_commands = mock.AsyncMock(return_value=[])
        bot.http.get_global_commands = mock.AsyncMock(return_value=[])
        bots.append(bot)
        return bot

    yield make
    for bot in bots:
        bot.questions.close()


def test_digest_ignores_order_and_sees_changes():
    """The same commands in another order hash the same; any change in one does not."""
    a = [{"name": "ask", "description": "Ask"}, {"name": "sources", "description": "List"}]
    assert digest(a) == digest(list(reversed(a)))
    assert digest(a) != digest([{**a[0], "description": "Ask!"}, a[1]])


def test_compare_reports_what_changed():
    """Added, updated, removed and unchanged commands, Discord's own fields (id, version) ignored."""
    mine = [{"type": 1, "name": "ask", "description": "Ask", "options": [{"name": "question", "type": 3,
                                                                          "required": True}]},
            {"type": 1, "name": "sources", "description": "List", "nsfw": False},
            {"type": 1, "name": "documents", "description": "Docs"}]
    before = [{"id": "1", "version": "9", "type": 1, "name": "ask", "description": "Ask", "nsfw": False,
               "options": [{"name": "question", "type": 3, "required": True, "autocomplete": False}]},
              {"id": "2", "type": 1, "name": "sources", "description": "Old"},
              {"id": "3", "type": 1, "name": "legacy", "description": "Gone"}]
    report = compare("guild:1", mine, before)
    assert (report.added, report.updated, report.removed, report.unchanged) == (
        ["documents"], ["sources"], ["legacy"], ["ask"])
    assert report.line() == "Synced 3 commands to server 1: added /documents; updated /sources; removed /legacy; " \
                            "1 unchanged"
    assert SyncReport("global", removed=["ask"]).line() == "Removed 1 commands globally: /ask"


def test_state_survives_a_damaged_file(tmp_path, caplog):
    """A damaged state file means "sync again", with a warning; writing it replaces it whole."""
    path = tmp_path / STATE_FILE
    path.write_text("{not json")
    state = SyncState(path)
    with caplog.at_level(logging.WARNING):
        assert state.get(APP, "global") is None
    assert "synced again" in caplog.text
    state.put(APP, "global", "abc")
    state.put(APP, "guild:1", "def")
    assert json.loads(path.read_text()) == {str(APP): {"global": "abc", "guild:1": "def"}}
    assert [p.name for p in tmp_path.iterdir()] == [STATE_FILE]


@pytest.mark.parametrize("guild_id", [None, GUILD])
async def test_syncs_only_when_the_tree_changed(new_bot, guild_id):
    """The first start syncs (to the server when set, else globally); the next finds nothing changed; a change to
    the tree syncs again."""
    bot = await new_bot(guild_id=guild_id)
    report = await bot.sync_commands()
    assert report.added == ["ask", "documents", "reindex", "settings", "sources", "Ask docbot"]
    bot.tree.sync.assert_awaited_once_with(guild=discord.Object(id=guild_id) if guild_id else None)
    assert bot.sync_done.is_set()

    again = await new_bot(guild_id=guild_id)
    assert await again.sync_commands() is None
    again.tree.sync.assert_not_awaited()

    changed = await new_bot(guild_id=guild_id)
    changed.tree.get_command("ask").description = "Ask something else"
    assert await changed.sync_commands() is not None
    changed.tree.sync.assert_awaited_once()


def _forbidden():
    return discord.Forbidden(mock.Mock(status=403, reason="Forbidden"), {"code": 50001, "message": "Missing Access"})


@pytest.mark.parametrize(("error", "words"), [
    (_forbidden(), "applications.commands"),
    (KeyError("id"), "malformed (KeyError: 'id')"),
    (asyncio.TimeoutError(), "did not answer in time"),
    (discord.HTTPException(mock.Mock(status=500, reason="Server Error"), "oops"), "500"),
])
async def test_a_failed_sync_is_one_warning_and_retried_next_time(new_bot, caplog, error, words):
    """Whatever goes wrong: one warning line, no exception, and nothing remembered (the next start tries again)."""
    bot = await new_bot(guild_id=GUILD)
    bot.tree.sync.side_effect = error
    with caplog.at_level(logging.WARNING):
        assert await bot.sync_commands() is None
    [record] = caplog.records
    assert words in record.getMessage() and record.exc_info is None and "\n" not in record.getMessage()
    assert bot.sync_done.is_set()
    assert not (bot.settings.index_dir / STATE_FILE).exists()


async def test_sync_now_can_clear_the_global_commands(new_bot):
    """`docbot sync --clear-global`: the server gets the commands, the global ones are removed and reported."""
    bot = await new_bot(guild_id=GUILD)
    bot.http.get_global_commands.return_value = [{"id": "1", "type": 1, "name": "ask", "description": "old"}]
    reports = await command_sync.sync(bot, bot.commands_state, GUILD, clear_global=True)
    assert [r.scope for r in reports] == [f"guild:{GUILD}", "global"]
    assert reports[1].removed == ["ask"]
    assert bot.tree.sync.await_args_list == [mock.call(guild=discord.Object(id=GUILD)), mock.call()]
    assert not bot.tree.get_commands()  # the global ones, cleared before syncing
    assert await (await new_bot(guild_id=GUILD)).sync_commands() is None  # remembered for `docbot run`


async def test_clear_global_needs_a_server(new_bot):
    """Clearing the global commands without a server to hold them is refused, before anything is sent."""
    bot = await new_bot()
    with pytest.raises(SyncError) as refused:
        await command_sync.sync(bot, bot.commands_state, None, clear_global=True)
    assert refused.value.code == 2
    bot.tree.sync.assert_not_awaited()


def test_docbot_sync_without_a_token(docbot):
    """`docbot sync` with no DISCORD_TOKEN: one line, exit code 1."""
    r = docbot("sync")
    assert r.code == 1 and r.err_lines == ["docbot: DISCORD_TOKEN is not set"]
