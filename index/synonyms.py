"""A question's words the corpus lacks, expanded with their synonyms in the same language, for BM25: a thesaurus.

Questions asked in everyday words share few words with the passage that answers them ("le patron de la
boîte" for "le PDG de l'entreprise"). The thesaurus (`data/<lang>/synonyms.tsv.gz`: a word and its synonyms,
first senses first, a line each) gives each content word of the question that no passage holds its first
synonyms the corpus holds (`PER_WORD` at most), and BM25 scores the passages with them at a reduced weight
(`SearchConfig.synonym_weight`). Both sides are stemmed as the index stems them; stop words, words under
`MIN_LETTERS` letters and names (capitalised inside a sentence) are not expanded, nor questions asked across
languages (index/bilingual.py translates those). Synonyms only help to rank: the evidence that the documents
cover a question is judged on the passages and ranking its own words give (index/search.py).

Measured on all dev sets (December 2026; R@3 hits / `fact` hits summed over every set and language, ~230
questions; which questions are answered and which out-of-scope ones declined never moved): expanding only
the words the corpus lacks, at weight .5, three synonyms a word: R@3 +3, fact +0, nothing lost (the shipped
articles' everyday French set .62 -> .69, the Debian guides' French questions .80 -> .85). Expanding every
content word instead (slang is absent, but "commission" is present where the passage says "pourcentage")
ranks noise: weight .3 +0 / -1 (the etalab guides lose), .15 +1 / 0; one synonym of the first six -1 / -1;
skipping synonyms held by over 2 % of passages -1 / 0. Among words the corpus lacks: weight .3 +2 / 0, .8
+3 / -1; two synonyms a word +2, five +3; the first 24 listed rather than 12 +2; also the words held by at
most 2 (5) passages +1 / -1 (0 / -1). French words sharing an English translation in the shipped fr-en
lexicon (a pivot) instead of the thesaurus: +1 / -1 for every word, 0 / 0 for unknown ones; the thesaurus's
synonyms the pivot also gives (precise: "fric" -> pognon, blé): -1 / -2 and 0 / 0. Using the synonyms in the
answer step's sentence choice too (as translations are) moved no fact (+1 / -1). The French thesaurus lists
all of a word's senses in one line (boîte: bal, dancing, ..., récipient, caisse, ..., boutique): its first
synonyms are not its commonest, hence the caps. No English question is asked about English documents in
everyday words in the dev sets: the English thesaurus moved nothing measured. A first version judged the
evidence on the candidates the synonyms had widened: the off-topic calibration (measured by the same search)
moved, and two out-of-scope questions were answered; hence the judging on the question's own candidates.
Cost: the thesauri are read at the first question (~0.1 s); a question's synonyms take ~0.2 ms (p95 0.8)
on the Debian guides, and the search's p50 did not move.

The shipped thesauri are LibreOffice's (Debian's mythes-fr, LGPL-2.1+, and mythes-en-us, from WordNet 3):
see data/synonyms.NOTICE and benchmarks/synonyms_data.py, which writes them.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from .language import question_language
from .lexical import LexicalIndex
from .text import Analyzer, fold, lookup_key, uncut

# Synonym terms a question word gets at most: the first listed (of the file's first senses) the corpus holds.
PER_WORD = 3
KEY_LETTERS = 3  # headwords are looked up by their first letters (folded): Snowball keeps them
MIN_LETTERS = 4  # shorter words are function words, abbreviations and slang too short to look up safely
FOUND_LIMIT = 100_000
_NAME = re.compile(r"(?<![.!?]\s)(?<=\s)[A-ZÀ-Ý][\w'-]*")


class Thesaurus:
    """Synonyms of words by language, looked up by stem as an index's analyser stems them.

    Lines are kept as read and stemmed when first looked up: a question needs a handful of a thesaurus's
    tens of thousands of words. A stem is looked for among the headwords sharing its first `KEY_LETTERS` letters.
    """

    def __init__(self) -> None:
        self._lines: dict[str, dict[str, list[str]]] = {}  # language -> first letters -> lines
        self._found: dict[tuple, tuple[str, ...]] = {}

    @classmethod
    def read(cls, **paths: Path | str) -> Thesaurus:
        """A thesaurus of these files, by language (`fr=path`)."""
        thesaurus = cls()
        for language, path in paths.items():
            thesaurus.load(language, path)
        return thesaurus

    def load(self, language: str, path: Path | str) -> None:
        """Add a file of `word TAB synonym TAB ...` lines in `language`, gzipped when named .gz."""
        path = Path(path)
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as f:
            self.add(language, f.read().splitlines())

    def add(self, language: str, lines: Iterable[str]) -> None:
        """Add `word TAB synonym TAB ...` lines in `language`."""
        table = self._lines.setdefault(language, {})
        for line in lines:
            word, _, rest = line.partition("\t")
            if word and rest:
                table.setdefault(lookup_key(word, KEY_LETTERS), []).append(line)

    @property
    def languages(self) -> set[str]:
        """The languages it has synonyms for."""
        return set(self._lines)

    def synonyms(self, analyzer: Analyzer, stem: str, language: str) -> tuple[str, ...]:
        """The terms (as `analyzer` makes them) of the synonyms of the words of this whole stem, first listed first."""
        key = (analyzer.prefix, analyzer.languages, stem, language)
        found = self._found.get(key)
        if found is None:
            if len(self._found) >= FOUND_LIMIT:
                self._found.clear()
            found = self._found[key] = self._synonyms(analyzer, stem, language)
        return found

    def _synonyms(self, analyzer: Analyzer, stem: str, language: str) -> tuple[str, ...]:
        whole = uncut(analyzer)
        out: dict[str, None] = {}
        for line in self._lines.get(language, {}).get(stem[:KEY_LETTERS], ()):
            word, *others = line.split("\t")
            # Snowball changes a word's end only: its first letters are checked before it is stemmed.
            if not fold(word).startswith(stem[:-1]) or whole.terms(word, language) != [stem]:
                continue
            for other in others:
                for term in analyzer.terms(other, language):
                    out.setdefault(term)
        return tuple(out)


@cache
def shipped() -> Thesaurus:
    """The thesauri shipped in index/data (`<lang>/synonyms.tsv.gz`), read once."""
    data = resources.files(__package__).joinpath("data")
    thesaurus = Thesaurus()
    for entry in sorted(data.iterdir(), key=lambda e: e.name):
        file = entry.joinpath("synonyms.tsv.gz")
        if entry.is_dir() and file.is_file():
            with resources.as_file(file) as path:
                thesaurus.load(entry.name, path)
    return thesaurus


def synonym_terms(lexical: LexicalIndex, question: str, thesaurus: Thesaurus | None = None) -> list[str]:
    """The index's terms that are synonyms of the question's content words the index lacks (not names)."""
    analyzer = lexical.analyzer
    language = question_language(question, analyzer.languages)
    thesaurus = thesaurus or shipped()  # read at the first question that needs it
    if language not in thesaurus.languages:
        return []
    names = {fold(w) for w in _NAME.findall(question)}
    words = [w for w in analyzer.lower_words(question) if fold(w) not in names]
    if not words:
        return []
    text = " ".join(words)
    terms = analyzer.terms(text, language)
    own = set(lexical.question_terms(question, language))
    whole = uncut(analyzer).terms(text, language)
    out: dict[str, None] = {}
    for term, stem in zip(terms, whole, strict=True):
        # A word the corpus holds finds its passages itself: its synonyms would rank other senses' passages.
        if term in lexical.vocab or len(stem) < MIN_LETTERS or not stem.isalpha():
            continue
        found = [t for t in thesaurus.synonyms(analyzer, stem, language) if t not in own and t in lexical.vocab]
        out.update(dict.fromkeys(found[:PER_WORD]))
    return list(out)


def synonym_scores(lexical: LexicalIndex, question: str, thesaurus: Thesaurus | None = None) -> np.ndarray:
    """BM25 scores of the passages for the question's synonym terms (zeros when there are none)."""
    terms = synonym_terms(lexical, question, thesaurus)
    if not terms:
        return np.zeros(lexical.size, dtype=np.float32)
    return lexical.scores(terms, near=False)
