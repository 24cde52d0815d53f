"""Answerability: values asked in units, words held only through a cut stem, names across languages."""

from __future__ import annotations

import pytest

from index.answerability import AnswerabilityConfig, Calibration, Evidence, asked_units, gives_unit
from tests.index.test_answerability import english_manual  # noqa: F401 - the module's fixture, shared


@pytest.mark.parametrize(("question", "language", "kinds"), [
    ("C'est combien une H200 à l'unité ?", "fr", ("price",)),
    ("stargate ça coûte combien", "fr", ("price",)),
    ("How much is the Stargate project worth?", "en", ("price",)),
    ("how much memory does the h200 have", "en", ("size",)),
    ("pour un poste LTSP faut cb de ram ?", "fr", ("size",)),
    ("Combien de puces H20 Nvidia a-t-il commandées ?", "fr", ()),  # a count: no unit asked
    ("C'est combien de jours ?", "fr", ()),  # "c'est combien de": a count, not a price
    ("Comment libérer de la mémoire ?", "fr", ()),  # memory, but no quantity asked
    ("What is the cost of a merge?", "en", ()),
    ("Who is the CEO of Nvidia?", "en", ()),
])
def test_a_question_asking_for_a_value_in_units(question, language, kinds):
    """A question asking for a price or a size in bytes is told by its language's words; a count is not."""
    assert asked_units(question, language) == kinds


@pytest.mark.parametrize(("text", "kind", "given"), [
    ("Le projet Stargate est estimé à 500 milliards de dollars.", "price", True),
    ("Each costs $25,000 at launch.", "price", True),
    ("L'accès à l'API est gratuit.", "price", True),  # a price in words
    ("700 000 unités prêtes à être exportées.", "price", False),  # a count is no price
    ("Il faut au moins 2048 Mio de mémoire vive.", "size", True),
    ("Prévoyez deux Go de mémoire.", "size", True),  # the number in words
    ("The H200 offers far more memory and bandwidth.", "size", False),  # speaks of memory, gives none
])
def test_a_passage_gives_a_value_of_the_kind(text, kind, given):
    """A passage gives a price or a size when it writes a number with its unit (or a price in words)."""
    assert gives_unit(text, kind) is given


def test_a_value_asked_that_no_passage_gives_is_not_covered():
    """However strong its other evidence, a question whose asked kind of value no passage gives is declined."""
    reference = [Evidence(known=0.1 * i, lexical=0.0, dense=0.01 * i) for i in range(10)]
    calibration = Calibration.measure("model", reference, ["fr"] * 10)
    strong = Evidence(known=1.0, lexical=0.5, dense=0.2)
    config = AnswerabilityConfig()
    assert config.verdict(calibration, strong, False, "fr")[1]
    assert not config.verdict(calibration, Evidence(known=1.0, lexical=0.5, dense=0.2, ungiven=("price",)),
                              False, "fr")[1]


def test_the_search_tells_which_asked_value_its_passages_lack(english_manual):  # noqa: F811
    """A question asking the manual for a price it never gives carries that kind in its evidence."""
    searcher = english_manual.searcher
    assert searcher.search("How much does git stash cost?").features.ungiven == ("price",)
    assert searcher.search("How do I stash the changes in a dirty working directory?").features.ungiven == ()


def test_a_word_held_only_through_its_cut_stem_is_not_known(english_manual):  # noqa: F811
    """"commission" is cut to "commi", which the manual's "commits" hold: it does not count as a known word."""
    searcher = english_manual.searcher
    assert searcher.cut_only("commission", "en") == {"commi"}
    assert searcher.cut_only("commits", "en") == frozenset()
    assert searcher.cut_only("committing", "en") == frozenset()  # "commit": the manual writes it
    assert searcher.search("What commission do brokers take?").features.known < \
        searcher.search("What do commits record?").features.known


@pytest.mark.parametrize(("question", "unnamed"), [
    ("Which Taiwanese foundry makes the H20?", 0),  # a cognate: "taïwanais"
    ("How many H20s are in stock?", 0),  # a model number's plural
    ("Which Amerigo labs buy H20 chips?", 1),  # cut to "ameri" as "américaines" is, but never written
])
def test_across_languages_a_name_is_written_as_a_cognate(fake_engine, question, unnamed):
    """Across languages a name counts as written when the corpus writes its stem but the ending, not its cut."""
    assert fake_engine.searcher.unnamed(question, "en")[0] == unnamed


@pytest.mark.parametrize(("known", "agree", "cross", "covered"), [
    (0.0, True, False, True),  # "le big boss de la boite...": few known words, both models point at one passage
    (0.0, False, False, False),  # the models' closest passages differ: the multilingual standing alone
    (0.5, True, False, False),  # more words known than the reference's median: their evidence speaks already
    (0.0, True, True, False),  # across languages the main model does not read the question
])
def test_everyday_words_are_judged_on_the_stronger_model_where_both_agree(known, agree, cross, covered):
    """A question in slang the corpus does not write is covered when both dense models find its passage."""
    reference = [Evidence(known=k, lexical=0.1, dense=0.02 + 0.001 * i, main_dense=0.05 + 0.01 * i)
                 for i, k in enumerate((0.0, 0.1, 0.2, 0.3, 0.4))]
    calibration = Calibration.measure("model", reference)
    config = AnswerabilityConfig(threshold=2.0, cross_language_threshold=2.0)
    question = Evidence(known=known, lexical=0.1, dense=0.02, main_dense=0.2, agree=agree)
    assert config.verdict(calibration, question, cross)[1] is covered


def test_with_one_dense_model_its_evidence_agrees_with_itself(english_manual):  # noqa: F811
    """An index without the multilingual model judges the main model's meaning, which agrees with itself."""
    features = english_manual.searcher.search("How do I stash my changes?").features
    assert features.agree and features.main_dense == pytest.approx(features.dense)



@pytest.fixture(scope="module")
def plans_manual(tmp_path_factory):
    """An Engine over three short pages that write "API" and "Entreprise" apart, and "Reference Manual" together."""
    from index import BuildOptions, Engine, build_index
    from tests.conftest import FakeEmbedder

    folder = tmp_path_factory.mktemp("plans")
    docs = folder / "docs"
    docs.mkdir()
    pages = {"api.md": "# The API\n\nThe API answers requests in JSON. Each request carries a token.\n",
             "plans.md": "# Plans\n\nThe Entreprise plan adds support. The free plan has no support.\n",
             "manual.md": "# Manual\n\nThe Reference Manual lists every option of the API and of the plans.\n"}
    for name, text in pages.items():
        (docs / name).write_text(text, encoding="utf-8")
    build_index(docs, folder / "index", FakeEmbedder(), BuildOptions())
    return Engine(folder / "index", FakeEmbedder())


@pytest.mark.parametrize(("question", "unnamed"), [
    ("How do I get a token for the API Entreprise?", 1),  # both words written, never together: another thing
    ("Where is the Reference Manual of the API?", 0),  # written together
    ("Does the Entreprise plan answer the API in JSON?", 0),  # two names apart, each written
])
def test_a_name_of_several_words_is_written_only_together(plans_manual, question, unnamed):
    """A name of several words that the corpus writes only apart is a name it lacks ("l'API Entreprise")."""
    assert plans_manual.searcher.unnamed(question, "en")[0] == unnamed
