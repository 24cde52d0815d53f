"""Hybrid retrieval: lexical (BM25) and dense (FAISS) rankings fused into one, and answerability."""

from __future__ import annotations

import dataclasses
import logging
import os
import re
from collections.abc import Sequence, Set
from dataclasses import dataclass, field

import numpy as np

from .answerability import (
    AnswerabilityConfig,
    Calibration,
    Evidence,
    asked_units,
    general_zipf,
    gives_unit,
    off_topic_questions,
    rare_known,
    rare_word,
)
from .bilingual import translation_scores
from .embedding import Embedder, embedder_languages
from .furniture import Furniture, asks_about_furniture
from .language import question_language
from .passages import Passage
from .store import LoadedIndex
from .synonyms import synonym_scores
from .text import fold, split_sentences, uncut

log = logging.getLogger(__name__)

# The dense baseline of a question is its median similarity over a fixed sample of passages:
# enough for a stable median, cheap at any corpus size.
BASELINE_SAMPLE = 2048
# The dense evidence is the best of the top fused passages, not of all: what is cited.
EVIDENCE_HITS = 3
# A question is asked across languages when fewer passages than this share are in its language: an English
# question about a French guide with a few English pages, a French one about an English manual.
CROSS_LANGUAGE_SHARE = 0.5
# Passages looked at beyond those returned, to fill the places of near-copies moved down.
DUPLICATE_SPARE = 10
# Words whose rarity (`Searcher.rarity_words`) is kept before the cache starts afresh.
WORD_RARITY_CACHE = 50_000
# Whether the corpus writes an acronym is looked up in the passages its stemmed term scores best: so many.
ACRONYM_PASSAGES = 50
# Across languages a name counts as written when the corpus writes its stem but so many last letters (cognates
# differ in their endings: "Taiwanese", "taïwanais").
COGNATE_ENDING = 3


@dataclass(frozen=True)
class SearchConfig:
    """How the rankings are combined, and when the documents count as covering a question.

    Fusion: each signal's scores over the candidates (the best `candidates` of each ranking) are
    z-scored, then mixed by weight. BM25 scores have no fixed range, MiniLM's cosines on French text
    crowd into a narrow band and multilingual-e5's into another (0.75-0.92): scaled by their own spread,
    each signal says how far a passage stands out, and none drowns the others or is flattened to a
    constant. With the multilingual signal the dense share goes mostly to it (it reads English
    questions about French text); without it, to the main model. A question in a language the main
    model was not trained on (the bundled MiniLM reads English) keeps `foreign_dense` of the main
    model's weight; the rest goes to the multilingual model (measured: French questions rank better).
    Everyday words (slang, typos, paraphrase) that the corpus never uses leave BM25 little to go on: with
    the multilingual signal, the lexical weight is scaled by the share of the question's words (weighted
    by rarity) that the corpus holds (for a long question, of its focus's words: a situation told in
    words of one's own is not a sign of that), and what it loses goes to the multilingual model. Not
    across languages, where most words are unknown by nature and those shared (commands, names) are
    the ones that find the passage.

    Answerability: see index/answerability.py (`answerability.threshold` is the knob).

    Follow-ups: a question asked after others is searched together with the last of them (its
    words weigh `history_weight` of the question's own in BM25), so "and where did he dine?"
    finds the passages of the person asked about before; the evidence still comes from the
    question's own words, so a follow-up the documents don't cover is declined. An elliptical
    follow-up ("Et pourquoi ?": at most `elliptical_terms` words of its own, all known to the corpus)
    has no words of its own to judge: it is judged together with the earlier question.

    Long questions (at least `focus_words` words in several sentences: a situation, then the question)
    are searched by the whole and by their focus (see `question_focus`): the focus's vector added to the
    whole's at `focus_dense`, its words weighing `focus_weight` more in BM25 (across languages their translations
    too: index/bilingual.py). The focus alone is often elliptical ("Laquelle ?"): the whole keeps what it refers
    to, and its meaning is what the evidence is judged on.

    Copies: a passage whose vector (the evidence model's) is within `duplicate_cosine` of one ranked above it
    (the same paragraph in a guide's HTML and PDF) comes after the distinct ones: three citations, three passages.

    Furniture: a passage loses `furniture_penalty` (in standard deviations) times the share of it that is
    page furniture (index/furniture.py), unless the question asks about it.
    """

    lexical_weight: float = 0.4
    dense_weight: float = 0.2  # the main model, when the multilingual signal is there too
    multilingual_weight: float = 0.4
    lexical_weight_alone: float = 0.6  # lexical share when there is no multilingual signal
    foreign_dense: float = 0.5  # the main model's share of its weight for a question in a language it doesn't read
    candidates: int = 50
    history_weight: float = 0.5
    elliptical_terms: int = 1
    focus_words: int = 20
    focus_weight: float = 1.0
    focus_dense: float = 0.5
    furniture_penalty: float = 3.0
    duplicate_cosine: float = 0.98  # a passage this close to one ranked above it is a copy (1: keep copies)
    translation_weight: float = 0.5  # BM25 of the question's words translated into the corpus's other language
    synonym_weight: float = 0.5  # BM25 of the synonyms of the question's words the corpus lacks (index/synonyms.py)
    answerability: AnswerabilityConfig = field(default_factory=AnswerabilityConfig)

    def weights(self, multilingual: bool, main_reads: bool = True, known: float = 1.0) -> tuple[float, float, float]:
        """(lexical, main dense, multilingual) weights of the fusion.

        `main_reads`: whether the main model reads the question's language; `known`: the share of the
        question's words the corpus holds. With the multilingual signal, what the lexical and main signals
        cannot say moves to it.
        """
        if multilingual:
            lexical = self.lexical_weight * known
            main = self.dense_weight * (1.0 if main_reads else self.foreign_dense)
            return lexical, main, self.multilingual_weight + self.lexical_weight - lexical + self.dense_weight - main
        return self.lexical_weight_alone, 1.0 - self.lexical_weight_alone, 0.0


@dataclass(frozen=True)
class Hit:
    """A passage found for a question, with its fused and component scores."""

    passage: Passage
    position: int
    score: float
    dense: float
    lexical: float
    multilingual: float | None = None


@dataclass(frozen=True)
class SearchResult:
    """The ranked passages for a question, the evidence that the documents cover it, and the verdict."""

    question: str
    hits: list[Hit]
    terms: list[str]  # the question's own lexical terms (not those of earlier questions)
    evidence: float  # the evidence's standing against the index's off-topic reference (covered from the threshold)
    cross_language: bool
    covered: bool  # whether the best passages plausibly answer the question
    query_vector: np.ndarray | None = field(default=None, repr=False, compare=False)  # the question alone
    features: Evidence | None = None
    multilingual_vector: np.ndarray | None = field(default=None, repr=False, compare=False)  # the question alone, by e5
    focus: str | None = None  # what a long question asks (its question sentence, a quoted message), if any


class _Signal:
    """One dense signal: its embedder, the passages' vectors, and a sample for the per-question baseline."""

    def __init__(self, embedder: Embedder, vectors, view: np.ndarray, sample: np.ndarray) -> None:
        self.embedder = embedder
        self.vectors = vectors
        self.view = view
        # Copied once at load so the per-question baseline reads contiguous memory.
        self.baseline_vectors = np.ascontiguousarray(view[sample], dtype=np.float32)

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.ascontiguousarray(self.embedder.embed(texts, query=True), dtype=np.float32)


class Searcher:
    """Answers `search(question)` from a loaded index; holds no per-question state.

    `multilingual` is the second dense signal's embedder; it is used when the index holds its vectors.
    `calibration` is the index's off-topic reference: the manifest's when it was measured on the same
    signals, else measured now (about a second).
    """

    def __init__(self, index: LoadedIndex, embedder: Embedder, config: SearchConfig = SearchConfig(),
                 multilingual: Embedder | None = None, calibration: Calibration | None = None) -> None:
        self.index = index
        self.embedder = embedder
        self.config = config
        n = len(index.passages)
        rng = np.random.default_rng(0)
        sample = np.sort(rng.choice(n, size=BASELINE_SAMPLE, replace=False)) if n > BASELINE_SAMPLE else np.arange(n)
        self._main = _Signal(embedder, index.vectors, index.embeddings, sample)
        self._main_languages = embedder_languages(embedder)  # None: any
        self._multi: _Signal | None = None
        if multilingual is not None and index.multilingual_vectors is not None:
            if index.manifest.multilingual_model == multilingual.name:
                self._multi = _Signal(multilingual, index.multilingual_vectors, index.multilingual_embeddings, sample)
            else:
                log.warning("the index's multilingual vectors are of %r, not %r: searching without them until "
                            "the next rebuild", index.manifest.multilingual_model, multilingual.name)
        elif multilingual is not None and n:
            log.warning("the index holds no multilingual vectors: searching without them until the next rebuild")
        # How much of each passage is page furniture (ratings, sharing, contact, readers' comments).
        self._furniture = Furniture(index.passages)
        self._languages = np.array([p.language or "" for p in index.passages])
        # Whole stems, to tell whether the corpus writes a name (see `unnamed`).
        self._uncut = uncut(index.analyzer)
        self._word_rarity: dict[tuple[str, str], tuple[bool, float | None]] = {}  # see `rarity_words`
        self._cut_only: dict[tuple[str, str], frozenset[str]] = {}  # see `cut_only`
        self.calibration = calibration or Calibration.from_dict(index.manifest.calibration)
        if self.calibration is None or self.calibration.signals != self.evidence_signal:
            self.calibration = self.calibrate() if n else None

    @property
    def multilingual(self) -> bool:
        """Whether the multilingual signal is in use."""
        return self._multi is not None

    @property
    def evidence_signal(self) -> str:
        """The model whose cosines give the dense evidence."""
        return (self._multi or self._main).embedder.name

    def calibrate(self) -> Calibration:
        """Measure the off-topic reference of this index on the signals in use, per language of the questions."""
        reference = off_topic_questions()
        questions = [q for _, q in reference]
        languages = [lang for lang, _ in reference]
        lexical = self.index.lexical
        vectors = self._embed(questions)
        evidence = []
        for i, (language, q) in enumerate(reference):
            # Measured as a question of that language is: across languages when the corpus is mostly in another.
            cross = self.index.analyzer.share(language) < CROSS_LANGUAGE_SHARE
            result = self._search(q, {k: v[i] for k, v in vectors.items()}, lexical.question_terms(q, language),
                                  EVIDENCE_HITS, cross, (), None, judge=False, language=language,
                                  unnamed=self.unnamed(q, language))
            evidence.append(result.features)
        return Calibration.measure(self.evidence_signal, evidence, languages)

    def question_language(self, question: str) -> str:
        """The language a question is asked in, among the index's, English and French; the main one if unsure."""
        return question_language(question, self.index.analyzer.languages)

    def main_reads(self, language: str | None) -> bool:
        """Whether the main model reads questions in `language` (unknown language or model: yes)."""
        return self._main_languages is None or language is None or language in self._main_languages

    def _embed(self, texts: list[str]) -> dict[str, np.ndarray]:
        out = {"main": self._main.embed(texts)}
        if self._multi is not None:
            out["multi"] = self._multi.embed(texts)
        return out

    def search(self, question: str, limit: int = 10, history: Sequence[str] = ()) -> SearchResult:
        """The best `limit` passages for a question, best first; `history` holds earlier questions, newest last."""
        language = self.question_language(question)
        terms = self.index.lexical.question_terms(question, language)
        cross = self.index.analyzer.share(language) < CROSS_LANGUAGE_SHARE
        if not self.index.passages:
            return SearchResult(question, [], terms, 0.0, cross, False)
        if not history:
            focus = question_focus(question, self.config.focus_words)
            if focus is None:
                vectors = {k: v[0] for k, v in self._embed([question]).items()}
                return self._search(question, vectors, terms, limit, cross, (), None, language=language,
                                    unnamed=self.unnamed(question, language))
            # A long question: ranked by the whole and by what is asked in it, each counting as much.
            both = self._embed([question, focus])
            w = self.config.focus_dense
            vectors = {k: _unit(v[0] + w * v[1]) for k, v in both.items()}
            focus_terms = self.index.lexical.question_terms(focus, language)
            # Its meaning is judged on the whole: the focus alone is often elliptical ("Laquelle ?") and, added
            # to the whole, pulls its vector away from the passage the situation describes. Only the names of what
            # it asks count: those of the situation it tells are context ("pupils with accents in their names,
            # like Hélène or Noël. ... Is there a known problem with such names?").
            result = self._search(question, vectors, terms, limit, cross, focus_terms,
                                  {k: v[0] for k, v in both.items()}, context_weight=self.config.focus_weight,
                                  focus=focus, asked_terms=focus_terms, language=language,
                                  unnamed=self.unnamed(focus, language))
            # Its answer is what is closest to the whole and the focus together.
            return dataclasses.replace(result, query_vector=vectors["main"], multilingual_vector=vectors.get("multi"))
        context = history[-1]
        own = set(terms)
        context_terms = [t for t in self.index.lexical.question_terms(context, language) if t not in own]
        if self.elliptical(terms, cross):
            # "Et pourquoi ?", "And who approved it?": it names nothing of its own, so it is judged as the
            # conversation's question was, not on its own words.
            pair = self._embed([context, f"{question} {context}"])
            together = {k: v[1] for k, v in pair.items()}
            result = self._search(question, together, terms, limit, cross, context_terms,
                                  {k: v[0] for k, v in pair.items()},
                                  evidence_terms=self.index.lexical.question_terms(context, language),
                                  evidence_text=context, language=language, unnamed=self.unnamed(context, language))
            # Its answer is what is closest to the two together.
            return dataclasses.replace(result, query_vector=together["main"], multilingual_vector=together.get("multi"))
        both = self._embed([question, f"{question} {context}"])
        together = {k: v[1] for k, v in both.items()}
        return self._search(question, together, terms, limit, cross, context_terms, {k: v[0] for k, v in both.items()},
                            language=language, unnamed=self.unnamed(question, language))

    def unnamed(self, question: str, language: str) -> tuple[int, int]:
        """(how many names of the question the corpus never writes, how many of those its stems still meet).

        A name is a capitalised word inside a sentence or letters with digits: "GitHub" of a manual that never
        writes it, "MI308" of articles about other chips. Its terms are stems cut to five letters, which meet
        other words: "Dependabot" is cut to "depen" (dependency), "LFS" to "lf" (line feed); so a name counts
        as known only where the corpus writes it (see `_writes`; a hyphenated name whole: "Pi-hole", not "hole";
        one the stemmer cuts short as written: "Gitea", not "git"). Such a name's stems count among the question's
        known words (see AnswerabilityConfig.unnamed_known). Across languages a name is known by its stems
        ("Taiwanese" of articles that write "taïwanais"), an acronym still as written. A name made of stop words
        only ("Le" of a title) does not count; a lower-case word counts as a name when the corpus lacks it and
        its language barely uses it (`rare_word`).
        """
        lexical = self.index.lexical
        across = self.index.analyzer.share(language) < CROSS_LANGUAGE_SHARE
        missing = stemmed = 0
        lacking = set()
        for word in dict.fromkeys(_NAME.findall(question)):
            terms = lexical.question_terms(word, language) if len(word) > 1 else []
            known = [t for t in terms if t in lexical.vocab]
            if not terms or (known and self._writes(word, known, language, COGNATE_ENDING if across else 0)):
                continue
            missing += 1
            stemmed += bool(known)
            lacking.add(word)
        if not across:  # across languages a name's words are translated ("White House": "Maison Blanche")
            missing += sum(1 for run in dict.fromkeys(_NAME_RUN.findall(question))
                           if lacking.isdisjoint(run.split()) and not self._writes_run(run, language))
        # A lower-case word the corpus lacks, no typo of one of its words, that the language barely uses: a
        # tool's name ("configurer un pare-feu nftables", "ufw") more likely than everyday slang.
        for word in dict.fromkeys(_LOWER_WORD.findall(question)):
            terms = lexical.question_terms(word, language)
            if terms and not any(t in lexical.vocab or lexical.near(t) for t in terms) and rare_word(word, language):
                missing += 1
        return missing, stemmed

    def _writes_run(self, run: str, language: str) -> bool:
        """Whether the corpus writes a name of several words together, as in "l'API Entreprise" (see `unnamed`).

        Looked for among the passages its words score best, as `_writes` looks for a name; a run none of whose
        words the corpus holds counts as written (its words are counted one by one).
        """
        terms = [t for t in self.index.lexical.question_terms(run, language) if t in self.index.lexical.vocab]
        if not terms:
            return True
        return self._written(re.compile(r"\b" + r"\W+".join(re.escape(fold(w)) for w in run.split()) + r"\b"), terms)

    def _writes(self, name: str, terms: list[str], language: str, ending: int = 0) -> bool:
        """Whether the corpus writes a name, among the passages its (cut) terms score best.

        An acronym as such; another name as a word that starts with its whole stem ("Europe" in "européen"), or
        with its stem but its last `ending` letters, one letter past the cut at least (a cognate across
        languages: "Taiwanese" in "taïwanais", not "Chromebooks" in "Chrome").
        """
        if _ACRONYM.fullmatch(name):
            word = re.compile(rf"\b{re.escape(fold(name))}\b")
        else:
            keep = self.index.analyzer.prefix + 1
            stems = [t[: max(len(t) - ending, keep)] for t in _name_stems(name, self._uncut.terms(name, language))]
            if "-" in name and len(stems) > 1:  # a compound name as a whole ("Météo-France", not "France" alone)
                word = re.compile(r"\b" + r"\w*(?:\W+\w{1,3})*\W*".join(re.escape(t) for t in stems))
                return self._written(word, terms)
            stems += [t for t in terms if any(c.isdigit() for c in t)]  # never cut: whole stems ("h20s": "h20")
            if not stems:
                return True
            word = re.compile("|".join(rf"\b{re.escape(t)}" for t in stems))
        return self._written(word, terms)

    def _typos(self, question: str, terms: list[str]) -> list[str]:
        """The terms that may be typos: not a name's (capitalised inside a sentence: "Paris" is no typo of "parti")."""
        words = _CAPITALISED.findall(question)
        if not words:
            return terms
        names = set(self.index.lexical.question_terms(" ".join(words), self.question_language(question)))
        return [t for t in terms if t not in names]

    def elliptical(self, terms: Sequence[str], cross_language: bool = False) -> bool:
        """Whether a follow-up names nothing of its own: at most `elliptical_terms` words, all known to the corpus.

        A word the documents never use ("Et son salaire ?") is a new subject: such a question is judged alone.
        Across languages the documents hold almost none of its words by nature ("When was it released?" of French
        articles): there, the count alone decides.
        """
        own = set(terms)
        return len(own) <= self.config.elliptical_terms and (
            cross_language or all(t in self.index.lexical.vocab for t in own))

    def search_vector(self, question: str, query: np.ndarray, terms: list[str], limit: int,
                      cross_language: bool = False) -> SearchResult:
        """Search with a question embedded by the main model and analysed (the multilingual model embeds it here)."""
        vectors = {"main": np.ascontiguousarray(query, dtype=np.float32)}
        if self._multi is not None:
            vectors["multi"] = self._multi.embed([question])[0]
        language = self.question_language(question)
        return self._search(question, vectors, terms, limit, cross_language, (), None, language=language,
                            unnamed=self.unnamed(question, language))

    def _search(self, question: str, query: dict[str, np.ndarray], terms: list[str], limit: int,
                cross_language: bool, context_terms: Sequence[str], own_query: dict[str, np.ndarray] | None,
                judge: bool = True, evidence_terms: Sequence[str] | None = None,
                context_weight: float | None = None, focus: str | None = None, language: str | None = None,
                asked_terms: Sequence[str] = (), unnamed: tuple[int, int] = (0, 0),
                evidence_text: str | None = None) -> SearchResult:
        """Rank with `query` (the question with the earlier one, if any); judge with `own_query` (alone).

        `evidence_terms` (default: the question's own terms) are the words whose lexical evidence is judged.
        `language` is the question's: it sets how much the main model's ranking counts and which off-topic
        reference it is measured against; `asked_terms`, those of what a long question asks (default: all its
        own terms), whose share known to the corpus sets how much BM25's ranking counts; `unnamed`, the counts
        of its names the corpus lacks (see `unnamed`); `evidence_text`, the text whose words' rarity is judged
        (default: the question).
        """
        idx = self.index
        n = len(idx.passages)
        if n == 0:
            return SearchResult(question, [], terms, 0.0, cross_language, False)
        c = min(n, max(self.config.candidates, limit))
        signals = [("main", self._main)] + ([("multi", self._multi)] if self._multi is not None else [])

        found = [np.asarray(sig.vectors.search(query[k].reshape(1, -1), c)[1][0]) for k, sig in signals]
        # The words as written are the evidence; typos only help find the passage (scored once, added to them).
        exact = idx.lexical.scores(terms, near=False)
        own_lex = exact + idx.lexical.typo_scores(terms, self._typos(question, terms))
        translated = None  # index/bilingual.py: the question's words translated help rank, not judge
        if self.config.translation_weight and cross_language:
            translated = self.config.translation_weight * translation_scores(idx.lexical, question, self._languages)
            if focus is not None:  # what a long question asks weighs more, translated as in its own words
                weight = self.config.focus_weight if context_weight is None else context_weight
                translated = translated + weight * self.config.translation_weight * translation_scores(
                    idx.lexical, focus, self._languages)
            own_lex = own_lex + translated
        lex_all = own_lex
        if context_terms:
            weight = self.config.history_weight if context_weight is None else context_weight
            lex_all = own_lex + weight * idx.lexical.scores(list(context_terms))
        lex_ids = np.argpartition(-lex_all, c - 1)[:c] if c < n else np.arange(n)
        lex_ids = lex_ids[lex_all[lex_ids] > 0]
        cand = np.unique(np.concatenate([*(f[f >= 0] for f in found), lex_ids]))
        own_cand, judging, ranked_lex = cand, None, lex_all  # index/synonyms.py: synonyms help rank, not judge
        if self.config.synonym_weight and not cross_language:
            ranked_lex = lex_all + self.config.synonym_weight * synonym_scores(idx.lexical, question)
            more = np.argpartition(-ranked_lex, c - 1)[:c] if c < n else np.arange(n)
            cand = np.unique(np.concatenate([own_cand, more[ranked_lex[more] > 0]]))
            judging = np.searchsorted(cand, own_cand)  # where the passages found without them are

        cos = {k: np.asarray(sig.view[cand] @ query[k], dtype=np.float32) for k, sig in signals}
        lexical = ranked_lex[cand]
        z = {"lexical": _standardised(lexical), **{k: _standardised(v) for k, v in cos.items()}}
        penalty = np.zeros(len(cand), dtype=np.float32)
        if self.config.furniture_penalty and not asks_about_furniture(question):
            shares = np.fromiter((self._furniture.share(int(i)) for i in cand), dtype=np.float32, count=len(cand))
            penalty = self.config.furniture_penalty * shares  # below content
        reads = self.main_reads(language)
        # Everyday words the corpus never uses: BM25 has little to go on (see SearchConfig).
        known_share = self._known(list(asked_terms) or terms) if self._multi is not None and not cross_language \
            else 1.0
        fused = _mixed(z, self.config.weights(self._multi is not None, reads, known_share)) - penalty
        ranked = np.argsort(-fused, kind="stable")
        order = ranked[:limit]
        # The evidence is judged on the passages words and meaning rank first whatever the words' share:
        # ranked by meaning alone, an unrelated question's closest passages would look like evidence.
        judged = order if known_share >= 1.0 else np.argsort(
            -(_mixed(z, self.config.weights(self._multi is not None, reads)) - penalty), kind="stable")[:limit]
        if judging is not None:  # judged on the passages and ranking the question's own words give
            own_z = {"lexical": _standardised(lex_all[own_cand]),
                     **{k: _standardised(v[judging]) for k, v in cos.items()}}
            judged = judging[np.argsort(-(_mixed(own_z, self.config.weights(self._multi is not None, reads))
                                          - penalty[judging]), kind="stable")[:limit]]
        if translated is not None:  # judged on the ranking the question's own words give
            untranslated = {**z, "lexical": _standardised((lex_all - translated)[cand])}
            judged = np.argsort(-(_mixed(untranslated, self.config.weights(self._multi is not None, reads, known_share))
                                  - penalty), kind="stable")[:limit]
        if self.config.duplicate_cosine < 1.0:  # after the evidence is judged: it is the same passage either way
            order = self._distinct(cand, ranked[:limit + DUPLICATE_SPARE])[:limit]
        multi = cos.get("multi")
        hits = [Hit(idx.passages[int(cand[i])], int(cand[i]), float(fused[i]), float(cos["main"][i]),
                    float(lexical[i]), None if multi is None else float(multi[i])) for i in order]

        own = own_query or query
        evidence_key, evidence_signal = signals[-1]
        top = cand[judged[:EVIDENCE_HITS]]
        own_cos = evidence_signal.view[top] @ own[evidence_key]
        baseline = float(np.median(evidence_signal.baseline_vectors @ own[evidence_key]))
        judged_terms = terms if evidence_terms is None else list(evidence_terms)
        unwritten = set() if cross_language else self.unwritten(evidence_text or question, language)
        if evidence_terms is None:
            known, lexical_share = self._lexical_evidence(exact[own_cand], terms, cross_language, unwritten)
        else:
            known, lexical_share = self._lexical_evidence(idx.lexical.scores(judged_terms, near=False)[own_cand],
                                                          judged_terms, cross_language, unwritten)
        main_dense, agree = self._agreement(cand, judged, own, evidence_key, cos if own is query else None)
        features = Evidence(known=known, lexical=lexical_share, dense=float(own_cos.max(initial=baseline)) - baseline,
                            main_dense=main_dense, agree=agree, unnamed=unnamed[0], stemmed=unnamed[1],
                            rare_known=rare_known(self.rarity_words(evidence_text or question, language)),
                            ungiven=tuple(k for k in asked_units(question, language)
                                          if not any(gives_unit(h.passage.text, k) for h in hits)))
        score, covered = 0.0, False
        if judge and self.calibration is not None:
            score, covered = self.config.answerability.verdict(self.calibration, features, cross_language, language)
            covered = covered and bool(hits) and bool(judged_terms)  # a question of stop words alone asks nothing
        return SearchResult(question, hits, terms, score, cross_language, covered, own["main"], features,
                            own.get("multi"), focus)

    def _agreement(self, cand: np.ndarray, judged: np.ndarray, own: dict[str, np.ndarray],
                   evidence_key: str, cos: dict[str, np.ndarray] | None = None) -> tuple[float, bool]:
        """(the main model's dense evidence, whether its three closest candidates and the evidence model's meet).

        See answerability (`main_dense`, `agree`); with one dense signal, the evidence's own and always agreeing.
        `cos`: the candidates' cosines with `own` when the search ranked them with it (else they are computed).
        """
        main = cos["main"] if cos is not None else self._main.view[cand] @ own["main"]
        baseline = float(np.median(self._main.baseline_vectors @ own["main"]))
        dense = float(main[judged[:EVIDENCE_HITS]].max(initial=baseline)) - baseline
        if evidence_key == "main":
            return dense, True
        other = cos[evidence_key] if cos is not None else self._multi.view[cand] @ own[evidence_key]
        closest = set(np.argsort(-main)[:EVIDENCE_HITS].tolist())
        return dense, bool(closest & set(np.argsort(-other)[:EVIDENCE_HITS].tolist()))

    def _distinct(self, cand: np.ndarray, ranked: np.ndarray) -> np.ndarray:
        """`ranked` (positions in `cand`, best first) with each near-copy of a passage above it moved to the end.

        The same paragraph read from a guide's HTML and from its PDF is one passage twice: cited twice, it takes
        the place of another. Near-copies are told by the evidence model's cosine (`SearchConfig.duplicate_cosine`).
        """
        view = (self._multi or self._main).view
        vectors = np.asarray(view[cand[ranked]], dtype=np.float32)
        similar = vectors @ vectors.T
        distinct: list[int] = []
        copies: list[int] = []
        for j in range(len(ranked)):
            (copies if any(similar[j, m] >= self.config.duplicate_cosine for m in distinct) else distinct).append(j)
        return ranked[distinct + copies]

    def rarity_words(self, text: str, language: str | None) -> list[tuple[bool, float | None]]:
        """(whether the corpus holds it, its Zipf frequency in `language`) of each content word of a text.

        See answerability.rare_known; cached per word. The frequency is wordfreq's for the word as written.
        """
        language = language or self.index.analyzer.language
        lexical = self.index.lexical
        out = []
        for word in dict.fromkeys(self.index.analyzer.lower_words(text)):
            pair = self._word_rarity.get((word, language))
            if pair is None:
                if len(self._word_rarity) >= WORD_RARITY_CACHE:
                    self._word_rarity.clear()  # a long-running bot meets ever more words: start afresh
                known = any(t in lexical.vocab for t in lexical.question_terms(word, language))
                pair = self._word_rarity[(word, language)] = (known, general_zipf(word, language))
            out.append(pair)
        return out

    def unwritten(self, text: str, language: str | None) -> set[str]:
        """The terms of a text's words that the corpus holds only through other words (see `cut_only`)."""
        language = language or self.index.analyzer.language
        return set().union(*(self.cut_only(w, language) for w in dict.fromkeys(self.index.analyzer.lower_words(text))))

    def cut_only(self, word: str, language: str) -> frozenset[str]:
        """The terms of `word` that the corpus holds only through another word sharing their cut stem.

        Terms are stems cut to five letters: "handball" is cut to "handb", which a corpus writing "Handbook"
        holds, though it never writes the word. Such a term is no evidence that the corpus speaks of the word:
        it counts as unknown unless the corpus writes a word sharing one more letter of its stem ("attendent"
        of "attendre", "universitaire" of "université"; looked for among the passages the term scores best, as
        `_writes` looks for a name). Across languages the cut is what meets cognates (military,
        militaires): the caller asks only of a question in the corpus's own language. Cached per word.
        """
        key = (word, language)
        out = self._cut_only.get(key)
        if out is None:
            if len(self._cut_only) >= WORD_RARITY_CACHE:
                self._cut_only.clear()
            lexical = self.index.lexical
            folded = fold(word)
            out = set()
            for term in lexical.question_terms(word, language):
                if term not in lexical.vocab:
                    continue
                # One letter past the cut, as far as its whole stem keeps the word's letters ("happy", "happi").
                whole = [os.path.commonprefix([folded, s])[: len(term) + 1] for s in self._uncut.terms(word, language)
                         if s.startswith(term)]
                whole = [w for w in whole if len(w) > len(term)]
                if whole and not self._written(re.compile("|".join(rf"\b{re.escape(w)}" for w in whole)), [term]):
                    out.add(term)
            out = self._cut_only[key] = frozenset(out)
        return out

    def _written(self, word: re.Pattern[str], terms: list[str]) -> bool:
        """Whether `word` (folded) is written in the passages `terms` score best."""
        scores = self.index.lexical.scores(terms, near=False)
        best = np.flatnonzero(scores > 0)
        if len(best) > ACRONYM_PASSAGES:  # the best ones, in any order
            best = best[np.argpartition(-scores[best], ACRONYM_PASSAGES - 1)[:ACRONYM_PASSAGES]]
        return any(word.search(fold(self.index.passages[int(i)].text)) for i in best)

    def _known(self, terms: list[str]) -> float:
        """The share of the terms (weighted by rarity) that the corpus holds; 1 for none."""
        share, total = self._rarity_share(terms)
        return share if total > 0 else 1.0

    def _rarity_share(self, terms: list[str], unwritten: Set[str] = frozenset()) -> tuple[float, float]:
        """(share of the terms' rarity (idf) that the corpus's vocabulary holds, their total idf); (0, 0) for none.

        `unwritten`: terms the vocabulary holds that count as unknown (see `cut_only`).
        """
        lex = self.index.lexical
        idf = {t: lex.idf(t) for t in dict.fromkeys(terms)}
        total = sum(idf.values())
        held = sum(v for t, v in idf.items() if t in lex.vocab and t not in unwritten)
        return (held / total if total > 0 else 0.0), total

    def _lexical_evidence(self, lexical: np.ndarray, terms: list[str], cross_language: bool = False,
                          unwritten: Set[str] = frozenset()) -> tuple[float, float]:
        """(known, lexical share) of the question's words.

        Known: the share of its words (weighted by rarity) that the corpus holds at all; lexical share: the
        best BM25 score as a share of what those words could score at most. Across languages, known is the
        mean of that share and of the plain share of its words: the words both languages write alike are the
        subject's ("commit" of a French question about Git's manual), common in the corpus and so light by
        rarity, while its words of its own language weigh the most, being unknown by nature.
        """
        known, total = self._rarity_share(terms, unwritten)
        if total <= 0:
            return 0.0, 0.0
        if cross_language:
            own = dict.fromkeys(terms)
            known = (known + sum(t in self.index.lexical.vocab for t in own) / len(own)) / 2
        return known, float(lexical.max(initial=0.0)) / total


# A name: a capitalised word inside a sentence ("Paris", "GitHub", not the sentence's first word), or letters
# and digits together ("MI308", "h200", "7i76E").
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<=\s)[A-ZÀ-Ý][\w'-]*")
_NAME = re.compile(rf"{_CAPITALISED.pattern}|\b[^\W\d_]+\d\w*|\b\d+[^\W\d_]\w*")
_ACRONYM = re.compile(r"[A-Z]{2,6}")

# A name of several words: a capitalised word inside a sentence (after a space or an elided article: "l'API
# Entreprise"), then capitalised words or letters with digits ("Microsoft Teams", "Radeon RX9070"), not bare numbers.
_RUN_WORD = r"(?:[A-ZÀ-Ý][\w'’-]*|[^\W\d_]+\d\w*)"
_NAME_RUN = re.compile(rf"(?<![.!?]\s)(?<=[\s'’]){_RUN_WORD}(?: {_RUN_WORD})+")
_LOWER_WORD = re.compile(r"(?<![\w'-])[a-zà-ÿ][\w-]*[a-zà-ÿ0-9]")


def _name_stems(name: str, terms: list[str]) -> list[str]:
    """The stems a name is looked for by (see `Searcher._writes`): its stemmed terms, folded.

    But a name of one word the stemmer cut by two letters or more (French cuts "Gitea" to "git", a word a manual
    about Git writes everywhere) by its whole word but the last letter: an inflection's ending is one letter
    ("Americans", "Européens"), a name's own letters are not one.
    """
    whole = fold(name)
    stems = [fold(t) for t in terms]
    if len(stems) == 1 and whole.isalpha() and whole.startswith(stems[0]) and len(whole) - len(stems[0]) >= 2:
        return [whole[:-1]]
    return stems

# A quoted message ("E: Could not open lock file…"): double quotes, guillemets, backticks, or single quotes that
# open after a space and close before one (not the apostrophes of "J'ai lu qu'un…").
_QUOTED = re.compile(r"[\"“«`]\s*([^\"”»`]{12,200}?)\s*[\"”»`]|(?<!\w)['‘]([^'’]{12,200}?)['’](?!\w)")


def question_focus(question: str, min_words: int = 20) -> str | None:
    """What a long question asks: its last question sentence (else its last sentence), with any quoted message.

    None for a question shorter than `min_words` words or of one sentence: it is all focus.
    """
    if len(question.split()) < min_words:
        return None
    sentences = split_sentences(" ".join(question.split()))
    if len(sentences) < 2:
        return None
    asked = [s for s in sentences if s.rstrip(" )»\"'").endswith("?")]
    focus = asked[-1] if asked else sentences[-1]
    quoted = [q for m in _QUOTED.finditer(question) if (q := m.group(1) or m.group(2)) not in focus]
    return " ".join([focus, *quoted])


def _unit(v: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    return (v / norm).astype(np.float32) if norm > 0 else v


def _mixed(z: dict[str, np.ndarray], weights: tuple[float, float, float]) -> np.ndarray:
    """The standardised signals mixed by their (lexical, main, multilingual) weights."""
    w_lex, w_main, w_multi = weights
    fused = w_lex * z["lexical"] + w_main * z["main"]
    return fused + w_multi * z["multi"] if "multi" in z else fused


def _standardised(x: np.ndarray) -> np.ndarray:
    """Scores as distances from their mean in standard deviations (zeros when they are all alike)."""
    x = np.asarray(x, dtype=np.float64)
    sd = float(x.std())
    return ((x - x.mean()) / sd).astype(np.float32) if sd > 1e-12 else np.zeros(len(x), dtype=np.float32)
