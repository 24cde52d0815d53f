"""Split a document into passages that follow paragraph and sentence boundaries."""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

from .documents import Document
from .text import count_words, split_sentences

_TERMINAL = tuple(".!?:;»\"”)…]")
_LIST_ITEM = re.compile(r"^\s*(?:[-*•·–]|\d{1,3}[.)])\s+")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")


@dataclass(frozen=True)
class Passage:
    """A piece of a document, with what is needed to cite it."""

    document: str
    title: str
    text: str
    heading: str
    paragraph_start: int
    paragraph_end: int
    line_start: int
    line_end: int
    date: str | None = None
    url: str | None = None  # the document's, from metadata.json

    @property
    def location(self) -> str:
        """Where the passage sits in its document, e.g. "¶4-5, lines 12-18"."""
        para = f"¶{self.paragraph_start}" + (
            f"–{self.paragraph_end}" if self.paragraph_end != self.paragraph_start else "")
        if self.line_start == self.line_end:
            return f"{para}, line {self.line_start}"
        return f"{para}, lines {self.line_start}–{self.line_end}"

    @property
    def indexed_text(self) -> str:
        """What is embedded and searched: the section heading gives the passage its context."""
        return f"{self.heading}\n{self.text}" if self.heading else self.text

    def to_dict(self) -> dict:
        """Plain-data form for storage."""
        return asdict(self)


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of a document with its number and line range (both 1-based)."""

    number: int
    text: str
    line_start: int
    line_end: int
    is_heading: bool = False
    line_offsets: tuple[int, ...] = (0,)  # where each of its lines starts in `text`


@dataclass(frozen=True)
class _Unit:
    text: str
    paragraph: int
    line_start: int
    line_end: int
    is_heading: bool = False


def paragraphs(text: str) -> list[Paragraph]:
    """Group lines into paragraphs.

    A blank line ends a paragraph; so does a line break after terminal punctuation, before a
    list item or Markdown heading, or before a capitalised line (files that put one paragraph
    per line). Hard-wrapped prose, a line ending mid-sentence and the next starting in
    lower case, stays together.
    """
    out: list[tuple[list[str], int, int]] = []
    current: list[str] = []
    start = 0
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            if current:
                out.append((current, start, lineno - 1))
                current = []
            continue
        continues = (
            current
            and not current[-1].endswith(_TERMINAL)
            and not _LIST_ITEM.match(line)
            and not _MD_HEADING.match(line)
            and not _MD_HEADING.match(current[0])
            and stripped[0].islower()
        )
        if current and not continues:
            out.append((current, start, lineno - 1))
            current = []
        if not current:
            start = lineno
        current.append(stripped)
    if current:
        out.append((current, start, start + len(current) - 1))

    result = []
    for i, (lines, first, last) in enumerate(out):
        body = " ".join(lines)
        offsets = tuple(itertools.accumulate((len(line) + 1 for line in lines[:-1]), initial=0))
        heading = i + 1 < len(out) and _looks_like_heading(lines, body)
        result.append(Paragraph(i + 1, body, first, last, is_heading=heading, line_offsets=offsets))
    return result


def _looks_like_heading(lines: list[str], body: str) -> bool:
    if _MD_HEADING.match(body):
        return True
    if len(lines) != 1 or _LIST_ITEM.match(body):
        return False
    return count_words(body) <= 12 and not body.rstrip().endswith((".", ",", ";", ":", "…", "»", "\""))


def split_document(
    doc: Document,
    max_tokens: int = 200,
    count_tokens: Callable[[str], int] | None = None,
    overlap: bool = True,
) -> list[Passage]:
    """Cut a document into passages of at most `max_tokens` (as counted by `count_tokens`).

    Paragraphs are packed whole while they fit; a paragraph too long for one passage is cut
    between sentences. Consecutive passages of one section share a sentence when it is short,
    so an answer that straddles the cut is still found whole in one of them.
    """
    count = count_tokens or count_words
    passages: list[Passage] = []
    heading = ""
    units: list[_Unit] = []
    budget = max_tokens

    def flush() -> None:
        nonlocal units
        if units:
            passages.append(_make_passage(doc, heading, units))
        units = []

    for para in paragraphs(doc.text):
        if para.is_heading:
            flush()
            heading = _MD_HEADING.sub("", para.text).strip()
            budget = max(max_tokens // 2, max_tokens - count(heading))
            # The heading is part of the first passage of its section (it is cited with it);
            # later passages of the section carry it as context only.
            units = [_Unit(heading, para.number, para.line_start, para.line_end, is_heading=True)]
            continue
        para_unit = _Unit(para.text, para.number, para.line_start, para.line_end)
        size = count(" ".join([*(u.text for u in units), para.text]))
        if size <= budget:
            units.append(para_unit)
            continue
        if units and not (len(units) == 1 and units[0].is_heading):
            previous = units
            flush()
            units = _overlap(previous, budget, count) if overlap else []
            if units and count(" ".join([*(u.text for u in units), para.text])) <= budget:
                units.append(para_unit)
                continue
            units = []
        if not units and count(para.text) <= budget:
            units = [para_unit]
            continue
        for sentence in _sentence_units(para, budget, count):
            fits = count(" ".join([*(u.text for u in units), sentence.text])) <= budget
            if units and not fits and not (len(units) == 1 and units[0].is_heading):
                previous = units
                flush()
                units = _overlap(previous, budget, count) if overlap else []
                if units and count(" ".join([*(u.text for u in units), sentence.text])) > budget:
                    units = []  # the shared sentence would push this piece over the budget
            units.append(sentence)
    flush()
    return passages


def _overlap(units: list[_Unit], budget: int, count: Callable[[str], int]) -> list[_Unit]:
    last = units[-1]
    sentences = split_sentences(last.text)
    if not sentences:
        return []
    tail = sentences[-1]
    if count(tail) > budget // 4 or (len(units) == 1 and len(sentences) == 1):
        return []
    return [_Unit(tail, last.paragraph, last.line_end, last.line_end)]


def _sentence_units(para: Paragraph, budget: int, count: Callable[[str], int]) -> Iterator[_Unit]:
    # Sentences of a wrapped paragraph get the lines they sit on; a single sentence longer
    # than the budget is cut between words.
    pos = 0
    for sentence in split_sentences(para.text):
        at = para.text.find(sentence, pos)
        at = pos if at < 0 else at
        pos = at + len(sentence)
        first = para.line_start + bisect.bisect_right(para.line_offsets, at) - 1
        last = para.line_start + bisect.bisect_right(para.line_offsets, max(at, pos - 1)) - 1
        for piece in _cut_words(sentence, budget, count):
            yield _Unit(piece, para.number, first, last)


def _cut_words(sentence: str, budget: int, count: Callable[[str], int]) -> Iterator[str]:
    if count(sentence) <= budget:
        yield sentence
        return
    # Words are counted one by one (tokenizers split on spaces first, so the counts add up):
    # recounting the growing piece would be quadratic in a long run-on "sentence".
    piece: list[str] = []
    size = 0
    for word in sentence.split():
        n = count(word)
        if piece and size + n > budget:
            yield " ".join(piece)
            piece, size = [], 0
        piece.append(word)
        size += n
    if piece:
        yield " ".join(piece)


def _make_passage(doc: Document, heading: str, units: list[_Unit]) -> Passage:
    if units[0].is_heading:
        heading = ""  # the heading is in the text itself
    text = units[0].text
    for prev, unit in zip(units, units[1:], strict=False):
        # Sentences of one paragraph are joined by a space, paragraphs by a line break.
        text += (" " if unit.paragraph == prev.paragraph else "\n") + unit.text
    return Passage(
        document=doc.path,
        title=doc.title,
        text=text,
        heading=heading,
        paragraph_start=units[0].paragraph,
        paragraph_end=units[-1].paragraph,
        line_start=min(u.line_start for u in units),
        line_end=max(u.line_end for u in units),
        date=doc.date,
        url=doc.url,
    )
