"""Render answers and index listings as Discord embeds that stay inside Discord's limits.

Lengths are measured in UTF-16 code units, which is never less than the character count
discord.py checks: a text full of emoji fits whichever way Discord counts it.
Document text is escaped (markdown and mentions) so a passage can't restyle or break the embed.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import urllib.parse
from collections.abc import Sequence

import discord
from discord.utils import escape_markdown, escape_mentions

from index import Answer, BuildSummary, Citation, LoadedIndex

from .i18n import also_in, t

log = logging.getLogger(__name__)

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_LIMIT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
TOTAL_LIMIT = 6000
EMBEDS_LIMIT = 10
MESSAGE_LIMIT = 2000

# A longer URL is left out rather than eat into an embed's 6000 characters.
LINK_LIMIT = 512

ELLIPSIS = "…"
# Room kept for each citation when the answer text is long, so citations are never squeezed out.
_FIELD_RESERVE = 320
_MIN_FIELD_VALUE = 80

COLOUR_ANSWERED = discord.Colour.green()
COLOUR_CLOSEST = discord.Colour.orange()
COLOUR_MORE = discord.Colour.blurple()

_SPACE = re.compile(r"\s")


def size(text: str) -> int:
    """The length of `text` in UTF-16 code units (characters outside the BMP count twice)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _prefix(text: str, budget: int) -> str:
    """The longest prefix of `text` of at most `budget` UTF-16 units."""
    if size(text[:budget]) == min(budget, len(text)):  # no astral characters there: units are characters
        return text[:budget]
    units = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > budget:
            return text[:i]
    return text


def shorten(text: str, limit: int) -> str:
    """`text` cut to `limit` UTF-16 units at a word boundary, ending with an ellipsis when cut."""
    if size(text) <= limit:
        return text
    if limit <= 0:
        return ""
    cut = _prefix(text, limit - 1)
    # Back up to the last space unless that throws away more than half (one very long "word").
    space = max((m.start() for m in _SPACE.finditer(cut)), default=-1)
    if space > len(cut) // 2:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def shorten_left(text: str, limit: int) -> str:
    """`text` cut from the left to `limit` UTF-16 units at a word boundary, starting with an ellipsis."""
    if size(text) <= limit:
        return text
    if limit <= 0:
        return ""
    reversed_cut = _prefix(text[::-1], limit - 1)
    cut = reversed_cut[::-1]
    space = min((m.start() for m in _SPACE.finditer(cut)), default=len(cut))
    if space < len(cut) // 2:
        cut = cut[space:]
    return ELLIPSIS + cut.lstrip()


def escape(text: str) -> str:
    """Document or user text made inert: markdown escaped, @everyone/@here/user/role mentions defused."""
    return escape_mentions(escape_markdown(text))


def flat(text: str) -> str:
    """`text` on one line with single spaces (passages keep their line breaks; an excerpt does not)."""
    return " ".join(text.split())


def fit(raw: str, limit: int, *, left: bool = False) -> str:
    """`raw` escaped and cut (at its end, or its start with `left`) to at most `limit` UTF-16 units."""
    if limit <= 0:
        return ""
    budget = limit
    cut = shorten_left if left else shorten
    while True:
        out = escape(cut(raw, budget))
        over = size(out) - limit
        if over <= 0:
            return out
        # Escaping only adds characters, so a smaller raw budget always helps; scale it by the
        # overshoot (escaping can double the length) and always make progress.
        budget = min(budget - 1, budget * limit // size(out))


def excerpt(text: str, highlight: str, limit: int) -> str:
    """The passage text, escaped, with its best sentence in bold, in at most `limit` UTF-16 units.

    When it is too long, the window keeps the highlighted sentence and as much context on
    each side as fits.
    """
    text, highlight = flat(text), flat(highlight)
    at = text.find(highlight) if highlight else -1
    if at < 0 or limit < 16:
        return fit(text, limit)
    before, after = text[:at], text[at + len(highlight):]
    whole = f"{escape(before)}**{escape(highlight)}**{escape(after)}"
    if size(whole) <= limit:
        return whole
    bold = fit(highlight, limit - 4)
    rest = limit - 4 - size(bold)
    before_e, after_e = escape(before), escape(after)
    # Share the room left between the two sides; a side that needs less gives the rest to the other.
    want_before = min(size(before_e), rest // 2)
    want_after = min(size(after_e), rest - want_before)
    want_before = min(size(before_e), rest - want_after)
    # The cuts keep the spaces next to the highlight: shorten_left strips only the far end, shorten too.
    head = fit(before, want_before, left=True) if before else ""
    tail = fit(after, want_after) if after else ""
    return f"{head}**{bold}**{tail}"


def embed_size(embed: discord.Embed) -> int:
    """What an embed counts against Discord's 6000-character total, in UTF-16 units."""
    parts = [embed.title or "", embed.description or "", embed.footer.text or "", embed.author.name or ""]
    for f in embed.fields:
        parts += [f.name or "", f.value or ""]
    return sum(size(p) for p in parts)


def _citation_field(c: Citation, budget: int, lang: str = "en") -> tuple[str, str]:
    """(name, value) of the field citing `c`, together at most `budget` units."""
    p = c.passage
    prefix = f"[{c.n}] "
    name_limit = min(FIELD_NAME_LIMIT, max(budget // 4, 24))
    name = prefix + fit(flat(p.title) or p.document, name_limit - len(prefix))
    link = citation_link(c)
    meta_parts = [p.location] + ([p.date] if p.date else []) + ([] if link else [p.document])
    meta = "_" + fit(" · ".join(flat(m) for m in meta_parts), 160) + "_"
    if link:  # a field's name can't hold a link: the document's name in its first line opens it
        meta += " · " + masked_link(fit(flat(p.document), 120), link)
    if p.also_in:
        meta += "\n-# " + fit(also_in(c, lang), 160)
    room = min(FIELD_VALUE_LIMIT, budget - size(name)) - size(meta) - 3  # "\n> "
    if room < _MIN_FIELD_VALUE // 2:
        value = fit(flat(p.text), min(FIELD_VALUE_LIMIT, budget - size(name)))
    else:
        value = f"{meta}\n> {excerpt(p.text, c.highlight, room)}"
    return name, value or "\u2014"  # Discord rejects an empty field value


def safe_link(url: object) -> str | None:
    """`url` if it is fit to open from a Discord message: http(s), no spaces or controls, not too long; else None.

    Parentheses are percent-encoded, so the link can't end early inside markdown's `[text](url)`.
    """
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not url or len(url) > LINK_LIMIT or any(ch.isspace() or ord(ch) < 32 or ch in '<>"\\' for ch in url):
        return None
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url.replace("(", "%28").replace(")", "%29")


def citation_link(c: Citation) -> str | None:
    """Where a cited passage can be read: its document's `url` (metadata.json), at the passage's anchor or lines.

    None without a usable url.
    """
    url = safe_link(c.passage.url)
    return (safe_link(c.passage.link) or url) if url else None


def masked_link(text: str, url: str) -> str:
    """A markdown link to `url` (a safe_link) showing `text` (already escaped), whose brackets can't close it early."""
    label = text.replace("\\[", "(").replace("\\]", ")").replace("[", "(").replace("]", ")")
    return f"[{label}]({url})"


def _citations_embed(title: str, description: str, citations: Sequence[Citation], footer: str,
                     colour: discord.Colour, lang: str = "en") -> discord.Embed:
    """One embed: title and description (raw text, escaped here), a field per citation, a plain footer."""
    cites = list(citations)[:FIELD_LIMIT]
    title = fit(flat(title), TITLE_LIMIT)
    footer = shorten(flat(footer), FOOTER_LIMIT)
    reserve = len(cites) * min(_FIELD_RESERVE, (TOTAL_LIMIT - 2000) // max(1, len(cites)))
    description = fit(description, min(DESCRIPTION_LIMIT, TOTAL_LIMIT - size(title) - size(footer) - reserve))
    embed = discord.Embed(title=title or None, description=description or None, colour=colour)
    remaining = TOTAL_LIMIT - size(title) - size(description) - size(footer)
    for i, c in enumerate(cites):
        budget = min(FIELD_NAME_LIMIT + FIELD_VALUE_LIMIT, remaining // (len(cites) - i))
        name, value = _citation_field(c, budget, lang)
        embed.add_field(name=name, value=value, inline=False)
        remaining -= size(name) + size(value)
    if footer:
        embed.set_footer(text=footer)
    return embed


def _shorten_markdown(text: str, limit: int) -> str:
    """Cut already-escaped text without leaving a dangling backslash that would escape the ellipsis."""
    cut = shorten(text, limit)
    body = cut[:-1] if cut.endswith(ELLIPSIS) else cut
    trailing = len(body) - len(body.rstrip("\\"))
    if trailing % 2:
        body = body[:-1]
    return body + (ELLIPSIS if cut.endswith(ELLIPSIS) else "")


def answer_embeds(answer: Answer, lang: str) -> list[discord.Embed]:
    """The embeds answering a question: the extractive answer with [n] markers, then its citations."""
    if answer.answered:
        description = answer.text
        footer, colour = t("footer_answered", lang), COLOUR_ANSWERED
    else:
        description = t("not_covered", lang) if answer.citations else t("no_passages", lang)
        footer, colour = t("footer_closest", lang), COLOUR_CLOSEST
    return [_citations_embed(answer.question, description, answer.citations, footer, colour, lang)]


def more_embeds(question: str, citations: Sequence[Citation], lang: str) -> list[discord.Embed]:
    """The embeds listing the next passages for a question ("More passages")."""
    description = shorten(flat(question), 300)
    if not citations:
        description += "\n\n" + t("no_more", lang)
    return [_citations_embed(t("more_title", lang), description, citations, "", COLOUR_MORE, lang)]


def _passages(n: int, lang: str) -> str:
    return t("passage_count_one", lang) if n == 1 else t("passage_count", lang, n=n)


def _document_listing(header: str, lines: Sequence[str], lang: str) -> str:
    """A header, then one line per document while they fit in an embed's description; the rest are counted."""
    out = [header, ""]
    used = size(header) + 2
    if not lines:
        out.append(t("sources_empty", lang))
    reserve = size(t("sources_more", lang, n=len(lines))) + 1
    for i, line in enumerate(lines):
        if used + size(line) + 1 + (reserve if i < len(lines) - 1 else 0) > DESCRIPTION_LIMIT:
            out.append(t("sources_more", lang, n=len(lines) - i))
            break
        out.append(line)
        used += size(line) + 1
    return "\n".join(out)


def sources_embeds(index: LoadedIndex, lang: str) -> list[discord.Embed]:
    """The embed listing the indexed documents (title, passages, date, link) and when the index was built."""
    m = index.manifest
    ts = int(m.built_at)
    # <t:…> renders in each reader's own time zone and language.
    header = t("sources_built", lang, when=f"<t:{ts}:f> (<t:{ts}:R>)", model=m.model.replace("`", "'"),
               documents=m.documents, passages=m.passages)
    lines = []
    for d in index.documents:
        date = f" · {escape(d.date)}" if d.date else ""
        title = fit(flat(d.title) or d.path, 200)
        link = safe_link(getattr(d, "url", None))
        lines.append(f"**{masked_link(title, link) if link else title}**{date}: {_passages(d.count, lang)}")
    embed = discord.Embed(title=t("sources_title", lang), description=_document_listing(header, lines, lang),
                          colour=COLOUR_MORE, timestamp=dt.datetime.fromtimestamp(m.built_at, tz=dt.timezone.utc))
    embed.set_footer(text=t("sources_footer", lang))
    return [embed]


def reindex_message(summary: BuildSummary, lang: str) -> str:
    """The reply to /reindex: what was added, updated, removed and skipped (within a message's 2000)."""
    key = "reindex_done" if summary.written else "reindex_same"
    text = t(key, lang, added=len(summary.added), updated=len(summary.updated), removed=len(summary.removed),
             skipped=len(summary.skipped), unchanged=len(summary.unchanged), passages=summary.passages)
    lines = [text]
    if summary.skipped:  # first: why a file is missing matters more than the list of names
        skipped = ", ".join(f"{s.path} ({s.reason})" for s in summary.skipped)
        lines.append(t("reindex_skipped", lang, files=fit(skipped, 600)))
    for sign, paths in (("+", summary.added), ("~", summary.updated), ("−", summary.removed)):
        if paths:
            lines.append(f"{sign} {fit(', '.join(paths), 350)}")
    return _shorten_markdown("\n".join(lines), MESSAGE_LIMIT)


# Plain text, for channels where the bot may not embed --------------------------------------------------

_BLOCK_START = re.compile(r"^(?:#{1,3}\s|-#\s|>|[-*+]\s|\d+[.)]\s)")


def _inert_line(text: str) -> str:
    """An escaped line that can't start a heading, list or quote (escape_markdown leaves line starts alone)."""
    return "\\" + text if _BLOCK_START.match(text) else text


def answer_text(answer: Answer, lang: str, limit: int = MESSAGE_LIMIT) -> str:
    """The answer as one plain message of at most `limit` UTF-16 units, every citation kept (no Embed Links).

    Discord hides a bot's embeds in a channel where it lacks Embed Links; this is the same answer as
    markdown text: the question, the answer with its [n] markers, then each citation and an excerpt.
    """
    if answer.answered:
        body, footer = answer.text, t("footer_answered", lang)
    else:
        body = t("not_covered", lang) if answer.citations else t("no_passages", lang)
        footer = t("footer_closest", lang)
    title = f"**{fit(flat(answer.question), 200)}**"
    footer_line = f"-# {fit(flat(footer), 200)}"
    cites = list(answer.citations)[:FIELD_LIMIT]
    # Each citation's line shares what is left after the title and footer, keeping room for the answer.
    head_room = (limit - size(title) - size(footer_line) - 240) // max(1, len(cites)) // 2
    heads = []
    for c in cites:
        p = c.passage
        meta = " · ".join(flat(m) for m in [p.location, *([p.date] if p.date else []), p.document,
                                            *([also_in(c, lang)] if p.also_in else [])])
        name = fit(flat(p.title) or p.document, max(8, min(100, head_room * 2 // 5)))
        heads.append(f"**\\[{c.n}\\]** {name} — _{fit(meta, max(8, min(120, head_room // 2)))}_")
    # Lines: title, body, "", then head and "> excerpt" per citation, "", footer; newlines count too.
    fixed = size(title) + size(footer_line) + sum(size(h) for h in heads) + 4 + 4 * len(cites)
    room = max(0, limit - fixed)
    # The answer takes what it needs, leaving each excerpt 200 units (at least half the room for them all).
    body_room = room if not cites else min(size(escape(flat(body))) + 1, max(room - 200 * len(cites), room // 2))
    body_line = _inert_line(fit(flat(body), max(0, body_room - 1)))
    per_cite = (room - size(body_line)) // len(cites) if cites else 0
    lines = [title, body_line, ""]
    for c, head in zip(cites, heads, strict=True):
        lines.append(head)
        quoted = excerpt(c.passage.text, c.highlight, per_cite) if per_cite >= 16 else ""
        if quoted:
            lines.append(f"> {quoted}")
    lines += ["", footer_line]
    return _shorten_markdown("\n".join(lines), limit)


def documents_embeds(index: LoadedIndex, lang: str) -> list[discord.Embed]:
    """The embed listing each document's file name (what /documents remove takes), title, passages and link."""
    m = index.manifest
    header = t("sources_built", lang, when=f"<t:{int(m.built_at)}:R>", model=m.model.replace("`", "'"),
               documents=m.documents, passages=m.passages)
    lines = []
    for d in index.documents:
        name = "`" + shorten(flat(d.path).replace("`", "'"), 120) + "`"
        title = fit(flat(d.title), 150) if d.title and d.title != d.path else ""
        link = safe_link(getattr(d, "url", None))
        shown = masked_link(title or fit(d.path, 150), link) if link else title
        lines.append(f"{name}{' — ' + shown if shown else ''} · {_passages(d.count, lang)}")
    embed = discord.Embed(title=t("documents_title", lang), description=_document_listing(header, lines, lang),
                          colour=COLOUR_MORE)
    embed.set_footer(text=t("documents_footer", lang))
    return [embed]
