"""The bot class: safe defaults, cogs loaded in setup_hook (commands sync after connecting), a rejected token in
one line."""

from __future__ import annotations

import asyncio
import logging
import threading
from unittest import mock

import discord
import pytest
from discord import app_commands

from bot.client import DocBot, Translator, extensions, run_bot
from bot.database import QuestionLog
from bot.settings import Settings

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.secret-token-value.never-to-be-seen"


@pytest.fixture
def new_bot(fake_engine):
    bots = []

    def make(**overrides) -> DocBot:
        bots.append(DocBot(Settings(**overrides), fake_engine))
        return bots[-1]

    yield make
    for b in bots:
        b.questions.close()


def test_bot_never_pings_and_needs_no_privileged_intent(new_bot):
    """AllowedMentions.none() on the client; default intents only (no message content, members, presences)."""
    bot = new_bot()
    allowed = bot.allowed_mentions
    assert not (allowed.everyone or allowed.users or allowed.roles or allowed.replied_user)
    assert not (bot.intents.message_content or bot.intents.members or bot.intents.presences)
    assert bot.intents.guild_messages and bot.intents.dm_messages


def test_extensions_are_discovered():
    """Every feature module of bot.exts is an extension; helper modules (a leading _) are not."""
    assert extensions() == ["bot.exts.ask", "bot.exts.documents", "bot.exts.error_handler", "bot.exts.reindex",
                            "bot.exts.server_settings",
                            "bot.exts.sources"]


async def test_setup_hook_loads_cogs_and_leaves_sync_for_later(new_bot, monkeypatch):
    """setup_hook loads every cog and syncs nothing: a sync is never a condition of connecting."""
    bot = new_bot(guild_id=123456789012345678)
    sync = mock.AsyncMock(return_value=[])
    monkeypatch.setattr(bot.tree, "sync", sync)
    await bot.setup_hook()

    assert {c.name for c in bot.tree.get_commands()} == {"ask", "sources", "reindex", "documents", "settings",
                                                         "Ask docbot"}
    assert set(bot.cogs) == {"ErrorHandler", "Ask", "Sources", "Reindex", "Documents", "ServerSettings"}
    sync.assert_not_awaited()


async def test_translator_gives_french_descriptions():
    """French clients see French command descriptions; others the English default."""
    translator = Translator()
    text = app_commands.locale_str("Ask a question about the documents", key="cmd_ask")
    context = app_commands.TranslationContext(app_commands.TranslationContextLocation.command_description,
                                              None)
    french = await translator.translate(text, discord.Locale.french, context)
    assert french == "Poser une question sur les documents"
    assert await translator.translate(text, discord.Locale.german, context) is None


def test_rejected_token_is_one_line_and_never_logged(fake_engine, monkeypatch, capsys, caplog):
    """Discord refusing the token: one line on stderr, exit code 1, no traceback, the token nowhere."""
    async def refuse(self, token):
        raise discord.LoginFailure("Improper token has been passed.")

    monkeypatch.setattr(discord.http.HTTPClient, "static_login", refuse)
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SystemExit) as exit_info:
        run_bot(Settings(), fake_engine)
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Discord rejected DISCORD_TOKEN" in err
    assert "Traceback" not in err
    assert TOKEN not in err and TOKEN not in caplog.text
    assert "secret-token-value" not in repr(Settings())


class GatedEngine:
    """The fake engine, whose questions wait for `gate` (a retrieval that is still running)."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self.gate = threading.Event()

    def __getattr__(self, name):
        return getattr(self.engine, name)

    def ask(self, *args, **kwargs):
        assert self.gate.wait(10), "the test never opened the gate"
        return self.engine.ask(*args, **kwargs)


async def test_shutdown_finishes_in_flight_questions_and_tells_the_rest(fake_engine, tmp_path):
    """On a stop, the question being answered finishes, those still queued and any new one get ShuttingDownError
    (the asker is told docbot is restarting), and the question log is closed with its WAL checkpointed."""
    from bot.service import ShuttingDownError
    from tests.bot.helpers import wait_until

    engine = GatedEngine(fake_engine)
    bot = DocBot(Settings(max_concurrent=1), engine)
    first, *queued = [asyncio.create_task(bot.ask(f"Qui est le PDG de Nvidia ? ({i})", source="test"))
                      for i in range(3)]
    await wait_until(lambda: bot.waiting == 3, "three questions in flight")
    stopping = asyncio.create_task(bot.shutdown(0.05))
    for task in queued:
        with pytest.raises(ShuttingDownError):
            await task
    with pytest.raises(ShuttingDownError):
        await bot.ask("Une question de trop ?", source="test")
    engine.gate.set()
    asked = await first
    await stopping
    assert asked.answer.citations and asked.question_id is not None
    wal = tmp_path / "docbot.sqlite3-wal"
    assert not wal.exists() or wal.stat().st_size == 0
    with QuestionLog(tmp_path / "docbot.sqlite3", readonly=True) as qlog:
        assert qlog.totals().questions == 1


async def test_shutdown_with_nothing_in_flight_closes_at_once(new_bot):
    """With no question in flight, a stop closes straight away (no waiting out the bound)."""
    bot = new_bot()
    await asyncio.wait_for(bot.shutdown(3600), 30)  # the bound is an hour: returning at all means it did not wait
    assert bot.stopping and bot.is_closed()


async def test_second_signal_stops_waiting(fake_engine):
    """hurry() (a second SIGTERM or Ctrl-C) cuts the wait for questions in flight short."""
    engine = GatedEngine(fake_engine)
    bot = DocBot(Settings(max_concurrent=1), engine)
    from tests.bot.helpers import wait_until

    asking = asyncio.create_task(bot.ask("Qui est le PDG de Nvidia ?", source="test"))
    await wait_until(lambda: bot._working == 1, "the question to reach its worker thread")
    stopping = asyncio.create_task(bot.shutdown(3600))
    await wait_until(lambda: bot.stopping, "the stop to begin")
    bot.hurry()
    await asyncio.wait_for(stopping, 30)  # an hour's bound, cut short
    assert bot.is_closed()
    with pytest.raises(asyncio.CancelledError):
        await asking
    engine.gate.set()
