"""MkDocs-flavoured Markdown: Python-Markdown's and pymdown-extensions' syntax, made plain before parsing.

MkDocs sites write callouts and tabs that CommonMark reads as indented code or as text lines:
admonitions (`!!! note "Title"`, collapsible `??? tip`), pymdownx.blocks (`/// warning | Titre` ...
`///`), colon-fenced containers of VuePress, Docusaurus and MyST (`::: tip Title` ... `:::`), content
tabs (`=== "Tab"`), snippets (`--8<-- "file"`) and FastAPI-style includes
(`{* ../../src/file.py hl[3] *}`). `prepare` rewrites them: a callout's body is dedented and kept
with its title (the walker labels its first block with it), an included file's lines take its place
when the includer finds it, and the directive is dropped when it does not (its syntax is never text).
Every line of the result remembers the source line it came from, so citations keep their lines.
Heading attribute lists (`# Title { #id }`, `{: .class }`) are read by `split_attributes`.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from .base import squash

# What an includer is asked: a path as written in the directive; it answers the file's text, or None.
Includer = Callable[[str], "str | None"]

_MAX_DEPTH = 4  # snippets that include snippets; a file including itself stops here
_MAX_NESTING = 16  # callouts inside callouts: deeper ones are read as plain lines
_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})")
# `!!! type "Title"`, `??? type`, `???+ "Title"` (pymdownx.details: the type may go when a title is given).
_ADMONITION = re.compile(r"^(\s*)(?:!!!|\?\?\?\+?)[ \t]*(?:([\w-]+)(?:[ \t]+[\w-]+)*)?[ \t]*"
                         r"(?:\"(.*)\"|'(.*)')?[ \t]*$")
# A line that is only a template call of mkdocs-macros (`{{ IDE('x.py') }}`, `{% include ... %}`).
_MACRO_LINE = re.compile(r"^\s*(?:\{\{.*\}\}|\{%.*%\})\s*$")
_MACRO_START = re.compile(r"^\s*(\{\{|\{%)")
_MAX_MACRO_LINES = 30
# Footnote marks and definitions' labels (`[^1]`, `[^note]:`): the footnotes extension's syntax.
_FOOTNOTE = re.compile(r"[ \t]*\[\^[\w-]+\](?::[ \t]?)?")
_TAB = re.compile(r"^(\s*)===[!+]*\s+(?:\"(.*)\"|'(.*)')\s*$")
_BLOCK = re.compile(r"^(\s*)(/{3,})\s*([\w-]+)\s*(?:\|\s*(.*?))?\s*$")
# A container fenced by colons (markdown-it-container: VuePress, VitePress, Docusaurus; MyST's colon fence):
# `::: tip Title`, `:::warning Séparateurs`, `:::note[Title]`, `:::{note} Title`, closed by a line of colons.
_CONTAINER = re.compile(r"^(\s*)(:{3,})[ \t]*(?:\{([\w-]+)\}|([\w-]+))(?:\[(.*)\])?[ \t]*(.*?)[ \t]*$")
_CONTAINER_END = re.compile(r"^\s*(:{3,})\s*$")
_SNIPPET = re.compile(r"^(\s*)-{1,}8<-{1,}\s+(?:\"([^\"]*)\"|'([^']*)')\s*$")
_SNIPPET_BLOCK = re.compile(r"^\s*-{1,}8<-{1,}\s*$")
_SNIPPET_SECTION = re.compile(r"^.*-{1,}8<-{1,}\s*\[(?:start|end):[\w-]+\].*$")
_INCLUDE = re.compile(r"^(\s*)\{\*\s*(\S+)(.*?)\*\}\s*$")
_LINE_RANGES = re.compile(r"\bln\[([^\]]*)\]")
# Python-Markdown's attr_list: `{: #id .class key="value" }`, the colon optional.
_ATTR = r"(?:#[\w:-]+|\.[\w:-]+|[\w:-]+=(?:\"[^\"]*\"|'[^']*'|[^\s}]+))"
_ATTR_BODY = r"\{:?\s*(?:" + _ATTR + r"\s*;?\s*)+\}|\{:\s*\}"
_ATTR_LIST = re.compile(r"\s*(?<!\\)(?:" + _ATTR_BODY + ")")
_TRAILING_ATTR_LIST = re.compile(r"\s*(?<!\\)(?:" + _ATTR_BODY + r")\s*$")
_ID = re.compile(r"(?<![\w.])#([\w:-]+)")
_NO_LABEL_BLOCKS = frozenset({"html", "caption", "define"})
_LANGUAGES = {".py": "python", ".js": "javascript", ".ts": "typescript", ".sh": "bash", ".toml": "toml",
              ".yml": "yaml", ".yaml": "yaml", ".json": "json", ".md": "markdown", ".html": "html"}


@dataclass
class Callout:
    """A callout or tab: its title, the lines [start, end) of the prepared text it covers, its header's line."""

    label: str
    start: int
    end: int
    line: int  # of the source file: where the title is written


@dataclass
class Prepared:
    """Markdown without MkDocs' extensions' syntax, each line with its source line (1-based)."""

    lines: list[str] = field(default_factory=list)
    origin: list[int] = field(default_factory=list)
    callouts: list[Callout] = field(default_factory=list)

    def add(self, line: str, origin: int) -> None:
        """Append one line that came from source line `origin`."""
        self.lines.append(line)
        self.origin.append(origin)


def split_attributes(text: str) -> tuple[str, str | None]:
    """A heading's text without its trailing attribute list, and the id that list gives (or None)."""
    m = _TRAILING_ATTR_LIST.search(text)
    if not m:
        return text, None
    ids = _ID.findall(m.group(0))
    return text[: m.start()].rstrip(), ids[-1] if ids else None


def strip_attributes(text: str) -> str:
    """Text without the attribute lists written after images, links and paragraphs, nor footnote marks."""
    if "{" in text:
        text = _ATTR_LIST.sub("", text)
    return _FOOTNOTE.sub("", text) if "[^" in text else text


def prepare(source: str, first_line: int = 1, include: Includer | None = None) -> Prepared:
    """The Markdown of `source` (whose first line is `first_line` of its file) with MkDocs' syntax resolved."""
    out = Prepared()
    lines = source.split("\n")
    _prepare(lines, list(range(first_line, first_line + len(lines))), out, include, 0)
    return out


def _closers(lines: list[str]) -> dict[str, list[int]]:
    """The lines that may close a block, by what they are (`///`, `////`, `--8<--`), in order."""
    out: dict[str, list[int]] = {}
    for k, line in enumerate(lines):
        text = line.strip()
        if len(text) >= 3 and text.count("/") == len(text):
            out.setdefault(text, []).append(k)
        elif "8<" in text and _SNIPPET_BLOCK.match(line):
            out.setdefault("--8<--", []).append(k)
    return out


def _closing(closers: dict[str, list[int]], key: str, start: int) -> int | None:
    """The first line at or after `start` that closes a block opened with `key`."""
    found = closers.get(key, [])
    k = bisect.bisect_left(found, start)
    return found[k] if k < len(found) else None


def _prepare(lines: list[str], origin: list[int], out: Prepared, include: Includer | None, depth: int,
             nesting: int = 0) -> None:
    fence: tuple[str, int] | None = None  # (marker, length) of the open code fence
    closers = _closers(lines)
    i = 0
    while i < len(lines):
        line, here = lines[i], origin[i]
        m = _FENCE.match(line)
        if fence is not None:
            if m and m.group(2)[0] == fence[0] and len(m.group(2)) >= fence[1] and not line[m.end():].strip():
                fence = None
            elif _SNIPPET.match(line):
                _snippet_raw(line, here, out, include)  # inside code: the file's lines verbatim
                i += 1
                continue
            out.add(line, here)
            i += 1
            continue
        if m:
            fence = (m.group(2)[0], len(m.group(2)))
            out.add(line, here)
            i += 1
            continue
        adm = _ADMONITION.match(line) if nesting < _MAX_NESTING else None
        if adm and adm.group(2) is None and adm.group(3) is None and adm.group(4) is None:
            adm = None  # `!!!` alone: not an admonition
        if adm or (nesting < _MAX_NESTING and (tab := _TAB.match(line))):
            if adm:
                indent, title = adm.group(1), adm.group(3) if adm.group(3) is not None else adm.group(4)
                label = title if title is not None else (adm.group(2) or "").replace("-", " ").capitalize()
            else:
                indent, label = tab.group(1), tab.group(2) if tab.group(2) is not None else tab.group(3)
            j = i + 1
            width = len(indent.expandtabs(4)) + 4
            while j < len(lines) and (not lines[j].strip() or _indent(lines[j]) >= width):
                j += 1
            while j > i + 1 and not lines[j - 1].strip():  # trailing blank lines are the document's
                j -= 1
            body = [_dedent(ln, 4) if ln.strip() else "" for ln in lines[i + 1:j]]
            _callout(label.strip(), body, origin[i + 1:j], here, out, include, depth, nesting + 1)
            i = j
            continue
        if nesting < _MAX_NESTING and (block := _BLOCK.match(line)):
            slashes, kind = block.group(2), block.group(3).lower()
            end = _closing(closers, slashes, i + 1)
            if end is not None:
                j = i + 1
                while j < end and lines[j].strip() and _indent(lines[j]) > _indent(line):
                    j += 1  # the block's options (`type: warning`, `attrs: {...}`), indented under its header
                title = (block.group(4) or "").strip().strip("\"'")
                label = "" if kind in _NO_LABEL_BLOCKS else title or kind.replace("-", " ").capitalize()
                _callout(label, lines[j:end], origin[j:end], here, out, include, depth, nesting + 1)
                i = end + 1
                continue
        if nesting < _MAX_NESTING and line.lstrip().startswith(":::") and (box := _CONTAINER.match(line)):
            end = _container_end(lines, i, len(box.group(2)))
            if end is not None:
                kind = box.group(3) or box.group(4)
                title = (box.group(5) or box.group(6) or "").strip().strip("\"'")
                label = title or kind.replace("-", " ").capitalize()
                if title and not any(ln.strip() for ln in lines[i + 1:end]):
                    out.add("", here)  # `::: tip The whole tip on its header line` with nothing under it: its text
                    out.add(title, here)
                    out.add("", here)
                else:
                    _callout(label, lines[i + 1:end], origin[i + 1:end], here, out, include, depth, nesting + 1)
                i = end + 1
                continue
        if snip := _SNIPPET.match(line):
            _snippet(snip.group(2) if snip.group(2) is not None else snip.group(3), here, out, include, depth)
            i += 1
            continue
        if _SNIPPET_BLOCK.match(line):
            end = _closing(closers, "--8<--", i + 1)
            if end is not None:
                for k in range(i + 1, end):
                    name = lines[k].strip()
                    if name and not name.startswith(";"):
                        _snippet(name, origin[k], out, include, depth)
                i = end + 1
                continue
        if _SNIPPET_SECTION.match(line):
            i += 1
            continue
        if inc := _INCLUDE.match(line):
            _code_include(inc.group(1), inc.group(2), inc.group(3), here, out, include)
            i += 1
            continue
        if _MACRO_LINE.match(line):
            out.add("", here)  # the macro's output is not in the source: its call is not text
            i += 1
            continue
        if start := _MACRO_START.match(line):
            close = "}}" if start.group(1) == "{{" else "%}"
            end = next((k for k in range(i + 1, min(len(lines), i + _MAX_MACRO_LINES))
                        if lines[k].rstrip().endswith(close)), None)
            if end is not None:  # a call written over several lines
                for k in range(i, end + 1):
                    out.add("", origin[k])
                i = end + 1
                continue
        if line.strip().startswith("{:") and _ATTR_LIST.fullmatch(line.strip()):
            out.add("", here)  # a block's attribute list on a line of its own
            i += 1
            continue
        out.add(line, here)
        i += 1


def _container_end(lines: list[str], start: int, width: int) -> int | None:
    """The line closing the colon-fenced container opened at `start` with `width` colons, or None.

    Containers nest: an inner one opened with as many colons closes first; code fences hide their lines.
    """
    depth, fence = 0, None
    for k in range(start + 1, len(lines)):
        line = lines[k]
        if (m := _FENCE.match(line)) is not None:
            if fence is None:
                fence = (m.group(2)[0], len(m.group(2)))
            elif m.group(2)[0] == fence[0] and len(m.group(2)) >= fence[1] and not line[m.end():].strip():
                fence = None
            continue
        if fence is not None or ":::" not in line:
            continue
        if (end := _CONTAINER_END.match(line)) is not None:
            if depth == 0 and len(end.group(1)) >= width:
                return k
            depth = max(0, depth - 1)
        elif (inner := _CONTAINER.match(line)) is not None and len(inner.group(2)) <= width:
            depth += 1
    return None


def _indent(line: str) -> int:
    return len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())


def _dedent(line: str, width: int) -> str:
    line = line.expandtabs(4)
    return line[min(width, _indent(line)):]


def _callout(label: str, body: list[str], origin: list[int], here: int, out: Prepared,
             include: Includer | None, depth: int, nesting: int) -> None:
    out.add("", here)  # the header line: a blank, so the body starts a block of its own
    start = len(out.lines)
    _prepare(body, origin, out, include, depth, nesting)
    out.add("", origin[-1] if origin else here)
    label = _plain_label(label)
    if label:
        out.callouts.append(Callout(label, start, len(out.lines), here))


def _plain_label(label: str) -> str:
    """A callout's title as read: without HTML tags, link targets or emphasis marks (`<a href="x">API</a>`)."""
    label = re.sub(r"<[^<>]*>", "", label)
    label = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", label)
    label = re.sub(r"(\*\*|__|`)(.+?)\1", r"\2", label)
    return squash(label)


def _fetch(name: str, include: Includer | None) -> tuple[str, list[str]] | None:
    """The lines of a snippet `file`, `file:3:6` (lines) or `file:name` (a marked section), or None."""
    if include is None or not name or "://" in name:
        return None
    path, _, selector = name.partition(":")
    if selector and re.fullmatch(r"[A-Za-z]", path):  # a Windows drive, not a selector
        path, selector = name, ""
    text = include(path)
    if text is None:
        return None
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines and not lines[-1]:
        lines.pop()
    if selector:
        nums = selector.split(":")
        if all(n.isdigit() or n == "" for n in nums):
            start = int(nums[0]) - 1 if nums[0] else 0
            end = int(nums[1]) if len(nums) > 1 and nums[1] else len(lines)
            lines = lines[max(0, start):end]
        else:
            mark = re.compile(rf"-8<-+\s*\[(?:start|end):{re.escape(selector)}\]")
            marks = [k for k, ln in enumerate(lines) if mark.search(ln)]
            if len(marks) < 2:
                return None
            lines = lines[marks[0] + 1:marks[1]]
    return path, [ln for ln in lines if not _SNIPPET_SECTION.match(ln)]


def _snippet(name: str, here: int, out: Prepared, include: Includer | None, depth: int) -> None:
    found = _fetch(name, include) if depth < _MAX_DEPTH else None
    if found is None:
        return  # not in the documents folder: the directive is dropped, never quoted
    out.add("", here)
    _prepare(found[1], [here] * len(found[1]), out, include, depth + 1)
    out.add("", here)


def _snippet_raw(line: str, here: int, out: Prepared, include: Includer | None) -> None:
    m = _SNIPPET.match(line)
    found = _fetch(m.group(2) if m.group(2) is not None else m.group(3), include)
    for text in found[1] if found else ():
        out.add(m.group(1) + text if text else "", here)


def _code_include(indent: str, name: str, args: str, here: int, out: Prepared, include: Includer | None) -> None:
    found = _fetch(name, include)
    if found is None:
        return
    lines = found[1]
    ranges = _LINE_RANGES.search(args)
    if ranges:
        keep: list[str] = []
        for part in ranges.group(1).split(","):  # "1:5", "8", "10:" (FastAPI's ln[...] line ranges)
            m = re.fullmatch(r"\s*(\d*)\s*(:?)\s*(\d*)\s*", part)
            if not m or not (m.group(1) or m.group(3)):
                continue
            first = int(m.group(1) or 1)
            last = int(m.group(3)) if m.group(3) else (len(lines) if m.group(2) else first)
            keep.extend(lines[first - 1:last])
        lines = keep or lines
    fence = "`" * max(3, 1 + max((len(r) for ln in lines for r in re.findall(r"`+", ln)), default=0))
    out.add("", here)
    out.add(indent + fence + _LANGUAGES.get(PurePosixPath(found[0]).suffix.lower(), ""), here)
    for text in lines:
        out.add(indent + text if text else "", here)
    out.add(indent + fence, here)
    out.add("", here)
