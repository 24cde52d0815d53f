"""Assemble an answer: the best sentences of the top passages, with [n] markers and citations."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .lexical import LexicalIndex
from .passages import Passage, SentenceCache
from .search import SearchConfig, SearchResult
from .text import count_words

MAX_ANSWER_SENTENCES = 2
MAX_ANSWER_CHARS = 600
# A document's own footnote calls ("2025[7].", "élevé [12]") would read as our [n] markers.
_FOOTNOTE_CALL = re.compile(r"\s*\[\d+\]")
MIN_SENTENCE_WORDS = 6
FRAGMENT_FACTOR = 0.5
RANK_DISCOUNT = 0.1


@dataclass(frozen=True)
class Citation:
    """A cited passage: number [n], the passage, its score and its best-matching sentence."""

    n: int
    passage: Passage
    score: float
    highlight: str

    def to_dict(self) -> dict:
        """The JSON form of `docbot ask --json`."""
        p = self.passage
        return {"n": self.n, "document": p.document, "title": p.title, "location": p.location,
                "text": p.text, "score": round(self.score, 4), "highlight": self.highlight,
                "heading": p.heading, "date": p.date}


@dataclass(frozen=True)
class Answer:
    """What the bot says to a question."""

    question: str
    answered: bool
    sentences: list[tuple[str, int]]  # (sentence, citation number)
    citations: list[Citation]
    more: list[Citation] = field(default_factory=list)  # the next passages, for "more"

    @property
    def text(self) -> str:
        """The extractive answer with [n] markers ("" when the documents don't cover it)."""
        return " ".join(f"{_FOOTNOTE_CALL.sub('', s)} [{n}]" for s, n in self.sentences)


def _fragment(sentence: str) -> bool:
    return count_words(sentence) < MIN_SENTENCE_WORDS or not sentence.rstrip().endswith(tuple(".!?…»\"”)"))


def assemble(result: SearchResult, lexical: LexicalIndex, config: SearchConfig, k: int = 3,
             sentences: SentenceCache | None = None) -> Answer:
    """Turn a search result into an answer citing its top `k` passages.

    Each sentence of the cited passages is scored by the share of the question's terms it holds
    (weighted by rarity), a little less for lower-ranked passages and for fragments (very short
    or unpunctuated lines: headings, captions). The best sentence answers; a second one joins it when it adds
    question terms the first lacks. `sentences` (the searcher's) saves re-analysing passages
    that were cited before.
    """
    sentences = sentences or SentenceCache(lexical.analyzer, maxsize=0)
    weights = {t: lexical.idf(t) for t in dict.fromkeys(result.terms) if t in lexical.vocab}
    total = sum(weights.values()) or 1.0

    citations: list[Citation] = []
    scored: list[tuple[float, int, str, frozenset[str]]] = []  # (score, citation n, sentence, its terms)
    for n, hit in enumerate(result.hits[:k], start=1):
        best, best_score = "", -1.0
        for sentence, all_terms in sentences.get(hit.position, hit.passage.text):
            terms = all_terms & weights.keys()
            score = sum(weights[t] for t in terms) / total
            if _fragment(sentence):
                score *= FRAGMENT_FACTOR
            if score > best_score:
                best, best_score = sentence, score
            scored.append((score * (1.0 - RANK_DISCOUNT * (n - 1)), n, sentence, terms))
        citations.append(Citation(n, hit.passage, hit.score, best))
    more = [Citation(n, h.passage, h.score, "") for n, h in enumerate(result.hits[k:], start=k + 1)]

    answered = result.covered(config)
    chosen: list[tuple[str, int]] = []
    if answered and scored:
        scored.sort(key=lambda x: -x[0])
        top_score, n, sentence, covered_terms = scored[0]
        chosen.append((sentence, n))
        for score, n, sentence, terms in scored[1:]:
            if len(chosen) >= MAX_ANSWER_SENTENCES or score < 0.5 * top_score or score <= 0:
                break
            if terms - covered_terms and len(chosen[0][0]) + len(sentence) <= MAX_ANSWER_CHARS:
                chosen.append((sentence, n))
                covered_terms |= terms
    return Answer(result.question, answered, chosen, citations, more)
