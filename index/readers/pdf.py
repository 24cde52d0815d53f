"""PDF: text by pdfium, rebuilt into paragraphs, headings, list items and code, each with its page.

pdfium (through pypdfium2, BSD/Apache licensed like pdfium itself) keeps word spacing where pypdf
glues words, and is 10-30 times faster than pdfminer.six. What it leaves to us:
- LaTeX draws accents as glyphs of their own (´e); an accent whose box sits over a letter is put back
  on it (é).
- Lines are hard-wrapped: they are joined into paragraphs by their spacing, indentation and fonts;
  a hyphen at a line end is dropped unless the document writes that word with a hyphen elsewhere.
- Running headers, footers and page numbers (a line at the top or bottom of a page that repeats, its
  numbers aside, at the same height on several pages), and contents pages (dot leaders), are dropped.
- The outline (bookmarks), when there is one, says which lines are headings and gives the section path.
"""

from __future__ import annotations

import ctypes
import itertools
import logging
import re
import statistics
import unicodedata
import warnings
from collections import Counter
from dataclasses import dataclass, field

from .base import Block, ReadError, Reading, Sections

log = logging.getLogger(__name__)

# Spacing accents as LaTeX draws them, and the combining mark each stands for.
_ACCENTS = {"´": "\u0301", "`": "\u0300", "ˆ": "\u0302", "^": "\u0302", "¨": "\u0308", "˜": "\u0303",
            "~": "\u0303", "¸": "\u0327", "ˇ": "\u030c", "˘": "\u0306", "˚": "\u030a", "˙": "\u0307",
            "¯": "\u0304", "'": "\u0301"}
_DOTLESS = {"ı": "i", "ȷ": "j"}
_SOFT_HYPHEN = "\ufffe"  # pdfium's mark for a hyphen it found at a line end
_BULLET = re.compile(r"^(?:[•◦▪‣●○■□–—*-]|\(?\d{1,3}[.)]|\(?[a-z][.)])\s+\S")
# A bullet drawn from a symbol font with no Unicode mapping comes out as a control or private-use character.
_UNMAPPED_BULLET = re.compile(r"^[\x80-\x9f\ue000-\uf8ff\ufffd](?=\s)")
_DOT_LEADERS = re.compile(r"(?:\.\s?){4,}\s*[\dIVXLCivxlc]*\s*$")
_PAGE_NUMBER = re.compile(r"^(?:[-–—]\s*)?(?:page\s+)?(?:\d{1,4}|[ivxlcdm]{1,7})(?:\s*(?:/|sur|of)\s*\d{1,4})?"
                          r"(?:\s*[-–—])?$", re.IGNORECASE)
_HYPHENATED = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)+")
_MONO_FONT = re.compile(r"mono|courier|typewriter|consol|menlo|^(?:cm|ec|sf|t1x|lm|tx|ntx|pcr)tt", re.IGNORECASE)
_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi|^cmbx|^ecbx|^lmbx", re.IGNORECASE)
_NUMBERED = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3})*\.?|[A-Z]\.(?:\d{1,3}\.?)*)\s+\S")
_USELESS_TITLES = re.compile(r"^(?:untitled|sans titre|document\d*|microsoft word.*|.*\.(?:dvi|tex|docx?|odt|pdf))$",
                             re.IGNORECASE)
_HEADING_SIZE = 1.12  # a line this much larger than the body text is a heading
_NUMBER_CELL = re.compile(r"^[-+−±~]?[\d.,\s]*\d[\d.,\s]*\S{0,3}$")  # "12", "0,313", "3, 71", "5 V"
_SPARSE = 0.7  # a line wider than this many times its font size per character may have wide gaps
_CELL_GAP = 1.5  # a gap this many times the font size parts a line into table cells (a space is about 0.3)
_BROKEN_PATH = re.compile(r"\S[/\\]$")  # a line ending inside a path or URL
_PATH_GOES_ON = re.compile(r"[^\s/\\.]*[\w][/\\.][\w]")  # a next line that goes on with one ("share/TUG")
_MAX_HEADING_WORDS = 20


@dataclass
class _Line:
    text: str
    page: int  # 1-based
    x0: float
    x1: float
    y: float  # height of its first character from the bottom of the page
    y_end: float  # of its last: pdfium joins a hyphenated line end and the next line into one line
    size: float
    bold: bool
    mono: bool
    heading_level: int = 0
    outline_title: str | None = None
    # The line's parts set apart by wide gaps (table cells), left to right, each a list of its words
    # as (x0, x1, text); None when the line is all one part.
    cells: list[list[tuple[float, float, str]]] | None = None


@dataclass
class _Entry:
    level: int
    title: str
    page: int  # 1-based
    y: float | None
    lines: list[_Line] = field(default_factory=list)


def _unparsed(exc: Exception) -> str:
    """Why pdfium failed, flat: "PDF could not be parsed: data format error", not brackets in brackets."""
    reason = str(exc).strip().rstrip(".")
    inner = re.search(r"\((?:PDFium:\s*)?([^()]+)\)$", reason)
    reason = inner.group(1) if inner else reason
    return f"PDF could not be parsed: {reason[:1].lower()}{reason[1:]}" if reason else "PDF could not be parsed"


def read_pdf(raw: bytes) -> Reading:
    """The blocks of a PDF, each with its page, and its title from the metadata, outline or first page."""
    import pypdfium2 as pdfium

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            pdf = pdfium.PdfDocument(raw)
        except pdfium.PdfiumError as exc:
            raise ReadError(_unparsed(exc)) from exc
        try:
            if len(pdf) == 0:
                raise ReadError("PDF could not be parsed: no pages")
            meta_title = (pdf.get_metadata_dict().get("Title") or "").strip()
            entries = _outline(pdf)
            pages = [_page_lines(pdf, i) for i in range(len(pdf))]
        except pdfium.PdfiumError as exc:
            raise ReadError(_unparsed(exc)) from exc
        finally:
            pdf.close()
    for w in caught:
        log.debug("pdfium: %s", w.message)
    lines = _drop_page_furniture(pages)
    if not lines:
        return Reading(title=_title(meta_title, entries, pages))
    builder = _Builder(lines, entries)
    builder.build()
    return Reading(title=_title(meta_title, entries, pages), blocks=builder.blocks)


def _title(meta_title: str, entries: list[_Entry], pages: list[list[_Line]]) -> str | None:
    if meta_title and not _USELESS_TITLES.match(meta_title) and any(c.isalpha() for c in meta_title):
        return meta_title
    roots = [e for e in entries if e.level == 1]
    if len(roots) == 1 and len(entries) > 1:
        return roots[0].title
    first = next((p for p in pages if p), [])
    if not first:
        return None
    biggest = max(line.size for line in first)
    body = statistics.median(line.size for line in first)
    if biggest < body * _HEADING_SIZE:
        return None
    title = " ".join(line.text for line in first if line.size >= biggest - 0.5)
    return title if len(title.split()) <= _MAX_HEADING_WORDS else None


def _outline(pdf) -> list[_Entry]:
    out = []
    try:
        for item in pdf.get_toc(max_depth=8):
            title = " ".join((item.get_title() or "").split())
            dest = item.get_dest()
            if not title or dest is None:
                continue
            index = dest.get_index()
            if index is None or index < 0:
                continue
            y = None
            try:
                _, view = dest.get_view()
                if len(view) >= 2 and view[1]:
                    y = float(view[1])
            except Exception:  # noqa: BLE001 - a destination without a position still names its page
                pass
            out.append(_Entry(item.level + 1, title, index + 1, y))
    except Exception as exc:  # noqa: BLE001 - a broken outline only loses the section paths
        log.debug("PDF outline unreadable: %s", exc)
        return []
    return out


def _font(textpage, index: int, buf) -> tuple[float, str]:
    import pypdfium2.raw as pdfium_c

    size = pdfium_c.FPDFText_GetFontSize(textpage.raw, index)
    flags = ctypes.c_int()
    n = pdfium_c.FPDFText_GetFontInfo(textpage.raw, index, buf, len(buf), ctypes.byref(flags))
    name = buf.raw[: max(0, n - 1)].decode("latin-1", "replace") if n else ""
    return round(size * 2) / 2, name.split("+", 1)[-1]


def _page_lines(pdf, index: int) -> list[_Line]:
    page = pdf[index]
    textpage = page.get_textpage()
    try:
        n = textpage.count_chars()
        if n <= 0:
            return []
        text = textpage.get_text_range(0, n)
        units = _char_indices(textpage, text, n)
        buf = ctypes.create_string_buffer(128)
        lines = []
        pos = 0
        for raw_line in re.split(r"(\r\n|\r|\n)", text):
            start, pos = pos, pos + len(raw_line)
            if raw_line in ("\r\n", "\r", "\n") or not raw_line.strip():
                continue
            lead = len(raw_line) - len(raw_line.lstrip())
            stripped = raw_line.strip()
            at = [(units[start + lead + k] if units else start + lead + k) for k in range(len(stripped))]
            if at[-1] >= n:
                continue
            left, bottom, _, _ = textpage.get_charbox(at[0])
            _, last_bottom, right, _ = textpage.get_charbox(at[-1])
            probe = next((at[k] for k, c in enumerate(stripped) if c.isalpha()), at[0])
            size, font = _font(textpage, probe, buf)
            weight = _weight(textpage, probe)
            mono = bool(_MONO_FONT.search(font))
            if mono and " " in stripped:
                # A line that only opens with a command ("cron-apt vous signalera...") is prose: its end says.
                last = next((at[k] for k in range(len(stripped) - 1, -1, -1) if stripped[k].isalpha()), probe)
                mono = bool(_MONO_FONT.search(_font(textpage, last, buf)[1]))
                if mono:
                    stripped, at = _without_false_spaces(textpage, stripped, at, size)
            line_text = _compose_accents(stripped, textpage, at) if _has_accent(stripped) else stripped
            line_text = _UNMAPPED_BULLET.sub("•", line_text)
            parts = _cells(textpage, stripped, at, left, right, size) if " " in stripped else None
            cells = None
            if parts:
                cells = [_cell_words(stripped, at, words, textpage) for words in parts]
                if mono:  # a table's first column in a typewriter font: the line is code only if all of it is
                    mono = all(_MONO_FONT.search(_font(textpage, next(
                        (at[k] for k in range(a, b) if stripped[k].isalpha()), at[a]), buf)[1])
                        for a, b in ((words[0][2], words[-1][3]) for words in parts))
            lines.append(_Line(line_text, index + 1, left, right, bottom, min(bottom, last_bottom), size,
                               bold=bool(_BOLD_FONT.search(font)) or weight >= 600,
                               mono=mono, cells=cells))
        return lines
    finally:
        textpage.close()
        page.close()


def _without_false_spaces(textpage, text: str, at: list[int], size: float) -> tuple[str, list[int]]:
    """Typewriter text without the spaces pdfium put where there is none ("task -desktop" for "task-desktop").

    Every character of a typewriter font takes the same width, a space too: a space pdfium made up
    between two characters that stand less than two widths apart is not one.
    """
    import pypdfium2.raw as pdfium_c

    buf = ctypes.create_string_buffer(128)
    x, y = ctypes.c_double(), ctypes.c_double()

    def origin(i: int) -> float:
        pdfium_c.FPDFText_GetCharOrigin(textpage.raw, i, ctypes.byref(x), ctypes.byref(y))
        return x.value

    drop = set()
    width = None
    for m in re.finditer(r"(?<=\S) (?=\S)", text):
        k = m.start()
        if pdfium_c.FPDFText_IsGenerated(textpage.raw, at[k]) != 1:
            continue
        if width is None:  # the font's one width, from pairs of characters side by side
            pairs = [j for j in range(1, len(text)) if text[j] != " " != text[j - 1]][:24]
            width = statistics.median(origin(at[j]) - origin(at[j - 1]) for j in pairs) if pairs else 0.6 * size
        # From one character to the next past a space are two widths.
        if origin(at[k + 1]) - origin(at[k - 1]) < 1.5 * width and \
                all(_MONO_FONT.search(_font(textpage, at[j], buf)[1]) for j in (k - 1, k + 1)):
            drop.add(k)
    if not drop:
        return text, at
    return "".join(c for k, c in enumerate(text) if k not in drop), [i for k, i in enumerate(at) if k not in drop]


def _cells(textpage, text: str, at: list[int], left: float, right: float, size: float
           ) -> list[list[tuple[float, float, int, int]]] | None:
    """The words of a line grouped in runs set apart by gaps much wider than a space (a table's cells), or None.

    Each word as (x0, x1, start, end) of `text`. pdfium writes one space for any gap between two runs
    of text on a line: the boxes of the characters around each space say how wide the gap really is.
    """
    import pypdfium2.raw as pdfium_c

    # A line set in one go (one text object: pdfium draws one rectangle for it) that is no wider than
    # its characters need holds no wide gap: most lines, spared a look at each space.
    if right - left < _SPARSE * size * len(text) and \
            pdfium_c.FPDFText_CountRects(textpage.raw, at[0], at[-1] - at[0] + 1) < 2:
        return None
    # Boxes read straight from pdfium into reused doubles: a line has a space or two per word to look at.
    box_left, box_right, box_bottom, box_top = (ctypes.c_double() for _ in range(4))
    refs = tuple(ctypes.byref(v) for v in (box_left, box_right, box_bottom, box_top))  # pdfium's order
    raw = textpage.raw
    box = pdfium_c.FPDFText_GetCharBox
    cells: list[list[tuple[float, float, int, int]]] = [[]]
    start, x0 = 0, left
    for m in re.finditer(r" +", text):
        k, j = m.start(), m.end()
        if k == 0 or j >= len(text):
            continue
        box(raw, at[k - 1], *refs)
        before = box_right.value
        box(raw, at[j], *refs)
        after = box_left.value
        cells[-1].append((x0, before, start, k))
        if after - before > _CELL_GAP * max(size, 1.0):
            cells.append([])
        start, x0 = j, after
    if len(cells) == 1:
        return None
    cells[-1].append((x0, right, start, len(text)))
    return cells


def _cell_words(text: str, at: list[int], words: list[tuple[float, float, int, int]], textpage
                ) -> list[tuple[float, float, str]]:
    """A cell's words with their extents, accents put back; all one word when that changes the words."""
    a, b = words[0][2], words[-1][3]
    cell = text[a:b]
    if not _has_accent(cell):
        return [(x0, x1, text[s:e]) for x0, x1, s, e in words]
    composed = _compose_accents(cell, textpage, at[a:b])
    parts = composed.split(" ")
    if len(parts) == len(words):
        return [(x0, x1, part) for (x0, x1, _, _), part in zip(words, parts, strict=True)]
    return [(words[0][0], words[-1][1], composed)]


def _char_indices(textpage, text: str, n: int) -> list[int] | None:
    """The pdfium index of each character of `text`, or None when they are simply 0, 1, 2..."""
    import pypdfium2.raw as pdfium_c

    wide = any(ord(c) > 0xFFFF for c in text)
    if not wide and len(text) == n:
        return None
    if len(text) + sum(ord(c) > 0xFFFF for c in text) == n:
        # pdfium counts UTF-16 units: a character past U+FFFF (LaTeX's mathematical letters) takes two.
        return list(itertools.accumulate((2 if ord(c) > 0xFFFF else 1 for c in text), initial=0))
    # Characters pdfium has no text for (code 0) are left out of the text but keep their index.
    out = []
    for i in range(n):
        code = pdfium_c.FPDFText_GetUnicode(textpage.raw, i)
        if code:
            out.append(i)
    if len(out) != len(text):
        return [min(i, n - 1) for i in range(len(text))]
    return out + [n]


def _weight(textpage, index: int) -> int:
    import pypdfium2.raw as pdfium_c

    try:
        return int(pdfium_c.FPDFText_GetFontWeight(textpage.raw, index))
    except Exception:  # noqa: BLE001 - older pdfium: no weight
        return 0


def _has_accent(text: str) -> bool:
    return any(c in _ACCENTS or c in _DOTLESS for c in text)


def _compose_accents(text: str, textpage, at: list[int]) -> str:
    """Put each accent drawn on its own back on the letter it sits over: "r´esistance" -> "résistance".

    `at` gives the pdfium index of each character of `text`. The letter is looked for next to the accent
    first, then anywhere on the line (pdfium may emit the accent of a capital at the line's end).
    """
    chars = list(text)
    drop: set[int] = set()
    boxes: dict[int, tuple[float, float, float, float]] = {}

    def box(k: int) -> tuple[float, float, float, float]:
        if k not in boxes:
            boxes[k] = textpage.get_charbox(at[k])
        return boxes[k]

    def under(k: int, j: int, slack: float = 0.0) -> bool:
        accent, letter = box(k), box(j)
        center = (accent[0] + accent[2]) / 2
        return letter[0] - 0.5 - slack * (letter[2] - letter[0]) <= center <= letter[2] + 0.5

    for k, c in enumerate(chars):
        if c not in _ACCENTS:
            continue
        near = [j for j in (k + 1, k + 2, k - 1, k - 2) if 0 <= j < len(chars)
                and all(b.isspace() for b in chars[min(j, k) + 1: max(j, k)])]
        # TeX centres an accent on the letter's advance, not its ink: beside the ink by up to half its width.
        # ASCII ` ' ^ ~ are also code: for them, the accent must really stand over the letter.
        slack = 0.0 if c in "'^~`" else 0.75
        target = next((j for j in near if chars[j].isalpha() and j not in drop and under(k, j, slack)), None)
        if target is None:
            # Far from its letter in the text: the letter whose box it stands above, on this line.
            accent = box(k)
            target = next((j for j, letter in enumerate(chars) if letter.isalpha() and j not in drop
                           and under(k, j) and accent[1] >= box(j)[1] + 0.5 * (box(j)[3] - box(j)[1])), None)
        if target is None:
            continue
        composed = unicodedata.normalize("NFC", _DOTLESS.get(chars[target], chars[target]) + _ACCENTS[c])
        if len(composed) == 1:
            chars[target] = composed
            drop.add(k)
            if abs(target - k) == 2:
                drop.add((target + k) // 2)  # the space pdfium put between them
    out = "".join(c for k, c in enumerate(chars) if k not in drop)
    return re.sub(r"\s{2,}", " ", out)


def _furniture_key(line: _Line) -> tuple[str, int]:
    text = re.sub(r"\d+", "#", " ".join(line.text.split()).casefold())
    return re.sub(r"\b[ivxlcdm]+\b", "#", text), round(line.y / 3)


def _furniture_keys(line: _Line) -> list[tuple[str, int]]:
    """The line's key, and those of its parts when it has several (a header's chapter | section)."""
    keys = [_furniture_key(line)]
    for words in line.cells or ():
        keys.append(_furniture_key(_Line(" ".join(w for _, _, w in words), line.page, 0, 0, line.y, line.y,
                                         line.size, line.bold, line.mono)))
    return keys


def _apart(line: _Line, lines: list[_Line]) -> bool:
    """Whether no other line of the page comes within two lines' height of this one."""
    return all(abs(other.y - line.y) > 2 * max(line.size, other.size, 1.0) for other in lines if other is not line)


def _drop_page_furniture(pages: list[list[_Line]]) -> list[_Line]:
    """All lines of the document but running headers, footers, page numbers and contents pages."""
    edge: list[list[_Line]] = []  # per page: the lines at its top and bottom
    for lines in pages:
        by_height = sorted(lines, key=lambda ln: -ln.y)
        edge.append(by_height[:2] + by_height[-2:] if len(by_height) > 4 else by_height)
    counts = Counter(key for lines in edge for key in {k for ln in lines for k in _furniture_keys(ln)})
    repeats = min(3, len(pages)) if len(pages) > 1 else 10 ** 9
    # A running header that names the page's chapter and its section repeats only in part, and only
    # while the section lasts; but it stands apart from the text, at the same height, page after page.
    # Where most such lines of parts, standing apart at one height, have a part that repeats (not a
    # page number), all of them are furniture.
    slots: dict[int, list[bool]] = {}
    for lines, edges in zip(pages, edge, strict=True):
        for ln in edges:
            if ln.cells and _apart(ln, lines):
                slots.setdefault(round(ln.y / 3), []).append(any(
                    counts[k] >= repeats and not _PAGE_NUMBER.match(k[0]) for k in _furniture_keys(ln)[1:]))
    running = {slot for slot, seen in slots.items() if len(seen) >= repeats and sum(seen) >= 0.5 * len(seen)}
    out: list[_Line] = []
    for lines, edges in zip(pages, edge, strict=True):
        ids = {id(ln) for ln in edges if counts[_furniture_key(ln)] >= repeats
               or _PAGE_NUMBER.match(ln.text.strip())
               or (ln.cells and round(ln.y / 3) in running and _apart(ln, lines))}
        kept = [ln for ln in lines if id(ln) not in ids]
        leaders = sum(1 for ln in kept if _DOT_LEADERS.search(ln.text))
        if kept and leaders >= max(3, 0.4 * len(kept)):
            continue  # a contents page
        out.extend(ln for ln in kept if not _DOT_LEADERS.search(ln.text))
    return out


def _columns_of(x0: float, x1: float, columns: list[tuple[float, float]]) -> list[int]:
    """The columns the span [x0, x1] overlaps, by index."""
    return [c for c, (left, right) in enumerate(columns) if x0 < right - 1 and x1 > left + 1]


def _assign(ln: _Line, columns: list[tuple[float, float]]) -> list[tuple[int, str]] | None:
    """The line's text by column: (column, text) for each part; None when it does not fit the columns.

    A part over several columns is shared out word by word (cells whose gap is narrow); a part
    between columns goes to the nearest one; a line of one part must lie within one column.
    """
    if not ln.cells:
        at = _columns_of(ln.x0, ln.x1, columns)
        return [(at[0], ln.text)] if len(at) == 1 else None
    out: list[tuple[int, str]] = []
    for words in ln.cells:
        x0, x1 = words[0][0], words[-1][1]
        at = _columns_of(x0, x1, columns)
        if len(at) <= 1:
            c = at[0] if at else min(range(len(columns)), key=lambda i: min(abs(columns[i][0] - x1),
                                                                             abs(columns[i][1] - x0)))
            out.append((c, " ".join(w for _, _, w in words)))
            continue
        for w0, w1, word in words:
            inside = _columns_of(w0, w1, columns)
            if len(inside) > 1:
                return None
            middle = (w0 + w1) / 2
            c = inside[0] if inside else min(at, key=lambda i: max(columns[i][0] - middle, middle - columns[i][1]))
            c = max(c, out[-1][0]) if out else c  # words keep their order
            if out and out[-1][0] == c:
                out[-1] = (c, f"{out[-1][1]} {word}")
            else:
                out.append((c, word))
    return out


def _is_header(groups: list[list[_Line]], cells: list[list[str]], apart: bool) -> bool:
    """Whether a table's first row names its columns.

    It does when set in bold over rows that are not; or, a cell in every column and none a number,
    when set apart from the rows further than they are from each other (a rule under it), or when
    it has words over a column of numbers.
    """
    if all(ln.bold for ln in groups[0]) and not all(ln.bold for g in groups[1:] for ln in g):
        return True
    first, rest = cells[0], cells[1:]
    if not all(first) or any(_NUMBER_CELL.match(t) for t in first):
        return False
    return apart or any(sum(bool(_NUMBER_CELL.match(row[c])) for row in rest) >= 0.6 * len(rest)
                        for c in range(len(first)))


def _starts(target: str, joined: str) -> bool:
    """Whether the end of `joined` (past a short number or label) begins `target`."""
    return any(target.startswith(joined[i:]) for i in range(min(len(joined), 24) + 1) if len(joined) - i >= 3)


def _norm(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if c.isalnum())


class _Builder:
    """Joins lines into blocks and gives each its section."""

    def __init__(self, lines: list[_Line], entries: list[_Entry]) -> None:
        self.lines = lines
        self.entries = entries
        self.blocks: list[Block] = []
        self.sections = Sections()
        sizes = Counter()
        for ln in lines:
            sizes[ln.size] += len(ln.text)
        self.body = sizes.most_common(1)[0][0]
        gaps = [a.y_end - b.y for a, b in zip(lines, lines[1:], strict=False)
                if a.page == b.page and a.size == b.size == self.body and 0 < a.y_end - b.y < 3 * self.body]
        self.spacing = statistics.median(gaps) if gaps else self.body * 1.2
        self.margins = self._margins()
        self.hyphenated = {w.casefold() for ln in lines for w in _HYPHENATED.findall(ln.text[:-1])}
        self.size_levels = self._size_levels()

    def _margins(self) -> dict[int, tuple[float, float]]:
        """Left text edge and right text edge of each page's body lines."""
        out = {}
        by_page: dict[int, list[_Line]] = {}
        for ln in self.lines:
            by_page.setdefault(ln.page, []).append(ln)
        for page, lines in by_page.items():
            body = [ln for ln in lines if ln.size == self.body and not ln.mono] or lines
            left = Counter(round(ln.x0) for ln in body).most_common(1)[0][0]
            rights = sorted(ln.x1 for ln in body)
            out[page] = (left, rights[int(len(rights) * 0.9)] if len(rights) > 2 else rights[-1])
        return out

    def _size_levels(self) -> dict[float, int]:
        sizes = sorted({ln.size for ln in self.lines if ln.size >= self.body * _HEADING_SIZE}, reverse=True)
        return {s: min(6, i + 1) for i, s in enumerate(sizes)}

    def _heading_candidate(self, ln: _Line) -> bool:
        if len(ln.text.split()) > _MAX_HEADING_WORDS or ln.mono:
            return False
        if ln.size >= self.body * _HEADING_SIZE:
            return any(c.isalpha() for c in ln.text)
        return ln.bold and bool(_NUMBERED.match(ln.text)) and not ln.text.rstrip().endswith((".", ",", ";"))

    def build(self) -> None:
        self._mark_headings()
        entries = sorted((e for e in self.entries if e.y is not None or e.lines), key=lambda e: e.page)
        tables = self._tables()
        position = 0
        current: list[_Line] = []
        kind = "paragraph"
        k = 0
        while k < len(self.lines):
            ln = self.lines[k]
            if k in tables:
                self._flush(current, kind)
                current, kind = [], "paragraph"
                position = self._advance(entries, position, ln)
                end, rows = tables[k]
                for text, page, page_end in rows:
                    self._emit(text, "row", page, page_end)
                k = end
                continue
            k += 1
            if ln.heading_level:
                line_kind = "heading"
            else:
                line_kind = "code" if ln.mono else ("item" if _BULLET.match(ln.text) else "paragraph")
            if current and self._continues(current, kind, ln, line_kind):
                current.append(ln)
                continue
            self._flush(current, kind)
            position = self._advance(entries, position, ln)  # sections the outline opens before this line
            current = [ln]
            kind = line_kind
        self._flush(current, kind)
        self._advance(entries, position, None)

    # -- tables: lines parted into cells by wide gaps, their parts lined up in columns

    def _tables(self) -> dict[int, tuple[int, list[tuple[str, int, int]]]]:
        """The tables among the lines: index of a table's first line -> (index past its last, its rows)."""
        out = {}
        k = 0
        while k < len(self.lines):
            end, columns = self._table_run(k)
            rows = self._rows(self.lines[k:end], columns) if end else []
            if rows:
                out[k] = (end, rows)
                k = end
            else:
                k += 1
        return out

    @staticmethod
    def _row_line(ln: _Line) -> bool:
        """Whether the line is parted into cells, and is no sentence that only runs round a picture or a formula."""
        if not ln.cells or ln.heading_level or ln.mono or _BULLET.match(ln.text):
            return False
        texts = [[w for _, _, w in words] for words in ln.cells]
        return not any(len(a) >= 3 and len(b) >= 2 and a[-1][-1:].islower() and b[0][:1].islower()
                       for a, b in zip(texts, texts[1:], strict=False))

    def _table_run(self, k: int) -> tuple[int, list[tuple[float, float]]]:
        """The end of the table starting at line `k` and its columns, or (0, []) if none starts there.

        A table is at least two lines parted into cells, with lines of one part between them (a cell's
        text wrapped), each line close below the one before or opening the next page with cells. Its
        columns are where the cells of its most common shape of line sit; each line's parts must fall
        in them.
        """
        if not self._row_line(self.lines[k]):
            return 0, []
        last_row = k
        prev = self.lines[k]
        for j in range(k + 1, min(len(self.lines), k + 400)):
            ln = self.lines[j]
            if ln.heading_level or ln.mono:
                break
            pitch = max(self.spacing, ln.size * 1.05)
            if ln.page != prev.page:
                if not self._row_line(ln):
                    break
            elif not -6 * pitch < prev.y_end - ln.y < 3.5 * pitch:
                break
            if self._row_line(ln):
                last_row = j
            elif j - last_row > 6:
                break
            prev = ln
        end = last_row + 1
        # A last row's text wrapped below its line of cells.
        while end < len(self.lines) and end - last_row <= 3:
            ln, above = self.lines[end], self.lines[end - 1]
            if ln.cells or ln.heading_level or ln.mono or ln.page != above.page \
                    or not 0 < above.y - ln.y < 1.25 * max(self.spacing, ln.size * 1.05):
                break
            end += 1
        lines = self.lines[k:end]
        shapes = Counter(len(ln.cells) for ln in lines if self._row_line(ln))
        width = max(shapes, key=lambda n: (shapes[n], n))
        typical = [ln.cells for ln in lines if self._row_line(ln) and len(ln.cells) == width]
        columns = [(min(c[i][0][0] for c in typical), max(c[i][-1][1] for c in typical)) for i in range(width)]
        if any(a[1] > b[0] for a, b in zip(columns, columns[1:], strict=False)):
            return 0, []
        rows = 0
        for n, ln in enumerate(lines):
            if _assign(ln, columns) is None:
                end = k + n
                break
            rows += self._row_line(ln)
        if rows < 2 or width < 2:
            return 0, []
        return end, columns

    def _rows(self, lines: list[_Line], columns: list[tuple[float, float]]) -> list[tuple[str, int, int]]:
        """The rows of a table as "header : cell · header : cell", each with its pages.

        In a table whose rows are mostly set further apart than lines, a row is the lines whose tops
        are within a line's spacing of each other (cells wrapped over lines); in one whose rows are set
        as closely as lines, a line and the lines below it with nothing in the first column. The first
        row may be a header that names the columns (`_is_header`).
        """
        tight = 1.4 * self.spacing
        pages: dict[int, list[_Line]] = {}
        for ln in lines:
            pages.setdefault(ln.page, []).append(ln)
        ordered = [sorted(group, key=lambda ln: -ln.y) for group in pages.values()]
        gaps = [a.y - b.y for group in ordered for a, b in zip(group, group[1:], strict=False)]
        padded = bool(gaps) and statistics.median(gaps) > tight
        groups: list[list[_Line]] = []
        for group in ordered:
            for n, ln in enumerate(group):
                first_column = any(c == 0 for c, _ in _assign(ln, columns))
                header_ends = bool(groups) and all(h.bold for h in groups[-1]) and not ln.bold
                if n == 0 or header_ends or (group[n - 1].y - ln.y > tight if padded else first_column):
                    groups.append([])
                groups[-1].append(ln)
        cells: list[list[str]] = []
        for group in groups:
            texts = [""] * len(columns)
            for ln in group:
                for c, text in _assign(ln, columns):
                    text = self._unhyphenate_inside(text)
                    texts[c] = self._join_two(texts[c], text) if texts[c] else text
            cells.append([" ".join(t.split()) for t in texts])
        if not padded and statistics.median(len(t.split()) for row in cells for t in row if t) > 8:
            return []  # long runs of text side by side: columns of prose, not a table
        steps = [b[0].y - a[-1].y for a, b in zip(groups, groups[1:], strict=False) if a[-1].page == b[0].page]
        apart = len(steps) > 2 and steps[0] < 0 and -steps[0] > 1.25 * -statistics.median(steps[1:])
        header = cells[0] if len(cells) > 2 and _is_header(groups, cells, apart) else []
        out = []
        for n, (group, row) in enumerate(zip(groups, cells, strict=True)):
            if header and (n == 0 or row == header):  # the header, and its copy atop each page
                continue
            parts = [f"{header[c]} : {text}" if header and header[c] and header[c] != text else text
                     for c, text in enumerate(row) if text]
            if parts:
                out.append((" · ".join(parts), min(ln.page for ln in group), max(ln.page for ln in group)))
        return out

    def _advance(self, entries: list[_Entry], position: int, line: _Line | None) -> int:
        # Outline entries whose target lies before this line, and that no heading line matched.
        while position < len(entries):
            e = entries[position]
            if e.lines:
                position += 1
                continue
            if line is None or (e.page, -(e.y or 1e9)) <= (line.page, -line.y - 2):
                self.sections.enter(e.level, e.title)
                position += 1
                continue
            break
        return position

    def _continues(self, current: list[_Line], kind: str, ln: _Line, line_kind: str) -> bool:
        prev = current[-1]
        if kind == "heading" or line_kind == "heading":
            # One heading set on several lines, or under its label ("Chapitre 1" / "Partir du bon pied"); not
            # a heading and the smaller one under it ("2.3 Calibration" / "Objectif").
            label = len(current) == 1 and len(prev.text.split()) <= 3 and ln.size >= prev.size
            return kind == line_kind and prev.page == ln.page and prev.outline_title == ln.outline_title \
                and (prev.heading_level == ln.heading_level or label) \
                and 0 < prev.y - ln.y < 3 * max(self.spacing, ln.size)
        if line_kind == "item" or (kind == "code") != (line_kind == "code"):
            return False
        if ln.page != prev.page:
            # A paragraph running over the page break: the last line has no full stop and the next
            # starts in lower case.
            return kind != "code" and not prev.text.rstrip().endswith((".", "!", "?", ":")) and \
                ln.text[:1].islower()
        gap = prev.y_end - ln.y
        line_gap = max(self.spacing, min(prev.size, ln.size) * 1.05)
        ended = prev.text.rstrip().endswith((".", "!", "?", ":", ";")) and not ln.text.startswith("//")
        if gap < 0 or gap > line_gap * 1.4:
            # A sentence going on past a gap (a figure, an equation set apart) is the same paragraph.
            return kind == line_kind == "paragraph" and 0 < gap < 3 * line_gap and not ended \
                and ln.text[:1].islower()
        if abs(ln.size - prev.size) > 0.6 and kind != "code":
            return False
        if kind == "code":
            return True
        left, right = self.margins.get(ln.page, (ln.x0, ln.x1))
        indent = ln.x0 - prev.x0
        if kind == "paragraph" and indent > 0.8 * ln.size and abs(prev.x0 - left) < 0.5 * ln.size \
                and len(current) > 1:
            return False  # a first-line indent opens a new paragraph
        if kind == "paragraph" and indent > 0.8 * ln.size and len(current) == 1 and prev.x1 < right - 4 * ln.size:
            return False
        if indent < -0.8 * ln.size and kind == "item" and (ended or prev.x1 < right - 3 * ln.size):
            return False  # back at the margin after a list item (not a full line running on: a footnote's)
        return not (ended and prev.x1 < right - 3 * ln.size)

    def _mark_headings(self) -> None:
        """Decide which lines are headings: the outline's titles where there is an outline, else fonts."""
        if self.entries:
            by_page: dict[int, list[_Line]] = {}
            for ln in self.lines:
                by_page.setdefault(ln.page, []).append(ln)
            for e in self.entries:
                self._match_entry(e, by_page.get(e.page, []))
            # Numbered headings deeper than the outline goes ("17.6.3.2 Authentication block").
            for ln in self.lines:
                m = _NUMBERED.match(ln.text)
                if not ln.heading_level and m and self._heading_candidate(ln) and (ln.bold or ln.size > self.body):
                    ln.heading_level = min(6, m.group(0).strip().rstrip(".").count(".") + 1)
            return
        for ln in self.lines:
            if self._heading_candidate(ln):
                if ln.size in self.size_levels:
                    ln.heading_level = self.size_levels[ln.size]
                else:
                    m = re.match(r"[\dA-Z]+(?:\.\d+)*", ln.text)
                    ln.heading_level = min(6, len(self.size_levels) + (m.group(0).count(".") + 1 if m else 1))

    def _match_entry(self, e: _Entry, lines: list[_Line]) -> None:
        target = _norm(e.title)
        if len(target) < 2:
            return
        candidates = [ln for ln in lines if not ln.heading_level and (e.y is None or ln.y <= e.y + 2)]
        for k, ln in enumerate(candidates):
            if not (ln.size > self.body * 1.05 or ln.bold or _NUMBERED.match(ln.text)):
                continue
            joined, used = _norm(ln.text), [ln]
            for nxt in candidates[k + 1: k + 3]:  # a title wrapped over two or three lines
                if target in joined or not _starts(target, joined):
                    break
                joined += _norm(nxt.text)
                used.append(nxt)
            at = joined.find(target)
            if at < 0 or at > 24 or len(joined) - at - len(target) > 4:
                continue
            # A label set above the title ("Chapitre 1"), in the same font.
            before = lines.index(ln) - 1
            if before >= 0:
                label = lines[before]
                if not label.heading_level and label.size == ln.size and len(label.text.split()) <= 3 \
                        and 0 < label.y - ln.y < 4 * max(self.spacing, ln.size) and label.bold == ln.bold:
                    used.insert(0, label)
            for u in used:
                u.heading_level = e.level
                u.outline_title = e.title
            e.lines = used
            return

    def _flush(self, lines: list[_Line], kind: str) -> None:
        if not lines:
            return
        page, page_end = lines[0].page, lines[-1].page
        if kind == "code":
            left = min(ln.x0 for ln in lines)
            char = max(0.1, lines[0].size * 0.6)
            # A hyphen pdfium marked at a line end is the code's own: code is not hyphenated.
            text = "\n".join(" " * max(0, round((ln.x0 - left) / char)) + ln.text.replace(_SOFT_HYPHEN, "-")
                             for ln in lines)
            self._emit(text, "code", page, page_end)
            return
        if kind == "heading":
            level = max(1, min(6, min(ln.heading_level for ln in lines)))
            title = lines[0].outline_title
            text = self._join(lines)
            section = self.sections.enter(level, title or text)
            self.blocks.append(Block(text, "heading", section, level, page=page, page_end=page_end))
            return
        self._emit(self._join(lines), kind, page, page_end)

    def _emit(self, text: str, kind: str, page: int, page_end: int) -> None:
        self.blocks.append(Block(text, kind, self.sections.path, 0, page=page, page_end=page_end))

    def _join(self, lines: list[_Line]) -> str:
        out = ""
        for ln in lines:
            part = self._unhyphenate_inside(ln.text)
            if not out:
                out = part
                continue
            out = self._join_two(out, part)
        return out

    def _unhyphenate_inside(self, text: str) -> str:
        # pdfium sometimes joins a hyphenated line end itself, marking the hyphen.
        if _SOFT_HYPHEN not in text:
            return text
        return re.sub(r"([^\W\d_]*)" + _SOFT_HYPHEN + r"([^\W\d_]*)",
                      lambda m: self._hyphen_join(m.group(1), m.group(2)), text)

    def _hyphen_join(self, left: str, right: str) -> str:
        if f"{left}-{right}".casefold() in self.hyphenated:
            return f"{left}-{right}"
        return left + right

    def _join_two(self, out: str, part: str) -> str:
        if _BROKEN_PATH.search(out) and (out.endswith("\\") or "://" in out.rsplit(" ", 1)[-1]
                                          or _PATH_GOES_ON.match(part)) \
                or (out.endswith(":") and part.startswith("//")):
            return out + part  # a path or URL broken at the margin: "TUG\" / "TeXworks", "http:" / "//www"
        if out.endswith(("-", _SOFT_HYPHEN)) and len(out) > 1:
            head = out[:-1]
            word = re.search(r"(\S*?)([^\W\d_]*)$", head)
            token, left = (word.group(0), word.group(2)) if word else ("", "")
            if "/" in token:  # a URL or path broken at the margin
                return head + part
            if left and part[:1].isalpha() and part[:1].islower():
                right = re.match(r"[^\W\d_]*", part).group(0)
                joined = self._hyphen_join(left, right)
                return head[: len(head) - len(left)] + joined + part[len(right):]
            if out.endswith(_SOFT_HYPHEN):
                return head + part
            return out + part if left else out + " " + part
        return out + " " + part
