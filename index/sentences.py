"""Answer sentences: the sentences of a passage, what each one is, and how well each answers a question.

A passage's text holds its blocks one a line (paragraphs, list items, table rows, code, short headings),
and PDF text may still hold a line cut mid-sentence. A sentence is kept exactly as it stands in the
passage, so that an answer quotes it. What it is (prose, a list item, a table row, a heading, a question,
a footnote, a caption, a table border) decides whether it may answer at all; what kind of fact it holds
(a name, a quantity, a date, a place, a cause, a definition) is matched with what the question asks for.
"""

from __future__ import annotations

import functools
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from importlib import resources

import numpy as np

from .embedding import Embedder
from .text import LANGUAGES, Analyzer, clean, count_words, fold, function_words, split_sentences

# Kinds of sentences. Those in NOT_ANSWERS never answer: they ask, title, annotate or draw.
KINDS = ("prose", "item", "row", "code", "fragment", "question", "heading", "footnote", "caption", "border")
NOT_ANSWERS = frozenset({"question", "heading", "footnote", "caption", "border"})
HEADING_MAX_WORDS = 10

# What a question asks for.
ANSWER_TYPES = ("person", "organisation", "quantity", "date", "place", "cause", "definition", "claim",
                "duration", "values", "key", "command", "name", "advice", "state", "method")
# Kinds whose question words and sentence words are data (index/data/<lang>/kinds.txt), checked in this order
# after "definition" and "cause" and before the others: "Combien de temps…" asks for a duration, not a number.
DATA_KINDS = ("duration", "values", "key", "command", "name", "advice", "state", "method")
# Data kinds asked only when no other kind is ("Which format should I use?" asks for advice; "Where should I
# ask?" for a place; "Is it out yet?" for the state of things).
FALLBACK_KINDS = ("advice", "state", "method")
# Data kinds that name what is asked only loosely ("Comment récupérer… ?" asks for a way, which many sentences tell):
# they count as much as the other kinds, not as a duration or a key.
LOOSE_KINDS = ("method",)

_TERMINAL = tuple(".!?…:;")
_CLOSERS = "\"»”)]’' \u00a0"
# "- item", "2. step", "a) case", and a timeline's entries: "2016 - Loi…", "2015: Loi…" (not "10 - 15 minutes").
_BULLET = re.compile(r"^\s*(?:[-–—•·*▪◦‣>]|\d{1,2}[.)]|[a-z][.)]|\d{4}\s*[-–—:](?=\s+[A-ZÀ-ÖØ-Þ]))\s+\S")
_BORDER = re.compile(r"^[\s\-=_+|*#~.:─━│┃┌┐└┘├┤┬┴┼═║╔╗╚╝╠╣╦╩╬]+$")
_FOOTNOTE = re.compile(r"^\s*(?:\[\d{1,3}\]|\(\d{1,3}\)|[¹²³⁴⁵⁶⁷⁸⁹⁰]+|\^\d+)\s*\S")
# Captions ("Figure 3") and section numbers ("7.4 Gestion des groupes", "Chapitre 3. Réseau") are built
# from data/<lang>/sentences.txt in _patterns(); only a section's words ignore case ("2 et 3 jours", a
# wrapped line's end, opens no section).
_CODE = re.compile(r"^\s*(?:\$ |# |>>>|sudo |apt(?:-get)? |dpkg |git |print\b|[\w.]+=\S)|[{}]\s*$|==|->|=>|"
                   r"\$\{?\w|\(\(|&&|\|\|")
_ROW = " · "


# Answer shapes: what a sentence holds of each kind. Matched on the sentence as written (names are capitalised).
_PATH = re.compile(r"(?<![\w/])(?:~?/[\w.+-]+(?:/[\w.+*-]*)*|[A-Z]:\\[\w\\. <>-]+|https?://\S+|"
                   # A host name ("schema.data.gouv.fr", "irc.debian.org"), not a setting ("core.autocrlf").
                   r"(?<![\w@.-])(?:[a-z0-9][a-z0-9-]*\.)+(?:com|org|net|edu|gov|int|info|io|dev|eu|fr|be|ch|ca|"
                   r"de|uk|us|nl|it|es|pt|at|se|no|dk|fi|pl|jp|cn|in|au|br|ru)(?![\w-]|\.\w))")
_CAPITALISED = re.compile(r"(?<![\w'’-])[A-ZÀ-ÖØ-Þ][^\W\d_]*(?:['’-][^\W\d_]+)*(?![\w'’-])")
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


# Each language's words: index/data/<lang>/kinds.txt and sentences.txt (adding a language is adding files).
DATA = resources.files(__package__).joinpath("data")
# The roles of sentences.txt (besides "accent.<kind>"); a language may leave any out.
SENTENCE_ROLES = frozenset(f"{group}.{role}" for group, roles in {
    "caption": "opens", "section": "opens", "time": "quantifier unit",
    "frequency": "every every_unit each each_unit per per_unit word",
    "date": "month day relative near edge edge_year", "place": "word before after",
    "cause": "holds to to_object to_ending", "claim": "holds", "definition": "holds is article",
    "continues": "contrast goes_on refers_back setup", "relative": "article word person verb", "number": "word",
    "acronym": "small", "code": "asks",
    # Any question kind may have "<kind>_first" and "<kind>_noun" words (see _question_types).
    "ask": "lead which and definition definition_opens definition_short definition_article cause quantity place_in "
           "claim_is claim_article claim_that claim_verb " + " ".join(
               f"{kind}_first {kind}_noun" for kind in ("cause", "date", "quantity", "place", "claim", "organisation",
                                                        "person")),
}.items() for role in roles.split())


def data_lines(name: str) -> dict[str, list[tuple[str, list[str]]]]:
    """Each language's ("group.role", phrases as written), line by line, from data/<lang>/<name> (languages sorted)."""
    out: dict[str, list[tuple[str, list[str]]]] = {}
    for folder in sorted(DATA.iterdir(), key=lambda f: f.name):
        path = folder.joinpath(name)
        if not folder.is_dir() or not path.is_file():
            continue
        lines = out.setdefault(folder.name, [])
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#") or ":" not in line:
                continue
            key, _, phrases = line.partition(":")
            lines.append((key.strip(), [p.strip().lower() for p in phrases.split("|") if p.strip()]))
    return out


@functools.cache
def kind_words() -> dict[tuple[str, str], tuple[str, ...]]:
    """(kind, role) -> folded phrases, from every language's data/<lang>/kinds.txt (adding a language adds a file)."""
    out: dict[tuple[str, str], list[str]] = {}
    for lines in data_lines("kinds.txt").values():
        for key, phrases in lines:
            kind, _, role = key.partition(".")
            out.setdefault((kind, role), []).extend(fold(p) for p in phrases)
    return {k: tuple(dict.fromkeys(v)) for k, v in out.items()}


@functools.cache
def sentence_words() -> dict[str, dict[str, tuple[str, ...]]]:
    """Each language's "group.role" -> phrases, from data/<lang>/sentences.txt ("ask.*" folded, others as written)."""
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    for lang, lines in data_lines("sentences.txt").items():
        roles: dict[str, list[str]] = {}
        for key, phrases in lines:
            roles.setdefault(key, []).extend(fold(p) if key.startswith("ask.") else p for p in phrases)
        out[lang] = {k: tuple(dict.fromkeys(v)) for k, v in roles.items()}
    return out


def _words(role: str) -> tuple[str, ...]:
    """The phrases of a role in every language."""
    assert role in SENTENCE_ROLES, role
    return tuple(dict.fromkeys(p for roles in sentence_words().values() for p in roles.get(role, ())))


def _alt(phrases: Iterable[str], end: str = "") -> str:
    """One alternation of phrases as written; a trailing * matches any ending, `end` follows the others.

    "..." between spaces matches any words ("what does ... mean"), glued to a word one word's letters ("qu'a-t-...").
    """
    def one(p: str) -> str:
        if p.endswith("*"):
            return re.escape(p[:-1]) + r"\w*"
        return " .+ ".join(re.escape(part).replace(r"\.\.\.", r"\w+") for part in p.split(" ... ")) + end

    alts = [one(p) for p in phrases]
    return "(?:" + "|".join(alts) + ")" if alts else r"(?!x)x"


def _each_language(*roles: str) -> list[tuple[str, ...]]:
    """For each language that has all the roles, their alternations (a pattern joining words of one language)."""
    return [tuple(_alt(words[r]) for r in roles)
            for words in sentence_words().values() if all(r in words for r in roles)]


@functools.cache
def _patterns() -> dict[str, re.Pattern]:
    """The sentence and question patterns built from the languages' words (data/<lang>/sentences.txt)."""
    w, i = _words, re.IGNORECASE
    contrast = _alt(w("continues.contrast"))
    frequency = [rf"\b{a} (?:\w+ )?{b}\b" for a, b in _each_language("frequency.every", "frequency.every_unit")]
    frequency += [rf"\b{a} {b}\b" for role in ("each", "per")
                  for a, b in _each_language(f"frequency.{role}", f"frequency.{role}_unit")]
    frequency += [rf"\b{a}\b" for (a,) in _each_language("frequency.word")]
    to_object = [p if p.endswith("'") else p + " " for p in w("cause.to_object")]
    return {
        # "Figure 3", "Tableau 2.1": a caption's word and number.
        "caption": re.compile(rf"^\s*{_alt(w('caption.opens'))}\s*\d+(?:[.\-–]\d+)*\b", i),
        # "7.4 Gestion des groupes", "24 Droits d'auteur", "Chapitre 3. Réseau": only the words ignore case.
        "section": re.compile(rf"^\s*(?:(?i:{_alt(w('section.opens'))})\s+\w+\b|"
                              r"\d{1,3}(?:\.\d{1,3})*\.?\s+[A-ZÀ-ÖØ-Þ])"),
        # A length of time without a number ("une semaine", "quelques heures") is a quantity too.
        "duration": re.compile(rf"\b{_alt(w('time.quantifier'))}\s+{_alt(w('time.unit'))}\b", i),
        "frequency": re.compile("|".join(frequency) or r"(?!x)x", i),
        "date": re.compile(rf"\b(?:1[5-9]\d\d|20\d\d)\b|\b{_alt(w('date.month') + w('date.day'))}\b|"
                           rf"\b\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}\b|\b{_alt(w('date.relative'))}\b|"
                           rf"\b{_alt(w('date.near'))}\b|\b{_alt(w('date.edge'))}\s*(?:{_alt(w('date.edge_year'))[3:-1]}|"
                           rf"\w+ \d{{4}})\b", i),
        "place_word": re.compile(rf"\b{_alt(w('place.word'))}\b", i),
        # "au complexe Mar-a-Lago", "dans la ville de Lyon": a name a few small words after the preposition.
        "place_after": re.compile(rf"(?<!\w){_alt(w('place.after'))}\s+(?:[a-zà-öø-ÿ'’]+\s+){{1,3}}"
                                  r"([A-ZÀ-ÖØ-Þ][\w'’-]+)"),
        "cause": re.compile(rf"\b(?:{_alt(w('cause.holds'))[3:-1]}|"
                            rf"{_alt(w('cause.to'))} {_alt(to_object)}?\w+{_alt(w('cause.to_ending'))}\b)\b", i),
        # Reported speech, argument and fear: "alertant sur le risque de…", "selon lui", "s'inquiètent…", quotes.
        "claim": re.compile(r"\b" + _alt(w("claim.holds"), end=r"\b") + "|[«“]", i),
        "definition": re.compile("|".join([rf"\b{_alt(w('definition.holds'))}\b"] + [
            rf"\b{a} {b}\b" for a, b in _each_language("definition.is", "definition.article")]), i),
        # Openings of a sentence that restricts or contradicts the one before it ("Mais seul…", "However, …").
        "qualifies": re.compile(rf"^[«\"(]?\s*(?:{contrast})\b", i),
        # A sentence that opens with one of these goes on from the one before it (contrast, consequence, reference).
        "continues": re.compile(rf"^[«\"(]?\s*(?:{contrast}|{_alt(w('continues.goes_on'))[3:-1]})\b", i),
        "refers_back": re.compile(rf"\b{_alt(w('continues.refers_back'))}\b", i),
        # "Say you modify a branch with git reset --hard…", "Supposons que…": a case posed, answered after.
        "sets_up": re.compile(rf"^[«\"(]?\s*{_alt(w('continues.setup'))}\b", i),
        # Questions about commands, functions or options are answered by code lines as much as by prose.
        "asks_code": re.compile(rf"\b{_alt(w('code.asks'))}\b", i),
    }


@functools.cache
def _question_types() -> tuple[tuple[str, re.Pattern], ...]:
    """Question shapes: what kind of fact a question asks for, checked in order, over the folded question.

    "<kind>_first" words count near the opening only: "quand" further on is a conjunction ("Comment ... quand
    aptitude est ouvert"). The words are data/<lang>/sentences.txt's "ask.*" roles.
    """
    w = _words
    which = _alt(w("ask.which"))
    lead = rf"^(?:{_alt(w('ask.lead'))}\s+)?(?:\S+\s+){{0,2}}?"

    def first(kind: str, *more: str, noun: str = "") -> str:  # near the opening: its words, and "quel <noun>"
        alts = [_alt(w(f"ask.{kind}_first")), *more]
        if noun or w(f"ask.{kind}_noun"):
            alts.append(noun or rf"{which} (?:[^\W\d_]+ )?{_alt(w(f'ask.{kind}_noun'))}s?")  # "what version number"
        return lead + "(?:" + "|".join(alts) + r")\b"

    article = [p if p.endswith("'") else p + " " for p in w("ask.claim_article")]
    claim_noun = rf"{which} (?:{_alt(w('ask.claim_is'))} {_alt(article)}?)?{_alt(w('ask.claim_noun'))}s?"
    claim_verb = rf"{_alt(w('ask.claim_that'))} {_alt(w('ask.claim_verb'))}(?:-\w+)?"
    place_in = rf"{_alt(w('ask.place_in'))} {which} {_alt(w('ask.place_noun'))}s?"
    short = rf"^{_alt(w('ask.definition_short'))} (?:{_alt(w('ask.definition_article'))} )?\S+(?: \S+)?\s*\??$"
    return tuple((t, re.compile(p)) for t, p in (
        # Anywhere in the question: asking what a word or an abbreviation means.
        ("definition", rf"\b{_alt(w('ask.definition'))}\b|\b{_alt(w('ask.definition_opens'))}|{short}"),
        ("cause", first("cause") + rf"|\b{_alt(w('ask.cause'))}\b"),
        ("date", first("date")),
        ("quantity", rf"\b{_alt(w('ask.quantity'))}\b|" + first("quantity")),
        ("place", first("place", place_in)),
        # What someone says, argues or fears: "Quel argument avance-t-il ?", "Que craignent-ils ?".
        ("claim", first("claim", claim_verb, noun=claim_noun)),
        ("organisation", first("organisation")),
        ("person", first("person")),
    ))


@functools.cache
def _accented() -> tuple[tuple[str, str, re.Pattern, re.Pattern], ...]:
    """(kind, word, its folded form, a question opening with it) for each sentences.txt "accent.<kind>" word.

    Such a question word reads, folded, as another word ("où", where, as "ou", or): it asks for its kind only
    with its accent or opening the question (after an "ask.and" word).
    """
    out = []
    for words in sentence_words().values():
        for role, phrases in words.items():
            if role.startswith("accent."):
                for p in phrases:
                    folded = re.escape(fold(p))
                    out.append((role.partition(".")[2], p, re.compile(rf"\b{folded}\b"),
                                re.compile(rf"(?:{_alt(words.get('ask.and', ()))} )?{folded}\b")))
    return tuple(out)


@functools.cache
def _number_words() -> frozenset[str]:
    return frozenset(fold(p) for p in _words("number.word"))


@functools.cache
def _small_words() -> frozenset[str]:
    return frozenset(fold(p) for p in _words("acronym.small"))


@functools.cache
def _place_before() -> frozenset[str]:
    return frozenset(_words("place.before"))  # not folded: "à", not "a"


def _alternation(phrases: Iterable[str]) -> str:
    """One alternation of folded phrases, longest first.

    A trailing * matches any ending, " ... " a few words, a trailing " !word" (or more) forbids that word right
    after ("c'est combien !de": "c'est combien une H200", not "c'est combien de jours").
    """
    def one(p: str) -> str:
        p, *nots = p.split(" !")
        body = re.escape(p[:-1]) + r"[\w'-]*" if p.endswith("*") else re.escape(p)
        body = body.replace(r"\ \.\.\.\ ", r" (?:[\w'-]+ ){1,4}")
        return body + "".join(rf"(?!\s*{re.escape(n)}(?![\w-]))" for n in nots)

    alts = sorted((one(p) for p in phrases), key=len, reverse=True)
    return "(?:" + "|".join(alts) + ")" if alts else r"(?!x)x"


def phrase_pattern(phrases: Iterable[str]) -> str:
    """The phrases as whole words."""
    return r"(?<![\w'-])" + _alternation(phrases) + r"(?![\w'-])"


@functools.cache
def _kind_patterns() -> dict[str, re.Pattern]:
    """Compiled patterns of the data kinds: "<kind>.<role>" -> pattern over folded text."""
    words = kind_words()
    out = {f"{kind}.{role}": re.compile(phrase_pattern(phrases) + (r"\s*$" if role == "last" else ""))
           for (kind, role), phrases in words.items() if role != "range"}
    ranges = [p.split("...", 1) for p in words.get(("values", "range"), ()) if "..." in p]  # "…" folds to "..."
    # "entre 1 et 10", "from -5 V to +5 V": two numbers (with a unit) around the second word.
    end = r"[-+−±]?\d[\d.,]*(?:\s*[^\W\d]{1,3})?"
    out["values.range"] = re.compile("|".join(
        rf"(?<!\w){re.escape(a)}\s+{end}\s+{re.escape(b)}\s+{end}(?!\w)" for a, b in ranges) or r"(?!x)x")
    keys = _alternation(words.get(("key", "holds"), ()))
    # "Ctrl+C", "Ctrl-Alt-Suppr", "Alt + F4", "F10": a key with another one or a single character.
    out["key.combo"] = re.compile(rf"(?<![\w'-]){keys}\s*[+-]\s*(?:{keys}|\w)(?![\w'])|(?<!\w)f(?:1[0-2]|[1-9])(?!\w)")
    # "appuyez sur q", "press «Enter»": a key of a few characters after the verb.
    out["key.press"] = re.compile(phrase_pattern(words.get(("key", "press"), ())) +
                                  rf"\s+(?:{_alternation(words.get(('key', 'press_before'), ()))}\s+)?"
                                  rf"(?:{_alternation(words.get(('key', 'name'), ()))}\s+)?[«\"'“‘]?\S{{1,3}}(?!\w)")
    return out


def data_kind(question: str) -> str | None:
    """The data kind a question asks for (duration, values, key, command), or None."""
    q = fold(" ".join(clean(question).lower().split()))
    patterns = _kind_patterns()
    return next((k for k in DATA_KINDS if k not in FALLBACK_KINDS and f"{k}.asks" in patterns
                 and patterns[f"{k}.asks"].search(q)), None)


def continues(sentence: str) -> bool:
    """Whether a sentence goes on from the one before it.

    It opens so ("Mais…", "Elle…", "However…") or points back ("… une ligne vide pour cela.", "To do so, …").
    """
    p = _patterns()
    return bool(p["continues"].match(sentence.lstrip(" -–—•*")) or p["refers_back"].search(sentence))


def qualifies(sentence: str) -> bool:
    """Whether a sentence restricts or contradicts the one before it ("Mais seul…", "However, …")."""
    return bool(_patterns()["qualifies"].match(sentence.lstrip(" -–—•*")))


def refers_back(sentence: str) -> bool:
    """Whether a sentence points back at the one before it ("… pour cela.", "To do so, …")."""
    return bool(_patterns()["refers_back"].search(sentence))


def sets_up(sentence: str) -> bool:
    """Whether a sentence poses a case that the next one answers ("Say you…", "Supposons que…")."""
    return bool(_patterns()["sets_up"].match(sentence.lstrip(" -–—•*")))


@functools.cache
def _relative_openings() -> tuple[tuple[re.Pattern, re.Pattern], ...]:
    """Per language: (a question opening with an article, a noun and a relative word; a verb asking on its own).

    "la plateforme où le public annote… ?" opens so; "Les élèves qui partent peuvent-ils… ?" asks with its verb.
    """
    out = []
    for words in sentence_words().values():
        if "relative.article" not in words or "relative.word" not in words:
            continue
        articles = "|".join(re.escape(a) + ("" if a.endswith(("'", "’")) else r"\s+")
                            for a in sorted(words["relative.article"], key=len, reverse=True))
        relatives = "|".join(re.escape(r) + ("" if r.endswith(("'", "’")) else r"(?![\w'’-])")
                             for r in sorted(words["relative.word"], key=len, reverse=True))
        lead = _alt(words.get("ask.lead", ()))
        verbs = "|".join(re.escape(v) + r"(?![\w'’-])" for v in words.get("relative.verb", ()))
        out.append((re.compile(rf"^(?:{lead}\s+)?(?:{articles})(?P<noun>[^\W\d_]+(?:[-'’][^\W\d_]+)*)"
                               rf"(?:\s+[^\W\d_]+)?\s+(?P<relative>{relatives})", re.IGNORECASE),
                    re.compile(verbs or r"(?!x)x", re.IGNORECASE)))
    return tuple(out)


def _relative_kind(lower: str) -> str | None:
    """What a question naming a thing by a relative clause asks for ("la plateforme où le public annote… ?").

    It asks which one: the kind its noun asks for after "quel" (a person, a place, a date, a quantity), a
    command for a command's noun, a person after "who", else a name.
    """
    for pattern, verbs in _relative_openings():
        m = pattern.match(lower)
        if m is None or verbs.search(lower):
            continue
        noun = fold(m.group("noun"))
        for kind in ("person", "place", "date", "quantity", "organisation"):
            if any(noun in (n, n + "s") for n in _words(f"ask.{kind}_noun")):
                return kind
        if any(noun == fold(w) for w in _words("code.asks")):
            return "command"
        if m.group("relative").lower() in _words("relative.person"):
            return "person"
        return "organisation"  # a named thing: a platform, a tool, a law
    return None


def asks_for_code(question: str) -> bool:
    """Whether a question is about a command, a function, an option or a key: code lines may answer it."""
    return bool(_patterns()["asks_code"].search(question)) or data_kind(question) in ("command", "key")


def answer_type(question: str) -> str | None:
    """What kind of fact a question asks for: one of ANSWER_TYPES, or None (how, what, which thing...)."""
    lower = " ".join(clean(question).lower().split())
    q = fold(lower)
    # Asked last, in everyday words ("la loi … c'est de quand ?", "ils ont dîné où ?"), the question word
    # decides, whatever a relative pronoun earlier says ("la loi qui…").
    end = q.rstrip(" ?!.…")
    patterns = _kind_patterns()
    last = next((k for k in ANSWER_TYPES if f"{k}.last" in patterns and patterns[f"{k}.last"].search(end)), None)
    if last:
        return last
    if (named := _relative_kind(lower)) and not data_kind(question):
        return named  # "la plateforme où le public annote… ?": which platform, not where
    for kind, pattern in _question_types():
        if kind == "date" and (data := data_kind(question)):
            return data
        m = pattern.search(q)
        # Folded, "où" (where) reads as "ou" (or): without its accent, it asks where only as the first word.
        if m and not any(k == kind and word.search(m.group()) and accented not in lower[:m.end() + 1]
                         and not opening.match(q) for k, accented, word, opening in _accented()):
            return kind
    return next((k for k in FALLBACK_KINDS if f"{k}.asks" in patterns and patterns[f"{k}.asks"].search(q)), None)


def answer_types(question: str) -> list[str]:
    """The kinds of fact a question asks for, the main one first.

    "Qui a fondé Debian, et en quelle année ?" asks for a person and a date: each clause after "et" or
    "and" may ask for another kind.
    """
    main = answer_type(question)
    kinds = [main] if main else []
    for clause in re.split(rf"(?:,\s*|\s+){_alt(_words('ask.and'))}\s+", " ".join(clean(question).split())):
        kind = answer_type(clause)
        if kind and kind not in kinds:
            kinds.append(kind)
    return kinds


def acronyms(text: str) -> list[str]:
    """The acronyms of a text (two to eight capitals, digits allowed after the first): FTBFS, NPR, H20."""
    return [w for w in re.findall(r"\b[A-Z][A-Z0-9]{1,7}\b", text) if sum(c.isalpha() for c in w) >= 2]


@dataclass(frozen=True)
class Sentence:
    """A sentence of a passage as it stands there (a wrapped line's break kept), with what it is and holds."""

    text: str
    kind: str  # one of KINDS
    terms: frozenset[str]  # lexical terms (the analyser's)
    names: tuple[tuple[str, ...], ...]  # runs of capitalised words (folded), in order
    numbers: tuple[str, ...]  # numbers and number words (folded)
    dates: tuple[str, ...]  # folded words of the dates it names (years, months, days...)
    frequency: bool  # "toutes les heures", "every week", "une semaine": a quantity of time without a number
    places: tuple[str, ...]  # folded: names after à/au/en/dans..., paths and URLs
    place_word: bool  # "complexe", "résidence", "city"...
    cause: bool
    definition: bool
    words: tuple[str, ...]  # folded words, in order
    claim: bool = False  # reported speech, an argument or a fear
    data: tuple[tuple[str, float], ...] = ()  # (data kind, how much it holds one: 0-1) for DATA_KINDS
    entry: frozenset[str] = frozenset()  # a defined term's entry ("--bare : Make… That is…"): its other terms

    @property
    def answers(self) -> bool:
        """Whether this sentence may answer at all (not a question, heading, footnote, caption or border)."""
        return self.kind not in NOT_ANSWERS


def sentence_spans(text: str) -> list[tuple[str, str]]:
    """(sentence, kind) for each sentence of a passage's text, in order; each sentence is a substring of it.

    Lines are blocks, except where a line was cut mid-sentence (it ends without a sentence's end and
    the next one goes on in lower case, or with a path or a number): such lines are read as one.
    """
    lines = text.split("\n")
    out: list[tuple[str, str]] = []
    group: list[str] = []
    for i, line in enumerate(lines):
        group.append(line)
        if i + 1 < len(lines) and (_continues(line, lines[i + 1]) or _through_command(lines, i)):
            continue
        out += _block_sentences("\n".join(group))
        group = []
    return out


def _through_command(lines: Sequence[str], i: int) -> bool:
    """Whether line `i` and the next belong to one sentence holding a command line in its middle.

    "… replace the most recent commit using" / "$ git commit --amend" / "which will replace the old commit…":
    a sentence left open before a command and going on in lower case after it is one sentence, the
    command its object; so is a command followed by the verb it is the subject of ("$ git diff a..b" /
    "will tell you whether…").
    """
    command = _command_line

    def goes_on(line: str) -> bool:  # prose in lower case: the rest of a sentence, not a program's output
        end = line.rstrip(_CLOSERS.replace(")", "").replace("]", ""))
        return (line[:1].islower() and line.split()[0].rstrip(",").isalpha() and not _CODE.search(line)
                and not _BULLET.match(line) and sum(w.isalpha() for w in line.split()) >= 3
                and (end.endswith(_TERMINAL) or end[-1:].isalpha()))  # not "fonction C : byte f(float v)"

    line = lines[i]
    if command(line):
        return i + 1 < len(lines) and goes_on(lines[i + 1])
    end = line.rstrip(_CLOSERS)
    return (bool(end) and end[-1:].isalpha() and end[-1:].islower() and count_words(line) >= 3
            and not end.endswith(_TERMINAL) and i + 2 < len(lines) and command(lines[i + 1])
            and goes_on(lines[i + 2]))


def _command_line(line: str) -> bool:
    """Whether a line is a short command ("$ git commit --amend")."""
    return bool(_CODE.search(line)) and len(line.split()) <= COMMAND_MAX_WORDS and _ROW not in line


def _continues(line: str, nxt: str) -> bool:
    """Whether `nxt` goes on with the sentence `line` leaves open (a hard wrap)."""
    end = line.rstrip(_CLOSERS)
    head = nxt.lstrip()
    if not end.strip() or not head or end.endswith(_TERMINAL) or _ROW in line or _ROW in nxt:
        return False
    open_aside = line.count("(") > line.count(")") or line.count("«") > line.count("»")
    if open_aside and re.match(r"[–—-]\s+[^\W\d_]", head) and head.lstrip("–—- ")[:1].islower():
        return True  # "(… numbered after the digits of π" / "– currently 3.1415926 – …)": an aside, no list
    if _BULLET.match(nxt) or _BORDER.match(nxt) or _FOOTNOTE.match(nxt) or _CODE.search(line) or _CODE.search(nxt):
        return False
    if nxt[:1].isspace() or line[:1].isspace():
        return False  # indented: lines of code, kept apart
    if open_aside:
        return True  # inside parentheses or quotes left open
    first = head[0]
    return first.islower() or first in "/~(«\"“" or (first.isdigit() and not _patterns()["section"].match(head))


def _block_sentences(block: str) -> list[tuple[str, str]]:
    flat = block.replace("\n", " ")
    if _BORDER.match(flat):
        return [(block.strip(), "border")] if block.strip() else []
    if _ROW in flat:
        return [(block.strip(), "row")]
    if _CODE.search(flat) and not flat.rstrip(_CLOSERS).endswith(tuple(".!?")):
        return [(block.strip(), "code")]
    kind = "item" if _BULLET.match(flat) else None
    if _FOOTNOTE.match(flat):
        kind = "footnote"
    elif _patterns()["caption"].match(flat):
        kind = "caption"
    # Sentences are cut from the block as written: a wrapped line's break stays inside its sentence.
    parts = split_sentences(block)
    out = []
    for i, part in enumerate(parts):
        out.append((part, _sentence_kind(part, kind if (i == 0 or kind != "item") else None, len(parts))))
    return out


def _sentence_kind(sentence: str, block_kind: str | None, siblings: int) -> str:
    end = sentence.rstrip(_CLOSERS)
    if end.endswith("?"):
        return "question"
    if block_kind in ("footnote", "caption"):
        return block_kind
    if block_kind == "item":
        return "item"
    if end.endswith(tuple(".!…:;")):
        return "prose"
    words = count_words(sentence)
    if siblings == 1 and (_patterns()["section"].match(sentence) or words <= HEADING_MAX_WORDS):
        return "heading"
    return "fragment"


def analyse(sentence: str, kind: str, analyzer: Analyzer) -> Sentence:
    """A sentence with its terms and the shapes of the facts it holds."""
    flat = " ".join(sentence.split())
    lines = sentence.split("\n")
    # A command inside a sentence (see _through_command) is its object: the numbers and dates of its
    # arguments ("HEAD@{1 week ago}") are no facts the sentence states.
    commands = [line for line in lines if _command_line(line)] if kind == "prose" and len(lines) > 1 else []
    said = " ".join(" ".join(line for line in lines if line not in commands).split()) if commands else flat
    words = tuple(_WORD.findall(fold(flat)))
    names = _names(flat)
    numbers = tuple(fold(n) for n in re.findall(r"(?<![\w.,])\d+(?:[\s\u00a0.,/]\d+)*", said)) + tuple(
        w for w in _WORD.findall(fold(said)) if w in _number_words())
    data = dict(_data_shapes(said, kind))
    p = _patterns()
    if commands:
        data["command"] = 1.0
    return Sentence(
        text=sentence, kind=kind, terms=frozenset(analyzer.terms(flat)), names=names, numbers=numbers,
        dates=tuple(w for m in p["date"].finditer(said) for w in _WORD.findall(fold(m.group()))),
        frequency=bool(p["frequency"].search(said) or p["duration"].search(said)), places=_places(flat),
        place_word=bool(p["place_word"].search(flat)), cause=bool(p["cause"].search(flat)),
        definition=bool(p["definition"].search(flat)), words=words, claim=bool(p["claim"].search(flat)),
        data=tuple(data.items()),
    )


COMMAND_MAX_WORDS = 20
# A glossary's or a manual's entry: a term of one to four words, then " : " and what it is.
_GLOSSARY = re.compile(r"^[\s•*–—-]*[^\W\d_][\w.+'’-]*(?: [\w.+'’-]+){0,3} : \S")
_OPTION = re.compile(r"(?<![\w-])--?[a-zA-Z][\w-]*|^\s*[$#>] \S")


def _data_shapes(flat: str, kind: str) -> tuple[tuple[str, float], ...]:
    """How much a sentence holds each data kind: a duration, possible values, a key, a command line."""
    text = fold(flat.lower())
    p = _kind_patterns()
    shapes = {}
    if "duration.holds" in p:
        number = r"(?<![\w.,])(?:\d+(?:[.,]\d+)?|" + "|".join(sorted(_number_words(), key=len, reverse=True)) + ")"
        unit = p["duration.holds"].pattern
        if re.search(rf"{number}\s*(?:[\w'-]+\s+)?{unit}", text):
            shapes["duration"] = 1.0
        elif _patterns()["duration"].search(flat) or _patterns()["frequency"].search(flat):
            shapes["duration"] = 0.7
    alternatives = text.count(",") + len(p["values.alternative"].findall(text)) if "values.alternative" in p else 0
    if ("values.holds" in p and p["values.holds"].search(text)) or p["values.range"].search(text):
        shapes["values"] = 1.0
    elif alternatives >= 2 or " | " in text or (kind in ("item", "row") and alternatives):
        shapes["values"] = 0.8
    elif kind in ("item", "row"):
        shapes["values"] = 0.5  # one value of a list or table
    if "values" in shapes and "values.weak" in p and p["values.weak"].search(text) and shapes["values"] < 1.0:
        shapes["values"] = 0.2  # the default, not the values
    if p["key.combo"].search(text):
        shapes["key"] = 1.0
    elif p["key.press"].search(text):
        shapes["key"] = 0.8
    elif kind == "row" and (("key.holds" in p and p["key.holds"].search(text))
                            or len(flat.split(_ROW, 1)[0].strip()) <= 3):
        shapes["key"] = 0.6  # a table of keys: "q · Quitter"
    if kind == "code":
        # A command line is short; a long "code" block is prose that only looks like code.
        shapes["command"] = 1.0 if len(flat.split()) <= COMMAND_MAX_WORDS else 0.3
    elif _OPTION.search(flat):
        shapes["command"] = 0.8
    elif "command.holds" in p and p["command.holds"].search(text):
        shapes["command"] = 0.7  # "Installez le paquet expeyes", "run kinit as root"
    if "advice.holds" in p and p["advice.holds"].search(text):
        shapes["advice"] = 1.0  # "Il est conseillé d'utiliser…", "… should be used"
        if "advice.case" in p and p["advice.case"].match(text.lstrip(" -–—•*«\"(")):
            shapes["advice"] = 0.7  # "Lorsque le séparateur est la virgule, il est recommandé…": for one case only
    if "method.holds" in p and p["method.holds"].search(text):
        shapes["method"] = 1.0  # "votre meilleure option est d'utiliser la ligne de commande :", "you can use…"
    if "state.holds" in p and p["state.holds"].search(text):
        shapes["state"] = 1.0  # "La décision est encore en suspens.", "It is not supported yet."
    if kind != "row" and _GLOSSARY.match(flat):
        shapes["name"] = 1.0  # "detached HEAD : Normally HEAD stores…": a term and what it names
    elif "name.holds" in p and p["name.holds"].search(text):
        shapes["name"] = 0.7  # "… is called « detached »"
    return tuple(shapes.items())


def _names(text: str) -> tuple[tuple[str, ...], ...]:
    """Runs of capitalised words (their case kept), without function words ("Le", "Nous", "The").

    A lone capitalised first word is capitalised by position, not as a name ("Jensen Huang a dit" keeps its run).
    """
    function = _function_words()
    start = len(text) - len(text.lstrip(" «\"“(-–—•*"))
    runs: list[list[str]] = []
    starts: list[int] = []
    last_end = -2
    for m in _CAPITALISED.finditer(text):
        word = m.group()
        if fold(word) in function:
            last_end = -2
            continue
        if runs and last_end >= 0 and text[last_end:m.start()] in (" ", "\u00a0"):
            runs[-1].append(word)
        else:
            runs.append([word])
            starts.append(m.start())
        last_end = m.end()
    return tuple(tuple(run) for run, at in zip(runs, starts, strict=True) if at != start or len(run) > 1)


@functools.cache
def _function_words() -> frozenset[str]:
    return frozenset().union(*(function_words(lang) for lang in sentence_words() if lang in LANGUAGES))


def _places(text: str) -> tuple[str, ...]:
    found = [fold(m.group()) for m in _PATH.finditer(text)]
    tokens = list(re.finditer(r"\S+", text))
    for prev, tok in zip(tokens, tokens[1:], strict=False):
        word = tok.group().strip(",.;:()«»\"")
        if word[:1].isupper() and prev.group().lower().strip("(") in _place_before():  # not folded: "à", not "a"
            found.append(fold(word))
    # "au complexe Mar-a-Lago", "dans la ville de Lyon": a name a few small words after the preposition.
    for m in _patterns()["place_after"].finditer(text):
        found.append(fold(m.group(1)))
    return tuple(dict.fromkeys(found))


class SentenceCache:
    """The sentences of passages, analysed on first use and kept (LRU).

    Answer assembly looks at the sentences of each cited passage; the text never changes, so a
    passage is analysed once, not at every question that cites it. A cache belongs to one index
    (passages are keyed by position): it is replaced with it.
    """

    def __init__(self, analyzer: Analyzer, maxsize: int = 8192) -> None:
        self.analyzer = analyzer
        self._get = functools.lru_cache(maxsize=maxsize)(self._analyse) if maxsize else self._analyse
        self.maxsize = maxsize
        self._vectors: OrderedDict[tuple[str, int, int], np.ndarray] = OrderedDict()  # (model, passage, sentence)
        self._lock = threading.Lock()

    def vectors(self, wanted: Sequence[tuple[int, int, str]], embedder: Embedder) -> list[np.ndarray]:
        """Vectors by `embedder` of sentences given as (passage position, sentence index, text).

        Each sentence is embedded once per model; the missing ones in one batch.
        """
        model = embedder.name
        with self._lock:
            found = {key: self._vectors.get(key) for key in ((model, p, i) for p, i, _ in wanted)}
        missing = [(p, i, text) for p, i, text in wanted if found[(model, p, i)] is None]
        if missing:
            fresh = embedder.embed([text for _, _, text in missing])
            with self._lock:
                for (p, i, _), v in zip(missing, fresh, strict=True):
                    found[(model, p, i)] = self._vectors[(model, p, i)] = v
                while len(self._vectors) > 8 * max(self.maxsize, 1):
                    self._vectors.popitem(last=False)
        return [found[(model, p, i)] for p, i, _ in wanted]

    def get(self, position: int, text: str) -> tuple[Sentence, ...]:
        """The sentences of the passage at `position` of the index, whose text is `text`."""
        return self._get(position, text)

    def _analyse(self, position: int, text: str) -> tuple[Sentence, ...]:
        spans = sentence_spans(text) or [(text, "fragment")]
        return with_entries(text, [analyse(s, kind, self.analyzer) for s, kind in spans])


def with_entries(text: str, sentences: Sequence[Sentence]) -> tuple[Sentence, ...]:
    """The sentences, each defined term's ("--bare : Make a bare repository.") knowing the rest of its entry.

    A manual's entry names its term (an option, a setting, a command) in its first sentence and says what it
    does over the next ones, on the same line: a question about what it does is answered by the term's line.
    """
    out = list(sentences)
    at = 0
    starts = []
    for sentence in out:
        at = text.find(sentence.text, at)
        starts.append(at)
        at += len(sentence.text) if at >= 0 else 0
    for i, sentence in enumerate(out):
        if dict(sentence.data).get("name", 0.0) < 1.0 or starts[i] < 0:
            continue
        rest: set[str] = set()
        for j in range(i + 1, len(out)):
            if starts[j] < 0 or "\n" in text[starts[j - 1]:starts[j]]:
                break  # the entry ends with its line
            rest |= out[j].terms
        if rest - sentence.terms:
            out[i] = replace(sentence, entry=frozenset(rest - sentence.terms))
    return tuple(out)


def shape(sentence: Sentence, kind: str | None, known: Iterable[str], question_acronyms: Iterable[str] = ()) -> float:
    """How much a sentence holds a fact of the kind asked for (0–1), counting only what the question did not say.

    `known` holds the folded words of the question (and of the conversation before it).
    """
    if kind is None:
        return 0.0
    known = set(known)
    if kind in ("person", "organisation"):
        # A run that shares a word with the question ("Huang" asked, "Jensen Huang" found) names nothing new.
        new = [run for run in sentence.names if not any(fold(w) in known for w in run)]
        if kind == "organisation":
            # "Selon NPR", "Reuters": an acronym or a single name; a run of names is more often a person's
            # ("Jensen Huang"), and a place ("au Mar-a-Lago") is none.
            new = [run for run in new if not (len(run) == 1 and fold(run[0]) in sentence.places)]
            if any(len(run) == 1 and run[0].isupper() for run in new):
                return 1.0
            return 0.7 if any(len(run) == 1 for run in new) else (0.4 if new else 0.0)
        if any(len(run) >= 2 for run in new):
            return 1.0
        if any(not run[0].isupper() for run in new):  # "Reuters" rather than an acronym ("IA", "USB")
            return 0.7
        return 0.4 if new else 0.0
    if kind == "quantity":
        new = [n for n in sentence.numbers if n not in known]
        return 1.0 if new else (0.7 if sentence.frequency else 0.0)
    if kind == "date":
        return 1.0 if any(w not in known for w in sentence.dates) else (0.3 if sentence.dates else 0.0)
    if kind == "place":
        new = [p for p in sentence.places if p not in known]
        return 1.0 if new else (0.5 if sentence.place_word else 0.0)
    if kind == "cause":
        return 1.0 if sentence.cause else 0.0
    if kind == "claim":
        return 1.0 if sentence.claim else 0.0
    if kind in DATA_KINDS:
        return dict(sentence.data).get(kind, 0.0)
    if kind == "definition":
        if any(_expands(a, sentence.text) for a in question_acronyms):
            return 1.0
        return 0.6 if sentence.definition else 0.0
    return 0.0



def _expands(acronym: str, text: str) -> bool:
    """Whether `text` spells `acronym` out: words whose initials make it.

    Small words may count ("Fails To Build From Source") or not ("Frequently Asked Questions" for FAQ).
    """
    letters = [c.lower() for c in acronym if c.isalpha()]
    words = _WORD.findall(text)
    for kept in (words, [w for w in words if fold(w) not in _small_words()]):
        initials = [fold(w)[0] for w in kept]
        for i in range(len(initials) - len(letters) + 1):
            if initials[i:i + len(letters)] == letters and fold(kept[i]) != fold(acronym):
                return True
    return False
