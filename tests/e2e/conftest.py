"""The Discord stand-in, discord.py pointed at it by configuration only, our bot on it, and the figures."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

import pytest

from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.fake_discord.pointing import point_discord_at

FIGURES = pytest.StashKey[dict]()
FIGURES_PATH = pytest.StashKey[str]()


@pytest.fixture
def fake_discord():
    """A running stand-in for Discord; fails the test if the bot used a route the stand-in does not know."""
    fake = FakeDiscord().start()
    yield fake
    fake.stop()
    assert not fake.unhandled, f"the bot called routes the stand-in does not serve: {fake.unhandled}"


@pytest.fixture
def discord_at(fake_discord, monkeypatch):
    """discord.py's API base and gateway URL set to the stand-in's: configuration, not a code path."""
    point_discord_at(fake_discord.api_base, fake_discord.gateway_url, monkeypatch.setattr)
    return fake_discord


@pytest.fixture
async def docbot(discord_at, caplog):
    """Start our DocBot (settings + engine) against the stand-in; stop it after the test.

    A test fails if the bot logged an error: errors users never see are still errors.
    """
    from bot.client import DocBot
    from bot.settings import Settings

    fake = discord_at
    running: list[tuple[DocBot, asyncio.Task]] = []
    caplog.set_level(logging.WARNING)

    async def start(engine, **settings) -> DocBot:
        settings.setdefault("guild_id", fake.guild_id)
        bot = DocBot(Settings(**settings), engine)
        task = asyncio.create_task(bot.start(fake.bot_token))
        running.append((bot, task))
        ready = asyncio.create_task(bot.wait_until_ready())
        done, _ = await asyncio.wait({task, ready}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            ready.cancel()
            task.result()
            raise AssertionError("the bot stopped before it was ready")
        if ready not in done:
            raise AssertionError("the bot did not become ready within 30 s")
        # The commands sync in the background after connecting: a user sees them once that is done.
        await asyncio.wait_for(bot.sync_done.wait(), 30)
        return bot

    yield start
    for bot, task in running:
        await bot.close()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)
    errors = [f"{r.name}: {r.getMessage()}" + (f" ({r.exc_info[1]!r})" if r.exc_info else "")
              for r in caplog.get_records("call")
              if r.levelno >= logging.ERROR and r.name.startswith(("bot", "discord", "index"))]
    assert not errors, f"the bot logged errors: {errors}"


@pytest.fixture(scope="session")
def figures(request, tmp_path_factory) -> dict:
    """Measured margins and lags, printed at the end of the run and written to e2e-figures.json."""
    data = request.config.stash.setdefault(FIGURES, {})
    yield data
    path = tmp_path_factory.getbasetemp() / "e2e-figures.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False))
    request.config.stash[FIGURES_PATH] = str(path)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    data = config.stash.get(FIGURES, None)
    if not data:
        return
    terminalreporter.section("docbot e2e figures")
    for scenario, values in data.items():
        shown = ", ".join(f"{k} {v}" for k, v in values.items())
        terminalreporter.write_line(f"{scenario}: {shown}")
    path = config.stash.get(FIGURES_PATH, None)
    if path:
        terminalreporter.write_line(f"(written to {path})")
