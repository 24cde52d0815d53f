"""Hybrid retrieval: dense (FAISS) and lexical (BM25) rankings fused into one, and answerability."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .embedding import Embedder
from .passages import Passage
from .store import LoadedIndex

# The dense baseline of a question is its median similarity over a fixed sample of passages:
# enough for a stable median, cheap at any corpus size.
BASELINE_SAMPLE = 2048


@dataclass(frozen=True)
class SearchConfig:
    """How the two rankings are combined, and when the documents count as covering a question.

    Fusion: each list's scores are divided by the list's best score, then mixed. BM25 scores
    have no fixed range, and the English model's cosines on French text crowd into a narrow
    band, so raw values would let one side drown the other; plain reciprocal-rank fusion gives
    the weak dense list as much say as BM25 and drags it down.

    Answerability: the evidence is how far the best passage stands out from a typical one in
    dense similarity (best minus median), plus a share of the best BM25 score relative to what
    the question's terms could score at most. Cross-language questions (English asked of
    documents in another language) get lower similarities throughout, so they have their own
    threshold. The defaults were chosen on the dev questions and a calibration set of our own
    (benchmarks/tune_retrieval.py prints the figures).

    Follow-ups: a question asked after others is searched together with the last of them (its
    words weigh `history_weight` of the question's own in BM25), so "and where did he dine?"
    finds the passages of the person asked about before; the evidence still comes from the
    question's own words, so a follow-up the documents don't cover is declined.
    """

    lexical_weight: float = 0.5
    candidates: int = 50
    lexical_evidence_weight: float = 0.25
    min_evidence: float = 0.185
    min_evidence_cross_language: float = 0.14
    history_weight: float = 0.5

    def covers(self, evidence: float, cross_language: bool) -> bool:
        """Whether this much evidence makes a question covered (given passages were found)."""
        return evidence >= (self.min_evidence_cross_language if cross_language else self.min_evidence)


@dataclass(frozen=True)
class Hit:
    """A passage found for a question, with its fused and component scores."""

    passage: Passage
    position: int
    score: float
    dense: float
    lexical: float


@dataclass(frozen=True)
class SearchResult:
    """The ranked passages for a question, the evidence that the documents cover it, and the verdict."""

    question: str
    hits: list[Hit]
    terms: list[str]  # the question's own lexical terms (not those of earlier questions)
    evidence: float
    cross_language: bool
    covered: bool  # whether the best passages plausibly answer the question


class Searcher:
    """Answers `search(question)` from a loaded index; holds no per-question state."""

    def __init__(self, index: LoadedIndex, embedder: Embedder, config: SearchConfig = SearchConfig()) -> None:
        self.index = index
        self.embedder = embedder
        self.config = config
        n = len(index.passages)
        rng = np.random.default_rng(0)
        sample = np.sort(rng.choice(n, size=BASELINE_SAMPLE, replace=False)) if n > BASELINE_SAMPLE else np.arange(n)
        # Copied once at load so the per-question baseline reads contiguous memory.
        self._baseline_vectors = np.ascontiguousarray(index.embeddings[sample], dtype=np.float32)

    def search(self, question: str, limit: int = 10, history: Sequence[str] = ()) -> SearchResult:
        """The best `limit` passages for a question, best first; `history` holds earlier questions, newest last."""
        analyzer = self.index.analyzer
        terms = analyzer.terms(question)
        cross = analyzer.is_english(question)
        if not self.index.passages:
            return SearchResult(question, [], terms, 0.0, cross, False)
        if not history:
            query = self.embedder.embed([question], query=True)[0]
            return self.search_vector(question, query, terms, limit, cross)
        context = history[-1]
        own = set(terms)
        context_terms = [t for t in analyzer.terms(context) if t not in own]
        alone, together = self.embedder.embed([question, f"{question} {context}"], query=True)
        return self.search_vector(question, together, terms, limit, cross, context_terms, alone)

    def search_vector(self, question: str, query: np.ndarray, terms: list[str], limit: int,
                      cross_language: bool = False, context_terms: Sequence[str] = (),
                      own_query: np.ndarray | None = None) -> SearchResult:
        """Search with a question already embedded and analysed.

        With earlier questions, `query` embeds the question with them and `context_terms` are their
        terms (ranking uses both); `own_query` embeds the question alone (the evidence uses it).
        """
        idx = self.index
        n = len(idx.passages)
        if n == 0:
            return SearchResult(question, [], terms, 0.0, cross_language, False)
        c = min(n, max(self.config.candidates, limit))
        query = np.ascontiguousarray(query, dtype=np.float32)

        _, dense_ids = idx.vectors.search(query.reshape(1, -1), c)
        own_lex = idx.lexical.scores(terms)
        lex_all = own_lex
        if context_terms:
            lex_all = own_lex + self.config.history_weight * idx.lexical.scores(list(context_terms))
        lex_ids = np.argpartition(-lex_all, c - 1)[:c] if c < n else np.arange(n)
        lex_ids = lex_ids[lex_all[lex_ids] > 0]
        cand = np.unique(np.concatenate([dense_ids[0][dense_ids[0] >= 0], lex_ids]))

        dense = np.asarray(idx.embeddings[cand] @ query, dtype=np.float32)
        lexical = lex_all[cand]
        w = self.config.lexical_weight
        fused = w * _scaled(lexical) + (1.0 - w) * _scaled(dense)
        order = np.argsort(-fused, kind="stable")[:limit]
        hits = [Hit(idx.passages[int(cand[i])], int(cand[i]), float(fused[i]), float(dense[i]), float(lexical[i]))
                for i in order]
        if own_query is None:
            evidence = self._evidence(query, dense, own_lex[cand], terms)
        else:
            own_query = np.ascontiguousarray(own_query, dtype=np.float32)
            own_dense = np.asarray(idx.embeddings[cand] @ own_query, dtype=np.float32)
            evidence = self._evidence(own_query, own_dense, own_lex[cand], terms)
        covered = bool(hits) and self.config.covers(evidence, cross_language)
        return SearchResult(question, hits, terms, evidence, cross_language, covered)

    def _evidence(self, query: np.ndarray, dense: np.ndarray, lexical: np.ndarray, terms: list[str]) -> float:
        baseline = float(np.median(self._baseline_vectors @ query))
        dense_gap = float(dense.max(initial=baseline)) - baseline
        lex = self.index.lexical
        ceiling = sum(lex.idf(t) for t in dict.fromkeys(terms))
        lexical_share = float(lexical.max(initial=0.0)) / ceiling if ceiling > 0 else 0.0
        return dense_gap + self.config.lexical_evidence_weight * lexical_share


def _scaled(x: np.ndarray) -> np.ndarray:
    """Scores divided by the best of the list (negatives count as zero)."""
    x = np.clip(x, 0.0, None)
    top = float(x.max(initial=0.0))
    return x / top if top > 0 else np.zeros_like(x)
