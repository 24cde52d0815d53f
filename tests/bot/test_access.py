"""Who may change the documents and rebuild: the owner anywhere, admin servers' managers; the reason otherwise."""

from __future__ import annotations

import logging
from unittest import mock

import discord
import pytest

from bot import access
from bot.i18n import t
from bot.settings import Settings
from tests.bot.helpers import MockGuild, MockInteraction, next_id

ADMIN, OTHER, OWNER = next_id(), next_id(), next_id()
MANAGER = discord.Permissions(manage_guild=True)


@pytest.fixture
def bot(make_bot):
    async def make(**settings):
        bot = await make_bot(**settings)
        bot.owner_id = OWNER
        return bot

    return make


@pytest.mark.parametrize(("guild", "user", "permissions", "reason"), [
    (ADMIN, next_id(), MANAGER, None),
    (ADMIN, next_id(), discord.Permissions(administrator=True), None),
    (ADMIN, next_id(), discord.Permissions(manage_messages=True), "manage_guild_only"),
    (OTHER, next_id(), MANAGER, "not_admin_guild"),
    (OTHER, OWNER, discord.Permissions.none(), None),
    (None, next_id(), MANAGER, "guild_only"),
])
async def test_refusal_reasons(bot, guild, user, permissions, reason):
    """Manage Server counts only in an admin server; the owner needs neither; DMs are refused."""
    b = await bot(admin_guild_ids=[ADMIN])
    inter = MockInteraction(b, guild=MockGuild(id=guild) if guild else None, permissions=permissions)
    inter.user.id = user
    assert await access.refusal(inter) == reason
    if reason:
        assert t(reason, "fr") != t(reason, "en")


@pytest.mark.parametrize(("settings", "admin"), [
    ({}, frozenset()),
    ({"guild_id": ADMIN}, frozenset({ADMIN})),
    ({"guild_id": ADMIN, "admin_guild_ids": [OTHER]}, frozenset({OTHER})),
    ({"admin_guild_ids": "1, 2 3"}, frozenset({1, 2, 3})),
])
def test_admin_servers_default_to_the_guild_setting(settings, admin):
    """DOCBOT_ADMIN_GUILD_IDS (comma- or space-separated) wins; else DOCBOT_GUILD_ID's server; else none."""
    assert Settings(**settings).admin_guilds == admin


async def test_owner_unknown_when_discord_fails(bot, caplog):
    """If Discord can't say who owns the bot, nobody counts as owner (and the log says why)."""
    b = await bot()
    b.owner_id = None
    response = mock.Mock(status=503, reason="Service Unavailable")
    b.application_info = mock.AsyncMock(side_effect=discord.HTTPException(response, "overloaded"))
    inter = MockInteraction(b, guild=MockGuild(id=OTHER), permissions=MANAGER)
    with caplog.at_level(logging.WARNING):
        assert await access.refusal(inter) == "not_admin_guild"
    assert "Could not read the bot's owner" in caplog.text


@pytest.mark.parametrize(("admin", "words"), [
    (frozenset({ADMIN}), "not listed in DOCBOT_ADMIN_GUILD_IDS"),
    (frozenset(), "only the bot's owner may change the documents"),
])
def test_warning_names_servers_outside_the_list(caplog, admin, words):
    """The servers the bot is in but not on the list are named, with what to do."""
    guilds = [MockGuild(id=ADMIN, name="Maison"), MockGuild(id=OTHER, name="Inconnus")]
    with caplog.at_level(logging.WARNING):
        access.warn_outside(guilds, admin)
    [record] = caplog.records
    assert words in record.getMessage() and f"Inconnus ({OTHER})" in record.getMessage()
    assert ("Maison" in record.getMessage()) == (not admin)


def test_no_warning_when_every_server_is_an_admin_server(caplog):
    """A single-server operator who set the list sees no warning."""
    with caplog.at_level(logging.WARNING):
        access.warn_outside([MockGuild(id=ADMIN)], frozenset({ADMIN}))
    assert not caplog.records
