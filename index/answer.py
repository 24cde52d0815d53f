"""Assemble an answer: the best sentences of the top passages, with [n] markers and citations."""

from __future__ import annotations

import dataclasses
import functools
import re
from dataclasses import dataclass, field
from typing import Literal

from .lexical import LexicalIndex
from .passages import Passage
from .search import SearchResult
from .text import Analyzer, count_words, split_sentences

MAX_ANSWER_SENTENCES = 2
MAX_ANSWER_CHARS = 600
# A document's own footnote calls ("2025[7].", "élevé [12]") would read as our [n] markers.
_FOOTNOTE_CALL = re.compile(r"\s*\[\d+\]")
MIN_SENTENCE_WORDS = 6
FRAGMENT_FACTOR = 0.5
RANK_DISCOUNT = 0.1

Outcome = Literal["answered", "not_covered"]
OUTCOMES: tuple[Outcome, ...] = ("answered", "not_covered")
_PASSAGE_FIELDS = tuple(f.name for f in dataclasses.fields(Passage))


def passage_sentences(text: str) -> list[str]:
    """The sentences of a passage (each line, a heading or a list item, splits on its own)."""
    return [s for line in text.split("\n") for s in split_sentences(line)] or [text]


class SentenceCache:
    """The sentences of passages with their lexical terms, analysed on first use and kept (LRU).

    Answer assembly scores the sentences of each cited passage; the text never changes, so a
    passage is analysed once, not at every question that cites it. A cache belongs to one index
    (passages are keyed by position): it is replaced with it.
    """

    def __init__(self, analyzer: Analyzer, maxsize: int = 8192) -> None:
        self.analyzer = analyzer
        self._get = functools.lru_cache(maxsize=maxsize)(self._analyse) if maxsize else self._analyse

    def get(self, position: int, text: str) -> tuple[tuple[str, frozenset[str]], ...]:
        """(sentence, its terms) for the passage at `position` of the index, whose text is `text`."""
        return self._get(position, text)

    def _analyse(self, position: int, text: str) -> tuple[tuple[str, frozenset[str]], ...]:
        return tuple((s, frozenset(self.analyzer.terms(s))) for s in passage_sentences(text))


@dataclass(frozen=True)
class Citation:
    """A cited passage: number [n], the passage, its score and its best-matching sentence."""

    n: int
    passage: Passage
    score: float
    highlight: str

    def to_dict(self) -> dict:
        """Plain JSON data: what `ask --json` prints and what is stored to show the passage again later."""
        p = self.passage
        shown = {"n": self.n, "document": p.document, "title": p.title, "location": p.location, "text": p.text,
                 "score": round(self.score, 4), "highlight": self.highlight, "heading": p.heading, "date": p.date}
        stored = {k: v for k, v in p.to_dict().items() if k != "block_keys"}  # build bookkeeping, not for readers
        return {**shown, **{k: v for k, v in stored.items() if k not in shown}}

    @classmethod
    def from_dict(cls, data: dict) -> Citation:
        """The citation `to_dict` described (keys it does not know are ignored)."""
        passage = Passage.from_dict({name: data[name] for name in _PASSAGE_FIELDS if name in data})
        return cls(int(data["n"]), passage, float(data["score"]), str(data.get("highlight") or ""))


@dataclass(frozen=True)
class Answer:
    """What the bot says to a question: its outcome, the answer's sentences and the passages behind them.

    `question` is the question as it was understood (cleaned); `more` holds the passages ranked
    after the cited ones, for a "more passages" request.
    """

    question: str
    outcome: Outcome
    sentences: list[tuple[str, int]]  # (sentence, citation number); empty unless answered
    citations: list[Citation]
    more: list[Citation] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {self.outcome!r}")

    @property
    def answered(self) -> bool:
        """Whether the documents answer the question (otherwise only the closest passages are shown)."""
        return self.outcome == "answered"

    @property
    def text(self) -> str:
        """The extractive answer with [n] markers ("" when the documents don't cover it)."""
        return " ".join(f"{_FOOTNOTE_CALL.sub('', s)} [{n}]" for s, n in self.sentences)

    @property
    def top_document(self) -> str | None:
        """The document of the first citation, if any."""
        return self.citations[0].passage.document if self.citations else None


def _fragment(sentence: str) -> bool:
    return count_words(sentence) < MIN_SENTENCE_WORDS or not sentence.rstrip().endswith(tuple(".!?…»\"”)"))


def assemble(result: SearchResult, lexical: LexicalIndex, k: int = 3, sentences: SentenceCache | None = None
             ) -> Answer:
    """Turn a search result into an answer citing its top `k` passages.

    Each sentence of the cited passages is scored by the share of the question's terms it holds
    (weighted by rarity), a little less for lower-ranked passages and for fragments (very short
    or unpunctuated lines: headings, captions). The best sentence answers; a second one joins it when it adds
    question terms the first lacks. The question is answered when the search found it covered and a
    sentence was found. `sentences` (the index's cache) saves re-analysing passages cited before.
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

    chosen: list[tuple[str, int]] = []
    if result.covered and scored:
        scored.sort(key=lambda x: -x[0])
        top_score, n, sentence, covered_terms = scored[0]
        chosen.append((sentence, n))
        for score, n, sentence, terms in scored[1:]:
            if len(chosen) >= MAX_ANSWER_SENTENCES or score < 0.5 * top_score or score <= 0:
                break
            if terms - covered_terms and len(chosen[0][0]) + len(sentence) <= MAX_ANSWER_CHARS:
                chosen.append((sentence, n))
                covered_terms |= terms
    return Answer(result.question, "answered" if chosen else "not_covered", chosen, citations, more)
