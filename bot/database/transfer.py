"""Copying the bot's database into another one (SQLite to PostgreSQL, say): every table, all or nothing.

The source is only read, in one snapshot, so a bot may go on logging while it is copied (what it logs after the
snapshot is not copied). The target must hold no docbot data: it is created or brought to this docbot's
revision and filled in one transaction, so a failure leaves it as it was (a SQLite file this copy created is
removed). Question ids go on where the source's left off, so the ids on Discord buttons stay valid and are never
reused.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL

from . import engine as db
from . import migrate
from .errors import DatabaseError, DatabaseUnavailableError
from .tables import metadata

log = logging.getLogger(__name__)

# Rows sent to the target per statement.
BATCH = 1000

# How a report names each table's rows, always shown; another table (say, cooldowns) is shown by its name
# when it has rows.
ROW_NAMES = {"questions": "questions", "feedback": "votes", "guild_settings": "server settings",
             "guild_channels": "server channels"}


def _counted(rows: dict[str, int]) -> str:
    """"3 questions, 2 votes, ...": the rows of each table, the question log first; other tables if not empty."""
    order = list(ROW_NAMES)
    tables = sorted((t for t in rows if t in ROW_NAMES or rows[t]),
                    key=lambda t: order.index(t) if t in order else len(order))
    return ", ".join(f"{rows[t]} {ROW_NAMES.get(t, t)}" for t in tables)


class TargetNotEmptyError(DatabaseError):
    """The target database already holds docbot data; `counts` says how many rows per table."""

    def __init__(self, shown: str, counts: dict[str, int]) -> None:
        self.counts = counts
        held = _counted({t: n for t, n in counts.items() if n})
        super().__init__(f"the database {shown} already holds docbot data ({held}): copy into a new, empty one")


class SameDatabaseError(DatabaseError):
    """The source and the target are one database."""


@dataclass(frozen=True)
class CopyReport:
    """What a copy did: rows per table, from where to where (URLs without passwords)."""

    source: str
    target: str
    rows: dict[str, int]

    def line(self) -> str:
        """One line for the operator: what was copied, from where, to where."""
        return f"Copied {_counted(self.rows)} from {self.source} to {self.target}."


def _reason(exc: sa.exc.DBAPIError) -> str:
    """The first line of the driver's own words (SQLAlchemy's add the statement and a link)."""
    return (str(exc.orig) if exc.orig is not None else str(exc)).strip().splitlines()[0]


def _same(a: URL, b: URL) -> bool:
    """Whether two URLs name one database: the same SQLite file, or the same server URL."""
    fa, fb = db.sqlite_file(a), db.sqlite_file(b)
    if fa is not None or fb is not None:
        return fa is not None and fb is not None and fa.resolve() == fb.resolve()
    return a.render_as_string(hide_password=False) == b.render_as_string(hide_password=False)


def _last_id(conn: sa.Connection, table: sa.Table) -> int:
    """The highest id the table ever gave out: a deleted row's id is not given out again."""
    column = table.autoincrement_column
    used = conn.execute(sa.select(sa.func.max(column))).scalar() or 0
    if conn.dialect.name == "sqlite":
        given = conn.execute(sa.text("SELECT seq FROM sqlite_sequence WHERE name = :t"), {"t": table.name}).scalar()
    elif conn.dialect.name == "postgresql":
        sequence = conn.execute(sa.text("SELECT pg_get_serial_sequence(:t, :c)"),
                                {"t": table.name, "c": column.name}).scalar()
        given = conn.execute(sa.text(f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {sequence}")
                             ).scalar() if sequence else None
    else:
        given = None
    return max(used, given or 0)


def _go_on_from(conn: sa.Connection, table: sa.Table, last: int) -> None:
    """Make the target's next id for this table `last + 1`."""
    column = table.autoincrement_column
    if conn.dialect.name == "sqlite":
        # AUTOINCREMENT keeps its counter in sqlite_sequence, made with the table; the inserts set it to the
        # highest id copied, and a source that gave out higher ids before deleting them raises it.
        conn.execute(sa.text("UPDATE sqlite_sequence SET seq = :last WHERE name = :t AND seq < :last"),
                     {"t": table.name, "last": last})
        if last and conn.execute(sa.text("SELECT COUNT(*) FROM sqlite_sequence WHERE name = :t"),
                                 {"t": table.name}).scalar() == 0:
            conn.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :last)"),
                         {"t": table.name, "last": last})
    elif conn.dialect.name == "postgresql":
        # Rows inserted with their ids leave the sequence where it was: move it past them.
        conn.execute(sa.text("SELECT setval(pg_get_serial_sequence(:t, :c), :value, :called)"),
                     {"t": table.name, "c": column.name, "value": max(last, 1), "called": last > 0})


def _copy(source: sa.Connection, target: sa.Connection, shown_target: str) -> dict[str, int]:
    """Create the target's tables if needed, refuse it if it holds data, then copy each table in order."""
    migrate.upgrade_in(target, shown_target)
    held = {t.name: target.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in metadata.sorted_tables}
    if any(held.values()):
        raise TargetNotEmptyError(shown_target, held)
    rows: dict[str, int] = {}
    # Parents before children (questions before their votes); within a table by primary key, so a
    # follow-up comes after the question it follows up.
    for table in metadata.sorted_tables:
        result = source.execute(sa.select(table).order_by(*table.primary_key.columns),
                                execution_options={"yield_per": BATCH})
        count = 0
        for batch in result.mappings().partitions():
            target.execute(sa.insert(table), [dict(row) for row in batch])
            count += len(batch)
        rows[table.name] = count
        if table.autoincrement_column is not None:
            _go_on_from(target, table, _last_id(source, table))
    return rows


def copy_database(source: str | Path | URL, target: str | Path | URL) -> CopyReport:
    """Copy every table of the docbot database `source` into `target`, which must hold no docbot data.

    The source must be at this docbot's revision (a SchemaError says how to upgrade it); it is never changed.
    The target is created if missing. All or nothing: on any failure the target is left as it was.
    """
    source_url, target_url = db.database_url(source), db.database_url(target)
    shown_source, shown_target = db.shown(source_url), db.shown(target_url)
    if _same(source_url, target_url):
        raise SameDatabaseError(f"the source and the target are the same database ({shown_source})")
    reader, _ = db.open_database(source_url, readonly=True)
    target_file = db.sqlite_file(target_url)
    created = target_file is not None and not target_file.exists()
    writer: sa.Engine | None = None
    try:
        writer = db.create(target_url)
        try:
            dst = writer.connect()
        except sa.exc.DBAPIError as exc:
            raise DatabaseUnavailableError(f"cannot open the database {shown_target}: {_reason(exc)}") from None
        try:
            with dst, reader.connect() as src:
                if reader.dialect.name == "postgresql":  # one snapshot (SQLite's read transaction is one)
                    src.execution_options(isolation_level="REPEATABLE READ")
                with src.begin(), dst.begin():  # the target's transaction rolls back on any failure
                    rows = _copy(src, dst, shown_target)
        except sa.exc.DBAPIError as exc:
            raise DatabaseError(f"the copy into {shown_target} failed, nothing was written: {_reason(exc)}"
                                ) from None
    except BaseException:
        _forget(writer, target_file if created else None)
        raise
    finally:
        reader.dispose()
    db.close(writer, checkpoint=True)
    log.info("copied the database %s to %s: %s", shown_source, shown_target, rows)
    return CopyReport(shown_source, shown_target, rows)


def _forget(writer: sa.Engine | None, created: Path | None) -> None:
    """After a failed copy: close the target, and remove a SQLite file (and its journal) the copy created."""
    if writer is not None:
        writer.dispose()
    if created is not None:
        for path in (created, created.with_name(created.name + "-wal"), created.with_name(created.name + "-shm"),
                     created.with_name(created.name + "-journal")):
            path.unlink(missing_ok=True)
