"""The Discord stand-in, and discord.py pointed at it by configuration only."""

from __future__ import annotations

import pytest
import yarl

from tests.e2e.fake_discord import FakeDiscord


@pytest.fixture
def fake_discord():
    """A running stand-in for Discord; fails the test if the bot used a route the stand-in does not know."""
    fake = FakeDiscord().start()
    yield fake
    fake.stop()
    assert not fake.unhandled, f"the bot called routes the stand-in does not serve: {fake.unhandled}"


@pytest.fixture
def discord_at(fake_discord, monkeypatch):
    """discord.py's API base and gateway URL set to the stand-in's (what a proxy or test setup would do)."""
    import discord.gateway
    import discord.http

    monkeypatch.setattr(discord.http.Route, "BASE", fake_discord.api_base)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake_discord.gateway_url))
    return fake_discord
