"""Servers' settings in the bot's database: defaults, changes, channel lists, and how long a read is kept."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bot.database import GuildSettings, GuildSettingsStore

GUILD, OTHER = 1_400_000_000_000_000_001, 1_400_000_000_000_000_002
HELP, FORUM = 1_400_000_000_000_000_010, 1_400_000_000_000_000_011


def test_a_server_that_never_chose_has_the_defaults(question_log):
    """Replies, the asker's language, mentions answered everywhere, no forum."""
    settings = GuildSettingsStore(question_log).get(GUILD)
    assert settings == GuildSettings() and settings.answer_mode == "reply" and settings.language == "auto"
    assert settings.answers_mentions_in(HELP)


def test_changes_are_kept_per_server(question_log):
    """Mode, language and channels of one server; another server keeps its defaults."""
    store = GuildSettingsStore(question_log)
    store.set_answer_mode(GUILD, "thread", by=7)
    store.set_language(GUILD, "fr", by=7)
    store.pick_channel(GUILD, HELP, "mentions", True, by=7)
    after = store.pick_channel(GUILD, FORUM, "forum", True, by=7)
    assert (after.answer_mode, after.language) == ("thread", "fr")
    assert after.mention_channels == {HELP} and after.forum_channels == {FORUM}
    assert after.answers_mentions_in(HELP) and not after.answers_mentions_in(HELP + 1)
    assert store.get(OTHER) == GuildSettings()
    again = store.set_answer_mode(GUILD, "reply")
    assert again.language == "fr", "changing one setting leaves the others"


def test_picking_twice_and_unpicking(question_log):
    """Adding a channel twice keeps one; taking it off, or clearing the list, answers everywhere again."""
    store = GuildSettingsStore(question_log)
    store.pick_channel(GUILD, HELP, "mentions", True)
    assert store.pick_channel(GUILD, HELP, "mentions", True).mention_channels == {HELP}
    assert store.pick_channel(GUILD, HELP, "mentions", False).mention_channels == frozenset()
    store.pick_channel(GUILD, HELP, "mentions", True)
    store.pick_channel(GUILD, FORUM, "forum", True)
    cleared = store.clear_channels(GUILD, "mentions")
    assert cleared.mention_channels == frozenset() and cleared.forum_channels == {FORUM}


def test_a_read_is_kept_for_ttl_seconds(question_log):
    """Another process's change is seen once this one's read is older than ttl; its own changes at once."""
    now = [0.0]
    mine = GuildSettingsStore(question_log, ttl=30, clock=lambda: now[0])
    theirs = GuildSettingsStore(question_log)  # another bot process on the same database
    assert mine.get(GUILD).answer_mode == "reply"
    theirs.set_answer_mode(GUILD, "thread")
    assert mine.cached(GUILD).answer_mode == "reply"
    now[0] = 31.0
    assert mine.cached(GUILD) is None and mine.get(GUILD).answer_mode == "thread"
    mine.set_language(GUILD, "en")
    assert mine.cached(GUILD).language == "en"


def test_the_database_refuses_what_settings_cannot_be(question_log):
    """An unknown mode or purpose is refused by the database itself."""
    store = GuildSettingsStore(question_log)
    with pytest.raises(sa.exc.IntegrityError):
        store.set_answer_mode(GUILD, "carrier-pigeon")
    with pytest.raises(sa.exc.IntegrityError):
        store.pick_channel(GUILD, HELP, "announcements", True)
