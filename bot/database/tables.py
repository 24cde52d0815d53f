"""The bot's tables as the newest migration leaves them; the revisions in migrations/ build them step by step."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

OUTCOMES = ("answered", "not_covered", "error")
ANSWER_MODES = ("reply", "thread")
ANSWER_LANGUAGES = ("auto", "fr", "en")
CHANNEL_PURPOSES = ("mentions", "forum")
SOURCE_KINDS = ("website", "git")


class JSONText(sa.TypeDecorator):
    """A JSON document stored as TEXT: the same column on SQLite and on a server database."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> str | None:
        """The document as JSON text."""
        return None if value is None else json.dumps(value, ensure_ascii=False)

    def process_result_value(self, value: str | None, dialect: sa.Dialect) -> Any:
        """The document read back."""
        return None if value is None else json.loads(value)


metadata = sa.MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})

# Discord ids (snowflakes) need 64 bits: BIGINT, which is INTEGER to SQLite.
questions = sa.Table(
    "questions", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("asked_at", sa.Double, nullable=False),  # Unix time, seconds
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("normalized", sa.Text, nullable=False),  # groups "Who is X?" and "who is x" together in stats
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("latency_ms", sa.Double),
    sa.Column("source", sa.Text, nullable=False),  # slash, mention, dm, terminal, ...
    sa.Column("guild_id", sa.BigInteger),
    sa.Column("top_document", sa.Text),
    sa.Column("error", sa.Text),
    # 0002: what the answer's "More passages" needs, kept with the question.
    sa.Column("payload", JSONText),
    # 0003: the conversation a question belongs to (issue 12's follow-ups), all optional.
    sa.Column("user_id", sa.BigInteger),  # who asked
    sa.Column("channel_id", sa.BigInteger),  # where it was asked
    sa.Column("message_id", sa.BigInteger),  # the message that asked it, if any
    sa.Column("answer_message_id", sa.BigInteger, index=True),  # the bot's answer: a reply to it follows up
    sa.Column("thread_id", sa.BigInteger, index=True),  # the thread its conversation goes on in
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("questions.id", ondelete="SET NULL"), index=True),
    sa.CheckConstraint(sa.column("outcome").in_(OUTCOMES), name="outcome"),
    sa.Index("questions_normalized", "normalized"),
    sa.Index("ix_questions_asked_at", "asked_at"),  # per-day stats
    sqlite_autoincrement=True,  # ids go out on Discord buttons: never reuse one
)

feedback = sa.Table(
    "feedback", metadata,
    # One vote per person per answer: voting again replaces it.
    sa.Column("question_id", sa.Integer, sa.ForeignKey("questions.id"), primary_key=True),
    sa.Column("user_id", sa.BigInteger, primary_key=True),
    sa.Column("vote", sa.Integer, nullable=False),
    sa.Column("at", sa.Double, nullable=False),
    sa.CheckConstraint(sa.column("vote").in_((-1, 1)), name="vote"),
)

# 0004: each server's choices (/settings); a server without a row has GuildSettings' defaults.
guild_settings = sa.Table(
    "guild_settings", metadata,
    sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("answer_mode", sa.Text, nullable=False),  # reply, or a new thread from the question
    sa.Column("language", sa.Text, nullable=False),  # of the bot's own words: auto (the asker's), fr, en
    sa.Column("updated_at", sa.Double, nullable=False),
    sa.Column("updated_by", sa.BigInteger),  # the manager who last changed them
    sa.CheckConstraint(sa.column("answer_mode").in_(ANSWER_MODES), name="answer_mode"),
    sa.CheckConstraint(sa.column("language").in_(ANSWER_LANGUAGES), name="language"),
)

# 0004: the channels a server picked: where mentions are answered (none listed: everywhere), and the help
# forums whose new posts are answered. One row per choice, so two managers' changes never overwrite each other.
guild_channels = sa.Table(
    "guild_channels", metadata,
    sa.Column("guild_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("channel_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("purpose", sa.Text, primary_key=True),
    sa.Column("added_at", sa.Double, nullable=False),
    sa.Column("added_by", sa.BigInteger),
    sa.CheckConstraint(sa.column("purpose").in_(CHANNEL_PURPOSES), name="purpose"),
)

# 0005: per-user cooldowns shared by every process of the bot (a user's DMs and a server may be on different
# shards): until when a user must wait before the next question (kind "ask") or "More passages" ("more").
cooldowns = sa.Table(
    "cooldowns", metadata,
    sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.Text, primary_key=True),
    sa.Column("until", sa.Double, nullable=False),  # Unix time, seconds
)

# 0006: where parts of the documents come from (`docbot sources`): a website or a git repository each, laid out
# under documents/<name>/ (bot/sources/).
sources = sa.Table(
    "sources", metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("branch", sa.Text),
    sa.Column("subdir", sa.Text),
    sa.Column("added_at", sa.Double, nullable=False),
    sa.Column("synced_at", sa.Double),  # the end of the last sync that succeeded
    sa.Column("error", sa.Text),  # the last sync's failure, cleared by a success
    sa.CheckConstraint(sa.column("kind").in_(SOURCE_KINDS), name="kind"),
)
