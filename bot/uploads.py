"""Documents added and removed from Discord, the files' side: safe names, capped downloads, checks by content.

Changes to the documents folder can be undone until the new index is in (the Discord side is exts/documents.py).

Everything that could be refused is refused before the documents folder sees a visible file: the download goes to
a hidden temporary file in the folder itself (hidden files are never indexed; the same filesystem, so the move is
a rename), and is checked there.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import tempfile
import time
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import aiohttp

from index import SUPPORTED_SUFFIXES, sniff

log = logging.getLogger(__name__)

TEMP_PREFIX = ".docbot-"  # hidden, so a build running meanwhile never reads a file being written
MAX_NAME_BYTES = 200  # of UTF-8; filesystems allow 255
CHUNK = 64 * 1024
DOWNLOAD_TIMEOUT = aiohttp.ClientTimeout(total=600, sock_connect=30, sock_read=60)
LEFTOVER_SECONDS = 24 * 3600
# Unicode categories a file name may not hold: controls, format characters (the right-to-left override
# that disguises "gpj.exe" as "exe.jpg"), line and paragraph separators, surrogates, private use, unassigned.
_FORBIDDEN = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}


class Refused(Exception):
    """An upload or a removal refused; `reason` is the key of the message that says why, `details` its values."""

    def __init__(self, reason: str, **details: object) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


def safe_name(filename: str) -> str:
    """The name a file sent from Discord gets in the documents folder.

    Refused unless it is a plain, visible, supported file name: no folders, no control characters.
    """
    name = unicodedata.normalize("NFC", filename)
    if any(unicodedata.category(c) in _FORBIDDEN for c in name):
        raise Refused("upload_control")
    if "/" in name or "\\" in name:
        raise Refused("upload_path")
    if name.startswith("."):
        raise Refused("upload_hidden")
    if len(name.encode()) > MAX_NAME_BYTES:
        raise Refused("upload_name_long")
    if PurePosixPath(name).suffix.lower() not in SUPPORTED_SUFFIXES:
        raise Refused("upload_type", suffixes=", ".join(SUPPORTED_SUFFIXES))
    return name


def check_size(size: int, limit: int) -> None:
    """Refused when a declared (or downloaded) size is 0 or above `limit` bytes."""
    if size <= 0:
        raise Refused("upload_empty")
    if size > limit:
        raise Refused("upload_too_large", limit=_megabytes(limit))


def _megabytes(limit: int) -> str:
    return f"{limit / (1024 * 1024):g}"


async def download(url: str, folder: Path, limit: int) -> Path:
    """Stream `url` into a new hidden file of `folder`, and return its path.

    Refused when it is empty, larger than `limit` bytes (counted as it arrives, whatever size was announced),
    or cannot be fetched.
    """
    fd, name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}upload-", dir=folder)
    path = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            async with aiohttp.ClientSession(timeout=DOWNLOAD_TIMEOUT) as session, session.get(url) as response:
                if response.status != 200:
                    log.warning("Downloading an attachment failed: HTTP %s", response.status)
                    raise Refused("upload_download_failed")
                if response.content_length is not None and response.content_length > limit:
                    raise Refused("upload_too_large", limit=_megabytes(limit))
                size = 0
                async for chunk in response.content.iter_chunked(CHUNK):
                    size += len(chunk)
                    if size > limit:  # a lying size, or a compressed bomb unpacking as it comes
                        raise Refused("upload_too_large", limit=_megabytes(limit))
                    out.write(chunk)
        check_size(size, limit)
        return path
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
        path.unlink(missing_ok=True)
        log.warning("Downloading an attachment failed: %s", exc)
        raise Refused("upload_download_failed") from None
    except BaseException:
        path.unlink(missing_ok=True)
        raise


# Documents that are zip packages: what sniff calls each, and the format's name in a refusal.
_PACKAGES = {".docx": ("docx", "Word"), ".odt": ("odt", "OpenDocument"), ".epub": ("epub", "EPUB")}


def check_content(path: Path, name: str) -> None:
    """Refused unless the file holds what its name says: a PDF, a Word, OpenDocument or EPUB package, or text."""
    kind = sniff(path)
    suffix = PurePosixPath(name).suffix.lower()
    if suffix == ".pdf":
        if kind != "pdf":
            raise Refused("upload_not_pdf", name=name)
    elif suffix in _PACKAGES:
        if kind != _PACKAGES[suffix][0]:
            raise Refused("upload_not_format", name=name, format=_PACKAGES[suffix][1])
    elif kind not in ("text", "html"):
        raise Refused("upload_not_text", name=name)


@dataclass
class Change:
    """A file put into (or taken out of) the documents folder, which `undo` puts back as it was until `keep`."""

    target: Path
    backup: Path | None = None  # the file it replaced, or the one taken out
    added: bool = False  # a new file, deleted by undo

    def undo(self) -> None:
        """Put the folder back as it was."""
        if self.added:
            self.target.unlink(missing_ok=True)
        if self.backup is not None:
            os.replace(self.backup, self.target)
            self.backup = None

    def keep(self) -> None:
        """Make the change final."""
        if self.backup is not None:
            self.backup.unlink(missing_ok=True)
            self.backup = None


def _backup_path(folder: Path, what: str) -> Path:
    return folder / f"{TEMP_PREFIX}{what}-{uuid.uuid4().hex}"


def _hard_link_or_copy(source: Path, dest: Path) -> None:
    try:
        os.link(source, dest)
    except FileExistsError:
        raise
    except OSError:  # a filesystem without hard links
        shutil.copy2(source, dest)


def put(temp: Path, folder: Path, name: str, *, replace: bool) -> Change:
    """Move a checked temporary file into the folder as `name`; Refused if the name is taken and not `replace`."""
    target = folder / name
    if target.is_symlink() or (target.exists() and not target.is_file()):
        raise Refused("upload_exists", name=name)  # never through a link, never over a folder
    if replace and target.exists():
        backup = _backup_path(folder, "replaced")
        _hard_link_or_copy(target, backup)  # the old file stays whole until the new index is in
        os.replace(temp, target)
        return Change(target, backup=backup)
    try:
        # A link fails if the name is taken, even by a file that appeared since the check above.
        os.link(temp, target)
    except FileExistsError:
        raise Refused("upload_exists", name=name) from None
    except OSError:
        if target.exists():
            raise Refused("upload_exists", name=name) from None
        os.replace(temp, target)
    else:
        temp.unlink()
    return Change(target, added=True)


def document_path(folder: Path, name: str) -> Path:
    """The file of the documents folder called `name` (a path relative to it, as the index lists it).

    Refused when there is none, or when the name leads outside the folder or to a hidden file.
    """
    rel = PurePosixPath(name)
    if (not name or rel.is_absolute() or "\\" in name
            or any(part.startswith(".") or not part for part in rel.parts)):
        raise Refused("remove_unknown", name=name)
    path = folder / rel
    root = folder.resolve()
    if not path.is_file() or path.is_symlink() or not path.resolve().is_relative_to(root):
        raise Refused("remove_unknown", name=name)
    return path


def take_out(folder: Path, name: str) -> Change:
    """Take a document out of the folder (kept aside until the new index is in)."""
    target = document_path(folder, name)
    backup = _backup_path(folder, "removed")
    os.replace(target, backup)
    return Change(target, backup=backup)


def clean_leftovers(folder: Path, older_than: float = LEFTOVER_SECONDS) -> list[str]:
    """Remove what an upload or a removal cut short by a crash left behind (hidden, so never indexed)."""
    removed = []
    cutoff = time.time() - older_than
    try:
        candidates = list(Path(folder).glob(f"{TEMP_PREFIX}*"))
    except OSError:
        return removed
    for path in candidates:
        try:
            # ctime: when it was linked or renamed here (a backup keeps the old file's mtime)
            if path.is_file() and path.stat().st_ctime < cutoff:
                path.unlink()
                removed.append(path.name)
        except OSError:
            continue
    return removed
