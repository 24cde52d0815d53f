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
import unicodedata
from collections.abc import Sequence

from .passages import Passage
from .sentences import phrase_pattern

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


def _fold(text: str) -> str:
    """Lower case without accents, fast (every line of every passage goes through it at load)."""
    return unicodedata.normalize("NFKD", " ".join(text.lower().split())).encode("ascii", "ignore").decode()


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
                words.setdefault(role.strip(), []).extend(_fold(p.strip()) for p in phrases.split("|")
                                                           if p.strip())
    out = {role: re.compile(phrase_pattern(phrases)) for role, phrases in words.items()}
    if "comments" in words:
        out["comments"] = re.compile(r"^\s*\d+\s+" + phrase_pattern(words["comments"]) + r"\s*$")
    return out


def furniture_line(line: str) -> bool:
    """Whether one line reads as a page's furniture by its own words (a rating, a share, a contact line)."""
    text = _fold(line)
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
    return "asks" in p and bool(p["asks"].search(_fold(question)))


class Furniture:
    """The furniture of an index's passages.

    What recurs across documents and what follows a comment count is found at load (one cheap pass over
    the lines); each passage's own lines are read when it is first a candidate of a search.
    """

    def __init__(self, passages: Sequence[Passage]) -> None:
        self.passages = passages
        documents = len({p.document for p in passages})
        seen: dict[int, set[str]] = {}
        for p in passages:
            for ln in p.text.split("\n"):
                if ln.count(" ") >= RECUR_MIN_WORDS - 1:
                    seen.setdefault(hash(ln.strip()), set()).add(p.document)
        self.recurring = {k for k, docs in seen.items()
                          if len(docs) >= RECUR_DOCUMENTS and len(docs) >= RECUR_SHARE * documents}
        # Readers' comments: every passage of a document after the one holding its comment count.
        comments_re = _patterns().get("comments")
        order = sorted(range(len(passages)), key=lambda i: (passages[i].document, passages[i].line_start or 0))
        self.comments: dict[int, int] = {}  # passage -> index of its first comment line (0: all of it)
        opened: set[str] = set()
        for i in order:
            doc = passages[i].document
            if doc in opened:
                self.comments[i] = 0
                continue
            if comments_re is None:
                continue
            for j, ln in enumerate(passages[i].text.split("\n")):
                if ln.lstrip()[:1].isdigit() and comments_re.search(_fold(ln)):
                    self.comments[i] = j
                    opened.add(doc)
                    break
        self._shares: dict[int, float] = {}

    def share(self, position: int) -> float:
        """The share of a passage's text (in characters) that is furniture (0-1)."""
        found = self._shares.get(position)
        if found is None:
            lines = self.passages[position].text.split("\n")
            start = self.comments.get(position, len(lines))
            total = furniture = 0
            for j, ln in enumerate(lines):
                n = len(ln.strip())
                total += n
                if n and (j >= start or hash(ln.strip()) in self.recurring or furniture_line(ln)):
                    furniture += n
            found = self._shares[position] = furniture / total if total else 0.0
        return found

def furniture_shares(passages: Sequence[Passage]) -> list[float]:
    """For each passage, the share of its text (in characters) that is furniture (0-1)."""
    f = Furniture(passages)
    return [f.share(i) for i in range(len(passages))]


__all__ = ["Furniture", "asks_about_furniture", "furniture_line", "furniture_shares"]
