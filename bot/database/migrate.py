"""Schema migrations: the Alembic revisions in migrations/, run when docbot opens its database.

A database docbot made before Alembic (SQLite, its version in PRAGMA user_version) is recognised, stamped
with the revision its schema is, and upgraded from there: its questions and votes stay.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import sqlalchemy as sa

# Alembic logs INFO lines when imported (one per built-in plugin, at every docbot start) and several per
# migration; docbot logs one line of its own when it creates or upgrades the database. An operator's own
# level for Alembic's logger wins.
_alembic_log = logging.getLogger("alembic")
if _alembic_log.level == logging.NOTSET:
    _alembic_log.setLevel(logging.WARNING)

from alembic import command  # noqa: E402
from alembic.config import Config  # noqa: E402
from alembic.runtime.migration import MigrationContext  # noqa: E402
from alembic.script import ScriptDirectory  # noqa: E402
from alembic.util import CommandError  # noqa: E402

from .errors import SchemaError  # noqa: E402

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"

# Schemas of docbot before Alembic, by SQLite user_version: the revision each is, and its questions' columns.
_BASE_COLUMNS = frozenset({"id", "asked_at", "question", "normalized", "outcome", "latency_ms", "source",
                           "guild_id", "top_document", "error"})
LEGACY = {1: ("0001", _BASE_COLUMNS), 2: ("0002", _BASE_COLUMNS | {"payload"})}
_TABLES = frozenset({"questions", "feedback"})

# Two bots starting together on one PostgreSQL database: the second waits for the first's migration.
_PG_LOCK_KEY = 0x646F63626F74  # "docbot"

UPGRADE_HINT = "start `docbot run` or `docbot chat` once to upgrade it"


@functools.cache
def scripts() -> ScriptDirectory:
    """The revisions shipped with this docbot."""
    return ScriptDirectory(str(MIGRATIONS))


def head() -> str:
    """The revision this docbot's code reads and writes."""
    return scripts().get_current_head()


def alembic_config(connection: sa.Connection | None = None) -> Config:
    """An Alembic configuration without alembic.ini: the shipped revisions, on this connection."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def current(conn: sa.Connection) -> str | None:
    """The revision the database is stamped with; None if it has no alembic_version table."""
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    # Read directly: Alembic's MigrationContext logs two INFO lines at every start.
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def legacy(conn: sa.Connection, shown: str) -> str | None:
    """The revision a database of docbot before Alembic is at; None if docbot has no tables there."""
    inspector = sa.inspect(conn)
    ours = _TABLES & set(inspector.get_table_names())
    if not ours:
        return None
    detail = f"tables {', '.join(sorted(ours))} without alembic_version"
    if conn.dialect.name == "sqlite" and ours == _TABLES:
        version = conn.exec_driver_sql("PRAGMA user_version").scalar()
        revision, columns = LEGACY.get(version, (None, None))
        if revision and {c["name"] for c in inspector.get_columns("questions")} == columns:
            return revision
        detail += f", SQLite user_version {version}"
    raise SchemaError(f"the database {shown} holds tables docbot did not make ({detail}); point "
                      "DOCBOT_DATABASE_URL at another database", reason="unknown", found=None, expected=head())


def _known(revision: str) -> bool:
    try:
        return scripts().get_revision(revision) is not None
    except CommandError:  # Alembic's word for a revision it cannot find
        return False


def _newer(shown: str, found: str) -> SchemaError:
    return SchemaError(f"the database {shown} was written by a newer docbot (revision {found}; this one knows up "
                       f"to {head()}): upgrade docbot", reason="newer", found=found, expected=head())


def upgrade(engine: sa.Engine, shown: str) -> None:
    """Bring the database to this docbot's revision, creating it if empty; one transaction, all or nothing."""
    with engine.begin() as conn:  # on SQLite, BEGIN IMMEDIATE: a second process waits here
        found = upgrade_in(conn, shown)
    if found is None:
        log.debug("database %s created (revision %s)", shown, head())
    elif found != head():
        log.info("database %s upgraded from revision %s to %s", shown, found, head())


def upgrade_in(conn: sa.Connection, shown: str) -> str | None:
    """Bring the database to this docbot's revision inside the caller's transaction; the revision it was at."""
    target = head()
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    found = current(conn)
    if found is None:
        found = legacy(conn, shown)
        if found is not None:
            log.info("database %s: recognised the schema of docbot before migrations as revision %s", shown, found)
            MigrationContext.configure(conn).stamp(scripts(), found)
    if found == target:
        return found
    if found is not None and not _known(found):
        raise _newer(shown, found)
    command.upgrade(alembic_config(conn), target)
    return found


def check(engine: sa.Engine, shown: str) -> None:
    """Make sure a database opened read-only is at this docbot's revision; it is never changed."""
    with engine.connect() as conn:
        found = current(conn)
        if found is None:
            found = legacy(conn, shown)
            if found is None:
                raise SchemaError(f"the database {shown} holds no docbot tables yet", reason="empty",
                                  found=None, expected=head())
        if found == head():
            return
        if not _known(found):
            raise _newer(shown, found)
        raise SchemaError(f"the database {shown} is older than this docbot (revision {found}, needs {head()}): "
                          + UPGRADE_HINT, reason="older", found=found, expected=head())
