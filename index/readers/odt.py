"""OpenDocument text (.odt): headings by outline level, lists, tables by row, code by style or font, pages.

An .odt file is a zip of XML files defined by the OASIS standard; lxml reads its `content.xml` (and the
named styles of `styles.xml`) directly, which keeps every element in order. Headings are `text:h` with
their outline level; code is a paragraph whose style (or a style it inherits from) is named for code
("Preformatted Text", "Source Text"...) or sets a fixed-pitch font; consecutive code paragraphs make one
block. Pages are the ones the author's application last laid out (LibreOffice records each page break
it drew as `text:soft-page-break`); a file without any has none. Tables of contents, footnotes and
frames' drawings are not content.
"""

from __future__ import annotations

import re

from .base import Block, ReadError, Reading, Sections, check_zip, squash, without_contents

_NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
}
_TEXT = f"{{{_NS['text']}}}"
_TABLE = f"{{{_NS['table']}}}"
_STYLE = f"{{{_NS['style']}}}"
_CODE_NAME = re.compile(r"code|source|preformatted|verbatim|listing|console|terminal", re.IGNORECASE)
_TITLE_NAME = re.compile(r"^(?:title|titre|titel|título|titolo)$", re.IGNORECASE)
_CAPTION_NAME = re.compile(r"^(?:caption|légende|illustration|table|figure|drawing)$", re.IGNORECASE)
_CONTENTS_NAME = re.compile(r"^(?:contents|table of contents|index)\b", re.IGNORECASE)
_MONO_FONT = re.compile(r"mono|courier|consol|menlo|typewriter|fixed|monaco|inconsolata|source code", re.IGNORECASE)
# Inline elements whose text is not the paragraph's: footnotes' bodies, frames, annotations, changes.
_SKIP_INLINE = frozenset({f"{_TEXT}note", f"{_TEXT}tracked-changes", f"{{{_NS['office']}}}annotation",
                          f"{{{_NS['draw']}}}frame", f"{{{_NS['draw']}}}a", f"{_TEXT}bookmark-ref"})


def read_odt(raw: bytes) -> Reading:
    """The blocks of an OpenDocument text, its title and language."""
    import lxml.etree

    archive = check_zip(raw, "OpenDocument")
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        content = lxml.etree.fromstring(archive.read("content.xml"), parser=parser)
    except KeyError as exc:
        raise ReadError("not an OpenDocument text (no content.xml)") from exc
    except lxml.etree.XMLSyntaxError as exc:
        raise ReadError(f"OpenDocument content could not be parsed ({exc.msg})") from exc
    styles = _Styles()
    for name in ("styles.xml", "content.xml"):
        try:
            root = content if name == "content.xml" else lxml.etree.fromstring(archive.read(name), parser=parser)
        except (KeyError, lxml.etree.XMLSyntaxError):
            continue
        styles.add(root)
    title = language = None
    try:
        meta = lxml.etree.fromstring(archive.read("meta.xml"), parser=parser)
        title = squash(" ".join(meta.xpath("//dc:title//text()", namespaces=_NS))) or None
        language = (" ".join(meta.xpath("//dc:language//text()", namespaces=_NS)).strip()[:2].lower() or None)
    except (KeyError, lxml.etree.XMLSyntaxError):
        pass
    body = content.find("office:body/office:text", _NS)
    if body is None:
        raise ReadError("not an OpenDocument text (a spreadsheet, drawing or presentation)")
    walker = _Walker(styles, paged=body.find(f".//{_TEXT}soft-page-break") is not None)
    walker.container(body)
    walker.flush_code()
    return Reading(title=title or walker.title, blocks=without_contents(walker.blocks), language=language)


class _Styles:
    """Paragraph and text styles by name: what each inherits from, its display name, its font."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.display: dict[str, str] = {}
        self.font: dict[str, str] = {}
        self.fixed_fonts: set[str] = set()
        self._code: dict[str, bool] = {}

    def add(self, root) -> None:
        for face in root.iter(f"{_STYLE}font-face"):
            family = face.get(f"{{{_NS['svg']}}}font-family") or ""
            if face.get(f"{_STYLE}font-pitch") == "fixed" or _MONO_FONT.search(family):
                self.fixed_fonts.add(face.get(f"{_STYLE}name") or "")
        for st in root.iter(f"{_STYLE}style"):
            name = st.get(f"{_STYLE}name") or ""
            self.parent[name] = st.get(f"{_STYLE}parent-style-name") or ""
            self.display[name] = st.get(f"{_STYLE}display-name") or name.replace("_20_", " ")
            props = st.find(f"{_STYLE}text-properties")
            if props is not None and props.get(f"{_STYLE}font-name"):
                self.font[name] = props.get(f"{_STYLE}font-name")

    def chain(self, name: str) -> list[str]:
        out: list[str] = []
        while name and name not in out and len(out) < 12:
            out.append(name)
            name = self.parent.get(name, "")
        return out

    def names(self, name: str) -> list[str]:
        """The display names of a style and of the styles it inherits from."""
        return [self.display.get(n, n) for n in self.chain(name)]

    def is_code(self, name: str) -> bool:
        if name not in self._code:
            chain = self.chain(name)
            font = next((self.font[n] for n in chain if n in self.font), "")
            self._code[name] = (font in self.fixed_fonts or bool(_MONO_FONT.search(font))
                                or any(_CODE_NAME.search(self.display.get(n, n)) for n in chain))
        return self._code[name]


class _Walker:
    def __init__(self, styles: _Styles, paged: bool) -> None:
        self.styles = styles
        self.paged = paged
        self.page = 1
        self.blocks: list[Block] = []
        self.sections = Sections()
        self.title: str | None = None
        self.code: list[str] = []
        self.code_page: int | None = None

    def add(self, text: str, kind: str, page: int | None, level: int = 0) -> None:
        self.flush_code()
        if not text.strip():
            return
        section = self.sections.enter(level, squash(text)) if kind == "heading" else self.sections.path
        self.blocks.append(Block(text, kind, section, level, page=page))

    def flush_code(self) -> None:
        lines, self.code = self.code, []
        while lines and not lines[-1].strip():
            lines.pop()
        if lines:
            self.blocks.append(Block("\n".join(lines), "code", self.sections.path, page=self.code_page))

    def container(self, el, item: str | None = None) -> None:
        """The blocks of an element holding paragraphs, headings, lists, tables and sections."""
        for child in el:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag == f"{_TEXT}soft-page-break":
                self.page += 1
            elif tag == f"{_TEXT}h":
                self.heading(child)
            elif tag == f"{_TEXT}p":
                self.paragraph(child, item)
                item = None
            elif tag == f"{_TEXT}list":
                self.list(child)
            elif tag == f"{_TABLE}table":
                self.table(child)
            elif tag.endswith(("}table-of-content", "}illustration-index", "}table-index", "}alphabetical-index",
                               "}object-index", "}user-index", "}bibliography")):
                self.page += len(child.findall(f".//{_TEXT}soft-page-break"))
            elif tag == f"{_TEXT}section":
                self.container(child, item)

    def heading(self, el) -> None:
        page = self.current_page(el)
        text = _text(el)
        level = el.get(f"{_TEXT}outline-level")
        self.add(text, "heading", page, min(6, int(level)) if level and level.isdigit() and int(level) else 1)

    def current_page(self, el) -> int | None:
        """The page a paragraph starts on; the breaks inside it move the count on for what follows."""
        page = self.page if self.paged else None
        self.page += len(el.findall(f".//{_TEXT}soft-page-break"))
        return page

    def paragraph(self, el, item: str | None) -> None:
        page = self.current_page(el)
        style = el.get(f"{_TEXT}style-name") or ""
        names = self.styles.names(style)
        text = _text(el)
        if any(_CONTENTS_NAME.match(n) for n in names):
            return
        if item is None and self.styles.is_code(style):
            if not self.code:
                self.code_page = page
            self.code.extend(_text(el, keep_lines=True).split("\n"))
            return
        if any(_TITLE_NAME.match(n) for n in names) and self.title is None and not self.blocks:
            self.title = squash(text)
            return
        if item is not None:
            self.add(item + text, "item", page)
        elif any(_CAPTION_NAME.match(n) for n in names[:1]):
            self.add(text, "caption", page)
        else:
            self.add(text, "paragraph", page)

    def list(self, el) -> None:
        for entry in el:
            if entry.tag not in (f"{_TEXT}list-item", f"{_TEXT}list-header"):
                if entry.tag == f"{_TEXT}soft-page-break":
                    self.page += 1
                continue
            label = entry.find(f"{_TEXT}number")
            marker = f"{squash(label.text or '')} " if label is not None and (label.text or "").strip() else ""
            self.container(entry, item=marker)

    def table(self, el) -> None:
        self.flush_code()
        rows = [r for r in el.iter(f"{_TABLE}table-row") if _owner(r) is el]
        header_rows = {id(r) for h in el.iter(f"{_TABLE}table-header-rows") for r in h.iter(f"{_TABLE}table-row")}
        headers: list[str] = []
        for r, row in enumerate(rows):
            page = self.current_page(row)
            cells = [c for c in row if c.tag == f"{_TABLE}table-cell"]
            if any(c.find(f".//{_TABLE}table") is not None for c in cells) or len(cells) <= 1:
                for cell in cells:  # a layout table, or a box around text: its cells are text
                    self.container(cell)
                continue
            texts = [squash(" ".join(_text(p) for p in c.iter(f"{_TEXT}p", f"{_TEXT}h"))) for c in cells]
            if id(row) in header_rows or (r == 0 and not header_rows and len(rows) > 1 and all(texts)
                                          and all(len(t.split()) <= 4 for t in texts)
                                          and all(self._bold(c) for c in cells)):
                headers = texts
                continue
            parts = [f"{h} : {t}" if h and h != t else t
                     for h, t in zip(headers + [""] * (len(texts) - len(headers)), texts, strict=False) if t]
            self.add(" · ".join(parts), "row", page)

    def _bold(self, cell) -> bool:
        names = [p.get(f"{_TEXT}style-name") or "" for p in cell.iter(f"{_TEXT}p")]
        return bool(names) and all(any("heading" in n.lower() for n in self.styles.names(s)) for s in names)


def _owner(row):
    for a in row.iterancestors(f"{_TABLE}table"):
        return a
    return None


def _text(el, keep_lines: bool = False) -> str:
    """The text of a paragraph: spaces (`text:s`), tabs and line breaks as written; notes and frames left out."""
    out: list[str] = []

    def walk(node) -> None:
        if node.text:
            out.append(node.text)
        for child in node:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag == f"{_TEXT}s":
                out.append(" " * int(child.get(f"{_TEXT}c") or 1) if (child.get(f"{_TEXT}c") or "1").isdigit()
                           else " ")
            elif tag == f"{_TEXT}tab":
                out.append("\t")
            elif tag == f"{_TEXT}line-break":
                out.append("\n" if keep_lines else " ")
            elif tag and tag not in _SKIP_INLINE and tag != f"{_TEXT}soft-page-break":
                walk(child)
            if child.tail:
                out.append(child.tail)

    walk(el)
    return "".join(out)
