"""Where the list of sources is kept: the bot's database, or `sources.toml` in the documents folder.

The database is the home of the list. A documents folder that holds a `sources.toml` keeps its list there
instead (a deployment that declares its sources beside its documents, or has no database it can write);
so does one whose database cannot be opened.
"""

from __future__ import annotations

import logging
import os
from dataclasses import asdict, fields
from pathlib import Path
from typing import Protocol

import sqlalchemy as sa

from .errors import SourceError
from .model import Source

log = logging.getLogger(__name__)

TOML_FILE = "sources.toml"


class SourceStore(Protocol):
    """The list of sources."""

    where: str  # for people: "the database <url>" or the file's path

    def all(self) -> list[Source]:
        """Every source, by name."""

    def put(self, source: Source) -> None:
        """Add the source, or replace the one of its name."""

    def delete(self, name: str) -> None:
        """Remove the source of this name, if any."""


class DatabaseSources:
    """The sources in the bot's database (table `sources`)."""

    def __init__(self, engine: sa.Engine, shown: str) -> None:
        from ..database.tables import sources

        self.engine = engine
        self.table = sources
        self.where = f"the database {shown}"

    def all(self) -> list[Source]:
        """Every source, by name."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(self.table).order_by(self.table.c.name)).mappings().all()
        return [Source(**dict(row)) for row in rows]

    def put(self, source: Source) -> None:
        """Add the source, or replace the one of its name."""
        with self.engine.begin() as conn:
            conn.execute(sa.delete(self.table).where(self.table.c.name == source.name))
            conn.execute(sa.insert(self.table).values(**asdict(source)))

    def delete(self, name: str) -> None:
        """Remove the source of this name, if any."""
        with self.engine.begin() as conn:
            conn.execute(sa.delete(self.table).where(self.table.c.name == name))


class TomlSources:
    """The sources in `sources.toml`: one [name] table each, written whole to a new file then swapped in."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.where = str(self.path)

    def all(self) -> list[Source]:
        """Every source, by name; SourceError when the file is not valid TOML."""
        if not self.path.is_file():
            return []
        import tomlkit
        from tomlkit.exceptions import TOMLKitError

        try:
            data = tomlkit.parse(self.path.read_text(encoding="utf-8")).unwrap()
        except (OSError, ValueError, TOMLKitError) as exc:
            raise SourceError(None, f"cannot read {self.path}: {exc}") from None
        known = {f.name for f in fields(Source)}
        out = []
        for name, entry in sorted(data.items()):
            if not isinstance(entry, dict) or "url" not in entry:
                raise SourceError(None, f"{self.path}: [{name}] needs a url")
            values = {k: v for k, v in entry.items() if k in known and k != "name"}
            values.setdefault("kind", _kind(entry["url"]))
            out.append(Source(name=name, **values))
        return out

    def put(self, source: Source) -> None:
        """Add the source, or replace the one of its name."""
        self._write([s for s in self.all() if s.name != source.name] + [source])

    def delete(self, name: str) -> None:
        """Remove the source of this name, if any."""
        self._write([s for s in self.all() if s.name != name])

    def _write(self, sources: list[Source]) -> None:
        import tomlkit

        doc = tomlkit.document()
        doc.add(tomlkit.comment("docbot's sources (`docbot sources add|remove|sync`); documents/<name>/ each."))
        for s in sorted(sources, key=lambda s: s.name):
            table = tomlkit.table()
            for key, value in asdict(s).items():
                if key != "name" and value is not None:
                    table.add(key, value)
            doc.add(s.name, table)
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        tmp.write_text(tomlkit.dumps(doc), encoding="utf-8")
        os.replace(tmp, self.path)


def _kind(url: str) -> str:
    from .model import kind_of

    return kind_of(url)


def open_store(documents_dir: Path, database_url: str) -> tuple[SourceStore, object | None]:
    """The list of sources for this documents folder, and what to close after (the database, or None)."""
    toml = Path(documents_dir) / TOML_FILE
    if toml.is_file():
        return TomlSources(toml), None
    from ..database import DatabaseError, QuestionLog

    try:
        qlog = QuestionLog(database_url)
    except DatabaseError as exc:
        log.warning("keeping the sources in %s: %s", toml, exc)
        return TomlSources(toml), None
    return DatabaseSources(qlog.engine, str(qlog.path or qlog.url.render_as_string(hide_password=True))), qlog
