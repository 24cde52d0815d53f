"""Cut a document's blocks into passages: each under its section path, packed whole up to the model's budget."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, fields
from urllib.parse import quote

from .documents import Block, Document
from .text import count_words, split_sentences

# Characters an anchor keeps as they are in a link (the rest percent-encoded).
ANCHOR_SAFE = "-._~:@!$&*+,;=/?"

PATH_SEPARATOR = " › "
# The section path is context for every passage under it: the innermost levels say the most, and a
# long path must not eat the text's budget (at most this many levels, each at most this long).
CONTEXT_LEVELS = 3
CONTEXT_CHARS = 80
# A passage with fewer words than this joins its neighbours across a section boundary rather than
# stand alone: a lone "Voir ci-dessous." says nothing a question could match.
MIN_WORDS = 12
# A sub-section starts a new passage once the passage under way holds this share of the budget;
# smaller sections join the next one (their headings stay in the text).
SECTION_FILL = 1 / 3
LOCATION_HEADING_CHARS = 48


@dataclass(frozen=True)
class Place:
    """Where a passage's text sits: a document, its section, and lines or pages a person can follow."""

    document: str
    title: str
    section: tuple[str, ...] = ()  # the headings above the text, outermost first, without the title
    line_start: int = 0  # lines of the source file (0: unknown)
    line_end: int = 0
    page_start: int | None = None  # PDF pages
    page_end: int | None = None
    anchor: str | None = None  # HTML element id: url#anchor
    url: str | None = None  # the document's, from metadata.json
    date: str | None = None
    lines_url: str | None = None  # the page of a line range, "{start}" and "{end}" to fill (metadata.json's "lines")

    @property
    def heading(self) -> str:
        """The innermost section heading ("" outside any section)."""
        return self.section[-1] if self.section else ""

    @property
    def section_below_title(self) -> tuple[str, ...]:
        """The section path without a first level that only repeats the document's title."""
        return below_title(self.title, self.section)

    @property
    def location(self) -> str:
        """Short and readable: "p. 17", "pp. 17–18", or "Section, lines 12–18"."""
        if self.page_start is not None:
            last = self.page_end if self.page_end is not None else self.page_start
            return f"p. {self.page_start}" if last == self.page_start else f"pp. {self.page_start}–{last}"
        own = self.section_below_title
        parts = [_shorten(own[-1], LOCATION_HEADING_CHARS)] if own else []
        if self.line_start:
            last = max(self.line_end, self.line_start)
            parts.append(f"line {last}" if last == self.line_start else f"lines {self.line_start}–{last}")
        return ", ".join(parts)

    @property
    def link(self) -> str | None:
        """The document's URL: at the passage's anchor, else at its lines when the document says how (a forge)."""
        if not self.url:
            return None
        if self.anchor:
            return f"{self.url.split('#')[0]}#{quote(self.anchor.strip(), safe=ANCHOR_SAFE)}"
        if self.lines_url and self.line_start:
            return self.lines_url.format(start=self.line_start, end=max(self.line_end, self.line_start))
        return self.url

    def to_dict(self) -> dict:
        """Plain data, without the fields left at their defaults."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)
                if getattr(self, f.name) != f.default}

    @classmethod
    def from_dict(cls, data: dict) -> Place:
        """What `to_dict` wrote."""
        return cls(**{**data, "section": tuple(data.get("section", ()))})


@dataclass(frozen=True, kw_only=True)
class Passage(Place):
    """A piece of a document as it is indexed, with where it sits and where else the same text occurs."""

    text: str
    also_in: tuple[Place, ...] = ()  # other places holding the same text (stored and embedded once)
    # The build's keys of the longer blocks it holds, matched against copies: bookkeeping, not what the passage is.
    block_keys: tuple[str, ...] = field(default=(), compare=False)
    language: str | None = field(default=None, compare=False)  # detected at build (index/language.py)

    @property
    def context(self) -> str:
        """Title and section path: searched and embedded with the text, but not quoted."""
        return context_line(self.title, self.section_below_title)

    @property
    def indexed_text(self) -> str:
        """What is embedded: the title and section path give the text its context."""
        context = self.context
        return f"{context}\n{self.text}" if context else self.text

    @property
    def lexical_text(self) -> str:
        """What BM25 searches: the section path and the text.

        Not the title: its words, in every passage of a document, make them all match a question
        that shares one (measured: the dev questions of both corpora rank better without it).
        """
        context = context_line("", self.section_below_title)
        return f"{context}\n{self.text}" if context else self.text

    @property
    def place(self) -> Place:
        """The passage's own place, without its text."""
        return Place(**{f.name: getattr(self, f.name) for f in fields(Place)})

    @property
    def places(self) -> tuple[Place, ...]:
        """Every place the text occurs in, its own first."""
        return (self.place, *self.also_in)

    def to_dict(self) -> dict:
        """Plain data for storage (also_in as a list of places)."""
        out = super().to_dict()
        if self.also_in:
            out["also_in"] = [p.to_dict() for p in self.also_in]
        return out

    @classmethod
    def from_dict(cls, data: dict) -> Passage:
        """What `to_dict` wrote."""
        also = tuple(Place.from_dict(p) for p in data.get("also_in", ()))
        return cls(**{**data, "section": tuple(data.get("section", ())), "also_in": also,
                      "block_keys": tuple(data.get("block_keys", ()))})


def _plain(value):
    if isinstance(value, tuple):
        return [asdict(v) if isinstance(v, Place) else v for v in value]
    return value


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def below_title(title: str, section: tuple[str, ...]) -> tuple[str, ...]:
    """`section` without its first level when that level only repeats `title`.

    A first level that is the title and a word or two more ("git-clean(1) Manual Page" under the title
    "git-clean(1)") repeats it too: it is the page's own heading, not a section of it.
    """
    if not section:
        return section
    first, head = section[0].casefold().split(), title.casefold().split()
    if first == head or (head and first[:len(head)] == head and len(first) - len(head) <= 2):
        return section[1:]
    return section


def context_line(title: str, section: tuple[str, ...]) -> str:
    """The title and the innermost levels of the section path, each shortened, on one line."""
    parts = [title, *section[-CONTEXT_LEVELS:]] if title else list(section[-CONTEXT_LEVELS:])
    return PATH_SEPARATOR.join(_shorten(" ".join(p.split()), CONTEXT_CHARS) for p in parts if p.strip())


@dataclass(frozen=True)
class _Unit:
    text: str
    block: Block
    size: int  # tokens, counted once


def split_document(
    doc: Document,
    max_tokens: int = 200,
    count_tokens: Callable[[str], int] | None = None,
    overlap: bool = True,
) -> list[Passage]:
    """Cut a document into passages whose indexed text (section path and text) fits `max_tokens`.

    Headings open sections and are context, not text. Blocks are packed whole while they fit:
    short blocks join their neighbours (across sub-sections when the passage under way is small;
    across top-level sections only when it would otherwise stand alone), table rows and code
    blocks are never cut unless one alone is over the budget, a long paragraph is cut between
    sentences. Consecutive passages of one section share a short sentence (`overlap`), so an
    answer that straddles the cut is still found whole in one of them. Each block is counted
    once: the tokenizers split on white space first, so counts add up.
    """
    return [p for p, _ in split_blocks(doc, max_tokens, count_tokens, overlap)]


def split_blocks(
    doc: Document,
    max_tokens: int = 200,
    count_tokens: Callable[[str], int] | None = None,
    overlap: bool = True,
) -> list[tuple[Passage, tuple[Block, ...]]]:
    """`split_document`, with the blocks each passage holds (whole or in part), in order."""
    packer = _Packer(doc, max_tokens, count_tokens or count_words, overlap)
    for block in doc.blocks:
        packer.add(block)
    return [(_passage(doc, units), tuple({id(u.block): u.block for u in units if u.block.kind != "heading"}.values()))
            for units in packer.finish()]


class _Packer:
    def __init__(self, doc: Document, max_tokens: int, count: Callable[[str], int], overlap: bool) -> None:
        self.doc, self.max_tokens, self.count, self.overlap = doc, max_tokens, count, overlap
        self.done: list[list[_Unit]] = []
        self.units: list[_Unit] = []
        self.size = 0
        self.section: tuple[str, ...] = ()
        self._budgets: dict[tuple[str, ...], int] = {}

    def budget(self, section: tuple[str, ...]) -> int:
        """Tokens left for the text of a passage under `section` once its context is counted."""
        if section not in self._budgets:
            context = context_line(self.doc.title, below_title(self.doc.title, section))
            used = self.count(context) + 1 if context else 0
            self._budgets[section] = max(self.max_tokens // 2, self.max_tokens - used)
        return self._budgets[section]

    def add(self, block: Block) -> None:
        if block.kind == "heading":
            self._heading(block)
            return
        if not block.text.strip():
            return
        if not self._has_text():
            self.units, self.size, self.section = [], 0, block.section
        size = self.count(block.text)
        whole = size <= self.budget(block.section)
        for piece in [_Unit(block.text, block, size)] if whole else self._cut(block):
            if self.size + piece.size > self.budget(self.section) and self._has_text():
                carried = self._carry(block)
                self._flush()
                self.section = (carried or piece).block.section
                if carried and carried.size + piece.size <= self.budget(self.section):
                    self._push(carried)
                else:
                    self.section = block.section
            self._push(piece)

    def _heading(self, block: Block) -> None:
        if not self._has_text():
            self.units, self.size, self.section = [], 0, block.section
            return
        title = self.doc.title  # the title's own heading is every section's first level: not a top section
        new_top = below_title(title, block.section)[:1] != below_title(title, self.section)[:1]
        full = (self._words() >= MIN_WORDS) if new_top else self.size >= SECTION_FILL * self.budget(self.section)
        size = self.count(block.text)
        if new_top and not full:
            full = self._tail_forward()
        if full or self.size + size > self.budget(self.section):
            self._flush()
            self.section = block.section
        else:
            self._push(_Unit(block.text, block, size))  # a small section joins the next: its heading stays

    def _tail_forward(self) -> bool:
        """Give the short tail of a section (a quote's attribution, a closing line) the block before it.

        The tail would otherwise open the next section's passage, away from what it belongs to. The
        last block of the previous passage, in the same section, moves to the tail when both fit the
        budget (unless the tail already starts with that block's last sentence); true when the tail
        now has enough to say on its own.
        """
        if not self.done or len(self.done[-1]) < 2 or any(u.block.kind == "heading" for u in self.units):
            return False
        before = self.done[-1]
        last = before[-1]
        if last.block.kind == "heading" or last.block.section != self.section or last.block is self.units[0].block \
                or last.size + self.size > self.budget(self.section):
            return False
        before.pop()
        self.units.insert(0, last)
        self.size += last.size
        return self._words() >= MIN_WORDS

    def finish(self) -> list[list[_Unit]]:
        self._flush()
        if len(self.done) > 1 and _words(self.done[-1]) < MIN_WORDS:
            # A short last section joins the passage before it, under its own heading, when it fits.
            *_, before, last = self.done
            inline = [] if last[0].block.section == before[-1].block.section else [_heading_unit(last, self.count)]
            if sum(u.size for u in [*before, *inline, *last]) <= self.budget(before[0].block.section):
                self.done[-2:] = [[*before, *inline, *last]]
        return self.done

    def _push(self, unit: _Unit) -> None:
        self.units.append(unit)
        self.size += unit.size

    def _has_text(self) -> bool:
        return any(u.block.kind != "heading" for u in self.units)

    def _words(self) -> int:
        return _words(self.units)

    def _flush(self) -> None:
        while self.units and self.units[-1].block.kind == "heading":
            self.units.pop()  # a heading at the end goes with its section, as context of the next passage
        if self.units:
            self.done.append(self.units)
        self.units, self.size = [], 0

    def _carry(self, block: Block) -> _Unit | None:
        """The short last sentence of the passage under way, to open the next one in the same section."""
        if not self.overlap or self.units[-1].block.section != block.section or self.units[-1].block.kind in (
                "heading", "code", "row"):
            return None
        last = self.units[-1]
        sentences = split_sentences(last.text)
        if not sentences or (len(self.units) == 1 and len(sentences) == 1):
            return None
        size = self.count(sentences[-1])
        return _Unit(sentences[-1], last.block, size) if size <= self.budget(block.section) // 4 else None

    def _cut(self, block: Block) -> Iterator[_Unit]:
        """Pieces of a block too long for one passage: lines of code, else sentences; words at worst."""
        budget = self.budget(block.section)
        parts = block.text.split("\n") if block.kind == "code" else split_sentences(block.text)
        for part in parts:
            size = self.count(part)
            if size <= budget:
                yield _Unit(part, block, size)
                continue
            # Words are counted one by one (recounting the growing piece would be quadratic), and the
            # pieces are made even, so that the last one is not a stray word or two.
            counted = [(word, self.count(word)) for word in part.split()]
            pieces = -(-size // budget)
            target = -(-sum(n for _, n in counted) // pieces)
            piece: list[str] = []
            used = 0
            for word, n in counted:
                if piece and (used + n > budget or used >= target):
                    yield _Unit(" ".join(piece), block, used)
                    piece, used = [], 0
                piece.append(word)
                used += n
            if piece:
                yield _Unit(" ".join(piece), block, used)


def _words(units: list[_Unit]) -> int:
    return sum(count_words(u.text) for u in units if u.block.kind != "heading")


def _heading_unit(units: list[_Unit], count: Callable[[str], int]) -> _Unit:
    section = units[0].block.section
    heading = section[-1] if section else ""
    return _Unit(heading, Block(heading, "heading", section, len(section)), count(heading))


# Blocks that say what they are about first when they open a passage (not code, not a table row).
LEAD_KINDS = ("paragraph", "item", "definition", "caption")


def _passage(doc: Document, units: list[_Unit]) -> Passage:
    first = units[0]
    text = first.text
    lead = first.block.lead
    if lead and first.block.kind in LEAD_KINDS and not text.startswith(lead):
        text = f"{lead} : {text}"  # a definition's second paragraph, away from its term: it names it
    for prev, unit in zip(units, units[1:], strict=False):
        # Pieces of one block are joined as they were (sentences by a space, code lines by a line
        # break); blocks by a line break.
        same = unit.block is prev.block
        text += (" " if same and unit.block.kind != "code" else "\n") + unit.text
    blocks = [u.block for u in units if u.text]
    lines = [b.line_start for b in blocks if b.line_start] + [b.line_end for b in blocks if b.line_end]
    pages = [p for b in blocks for p in (b.page, b.page_end) if p is not None]
    return Passage(
        document=doc.path, title=doc.title, text=text, section=units[0].block.section,
        line_start=min(lines, default=0), line_end=max(lines, default=0),
        page_start=min(pages) if pages else None, page_end=max(pages) if pages else None,
        anchor=next((b.anchor for b in blocks if b.anchor), None), url=doc.url, date=doc.date,
        lines_url=doc.lines_url,
    )
