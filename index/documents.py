"""Find the documents of a folder and read each into blocks (the readers of each format are in `readers/`)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Literal

from .errors import DocumentsDirError

# Block and KINDS are the readers' (index/readers/base.py); they stay importable from here.
from .readers import KINDS as KINDS
from .readers import Block, ReadError, squash
from .text import clean, count_words

log = logging.getLogger(__name__)

# Files given to a reader as bytes (a binary or zipped format), by suffix: the module of readers/ and its function.
_BINARY_READERS = {".pdf": ("pdf", "read_pdf"), ".docx": ("docx", "read_docx"), ".odt": ("odt", "read_odt"),
                   ".epub": ("epub", "read_epub")}
# Files given to a reader as decoded text; any other supported suffix is read as plain text.
_TEXT_READERS = {".html": ("html", "read_html"), ".htm": ("html", "read_html"),
                 ".md": ("markdown", "read_markdown"), ".markdown": ("markdown", "read_markdown"),
                 ".rst": ("rst", "read_rst"), ".rest": ("rst", "read_rst")}
SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".odt", ".epub", ".rst",
                      ".rest")
# Documentation formats docbot does not read, and why: listed as skipped rather than passed over in silence.
# AsciiDoc: PyPI has no maintained parser under a licence docbot can take (asciidoc-py is GPL; the
# others are pre-alpha and take seconds per page).
UNREAD_SUFFIXES = {".adoc": "AsciiDoc is not read (convert it to HTML, e.g. with asciidoctor)",
                   ".asciidoc": "AsciiDoc is not read (convert it to HTML, e.g. with asciidoctor)"}
METADATA_FILE = "metadata.json"
# A file larger than this is skipped rather than read into memory (a log dump, a disk image).
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# Titles are shown with every citation; an HTML <title> or metadata title can be any length.
MAX_TITLE_CHARS = 200
OUTSIDE = "link leads outside the documents folder"


@dataclass(frozen=True)
class Document:
    """A document read from the documents folder, as a sequence of blocks."""

    path: str  # relative to the documents folder, with forward slashes
    title: str
    blocks: tuple[Block, ...]
    sha256: str  # of the raw bytes and the document's metadata
    date: str | None = None
    url: str | None = None  # from metadata.json; citations link url#anchor
    language: str | None = None
    # From metadata.json's "lines": the page of a line range, "{start}" and "{end}" filled in (a file on a forge).
    lines_url: str | None = None

    @property
    def text(self) -> str:
        """The blocks' texts joined by blank lines; a block with source lines starts on its own line number.

        So a line number counted in this text is the source file's, for callers that count lines in it.
        """
        out: list[str] = []
        end = 0  # the line the last block ended on
        for b in self.blocks:
            if not out:
                start = max(1, b.line_start)
                out.append("\n" * (start - 1))
            else:
                start = b.line_start if b.line_start > end else end + 2
                out.append("\n" * (start - end))
            out.append(b.text)
            end = start + b.text.count("\n")
        return "".join(out)


@dataclass(frozen=True)
class Skipped:
    """A file that was not indexed, and why."""

    path: str
    reason: str


@dataclass
class Scan:
    """The files found in a documents folder, before they are read."""

    files: dict[str, Path] = field(default_factory=dict)  # relative path -> absolute path
    skipped: list[Skipped] = field(default_factory=list)
    metadata: dict[str, dict] = field(default_factory=dict)


def scan(root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Scan:
    """List the supported files under `root`, recursively, skipping links that lead outside it.

    Each folder's metadata.json describes the files under it (a sub-folder's names them relative to itself).
    """
    root = Path(root)
    if not root.is_dir():
        raise DocumentsDirError(root)
    real_root = root.resolve()
    out = Scan(metadata=_read_metadata(root))
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        if METADATA_FILE in filenames and Path(dirpath) != root:
            # A sub-folder's metadata.json (a fetched website's pages' URLs) names files relative to it;
            # the documents folder's own entries win.
            prefix = Path(dirpath).relative_to(root).as_posix()
            for name, meta in _read_metadata(Path(dirpath)).items():
                out.metadata.setdefault(f"{prefix}/{name}", meta)
        for name in dirnames:
            link = Path(dirpath) / name
            if link.is_symlink():  # os.walk does not enter it: no loops, nothing outside; say so
                try:
                    inside = link.resolve(strict=True).is_relative_to(real_root)
                    reason = "link to a folder (not followed)" if inside else OUTSIDE
                except (OSError, RuntimeError):
                    reason = "broken link"
                out.skipped.append(Skipped(shown_path(link.relative_to(root).as_posix()), reason))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if path.suffix.lower() in UNREAD_SUFFIXES:
                out.skipped.append(Skipped(shown_path(rel), UNREAD_SUFFIXES[path.suffix.lower()]))
                continue
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                if name != METADATA_FILE:
                    log.debug("not a supported document: %s", rel)
                continue
            if shown_path(rel) != rel:  # the index, its JSON files and Discord need UTF-8 names
                out.skipped.append(Skipped(shown_path(rel), "file name is not valid UTF-8"))
                continue
            try:
                real = path.resolve(strict=True)
            except (OSError, RuntimeError):
                out.skipped.append(Skipped(rel, "broken link"))
                continue
            if not real.is_relative_to(real_root):
                out.skipped.append(Skipped(rel, OUTSIDE))
                continue
            if not real.is_file():
                out.skipped.append(Skipped(rel, "not a regular file"))
                continue
            size = real.stat().st_size
            if size > max_bytes:
                out.skipped.append(Skipped(rel, f"too large ({size // (1024 * 1024)} MB)"))
                continue
            out.files[rel] = real
    _drop_duplicate_links(out, real_root)
    return out


def _drop_duplicate_links(out: Scan, real_root: Path) -> None:
    # A link to another document of the folder would index the same text twice: the file
    # itself is kept (or the first link, when the file is not in the folder's tree).
    by_target: dict[Path, list[str]] = {}
    for rel, real in out.files.items():
        by_target.setdefault(real, []).append(rel)
    for real, rels in by_target.items():
        if len(rels) < 2:
            continue
        own = real.relative_to(real_root).as_posix()
        keep = own if own in rels else rels[0]
        for rel in rels:
            if rel != keep:
                del out.files[rel]
                out.skipped.append(Skipped(rel, f"same file as {keep}"))


# A line of a verbatim block that only draws (a box border, a rule): kept out like any border.
_DRAWING_LINE = re.compile(r"^\s*(?:[-=+|_*#~.:<>/\\^`'\"]\s*){4,}$")
_BINARY_NOISE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\ufffd]")
def shown_path(rel: str) -> str:
    """A path as text that can be printed and stored: undecodable bytes of its name become U+FFFD."""
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def tidy_title(title: str) -> str:
    """A title on one line, without invisible characters, at most MAX_TITLE_CHARS long."""
    title = " ".join(clean(title).split())
    return title if len(title) <= MAX_TITLE_CHARS else title[:MAX_TITLE_CHARS - 1].rstrip() + "…"


def _read_metadata(root: Path) -> dict[str, dict]:
    path = root / METADATA_FILE
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("ignoring %s: %s", path, exc)
        return {}
    if not isinstance(data, dict):
        log.warning("ignoring %s: expected an object mapping file names to {title, date}", path)
        return {}
    return {k: v for k, v in data.items() if isinstance(v, dict)}


def meta_hash(meta: dict) -> str:
    """Hash of a document's metadata entry."""
    return hashlib.sha256(json.dumps(meta, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def file_hash(raw: bytes, meta: dict) -> str:
    """Content hash of a document: its bytes and its metadata, so a new title re-indexes it."""
    h = hashlib.sha256(raw)
    h.update(json.dumps(meta, sort_keys=True, ensure_ascii=False).encode())
    return h.hexdigest()


def read_document(rel: str, path: Path, meta: dict | None = None) -> Document | Skipped:
    """Read one file into a Document of blocks, or say why it cannot be used."""
    meta = meta or {}
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return Skipped(rel, f"unreadable ({exc.strerror or exc})")
    suffix = path.suffix.lower()
    source = None
    try:
        if suffix in _BINARY_READERS:
            reading = _reader(*_BINARY_READERS[suffix])(raw)
        else:
            source = _decode(raw)
            if source is None:
                return Skipped(rel, "binary or undecodable content")
            if suffix in (".md", ".markdown", ".rst", ".rest"):  # formats whose includes are read
                reader = _reader(*_TEXT_READERS[suffix])
                reading = reader(source, include=_includer(rel, path))
            else:
                reading = _reader(*_TEXT_READERS.get(suffix, ("text", "read_text")))(source)
    except ReadError as exc:
        return Skipped(rel, str(exc))
    except RecursionError:  # a hostile file nesting lists, tables or sections thousands deep
        return Skipped(rel, "nested too deeply to read")
    sections: dict[tuple[str, ...], tuple[str, ...]] = {}  # blocks of a section share its path: clean it once
    blocks = [b for b in (_tidy_block(b, sections) for b in reading.blocks) if b is not None and count_words(b.text)]
    if not blocks:
        visible = clean(source).strip() if source is not None and suffix not in (".html", ".htm") else ""
        if not visible:
            return Skipped(rel, "empty")
        if not count_words(visible):  # only emoji, punctuation or symbols: nothing a question could find
            return Skipped(rel, "no words")
        return Skipped(rel, "no text besides contents, borders or drawing")
    title = (tidy_title(str(meta.get("title") or "")) or tidy_title(reading.title or "")
             or tidy_title(_title_from(rel)))
    # A page that is only its title (the rest was navigation) keeps its heading.
    blocks = _without_title(blocks, title) or blocks
    date, url, language = meta.get("date"), meta.get("url"), meta.get("language") or reading.language
    lines = meta.get("lines")
    return Document(path=rel, title=title, blocks=tuple(blocks), sha256=file_hash(raw, meta),
                    date=str(date) if date else None, url=str(url) if url else None,
                    language=str(language) if language else None,
                    lines_url=str(lines) if lines and "{start}" in str(lines) else None)


def _reader(module: str, function: str):
    """A reader function of index/readers/, imported when first needed (some formats pull in big libraries)."""
    import importlib

    return getattr(importlib.import_module(f"{__package__}.readers.{module}"), function)


# A snippet or include larger than this is not inserted (a data file named by mistake).
MAX_INCLUDE_BYTES = 1024 * 1024


def _includer(rel: str, path: Path):
    """What a file's snippets and includes (Markdown, reStructuredText) may read: files of the documents folder.

    Never a file outside it. A name is looked up beside the file, then in each folder above it up to the
    documents folder (MkDocs resolves snippets from the project's folder, FastAPI's includes from the page's).
    None when the folder is not known (the file was reached through a link): then every include is dropped.
    """
    parts = PurePosixPath(rel).parts
    if len(parts) < 1 or tuple(path.parts[-len(parts):]) != parts:
        return None
    root = path.parents[len(parts) - 1]
    try:
        real_root = root.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    here = path.parent

    def include(name: str) -> str | None:
        if not name or name.startswith(("/", "\\")) or "\x00" in name:
            return None
        folder = here
        while True:
            try:
                found = (folder / name).resolve(strict=True)
                inside = found.is_relative_to(real_root) and found.is_file() and found != path.resolve()
                if inside and found.stat().st_size <= MAX_INCLUDE_BYTES:
                    return found.read_bytes().decode("utf-8", "replace")
            except (OSError, RuntimeError, ValueError):
                pass
            if folder == root or root not in folder.parents:
                return None
            folder = folder.parent

    return include


def _tidy_block(block: Block, sections: dict[tuple[str, ...], tuple[str, ...]]) -> Block | None:
    """The block with clean text: one line for prose, verbatim lines for code; None when nothing is left."""
    text = clean(block.text)
    if block.kind == "code":
        lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
                 if not _DRAWING_LINE.match(line)]
        while lines and not lines[0].strip():
            lines.pop(0)
        text = "\n".join(lines).rstrip()
    else:
        text = squash(text)
    if not text.strip():
        return None
    section = sections.get(block.section)
    if section is None:
        section = sections[block.section] = tuple(squash(clean(s)) for s in block.section)
    return replace(block, text=text, section=section)


def same_words(a: str, b: str) -> bool:
    """Whether two headings or titles say the same, case and spacing aside."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _without_title(blocks: list[Block], title: str) -> list[Block]:
    """Drop the heading block that repeats the document's title (the title is shown with every citation).

    The blocks below it keep it in their section path: it is the section they sit in (a DocBook or
    Sphinx page per section has no other), so `docbot passages` and links can say so; the passages
    leave it out where it would only repeat the title (their context line and location).
    """
    first = next((i for i, b in enumerate(blocks) if b.kind == "heading"), None)
    if first is None or not same_words(blocks[first].text, title):
        return blocks
    return blocks[:first] + blocks[first + 1:]


def _decode(raw: bytes) -> str | None:
    utf16 = raw[:2] in (b"\xff\xfe", b"\xfe\xff")
    # NUL bytes mean binary, except in UTF-16 text, where every ASCII character has one.
    if b"\x00" in raw[:8192] and not utf16:
        return None
    for encoding in ("utf-8-sig", "utf-16") if utf16 else ("utf-8-sig",):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            return None
    # Mostly control characters or replacement marks: binary data that happened to decode.
    sample = text[:8192]
    bad = len(_BINARY_NOISE.findall(sample))
    if sample and bad / len(sample) > 0.05:
        return None
    return text


def _title_from(rel: str) -> str:
    stem = Path(rel).stem
    return re.sub(r"[_-]+", " ", stem).strip().capitalize() or rel


SNIFF_BYTES = 64 * 1024
_PACKAGE_TYPES = {"application/vnd.oasis.opendocument.text": "odt", "application/epub+zip": "epub"}


def _zip_kind(path: Path) -> Literal["docx", "odt", "epub"] | None:
    """Which document package a zip file is: its `mimetype` entry (OpenDocument, EPUB) or Word's main part."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                return _PACKAGE_TYPES.get(archive.read("mimetype")[:100].decode("ascii", "replace").strip())
            return "docx" if "word/document.xml" in names else None
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        return None
_HTML_START = re.compile(r"<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE)


def sniff(path: Path) -> Literal["pdf", "html", "text", "docx", "odt", "epub"] | None:
    """What a file holds, judged by its content rather than its name; None for binary, undecodable or blank."""
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
    if b"%PDF-" in head[:1024]:  # readers accept junk before the header, within its first KiB
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(path)
    if len(head) == SNIFF_BYTES:  # a cut sample must not end inside a character
        utf16 = head[:2] in (b"\xff\xfe", b"\xfe\xff")
        head = head[: len(head) // 2 * 2] if utf16 else head[: head.rfind(b"\n") + 1] or head
    text = _decode(head)
    if text is None or not text.strip():
        return None
    return "html" if _HTML_START.search(text[:4096]) else "text"
