"""Add, remove and sync sources: fetch into a staging folder, swap it in, record the outcome in the list.

Updating the index afterwards is the caller's (the CLI's build, the bot's rebuild): the index's
incremental update re-reads only the files that changed, and unchanged files keep their time.
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import layout
from .errors import SourceError, UnknownSourceError
from .git import fetch_repository
from .model import Source, check_name, default_name, kind_of
from .store import SourceStore
from .web import Fetched, Limits, fetch_website

if TYPE_CHECKING:
    from ..settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Places:
    """Where sources go: the documents folder (a folder each), and the clones of repositories."""

    documents_dir: Path
    clones_dir: Path
    limits: Limits = Limits()
    git_timeout: float = 300.0

    @classmethod
    def from_settings(cls, settings: Settings) -> Places:
        """The places and limits the settings give (DOCBOT_DOCUMENTS_DIR, DOCBOT_SOURCE_*): clones beside the index."""
        mb = 1024 * 1024
        limits = Limits(max_pages=settings.source_max_pages, max_page_bytes=int(settings.source_max_page_mb * mb),
                        max_total_bytes=int(settings.source_max_total_mb * mb),
                        timeout=settings.source_timeout_seconds, concurrency=settings.source_concurrency,
                        delay=settings.source_delay_seconds)
        return cls(settings.documents_dir, settings.index_dir / "sources", limits,
                   git_timeout=settings.source_timeout_seconds * 10)


@dataclass
class Outcome:
    """One source's sync: what was fetched, or the error that left its folder as it was."""

    source: Source
    fetched: Fetched | None = None
    removed: list[str] | None = None
    error: str | None = None

    @property
    def changed(self) -> bool:
        """Whether the source's folder differs from before."""
        return bool(self.fetched and (self.fetched.changed or self.removed))


def fetch(source: Source, places: Places) -> tuple[Fetched, list[str]]:
    """Fetch a source into a staging folder and swap it in; (what was fetched, the files gone since last time).

    On any failure, an interruption included, the staging folder is dropped and the previous folder stays.
    """
    if not places.documents_dir.is_dir():
        raise SourceError(source.name, f"the documents folder {places.documents_dir} does not exist")
    with layout.locked(places.documents_dir, source.name) as mine:
        if not mine:
            raise SourceError(source.name, "another sync of this source is running; try again when it has finished")
        return _fetch(source, places)


def _fetch(source: Source, places: Places) -> tuple[Fetched, list[str]]:
    staging = layout.stage(places.documents_dir, source.name)
    try:
        if source.kind == "website":
            fetched = fetch_website(source.url, staging, places.limits)
        else:
            fetched = fetch_repository(source.url, source.branch, source.subdir,
                                       places.clones_dir / source.name, staging, places.git_timeout)
        before = _files(staging.folder)
        removed = sorted(before - _files(staging.path))
        staging.finish()
    except SourceError as exc:
        staging.discard()
        if exc.name is None:
            raise SourceError(source.name, exc.problem) from None
        raise
    except BaseException:
        staging.discard()
        raise
    return fetched, removed


def _files(folder: Path) -> set[str]:
    if not folder.is_dir():
        return set()
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")
            if p.is_file() and p.name not in (layout.METADATA_FILE, layout.STATE_FILE)}


def add(store: SourceStore, places: Places, url: str, *, name: str | None = None, branch: str | None = None,
        subdir: str | None = None) -> tuple[Source, Fetched]:
    """Add a source and fetch it (not indexed yet); SourceError, and nothing kept, when it can't be fetched."""
    kind = kind_of(url)
    name = check_name(name or default_name(url))
    if kind == "website" and (branch or subdir):
        raise SourceError(name, "--branch and --subdir are for git repositories")
    if any(s.name == name for s in store.all()):
        raise SourceError(name, "a source of this name exists already (`docbot sources remove` it first, or "
                                "choose another --name)")
    folder = places.documents_dir / name
    if not places.documents_dir.is_dir():
        raise SourceError(name, f"the documents folder {places.documents_dir} does not exist")
    if folder.exists():
        raise SourceError(name, f"{folder} exists and is not a source's folder; choose another --name")
    if kind == "git" and "://" not in url and not url.startswith("git@"):
        url = str(Path(url).expanduser().resolve())  # a local folder: the same one from wherever syncs run
    source = Source(name=name, kind=kind, url=url, branch=branch, subdir=subdir, added_at=time.time())
    try:
        fetched, _ = fetch(source, places)
    except BaseException:
        shutil.rmtree(places.clones_dir / name, ignore_errors=True)
        layout.drop_lock(places.documents_dir, name)
        raise
    store.put(source.synced())
    return source, fetched


def remove(store: SourceStore, places: Places, name: str) -> bool:
    """Remove a source, its folder of the documents and its clone; whether it had a folder."""
    source = find(store, name)
    had = layout.remove(places.documents_dir, source.name)
    shutil.rmtree(places.clones_dir / source.name, ignore_errors=True)
    layout.drop_lock(places.documents_dir, source.name)
    store.delete(source.name)
    return had


def find(store: SourceStore, name: str) -> Source:
    """The source of this name; UnknownSourceError if none."""
    sources = store.all()
    for s in sources:
        if s.name == name:
            return s
    raise UnknownSourceError(name, [s.name for s in sources])


def sync(store: SourceStore, places: Places, name: str | None = None) -> list[Outcome]:
    """Fetch every source (or the one named) again; each failure is recorded and the others go on."""
    sources = [find(store, name)] if name else store.all()
    outcomes = []
    for source in sources:
        try:
            fetched, removed = fetch(source, places)
        except SourceError as exc:
            log.info("%s", exc)  # the front end says it
            store.put(source.synced(error=exc.problem))
            outcomes.append(Outcome(source, error=exc.problem))
            continue
        store.put(source.synced())
        outcomes.append(Outcome(source, fetched, removed))
    return outcomes


def sync_configured(settings: Settings, name: str | None = None) -> list[Outcome]:
    """Sync the sources the settings' list holds (the database's, or sources.toml's); blocking: run it in a thread."""
    from .store import open_store

    store, closing = open_store(settings.documents_dir, settings.database_url.get_secret_value())
    try:
        return sync(store, Places.from_settings(settings), name)
    finally:
        if closing is not None:
            closing.close()


def source_names(settings: Settings) -> list[str]:
    """The sources' names; blocking."""
    from .store import open_store

    store, closing = open_store(settings.documents_dir, settings.database_url.get_secret_value())
    try:
        return [s.name for s in store.all()]
    finally:
        if closing is not None:
            closing.close()
