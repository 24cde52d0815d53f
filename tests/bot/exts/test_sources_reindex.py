"""/sources lists the index; /reindex is for the owner and admin servers' managers, and swaps a new index in."""

from __future__ import annotations

import discord
import pytest

from bot.i18n import t
from index import store
from tests.bot.helpers import MockGuild, MockInteraction, checked_async, embed_text, invoke, next_id, sent

MANAGER = discord.Permissions(manage_guild=True)
ADMIN_GUILD = next_id()
OWNER = next_id()


def long_command(bot, guild_id: int | None = ADMIN_GUILD, **attributes) -> MockInteraction:
    """An interaction for /reindex or /documents: its reply is edited (progress, then the result)."""
    return MockInteraction(bot, guild=MockGuild(id=guild_id) if guild_id else None,
                           edit_original_response=checked_async(discord.Interaction, "edit_original_response"),
                           is_expired=lambda: False, **attributes)


def result(inter: MockInteraction) -> str:
    """The text of the reply's last edit: the command's result."""
    return sent(inter.edit_original_response)[-1]["content"]
NEW_DOC = ("Le chat de la bibliothèque municipale de Trouville s'appelle Zéphyrin et dort sur les "
           "dictionnaires.\n")


async def test_sources_lists_the_documents_privately(bot, fake_engine):
    """/sources answers privately with every document title and the build time."""
    inter = MockInteraction(bot, locale=discord.Locale.french)
    await invoke(bot, "sources", inter)
    assert inter.response.defer.await_args.kwargs == {"ephemeral": True, "thinking": True}
    [msg] = sent(inter.followup.send)
    assert msg["ephemeral"] is True
    text = embed_text(msg["embeds"][0])
    assert "Documents indexés" in text and f"<t:{int(fake_engine.index.manifest.built_at)}:f>" in text
    assert all(d.title.split(":")[0] in text for d in fake_engine.index.documents)


@pytest.fixture
async def manager_bot(make_bot, docs_copy):
    """A bot whose documents folder is a writable copy of the shipped documents, with one admin server."""
    bot = await make_bot(cooldown_seconds=0, documents_dir=docs_copy, admin_guild_ids=[ADMIN_GUILD])
    bot.owner_id = OWNER  # as discord.py learns it from the application's owner
    return bot


async def test_reindex_adds_a_document_and_answers_from_it_without_restart(manager_bot, docs_copy):
    """A manager's /reindex reports the new file, and the next question is answered from it."""
    (docs_copy / "chat-bibliotheque.txt").write_text(NEW_DOC, encoding="utf-8")
    inter = long_command(manager_bot, permissions=MANAGER)
    await invoke(manager_bot, "reindex", inter)

    assert inter.response.defer.await_args.kwargs == {"ephemeral": True, "thinking": True}
    text = result(inter)
    assert text.startswith("Index updated: 1 added, ")
    assert "chat-bibliotheque.txt" in text

    ask = MockInteraction(manager_bot)
    await invoke(manager_bot, "ask", ask,
                 question="Comment s'appelle le chat de la bibliothèque de Trouville ?")
    embed = sent(ask.followup.send)[0]["embeds"][0]
    assert "Zéphyrin" in embed_text(embed)


async def test_reindex_with_nothing_changed_says_up_to_date(manager_bot):
    """Reindexing unchanged documents says so, in the manager's language."""
    inter = long_command(manager_bot, permissions=MANAGER, locale=discord.Locale.french)
    await invoke(manager_bot, "reindex", inter)
    assert result(inter).startswith("Index déjà à jour : 0 ajoutés, 0 modifiés")


@pytest.mark.parametrize(("permissions", "guild_id", "key"), [
    (discord.Permissions.none(), ADMIN_GUILD, "manage_guild_only"),
    (discord.Permissions(administrator=False, manage_messages=True), ADMIN_GUILD, "manage_guild_only"),
    (MANAGER, next_id(), "not_admin_guild"),
    (discord.Permissions.none(), None, "guild_only"),
])
async def test_reindex_is_refused_to_non_managers(manager_bot, fake_engine, permissions, guild_id, key):
    """The bot itself checks who may rebuild (a manager of an admin server, or the owner) and refuses DMs: a
    short ephemeral refusal with the reason, no rebuild."""
    built_at = fake_engine.index.manifest.built_at
    inter = long_command(manager_bot, guild_id, permissions=permissions)
    await invoke(manager_bot, "reindex", inter)
    inter.response.defer.assert_not_awaited()
    [msg] = sent(inter.response.send_message)
    assert msg["content"] == t(key, "en") and msg["ephemeral"] is True
    assert store.read_manifest(store.current_path(fake_engine.index_dir)).built_at == built_at


async def test_owner_may_reindex_from_any_server(manager_bot, docs_copy):
    """The bot's owner needs neither an admin server nor Manage Server."""
    (docs_copy / "chat-bibliotheque.txt").write_text(NEW_DOC, encoding="utf-8")
    inter = long_command(manager_bot, next_id(), permissions=discord.Permissions.none())
    inter.user.id = OWNER
    await invoke(manager_bot, "reindex", inter)
    assert result(inter).startswith("Index updated: 1 added, ")


async def test_reindex_while_a_rebuild_runs(manager_bot, fake_engine, docs_copy):
    """When another build holds the lock, /reindex says a rebuild is running, in its private reply."""
    (docs_copy / "chat-bibliotheque.txt").write_text(NEW_DOC, encoding="utf-8")
    inter = long_command(manager_bot, permissions=MANAGER)
    with store.build_lock(fake_engine.index_dir):
        await invoke(manager_bot, "reindex", inter)
    assert result(inter) == t("reindex_running", "en")
    inter.followup.send.assert_not_awaited()
