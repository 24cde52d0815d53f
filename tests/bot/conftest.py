"""Fixtures for the Discord front end: a real DocBot over the fake engine, never connected."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.client import DocBot
from bot.settings import Settings
from index import BuildOptions, build_index
from index.engine import Engine
from tests.bot.helpers import MockUser

DOCUMENTS = Path(__file__).resolve().parents[2] / "documents"


@pytest.fixture(scope="session")
def _fake_index_once(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fake-index") / "index"


@pytest.fixture
def fake_engine(tmp_path, fake_embedder, _fake_index_once):
    """tests/conftest.py's fake_engine, built once per session and copied into each test's own index dir.

    Same documents, embedder and options; the copy takes milliseconds where a build takes a few
    hundred, and most bot tests need an index.
    """
    if not _fake_index_once.exists():
        build_index(DOCUMENTS, _fake_index_once, fake_embedder, BuildOptions())
    index_dir = tmp_path / "index"
    shutil.copytree(_fake_index_once, index_dir, symlinks=True)  # `current` is a relative symlink
    return Engine(index_dir, fake_embedder)


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
