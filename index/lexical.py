"""BM25 over analysed terms (bm25s), saved and loaded with the index."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np

from .text import LANGUAGES, Analyzer

log = logging.getLogger(__name__)

_NO_TERM = "\x00"  # the analyser only yields letters and digits
# A language with this share of the passages or more stems a question's words too, whatever the question's own.
OTHER_LANGUAGE_SHARE = 0.05
# Typos: a term the corpus lacks, of this many letters or more, scores with the terms one typo away from it
# (at most NEAR_TERMS of them), at this share of a term's weight.
NEAR_MIN_LETTERS = 5
NEAR_TERMS = 2
NEAR_WEIGHT = 0.5


class LexicalIndex:
    """BM25 scores of passages for a question's terms."""

    def __init__(self, bm25, analyzer: Analyzer, size: int) -> None:
        self.bm25 = bm25
        self.analyzer = analyzer
        self.vocab: dict[str, int] = bm25.vocab_dict
        self.size = size  # passages; bm25s holds one stand-in document for an empty corpus
        indptr = np.asarray(bm25.scores["indptr"])
        self._df = np.diff(indptr).astype(np.float32)  # passages holding each term
        self._terms: list[str] | None = None  # the terms typos are matched against, listed at first need
        self._near: dict[str, tuple[int, ...]] = {}

    @classmethod
    def build(cls, texts: list[str], analyzer: Analyzer, languages: Sequence[str | None] = ()) -> LexicalIndex:
        """Index passages' texts, each stemmed in its language (`languages[i]`; the main one when not given)."""
        import bm25s

        languages = list(languages) or [None] * len(texts)
        corpus = [analyzer.terms(t, lang) for t, lang in zip(texts, languages, strict=True)]
        if not any(corpus):
            # bm25s cannot index a corpus without terms: a term no question can contain stands
            # in, so scores stay zero (and `size` keeps the real number of passages).
            corpus = [[_NO_TERM], *corpus[1:]]
        bm25 = bm25s.BM25()
        bm25.index(corpus, show_progress=False)
        return cls(bm25, analyzer, len(texts))

    def save(self, folder: Path) -> None:
        """Write the BM25 matrices into `folder`."""
        self.bm25.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path, analyzer: Analyzer, size: int, mmap: bool = True) -> LexicalIndex:
        """Read what `save` wrote; the matrices are memory-mapped."""
        import bm25s

        return cls(bm25s.BM25.load(str(folder), mmap=mmap), analyzer, size)

    def question_terms(self, question: str, language: str | None = None) -> list[str]:
        """A question's terms: each word stemmed in the question's language and in the index's other ones.

        Of a word's forms, those the corpus holds are kept (an English passage's "configuration" is stemmed
        as English, a French question's "configuration" as French: either may be the one indexed); a word
        with none keeps its form in the question's language, so that it counts as unknown once.
        """
        analyzer = self.analyzer
        first = language if language in LANGUAGES else analyzer.language
        others = [k for k in analyzer.languages if k != first and analyzer.share(k) >= OTHER_LANGUAGE_SHARE]
        out: list[str] = []
        for forms in analyzer.word_terms(question, [first, *others]):
            known = [f for f in forms if f in self.vocab]
            out.extend(known or forms[:1])
        return out

    def term_ids(self, terms: list[str]) -> list[int]:
        """Ids of the terms the corpus knows, without repeats."""
        seen: dict[int, None] = {}
        for t in terms:
            i = self.vocab.get(t)
            if i is not None:
                seen.setdefault(i)
        return list(seen)

    def scores(self, terms: list[str], near: bool | Collection[str] = True) -> np.ndarray:
        """BM25 score of every passage (zeros when no term is known).

        A term the corpus does not hold but that is one typo away from terms it holds (see `near`) scores
        with those, at `NEAR_WEIGHT`: "pasword", "pssword" still find "password". `near` may name the terms that
        may be typos (not a name: "Paris" is no typo of "parti"); `near=False` scores the terms as written.
        """
        out = np.zeros(self.size, dtype=np.float32)
        if self.size == 0:
            return out
        ids = self.term_ids(terms)
        if ids:
            out += np.asarray(self.bm25.get_scores_from_ids(ids), dtype=np.float32)[: self.size]
        if near is not False:
            out += self.typo_scores(terms, terms if near is True else near)
        return out

    def typo_scores(self, terms: list[str], typos: Collection[str]) -> np.ndarray:
        """What `scores` adds for the `typos` among `terms`: the corpus terms one typo away, at `NEAR_WEIGHT`."""
        ids = self.term_ids(terms)
        near = [i for t in dict.fromkeys(typos) for i in self.near(t) if i not in ids]
        if not near or self.size == 0:
            return np.zeros(self.size, dtype=np.float32)
        return NEAR_WEIGHT * np.asarray(self.bm25.get_scores_from_ids(near), dtype=np.float32)[: self.size]

    def near(self, term: str) -> tuple[int, ...]:
        """Ids of the corpus's terms one typo away from a term it does not hold; () for a known or short term.

        A typo is a letter changed, added, left out or swapped with the next. Terms are cut to the
        analyser's prefix, so a left-out letter is found as the cut term's first letters with one added.
        Of several, the `NEAR_TERMS` most frequent (typos are mostly of common words).
        """
        if term in self.vocab or len(term) < NEAR_MIN_LETTERS or not term.isalpha():
            return ()
        found = self._near.get(term)
        if found is None:
            found = self._near[term] = self._find_near(term)
        return found

    def _find_near(self, term: str) -> tuple[int, ...]:
        from rapidfuzz import process
        from rapidfuzz.distance import OSA, Levenshtein

        if self._terms is None:
            self._terms = [t for t in self.vocab if t.isalpha() and len(t) >= NEAR_MIN_LETTERS - 1]
        # The first letter is kept: typos there are rare, and matching it halves the false friends.
        ids = {self.vocab[t] for t, _, _ in process.extract(term, self._terms, scorer=OSA.distance, score_cutoff=1,
                                                           limit=None) if t[0] == term[0]}
        if self.analyzer.prefix and len(term) == self.analyzer.prefix:
            cut = term[:-1]
            ids |= {self.vocab[t] for t, _, _ in process.extract(cut, self._terms, scorer=Levenshtein.distance,
                                                                 score_cutoff=1, limit=None)
                    if len(t) == len(term) and t[0] == term[0]}
        return tuple(sorted(ids, key=lambda i: -self._df[i])[:NEAR_TERMS])

    def idf(self, term: str) -> float:
        """Inverse document frequency of a term over passages; an unknown term gets the highest."""
        i = self.vocab.get(term)
        df = 0.0 if i is None else float(self._df[i])
        return float(np.log(1.0 + (self.size - df + 0.5) / (df + 0.5)))
