"""/documents sync: an admin server's manager syncs the sources from Discord; others are refused."""

from __future__ import annotations

import asyncio

import discord
import pytest

from bot.i18n import t
from bot.sources import Places, add, open_store
from tests.bot.helpers import MockGuild, MockInteraction, checked_async, invoke, next_id, sent

MANAGER = discord.Permissions(manage_guild=True)
ADMIN_GUILD = next_id()


def long_command(bot, permissions: discord.Permissions) -> MockInteraction:
    return MockInteraction(bot, guild=MockGuild(id=ADMIN_GUILD), permissions=permissions,
                           edit_original_response=checked_async(discord.Interaction, "edit_original_response"),
                           is_expired=lambda: False)


@pytest.fixture
async def bot_with_a_source(make_bot, docs_copy, site):
    """A bot with one admin server, and the FAQ site added as a source (as `docbot sources add` does)."""
    bot = await make_bot(cooldown_seconds=0, documents_dir=docs_copy, admin_guild_ids=[ADMIN_GUILD],
                         source_delay_seconds=0)
    bot.owner_id = next_id()  # as discord.py learns it from the application's owner
    store, closing = open_store(docs_copy, bot.settings.database_url.get_secret_value())
    await asyncio.to_thread(add, store, Places.from_settings(bot.settings), f"{site.url}/doc/FAQ/index.en.html",
                            name="faq")
    closing.close()
    site.hits.clear()
    return bot


async def test_documents_sync_fetches_the_sources_and_updates_the_index(bot_with_a_source, fake_engine, site):
    """A manager's /documents sync: a line per source, the index update, and the pages indexed with their URLs."""
    inter = long_command(bot_with_a_source, MANAGER)
    await invoke(bot_with_a_source, "documents sync", inter)
    assert inter.response.defer.await_args.kwargs == {"ephemeral": True, "thinking": True}
    text = sent(inter.edit_original_response)[-1]["content"]
    assert text.startswith("faq: 0 new or changed, 5 unchanged, 0 removed.\nIndex updated: 5 added, "), text
    assert sum(site.not_modified.values()) == 5
    documents = {d.path: d for d in fake_engine.load().documents}
    assert documents["faq/kernel.en.html"].url == f"{site.url}/doc/FAQ/kernel.en.html"


async def test_documents_sync_of_an_unknown_source_says_so(bot_with_a_source, site):
    """A name that is no source's: one line saying so, nothing fetched."""
    inter = long_command(bot_with_a_source, MANAGER)
    await invoke(bot_with_a_source, "documents sync", inter, source="nope")
    assert sent(inter.edit_original_response)[-1]["content"] == t("sync_unknown", "en", name="nope")
    assert not site.hits


async def test_documents_sync_is_refused_to_non_managers(bot_with_a_source, site):
    """Only managers of an admin server (or the owner) may sync: a short private refusal, nothing fetched."""
    inter = long_command(bot_with_a_source, discord.Permissions.none())
    await invoke(bot_with_a_source, "documents sync", inter)
    [msg] = sent(inter.response.send_message)
    assert msg["content"] == t("manage_guild_only", "en") and msg["ephemeral"] is True
    assert not site.hits


async def test_a_sync_schedule_runs_in_the_bot_and_stops_with_it(make_bot, docs_copy):
    """DOCBOT_SYNC_HOURS starts a background sync task when the cog loads; unloading the cog stops it."""
    bot = await make_bot(documents_dir=docs_copy, sync_hours=6)
    cog = bot.get_cog("Documents")
    assert cog.scheduled is not None and not cog.scheduled.done()
    await bot.remove_cog("Documents")
    with pytest.raises(BaseException):  # noqa: B017 - cancelled
        await cog.scheduled
    assert cog.scheduled.cancelled()
    bot_off = await make_bot(documents_dir=docs_copy)
    assert bot_off.get_cog("Documents").scheduled is None
