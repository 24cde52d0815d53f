"""A source's folder in the documents: filled in a hidden staging folder, then swapped in whole.

documents/<name>/ holds the fetched files, `metadata.json` (each file's URL, for citations) and
`.source.json` (what the next sync needs: ETags, dates, the commit). A sync writes
documents/.source-new-<name>/ and swaps it in at the end, so an interrupted or failed sync leaves the
previous files as they were; hidden folders are never indexed.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

METADATA_FILE = "metadata.json"  # read by the index (index/documents.py)
STATE_FILE = ".source.json"
_NEW = ".source-new-"
_OLD = ".source-old-"
_LOCK = ".source-lock-"


@dataclass
class Staging:
    """The new contents of a source's folder while they are fetched."""

    folder: Path  # the final folder, documents/<name>
    path: Path  # where the new files are written
    urls: dict[str, str] = field(default_factory=dict)  # file (relative to the folder) -> its URL
    lines: dict[str, str] = field(default_factory=dict)  # file -> the URL of its lines {start} to {end}
    state: dict = field(default_factory=dict)
    files: int = 0
    bytes: int = 0

    def previous_state(self) -> dict:
        """What the last sync recorded, or {} when there was none."""
        try:
            data = json.loads((self.folder / STATE_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def write(self, rel: str, data: bytes, url: str | None) -> None:
        """A new or changed file."""
        target = self._target(rel)
        target.write_bytes(data)
        self._count(rel, len(data), url)

    def keep(self, rel: str, url: str | None) -> bool:
        """The previous sync's file, unchanged: linked (same bytes and time, so the index trusts it); False if gone."""
        source = self.folder / rel
        if not source.is_file():
            return False
        target = self._target(rel)
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)
        self._count(rel, target.stat().st_size, url)
        return True

    def copy(self, rel: str, source: Path, url: str | None) -> None:
        """A file from elsewhere (a repository's clone), its time kept so an unchanged one is not read again."""
        target = self._target(rel)
        shutil.copy2(source, target)
        self._count(rel, target.stat().st_size, url)

    def _target(self, rel: str) -> Path:
        target = self.path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def _count(self, rel: str, size: int, url: str | None) -> None:
        self.files += 1
        self.bytes += size
        if url:
            self.urls[rel] = url

    def finish(self) -> None:
        """Write metadata.json and the state, then put the new folder in place of the previous one."""
        meta = {rel: {"url": url, **({"lines": self.lines[rel]} if rel in self.lines else {})}
                for rel, url in sorted(self.urls.items())}
        (self.path / METADATA_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        (self.path / STATE_FILE).write_text(json.dumps(self.state, ensure_ascii=False), encoding="utf-8")
        old = self.folder.with_name(_OLD + self.folder.name)
        if old.exists():
            shutil.rmtree(old)
        if self.folder.exists():
            os.rename(self.folder, old)
        os.rename(self.path, self.folder)
        shutil.rmtree(old, ignore_errors=True)

    def discard(self) -> None:
        """Drop what was fetched: the previous folder stays as it was."""
        shutil.rmtree(self.path, ignore_errors=True)


@contextlib.contextmanager
def locked(documents_dir: Path, name: str):
    """Hold this source's lock (the bot's scheduled sync and a `docbot sources sync` must not both write it).

    Yields False, without waiting, when another process or thread holds it.
    """
    path = Path(documents_dir) / (_LOCK + name)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            yield False
            return
        yield True
    finally:
        os.close(fd)


def stage(documents_dir: Path, name: str) -> Staging:
    """A new, empty staging folder for this source; what an interrupted sync left is cleared first."""
    recover(documents_dir, name)
    path = Path(documents_dir) / (_NEW + name)
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return Staging(folder=Path(documents_dir) / name, path=path)


def recover(documents_dir: Path, name: str) -> None:
    """Undo what a sync killed during its swap left: the previous folder put back if the new one is not in place."""
    folder = Path(documents_dir) / name
    old = folder.with_name(_OLD + name)
    if old.is_dir() and not folder.exists():
        os.rename(old, folder)
    elif old.exists():
        shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(folder.with_name(_NEW + name), ignore_errors=True)


def remove(documents_dir: Path, name: str) -> bool:
    """Take a source's folder out of the documents; False when there was none."""
    recover(documents_dir, name)
    folder = Path(documents_dir) / name
    if not folder.exists():
        return False
    old = folder.with_name(_OLD + name)
    os.rename(folder, old)  # out of the index's sight at once, then deleted
    shutil.rmtree(old, ignore_errors=True)
    drop_lock(documents_dir, name)
    return True


def drop_lock(documents_dir: Path, name: str) -> None:
    """Remove the lock file of a source that is no more (or was never added)."""
    with contextlib.suppress(OSError):
        (Path(documents_dir) / (_LOCK + name)).unlink()
