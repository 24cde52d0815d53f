"""Find and read the documents of a folder: text, Markdown, HTML and PDF."""

from __future__ import annotations

import hashlib
import html.parser
import json
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .errors import DocumentsDirError
from .text import clean, count_words

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf")
METADATA_FILE = "metadata.json"
# A file larger than this is skipped rather than read into memory (a log dump, a disk image).
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# Titles are shown with every citation; an HTML <title> or metadata title can be any length.
MAX_TITLE_CHARS = 200
OUTSIDE = "link leads outside the documents folder"


@dataclass(frozen=True)
class Document:
    """A document's text and where it came from."""

    path: str  # relative to the documents folder, with forward slashes
    title: str
    text: str
    sha256: str  # of the raw bytes and the document's metadata
    date: str | None = None
    url: str | None = None  # from metadata.json; citations link url#anchor


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
    """List the supported files under `root`, recursively, skipping links that lead outside it."""
    root = Path(root)
    if not root.is_dir():
        raise DocumentsDirError(f"documents folder not found: {root}")
    real_root = root.resolve()
    out = Scan(metadata=_read_metadata(root))
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
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
    """Read one file into a Document, or say why it cannot be used."""
    meta = meta or {}
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return Skipped(rel, f"unreadable ({exc.strerror or exc})")
    suffix = path.suffix.lower()
    try:
        if suffix == ".pdf":
            text = _pdf_text(raw)
        else:
            text = _decode(raw)
            if text is None:
                return Skipped(rel, "binary or undecodable content")
            if suffix in (".html", ".htm"):
                html_title, text = _html_text(text)
                meta = {"title": html_title, **meta} if html_title else meta
    except _ParseError as exc:
        return Skipped(rel, str(exc))
    text = clean(text)
    if not text.strip():
        return Skipped(rel, "empty")
    if not count_words(text):  # only emoji, punctuation or symbols: nothing a question could find
        return Skipped(rel, "no words")
    title = tidy_title(str(meta.get("title") or "")) or tidy_title(_title_from(rel, text, suffix))
    date, url = meta.get("date"), meta.get("url")
    return Document(path=rel, title=title, text=text, sha256=file_hash(raw, meta), date=str(date) if date else None,
                    url=str(url) if url else None)


class _ParseError(Exception):
    pass


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
    bad = sum(1 for c in sample if (ord(c) < 32 and c not in "\t\n\r\f") or c == "\ufffd")
    if sample and bad / len(sample) > 0.05:
        return None
    return text


def _pdf_text(raw: bytes) -> str:
    import io

    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(raw))
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:  # pypdf raises many kinds of errors on damaged files
        raise _ParseError(f"PDF could not be parsed ({type(exc).__name__})") from exc
    return "\n\n".join(pages)


class _HTMLText(html.parser.HTMLParser):
    _SKIP = {"script", "style", "noscript", "template", "svg", "head", "iframe", "object"}
    _BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article",
              "blockquote", "pre", "ul", "ol", "table", "header", "footer", "hr", "dd", "dt"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        if tag == "title":
            self._in_title = True
        elif tag in self._SKIP:
            self._skip += 1
        elif tag in self._BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        elif tag in self._SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if self._in_title:
            self.title.append(data)
        elif not self._skip:
            self.parts.append(data)


def _html_text(source: str) -> tuple[str, str]:
    parser = _HTMLText()
    try:
        parser.feed(source)
        parser.close()
    except Exception as exc:
        raise _ParseError(f"HTML could not be parsed ({type(exc).__name__})") from exc
    text = "".join(parser.parts)
    text = re.sub(r"[ \t\r\f\v]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return " ".join("".join(parser.title).split()), text.strip()


def _title_from(rel: str, text: str, suffix: str) -> str:
    if suffix in (".md", ".markdown"):
        m = re.search(r"^#\s+(.+)$", text, re.MULTILINE)
        if m:
            return m.group(1).strip()
    stem = Path(rel).stem
    return re.sub(r"[_-]+", " ", stem).strip().capitalize() or rel


SNIFF_BYTES = 64 * 1024
_HTML_START = re.compile(r"<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE)


def sniff(path: Path) -> Literal["pdf", "html", "text"] | None:
    """What a file holds, judged by its content rather than its name; None for binary, undecodable or blank."""
    with open(path, "rb") as f:
        head = f.read(SNIFF_BYTES)
    if b"%PDF-" in head[:1024]:  # readers accept junk before the header, within its first KiB
        return "pdf"
    if len(head) == SNIFF_BYTES:  # a cut sample must not end inside a character
        utf16 = head[:2] in (b"\xff\xfe", b"\xfe\xff")
        head = head[: len(head) // 2 * 2] if utf16 else head[: head.rfind(b"\n") + 1] or head
    text = _decode(head)
    if text is None or not text.strip():
        return None
    return "html" if _HTML_START.search(text[:4096]) else "text"
