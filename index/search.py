"""Hybrid retrieval: dense (FAISS) and lexical (BM25) rankings fused into one."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .embedding import Embedder
from .passages import Passage
from .store import LoadedIndex


@dataclass(frozen=True)
class SearchConfig:
    """How the two rankings are combined, and when a question counts as covered.

    Both scores are scaled by the best score of their own list before they are mixed: BM25
    scores have no fixed range, and the English model's cosines on French text crowd into a
    narrow band, so raw values would let one side drown the other. The defaults were chosen
    on the dev questions and a calibration set of our own (see benchmarks/tune.py).
    """

    lexical_weight: float = 0.7
    candidates: int = 50
    # A question is answered when the best passage holds enough of its (idf-weighted) terms,
    # or when the dense similarity alone is high.
    min_coverage: float = 0.5
    min_dense: float = 0.55


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
    """The ranked passages for a question and the evidence that the documents cover it."""

    question: str
    hits: list[Hit]
    coverage: float
    dense_top: float
    terms: list[str]

    def covered(self, config: SearchConfig) -> bool:
        """Whether the best passages plausibly answer the question."""
        return bool(self.hits) and (self.coverage >= config.min_coverage or self.dense_top >= config.min_dense)


class Searcher:
    """Answers `search(question)` from a loaded index; holds no per-question state."""

    def __init__(self, index: LoadedIndex, embedder: Embedder, config: SearchConfig = SearchConfig()) -> None:
        self.index = index
        self.embedder = embedder
        self.config = config

    def search(self, question: str, limit: int = 10) -> SearchResult:
        """The best `limit` passages for a question, best first."""
        idx = self.index
        n = len(idx.passages)
        terms = idx.analyzer.terms(question)
        if n == 0:
            return SearchResult(question, [], 0.0, 0.0, terms)
        query = self.embedder.embed([question])[0]
        return self.search_vector(question, query, terms, limit)

    def search_vector(self, question: str, query: np.ndarray, terms: list[str], limit: int) -> SearchResult:
        """Search with a question already embedded and analysed."""
        idx = self.index
        n = len(idx.passages)
        c = min(n, max(self.config.candidates, limit))

        _, dense_ids = idx.vectors.search(query.reshape(1, -1).astype(np.float32), c)
        lex_all = idx.lexical.scores(idx.lexical.term_ids(terms))
        lex_ids = np.argpartition(-lex_all, c - 1)[:c] if c < n else np.arange(n)
        lex_ids = lex_ids[lex_all[lex_ids] > 0]
        cand = np.unique(np.concatenate([dense_ids[0][dense_ids[0] >= 0], lex_ids]))

        dense = np.asarray(idx.embeddings[cand] @ query, dtype=np.float32)
        lexical = lex_all[cand]
        fused = self._fuse(dense, lexical)
        order = np.argsort(-fused, kind="stable")[:limit]
        hits = [Hit(idx.passages[int(cand[i])], int(cand[i]), float(fused[i]), float(dense[i]), float(lexical[i]))
                for i in order]
        coverage = max((self.coverage(terms, h.position) for h in hits[:3]), default=0.0)
        return SearchResult(question, hits, coverage, float(dense.max(initial=0.0)), terms)

    def _fuse(self, dense: np.ndarray, lexical: np.ndarray) -> np.ndarray:
        w = self.config.lexical_weight
        top_lex = float(lexical.max(initial=0.0))
        lex = lexical / top_lex if top_lex > 0 else np.zeros_like(lexical)
        top_dense = float(dense.max(initial=0.0))
        den = np.clip(dense, 0.0, None) / top_dense if top_dense > 0 else np.zeros_like(dense)
        return w * lex + (1.0 - w) * den

    def coverage(self, terms: list[str], position: int) -> float:
        """Share of the question's terms (weighted by rarity) found in a passage."""
        unique = list(dict.fromkeys(terms))
        if not unique:
            return 0.0
        lex = self.index.lexical
        weights = [lex.idf(t) for t in unique]
        total = sum(weights)
        found = 0.0
        for t, w in zip(unique, weights):
            i = lex.vocab.get(t)
            if i is not None and lex.contains(i, position):
                found += w
        return found / total if total else 0.0
