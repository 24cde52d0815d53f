"""Fixtures for the front ends: a real DocBot over the fake engine (never connected), and the `docbot` CLI."""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from bot import service
from bot.cli import main
from bot.client import DocBot
from bot.database import QuestionLog
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
        await bot.load_cogs()
        bots.append(bot)
        return bot

    yield make
    for bot in bots:
        bot.questions.close()


@pytest.fixture
async def bot(make_bot):
    """A DocBot with no cooldown (tests ask several questions in a row)."""
    return await make_bot(cooldown_seconds=0)


@pytest.fixture
def question_log(database_url) -> Iterator[QuestionLog]:
    """A question log on a new database (and its conversations and server settings)."""
    with QuestionLog(database_url) as qlog:
        yield qlog


@dataclass
class Result:
    """What a `docbot` run left: its exit code and both outputs."""

    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


@pytest.fixture
def docbot(monkeypatch, capsys, fake_embedder):
    """Run `docbot <args>` through its console entry point, with stdin; the exit code and both outputs."""
    def make_embedder(settings):
        # The fake embedder, under the configured model's name (a new name is another model).
        if settings.embedding_model == fake_embedder.name:
            return fake_embedder
        return type(fake_embedder)(settings.embedding_model)

    monkeypatch.setenv("DOCBOT_EMBEDDING_MODEL", fake_embedder.name)
    monkeypatch.setenv("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # set by the CLI; restored after the test
    monkeypatch.setattr(service, "make_embedder", make_embedder)
    monkeypatch.setattr(service, "limit_blas_threads", lambda: None)  # process-wide; not in tests

    def run(*args: str, input: str = "") -> Result:
        monkeypatch.setattr(sys, "argv", ["docbot", *args])
        monkeypatch.setattr(sys, "stdin", io.StringIO(input))
        capsys.readouterr()
        with pytest.raises(SystemExit) as exit_:
            main()
        out, err = capsys.readouterr()
        code = exit_.value.code
        return Result(code if isinstance(code, int) else (0 if code is None else 1), out, err)

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield run
    # The CLI sets up logging for its process: undo it, so later tests see the log as they left it.
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture
def indexed(built):
    """An index of the shipped documents in DOCBOT_INDEX_DIR, built with the fake embedder."""
    return built
