"""Text normalisation, sentence splitting and the lexical analyser (stemming, stop words)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from functools import cache, lru_cache

# Zero-width, bidi controls and other invisible format characters: they split words
# without being seen, so they are removed before anything else looks at the text. Tag
# characters hide text from readers; lone surrogates (from JSON "\ud800" escapes, or file
# names that are not UTF-8) cannot be encoded and would fail far from here.
_INVISIBLE = re.compile(r"[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
                        r"\ufff9-\ufffb\U000e0000-\U000e007f\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
# Hyphens split words ("a-t-elle", "Mar-a-Lago"); decimal points and commas inside numbers do not.
_WORD = re.compile(r"[^\W_]+(?:[.,][0-9]+)*", re.UNICODE)

# Sentence ends: ., ! or ? (optionally followed by closing quotes), then space and a capital,
# a digit, an opening quote or a dash. Numbers (1.2, 4,6/5, v2.0) hold no space after their point.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"»”)\]]*\s+(?=[«\"“(\[–—-]?\s*[A-ZÀ-ÖØ-Þ0-9])")
# A point that ends an abbreviation or an initial ends no sentence: titles (M., Mme), Latin and
# documentation abbreviations in either case (p. ex., cf., e.g., i.e., fig., n°), months ("janv. 2025").
# Not "etc.": before a capital, it ends its sentence far more often than not.
_ABBREV = re.compile(r"(?:\b(?:M|Mme|Mlle|MM|Mr|Mrs|Ms|Dr|Pr|St|Inc|Corp|Ltd|U\.S)|\b(?i:cf|p|pp|ex|env|fig|"
                     r"figs|chap|sect|vol|no|nos|n°|réf|éd|resp|vs|art|e\.g|i\.e|ibid|op|cit|al|approx|ca|av|apr|"
                     r"janv|févr|fév|avr|juil|sept|oct|nov|déc|jan|feb|mar|apr|jun|jul|aug|sep|dec)|\b[A-Z])\.$")
# A list number ("1. Ouvrez") alone at the start of a sentence or line, or after a colon, opens an item.
_ITEM_NUMBER = re.compile(r"(?:^\s*|[:;]\s+)\d{1,2}\.$")

# Added to the stop lists: interrogatives carry no topic ("Quelle agence ... ?" must not match
# every "quel" of the text), nor do the prepositions and adverbs that Lucene's French list has
# and bm25s's lacks ("contre" would otherwise match "contrôle" once terms are truncated).
_EXTRA_STOPWORDS = {
    "en": set("what which who whom whose why how when where does did do is are was were can could would "
              "should many much get gets got go goes us".split()),
    "fr": set("quel quelle quels quelles lequel laquelle lesquels lesquelles comment pourquoi quand combien "
              "où ou qui que quoi est-ce contre selon avant après depuis pendant sans sous vers chez entre "
              "parmi malgré très plus moins aussi encore déjà tout tous toute toutes comme donc alors ainsi "
              "cela ceci celui celle ceux celles dont lors chaque autre autres même mêmes peu beaucoup trop "
              "bien été être avoir fait faire elles ils".split()),
}

LANGUAGES = {
    "fr": "french", "en": "english", "de": "german", "es": "spanish", "it": "italian",
    "pt": "portuguese", "nl": "dutch", "sv": "swedish", "da": "danish", "no": "norwegian",
    "ru": "russian", "tr": "turkish",
}


def clean(text: str) -> str:
    """Normalise Unicode (NFC), drop invisible and control characters, unify apostrophes."""
    text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub(" ", text)
    return text.translate(_APOSTROPHES)


def fold(text: str) -> str:
    """Lower-case and strip accents: the form in which words are compared."""
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences, keeping each sentence's own text (joined by spaces, they give it back)."""
    parts: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        # Only the last few characters can make an abbreviation: searching the whole candidate,
        # which grows while abbreviations are skipped, made "A. B. C. ..." quadratic.
        if _ABBREV.search(text, max(start, m.start() - 16), m.start()):
            continue
        if _ITEM_NUMBER.search(text[max(start, text.rfind("\n", 0, m.start()) + 1):m.start()]):
            continue
        candidate = text[start:m.start()].strip()
        if candidate:
            parts.append(candidate)
        start = m.end()
    tail = text[start:].strip()
    if tail:
        parts.append(tail)
    return parts


def count_words(text: str) -> int:
    """Count the words of a text."""
    return len(_WORD.findall(text))


def _raw_words(text: str) -> list[str]:
    # Apostrophes split words: "l'IA", "d'exportation", "qu'il".
    return _WORD.findall(clean(text).replace("'", " "))


@cache
def function_words(language: str) -> frozenset[str]:
    """The folded function (stop) words of a language: bm25s's list and ours."""
    import bm25s.stopwords as sw

    lang = language.lower()
    if lang == "en":
        words = set(sw.STOPWORDS_EN_PLUS) | _EXTRA_STOPWORDS["en"]
    else:
        words = _EXTRA_STOPWORDS.get(lang, set()) | set(getattr(sw, f"STOPWORDS_{LANGUAGES[lang].upper()}", ()))
    return frozenset(fold(w) for w in words)


@cache
def _own_words(languages: tuple[str, ...]) -> tuple[frozenset[str], ...]:
    # Function words of several languages tell nothing about which one a text is in: French "a",
    # "à" (folded), the "t" of "a-t-il", elided "d'" and "s'" would otherwise count as English.
    sets = [function_words(lang) for lang in languages]
    return tuple(own.difference(*(other for other in sets if other is not own)) for own in sets)


def guess_language(text: str, languages: tuple[str, ...] = ("en", "fr")) -> str:
    """Which of `languages` a text reads as, by the function words only that language has; the first if unsure."""
    words = [fold(w) for w in _raw_words(text)]
    counts = [sum(w in own for w in words) for own in _own_words(tuple(languages))]
    return languages[counts.index(max(counts))]


class Analyzer:
    """Turns text into lexical terms: words split on apostrophes, stop words dropped, stemmed, folded.

    `language` is the index's main language (forced by a setting, or the one most passages are in);
    `counts` says how many passages each language has (empty: all in `language`). Each text is stemmed
    in its own language when given (a passage's, a question's), else in the main one. Stop words of
    English and of every language of the index are dropped, because people ask in English about
    documents in other languages, and in French about English ones: their function words would
    otherwise count as unmatched terms.
    """

    def __init__(self, language: str = "fr", prefix: int = 5, counts: Mapping[str, int] | None = None) -> None:
        lang = language.lower()
        if lang not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}; choose one of {', '.join(sorted(LANGUAGES))}")
        self.language = lang
        self.counts = {k: int(v) for k, v in (counts or {lang: 1}).items() if k in LANGUAGES}
        self.languages = tuple(dict.fromkeys([lang, *sorted(self.counts, key=lambda k: -self.counts[k])]))
        self.prefix = prefix
        self.stopwords = function_words("en").union(*(function_words(k) for k in self.languages))

    def share(self, language: str) -> float:
        """The share of the passages that are in `language`."""
        total = sum(self.counts.values())
        return self.counts.get(language, 0) / total if total else float(language == self.language)

    def is_english(self, text: str) -> bool:
        """Whether a text reads as English rather than the main language (by its function words)."""
        return self.language != "en" and guess_language(text, (self.language, "en")) == "en"

    def words(self, text: str) -> list[str]:
        """Content words of a text, folded, in order (no stemming)."""
        return [fold(w) for w in self._accented_words(text, self.stopwords)]

    def lower_words(self, text: str) -> list[str]:
        """Content words of a text in lower case, accents kept (as a word-frequency list spells them)."""
        return self._accented_words(text, self.stopwords)

    def terms(self, text: str, language: str | None = None) -> list[str]:
        """Lexical terms of a text: content words, stemmed (in `language`, default the main one) then folded."""
        lang = language if language in LANGUAGES else self.language
        stop = self.stopwords if lang in self.languages or lang == "en" else self._stopwords(lang)
        return [self._stem(w, lang) for w in self._accented_words(text, stop)]

    def word_terms(self, text: str, languages: Sequence[str]) -> list[tuple[str, ...]]:
        """Each content word's terms as each of `languages` stems it (the first language's first, no repeats)."""
        stop = self.stopwords.union(*(self._stopwords(k) for k in languages))
        return [tuple(dict.fromkeys(self._stem(w, k) for k in languages)) for w in self._accented_words(text, stop)]

    def _stopwords(self, language: str) -> frozenset[str]:
        return self.stopwords | function_words(language)

    @staticmethod
    def _accented_words(text: str, stopwords: frozenset[str]) -> list[str]:
        # Snowball's French stemmer expects accents, so stem the accented lower-case form
        # and fold afterwards; the stop-word test uses the folded form.
        out = []
        for raw in _raw_words(text):
            low = raw.lower()
            f = fold(low)
            if f not in stopwords and (len(f) > 1 or f.isdigit()):
                out.append(low)
        return out

    @lru_cache(maxsize=131072)  # noqa: B019 - the analyzer lives as long as the index
    def _stem(self, word: str, language: str) -> str:
        stem = fold(_stemmer(language).stemWord(word))
        # Stems cut to a few letters also meet derived forms the stemmer keeps apart (conçue,
        # conception) and English cognates of the text's words (military, militaires). Terms
        # with digits (H20, 2025) are names and stay whole.
        if self.prefix and not any(c.isdigit() for c in stem):
            stem = stem[: self.prefix]
        return stem


@cache
def _stemmer(language: str):
    import Stemmer

    return Stemmer.Stemmer(LANGUAGES[language])


def uncut(analyzer: Analyzer) -> Analyzer:
    """An analyser like this one whose stems are not cut: a word looked up by its whole stem ("bread", "breadth")."""
    return _uncut(analyzer.language, tuple(sorted(analyzer.counts.items())))


@cache
def _uncut(language: str, counts: tuple[tuple[str, int], ...]) -> Analyzer:
    return Analyzer(language, 0, dict(counts))


def lookup_key(word: str, letters: int = 3) -> str:
    """A word's first letters, lower-cased and folded: the key word lists are looked up by (Snowball keeps them)."""
    first = word[:letters].lower()
    return first if first.isascii() else fold(first)[:letters]
