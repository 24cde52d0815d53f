"""/sources lists the index; /reindex is for server managers and swaps a new index in without a restart."""

from __future__ import annotations

import discord
import pytest

from bot.i18n import t
from index import store
from tests.bot.helpers import MockInteraction, embed_text, invoke, sent

MANAGER = discord.Permissions(manage_guild=True)
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
    """A bot whose documents folder is a writable copy of the shipped documents."""
    return await make_bot(cooldown_seconds=0, documents_dir=docs_copy)


async def test_reindex_adds_a_document_and_answers_from_it_without_restart(manager_bot, docs_copy):
    """A manager's /reindex reports the new file, and the next question is answered from it."""
    (docs_copy / "chat-bibliotheque.txt").write_text(NEW_DOC, encoding="utf-8")
    inter = MockInteraction(manager_bot, permissions=MANAGER)
    await invoke(manager_bot, "reindex", inter)

    assert inter.response.defer.await_args.kwargs == {"ephemeral": True, "thinking": True}
    [msg] = sent(inter.followup.send)
    assert msg["ephemeral"] is True
    assert msg["content"].startswith("Index updated: 1 added, ")
    assert "chat-bibliotheque.txt" in msg["content"]

    ask = MockInteraction(manager_bot)
    await invoke(manager_bot, "ask", ask,
                 question="Comment s'appelle le chat de la bibliothèque de Trouville ?")
    embed = sent(ask.followup.send)[0]["embeds"][0]
    assert "Zéphyrin" in embed_text(embed)


async def test_reindex_with_nothing_changed_says_up_to_date(manager_bot):
    """Reindexing unchanged documents says so, in the manager's language."""
    inter = MockInteraction(manager_bot, permissions=MANAGER, locale=discord.Locale.french)
    await invoke(manager_bot, "reindex", inter)
    assert sent(inter.followup.send)[0]["content"].startswith("Index déjà à jour : 0 ajoutés, 0 modifiés")


@pytest.mark.parametrize(("permissions", "in_guild", "key"), [
    (discord.Permissions.none(), True, "manage_guild_only"),
    (discord.Permissions(administrator=False, manage_messages=True), True, "manage_guild_only"),
    (discord.Permissions.none(), False, "guild_only"),
])
async def test_reindex_is_refused_to_non_managers(manager_bot, fake_engine, permissions, in_guild, key):
    """The bot itself checks Manage Server (and refuses DMs): a short ephemeral refusal, no rebuild."""
    built_at = fake_engine.index.manifest.built_at
    inter = MockInteraction(manager_bot, permissions=permissions, guild=in_guild)
    await invoke(manager_bot, "reindex", inter)
    inter.response.defer.assert_not_awaited()
    [msg] = sent(inter.response.send_message)
    assert msg["content"] == t(key, "en") and msg["ephemeral"] is True
    assert store.read_manifest(store.current_path(fake_engine.index_dir)).built_at == built_at


async def test_reindex_while_a_rebuild_runs(manager_bot, fake_engine, docs_copy):
    """When another build holds the lock, /reindex says a rebuild is running, privately."""
    (docs_copy / "chat-bibliotheque.txt").write_text(NEW_DOC, encoding="utf-8")
    inter = MockInteraction(manager_bot, permissions=MANAGER)
    with store.build_lock(fake_engine.index_dir):
        await invoke(manager_bot, "reindex", inter)
    inter.delete_original_response.assert_awaited_once()  # the "thinking…" placeholder goes away
    [msg] = sent(inter.followup.send)
    assert msg["content"] == t("reindex_running", "en") and msg["ephemeral"] is True
