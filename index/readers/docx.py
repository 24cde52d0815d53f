"""Word documents (.docx): headings by their outline level, lists, tables by row, code by style or font, pages.

python-docx (MIT) opens the package and resolves styles; the body is walked in order so paragraphs and
tables keep their places. A heading is a paragraph whose style (or the style it is based on) has an
outline level, as Word's and LibreOffice's "Heading n" styles do. A paragraph is code when its style
is named so ("Code", "Source Text", "HTML Preformatted"...) or all its text is set in a monospace font;
consecutive code paragraphs make one block. Tables of contents and the page's headers and footers are
not content. Pages are the ones the author's application last laid out (the page breaks Word records
in the file, and explicit ones); a file without any has none.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile

from .base import Block, ReadError, Reading, Sections, check_zip, squash, without_contents

log = logging.getLogger(__name__)

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NS = {"w": _W}
_HEADING_NAME = re.compile(r"^(?:heading|titre|überschrift|título|titolo|kop)\s*(\d)$", re.IGNORECASE)
_TITLE_NAME = re.compile(r"^(?:title|titre|titel|título|titolo)$", re.IGNORECASE)
_CODE_NAME = re.compile(r"code|source|preformatted|verbatim|listing|console|terminal|macro text|plain text",
                        re.IGNORECASE)
_CONTENTS_NAME = re.compile(r"^(?:toc|contents|table of contents|tdm|index)\s*(?:heading|\d)?$", re.IGNORECASE)
_CAPTION_NAME = re.compile(r"^(?:caption|légende|beschriftung)$", re.IGNORECASE)
_MONO_FONT = re.compile(r"mono|courier|consol|menlo|typewriter|fixed|monaco|inconsolata|source code", re.IGNORECASE)
_EXPLICIT_BREAK = ".//w:br[@w:type='page']"
_BREAK_BEFORE = "./w:pPr/w:pageBreakBefore[not(@w:val) or @w:val='1' or @w:val='true']"
def read_docx(raw: bytes) -> Reading:
    """The blocks of a Word document, its title and language."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    check_zip(raw, "Word")
    try:
        document = docx.Document(io.BytesIO(raw))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ReadError(f"not a Word document that can be read ({type(exc).__name__})") from exc
    except Exception as exc:  # noqa: BLE001 - python-docx raises lxml and zip errors of many kinds on damaged files
        raise ReadError(f"Word document could not be read ({type(exc).__name__})") from exc
    walker = _Walker(document)
    walker.body(document.element.body)
    props = document.core_properties
    title = squash(props.title or "") or walker.title
    language = (props.language or "").strip()[:2].lower() or None
    return Reading(title=title or None, blocks=walker.finish(), language=language)


class _Walker:
    def __init__(self, document) -> None:
        self.document = document
        self.blocks: list[Block] = []
        self.sections = Sections()
        self.title: str | None = None
        self.paragraph_number = 0
        self.breaks = 0  # page breaks passed so far
        # Where the author's application broke pages when it last laid the document out; else the explicit
        # breaks; else no pages (counting both would count a page twice).
        body = document.element.body
        if _x(body, ".//w:lastRenderedPageBreak"):
            self.break_path, self.break_before = ".//w:lastRenderedPageBreak", False
        else:
            self.break_path, self.break_before = _EXPLICIT_BREAK, True
        self.paged = bool(_x(body, self.break_path) or _x(body, ".//" + _BREAK_BEFORE[2:]))
        self.code: list[str] = []
        self.code_page: int | None = None
        self.numbers = _Numbering(document)
        self._styles: dict[str, tuple[int, str, bool]] = {}

    def page(self) -> int | None:
        return self.breaks + 1 if self.paged else None

    def add(self, text: str, kind: str, level: int = 0, page: int | None = None) -> None:
        if kind != "code":
            self.flush_code()
        if not text.strip():
            return
        page = page if page is not None else self.page()
        section = self.sections.enter(level, squash(text)) if kind == "heading" else self.sections.path
        self.blocks.append(Block(text, kind, section, level, page=page))

    def flush_code(self) -> None:
        if self.code:
            lines, self.code = self.code, []
            while lines and not lines[-1].strip():
                lines.pop()
            if lines:
                self.blocks.append(Block("\n".join(lines), "code", self.sections.path, page=self.code_page))

    def finish(self) -> list[Block]:
        self.flush_code()
        return without_contents(self.blocks)

    def body(self, element) -> None:
        for child in element.iterchildren():
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "p":
                self.paragraph(child)
            elif tag == "tbl":
                self.table(child)
            elif tag == "sdt":
                gallery = _x(child, "./w:sdtPr/w:docPartObj/w:docPartGallery/@w:val")
                if gallery and "contents" in gallery[0].lower():
                    self.count_breaks(child)
                    continue  # a table of contents: not content
                content = child.find("w:sdtContent", _NS)
                if content is not None:
                    self.body(content)

    def style(self, style) -> tuple[int, str, bool]:
        """The outline level (0: none), the name and whether the font is monospace, of a paragraph style."""
        if style is None:
            return 0, "", False
        key = style.style_id
        if key not in self._styles:
            level, mono, names = 0, False, []
            current = style
            for _ in range(10):  # the chain of styles each is based on
                if current is None:
                    break
                names.append(current.name or "")
                outline = _x(current.element, "./w:pPr/w:outlineLvl/@w:val")
                if outline and not level:
                    level = int(outline[0]) + 1 if outline[0].isdigit() and int(outline[0]) < 9 else 0
                fonts = _x(current.element, "./w:rPr/w:rFonts/@w:ascii")
                mono = mono or any(_MONO_FONT.search(f) for f in fonts)
                current = current.base_style
            name = names[0]
            if not level:
                m = next((_HEADING_NAME.match(n) for n in names if _HEADING_NAME.match(n)), None)
                level = int(m.group(1)) if m else 0
            if any(_CODE_NAME.search(n) for n in names):
                mono = True
            self._styles[key] = (min(level, 6), name, mono)
        return self._styles[key]

    def paragraph(self, p) -> None:
        from docx.text.paragraph import Paragraph

        para = Paragraph(p, self.document._body)
        if self.paged and self.break_before and self.blocks and _x(p, _BREAK_BEFORE):
            self.breaks += 1
        page = self.page()
        self.count_breaks(p)
        text = para.text
        level, name, mono_style = self.style(para.style)
        own_level = _x(p, "./w:pPr/w:outlineLvl/@w:val")
        if own_level and own_level[0].isdigit() and int(own_level[0]) < 9:
            level = min(6, int(own_level[0]) + 1)
        if _CONTENTS_NAME.match(name):
            return
        if _TITLE_NAME.match(name) and not self.blocks and self.title is None:
            self.title = squash(text)
            return
        if mono_style or _all_mono(p):
            if not self.code:
                self.code_page = page
            self.code.append(text.rstrip())
            return
        if level and text.strip():
            self.add(text, "heading", level, page)
            return
        if _CAPTION_NAME.match(name):
            self.add(text, "caption", page=page)
            return
        marker = self.numbers.marker(p, para.style)
        if marker is not None:
            self.add(marker + text, "item", page=page)
            return
        self.add(text, "paragraph", page=page)

    def table(self, tbl) -> None:
        from docx.table import Table

        self.flush_code()
        page = self.page()
        table = Table(tbl, self.document._body)
        headers: list[str] = []
        for r, row in enumerate(table.rows):
            cells, seen = [], set()
            for cell in row.cells:
                if id(cell._tc) in seen:  # a merged cell is given once per column it spans
                    continue
                seen.add(id(cell._tc))
                cells.append(cell)
            if any(_x(c._tc, ".//w:tbl") for c in cells):
                for cell in cells:  # a table laid out inside a table: read the cells as text
                    self.body(cell._tc)
                continue
            texts = [squash(" ".join(p.text for p in c.paragraphs)) for c in cells]
            if sum(1 for t in texts if t) <= 1 and len(cells) <= 1:  # one cell: a box around text, not data
                for cell in cells:
                    self.body(cell._tc)
                continue
            header = bool(_x(row._tr, "./w:trPr/w:tblHeader[not(@w:val) or @w:val='1' or @w:val='true']"))
            if r == 0 and len(table.rows) > 1 and (header or all(t and _bold(c) for t, c in zip(texts, cells,
                                                                                                     strict=True))):
                headers = texts
                continue
            parts = [f"{h} : {t}" if h and h != t else t
                     for h, t in zip(headers + [""] * (len(texts) - len(headers)), texts, strict=False) if t]
            self.add(" · ".join(parts), "row", page=page)
        self.count_breaks(tbl)

    def count_breaks(self, element) -> None:
        if self.paged:
            self.breaks += len(_x(element, self.break_path))


def _x(element, path: str) -> list:
    """XPath with the Word namespace, on python-docx's elements and plain lxml ones alike."""
    import lxml.etree

    return lxml.etree._Element.xpath(element, path, namespaces=_NS)


def _runs(p) -> list:
    return [r for r in _x(p, ".//w:r") if "".join(_x(r, "./w:t/text()")).strip()]


def _all_mono(p) -> bool:
    runs = _runs(p)
    return bool(runs) and all(any(_MONO_FONT.search(f) for f in _x(r, "./w:rPr/w:rFonts/@w:ascii")) or
                              any(_CODE_NAME.search(s) for s in _x(r, "./w:rPr/w:rStyle/@w:val")) for r in runs)


def _bold(cell) -> bool:
    runs = [r for p in _x(cell._tc, "./w:p") for r in _runs(p)]
    if not runs:
        return False
    para_bold = all(_x(p, "./w:pPr/w:rPr/w:b[not(@w:val) or @w:val='1' or @w:val='true']")
                    for p in _x(cell._tc, "./w:p"))
    return para_bold or all(_x(r, "./w:rPr/w:b[not(@w:val) or @w:val='1' or @w:val='true']") for r in runs)


class _Numbering:
    """List items: a paragraph with numbering, and the number it shows when its list counts."""

    def __init__(self, document) -> None:
        self.formats: dict[tuple[str, str], tuple[str, int]] = {}  # (numId, ilvl) -> (numFmt, start)
        self.counters: dict[str, list[int]] = {}
        try:
            root = document.part.numbering_part.element
        except (NotImplementedError, KeyError, AttributeError):
            return
        abstract = {}
        for a in _x(root, "./w:abstractNum"):
            levels = {}
            for lvl in _x(a, "./w:lvl"):
                fmt = (_x(lvl, "./w:numFmt/@w:val") or ["bullet"])[0]
                start = (_x(lvl, "./w:start/@w:val") or ["1"])[0]
                levels[lvl.get(f"{{{_W}}}ilvl")] = (fmt, int(start) if start.isdigit() else 1)
            abstract[a.get(f"{{{_W}}}abstractNumId")] = levels
        for num in _x(root, "./w:num"):
            ref = (_x(num, "./w:abstractNumId/@w:val") or [""])[0]
            for ilvl, value in abstract.get(ref, {}).items():
                self.formats[(num.get(f"{{{_W}}}numId"), ilvl)] = value

    def marker(self, p, style) -> str | None:
        """"" for a bulleted item, "3. " for a numbered one, None for a paragraph that is not a list item."""
        num = _x(p, "./w:pPr/w:numPr/w:numId/@w:val")
        ilvl = _x(p, "./w:pPr/w:numPr/w:ilvl/@w:val")
        current = style
        while not num and current is not None:  # numbering given by the paragraph's style
            num = _x(current.element, "./w:pPr/w:numPr/w:numId/@w:val")
            ilvl = ilvl or _x(current.element, "./w:pPr/w:numPr/w:ilvl/@w:val")
            current = current.base_style
        if not num or num[0] == "0":
            return None
        level = ilvl[0] if ilvl else "0"
        fmt, start = self.formats.get((num[0], level), ("bullet", 1))
        depth = int(level) if level.isdigit() else 0
        counts = self.counters.setdefault(num[0], [])
        del counts[depth + 1:]
        while len(counts) <= depth:
            counts.append(start - 1)
        counts[depth] += 1
        if fmt in ("bullet", "none"):
            return ""
        n = counts[depth]
        if fmt in ("lowerLetter", "upperLetter") and 1 <= n <= 26:
            letter = chr(ord("a") + n - 1)
            return f"{letter.upper() if fmt == 'upperLetter' else letter}. "
        return f"{n}. "
