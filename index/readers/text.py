"""Plain text: hard-wrapped paragraphs reflowed, underlined and numbered headings, ASCII tables as rows.

Plain-text documentation comes from fmt, w3m or lynx dumps, Sphinx's and docutils' text builders,
or a person's editor; they share these conventions: a blank line between paragraphs, a heading
underlined (and maybe overlined) with `=`, `-`, `~`..., or numbered ("1.2. Titre"), list items
led by a bullet or a number, tables drawn with `+`, `-` and `|`. Borders, rules and ASCII art are
drawing, not text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .base import Block, Reading, Sections, squash

_RULE = re.compile(r"^\s*([-=~_*#^+.`'\":])\1{2,}\s*$")
_SIMPLE_TABLE_BORDER = re.compile(r"^\s*=+(?:\s+=+)+\s*$")  # reStructuredText simple tables
_TABLE_LINE = re.compile(r"^\s*[+|].*[+|]\s*$")
_TABLE_SEPARATOR = re.compile(r"^\s*[+|][-=+|: ]*[+|]\s*$")
_BOX_DRAWING = re.compile(r"[\u2500-\u257f]")
_ITEM = re.compile(r"^(\s*)(?:[-*•+‣◦▪–]|\(?\d{1,3}[.)]|\(?[a-zA-Z][.)])\s+\S")
_NUMBERED_HEADING = re.compile(
    r"^(?:(?P<num>\d{1,3}(?:\.\d{1,3})*)\.?|(?P<word>[A-ZÀ-Þ]\w+)\s+(?:\d{1,3}|[IVXLC]+|[A-Z])\."
    r"|(?P<letter>[A-Z])\.)\s+\S")
_TERMINAL = (".", ",", ";", ":", "!", "?", "…", "»", '"')
_DOT_LEADERS = re.compile(r"(?:\.\s?){4,}\s*\d*\s*$")
_MULTI_LEVEL = re.compile(r"^\s*\d{1,3}\.\d{1,3}")
_MAX_HEADING_WORDS = 14
_ALNUM = re.compile(r"[^\W_]")
_MAX_WRAP = 100  # text wrapped for a terminal or an e-mail is narrower than this


@dataclass
class _Line:
    number: int
    text: str

    @property
    def indent(self) -> int:
        return len(self.text) - len(self.text.lstrip())


def read_text(source: str) -> Reading:
    """The blocks of a plain-text file, and its title when it opens with an underlined heading."""
    lines = [_Line(i, line.expandtabs(8)) for i, line in enumerate(re.split(r"\r\n|\r|\n", source), start=1)]
    reader = _TextReader(lines)
    reader.read()
    blocks = reader.blocks
    if not any(b.kind == "heading" for b in blocks):
        blocks = _unmarked_headings(blocks)
    return Reading(title=reader.title, blocks=blocks)


_UNMARKED_MAX_WORDS = _MAX_HEADING_WORDS
_UNMARKED_END = (".", ",", ";", ":", "!", "…", "»", '"', ")")


def _unmarked_headings(blocks: list[Block]) -> list[Block]:
    """Headings written as plain lines, in files that mark none (articles saved as text, notes).

    A heading of such a file is a line of its own: short, opening with a capital, not ending a sentence
    (a question may be a heading: "Pourquoi une telle demande ?"), and followed by prose longer than
    itself. Lists, table rows and code are not; a line followed by another short line is a label, not
    a section. Every such heading opens a section at one level (the file gives no other).
    """
    def is_heading(i: int) -> bool:
        b = blocks[i]
        if b.kind != "paragraph" or b.line_start != b.line_end or i + 1 >= len(blocks):
            return False
        text, nxt = b.text, blocks[i + 1]
        words = len(text.split())
        if not (1 <= words <= _UNMARKED_MAX_WORDS) or not text[:1].isupper() or text.endswith(_UNMARKED_END):
            return False
        if nxt.kind not in ("paragraph", "item") or len(nxt.text.split()) < max(8, 2 * words):
            return False
        return not text.endswith("?") or nxt.kind == "paragraph"

    marked = [is_heading(i) for i in range(len(blocks))]
    if not any(marked):
        return blocks
    out: list[Block] = []
    section: tuple[str, ...] = ()
    for b, heading in zip(blocks, marked, strict=True):
        if heading:
            section = (b.text,)
            out.append(replace(b, kind="heading", section=section, level=1))
        else:
            out.append(replace(b, section=section))
    return out


def _is_art(text: str) -> bool:
    """A line drawn with symbols: borders, arrows, boxes."""
    visible = len(text) - text.count(" ")
    return visible >= 3 and len(_ALNUM.findall(text)) < 0.4 * visible


class _TextReader:
    def __init__(self, lines: list[_Line]) -> None:
        self.lines = lines
        self.blocks: list[Block] = []
        self.sections = Sections()
        self.title: str | None = None
        self._styles: list[tuple[str, bool]] = []  # underline styles in order of first use: their levels
        self.base_indent = self._base_indent()
        # "1. Titre" alone on its line is a heading only in files numbered "1.2." too; elsewhere a list item.
        self.numbered_sections = any(_MULTI_LEVEL.match(ln.text) and len(ln.text.split()) <= _MAX_HEADING_WORDS
                                     for ln in lines)

    def _base_indent(self) -> int:
        counts: dict[int, int] = {}
        previous_blank = True
        for line in self.lines:
            if line.text.strip():
                if previous_blank and not _ITEM.match(line.text):
                    counts[line.indent] = counts.get(line.indent, 0) + 1
                previous_blank = False
            else:
                previous_blank = True
        return max(counts, key=lambda k: (counts[k], -k)) if counts else 0

    def emit(self, kind: str, text: str, first: int, last: int, level: int = 0) -> None:
        if not text.strip():
            return
        section = self.sections.enter(level, squash(text)) if kind == "heading" else self.sections.path
        self.blocks.append(Block(text, kind, section, level, first, last))

    def read(self) -> None:
        groups: list[list[_Line]] = []
        current: list[_Line] = []
        for line in self.lines:
            if line.text.strip():
                current.append(line)
            elif current:
                groups.append(current)
                current = []
        if current:
            groups.append(current)
        for index, group in enumerate(groups):
            self.group(group, first=index == 0, last=index == len(groups) - 1)

    def group(self, group: list[_Line], first: bool, last: bool) -> None:
        if self._is_contents(group):
            return
        para: list[_Line] = []
        overline: str | None = None
        i = 0
        while i < len(group):
            line = group[i]
            text = line.text
            rule = _RULE.match(text)
            if rule:
                char = rule.group(1)
                width = len(text.strip())
                if len(para) >= 1 and width >= 0.6 * len(para[-1].text.strip()) and not _ITEM.match(para[-1].text):
                    heading = para.pop()
                    self.paragraph(para)
                    para = []
                    self.heading_underlined(heading, char, overline == char, line.number, first and not self.blocks)
                    overline = None
                else:
                    self.paragraph(para)
                    para = []
                    overline = char
                i += 1
                continue
            if _TABLE_LINE.match(text) or _BOX_DRAWING.search(text) and _is_art(text):
                self.paragraph(para)
                para = []
                j = i
                while j < len(group) and (_TABLE_LINE.match(group[j].text) or _BOX_DRAWING.search(group[j].text)):
                    j += 1
                self.table(group[i:j])
                i = j
                continue
            if _SIMPLE_TABLE_BORDER.match(text) or _is_art(text) or _DOT_LEADERS.search(text):
                self.paragraph(para)
                para = []
                i += 1
                continue
            if _ITEM.match(text) and para:
                self.paragraph(para)
                para = []
            para.append(line)
            i += 1
        if len(para) == len(group) <= 3 and not last and self.numbered_heading(para):
            return
        self.paragraph(para)

    def _is_contents(self, group: list[_Line]) -> bool:
        """A generated table of contents: most lines are numbered section titles, some of them nested."""
        if len(group) < 3:
            return False
        numbered = [ln for ln in group if _NUMBERED_HEADING.match(ln.text.strip())]
        return (len(numbered) >= 0.6 * len(group) and any(_MULTI_LEVEL.match(ln.text) for ln in numbered)
                and sum(ln.text.rstrip().endswith(_TERMINAL[:3]) for ln in group) < 0.2 * len(group))

    def heading_underlined(self, line: _Line, char: str, overlined: bool, last_line: int, is_first: bool) -> None:
        style = (char, overlined)
        if style not in self._styles:
            self._styles.append(style)
        text = squash(line.text)
        if is_first and self.title is None and self._styles == [style]:
            self.title = text
        self.emit("heading", text, line.number, last_line, level=min(6, self._styles.index(style) + 1))

    def numbered_heading(self, lines: list[_Line]) -> bool:
        """Whether the lines, a group of their own, are a numbered heading (then emitted).

        One line, or a heading wrapped over two or three lines when they stand out to the left of the
        text; a question can be a heading when it stands out so ("3.1.6. Pourquoi testing est-elle
        cassée ?"), as in a FAQ.
        """
        line = lines[0]
        text = squash(" ".join(ln.text for ln in lines))
        m = _NUMBERED_HEADING.match(text)
        outdented = all(ln.indent < self.base_indent for ln in lines)
        if (not m or line.indent > self.base_indent or (len(lines) > 1 and not outdented)
                or len(text.split()) > _MAX_HEADING_WORDS * len(lines)
                or (text.endswith(_TERMINAL) and not (outdented and text.endswith("?")))
                or not any(c.isalpha() for c in text[m.end() - 1:])):
            return False
        if m.group("num"):
            level = m.group("num").count(".") + 1
            if level == 1 and not self.numbered_sections:
                return False
        else:
            level = 1
        level = min(6, level + len(self._styles))  # below underlined headings, when a file has both
        self.emit("heading", text, line.number, line.number, level=level)
        return True

    def paragraph(self, lines: list[_Line]) -> None:
        if not lines:
            return
        first, last = lines[0].number, lines[-1].number
        if all(ln.indent > self.base_indent + 1 for ln in lines) \
                and not _ITEM.match(lines[0].text) and _looks_like_code(lines):
            indent = min(ln.indent for ln in lines)
            self.emit("code", "\n".join(ln.text[indent:].rstrip() for ln in lines), first, last)
            return
        for part in _intended_lines(lines):
            kind = "item" if _ITEM.match(part[0].text) else "paragraph"
            text, first = _reflow([ln.text for ln in part]), part[0].number
            label = self.blocks[-1] if self.blocks else None
            if kind == "paragraph" and label and label.kind == "paragraph" and first - label.line_end <= 2 \
                    and len(label.text.split()) <= 2 and label.text[-1:].isalpha():
                # A callout's label on its own line ("Astuce", "Attention") leads its text.
                self.blocks.pop()
                text, first = f"{label.text} : {text}", label.line_start
            self.emit(kind, text, first, part[-1].number)

    def table(self, lines: list[_Line]) -> None:
        rows = _grid_rows([ln.text for ln in lines])
        if rows and self.blocks:
            # A short line just above the table is its caption ("Tableau 1.2. Liste des paquets").
            last = self.blocks[-1]
            if last.kind == "paragraph" and lines[0].number - last.line_end <= 2 and len(last.text.split()) <= 14 \
                    and not last.text.endswith((".", ":", ";", ",")):
                self.blocks[-1] = replace(last, kind="caption")
        if rows is None:
            # Not a grid we can read: keep the words of each line, without the drawing.
            for ln in lines:
                words = " ".join(re.sub(r"[+|\-=─-╿]+", " ", ln.text).split())
                if words and not _is_art(ln.text.replace("|", " ")):
                    self.emit("paragraph", words, ln.number, ln.number)
            return
        for row_text, start, end in rows:
            self.emit("row", row_text, lines[start].number, lines[end].number)


def _intended_lines(lines: list[_Line]) -> list[list[_Line]]:
    """Split a run of lines where the author broke a line on purpose rather than a wrapper at the margin.

    A wrapper breaks a line only when the next word would not fit; when it would have fitted, and the
    line ends a sentence or is short, or the next one opens with a capital, the break was meant:
    files that put one paragraph per line, a title line above its text.
    """
    width = max(len(ln.text.rstrip()) for ln in lines)
    if width > _MAX_WRAP:
        width = 10 ** 6  # lines longer than any terminal: not wrapped, each line is meant
    out: list[list[_Line]] = [[lines[0]]]
    for prev, ln in zip(lines, lines[1:], strict=False):
        text = prev.text.rstrip()
        nxt = ln.text.strip()
        first_word = nxt.split(" ", 1)[0]
        fits = len(text) + 1 + len(first_word) <= 0.85 * width
        meant = text.endswith(_TERMINAL) or len(text) < 0.6 * width or nxt[:1].isupper() or nxt[:1].isdigit()
        if width > _MAX_WRAP and not text.endswith(_TERMINAL) and nxt[:1].islower():
            meant = False  # a sentence going on over the line break
        if fits and meant:
            out.append([ln])
        else:
            out[-1].append(ln)
    return out


def _looks_like_code(lines: list[_Line]) -> bool:
    """An indented block that is not reflowable prose: short lines, or symbols typical of code."""
    text = " ".join(ln.text for ln in lines)
    if any(s in text for s in ("$ ", "# ", "()", "{", "}", ";", "=", "/", "--", "<", ">")):
        return True
    return all(len(ln.text.strip()) < 50 for ln in lines) and len(lines) > 1


def _reflow(lines: list[str]) -> str:
    out = ""
    for line in lines:
        part = line.strip()
        if not out:
            out = part
        elif out.endswith("-") and len(out) > 1 and out[-2].isalpha() and part[:1].islower():
            out += part  # wrapped after a compound's own hyphen: "multi-" + "utilisateurs"
        else:
            out += " " + part
    return out


def _grid_rows(lines: list[str]) -> list[tuple[str, int, int]] | None:
    """Rows of an ASCII grid table as "header : cell · ..." with the line span of each, or None."""
    indent = min(len(t) - len(t.lstrip()) for t in lines)
    lines = [t[indent:].rstrip() for t in lines]
    if any(_TABLE_SEPARATOR.match(t) and re.search(r"\S {2,}\S", t.strip()) for t in lines):
        return None  # boxes side by side: a drawing, not a grid
    content = [i for i, t in enumerate(lines) if not _TABLE_SEPARATOR.match(t)]
    if not content:
        return []
    width = max(len(lines[i]) for i in content)
    bars = [i for i in range(width) if all(i < len(lines[k]) and lines[k][i] == "|" for k in content)]
    if len(bars) < 2:
        return None
    groups: list[list[int]] = []
    separators_after: list[str] = []  # the separator line ending each group ("" when the next row follows)
    current: list[int] = []
    for i, t in enumerate(lines):
        if _TABLE_SEPARATOR.match(t):
            if current:
                groups.append(current)
                separators_after.append(t)
                current = []
        else:
            current.append(i)
    if current:
        groups.append(current)
        separators_after.append("")
    spans = list(zip(bars, bars[1:], strict=False))
    # Plain lines without separators between them are rows of one line each.
    if len(groups) == 1 and len(groups[0]) > 1 and not any(_TABLE_SEPARATOR.match(t) for t in lines[1:-1]):
        groups = [[i] for i in groups[0]]
        separators_after = [""] * len(groups)

    def cells(group: list[int]) -> list[str]:
        return [squash(" ".join(lines[k][a + 1:b] for k in group)) for a, b in spans]

    rows = [cells(g) for g in groups]
    header: list[str] | None = None
    if len(rows) > 1:
        after_first = separators_after[0]
        explicit = "=" in after_first
        later_separators = any(separators_after[1:-1])
        short = all(c and len(c.split()) <= 4 for c in rows[0])
        if explicit or (after_first and not later_separators and short) or (later_separators and short):
            header = rows[0]
    out = []
    for k, (row, group) in enumerate(zip(rows, groups, strict=True)):
        if header is not None and k == 0:
            continue
        parts = [f"{h} : {c}" if h and c and h != c else c for h, c in zip(header or [""] * len(row), row,
                                                                           strict=True) if c]
        if parts:
            out.append((" · ".join(parts), group[0], group[-1]))
    return out
