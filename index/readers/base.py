"""What every reader gives and uses: blocks, a reading, the section path, the one error a reader raises.

Its own module so that the readers and `index/documents.py` (which chooses a reader by a file's suffix)
import it, and the readers never import the module that imports them.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field, replace

KINDS = ("heading", "paragraph", "item", "code", "row", "definition", "caption")


@dataclass(frozen=True)
class Block:
    """One unit of a document as its author wrote it: a heading, a paragraph, a list item, a table row..."""

    text: str  # clean (NFC, no control characters); kept verbatim, newlines included, for "code"
    kind: str  # one of KINDS
    section: tuple[str, ...] = ()  # headings above the block, outermost first, without the document title;
    # a heading's own section ends with itself
    level: int = 0  # 1..6 for headings, else 0
    line_start: int = 0  # 1-based lines of the source file (0: unknown, as in PDFs)
    line_end: int = 0
    page: int | None = None  # PDF: 1-based page where the block starts
    page_end: int | None = None  # PDF: page where it ends, when it runs over
    anchor: str | None = None  # HTML: the nearest element id at or above the block; Markdown: the heading's id
    # What the block is about when read on its own: the term of the definition it goes on with (the second
    # paragraph under "--force"). A passage that opens with the block says it first ("--force : ...").
    lead: str = ""


class ReadError(Exception):
    """A file a reader cannot make sense of; the message is the reason shown to the user."""


@dataclass
class Reading:
    """What a reader found in a file: its own title (if it has one), its blocks and language."""

    title: str | None = None
    blocks: list[Block] = field(default_factory=list)
    language: str | None = None


class Sections:
    """The heading path at the current point of a document: push headings as they come, read the path."""

    def __init__(self) -> None:
        self._stack: list[tuple[int, str]] = []
        self.path: tuple[str, ...] = ()  # the open headings, outermost first

    def enter(self, level: int, text: str) -> tuple[str, ...]:
        """Open a heading of `level`, closing those at its level or below; the path ending with it."""
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        self._stack.append((level, text))
        self.path = tuple(text for _, text in self._stack)
        return self.path


_SPACES = re.compile(r"[ \t\n\r\f\v\u2028\u2029]+")


def squash(text: str) -> str:
    """Text on one line, runs of spaces made one; no-break spaces stay, as the author put them."""
    return _SPACES.sub(" ", text).strip(" ")


def _key(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split()).casefold()


def give_lead(blocks: list[Block], start: int, term: str) -> None:
    """Give a definition's blocks from `start` on the term they are about (`Block.lead`).

    Its second paragraph, or the second half of a long first one, then names the term when it opens a
    passage. A nested definition's blocks keep their own, nearer term; headings take none.
    """
    if term:
        blocks[start:] = [b if b.lead or b.kind == "heading" else replace(b, lead=term) for b in blocks[start:]]


def without_contents(blocks: list[Block]) -> list[Block]:
    """The blocks without a table of contents written as plain paragraphs (as converters leave it).

    A contents list is a run of at least three short paragraphs or items, each the text of a heading
    further on; a short line just above the run ("Table des matières", "Contents") is its title.
    """
    later: dict[str, int] = {}  # heading text -> index of its last occurrence
    for i, b in enumerate(blocks):
        if b.kind == "heading":
            later[_key(b.text)] = i
    if not later:
        return blocks
    drop: set[int] = set()
    i = 0
    while i < len(blocks):
        j = i
        while (j < len(blocks) and blocks[j].kind in ("paragraph", "item")
               and later.get(_key(blocks[j].text), -1) > j and len(blocks[j].text.split()) <= 30):
            j += 1
        if j - i >= 3:
            drop.update(range(i, j))
            title = blocks[i - 1] if i else None
            if title is not None and title.kind == "paragraph" and len(title.text.split()) <= 3 \
                    and not title.text.rstrip().endswith((".", ":", "!", "?")):
                drop.add(i - 1)
            i = j
        else:
            i += 1
    return [b for k, b in enumerate(blocks) if k not in drop] if drop else blocks


# Word, OpenDocument and EPUB files are zips: refuse one that would unpack into far more than a document holds.
MAX_UNPACKED_BYTES = 256 * 1024 * 1024


def check_zip(raw: bytes, kind: str) -> zipfile.ZipFile:
    """The zip archive in `raw`, or a ReadError saying why it is not a usable `kind` file."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        size = sum(i.file_size for i in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ReadError(f"not a valid {kind} file (damaged zip archive)") from exc
    if size > MAX_UNPACKED_BYTES:
        raise ReadError(f"{kind} file unpacks to {size // (1024 * 1024)} MB, more than a document holds")
    return archive
