"""The thesaurus: a question's words expanded with their synonyms in the same language, for BM25."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from index.lexical import LexicalIndex
from index.synonyms import Thesaurus, shipped, synonym_scores, synonym_terms
from index.text import Analyzer

FRENCH = [
    "Les entreprises chinoises ont dépensé 14 milliards de dollars en puces.",
    "Le dîner a eu lieu en Floride, à la résidence du président.",
    "Le pourcentage prélevé par l'État sur chaque vente est de 15 %.",
]
THESAURUS = ("fric\tpognon\targent\tmilliard\ncommission\tpourcentage\tcomité\n"
             "boîte\tentreprise\tcaisse\navoir\tposséder\n")


@pytest.fixture(scope="module")
def thesaurus(tmp_path_factory) -> Thesaurus:
    path = tmp_path_factory.mktemp("thesaurus") / "synonyms.tsv.gz"
    path.write_bytes(gzip.compress(THESAURUS.encode()))
    return Thesaurus.read(fr=path)


@pytest.fixture(scope="module")
def french() -> LexicalIndex:
    return LexicalIndex.build(FRENCH, Analyzer("fr", counts={"fr": len(FRENCH)}), ["fr"] * len(FRENCH))


@pytest.mark.parametrize(("question", "expected"), [
    ("les boîtes ont lâché combien de fric ?", 0),  # slang and a plural meet the thesaurus's words
    ("le gouvernement se prend quelle commission ?", 2),
])
def test_a_question_in_everyday_words_finds_the_passage_through_a_synonym(french, thesaurus, question, expected):
    """The passage shares no word with the question: its synonyms score it."""
    assert not french.scores(french.question_terms(question, "fr"), near=False)[expected]
    scores = synonym_scores(french, question, thesaurus)
    assert int(np.argmax(scores)) == expected and scores[expected] > 0


def test_stopwords_short_words_and_names_are_not_expanded(french, thesaurus):
    """"avoir" (a stop word) and a capitalised name inside the sentence get no synonyms."""
    assert synonym_terms(french, "ils ont avoir quoi ?", thesaurus) == []
    assert synonym_terms(french, "le patron de Fric est qui ?", thesaurus) == []


def test_synonyms_the_corpus_lacks_are_left_out(french, thesaurus):
    """Only terms the index holds are added: "caisse", "pognon" are in no passage."""
    assert synonym_terms(french, "la boîte a du fric", thesaurus) == ["entre", "milli"]


def test_the_shipped_thesaurus_knows_everyday_french_and_english():
    """The thesauri shipped in index/data give common synonyms in both languages."""
    french = LexicalIndex.build(["L'argent a été versé."], Analyzer("fr", counts={"fr": 1}), ["fr"])
    assert "argen" in synonym_terms(french, "où est passé le fric ?", shipped())
    english = LexicalIndex.build(["The chief executive signed."], Analyzer("en", counts={"en": 1}), ["en"])
    assert "chief" in synonym_terms(english, "who is the boss?", shipped())


def test_a_word_the_corpus_holds_is_not_expanded(french, thesaurus):
    """"commission" written in a passage finds it itself: its synonyms are not added."""
    texts = [*FRENCH, "La commission a voté."]
    held = LexicalIndex.build(texts, Analyzer("fr", counts={"fr": len(texts)}), ["fr"] * len(texts))
    assert synonym_terms(held, "quelle commission ?", thesaurus) == []
    assert synonym_terms(french, "quelle commission ?", thesaurus) == ["pourc"]


def test_search_ranks_the_passage_of_a_synonym_first(small_index, fake_embedder):
    """A slang question ranks the passage holding the plain word first; the evidence stays its own words'."""
    from index import SearchConfig
    from index.search import Searcher

    index = small_index({"budget.md": "# Budget\n\nL'argent versé aux écoles atteint deux millions.\n",
                         "menu.md": "# Cantine\n\nLe menu de la cantine change chaque semaine.\n",
                         "horaires.md": "# Horaires\n\nLes cours commencent à huit heures.\n"}, language="fr")
    question = "combien de fric ?"

    with_synonyms = Searcher(index, fake_embedder).search(question, limit=3)
    assert "argent" in with_synonyms.hits[0].passage.text and with_synonyms.hits[0].lexical > 0
    without = Searcher(index, fake_embedder, SearchConfig(synonym_weight=0.0)).search(question, limit=3)
    assert all(h.lexical == 0 for h in without.hits)
    assert with_synonyms.features == without.features and with_synonyms.covered == without.covered
