"""BM25 over analysed terms: the passage holding a question's words scores, however the words are typed."""

from __future__ import annotations

import numpy as np
import pytest

from index.lexical import LexicalIndex
from index.text import Analyzer

TEXTS = [
    "Jensen Huang a dîné avec Donald Trump à Mar-a-Lago.",
    "Les puces H20 sont exportées vers la Chine.",
    "L’administration américaine prépare des restrictions d’exportation.",
    "TSMC fabrique les puces de Nvidia à Taïwan.",
]


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer("fr")


@pytest.fixture(scope="module")
def lexical(analyzer) -> LexicalIndex:
    return LexicalIndex.build(TEXTS, analyzer)


def best(lexical: LexicalIndex, question: str) -> int:
    scores = lexical.scores(lexical.analyzer.terms(question))
    assert scores.max() > 0, question
    return int(np.argmax(scores))


@pytest.mark.parametrize(("question", "expected"), [
    ("Où Huang a-t-il dîné ?", 0),
    ("ou huang a t il dine", 0),  # no accents, no hyphens
    ("OÙ HUANG A-T-IL DÎNÉ", 0),
    ("Mar a Lago", 0),
    ("puce H20", 1),
    ("h20", 1),
    ("l'administration", 2),  # the other apostrophe than the text's
    ("administrations américaines", 2),  # plural forms meet the singular
    ("restriction d\u2019exportation", 2),
    ("Who makes Nvidia chips in Taiwan?", 3),  # English: "Taiwan" meets "Taïwan" once folded
])
def test_the_passage_with_the_words_scores_best(lexical, question, expected):
    """Accents, case, apostrophes and plural forms don't stop a question from finding its passage."""
    assert best(lexical, question) == expected


def test_scores_are_zero_without_known_terms(lexical, analyzer):
    """A question sharing no term with the passages scores zero everywhere, one score per passage."""
    scores = lexical.scores(analyzer.terms("recette du pain au levain"))
    assert scores.shape == (len(TEXTS),)
    assert not scores.any()


def test_stop_words_score_nothing(lexical, analyzer):
    """A question made only of function words (French or English) scores nothing."""
    assert analyzer.terms("What is the de la les ?") == []
    assert not lexical.scores([]).any()


def test_repeated_terms_count_once(lexical, analyzer):
    """Repeating a word in the question does not change the scores."""
    once = lexical.scores(analyzer.terms("puce Chine"))
    thrice = lexical.scores(analyzer.terms("puce puce puce Chine"))
    np.testing.assert_allclose(once, thrice)


def test_idf(lexical):
    """A rare term weighs more than a common one, and an unknown term weighs the most."""
    assert lexical.idf("mar") > lexical.idf("puc")  # "puces" is in two passages, "Mar-a-Lago" in one
    assert lexical.idf("inconnu") > lexical.idf("mar")


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize("texts", [[], ["Le la les."]], ids=["no passages", "only stop words"])
def test_corpus_without_terms(analyzer, texts):
    """An index of passages without any term gives zero scores, and no error."""
    empty = LexicalIndex.build(texts, analyzer)
    assert empty.size == len(texts)
    assert not empty.scores(analyzer.terms("puce")).any()


def test_save_and_load_give_the_same_scores(lexical, analyzer, tmp_path):
    """What is saved with the index loads back with the same scores."""
    lexical.save(tmp_path / "bm25")
    loaded = LexicalIndex.load(tmp_path / "bm25", analyzer, len(TEXTS))
    for question in ("Huang dîné", "puces Chine", "restrictions"):
        terms = analyzer.terms(question)
        np.testing.assert_allclose(loaded.scores(terms), lexical.scores(terms), rtol=1e-6)


MANUAL = [
    "Changez le mot de passe du compte administrateur depuis la console.",
    "Le serveur d'impression partage les imprimantes du réseau.",
    "Les élèves ouvrent une session sur les stations de travail.",
]


@pytest.fixture(scope="module")
def manual() -> LexicalIndex:
    return LexicalIndex.build(MANUAL, Analyzer("fr"))


@pytest.mark.parametrize(("question", "expected"), [
    ("changer le mot de pase de l'administarteur", 0),  # a letter left out, two swapped
    ("serveur d'imprimession", 1),  # a letter added
    ("partaeg des imprimantes", 1),
])
def test_a_typo_is_tolerated(manual, question, expected):
    """A question with typos still finds the passage holding the words meant."""
    scores = manual.scores(manual.question_terms(question))
    assert int(np.argmax(scores)) == expected and scores[expected] > 0


def test_a_typo_counts_less_than_the_word(manual):
    """A word one typo away scores less than the word itself, and an unrelated word scores nothing."""
    right = manual.scores(manual.question_terms("imprimantes"))[1]
    typo = manual.scores(manual.question_terms("ipmrimantes"))[1]
    assert 0 < typo < right
    assert not manual.scores(manual.question_terms("chocolat")).any()


def test_only_the_terms_named_may_be_typos(manual):
    """A term kept out of `near` (a name, say) scores only as written: no passage one edit away is found by it."""
    terms = manual.question_terms("ipmrimantes")
    assert manual.scores(terms, near=terms)[1] > 0
    assert not manual.scores(terms, near=[]).any() and not manual.scores(terms, near=False).any()


def test_missing_accents_are_folded(manual):
    """A question typed without accents ("eleves", "reseau") finds the accented words."""
    assert int(np.argmax(manual.scores(manual.question_terms("eleves")))) == 2
    assert manual.question_terms("réseau") == manual.question_terms("reseau")


def test_each_passage_is_stemmed_in_its_language():
    """An English passage is stemmed as English, a French one as French; a question finds either in its language."""
    analyzer = Analyzer("fr", prefix=0, counts={"fr": 1, "en": 1})
    texts = ["Les utilisateurs enregistrés se connectent.", "Registered users are connecting."]
    index = LexicalIndex.build(texts, analyzer, ["fr", "en"])
    assert int(np.argmax(index.scores(index.question_terms("connecting users", "en")))) == 1
    assert int(np.argmax(index.scores(index.question_terms("utilisateurs connectés", "fr")))) == 0
