"""Markdown: headings give the section path, front matter gives the title, fences stay verbatim.

MkDocs' extensions (admonitions, blocks, tabs, snippets, attribute lists) are resolved first by `mkdocs`.
"""

from __future__ import annotations

import logging
import re

from .base import Block, Reading, Sections, squash
from .mkdocs import Callout, Includer, prepare, split_attributes, strip_attributes

log = logging.getLogger(__name__)

_FRONT_MATTER = re.compile(r"\A(?:\ufeff)?---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)",
                           re.DOTALL | re.MULTILINE)
_MAX_FRONT_MATTER = 64 * 1024


def read_markdown(source: str, include: Includer | None = None) -> Reading:
    """The blocks of a Markdown file (CommonMark with tables, MkDocs' extensions), and its title.

    `include` finds the files that snippets and includes name; without it they are dropped.
    """
    from markdown_it import MarkdownIt

    title, offset = None, 0
    m = _FRONT_MATTER.match(source)
    if m and len(m.group(0)) <= _MAX_FRONT_MATTER:
        title = _front_matter_title(m.group(1))
        offset = m.group(0).count("\n") if m.group(0).endswith("\n") else m.group(0).count("\n") + 1
        source = source[m.end():]
    prepared = prepare(source, offset + 1, include)
    tokens = MarkdownIt("commonmark").enable("table").parse("\n".join(prepared.lines))
    walker = _Walker(prepared.origin, prepared.callouts)
    walker.walk(tokens)
    if title is None:
        title = walker.first_h1
    return Reading(title=title, blocks=walker.blocks)


def _front_matter_title(text: str) -> str | None:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        log.debug("front matter is not YAML: %s", exc)
        return None
    title = data.get("title") if isinstance(data, dict) else None
    return title if isinstance(title, str) and title.strip() else None


def _inline(token, attributes: bool = False) -> str:
    """The visible text of an inline token: words, code spans, image descriptions; no HTML tags.

    Attribute lists (`{: .class }`) are left out, unless `attributes` (a heading's, read for its id).
    """
    out = []
    for child in token.children or ():
        if child.type == "text":
            out.append(child.content if attributes else strip_attributes(child.content))
        elif child.type == "code_inline":
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
        elif child.type == "image":
            out.append(_inline(child))
    return "".join(out)


class _Walker:
    def __init__(self, origin: list[int], callouts: list[Callout]) -> None:
        self.origin = origin  # the source line of each line that was parsed
        self.callouts = callouts  # titles still to give to the first block of their callout
        self.blocks: list[Block] = []
        self.sections = Sections()
        self.first_h1: str | None = None
        self.pending_item: str | None = None  # the marker of a list item whose first paragraph is next
        self.anchor: str | None = None  # the id of the heading above, from its attribute list

    def lines(self, token) -> tuple[int, int]:
        if not token.map or not self.origin:
            return 0, 0
        first = min(token.map[0], len(self.origin) - 1)
        last = min(max(token.map[0] + 1, token.map[1]), len(self.origin)) - 1
        return self.origin[first], max(self.origin[first], self.origin[last])

    def labels(self, token) -> list[Callout]:
        """The callouts whose first block this is, outermost first."""
        if not token.map or not self.callouts:
            return []
        line = token.map[0]
        found = [c for c in self.callouts if c.start <= line < c.end]
        for c in found:
            self.callouts.remove(c)
        return found

    def emit(self, kind: str, text: str, token, level: int = 0) -> None:
        if not text.strip():
            return
        start, end = self.lines(token)
        callouts = self.labels(token)
        labels = [c.label for c in callouts]
        if callouts:  # the block's title is written on its callout's first line
            start = min(start, callouts[0].line) if start else callouts[0].line
        if kind == "heading":
            text, anchor = split_attributes(text)
            text = strip_attributes(text)
            if not text.strip():
                return
            self.anchor = anchor
        if labels and kind in ("paragraph", "item", "definition"):
            text = " : ".join([*labels, text])
        elif labels:  # a titled code block, table or heading: the title goes first, on its own
            self.blocks.append(Block(" : ".join(labels), "paragraph", self.sections.path, 0, start, start,
                                     anchor=self.anchor))
            start = self.lines(token)[0]
        section = self.sections.enter(level, squash(text)) if kind == "heading" else self.sections.path
        self.blocks.append(Block(text, kind, section, level, start, end, anchor=self.anchor))

    def walk(self, tokens) -> None:
        i = 0
        while i < len(tokens):
            tok = tokens[i]
            kind = tok.type
            if kind == "heading_open":
                text = _inline(tokens[i + 1], attributes=True)
                level = int(tok.tag[1])
                if level == 1 and self.first_h1 is None and split_attributes(text)[0].strip():
                    self.first_h1 = split_attributes(text)[0].strip()
                self.emit("heading", text, tok, level)
                i += 3
                continue
            if kind == "paragraph_open":
                text = _inline(tokens[i + 1])
                if self.pending_item is not None:
                    self.emit("item", self.pending_item + text, tok)
                    self.pending_item = None
                else:
                    self.emit("paragraph", text, tok)
                i += 3
                continue
            if kind == "list_item_open":
                ordered = tok.info != "" and tok.markup in (".", ")")
                self.pending_item = f"{tok.info}{tok.markup} " if ordered else ""
            elif kind == "list_item_close":
                self.pending_item = None
            elif kind in ("fence", "code_block"):
                self.emit("code", tok.content, tok)
            elif kind == "html_block":
                self.html(tok)
            elif kind == "table_open":
                i = self.table(tokens, i)
                continue
            i += 1

    def html(self, tok) -> None:
        from .html import read_html

        start, end = self.lines(tok)
        for b in read_html(tok.content).blocks:
            if b.kind == "heading":
                self.emit("heading", b.text, tok, b.level)
                continue
            # An html block from an included file has the include's line: its own lines don't count.
            line_start = min(end, start + max(0, b.line_start - 1))
            self.blocks.append(Block(b.text, b.kind, self.sections.path, 0, line_start,
                                     min(end, start + max(0, b.line_end - 1)), anchor=b.anchor or self.anchor))

    def table(self, tokens, i: int) -> int:
        headers: list[str] = []
        row: list[str] = []
        row_token = None
        in_head = False
        while i < len(tokens) and tokens[i].type != "table_close":
            tok = tokens[i]
            if tok.type == "thead_open":
                in_head = True
            elif tok.type == "thead_close":
                in_head = False
            elif tok.type == "tr_open":
                row, row_token = [], tok
            elif tok.type == "inline":
                row.append(squash(_inline(tok)))
            elif tok.type == "tr_close":
                if in_head:
                    headers = row
                else:
                    parts = [f"{h} : {c}" if h and h != c else c
                             for h, c in zip(headers + [""] * (len(row) - len(headers)), row, strict=False) if c]
                    self.emit("row", " · ".join(parts), row_token)
            i += 1
        return i + 1
