"""Database URLs and engines: SQLite set up for durability and for several processes, or a server by URL."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from . import migrate
from .errors import DatabaseReadOnlyError, DatabaseUnavailableError, DatabaseURLError, SchemaError

# How long a write waits for another process's transaction on the same SQLite file before failing.
SQLITE_BUSY_TIMEOUT_S = 10.0


def database_url(target: str | Path | URL) -> URL:
    """The URL of a database given as a URL or, for SQLite, as the Path of its file."""
    if isinstance(target, URL):
        return target
    if isinstance(target, Path):
        return URL.create("sqlite", database=str(target))
    try:
        url = make_url(target)
    except ArgumentError:
        # Not echoed: a mistyped URL may still hold a password.
        raise DatabaseURLError("DOCBOT_DATABASE_URL is not a database URL; e.g. "
                               "sqlite:////var/lib/docbot/docbot.sqlite3 or postgresql+psycopg://user:password@host/docbot"
                               ) from None
    # PostgreSQL's URLs as people write them (postgresql://, postgres://) name no driver: SQLAlchemy would pick
    # psycopg2, which docbot does not install; psycopg (3) is the one it ships.
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def sqlite_file(url: URL) -> Path | None:
    """The file of a SQLite database on disk; None for a server database or an in-memory one."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def shown(url: URL) -> str:
    """The URL as it may appear in messages and logs: without its password."""
    file = sqlite_file(url)
    return str(file) if file is not None else url.render_as_string(hide_password=True)


def create(url: URL, *, readonly: bool = False) -> sa.Engine:
    """An engine for this database; SQLite files in WAL mode, fully synchronous, writes queued between processes.

    Read-only engines never write: SQLite opens the file with mode=ro, a server database gets read-only
    transactions.
    """
    file = sqlite_file(url)
    try:
        if file is None:
            options = {"postgresql_readonly": True} if readonly and url.get_backend_name() == "postgresql" else {}
            return sa.create_engine(url, pool_pre_ping=True, execution_options=options)
        if readonly:
            # A URI so SQLite itself refuses writes and never creates the file. In a folder we can't
            # write, SQLite can't make the WAL's shared-memory file a reader needs: read it as immutable.
            query = {"mode": "ro", "uri": "true"}
            if not os.access(file.resolve().parent, os.W_OK):
                query["immutable"] = "1"
            ro = URL.create("sqlite", database=f"file:{quote(str(file.resolve()))}", query=query)
            engine = sa.create_engine(ro, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
        else:
            _writable(file)
            engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        hint = (" (for PostgreSQL: pip install 'psycopg[binary]' and a postgresql+psycopg:// URL)"
                if url.get_backend_name() == "postgresql" else "")
        raise DatabaseURLError(f"no driver for the database {shown(url)}: {exc}{hint}") from None
    _set_up_sqlite(engine, readonly=readonly)
    return engine


def _writable(file: Path) -> None:
    """Make sure docbot can write the SQLite file and its journal beside it; DatabaseReadOnlyError if not."""
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseReadOnlyError(file, exc.strerror or "read-only") from None
    # The folder too: SQLite writes its WAL and shared-memory files next to the database.
    for path in (file.parent, file):
        if path.exists() and not os.access(path, os.W_OK):
            raise DatabaseReadOnlyError(file)


def _set_up_sqlite(engine: sa.Engine, *, readonly: bool) -> None:
    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        # SQLAlchemy's recipe: the driver leaves transactions alone, the "begin" hook below opens them.
        dbapi_conn.isolation_level = None
        if readonly:
            dbapi_conn.execute("PRAGMA query_only=ON")
        else:
            # WAL: readers (docbot stats) never block the bot's writes. FULL: a committed question is on
            # disk, so a power cut or kill -9 loses nothing already logged.
            dbapi_conn.execute("PRAGMA journal_mode=WAL")
            dbapi_conn.execute("PRAGMA synchronous=FULL")
        dbapi_conn.execute("PRAGMA foreign_keys=ON")

    @sa.event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        # IMMEDIATE takes the write lock up front, so two bots on one file queue (within the busy timeout)
        # instead of one failing when its read turns into a write. Reads ask for a deferred BEGIN.
        deferred = readonly or conn.get_execution_options().get("docbot_read", False)
        conn.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


def reader(engine: sa.Engine) -> sa.Engine:
    """The same engine for reads only: on SQLite they take no write lock."""
    return engine.execution_options(docbot_read=True)


def close(engine: sa.Engine, *, checkpoint: bool) -> None:
    """Close every connection; with `checkpoint`, first fold a SQLite WAL into the main file.

    Everything is committed already; the checkpoint is so that an operator may copy the .sqlite3 file alone
    after a stop.
    """
    if checkpoint and sqlite_file(engine.url) is not None:
        raw = engine.raw_connection()
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
    engine.dispose()


def open_database(target: str | Path | URL, *, readonly: bool = False) -> tuple[sa.Engine, URL]:
    """An engine on the database at this URL (or SQLite file) at this docbot's revision, and its URL.

    Writable: created if missing, and migrated. Read-only: never created nor changed; a SchemaError says
    when it is not at this docbot's revision.
    """
    url = database_url(target)
    file = sqlite_file(url)
    if readonly and file is not None and not file.exists():
        raise SchemaError(f"the database {file} does not exist", reason="empty", found=None, expected=migrate.head())
    engine = create(url, readonly=readonly)
    try:
        if readonly:
            migrate.check(engine, shown(url))
        else:
            migrate.upgrade(engine, shown(url))
    except sa.exc.DBAPIError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
        if file is not None and "readonly database" in reason:
            raise DatabaseReadOnlyError(file) from None
        raise DatabaseUnavailableError(f"cannot open the database {shown(url)}: {reason}") from None
    except BaseException:
        engine.dispose()
        raise
    return engine, url
