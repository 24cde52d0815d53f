"""HTML pages: the main content as blocks, without the page's navigation, with anchors and source lines.

What is boilerplate is decided from the page's structure, as generators and browsers mark it, not from
one site's wording: landmark elements and ARIA roles (nav, page-level header and footer, role=navigation,
search, banner, contentinfo), the class names documentation generators give their chrome (DocBook's
navheader/navfooter/toc, Sphinx's sphinxsidebar/related/footer, MkDocs's md-header/md-sidebar...),
invisible elements, and, for pages that follow no convention, link density: a list or box that is
mostly links is a menu. The content root is the page's `main` (or role=main, or its one `article`).
"""

from __future__ import annotations

import html.parser

from .base import Block, ReadError, Reading, Sections, give_lead, squash

# Never text a reader sees.
_INVISIBLE_TAGS = frozenset({
    "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed", "canvas", "video",
    "audio", "map", "head", "button", "input", "select", "textarea", "option", "datalist", "link", "meta",
})
_NAV_ROLES = frozenset({"navigation", "banner", "contentinfo", "search", "complementary", "menu", "menubar",
                        "toolbar", "doc-toc", "tablist", "directory"})
# Class and id tokens of page chrome, as documentation generators and common themes name it.
_CHROME = frozenset({
    # generic
    "nav", "navbar", "navigation", "menu", "sidebar", "breadcrumb", "breadcrumbs", "footer", "header",
    "pagination", "pager", "skip-link", "skiplink", "searchbox", "search", "toc", "copyright",
    # DocBook XSL
    "navheader", "navfooter", "list-of-tables", "list-of-figures", "list-of-examples", "list-of-equations",
    "list-of-procedures", "longdesc-link",
    # Sphinx and its themes
    "sphinxsidebar", "sphinxsidebarwrapper", "related", "headerlink", "toctree-wrapper", "rst-footer-buttons",
    "rst-versions", "wy-nav-side", "wy-nav-top", "wy-breadcrumbs", "prev-next-area", "bd-sidebar",
    "bd-header", "bd-footer", "bd-toc", "header-article", "language_switcher_placeholder",
    # MkDocs and Material for MkDocs
    "md-header", "md-sidebar", "md-footer", "md-nav", "md-tabs", "md-search", "md-source", "md-dialog",
    "md-top", "md-skip", "md-content__button", "headerlink-container",
    # TeX4ht (LaTeX made HTML): its [next] [prev] [up] links and contents
    "crosslinks", "tableofcontents",
})
# Callouts: their heading ("Note", "Avertissement") labels their text and is not a section of the page.
_ADMONITIONS = frozenset({"note", "warning", "tip", "caution", "important", "admonition", "attention",
                          "danger", "error", "hint", "seealso", "todo", "admonitionblock"})  # the last: AsciiDoc's
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "main", "header", "footer", "aside", "nav", "blockquote", "ul", "ol",
    "dl", "dt", "dd", "li", "table", "pre", "figure", "figcaption", "hr", "address", "details", "summary",
    "fieldset", "form", "center", "caption", "body", "html", "h1", "h2", "h3", "h4", "h5", "h6", "listing",
    "xmp", "plaintext", "menu", "dir", "legend", "hgroup", "search", "tr", "td", "th", "tbody", "thead",
    "tfoot", "colgroup",
})
_CAPTION_CONTAINERS = frozenset({"table", "informaltable", "figure", "informalfigure", "example", "equation",
                                 "procedure"})
_LINK_DENSE = 0.8  # share of a box's words that are link text, above which it is a menu
_LINK_DENSE_MIN_LINKS = 3
_TITLE_SEPARATORS = ("—", "–", "-", "|", "·", ":", "»", "::")
_BIG_LINES = 65535  # libxml2 stops counting lines there
_LINE_ATTR = "data-docbot-line"  # where the real line of an element past _BIG_LINES is kept


def read_html(source: str) -> Reading:
    """The blocks of an HTML page's main content, its title and its language."""
    import lxml.etree

    # The text is already decoded; libxml2 is given UTF-8 bytes and told so, which also
    # overrides whatever charset the page declares.
    parser = lxml.etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True)
    try:
        root = lxml.etree.fromstring(source.encode("utf-8", "surrogatepass"), parser=parser)
    except (lxml.etree.ParserError, ValueError, lxml.etree.XMLSyntaxError) as exc:
        raise ReadError(f"HTML could not be parsed ({type(exc).__name__})") from exc
    if root is None:  # nothing but blanks or comments
        return Reading()
    if source.count("\n") >= _BIG_LINES:
        _restore_big_line_numbers(root, source)
    language = (root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") or "").strip() or None
    title_el = root.find(".//title")
    page_title = squash(_text(title_el)) if title_el is not None else ""
    for el in list(root.iter(*_INVISIBLE_TAGS)):
        _drop(el)
    for el in list(root.iter()):
        if isinstance(el.tag, str) and _hidden(el):
            _drop(el)
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    content = _content_root(root)
    _drop_chrome(content)
    _drop_link_dense(content)
    h1 = content.find(".//h1")
    walker = _Walker()
    walker.container(content)
    title = _choose_title(page_title, squash(_inline_text(h1)) if h1 is not None else "")
    return Reading(title=title or None, blocks=walker.blocks, language=language[:2].lower() if language else None)


def _choose_title(page_title: str, h1: str) -> str:
    if not page_title:
        return h1
    if h1 and page_title != h1 and page_title.startswith(h1):
        rest = page_title[len(h1):].lstrip()
        if rest.startswith(_TITLE_SEPARATORS):  # "5. Gestion des paquets — Documentation developers-reference"
            return h1
    return page_title


def _text(el) -> str:
    return "".join(el.itertext())


def _tokens(el) -> set[str]:
    return {t.lower() for t in f"{el.get('class') or ''} {el.get('id') or ''}".split()}


def _hidden(el) -> bool:
    if el.get("hidden") is not None or (el.get("aria-hidden") or "").strip().lower() == "true":
        return True
    style = (el.get("style") or "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


def _drop(el) -> None:
    """Remove an element and its content, keeping the text that follows it."""
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


def _content_root(root):
    candidates = [el for el in root.iter("main", "div", "section", "article")
                  if el.tag == "main" or (el.get("role") or "").lower() == "main"
                  or (el.get("itemprop") or "").lower() == "articlebody"]
    if not candidates:
        articles = list(root.iter("article"))
        candidates = articles if len(articles) == 1 else []
    if candidates:
        # The outermost one: a main area may hold an article (Material for MkDocs) or the reverse.
        best = max(candidates, key=lambda el: len(_text(el)))
        if len(_text(best).split()) >= 5:
            return best
    body = root.find("body")
    return body if body is not None else root


def _is_chrome(el) -> bool:
    tag = el.tag
    role = (el.get("role") or "").strip().lower()
    if role in _NAV_ROLES:
        return True
    if role in ("note", "doc-footnote", "main", "article"):
        return False
    tokens = _tokens(el)
    if tag == "nav":
        return True
    if tag == "aside":
        return not tokens & {"footnote", "footnotes", *_ADMONITIONS}
    if tag in ("header", "footer"):
        # The page's own header and footer; a header inside an article or section holds its heading.
        return tag == "footer" or not any(a.tag in ("article", "section") for a in el.iterancestors())
    if tag in ("form", "search"):
        return len(_text(el).split()) < 40
    if tag == "a":
        text = _text(el).strip()
        # A permalink: a link to the page itself shown as a sign (¶, #, §, 🔗).
        return (el.get("href") or "").startswith("#") and bool(text) and not any(c.isalnum() for c in text)
    if tag in _HEADINGS:
        return False
    return bool(tokens & _CHROME) and not _holds_title_section(el)


def _holds_title_section(el) -> bool:
    """A box named like chrome that holds the page's title and a section of text under a heading of its own.

    AsciiDoc's pages (git's manual pages among them) put the title and the NAME section, the one line
    that says what a command does, in `<div id="header">`; a site's header holds no section.
    """
    if next(el.iter("h1"), None) is None:
        return False
    return any(next(h.itersiblings("p", "div"), None) is not None for h in el.iter("h2", "h3", "h4", "h5", "h6"))


def _drop_chrome(content) -> None:
    for el in list(content.iterdescendants()):
        if isinstance(el.tag, str) and el.getparent() is not None and _is_chrome(el):
            _drop(el)


def _drop_link_dense(content) -> None:
    """Drop lists, tables and boxes whose words are mostly link text (menus, generated contents)."""
    elements = [el for el in content.iter() if isinstance(el.tag, str)]
    words: dict = {}
    link_words: dict = {}
    links: dict = {}
    for el in reversed(elements):  # children before their parents
        own = len((el.text or "").split())
        w = own + sum(words[c] + len((c.tail or "").split()) for c in el if c in words)
        lw = w if el.tag == "a" else sum(link_words[c] for c in el if c in link_words)
        n = (1 if el.tag == "a" else 0) + sum(links[c] for c in el if c in links)
        words[el], link_words[el], links[el] = w, lw, n
    for el in elements:
        if el.tag not in ("ul", "ol", "dl", "table", "div", "p", "td") or el.getparent() is None:
            continue
        if next(el.iter(*_HEADINGS), None) is not None:
            continue
        if links[el] >= _LINK_DENSE_MIN_LINKS and words[el] and link_words[el] / words[el] >= _LINK_DENSE:
            _drop(el)


def _inline_text(el) -> str:
    """The text of an element, with a space where a block inside it (a list item, a paragraph) ends."""
    if el is None:
        return ""
    if not _has_blocks(el):
        return "".join(el.itertext())
    import lxml.etree

    parts: list[str] = []
    for event, e in lxml.etree.iterwalk(el, events=("start", "end")):
        if not isinstance(e.tag, str):
            if event == "end" and e.tail:
                parts.append(e.tail)
            continue
        block = e.tag in _BLOCK_TAGS
        if event == "start":
            if block:
                parts.append(" ")
            parts.append(e.text or "")
        else:
            if block:
                parts.append(" ")
            if e is not el and e.tail:
                parts.append(e.tail)
    return "".join(parts)


def _line(el) -> int:
    """The source line an element starts on."""
    if not isinstance(el.tag, str):
        return el.sourceline or 0
    big = el.get(_LINE_ATTR)
    return int(big) if big else el.sourceline or 0


def _first_text_line(el) -> int:
    line = _line(el)
    text = el.text or ""
    if text.strip():
        return line + text[: len(text) - len(text.lstrip())].count("\n")
    for child in el:
        if isinstance(child.tag, str) and _line(child):
            return _first_text_line(child) if child.text or len(child) else _line(child)
    return line


def _last_text_line(el) -> int:
    end = _line(el) + (el.text or "").rstrip().count("\n")
    for d in el.iterdescendants():
        line = _line(d)
        if not line:
            continue
        line += (d.text or "").rstrip().count("\n")
        if d.tail and d.tail.strip():
            line += d.tail.rstrip().count("\n")
        end = max(end, line)
    return end


def _ids(el) -> list[str]:
    out = []
    for d in el.iter():
        if not isinstance(d.tag, str):
            continue
        name = d.get("id") or (d.get("name") if d.tag == "a" else None)
        if name:
            out.append(name)
    return out


class _Walker:
    """Walks the content tree in reading order and emits blocks."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.sections = Sections()
        self.anchor: str | None = None
        self.pending: tuple[str, str] | None = None  # (kind, prefix) for the next block: "item", "Note : "
        self.callouts = 0  # depth inside admonitions

    # -- emitting

    def emit(self, text: str, kind: str, start: int, end: int, anchor: str | None, level: int = 0,
             keep_lines: bool = False) -> None:
        text = text.strip("\n").rstrip() if keep_lines else squash(text)
        if not text:
            return
        if self.pending and kind != "heading":
            pkind, prefix = self.pending
            self.pending = None
            if kind in ("paragraph", "item", "definition"):
                kind = pkind
                text = prefix + text
            elif prefix:  # a labelled code block or table: the label goes first, on its own
                self.blocks.append(Block(prefix.rstrip(" :"), "paragraph", self.sections.path,
                                         line_start=start, line_end=start, anchor=anchor or self.anchor))
        section = self.sections.enter(level, text) if kind == "heading" else self.sections.path
        self.blocks.append(Block(text, kind, section, level, start, max(start, end), anchor=anchor or self.anchor))

    def emit_element(self, el, text: str, kind: str, level: int = 0, keep_lines: bool = False) -> None:
        ids = _ids(el)
        self.emit(text, kind, _first_text_line(el), _last_text_line(el), ids[0] if ids else None, level,
                  keep_lines)
        if ids:
            self.anchor = ids[-1]

    # -- structure

    def container(self, el) -> None:
        """Blocks of an element holding both inline text and block elements."""
        run: list[str] = []
        lines = [0, 0]
        run_ids: list[str] = []

        def add(text: str | None, line: int) -> None:
            if text:
                if not lines[0] and text.strip():  # the run's first words
                    lines[0] = line + text[: len(text) - len(text.lstrip())].count("\n")
                run.append(text)
                if text.strip():
                    lines[1] = max(lines[1], line + text.rstrip().count("\n"))

        def flush() -> None:
            text = "".join(run)
            if text.strip():
                self.emit(text, "paragraph", lines[0], lines[1], run_ids[0] if run_ids else None)
            if run_ids:  # an anchor with no text of its own (<a id="x"></a>) marks what follows
                self.anchor = run_ids[-1]
            run.clear()
            run_ids.clear()
            lines[0] = lines[1] = 0

        own = el.get("id")
        if own:
            self.anchor = own
        add(el.text, _line(el))
        for child in el:
            if not isinstance(child.tag, str):
                add(child.tail, lines[1] or _line(el))
                continue
            if child.tag in _BLOCK_TAGS:
                flush()
                self.visit(child)
                if child.tail and child.tail.strip():
                    add(child.tail, _last_text_line(child))
            else:
                run_ids.extend(_ids(child))
                add(_inline_text(child), _line(child) or lines[1])
                if child.tail:  # white space alone between two inline elements still parts their words
                    add(child.tail if child.tail.strip() else " ", _last_text_line(child))
        flush()

    def visit(self, el) -> None:
        tag = el.tag
        if tag in _HEADINGS:
            text = _inline_text(el)
            if self.callouts:
                self.pending = ("paragraph", squash(text) + " : ") if text.strip() else self.pending
                ids = _ids(el)
                if ids:
                    self.anchor = ids[-1]
            else:
                self.emit_element(el, text, "heading", level=_HEADINGS[tag])
        elif tag in ("pre", "listing", "xmp", "plaintext"):
            text = _inline_text(el)
            self.emit_element(el, text[1:] if text.startswith("\n") else text, "code", keep_lines=True)
        elif tag in ("ul", "ol", "menu", "dir"):
            for child in el:
                if isinstance(child.tag, str):
                    self.list_item(child) if child.tag == "li" else self.visit(child)
        elif tag == "li":
            self.list_item(el)
        elif tag == "dl":
            self.definitions(el)
        elif tag == "table":
            self.table(el)
        elif tag in ("figcaption", "caption", "legend", "summary"):
            self.emit_element(el, _inline_text(el), "caption")
        elif tag == "hr":
            return
        elif tag in ("p", "div") and _tokens(el) & {"title", "caption"} and not _has_blocks(el):
            if any(_tokens(a) & _CAPTION_CONTAINERS for a in el.iterancestors()):
                self.emit_element(el, _inline_text(el), "caption")
            else:
                self.emit_element(el, _inline_text(el), "paragraph")
        elif tag == "p" and not _has_blocks(el):
            self.emit_element(el, _inline_text(el), "paragraph")
        elif _tokens(el) & _ADMONITIONS:
            self.callout(el)
        elif "seglistitem" in _tokens(el):
            # DocBook's segmented list: "Option : X · Valeur par défaut : Y · Description : Z", one entry.
            segs = [squash(_inline_text(c)) for c in el if isinstance(c.tag, str)]
            self.emit_element(el, " · ".join(s for s in segs if s), "row")
        else:
            self.container(el)

    def callout(self, el) -> None:
        label = None
        for d in el.iter():
            if not isinstance(d.tag, str) or d is el:
                continue
            if d.tag in _HEADINGS or d.tag == "th" or _tokens(d) & {"admonition-title", "title"}:
                text = squash(_inline_text(d))
                if text and len(text.split()) <= 5:
                    label = (d, text)
                break
            if d.tag in ("p", "pre", "ul", "ol", "dl") and _inline_text(d).strip():
                break  # the text starts before any label
        if label:
            _drop(label[0])
            self.pending = ("paragraph", label[1] + " : ")
        self.callouts += 1
        try:
            self.container(el)
        finally:
            self.callouts -= 1
            if label and self.pending and self.pending[1] == label[1] + " : ":
                self.pending = None

    def list_item(self, el) -> None:
        if not _has_blocks(el):
            self.emit_element(el, _inline_text(el), "item")
            return
        self.pending = ("item", self.pending[1] if self.pending else "")
        self.container(el)
        if self.pending and self.pending[0] == "item":
            self.pending = None

    def definitions(self, el) -> None:
        terms: list[str] = []
        for child in el:
            if not isinstance(child.tag, str):
                continue
            if child.tag == "dt":
                if child.get("id"):
                    self.anchor = child.get("id")
                terms.append(squash(_inline_text(child)))
                ids = _ids(child)
                if ids:
                    self.anchor = ids[-1]
            elif child.tag == "dd":
                term = ", ".join(t for t in terms if t)
                terms = []
                prefix = f"{term} : " if term else ""
                first = len(self.blocks)
                if not _has_blocks(child):
                    text = squash(_inline_text(child))
                    self.emit_element(child, prefix + text if text else term, "definition")
                else:
                    self.pending = ("definition", prefix)
                    self.container(child)
                    if self.pending and self.pending[0] == "definition":
                        self.emit(term, "definition", _first_text_line(child), _first_text_line(child), None)
                        self.pending = None
                give_lead(self.blocks, first, term)
            else:
                self.visit(child)
        for term in terms:  # terms without a definition
            self.emit(term, "item", _line(el), _line(el), None)

    def table(self, el) -> None:
        rows = [tr for tr in el.iter("tr") if _owner_table(tr) is el]
        grid = [[c for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")] for tr in rows]
        if self.callouts or _is_layout(el, grid):
            for child in el:
                if isinstance(child.tag, str) and child.tag == "caption":
                    self.visit(child)
            for cells in grid:
                for cell in cells:
                    self.container(cell)
            return
        for child in el:
            if isinstance(child.tag, str) and child.tag == "caption":
                self.emit_element(child, _inline_text(child), "caption")
        width = max((sum(_span(c, "colspan") for c in cells) for cells in grid), default=0)
        headers: list[str] = []
        pending_spans: dict[int, int] = {}  # column -> rows still covered by a rowspan from above
        seen_data = False
        for tr, cells in zip(rows, grid, strict=True):
            texts = [squash(_inline_text(c)) for c in cells]
            columns = _place(cells, pending_spans)
            if not any(texts):
                continue
            if len(cells) == 1 and _span(cells[0], "colspan") >= width > 1:
                self.emit_element(tr, texts[0], "caption")  # a title row across the whole table
                continue
            if not seen_data and _is_header_row(tr, cells):
                row_headers = [""] * width
                for (col, span), text in zip(columns, texts, strict=True):
                    for c in range(col, min(col + span, width)):
                        row_headers[c] = text
                # Stacked header rows name a column together: "Taille Installée".
                headers = [" ".join(dict.fromkeys(p for p in (old, new) if p))
                           for old, new in zip(headers or [""] * width, row_headers, strict=False)]
                continue
            seen_data = True
            parts = []
            for (col, _), text in zip(columns, texts, strict=True):
                if not text:
                    continue
                head = headers[col] if col < len(headers) else ""
                parts.append(f"{head} : {text}" if head and head != text else text)
            self.emit_element(tr, " · ".join(parts), "row")


def _has_blocks(el) -> bool:
    return any(isinstance(c.tag, str) and c.tag in _BLOCK_TAGS for c in el.iterdescendants())


def _owner_table(el):
    for a in el.iterancestors():
        if a.tag == "table":
            return a
    return None


def _span(cell, name: str) -> int:
    try:
        return max(1, min(int(cell.get(name) or 1), 1000))
    except ValueError:
        return 1


def _place(cells, pending: dict[int, int]) -> list[tuple[int, int]]:
    """The starting column and width of each cell of a row, skipping columns that rowspans from above cover."""
    out = []
    col = 0
    for cell in cells:
        while pending.get(col, 0) > 0:
            col += 1
        span = _span(cell, "colspan")
        out.append((col, span))
        rows = _span(cell, "rowspan")
        for c in range(col, col + span):
            if rows > 1:
                pending[c] = rows  # decremented below, this row included
        col += span
    for c in list(pending):
        pending[c] -= 1
        if pending[c] <= 0:
            del pending[c]
    return out


def _is_header_row(tr, cells) -> bool:
    parent = tr.getparent()
    if parent is not None and parent.tag == "thead":
        return True
    if all(c.tag == "th" for c in cells):
        return True
    # Header cells drawn as bold text in ordinary cells (DocBook informaltables do this).
    return all(_inline_text(c).strip() and _all_bold(c) for c in cells)


def _all_bold(cell) -> bool:
    text = squash(_inline_text(cell))
    bold = " ".join(squash(_inline_text(b)) for b in cell.iter("strong", "b") if b.getparent().tag not in
                    ("strong", "b"))
    return bool(text) and squash(bold) == text


def _is_layout(table, grid) -> bool:
    """A table used to lay out a page or a callout, not to hold data."""
    if (table.get("role") or "").lower() in ("presentation", "none"):
        return True
    if any(next(cell.iter("table"), None) is not None for cells in grid for cell in cells if len(cell)):
        return True
    if any(len(cells) > 1 and _is_header_row(tr, cells) for tr, cells in
           ((cells[0].getparent(), cells) for cells in grid[:2] if cells)):
        return False  # a table with column headers holds data, whatever its cells contain
    for cells in grid:
        for cell in cells:
            if any(isinstance(d.tag, str) and (d.tag in ("table", "pre", "ul", "ol", "dl", "form") or
                                               d.tag in _HEADINGS) for d in cell.iterdescendants()):
                return True
            if sum(1 for d in cell.iterdescendants("p", "div")) > 2:
                return True
    columns_with_text = {i for cells in grid for i, c in enumerate(cells) if _inline_text(c).strip()}
    return len(columns_with_text) < 2


def _restore_big_line_numbers(root, source: str) -> None:
    """Give elements past line 65535 their real line: libxml2 stops counting there."""
    starts = _StartTags()
    try:
        starts.feed(source)
        starts.close()
    except Exception:  # noqa: BLE001 - best effort: the lines stay capped
        return
    tags = starts.tags
    j = 0
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        k = j
        while k < len(tags) and k - j < 64 and tags[k][0] != el.tag:
            k += 1
        if k < len(tags) and tags[k][0] == el.tag:
            if (el.sourceline or 0) >= _BIG_LINES:
                el.set(_LINE_ATTR, str(tags[k][1]))
            j = k + 1


class _StartTags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, int]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, self.getpos()[0]))

