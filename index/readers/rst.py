"""reStructuredText (.rst): parsed by docutils, so a Sphinx project's sources read as its pages do.

docutils gives the document tree: sections, lists, definition and field lists, tables, literal blocks,
admonitions. Sphinx adds roles (`:ref:`, `:func:`...) and directives (`toctree`, `code-block`,
`versionadded`, domain objects...) that docutils alone does not know; rather than quoting them as markup,
each unknown name met in the file is given a plain meaning for the time of the parse: a role shows its
text (`:ref:`Install <install>`` reads "Install"), a directive keeps its content (code as code, a
signature as a definition, a titled block as a callout) or nothing when it only steers the build
(`toctree`, `index`, `autoclass`...). `include` and `literalinclude` read through the includer the
caller gives (files of the documents folder only), cited at the directive's line; without it, or for a
file it does not find, they are dropped. docutils itself reads no file.
"""

from __future__ import annotations

import io
import re
import threading

from .base import Block, ReadError, Reading, Sections, give_lead, squash
from .mkdocs import Includer

# Directives that steer the build or pull other files in: nothing of theirs is text.
_SKIP = frozenset({
    "toctree", "index", "highlight", "currentmodule", "module", "sectionauthor", "moduleauthor",
    "codeauthor", "tabularcolumns", "autosummary", "graphviz", "graph", "digraph", "inheritance-diagram", "plot",
    "program", "default-domain", "testsetup", "testcleanup", "bibliography", "only-html", "jinja", "raw",
    "meta", "image", "figure-md", "mermaid", "uml", "kroki", "youtube", "video", "iframe",
    "contents", "sectnum", "footer", "header", "spelling:word-list", "exec",
})
# Directives whose content is verbatim text.
_LITERAL = frozenset({"code-block", "sourcecode", "doctest", "testcode", "testoutput", "productionlist", "prompt",
                      "console", "ipython", "jupyter-execute", "highlight-block", "code-cell"})
_VERSION = {"versionadded": "New in version", "versionchanged": "Changed in version",
            "deprecated": "Deprecated since version", "versionremoved": "Removed in version"}
_LABELLED = {"seealso": "See also", "todo": "Todo"}
_CONDITIONAL = frozenset({"only", "ifconfig", "container", "tabs", "grid", "hlist", "centered-content"})
_SIGNATURES = frozenset({"function", "class", "method", "attribute", "data", "exception", "decorator", "describe",
                         "object", "option", "envvar", "cmdoption", "confval", "staticmethod", "classmethod",
                         "property", "type", "member", "macro", "var", "struct", "enum", "enumerator"})
_CODE_ROLES = frozenset({"func", "meth", "class", "attr", "mod", "obj", "data", "const", "exc", "command",
                         "program", "option", "envvar", "file", "samp", "kbd", "code", "makevar", "regexp",
                         "token", "keyword", "type", "member", "macro", "var", "struct", "enum", "confval"})
_ROLE = re.compile(r"(?<![\w`]):((?:[A-Za-z0-9]+[-._+:])*[A-Za-z0-9]+):`")
_DIRECTIVE = re.compile(r"^\s*\.\.\s+((?:[A-Za-z0-9]+[-._+:])*[A-Za-z0-9]+)\s*::", re.MULTILINE)
_SUBSTITUTION = re.compile(r"^\|([^|\s](?:[^|]*[^|\s])?)\|_{0,2}$")
_TARGET = re.compile(r"^(.*?)\s*<[^<>]+>$", re.DOTALL)
_ADMONITIONS = {"attention": "Attention", "caution": "Caution", "danger": "Danger", "error": "Error",
                "hint": "Hint", "important": "Important", "note": "Note", "tip": "Tip", "warning": "Warning"}
_ROMAN = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
          (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]
# docutils keeps its roles and directives in module-level tables: the names given for one parse are
# taken out after it, and two parses never overlap.
_REGISTRY_LOCK = threading.Lock()


_MAX_INCLUDE_DEPTH = 4


def read_rst(source: str, include: Includer | None = None) -> Reading:
    """The blocks of a reStructuredText file and its title (the first section's).

    `include` finds the files that `include` and `literalinclude` name; without it they are dropped.
    """
    from docutils.core import publish_doctree
    from docutils.parsers.rst import directives, roles

    settings = {
        "report_level": 5, "halt_level": 5, "warning_stream": io.StringIO(), "file_insertion_enabled": False,
        "raw_enabled": False, "_disable_config": True, "doctitle_xform": False, "sectsubtitle_xform": False,
        "docinfo_xform": False, "syntax_highlight": "none", "input_encoding": "unicode", "line_length_limit": 100_000,
    }
    with _REGISTRY_LOCK:
        saved_directives, saved_roles = dict(directives._directives), dict(roles._roles)
        try:
            for name in set(_DIRECTIVE.findall(source)):
                if not _known_directive(name):
                    directives.register_directive(name, _generic_directive())
            for name in set(_ROLE.findall(source)):
                if not _known_role(name):
                    roles.register_local_role(name, _generic_role)
            directives.register_directive("include", _include_directive(include, literal=False))
            directives.register_directive("literalinclude", _include_directive(include, literal=True))
            document = publish_doctree(source, settings_overrides=settings)
        except Exception as exc:  # noqa: BLE001 - docutils raises many kinds on malformed input
            raise ReadError(f"reStructuredText could not be parsed ({type(exc).__name__})") from exc
        finally:
            directives._directives.clear()
            directives._directives.update(saved_directives)
            roles._roles.clear()
            roles._roles.update(saved_roles)
    walker = _Walker(source)
    walker.children(document)
    walker.flush_label()
    return Reading(title=walker.first_title, blocks=walker.blocks)


def _known_directive(name: str) -> bool:
    from docutils.parsers.rst import directives
    from docutils.parsers.rst.languages import en

    key = name.lower()
    return key in directives._directives or key in directives._directive_registry or key in en.directives


def _known_role(name: str) -> bool:
    from docutils.parsers.rst import roles
    from docutils.parsers.rst.languages import en

    key = name.lower()
    return key in roles._roles or key in roles._role_registry or key in en.roles


def _generic_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """A role docutils does not know, shown as its text: the title of a `Title <target>` reference."""
    from docutils import nodes, utils

    text = utils.unescape(text)
    m = _TARGET.match(text)
    if m and m.group(1).strip():
        text = m.group(1)
    elif text.startswith("~"):  # Sphinx: show the last part of a dotted name
        text = text[1:].rsplit(".", 1)[-1]
    text = text.lstrip("!")
    role = name.lower().rsplit(":", 1)[-1]
    node = nodes.literal if role in _CODE_ROLES else nodes.inline
    return [node(rawtext, text)], []


class _AnyOptions(dict):
    """Every option a directive docutils does not know may be given: its value is kept as written."""

    def __missing__(self, key):
        from docutils.parsers.rst import directives

        return directives.unchanged


def _generic_directive():
    from docutils import nodes
    from docutils.parsers.rst import Directive

    class Generic(Directive):
        """A directive docutils does not know (Sphinx's and extensions'): its text kept, its syntax not."""

        has_content = True
        required_arguments = 0
        optional_arguments = 1
        final_argument_whitespace = True
        option_spec = _AnyOptions(_=None)

        def run(self):
            name = self.name.lower()
            short = name.rsplit(":", 1)[-1]
            argument = " ".join(self.arguments).strip()
            if name in _SKIP or short in _SKIP or short.startswith("auto") or short.endswith("module"):
                return []
            if short in _LITERAL:
                text = "\n".join(self.content)
                return [nodes.literal_block(text, text)] if text.strip() else []
            body = nodes.container()
            if self.content:
                self.state.nested_parse(self.content, self.content_offset, body)
            if short in _VERSION:
                version, rest = (argument.split(None, 1) + ["", ""])[:2]
                label = f"{_VERSION[short]} {version}".strip()
                if rest.strip():
                    para = nodes.paragraph(rest, rest)
                    para.line = self.lineno
                    body.insert(0, para)
                return [_callout(label, body, self.lineno)]
            if short in _LABELLED:
                return [_callout(_LABELLED[short], body, self.lineno)]
            if ":" in name or short in _SIGNATURES:
                if not argument:
                    return body.children
                item = nodes.definition_list_item("", nodes.term(argument, argument), nodes.definition("", *body))
                item.line = self.lineno
                return [nodes.definition_list("", item)]
            if short in _CONDITIONAL or not argument:
                return body.children
            if not self.content:
                para = nodes.paragraph(argument, argument)
                para.line = self.lineno
                return [para]
            return [_callout(argument, body, self.lineno)]

    return Generic


def _include_directive(include: Includer | None, literal: bool):
    """`include` (or Sphinx's `literalinclude`, or `include` with :literal:), read through the includer."""
    from docutils import nodes
    from docutils.parsers.rst import Directive
    from docutils.statemachine import StringList

    depth = [0]

    class Include(Directive):
        """A file of the documents folder, inserted where the directive stands."""

        required_arguments = 1
        final_argument_whitespace = True
        option_spec = _AnyOptions(_=None)

        def run(self):
            name = self.arguments[0].strip()
            if include is None or name.startswith("<") or depth[0] >= _MAX_INCLUDE_DEPTH:
                return []
            text = include(name.lstrip("/"))  # "/x.rst": from the project's folder (Sphinx's source root)
            if text is None:
                return []
            lines = _select(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), self.options)
            if literal or "literal" in self.options or "code" in self.options:
                body = "\n".join(lines).strip("\n")
                node = nodes.literal_block(body, body)
                node.line = self.lineno
                return [node] if body.strip() else []
            container = nodes.container()
            depth[0] += 1
            try:
                self.state.nested_parse(StringList(lines, "include"), self.content_offset, container,
                                        match_titles=True)
            finally:
                depth[0] -= 1
            for node in container.findall(nodes.Element):
                node.line = self.lineno
                node["included"] = True
            return container.children

    return Include


def _select(lines: list[str], options: dict) -> list[str]:
    """The lines an include keeps: :start-line:/:end-line:, :start-after:/:end-before:, :lines: 1,3-5."""
    def number(key: str) -> int | None:
        value = str(options.get(key) or "").strip()
        return int(value) if value.lstrip("-").isdigit() else None

    start, end = number("start-line"), number("end-line")
    lines = lines[start or 0:end]
    after, before = options.get("start-after"), options.get("end-before")
    if after:
        k = next((i for i, ln in enumerate(lines) if str(after) in ln), None)
        lines = lines[k + 1:] if k is not None else lines
    if before:
        k = next((i for i, ln in enumerate(lines) if str(before) in ln), None)
        lines = lines[:k] if k is not None else lines
    spec = str(options.get("lines") or "").strip()
    if spec:
        keep: list[str] = []
        for part in spec.split(","):
            a, _, b = part.strip().partition("-")
            if a.isdigit() or b.isdigit():
                first = int(a) if a.isdigit() else 1
                last = int(b) if b.isdigit() else (len(lines) if "-" in part else first)
                keep.extend(lines[first - 1:last])
        lines = keep or lines
    return lines


def _callout(label: str, body, line: int):
    from docutils import nodes

    node = nodes.admonition("", nodes.title(label, label), *body.children)
    node.line = line
    return node


class _Walker:
    def __init__(self, source: str) -> None:
        self.lines = source.split("\n")
        self.blocks: list[Block] = []
        self.sections = Sections()
        self.depth = 0
        self.first_title: str | None = None
        self.anchor: str | None = None
        self.label: str | None = None  # a callout's title, for its first block
        self.label_line = 0

    # -- lines

    def locate(self, node, text: str) -> tuple[int, int]:
        """The source lines of a block: docutils' line for the node, checked against the file's text."""
        guess = _line(node)
        if not guess:
            return 0, 0
        words = re.findall(r"\w+", text)
        first = words[0] if words else ""
        start = guess
        if first:
            for delta in (0, -1, 1, -2, 2, -3, 3):
                k = guess + delta
                if 1 <= k <= len(self.lines) and first in self.lines[k - 1]:
                    start = k
                    break
        return start, start + text.count("\n")

    # -- emitting

    def emit(self, kind: str, text: str, node, level: int = 0, keep_lines: bool = False,
             probe: str | None = None) -> None:
        start, end = self.locate(node, probe if probe is not None else text.strip("\n"))
        text = text.strip("\n").rstrip() if keep_lines else squash(text)
        if not text:
            return
        if kind != "heading" and self.label is not None:
            label, self.label = self.label, None
            if kind in ("paragraph", "item", "definition"):
                text = f"{label} : {text}"
            else:
                self.blocks.append(Block(label, "paragraph", self.sections.path, 0, start, start, anchor=self.anchor))
        if kind == "heading":
            self.flush_label()
        section = self.sections.enter(level, text) if kind == "heading" else self.sections.path
        self.blocks.append(Block(text, kind, section, level, start, max(start, end), anchor=self.anchor))

    def flush_label(self) -> None:
        if self.label is not None:  # a callout with nothing but its title
            self.blocks.append(Block(self.label, "paragraph", self.sections.path, 0, self.label_line,
                                     self.label_line, anchor=self.anchor))
            self.label = None

    # -- structure

    def children(self, node) -> None:
        for child in node.children:
            self.visit(child)

    def visit(self, node) -> None:
        from docutils import nodes

        if isinstance(node, (nodes.system_message, nodes.comment, nodes.target, nodes.substitution_definition,
                             nodes.raw, nodes.pending, nodes.transition, nodes.image, nodes.problematic,
                             nodes.Invisible)) and not isinstance(node, nodes.section):
            return
        if isinstance(node, nodes.section):
            title = next((c for c in node.children if isinstance(c, nodes.title)), None)
            self.depth += 1
            ids = node.get("ids") or []
            self.anchor = ids[0] if ids else self.anchor
            if title is not None:
                text = squash(_inline(title))
                if self.first_title is None and text:
                    self.first_title = text
                self.emit("heading", text, title, level=min(6, self.depth))
            for child in node.children:
                if child is not title:
                    self.visit(child)
            self.depth -= 1
        elif isinstance(node, nodes.title):
            self.emit("caption", _inline(node), node)
        elif isinstance(node, nodes.paragraph):
            self.emit("paragraph", _inline(node), node)
        elif isinstance(node, (nodes.literal_block, nodes.doctest_block, nodes.math_block)):
            self.emit("code", node.astext(), node, keep_lines=True)
        elif isinstance(node, nodes.line_block):
            self.emit("paragraph", " ".join(_inline(line) for line in node.findall(nodes.line)), node)
        elif isinstance(node, (nodes.bullet_list, nodes.enumerated_list)):
            self.list(node)
        elif isinstance(node, nodes.definition_list):
            for item in node.children:
                term = " ".join(squash(_inline(c)) for c in item.children if isinstance(c, (nodes.term,
                                                                                            nodes.classifier)))
                definition = next((c for c in item.children if isinstance(c, nodes.definition)), None)
                self.described(term, definition, item)
        elif isinstance(node, nodes.field_list):
            for field in node.children:
                name = next((squash(_inline(c)) for c in field.children if isinstance(c, nodes.field_name)), "")
                body = next((c for c in field.children if isinstance(c, nodes.field_body)), None)
                self.described(name, body, field)
        elif isinstance(node, nodes.option_list):
            for item in node.children:
                group = next((c for c in item.children if isinstance(c, nodes.option_group)), None)
                desc = next((c for c in item.children if isinstance(c, nodes.description)), None)
                self.described(squash(group.astext()) if group is not None else "", desc, item)
        elif isinstance(node, nodes.table):
            self.table(node)
        elif isinstance(node, nodes.topic) and "contents" in node.get("classes", []):
            return
        elif isinstance(node, nodes.Admonition):
            self.callout(node)
        elif isinstance(node, (nodes.caption, nodes.rubric)):
            self.emit("caption", _inline(node), node)
        elif isinstance(node, (nodes.footnote, nodes.citation)):
            for child in node.children:
                if not isinstance(child, nodes.label):
                    self.visit(child)
        elif isinstance(node, nodes.Element):
            self.children(node)

    def callout(self, node) -> None:
        from docutils import nodes

        title = next((c for c in node.children if isinstance(c, nodes.title)), None)
        label = squash(_inline(title)) if title is not None else _ADMONITIONS.get(node.tagname, "")
        self.flush_label()
        if label:
            self.label, self.label_line = label, _line(node)
        for child in node.children:
            if child is not title:
                self.visit(child)
        self.flush_label()

    def list(self, node) -> None:
        from docutils import nodes

        enumerated = isinstance(node, nodes.enumerated_list)
        number = int(node.get("start", 1)) if enumerated else 0
        for item in node.children:
            marker = ""
            if enumerated:
                marker = f"{node.get('prefix', '')}{_enumerator(number, node.get('enumtype', 'arabic'))}" \
                         f"{node.get('suffix', '.')} "
                number += 1
            first = item.children[0] if item.children else None
            if isinstance(first, nodes.paragraph):
                self.emit("item", marker + _inline(first), first)
                rest = item.children[1:]
            else:
                rest = item.children
            for child in rest:
                self.visit(child)

    def described(self, term: str, body, node) -> None:
        """A term and its description ("term : first paragraph"); the rest of the description after it."""
        from docutils import nodes

        children = list(body.children) if body is not None else []
        start = len(self.blocks)
        if children and isinstance(children[0], nodes.paragraph):
            first = children.pop(0)
            self.emit("definition", f"{term} : {_inline(first)}" if term else _inline(first), first)
        elif term:
            self.emit("definition", term, node)
        for child in children:
            self.visit(child)
        give_lead(self.blocks, start, term)

    def table(self, node) -> None:
        from docutils import nodes

        title = next((c for c in node.children if isinstance(c, nodes.title)), None)
        if title is not None:
            self.emit("caption", _inline(title), title)
        for group in node.findall(nodes.tgroup):
            headers: list[str] = []
            for part in group.children:
                if not isinstance(part, (nodes.thead, nodes.tbody)):
                    continue
                for row in part.children:
                    cells: list[str] = []
                    for entry in row.children:
                        text = squash(" ".join(_inline(p) for p in entry.findall(nodes.TextElement)
                                               if not isinstance(p.parent, nodes.TextElement)))
                        cells.extend([text] * (1 + int(entry.get("morecols", 0))))
                    if isinstance(part, nodes.thead):
                        headers = [" ".join(p for p in (old, new) if p)
                                   for old, new in zip(headers or [""] * len(cells), cells, strict=False)]
                        continue
                    parts = [f"{h} : {c}" if h and h != c else c
                             for h, c in zip(headers + [""] * (len(cells) - len(headers)), cells, strict=False) if c]
                    first = next(iter(row.findall(nodes.paragraph)), row)
                    self.emit("row", " · ".join(parts), first, probe=next((c for c in cells if c), ""))


def _line(node) -> int:
    from docutils import nodes

    line = getattr(node, "line", None)
    if line is None:
        for child in node.findall(nodes.Element):
            if getattr(child, "line", None):
                return child.line
        return 0
    if isinstance(node, nodes.title) and line > 1 and not node.get("included"):
        return line - 1  # docutils gives a section title the line of its underline
    return line


def _inline(node) -> str:
    """The text of an inline tree, without the markup docutils could not read (nor its messages)."""
    from docutils import nodes

    out: list[str] = []

    def walk(n) -> None:
        for child in n.children:
            if isinstance(child, nodes.Text):
                out.append(str(child))
            elif isinstance(child, nodes.problematic) and _SUBSTITUTION.match(child.astext()):
                # A substitution defined elsewhere (a Sphinx project's rst_epilog): its name says what it is.
                out.append(_SUBSTITUTION.match(child.astext()).group(1))
            elif isinstance(child, (nodes.problematic, nodes.system_message, nodes.footnote_reference,
                                    nodes.citation_reference, nodes.substitution_reference, nodes.raw,
                                    nodes.image, nodes.comment)):
                continue
            elif isinstance(child, nodes.Element):
                walk(child)

    walk(node)
    return "".join(out)


def _enumerator(n: int, kind: str) -> str:
    if kind in ("loweralpha", "upperalpha") and 1 <= n <= 26:
        letter = chr(ord("a") + n - 1)
        return letter.upper() if kind == "upperalpha" else letter
    if kind in ("lowerroman", "upperroman") and n > 0:
        out, rest = "", n
        for value, digits in _ROMAN:
            while rest >= value:
                out, rest = out + digits, rest - value
        return out.upper() if kind == "upperroman" else out
    return str(n)
