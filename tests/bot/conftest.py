"""Fixtures for the Discord front end: a real DocBot over the fake engine, never connected."""

from __future__ import annotations

import pytest

from bot.client import DocBot
from bot.settings import Settings
from tests.bot.helpers import MockUser


@pytest.fixture
def me() -> MockUser:
    """The bot's own user, as Discord would report it after login."""
    return MockUser(name="docbot", bot=True)


@pytest.fixture
def make_bot(fake_engine, me, monkeypatch):
    """A factory of DocBots with the cogs loaded; settings come from the env plus overrides."""
    monkeypatch.setattr(DocBot, "user", property(lambda self: me))
    bots: list[DocBot] = []

    async def make(engine=None, **overrides) -> DocBot:
        bot = DocBot(Settings(**overrides), engine or fake_engine)
        for ext in ("bot.exts.error_handler", "bot.exts.ask", "bot.exts.sources", "bot.exts.reindex"):
            await bot.load_extension(ext)
        bots.append(bot)
        return bot

    yield make
    for bot in bots:
        bot.questions.close()


@pytest.fixture
async def bot(make_bot):
    """A DocBot with no cooldown (tests ask several questions in a row)."""
    return await make_bot(cooldown_seconds=0)
