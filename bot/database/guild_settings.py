"""Each server's choices (/settings): how mentions are answered, where, which help forums, in which language.

A server that never ran /settings has the defaults of GuildSettings. Reads are kept for a short while in
memory: the bot looks at a server's settings for every message addressed to it, and a change made by
/settings in this process is seen at once (another process's within `ttl` seconds). Calls that reach the
database block on I/O: run them in a thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from . import engine as db
from .tables import guild_channels, guild_settings

if TYPE_CHECKING:
    from .questionlog import QuestionLog

AnswerMode = Literal["reply", "thread"]
AnswerLanguage = Literal["auto", "fr", "en"]
Purpose = Literal["mentions", "forum"]

_UPSERT = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


@dataclass(frozen=True)
class GuildSettings:
    """A server's choices; these defaults are those of a server that never changed them."""

    answer_mode: AnswerMode = "reply"
    language: AnswerLanguage = "auto"
    mention_channels: frozenset[int] = field(default_factory=frozenset)  # none: mentions answered everywhere
    forum_channels: frozenset[int] = field(default_factory=frozenset)

    def answers_mentions_in(self, channel_id: int) -> bool:
        """Whether mentions in this channel (or in a thread of it) are answered."""
        return not self.mention_channels or channel_id in self.mention_channels


class GuildSettingsStore:
    """Reads and changes servers' settings in the bot's database; safe to share between threads."""

    def __init__(self, questions_log: QuestionLog, *, ttl: float = 30.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.engine = questions_log.engine
        self._reads = db.reader(self.engine)
        self.ttl = ttl
        self._clock = clock
        self._cache: dict[int, tuple[float, GuildSettings]] = {}
        self._lock = threading.Lock()

    def cached(self, guild_id: int) -> GuildSettings | None:
        """The settings read less than `ttl` seconds ago (no I/O), or None."""
        with self._lock:
            hit = self._cache.get(guild_id)
        if hit is None or self._clock() - hit[0] > self.ttl:
            return None
        return hit[1]

    def get(self, guild_id: int) -> GuildSettings:
        """A server's settings (the defaults if it never changed them)."""
        cached = self.cached(guild_id)
        if cached is not None:
            return cached
        with self._reads.begin() as conn:
            return self._read(conn, guild_id)

    def _read(self, conn: sa.Connection, guild_id: int) -> GuildSettings:
        s, c = guild_settings.c, guild_channels.c
        row = conn.execute(sa.select(s.answer_mode, s.language).where(s.guild_id == guild_id)).first()
        picked: dict[str, set[int]] = {"mentions": set(), "forum": set()}
        for channel_id, purpose in conn.execute(sa.select(c.channel_id, c.purpose).where(c.guild_id == guild_id)):
            picked[purpose].add(int(channel_id))
        defaults = GuildSettings()
        settings = GuildSettings(answer_mode=row.answer_mode if row else defaults.answer_mode,
                                 language=row.language if row else defaults.language,
                                 mention_channels=frozenset(picked["mentions"]),
                                 forum_channels=frozenset(picked["forum"]))
        with self._lock:
            self._cache[guild_id] = (self._clock(), settings)
        return settings

    def set_answer_mode(self, guild_id: int, mode: AnswerMode, *, by: int | None = None) -> GuildSettings:
        """Answer mentions with a reply or in a new thread; the settings after the change."""
        return self._set(guild_id, by, answer_mode=mode)

    def set_language(self, guild_id: int, language: AnswerLanguage, *, by: int | None = None) -> GuildSettings:
        """The language of the bot's own words in this server ("auto": the asker's); the settings after."""
        return self._set(guild_id, by, language=language)

    def _set(self, guild_id: int, by: int | None, **changes: str) -> GuildSettings:
        s = guild_settings.c
        row = {"guild_id": guild_id, "answer_mode": GuildSettings.answer_mode, "language": GuildSettings.language,
               "updated_at": time.time(), "updated_by": by, **changes}
        with self.engine.begin() as conn:
            insert = _UPSERT.get(conn.dialect.name)
            if insert is None:  # a database without INSERT ... ON CONFLICT: read, then write, in one transaction
                exists = conn.execute(sa.select(s.guild_id).where(s.guild_id == guild_id)).first()
                if exists:
                    conn.execute(sa.update(guild_settings).where(s.guild_id == guild_id)
                                 .values(updated_at=row["updated_at"], updated_by=by, **changes))
                else:
                    conn.execute(sa.insert(guild_settings).values(row))
            else:
                stmt = insert(guild_settings).values(row)
                conn.execute(stmt.on_conflict_do_update(
                    index_elements=["guild_id"],
                    set_={"updated_at": stmt.excluded.updated_at, "updated_by": stmt.excluded.updated_by,
                          **{k: stmt.excluded[k] for k in changes}}))
            return self._read(conn, guild_id)

    def pick_channel(self, guild_id: int, channel_id: int, purpose: Purpose, picked: bool, *,
                     by: int | None = None) -> GuildSettings:
        """Add a channel to (or take it off) the server's list for `purpose`; the settings after the change."""
        c = guild_channels.c
        where = (c.guild_id == guild_id, c.channel_id == channel_id, c.purpose == purpose)
        with self.engine.begin() as conn:
            conn.execute(sa.delete(guild_channels).where(*where))
            if picked:
                conn.execute(sa.insert(guild_channels).values(guild_id=guild_id, channel_id=channel_id,
                                                              purpose=purpose, added_at=time.time(), added_by=by))
            return self._read(conn, guild_id)

    def clear_channels(self, guild_id: int, purpose: Purpose) -> GuildSettings:
        """Empty the server's list for `purpose` (for mentions: answered everywhere again); the settings after."""
        c = guild_channels.c
        with self.engine.begin() as conn:
            conn.execute(sa.delete(guild_channels).where(c.guild_id == guild_id, c.purpose == purpose))
            return self._read(conn, guild_id)
