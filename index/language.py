"""Which language a text is in: each passage's at build time (py3langid), each question's at search time.

Measured against the hand-written guesser of function words (`text.guess_language`) and lingua on the 2 495
passages of the dev real corpus, the second real corpus and the shipped articles (December 2026, shared 2-core
machine): on the 45 passages where the detectors disagree (code, tables, half-translated pages), labelled by
hand, py3langid is right on 31, lingua on 28 (high accuracy) or 23 (low), the guesser on 21; taking the
document's language for a passage py3langid is unsure of (below `PASSAGE_CONFIDENCE`) makes it 35.
py3langid costs about 2 ms a passage, lingua 4 to 8 ms. Questions are full of function words ("comment",
"what"): on 243 questions of the dev sets the guesser and py3langid are both right on every one, so
questions keep the guesser, which costs nothing to load (py3langid's model takes 2 to 4 s).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache

from .text import LANGUAGES, guess_language

log = logging.getLogger(__name__)

# Below this probability a passage takes its document's language: a table of key names, a line of
# shell or a list of TeX macros says little about the language its document is written in.
PASSAGE_CONFIDENCE = 0.7
AUTO = "auto"


@cache
def _identifier():
    try:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier
    except ImportError as exc:  # a dependency: only a broken install lacks it
        raise ImportError("language detection needs py3langid: pip install py3langid") from exc
    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(sorted(LANGUAGES))
    return ident


def detect(text: str, among: Iterable[str] | None = None) -> tuple[str, float]:
    """The most likely language of `text` (among `among`, default every supported one) and its probability."""
    allowed = set(among) if among is not None else None
    ranked = _identifier().rank(text)
    if allowed is not None:
        ranked = [(lang, p) for lang, p in ranked if lang in allowed] or [(sorted(allowed)[0], 0.0)]
        total = sum(p for _, p in ranked) or 1.0
        return ranked[0][0], float(ranked[0][1]) / total
    return ranked[0][0], float(ranked[0][1])


def passage_languages(texts: Sequence[str], documents: Sequence[str],
                      known: Sequence[str | None] = ()) -> list[str]:
    """The language of each passage; one py3langid is unsure of takes its document's (the most text's).

    `documents` names each passage's document; `known[i]`, when given and not None, is passage i's language
    already (from the previous index), left as it is.
    """
    known = list(known) or [None] * len(texts)
    found: list[tuple[str, float]] = [(k, 1.0) if k else detect(t) for t, k in zip(texts, known, strict=True)]
    by_document: dict[str, Counter] = {}
    for (lang, _), text, doc in zip(found, texts, documents, strict=True):
        by_document.setdefault(doc, Counter())[lang] += len(text)
    main = {doc: c.most_common(1)[0][0] for doc, c in by_document.items()}
    return [lang if p >= PASSAGE_CONFIDENCE else main[doc] for (lang, p), doc in zip(found, documents, strict=True)]


def main_language(counts: dict[str, int], default: str = "en") -> str:
    """The language most passages are in (`default` for an empty index)."""
    return max(counts, key=lambda lang: (counts[lang], lang == default)) if counts else default


def question_language(question: str, languages: Sequence[str]) -> str:
    """A question's language among `languages` (the index's, main first), English and French; the first if unsure."""
    return guess_language(question, tuple(dict.fromkeys([*languages, "en", "fr"])))
