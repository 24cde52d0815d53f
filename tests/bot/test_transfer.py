"""`docbot db migrate`: the bot's database copied into another (SQLite to PostgreSQL), every row, all or nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.database import Conversations, GuildSettingsStore, Origin, QuestionLog
from bot.database.engine import create, database_url, shown
from bot.database.tables import metadata

GUILD = 1_200_000_000_000_000_000  # a snowflake: more than 32 bits
ADA, THREAD, FORUM = 1_300_000_000_000_000_010, 1_300_000_000_000_000_001, 1_300_000_000_000_000_002
PAYLOAD = {"passages": [{"document": "nvidia.txt", "where": "§2", "excerpt": "Jensen Huang a dîné…"}]}


def fill(url: str) -> int:
    """A database with what a bot leaves: questions (one followed up), votes, a server's settings; the last id."""
    with QuestionLog(url) as qlog:
        first = qlog.record("Où Jensen Huang a-t-il dîné ?", outcome="answered", latency_ms=41.5, source="mention",
                            guild_id=GUILD, top_document="nvidia.txt", payload=PAYLOAD,
                            origin=Origin(user_id=ADA, channel_id=FORUM, message_id=11))
        Conversations(qlog).link_answer(first, answer_message_id=12, thread_id=THREAD)
        second = qlog.record("Et avec qui ?", outcome="answered", latency_ms=30.0, source="thread", guild_id=GUILD,
                             origin=Origin(user_id=ADA, thread_id=THREAD, parent_id=first))
        qlog.record("Recette de crêpes ?", outcome="not_covered", latency_ms=12.0, source="dm")
        gone = qlog.record("question effacée", outcome="error", latency_ms=None, source="slash", error="boom")
        qlog.vote(first, ADA, 1)
        qlog.vote(second, ADA, -1)
        store = GuildSettingsStore(qlog)
        store.set_answer_mode(GUILD, "thread", by=ADA)
        store.set_language(GUILD, "en", by=ADA)
        store.pick_channel(GUILD, FORUM, "forum", True, by=ADA)
        store.pick_channel(GUILD, THREAD, "mentions", True)
        with qlog.engine.begin() as conn:  # its id went out on a Discord button: it must never be reused
            conn.execute(sa.text("DELETE FROM questions WHERE id = :id"), {"id": gone})
    return gone


def rows(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    engine = create(sa.make_url(url), readonly=True)
    try:
        with engine.connect() as conn:
            return {t.name: [tuple(r) for r in conn.execute(sa.select(t).order_by(*t.primary_key.columns))]
                    for t in metadata.sorted_tables}
    finally:
        engine.dispose()


def test_a_copy_keeps_every_row_and_goes_on_where_the_source_left_off(docbot, new_database, tmp_path):
    """SQLite to SQLite or PostgreSQL, and back: same rows; follow-ups, votes, settings work; no id reused."""
    source = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    last = fill(source)
    target = new_database()

    done = docbot("db", "migrate", "--from", source, "--to", target)
    assert done.code == 0, done.err
    assert done.out.splitlines() == [f"Copied 3 questions, 2 votes, 1 server settings, 2 server channels from "
                                     f"{tmp_path / 'old.sqlite3'} to {shown(database_url(target))}."]
    password = sa.make_url(target).password
    assert (password is None or password not in done.out) and rows(target) == rows(source)

    with QuestionLog(target) as qlog:
        follow = Conversations(qlog).follow_up(reply_to=12)
        assert follow.history == ["Où Jensen Huang a-t-il dîné ?"]
        assert Conversations(qlog).follow_up(thread_id=THREAD).history == ["Où Jensen Huang a-t-il dîné ?",
                                                                           "Et avec qui ?"]
        assert qlog.get(1).payload == PAYLOAD and (qlog.totals().up, qlog.totals().down) == (1, 1)
        settings = GuildSettingsStore(qlog).get(GUILD)
        assert (settings.answer_mode, settings.language) == ("thread", "en")
        assert qlog.record("Nouvelle question ?", outcome="answered", latency_ms=1, source="slash") == last + 1

    back = f"sqlite:///{tmp_path / 'back.sqlite3'}"  # and out again: the target is a source like any other
    assert docbot("db", "migrate", "--from", target, "--to", back).code == 0
    assert rows(back) == rows(target)
    with QuestionLog(back) as qlog:
        assert qlog.record("Et encore ?", outcome="answered", latency_ms=1, source="slash") == last + 2


def test_a_target_holding_data_is_refused_and_left_alone(docbot, new_database, tmp_path):
    """Copying into a database that already logged questions: one line, exit 1, its rows untouched."""
    source, target = f"sqlite:///{tmp_path / 'old.sqlite3'}", new_database()
    fill(source)
    with QuestionLog(target) as qlog:
        qlog.record("Déjà là ?", outcome="answered", latency_ms=1, source="slash")
    before = rows(target)

    done = docbot("db", "migrate", "--from", source, "--to", target)
    assert done.code == 1 and len(done.err_lines) == 1
    assert "already holds docbot data (1 questions): copy into a new, empty one" in done.err
    assert rows(target) == before


def test_a_copy_that_fails_midway_writes_nothing(docbot, new_database, tmp_path):
    """A row the target refuses (a vote for a question that is gone): one line, exit 1, the target as it was."""
    path = tmp_path / "old.sqlite3"
    fill(f"sqlite:///{path}")
    with sqlite3.connect(path) as db:  # written without docbot's foreign-key check, as by hand
        db.execute("INSERT INTO feedback (question_id, user_id, vote, at) VALUES (999, 7, 1, 1.0)")
    target = new_database()

    done = docbot("db", "migrate", "--from", f"sqlite:///{path}", "--to", target)
    assert done.code == 1 and len(done.err_lines) == 1 and "Traceback" not in done.err
    assert "failed, nothing was written" in done.err
    url = sa.make_url(target)
    if url.get_backend_name() == "sqlite":
        assert not Path(url.database).exists()  # the file this copy created is gone
    else:
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            assert sa.inspect(conn).get_table_names() == []
        engine.dispose()


@pytest.mark.parametrize(("source", "target", "code", "words"), [
    ("{tmp}/old.sqlite3", "sqlite:///{tmp}/new.sqlite3", 2, "--from is not a database URL"),
    ("sqlite:///{tmp}/old.sqlite3", "nosuchdatabase://db/docbot", 1, "no driver for the database"),
    ("sqlite:///{tmp}/missing.sqlite3", "sqlite:///{tmp}/new.sqlite3", 1, "missing.sqlite3 does not exist"),
    ("sqlite:///{tmp}/old.sqlite3", "sqlite:///{tmp}/old.sqlite3", 1, "the source and the target are the same"),
    ("sqlite:///{tmp}/old.sqlite3", "postgresql://docbot:s3cret-pw@127.0.0.1:1/docbot?connect_timeout=5", 1,
     "cannot open the database postgresql+psycopg://docbot:***@127.0.0.1:1/docbot"),
], ids=["path-not-url", "unknown-driver", "missing-source", "same-database", "unreachable-server"])
def test_unusable_urls_are_one_line(docbot, tmp_path, source, target, code, words):
    """A bad URL, a missing source, an unreachable server: one line naming it, no password, nothing written."""
    fill(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    before = rows(f"sqlite:///{tmp_path / 'old.sqlite3'}")

    done = docbot("db", "migrate", "--from", source.format(tmp=tmp_path), "--to", target.format(tmp=tmp_path))
    assert done.code == code and len(done.err_lines) == 1, done.err
    assert words in done.err and "s3cret" not in done.err and "Traceback" not in done.err
    assert not (tmp_path / "new.sqlite3").exists()
    assert rows(f"sqlite:///{tmp_path / 'old.sqlite3'}") == before
