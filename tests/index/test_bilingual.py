"""The bilingual lexicon: a question's words translated into the corpus's other language, for BM25."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from index.bilingual import Lexicon, shipped, translated_terms, translation_scores
from index.lexical import LexicalIndex
from index.text import Analyzer

ENGLISH = [
    "To undo the last commit, run git reset HEAD~1.",
    "Merging two branches joins their histories.",
    "The configuration file lives in your home folder.",
]
LEXICON = "annuler\tundo\t2\ndernier\tlast\t3\ndernier\tfinal\t1\nfusionner\tmerge\t2\nfichier\tfile\t1\n"


@pytest.fixture(scope="module")
def lexicon(tmp_path_factory) -> Lexicon:
    path = tmp_path_factory.mktemp("lexicon") / "fr-en.tsv.gz"
    path.write_bytes(gzip.compress(LEXICON.encode()))
    return Lexicon.read(path)


@pytest.fixture(scope="module")
def english() -> LexicalIndex:
    return LexicalIndex.build(ENGLISH, Analyzer("en", counts={"en": len(ENGLISH)}), ["en"] * len(ENGLISH))


@pytest.mark.parametrize(("question", "expected"), [
    ("Comment annuler le dernier commit ?", 0),
    ("Comment fusionner deux branches ?", 1),
    ("les branches sont fusionnées", 1),  # an inflected form meets the dictionary's word
    ("Où est le fichier ?", 2),
])
def test_a_french_question_finds_the_english_passage(english, lexicon, question, expected):
    """A French question scores the English passage that says it in English, through the lexicon."""
    scores = translation_scores(english, question, lexicon=lexicon)
    assert int(np.argmax(scores)) == expected and scores[expected] > 0


def test_without_the_lexicon_bm25_finds_nothing_across_languages(english, lexicon):
    """The passage's words are not the question's: only the translations score it."""
    question = "Comment annuler le dernier ?"
    assert not english.scores(english.question_terms(question, "fr")).any()
    assert translation_scores(english, question, lexicon=lexicon)[0] > 0


def test_an_english_question_finds_the_french_passage(lexicon):
    """The lexicon reads both ways: an English question scores a French passage."""
    texts = ["Le fichier de configuration est dans votre dossier personnel.", "Annulez la fusion des branches."]
    french = LexicalIndex.build(texts, Analyzer("fr", counts={"fr": 2}), ["fr", "fr"])
    scores = translation_scores(french, "Where is the file?", lexicon=lexicon)
    assert int(np.argmax(scores)) == 0 and scores[0] > 0


def test_a_question_in_the_corpus_language_is_not_translated(english, lexicon):
    """An English question about English passages gets no translated terms."""
    assert translated_terms(english, "How do I undo the last commit?", lexicon=lexicon) == []


def test_words_the_questions_own_language_holds_stay_untranslated(lexicon):
    """In a mixed corpus, a word a passage in the question's language holds is not translated for the others."""
    texts = ["Le dernier fichier est ici.", "The last file is here.", "The final file is there."]
    mixed = LexicalIndex.build(texts, Analyzer("en", counts={"en": 2, "fr": 1}), ["fr", "en", "en"])
    languages = np.array(["fr", "en", "en"])
    assert set(translated_terms(mixed, "Où est le dernier fichier ?", lexicon=lexicon)) == {"last", "final", "file"}
    assert translated_terms(mixed, "Où est le dernier fichier ?", languages, lexicon) == []
    mixed_fr = np.array(["en", "en", "en"])  # no French passage holds them: translated
    assert "last" in translated_terms(mixed, "Où est le dernier fichier ?", mixed_fr, lexicon)


def test_the_shipped_lexicon_translates_common_words(english):
    """The lexicon shipped in index/data translates everyday French words into the English corpus's terms."""
    terms = translated_terms(english, "Où est le fichier de la dernière fusion ?", lexicon=shipped())
    assert {"file", "last", "merg"} <= set(terms)


def test_search_ranks_the_english_passage_first_for_a_french_question(small_index, fake_embedder):
    """On an English manual, a French question's translated words rank the passage that answers it first."""
    from index import SearchConfig
    from index.search import Searcher

    index = small_index({"merge.md": "# Merging\n\nCancel the last merge with git merge --abort.\n",
                         "config.md": "# Identity\n\nConfigure your user name and email address.\n",
                         "log.md": "# History\n\nShow the history of a file with git log.\n"})
    question = "Comment annuler la dernière fusion ?"

    with_lexicon = Searcher(index, fake_embedder).search(question, limit=3)
    assert "Cancel the last merge" in with_lexicon.hits[0].passage.text and with_lexicon.hits[0].lexical > 0
    without = Searcher(index, fake_embedder, SearchConfig(translation_weight=0.0)).search(question, limit=3)
    assert all(h.lexical == 0 for h in without.hits)
    assert with_lexicon.features == without.features  # translations rank; the evidence is the question's own


def test_a_word_is_looked_up_by_its_whole_stem(tmp_path):
    """Terms are cut to five letters, but "bread" is not looked up as "breadth": their translations stay apart."""
    path = tmp_path / "fr-en.tsv"
    path.write_text("pain\tbread\t1\nlargeur\tbreadth\t1\n", encoding="utf-8")
    texts = ["Le pain est cuit.", "La largeur de la page."]
    french = LexicalIndex.build(texts, Analyzer("fr", counts={"fr": 2}), ["fr", "fr"])
    assert translated_terms(french, "Where is the bread?", lexicon=Lexicon.read(path)) == ["pain"]


def test_what_a_long_question_asks_weighs_more_translated(small_index, fake_embedder):
    """A long French question about an English manual ranks the passage of what it asks above its situation's."""
    from index.search import Searcher

    index = small_index({
        "merge.md": "# Merging\n\nCancel the last merge with git merge --abort.\n",
        "config.md": "# Settings\n\nThe settings file lives in your personal folder; edit it by hand.\n",
        "log.md": "# History\n\nShow the history of a branch with git log.\n"})
    question = ("J'ai un fichier de réglages dans mon dossier personnel, que je modifie souvent à la main, et tout "
                "allait bien jusqu'à hier soir. Comment annuler la dernière fusion ?")

    hits = Searcher(index, fake_embedder).search(question, limit=3).hits
    assert "Cancel the last merge" in hits[0].passage.text
