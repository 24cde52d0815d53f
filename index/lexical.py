"""BM25 over stemmed terms (bm25s), saved and loaded with the index."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from .text import Analyzer

log = logging.getLogger(__name__)


class LexicalIndex:
    """BM25 scores of passages for a question's terms."""

    def __init__(self, bm25, analyzer: Analyzer) -> None:
        self.bm25 = bm25
        self.analyzer = analyzer
        self.vocab: dict[str, int] = bm25.vocab_dict
        self.size = int(bm25.scores["num_docs"])
        # Document frequency of each term, for the answerability test and sentence scoring.
        indptr = np.asarray(bm25.scores["indptr"])
        self._df = np.diff(indptr).astype(np.float32)

    @classmethod
    def build(cls, texts: list[str], analyzer: Analyzer) -> LexicalIndex:
        """Index passages' texts."""
        import bm25s

        corpus = [analyzer.terms(t) for t in texts]
        bm25 = bm25s.BM25()
        bm25.index(corpus, show_progress=False)
        return cls(bm25, analyzer)

    def save(self, folder: Path) -> None:
        """Write the BM25 matrices into `folder`."""
        self.bm25.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path, analyzer: Analyzer, mmap: bool = True) -> LexicalIndex:
        """Read what `save` wrote; the matrices are memory-mapped."""
        import bm25s

        return cls(bm25s.BM25.load(str(folder), mmap=mmap), analyzer)

    def term_ids(self, terms: list[str]) -> list[int]:
        """Ids of the terms the corpus knows, without repeats."""
        seen: dict[int, None] = {}
        for t in terms:
            i = self.vocab.get(t)
            if i is not None:
                seen.setdefault(i)
        return list(seen)

    def scores(self, term_ids: list[int]) -> np.ndarray:
        """BM25 score of every passage (zeros when no term is known)."""
        if not term_ids or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self.bm25.get_scores_from_ids(term_ids), dtype=np.float32)

    def contains(self, term_id: int, position: int) -> bool:
        """Whether a passage holds a term (read off the BM25 matrix, no re-tokenising)."""
        indptr = self.bm25.scores["indptr"]
        col = self.bm25.scores["indices"][indptr[term_id]:indptr[term_id + 1]]
        i = int(np.searchsorted(col, position))
        return i < len(col) and int(col[i]) == position

    def idf(self, term: str) -> float:
        """Inverse document frequency of a term; an unknown term gets the highest."""
        i = self.vocab.get(term)
        df = 0.0 if i is None else float(self._df[i])
        return float(np.log(1.0 + (self.size - df + 0.5) / (df + 0.5)))
