"""A question's words translated into the corpus's other language, for BM25: a bilingual word lexicon.

BM25 matches no word across languages: a French question about an English manual ("fusionner une
branche") shares no term with the passage that answers it ("merge a branch"). For a question asked across
languages (the searcher decides: fewer than half of the passages in its language), the lexicon
(`data/<a>-<b>.tsv.gz`: a word, its translation and how many senses give it, a line each) translates each
content word of the question that no passage in its own language holds into each other language of the
index, and BM25 scores the passages with those terms at a reduced weight (`SearchConfig.translation_weight`).
Both sides are stemmed as the index stems them, so "branches" meets "branche" and "merging" meets "merge".
Translations only help to rank: the evidence that the documents cover a question stays that of its own words.
A long question's focus (what it asks, index/search.py `question_focus`) is translated once more and weighs
`focus_weight` more, as its own words do: measured (December 2026), English long questions about the French
Markdown docs R@3 .50 -> 1.00 (n=2; that set's English .50 -> .67), every other set unchanged.
Measured and dropped (benchmarks/cross_language.py, the 52 questions asked across languages, R@3 39/52): the
translation weight 0.25-1.0, one or five senses a word and two or five terms a stem, the senses of a word pooled
(max, mean) rather than summed, the terms the corpus holds chosen first, translating words a few passages in the
question's own language hold, the earlier question's words translated for a follow-up, and the question
translated word by word given to a dense model (to e5: worse; to MiniLM for a French question about an English
manual: MRR up, R@3 even, one fact lost). The misses left are mostly of the signals: slang no dictionary maps.

Measured on the dev sets (December 2026, all sets scored, only these move): English questions about French
documents gain (R@3 of the shipped articles' everyday set .70 -> .90, of the Debian guides' .60 -> .80, their
fact .40 -> .60); one everyday English answer loses its fact (.40 -> .30); which questions are answered does
not change (the evidence is judged on the ranking without translations). Over the 49 questions asked across
languages, the right passage is in the top 3 for .67 -> .74, in the top 10 for .76 -> .82. The French questions
about the English git manual do not move: they are slang ("qui a touché à chaque ligne") for jargon ("blame")
that no dictionary maps. WOLF is a wordnet built automatically and its translations are noisy: a word's three
most given translations only, three terms a stem at most, no stem under three letters, and words are looked
up by their whole stem ("bread" is not "breadth", although both are the term "bread"). FreeDict's
dictionaries (GPL, so not shipped) did worse in the same place.

The shipped French-English lexicon is derived from WOLF (Wordnet Libre du Français; CeCILL-C) joined to
Princeton WordNet 3.0: see data/fr-en.NOTICE and benchmarks/bilingual_lexicon.py, which writes it.
"""

from __future__ import annotations

import gzip
import logging
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from .language import question_language
from .lexical import OTHER_LANGUAGE_SHARE, LexicalIndex
from .text import Analyzer, fold, lookup_key, uncut

log = logging.getLogger(__name__)

# Translations of a word used, most given first: a word has few common senses, and the rest are noise.
# A stem stands for several words (utiliser, utilisateur): it is translated into at most PER_STEM terms,
# those of the most given translations.
PER_WORD = 3
PER_STEM = 3
# A language of the index is translated into when it holds at least this share of the passages.
TARGET_SHARE = OTHER_LANGUAGE_SHARE
# Words are looked up by their first letters (folded): Snowball keeps them ("dating" -> "date").
KEY_LETTERS = 3
MIN_LETTERS = 3  # shorter stems are function words and abbreviations: their translations are noise
FOUND_LIMIT = 100_000  # stems whose translations are remembered


class Lexicon:
    """Word translations between languages, looked up by stem as an index's analyser stems them.

    Lines are kept as read and words stemmed when first looked up, not at load: of a lexicon's tens of
    thousands of words a question needs a handful. A stem is looked for among the words sharing its first
    `KEY_LETTERS` letters.
    """

    def __init__(self) -> None:
        # (source language, target language) -> first letters -> lines "word_a TAB word_b [TAB count]"
        self._lines: dict[tuple[str, str], dict[str, list[str]]] = {}
        self._reversed: set[tuple[str, str]] = set()  # pairs whose lines read target first
        self._found: dict[tuple, tuple[str, ...]] = {}

    @classmethod
    def read(cls, *paths: Path | str) -> Lexicon:
        """A lexicon of these files (see `load`)."""
        lexicon = cls()
        for path in paths:
            lexicon.load(path)
        return lexicon

    def load(self, path: Path | str) -> None:
        """Add a lexicon file: `word_a TAB word_b [TAB count]` a line, gzipped when named .gz.

        The languages are the file's name: `fr-en.tsv.gz` pairs French words (first) with English ones.
        """
        path = Path(path)
        a, _, b = path.name.split(".")[0].partition("-")
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as f:
            self.add(a, b, f.read().splitlines())

    def add(self, a: str, b: str, lines: Iterable[str]) -> None:
        """Add `word_a TAB word_b [TAB count]` lines translating language `a` into `b` and back."""
        forward = self._lines.setdefault((a, b), {})
        backward = self._lines.setdefault((b, a), {})
        self._reversed.add((b, a))
        for line in lines:
            fields = line.split("\t", 2)
            if len(fields) < 2 or not fields[0] or not fields[1]:
                continue
            # One string for both directions: the lexicon is kept as read.
            forward.setdefault(lookup_key(fields[0], KEY_LETTERS), []).append(line)
            backward.setdefault(lookup_key(fields[1], KEY_LETTERS), []).append(line)

    @property
    def pairs(self) -> set[tuple[str, str]]:
        """The (source, target) language pairs it translates."""
        return set(self._lines)

    def translate(self, analyzer: Analyzer, stem: str, source: str, target: str) -> tuple[str, ...]:
        """The target-language terms translating the source words of this Snowball stem, most given first.

        `stem` is whole (not cut to the analyser's prefix: "bread" is not "breadth"); the translations are
        terms as `analyzer` makes them, `PER_STEM` at most.
        """
        # What a stem translates into depends on how the analyser stems (its prefix) and what it drops.
        key = (analyzer.prefix, analyzer.languages, stem, source, target)
        found = self._found.get(key)
        if found is None:
            if len(self._found) >= FOUND_LIMIT:
                self._found.clear()
            found = self._found[key] = self._translate(analyzer, stem, source, target)
        return found

    def _translate(self, analyzer: Analyzer, stem: str, source: str, target: str) -> tuple[str, ...]:
        options: dict[str, list[tuple[int, str]]] = {}
        backward = (source, target) in self._reversed
        for line in self._lines.get((source, target), {}).get(stem[:KEY_LETTERS], ()):
            fields = line.split("\t")
            word, other = (fields[1], fields[0]) if backward else (fields[0], fields[1])
            options.setdefault(word, []).append((int(fields[2]) if len(fields) > 2 else 1, other))
        whole = uncut(analyzer)
        best: dict[str, int] = {}
        for word, ranked in options.items():
            # Snowball changes a word's end only: its first letters are checked before it is stemmed.
            if not fold(word).startswith(stem[:-1]) or whole.terms(word, source) != [stem]:
                continue
            for count, other in sorted(ranked, key=lambda x: -x[0])[:PER_WORD]:
                for term in analyzer.terms(other, target):
                    best[term] = max(best.get(term, 0), count)
        return tuple(sorted(best, key=lambda t: -best[t])[:PER_STEM])


@cache
def shipped() -> Lexicon:
    """The lexicons shipped in index/data (`<a>-<b>.tsv.gz`), read once."""
    data = resources.files(__package__).joinpath("data")
    lexicon = Lexicon()
    for entry in sorted(data.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".tsv.gz") and "-" in entry.name:
            with resources.as_file(entry) as path:
                lexicon.load(path)
    return lexicon


def translated_terms(lexical: LexicalIndex, question: str, languages: np.ndarray | None = None,
                     lexicon: Lexicon | None = None) -> list[str]:
    """The index's terms translating the question's words into the index's other languages (none if it has none).

    `languages` holds each passage's language: a word that a passage in the question's own language holds
    is not translated (an English question about a French guide's English pages is answered in its own
    words there; its words translated would lift the French pages instead).
    """
    analyzer = lexical.analyzer
    source = question_language(question, analyzer.languages)
    targets = [k for k in analyzer.languages if k != source and analyzer.share(k) >= TARGET_SHARE]
    if not targets:
        return []
    # Each word's term (stem cut to the analyser's prefix) and its whole stem, which the lexicon is looked up by.
    pairs = dict(zip(analyzer.terms(question, source), uncut(analyzer).terms(question, source), strict=True))
    own = set(pairs)
    if languages is not None and (same := languages == source).any():
        pairs = {t: w for t, w in pairs.items() if not same[_holding(lexical, t)].any()}
    # "ça", "si", "v1.2": no word to translate.
    stems = [w for w in dict.fromkeys(pairs.values()) if len(w) >= MIN_LETTERS and w.isalpha()]
    if not stems:
        return []
    lexicon = lexicon or shipped()  # read at the first question that needs it
    out: dict[str, None] = {}
    for target in targets:
        if (source, target) not in lexicon.pairs:
            continue
        for stem in stems:
            for term in lexicon.translate(analyzer, stem, source, target):
                if term not in own and term in lexical.vocab:
                    out.setdefault(term)
    return list(out)


def _holding(lexical: LexicalIndex, term: str) -> np.ndarray:
    """The passages holding a term (bm25s keeps its scores by term: a row of passage indices each)."""
    i = lexical.vocab.get(term)
    if i is None:
        return np.zeros(0, dtype=np.int64)
    indptr, indices = lexical.bm25.scores["indptr"], lexical.bm25.scores["indices"]
    held = np.asarray(indices[indptr[i]:indptr[i + 1]])
    return held[held < lexical.size]


def translation_scores(lexical: LexicalIndex, question: str, languages: np.ndarray | None = None,
                       lexicon: Lexicon | None = None) -> np.ndarray:
    """BM25 scores of the passages for the question's translated terms (zeros when there are none)."""
    terms = translated_terms(lexical, question, languages, lexicon)
    if not terms:
        return np.zeros(lexical.size, dtype=np.float32)
    return lexical.scores(terms, near=False)
