"""Fixtures for the Discord front end: a real DocBot over the fake engine, never connected."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

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


# A PostgreSQL server for the database tests, e.g. postgresql+psycopg://docbot:docbot@localhost/docbot_test;
# without it they run on SQLite alone.
SERVER_URL = os.environ.get("DOCBOT_TEST_DATABASE_URL")


@pytest.fixture(params=["sqlite", "postgresql"] if SERVER_URL else ["sqlite"])
def database_url(request, tmp_path) -> Iterator[str]:
    """The URL of a new, empty database: a SQLite file, and with DOCBOT_TEST_DATABASE_URL a schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'docbot.sqlite3'}"
        return
    schema = f"docbot_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(SERVER_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = sa.make_url(SERVER_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
