"""Assemble an answer: the sentences of the cited passages that answer the question, with [n] markers and citations."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from .bilingual import translated_terms
from .embedding import Embedder
from .furniture import asks_about_furniture, furniture_line
from .lexical import LexicalIndex
from .passages import Passage
from .search import SearchResult
from .sentences import (
    DATA_KINDS,
    LOOSE_KINDS,
    Sentence,
    SentenceCache,
    acronyms,
    answer_types,
    asks_for_code,
    continues,
    qualifies,
    refers_back,
    sets_up,
    shape,
)
from .text import fold

MAX_ANSWER_SENTENCES = 2
MAX_ANSWER_CHARS = 600
# A document's own footnote calls ("2025[7].", "élevé [12]") would read as our [n] markers.
_FOOTNOTE_CALL = re.compile(r"\s*\[\d+\]")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")

__all__ = ["Answer", "AnswerConfig", "Citation", "SentenceCache", "assemble"]

Outcome = Literal["answered", "not_covered"]
OUTCOMES: tuple[Outcome, ...] = ("answered", "not_covered")
_PASSAGE_FIELDS = tuple(f.name for f in dataclasses.fields(Passage))


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
                 "score": round(self.score, 4), "highlight": self.highlight, "heading": p.heading, "date": p.date,
                 "link": p.link}
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
        # A sentence wrapped over two lines of its passage reads as one line here.
        return " ".join(f"{' '.join(_FOOTNOTE_CALL.sub('', s).split())} [{n}]" for s, n in self.sentences)

    @property
    def top_document(self) -> str | None:
        """The document of the first citation, if any."""
        return self.citations[0].passage.document if self.citations else None




@dataclass(frozen=True)
class AnswerConfig:
    """How the answer sentence is chosen among the sentences of the cited passages.

    A sentence scores the rarity-weighted share of the question's terms it holds (`lexical`; the
    conversation's earlier question counts `history_weight` as much), plus `type_weight` when it holds
    a fact of the kind the question asks for (a name for "who", a number for "how many"...) that the
    question did not already say, that bonus scaled down for sentences much less on topic than the
    best (`data_type_weight` for a duration, possible values, a key or a command line, the kinds of
    index/data/<lang>/kinds.txt, which name what is asked precisely); plus, with `dense_weight`, its
    cosine with the question (sentence vectors of the bundled model), for the `dense_candidates` best
    sentences only, as embedding costs time. Lower-ranked
    passages count `rank_discount` less each; fragments (unpunctuated lines) and code lines count less.
    A second sentence joins when the first ends with a colon (it completes it), or when the first
    lacks the asked fact and the second holds it, or when it scores `tie_share` of the first's (the
    words cannot tell which one answers). A long question's words outside its focus (the situation it
    tells) count `situation_weight` as much as the focus's.

    A question in another language than the documents (English about French text) shares few words
    with any sentence: there the multilingual model's meaning decides, each of the `meaning_candidates`
    best sentences scoring `meaning_weight` times its closeness to the question, from 0 (the farthest of
    them) to 1 (the closest). A question in the documents' own language gets the same with
    `meaning_weight_same` when the corpus knows less than `meaning_known` of its words (rarity-weighted):
    asked in other words than the documents' ("le big boss de la boite", typos, slang), only the meaning
    finds the sentence; and any question gets `meaning_weight` when a cited passage shares none of its words
    (the search found it by meaning alone). A sentence close in meaning is on topic: the asked kind of fact it
    holds counts as in a sentence sharing the words. Embedding eight sentences costs about ten questions'
    embeddings, so a question whose words the documents all know is left to its words.
    """

    history_weight: float = 0.5
    entry_weight: float = 1.0  # a defined term's sentence counts its entry's words this much (see with_entries)
    type_weight: float = 0.5
    data_type_weight: float = 1.0  # for DATA_KINDS: what is asked is named precisely ("combien de temps")
    type_gate: float = 0.5
    dense_weight: float = 0.0
    dense_candidates: int = 6
    rank_discount: float = 0.1
    fragment_factor: float = 0.5
    code_factor: float = 0.2  # unless the question is about a command, a function, an option...
    furniture_factor: float = 0.1  # a page's furniture (index/furniture.py), unless the question asks about it
    short_words: int = 5
    short_factor: float = 0.5
    second_share: float = 0.5
    meaning_weight: float = 1.0
    meaning_weight_same: float = 0.4  # the same for a question in the documents' language...
    meaning_known: float = 0.8  # ...when the documents know less than this share of its words (see above)
    meaning_candidates: int = 8
    meaning_typed: int = 4  # ...and at most this many more holding the asked kind of fact
    meaning_chars: int = 240  # what of a long sentence (a table row, a command) is embedded for its meaning
    translation_weight: float = 0.5  # a question asked across languages: its words translated (index/bilingual.py)
    tie_share: float = 0.85  # a sentence scoring this share of the first's joins it when nothing else does
    situation_weight: float = 0.5  # a long question's words outside its focus (the situation it tells)


@dataclass
class _Candidate:
    n: int  # citation number
    index: int  # sentence's order in its passage
    sentence: Sentence
    lexical: float
    shape: float
    factor: float
    dense: float = 0.0
    close: float | None = None  # closeness to the question by meaning, 0-1 among the embedded (None: not embedded)
    score: float = 0.0


def question_vector(result: SearchResult, embedder: Embedder, text: str) -> np.ndarray:
    """The question's vector: the search's own when it carries one, else embedded here."""
    vector = getattr(result, "query_vector", None)
    return vector if vector is not None else embedder.embed([text], query=True)[0]


def assemble(result: SearchResult, lexical: LexicalIndex, k: int = 3, sentences: SentenceCache | None = None,
             *, history: Sequence[str] = (), embedder: Embedder | None = None,
             multilingual: Embedder | None = None, config: AnswerConfig = AnswerConfig()) -> Answer:
    """Turn a search result into an answer citing its top `k` passages.

    The answer is the sentence of the cited passages that best answers the question (see
    AnswerConfig), never a question, heading, footnote, caption or table border; at most two
    sentences, quoted as they stand, each with its [n]. `history` holds the conversation's earlier
    questions, newest last: the last one gives the topic of a follow-up ("Où a-t-il dîné ?"), while
    the kind of fact asked comes from the question itself. The question is answered when the search
    found it covered and a sentence was found. `sentences` (the index's cache) saves re-analysing
    passages cited before; `embedder` (with `config.dense_weight`) adds the sentences' meaning, and
    `multilingual` (the index's second dense model) gives it to questions asked across languages.
    """
    sentences = sentences or SentenceCache(lexical.analyzer, maxsize=0)
    analyzer = lexical.analyzer
    own = {t: lexical.idf(t) for t in dict.fromkeys(result.terms) if t in lexical.vocab}
    more_of: set[str] | None = None
    if result.focus and config.situation_weight < 1.0:
        # A long question tells a situation, then asks: the sentence that answers the ask is the answer, not
        # the one that tells the situation back ("You are in the middle of a refactor…").
        asked = {t for lang in analyzer.languages for t in lexical.question_terms(result.focus, lang)}
        if asked & own.keys():
            own = {t: w if t in asked else config.situation_weight * w for t, w in own.items()}
            more_of = asked & own.keys()  # a second sentence adds more of what is asked, not of the situation
    if result.cross_language and config.translation_weight:
        # Asked across languages, the question's words are the passages' once translated (at a lower weight).
        for t in translated_terms(lexical, result.focus or result.question):
            own.setdefault(t, config.translation_weight * lexical.idf(t))
    context = history[-1] if history else ""
    ctx = {t: lexical.idf(t) for t in dict.fromkeys(analyzer.terms(context)) if t in lexical.vocab and t not in own}
    own_total, ctx_total = sum(own.values()) or 1.0, sum(ctx.values()) or 1.0
    kinds = answer_types(result.focus or result.question)  # a long question asks in its focus
    known = {fold(w) for w in _WORD.findall(f"{result.question} {' '.join(history)}")}
    asked_acronyms = acronyms(result.question) or acronyms(context)
    code_factor = 1.0 if asks_for_code(result.question) else config.code_factor
    furniture_factor = 1.0 if asks_about_furniture(result.question) else config.furniture_factor

    hits = result.hits[:k]
    candidates: list[_Candidate] = []
    by_citation: dict[int, list[_Candidate]] = {}
    for n, hit in enumerate(hits, start=1):
        for i, sentence in enumerate(sentences.get(hit.position, hit.passage.text)):
            if not sentence.answers:
                continue
            lex = sum(own[t] for t in sentence.terms & own.keys()) / own_total
            if sentence.entry:
                # A defined term ("--bare : Make a bare repository.") answers for what its entry says after it.
                lex = max(lex, config.entry_weight * sum(own[t] for t in (sentence.terms | sentence.entry)
                                                         & own.keys()) / own_total)
            if ctx:
                lex += config.history_weight * sum(ctx[t] for t in sentence.terms & ctx.keys()) / ctx_total
            factor = 1.0 - config.rank_discount * (n - 1)
            if sentence.kind == "fragment":
                factor *= config.fragment_factor
            elif sentence.kind == "code":
                factor *= code_factor
            # Asked two kinds of fact ("Qui a fondé le projet, et en quelle année ?"), a sentence holding both
            # answers better than one holding the first.
            held = [shape(sentence, t, known, asked_acronyms) for t in kinds] or [0.0]
            if len(sentence.words) < config.short_words and not (sentence.kind == "row" and max(held) >= 0.5):
                factor *= config.short_factor  # a table row is short by nature: "q · Fermer" answers in full
            if furniture_factor < 1.0 and furniture_line(sentence.text):
                factor *= furniture_factor  # "Partagez maintenant.", an author's contact line
            c = _Candidate(n, i, sentence, lex, sum(held) / len(held), factor)
            candidates.append(c)
            by_citation.setdefault(n, []).append(c)
    # A duration, values, a key or a command asked for: the sentence holding one is the answer, not its neighbour.
    type_weight = config.data_type_weight if kinds and kinds[0] in DATA_KINDS and kinds[0] not in LOOSE_KINDS \
        else config.type_weight
    _score(candidates, config, type_weight=type_weight)
    meaning = config.meaning_weight if result.cross_language else config.meaning_weight_same
    if not result.cross_language and result.features is not None and result.features.known >= config.meaning_known:
        meaning = 0.0  # the documents know all its words: they find the sentence, at no embedding's cost
    if any(max(c.lexical for c in own) == 0.0 for own in by_citation.values()):
        # The search found a passage by meaning alone (none of its sentences holds a word of the question: "garder
        # un œil sur ses élèves" for "superviser leurs étudiants"): the words cannot judge its sentences.
        meaning = config.meaning_weight
    if meaning and multilingual is not None and result.multilingual_vector is not None and candidates:
        _add_closeness(candidates, hits, sentences, multilingual, result.multilingual_vector, config,
                       count=config.meaning_candidates, weight=meaning, chars=config.meaning_chars, unit=True,
                       type_weight=type_weight)
    elif config.dense_weight and embedder is not None and candidates:
        query = question_vector(result, embedder, f"{result.question} {context}".strip())
        _add_closeness(candidates, hits, sentences, embedder, query, config, count=config.dense_candidates,
                       weight=config.dense_weight, type_weight=type_weight)

    also = None
    if len(kinds) > 1:  # a second kind of fact asked ("…, et en quelle année ?"): what holds it
        def also(c: _Candidate) -> bool:
            return shape(c.sentence, kinds[1], known, asked_acronyms) >= 1.0
    more_of = set(own) if more_of is None else more_of
    # A cited passage that goes on where another one ends (the next paragraph of the same section): its first
    # sentence follows the other's last.
    after = {n: (m, len(sentences.get(hit.position, hit.passage.text)) - 1)
             for n, hit in enumerate(hits, start=1) for m, nxt in enumerate(hits, start=1) if _goes_on(hit, nxt)}
    chosen = _choose(candidates, by_citation, config, more_of, also, after) if result.covered else []
    citations = []
    for n, hit in enumerate(hits, start=1):
        # The bold sentence of a citation: the answer's when it quotes this one, else its own best.
        own_best = [c for c in chosen if c.n == n] or sorted(by_citation.get(n, []), key=lambda c: -c.score)
        highlight = own_best[0].sentence.text if own_best else sentences.get(hit.position, hit.passage.text)[0].text
        citations.append(Citation(n, hit.passage, hit.score, highlight))
    more = [Citation(n, h.passage, h.score, "") for n, h in enumerate(result.hits[k:], start=k + 1)]
    answer = [(c.sentence.text, c.n) for c in chosen]
    return Answer(result.question, "answered" if answer else "not_covered", answer, citations, more)


def _score(candidates: list[_Candidate], config: AnswerConfig, dense_weight: float | None = None,
           type_weight: float | None = None) -> None:
    top = max((c.lexical for c in candidates), default=0.0)
    type_weight = config.type_weight if type_weight is None else type_weight
    dense_weight = config.dense_weight if dense_weight is None else dense_weight
    for c in candidates:
        # The asked kind of fact counts in full in sentences on the topic; a number in a sentence about
        # something else answers nothing.
        gate = min(1.0, c.lexical / (config.type_gate * top)) if top > 0 else 0.0
        if c.close is not None:
            # Asked in other words than the sentence's ("numéro un de l'IA" for "leadership mondial"), its
            # meaning says it is on topic.
            gate = max(gate, c.close)
        c.score = (c.lexical + type_weight * c.shape * gate + dense_weight * c.dense) * c.factor


def _add_closeness(candidates: list[_Candidate], hits, sentences: SentenceCache, embedder: Embedder,
                   query: np.ndarray, config: AnswerConfig, *, count: int, weight: float, chars: int | None = None,
                   unit: bool = False, type_weight: float | None = None) -> None:
    """Score the `count` best sentences by how much closer to the question they are than the farthest of them.

    What counts is the gap, not the model's cosine scale; with `unit`, the gaps are scaled to 0-1 (the
    closest gets 1). `chars` embeds only the start of long sentences.
    """
    ranked = sorted(candidates, key=lambda c: -c.score)
    # Sentences holding the asked kind of fact join the best ones: sharing no word with the question, they
    # would rank too low to be looked at, and their meaning may show them on topic.
    shortlist = ranked[:count] + [c for c in ranked[count:] if c.shape >= 1.0][:config.meaning_typed]
    vectors = sentences.vectors([(hits[c.n - 1].position, c.index, c.sentence.text[:chars]) for c in shortlist],
                                embedder)
    closeness = [float(np.dot(v, query)) for v in vectors]
    low, span = min(closeness), max(closeness) - min(closeness)
    for c, v in zip(shortlist, closeness, strict=True):
        c.dense = ((v - low) / span if span > 0 else 0.0) if unit else v - low
        if unit:
            c.close = c.dense
    _score(candidates, config, weight, type_weight)


def _goes_on(hit, nxt) -> bool:
    """Whether the passage of `nxt` goes on right after that of `hit` (only blank lines between them)."""
    a, b = hit.passage, nxt.passage
    return (a.document == b.document and a.section == b.section and a.line_end > 0
            and 0 < b.line_start - a.line_end <= 2)


def _following(first: _Candidate, by_citation: dict[int, list[_Candidate]],
               after: dict[int, tuple[int, int]] | None = None) -> _Candidate | None:
    """The sentence after `first`: in its passage, in another cited passage holding it, or opening the next one.

    `after` maps a citation to the citation whose passage goes on where its own ends, and its last sentence's index.
    """
    for n in (first.n, *(m for m in by_citation if m != first.n)):
        own = by_citation[n]
        at = next((i for i, c in enumerate(own) if c.sentence.text == first.sentence.text), None)
        if at is not None and at + 1 < len(own) and own[at + 1].index == own[at].index + 1:
            return own[at + 1]
    if after and first.n in after:
        m, last = after[first.n]
        if first.index == last and by_citation.get(m) and by_citation[m][0].index == 0:
            return by_citation[m][0]
    return None


def _preceding(first: _Candidate, by_citation: dict[int, list[_Candidate]]) -> _Candidate | None:
    """The sentence just before `first` in its passage, if it may answer."""
    own = by_citation[first.n]
    at = next(i for i, c in enumerate(own) if c is first)
    return own[at - 1] if at > 0 and own[at - 1].index == first.index - 1 else None


def _choose(candidates: list[_Candidate], by_citation: dict[int, list[_Candidate]],
            config: AnswerConfig, own: set[str], also=None,
            after: dict[int, tuple[int, int]] | None = None) -> list[_Candidate]:
    if not candidates:
        return []
    # Covered was decided by the search: with no sentence on topic, the top passage's first one still answers.
    ranked = sorted(candidates, key=lambda c: -c.score)
    first = ranked[0]
    if qualifies(first.sentence.text) and _preceding(first, by_citation) is None:
        # "Otherwise, apply…" opening its passage contrasts a sentence left out: quote it where that one is too
        # (passages overlap where a section's tail takes the block before it along).
        first = next((c for c in ranked if c.sentence.text == first.sentence.text
                      and _preceding(c, by_citation) is not None), first)
    chosen = [first]
    text = first.sentence.text.rstrip()
    following = _following(first, by_citation, after)
    close = [c for c in ranked[1:] if c.score >= config.second_share * first.score
             and c.sentence.text != first.sentence.text]
    second = None
    # The next sentence of the first's passage is on its topic even when it shares none of the question's words.
    if text.endswith(":"):
        second = following  # it introduces what follows (a list, a command): that completes it
    if second is None and following is not None and sets_up(text):
        second = following  # "Say you reset a branch by mistake." poses the case: what follows answers it
    if second is None and (before := _preceding(first, by_citation)) is not None \
            and before.sentence.text.rstrip().endswith(":"):
        second = before  # "… an SD card image is available here:" says what the first (a link, a command) is
    if second is None and first.shape < 1.0:
        # It holds the kind of fact the first lacks: the next sentence first ("… proposed. Après une semaine…").
        second = following if following is not None and following.shape >= max(0.5, first.shape + 0.1) \
            else next((c for c in close if c.shape >= 1.0), None)
    if second is None and also is not None and not also(first):
        # The question asks for a second kind of fact the first does not hold ("…, et en quelle année ?").
        second = following if following is not None and also(following) else next((c for c in close if also(c)), None)
    if second is None and qualifies(text) and (before := _preceding(first, by_citation)) is not None:
        second = before  # "Otherwise, apply…" contrasts the sentence before it: alone, it reads wrong
    if second is None and following is not None and (refers_back(following.sentence.text)
                                                      or qualifies(following.sentence.text)):
        # "… on doit insérer une ligne vide pour cela." completes the first; "Mais seul le mot de passe
        # Kerberos…" restricts it: an answer without it would mislead.
        second = following
    if second is None:
        second = next((c for c in close if (c.sentence.terms & own) - first.sentence.terms), None)  # more of the asked
    if second is None and following is not None and continues(following.sentence.text):
        second = following  # "Mais seul le mot de passe Kerberos…": the first goes on in the next one
    if second is None and following is not None and first.shape > 0 and following.shape >= 1.0:
        # "… launched in 2001. In 2003, the two projects merged.": the next one holds another fact of the
        # asked kind; which one is meant, the words cannot tell.
        second = following
    if second is None:
        # Another sentence scores about as well: the words cannot tell which one answers, so both are quoted.
        second = next((c for c in close if c.score >= config.tie_share * first.score
                       and c.sentence.terms != first.sentence.terms), None)
    if second is not None and second.sentence.text.rstrip().endswith(":") \
            and not (second.n == first.n and second.index < first.index):
        second = None  # "… listés par ordre alphabétique :" last in the answer introduces what is not quoted
    if second is not None and len(text) + len(second.sentence.text) <= MAX_ANSWER_CHARS:
        chosen.append(second)
        if second.n == first.n and second.index < first.index:
            chosen.reverse()
    return chosen
