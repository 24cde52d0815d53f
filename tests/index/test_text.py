"""Text normalisation, sentence splitting and lexical analysis: how questions and passages meet."""

from __future__ import annotations

import pytest

from index.text import Analyzer, clean, count_words, fold, guess_language, split_sentences


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer("fr")


@pytest.mark.parametrize(("raw", "expected"), [
    ("l\u2019accord", "l'accord"),  # typographic apostrophe
    ("l\u2018accord", "l'accord"),
    ("l\u02bcaccord", "l'accord"),
    ("l`accord", "l'accord"),
    ("cafe\u0301", "café"),  # decomposed accent, composed
    ("Nvi\u200bdia", "Nvidia"),  # zero-width space
    ("sé\u00adparé", "séparé"),  # soft hyphen
    ("\ufeffDébut", "Début"),  # byte-order mark
    ("a\u202eb", "ab"),  # bidi override
    ("a\x07b", "a b"),  # control character
    ("ligne\nsuivante\ttab", "ligne\nsuivante\ttab"),  # line breaks and tabs survive
])
def test_clean(raw, expected):
    """clean() unifies apostrophes and accents and drops invisible characters, keeping line breaks."""
    assert clean(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [
    ("ÉTATS-Unis", "etats-unis"),
    ("Dîner à Mar-a-Lago", "diner a mar-a-lago"),
    ("Ça", "ca"),
    ("H200", "h200"),
])
def test_fold(raw, expected):
    """fold() lower-cases and strips accents."""
    assert fold(raw) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Il a parlé. Elle a répondu.", ["Il a parlé.", "Elle a répondu."]),
    ("Vraiment ? Oui ! Enfin.", ["Vraiment ?", "Oui !", "Enfin."]),
    ("M. Huang est venu. Il a parlé.", ["M. Huang est venu.", "Il a parlé."]),
    ("Le PDG J. Huang a dîné. Puis il est parti.", ["Le PDG J. Huang a dîné.", "Puis il est parti."]),
    ("Il a vendu 1.5 million. 2025 sera meilleure.", ["Il a vendu 1.5 million.", "2025 sera meilleure."]),
    ("« Nous avons besoin d'usines. » Huang l'a dit.", ["« Nous avons besoin d'usines. » Huang l'a dit."]),
    ("Fin de la phrase. « Citation » suit.", ["Fin de la phrase.", "« Citation » suit."]),
    ("sans point final", ["sans point final"]),
    ("", []),
    # Abbreviations of documentation and titles.
    ("Voir p. ex. la fig. 3. Ensuite, cf. Dupont.", ["Voir p. ex. la fig. 3.", "Ensuite, cf. Dupont."]),
    ("Mme Dupont est venue. Mlle Martin aussi.", ["Mme Dupont est venue.", "Mlle Martin aussi."]),
    ("Le n° 5 est là. Use e.g. Debian, i.e. Linux. Done.",
     ["Le n° 5 est là.", "Use e.g. Debian, i.e. Linux.", "Done."]),
    ("Le 15 janv. 2025, rien. Puis tout.", ["Le 15 janv. 2025, rien.", "Puis tout."]),
    # Numbers hold their points and commas.
    ("La note est 4,6/5 ou 4.6. Pi vaut 3.14 en v2.0. Fin.",
     ["La note est 4,6/5 ou 4.6.", "Pi vaut 3.14 en v2.0.", "Fin."]),
    # Ellipses end a sentence before a capital only.
    ("Il hésite... puis part. Il hésite... Puis part.", ["Il hésite... puis part.", "Il hésite...", "Puis part."]),
    # A list number opens an item; "etc." before a capital ends its sentence.
    ("Étapes : 1. Ouvrez le menu. 2. Fermez-le.", ["Étapes : 1. Ouvrez le menu.", "2. Fermez-le."]),
    ("Il en a acheté 12. Puis il est parti.", ["Il en a acheté 12.", "Puis il est parti."]),
    ("Des photo-résistances, etc. SEN est reliée au 5 V.", ["Des photo-résistances, etc.", "SEN est reliée au 5 V."]),
    # A sentence wrapped over two lines stays one sentence, its line break kept.
    ("Cela veut dire que les sources sont\ndans /usr/src. Voilà.",
     ["Cela veut dire que les sources sont\ndans /usr/src.", "Voilà."]),
])
def test_split_sentences(text, expected):
    """Sentences end at . ! ? before a capital, digit or quote; abbreviations, initials and list numbers don't."""
    assert split_sentences(text) == expected


def test_split_sentences_keeps_every_word():
    """Splitting loses and adds nothing: the sentences joined give back the text."""
    text = "Nvidia vend la H20. M. Trump a dîné ! Le 15 mai, tout change ? 3 dollars. Fin"
    assert " ".join(split_sentences(text)) == text


@pytest.mark.parametrize(("text", "expected"), [
    ("l'accord de 3,5 milliards", 5),  # l, accord, de, 3,5, milliards
    ("Mar-a-Lago", 3),
    ("– « » : ; !", 0),  # punctuation is not a word
])
def test_count_words(text, expected):
    """count_words() counts words, not punctuation, with decimals whole."""
    assert count_words(text) == expected


# Ways people type the same words: accents, case, apostrophes, hyphens, invisible characters.
SAME_TERMS = [
    ("dîner", "diner", "DÎNER", "Di\u0302ner"),
    ("l'accord", "l\u2019accord", "L\u2018ACCORD", "accord"),
    ("États-Unis", "etats unis", "ETATS-UNIS"),
    ("Nvidia", "NVIDIA", "nvidia", "Nvi\u200bdia"),
    ("Mar-a-Lago", "mar a lago", "MAR-A-LAGO"),
    ("l'administration", "l\u2019Administration", "administrations"),
    ("Où Jensen Huang a-t-il dîné avec Donald Trump ?", "Ou jensen huang a t il dine avec donald trump",
     "OÙ JENSEN HUANG A-T-IL DÎNÉ AVEC DONALD TRUMP"),
]


@pytest.mark.parametrize("variants", SAME_TERMS, ids=lambda v: v[0])
def test_spelling_variants_give_the_same_terms(analyzer, variants):
    """A question typed without accents, in capitals or with the other apostrophe searches the same terms."""
    first = analyzer.terms(variants[0])
    assert first
    for v in variants[1:]:
        assert analyzer.terms(v) == first, v


@pytest.mark.parametrize("text", [
    "the of and is what which who how does did",  # English function words
    "le la les de des du un une et est",  # French ones
    "Qu'est-ce que c'est ?",
    "Quel quelle comment pourquoi",  # interrogatives carry no topic
])
def test_stop_words_give_no_terms(analyzer, text):
    """Function words of French and of English are dropped."""
    assert analyzer.terms(text) == []


@pytest.mark.parametrize(("question", "expected"), [
    ("Who is the CEO of Nvidia?", ["ceo", "nvidi"]),
    ("What is the price of the chips?", ["pric", "chip"]),
    ("Qui est le PDG de Nvidia ?", ["pdg", "nvidi"]),
])
def test_question_terms_are_its_content_words(analyzer, question, expected):
    """Only the words that carry the topic remain, in English as in French."""
    assert analyzer.terms(question) == expected


@pytest.mark.parametrize(("word", "term"), [
    ("administration", "admin"),  # stems cut to five letters
    ("militaires", "milit"),
    ("military", "milit"),  # so an English cognate meets the French word
    ("H200", "h200"),  # terms with digits stay whole
    ("123456789", "123456789"),
    ("2025", "2025"),
    ("3,5", "3,5"),  # decimals stay one term
])
def test_terms_are_truncated_stems_except_numbers(analyzer, word, term):
    """Stems are folded and cut to five letters; terms with digits are kept whole."""
    assert analyzer.terms(word) == [term]


def test_prefix_zero_keeps_whole_stems():
    """With term_prefix 0, stems are not cut."""
    assert Analyzer("fr", prefix=0).terms("administration") == ["administr"]


def test_words_keep_content_words_unstemmed(analyzer):
    """words() gives the folded content words, in order, without stemming."""
    assert analyzer.words("Le PDG de Nvidia a dîné à Mar-a-Lago") == ["pdg", "nvidia", "dine", "mar", "lago"]


@pytest.mark.parametrize(("question", "english"), [
    ("Who is the CEO of Nvidia?", True),
    ("How do I bake sourdough bread?", True),
    ("Did Nvidia sell chips to China?", True),
    ("Qui est le PDG de Nvidia ?", False),
    ("Où Jensen Huang a-t-il dîné avec Donald Trump ?", False),
    ("Qui a vendu des puces à la Chine ?", False),
    ("Nvidia H20", False),  # no function words: not English
    # "a", "à", the "t" of "a-t-il" and elided "d'" are function words of both languages: they
    # must not outvote the French ones.
    ("Qui a dîné à Mar-a-Lago ?", False),
    ("Combien d'accélérateurs H20 Nvidia a-t-il commandés à TSMC ?", False),
    ("Quel impôt Trump a-t-il menacé d'imposer à TSMC ?", False),
    ("What's on the menu at Mar-a-Lago?", True),
])
def test_is_english(analyzer, question, english):
    """A question reads as English by its function words."""
    assert analyzer.is_english(question) is english


def test_unknown_language_is_refused():
    """An unsupported language is a ValueError naming the choices."""
    with pytest.raises(ValueError, match="fr"):
        Analyzer("xx")


@pytest.mark.parametrize(("text", "languages", "expected"), [
    ("Who is the CEO of Nvidia?", ("en", "fr"), "en"),
    ("Qui est le PDG de Nvidia ?", ("en", "fr"), "fr"),
    ("Comment faire du pain au levain ?", ("en", "fr"), "fr"),
    ("Qui a dîné à Mar-a-Lago ?", ("en", "fr"), "fr"),
    ("Nvidia H20", ("en", "fr"), "en"),  # no function word: the first language
    ("Nvidia H20", ("fr", "en"), "fr"),
    ("", ("en", "fr"), "en"),
    ("Wer ist der Chef von Nvidia?", ("en", "fr", "de"), "de"),
])
def test_guess_language(text, languages, expected):
    """The one language guesser: by the function words only one of the candidate languages has."""
    assert guess_language(text, languages) == expected
