"""Assemble an answer: the best sentences of the top passages, with [n] markers and citations."""

from __future__ import annotations

from dataclasses import dataclass, field

from .lexical import LexicalIndex
from .passages import Passage
from .search import SearchConfig, SearchResult
from .text import split_sentences

MAX_ANSWER_SENTENCES = 2
MAX_ANSWER_CHARS = 600


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
        return " ".join(f"{s} [{n}]" for s, n in self.sentences)


def _sentence_score(sentence: str, weights: dict[str, float], analyzer) -> float:
    terms = set(analyzer.terms(sentence))
    return sum(w for t, w in weights.items() if t in terms)


def assemble(result: SearchResult, lexical: LexicalIndex, config: SearchConfig, k: int = 3) -> Answer:
    """Turn a search result into an answer citing its top `k` passages."""
    analyzer = lexical.analyzer
    weights = {t: lexical.idf(t) for t in dict.fromkeys(result.terms) if t in lexical.vocab}
    total = sum(weights.values()) or 1.0

    citations: list[Citation] = []
    scored: list[tuple[float, int, int, str]] = []  # (score, citation n, order in passage, sentence)
    for n, hit in enumerate(result.hits[:k], start=1):
        sentences = [s for line in hit.passage.text.split("\n") for s in split_sentences(line)] or [hit.passage.text]
        best, best_score = sentences[0], -1.0
        for j, s in enumerate(sentences):
            sc = _sentence_score(s, weights, analyzer) / total
            if sc > best_score:
                best, best_score = s, sc
            # A small preference for higher-ranked passages breaks ties between equal sentences.
            scored.append((sc * (1.0 - 0.05 * (n - 1)) + hit.score * 0.01, n, j, s))
        citations.append(Citation(n, hit.passage, hit.score, best))
    more = [Citation(n, h.passage, h.score, h.passage.text.split("\n")[0][:200])
            for n, h in enumerate(result.hits[k:], start=k + 1)]

    answered = result.covered(config)
    chosen: list[tuple[str, int]] = []
    if answered and scored:
        scored.sort(key=lambda x: -x[0])
        top = scored[0]
        chosen.append((top[3], top[1]))
        covered_terms = set(analyzer.terms(top[3]))
        for sc, n, _, s in scored[1:]:
            if len(chosen) >= MAX_ANSWER_SENTENCES or sc < 0.5 * top[0] or sc <= 0:
                break
            new = set(analyzer.terms(s)) - covered_terms
            if s not in (c[0] for c in chosen) and new & set(weights) and \
                    sum(len(c[0]) for c in chosen) + len(s) <= MAX_ANSWER_CHARS:
                chosen.append((s, n))
                covered_terms |= new
        if not chosen[0][0].strip():
            chosen = []
    return Answer(result.question, answered, chosen, citations, more)
