"""A page's furniture: lines that frame the content (ratings, sharing, contact, comments) rather than hold it.

Recognised in any text without editing the documents: a line is furniture when it matches the generic
patterns of such lines (per language, in data/<lang>/furniture.txt, plus ratings "4.6/5 (30)" and e-mail
addresses), when it recurs across a source's documents, or when it comes after a comment count ("5
commentaires") that opens the readers' comments. Search ranks a passage down by the share of it that is
furniture, unless the question asks about it (a rating, the author).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from .passages import Passage
from .sentences import phrase_pattern
from .text import fold

# A line this long is content even when it names a newsletter.
MAX_WORDS = 40
# A rating ("4.6/5 (30)") stands in a short line; in a long one, "4/5" is a fraction of something.
RATING_MAX_WORDS = 12
# A line recurring in this many documents (and this share of them) is the source's furniture.
RECUR_DOCUMENTS = 3
RECUR_SHARE = 0.2
RECUR_MIN_WORDS = 4

_RATING = re.compile(r"(?<![\w.,])\d(?:[.,]\d{1,2})?\s*/\s*(?:5|10|20)(?![\w.,/])|★|☆")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|\[email[\s\u00a0]protected\]", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")


@functools.cache
def _patterns() -> dict[str, re.Pattern]:
    from importlib import resources

    words: dict[str, list[str]] = {}
    data = resources.files(__package__).joinpath("data")
    for folder in sorted(data.iterdir(), key=lambda f: f.name):
        path = folder.joinpath("furniture.txt")
        if not folder.is_dir() or not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#") and ":" in line:
                role, _, phrases = line.partition(":")
                words.setdefault(role.strip(), []).extend(fold(p.strip().lower()) for p in phrases.split("|")
                                                           if p.strip())
    out = {role: re.compile(phrase_pattern(phrases)) for role, phrases in words.items()}
    if "comments" in words:
        out["comments"] = re.compile(r"^\s*\d+\s+" + phrase_pattern(words["comments"]) + r"\s*$")
    return out


def furniture_line(line: str) -> bool:
    """Whether one line reads as a page's furniture by its own words (a rating, a share, a contact line)."""
    text = fold(" ".join(line.split()).lower())
    words = len(text.split())
    if not text or words > 2 * MAX_WORDS:
        return False
    if (words <= RATING_MAX_WORDS and _RATING.search(text)) or _EMAIL.search(line):
        return True  # "Ça vous a plu ? 4.6/5 (30)"; an author's bio ends with their address
    p = _patterns()
    return words <= MAX_WORDS and "line" in p and bool(p["line"].search(text))


def asks_about_furniture(question: str) -> bool:
    """Whether a question asks about what furniture says (readers' rating, the author, comments)."""
    p = _patterns()
    return "asks" in p and bool(p["asks"].search(fold(" ".join(question.split()).lower())))


def _key(line: str) -> str:
    return _DIGITS.sub("#", fold(" ".join(line.split()).lower()))


def furniture_shares(passages: Sequence[Passage]) -> list[float]:
    """For each passage, the share of its text (in characters) that is furniture (0-1)."""
    lines = [[ln for ln in p.text.split("\n") if ln.strip()] for p in passages]
    documents = len({p.document for p in passages})
    seen: dict[str, set[str]] = {}
    for p, own in zip(passages, lines, strict=True):
        for ln in own:
            if len(ln.split()) >= RECUR_MIN_WORDS:
                seen.setdefault(_key(ln), set()).add(p.document)
    recurring = {k for k, docs in seen.items()
                 if len(docs) >= RECUR_DOCUMENTS and len(docs) >= RECUR_SHARE * documents}
    comments_re = _patterns().get("comments")
    # Readers' comments: every line of a document after its comment count.
    order = sorted(range(len(passages)), key=lambda i: (passages[i].document, passages[i].line_start or 0))
    in_comments: set[str] = set()
    shares = [0.0] * len(passages)
    for i in order:
        doc = passages[i].document
        total = furniture = 0
        for ln in lines[i]:
            n = len(ln)
            total += n
            if doc not in in_comments and comments_re is not None and comments_re.search(fold(ln.lower())):
                in_comments.add(doc)
            if doc in in_comments or furniture_line(ln) or _key(ln) in recurring:
                furniture += n
        shares[i] = furniture / total if total else 0.0
    return shares


__all__ = ["asks_about_furniture", "furniture_line", "furniture_shares"]
