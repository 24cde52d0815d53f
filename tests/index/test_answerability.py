"""Answerability: the off-topic reference per language, the evidence's features, names the corpus lacks."""

from __future__ import annotations

import dataclasses

import pytest

from index.answerability import FEATURES, AnswerabilityConfig, Calibration, Evidence, off_topic_questions, rare_known

MANUAL = {
    "revert.md": "# git revert\n\nRevert some existing commits. Given one or more existing commits, git revert "
                 "applies the changes that the related patches introduce, and records new commits for them. "
                 "The working tree must be clean before a revert.\n",
    "stash.md": "# git stash\n\nStash the changes in a dirty working directory away. Use git stash when you want "
                "to record the current state of the working directory and the index, but want to go back to a "
                "clean working directory. git stash pop restores them.\n",
    "blame.md": "# git blame\n\nShow what revision and author last modified each line of a file. Annotates each "
                "line in the given file with information from the revision which last modified the line.\n",
    "clone.md": "# git clone\n\nClone a repository into a new directory. Use --bare to make a bare repository, "
                "without a working tree, for a server. Use --depth to create a shallow clone with a history "
                "truncated to the given number of commits.\n",
    "config.md": "# git config\n\nGet and set repository or global options. core.autocrlf sets how line endings "
                 "are converted when files are checked out on Windows and Linux machines: CRLF or LF.\n",
}


def evidence(known: float, **others: float) -> Evidence:
    """Evidence with `known` set and the other features at 0 unless given."""
    return Evidence(known=known, lexical=others.get("lexical", 0.0), dense=others.get("dense", 0.0))


def test_the_reference_asks_the_same_subjects_in_every_language():
    """Each language's reference file holds as many everyday questions as the others, and enough of them."""
    by_language: dict[str, int] = {}
    for language, _ in off_topic_questions():
        by_language[language] = by_language.get(language, 0) + 1
    assert set(by_language) >= {"en", "fr"}
    assert len(set(by_language.values())) == 1 and min(by_language.values()) >= 40


def test_a_question_is_measured_against_the_reference_of_its_own_language():
    """French off-topic questions find few words in an English manual: a French question is measured against them."""
    reference = [evidence(0.6 + 0.01 * i) for i in range(10)] + [evidence(0.01 * i) for i in range(10)]
    calibration = Calibration.measure("model", reference, ["en"] * 10 + ["fr"] * 10)
    question = evidence(0.3)
    assert calibration.standing(question, "fr")["known"] > 1  # well above French off-topic questions
    assert calibration.standing(question, "en")["known"] < 0  # below English ones
    # A language the reference does not ask in: measured against all of it.
    assert calibration.standing(question, "de") == calibration.standing(question)


def test_one_shared_word_is_not_evidence_where_the_reference_finds_none():
    """A reference that knows none of its words (French questions, an English manual) is not a hair's breadth."""
    calibration = Calibration.measure("model", [evidence(0.0)] * 10, ["fr"] * 10)
    assert calibration.standing(evidence(0.05), "fr")["known"] == pytest.approx(0.5)


def test_the_calibration_round_trips_through_the_manifest():
    """The per-language reference is stored in the manifest and read back the same; another version is not."""
    reference = [evidence(0.1 * i, dense=0.01 * i, lexical=0.02 * i) for i in range(8)]
    calibration = Calibration.measure("model", reference, ["en", "fr"] * 4)
    assert Calibration.from_dict(calibration.to_dict()) == calibration
    assert set(calibration.languages) == {"en", "fr"} and set(calibration.languages["fr"]["p90"]) == set(FEATURES)
    assert Calibration.from_dict({**calibration.to_dict(), "version": 3}) is None


@pytest.mark.parametrize(("score", "unnamed", "covered"), [
    (2.5, 0, True),
    (2.5, 1, False),  # "... on GitHub" of a manual that never names GitHub: more evidence is asked
    (5.1, 1, True),
    (5.1, 2, True),
])
def test_a_name_the_corpus_lacks_asks_for_more_evidence(score, unnamed, covered):
    """A question naming what the documents never name is answered only with evidence well above the threshold."""
    config = AnswerabilityConfig(threshold=2.0, unnamed_margin=3.0)
    assert config.covers(score, False, unnamed) is covered


@pytest.mark.parametrize(("known", "cross", "stemmed", "covered"), [
    (1.5, False, 0, True),  # "My colleague Priya pushed a bad commit...": the other words are the manual's own
    (0.2, False, 0, False),  # "installer Moodle sur le serveur Debian Edu": only the domain's generic words known
    (1.5, True, 0, False),  # across languages the known words are names and cognates by nature
    (1.5, False, 1, False),  # "configure Dependabot": its cut stem (dependency) is among the known words
])
def test_a_name_is_context_when_the_other_words_are_the_corpus_own(known, cross, stemmed, covered):
    """A name the corpus lacks asks for less evidence when the question's other words are the corpus's own."""
    config = AnswerabilityConfig(threshold=2.0, cross_language_threshold=2.0, unnamed_margin=3.0,
                                 unnamed_known=0.75, unnamed_known_margin=1.0)
    assert config.covers(3.5, cross, 1, known=known, stemmed=stemmed) is covered
    assert not config.covers(2.5, cross, 1, known=known, stemmed=stemmed)  # more than a question without it


def test_the_verdict_reads_the_standing_of_known_words():
    """A question with a missing name is judged on the standing of its known words against the reference."""
    reference = [Evidence(known=k, lexical=0.1, dense=0.02) for k in (0.1, 0.2, 0.3, 0.4, 0.5)]
    calibration = Calibration.measure("model", reference)
    config = AnswerabilityConfig()
    assert config.verdict(calibration, Evidence(known=0.9, lexical=0.1, dense=0.025, unnamed=1), False)[1]
    generic = Evidence(known=0.35, lexical=0.1, dense=0.035)  # meaning close, its known words the domain's
    assert config.verdict(calibration, generic, False)[1]
    assert not config.verdict(calibration, dataclasses.replace(generic, unnamed=1), False)[1]


@pytest.mark.parametrize(("question", "unnamed"), [
    ("Combien Nvidia a-t-il vendu de H20 en Chine ?", 0),  # names the articles use
    ("Combien AMD a-t-il vendu de MI308 en Chine ?", 2),  # names they never use, one a model number
    ("Kaggle publie-t-il les ventes de Nvidia ?", 0),  # a sentence's first word is no name
    ("Qui chantait La Bohème avant Aznavour ?", 2),  # "La" is a stop word, not a name
])
def test_names_the_corpus_lacks_are_counted(fake_engine, question, unnamed):
    """The names of a question (capitalised inside a sentence, letters with digits) the corpus lacks are counted."""
    searcher = fake_engine.searcher
    assert searcher.unnamed(question, "fr")[0] == unnamed
    assert searcher.search(question).features.unnamed == unnamed


@pytest.mark.parametrize(("question", "unnamed"), [
    ("Combien Exportify a-t-il recensé de puces H20 ?", (1, 1)),  # cut to "expor" (exportation), never written
    ("Combien Moodle a-t-il recensé de puces H20 ?", (1, 0)),  # nothing of it in the articles
    ("Quelles entreprises d'Amérique achètent des H20 ?", (0, 0)),  # written as "américaines"
    ("Comment filtrer les puces H20 avec nftables ?", (1, 0)),  # a lower-case word French barely uses: a tool
    ("Comment raquer pour les puces H20 ?", (0, 0)),  # slang the articles lack, but French uses it
    ("Combien de puces H20 ont été exportés ?", (0, 0)),  # a word the articles hold
])
def test_a_name_is_known_where_the_corpus_writes_it(fake_engine, question, unnamed):
    """A name counts as known where the corpus writes it (or a word from its stem), not where its cut stem meets."""
    assert fake_engine.searcher.unnamed(question, "fr") == unnamed


@pytest.fixture(scope="module")
def english_manual(tmp_path_factory):
    """An Engine over a small English manual, built once with the fake embedder (no multilingual model)."""
    from index import BuildOptions, Engine, build_index
    from tests.conftest import FakeEmbedder

    folder = tmp_path_factory.mktemp("english-manual")
    docs = folder / "manual"
    docs.mkdir()
    for name, text in MANUAL.items():
        (docs / name).write_text(text, encoding="utf-8")
    embedder = FakeEmbedder()
    build_index(docs, folder / "index", embedder, BuildOptions())
    return Engine(folder / "index", embedder)


@pytest.mark.parametrize(("question", "answered"), [
    ("Comment annuler un commit avec git revert ?", True),
    ("Comment faire un clone bare d'un dépôt git pour un serveur ?", True),
    ("Comment faire pousser des tomates sur un balcon ?", False),
    ("Quelle est la recette du bœuf bourguignon ?", False),
])
def test_a_french_question_about_an_english_manual(english_manual, question, answered):
    """A French question about an English manual is answered when on topic, declined when not."""
    result = english_manual.searcher.search(question)
    assert result.cross_language
    assert english_manual.ask(question).answered is answered


@pytest.mark.parametrize(("question", "unnamed"), [
    ("Comment convertir les fins de ligne en LF ?", 0),
    ("Comment installer Git LFS pour les gros fichiers ?", 1),  # stemmed, "LFS" is "lf": the manual never writes it
])
def test_an_acronym_is_known_only_as_written(english_manual, question, unnamed):
    """An acronym counts as named by the corpus only when the corpus writes it, whatever its stem."""
    assert english_manual.searcher.unnamed(question, "fr")[0] == unnamed


@pytest.mark.parametrize(("question", "unnamed"), [
    ("Comment créer une merge request dans Gitea ?", 1),  # French stems "Gitea" to "git": the manual never writes it
    ("Comment créer un dépôt avec Git ?", 0),
])
def test_a_name_the_stemmer_cuts_short_is_known_only_as_written(english_manual, question, unnamed):
    """A name the stemmer cuts to a shorter word the corpus writes ("Gitea": "git") does not count as written."""
    assert english_manual.searcher.unnamed(question, "fr")[0] == unnamed


@pytest.mark.parametrize(("question", "unnamed"), [
    ("Comment installer Linux-Libre sur un serveur ?", 1),  # the manual writes "Linux", never "Linux-Libre"
    ("Comment installer Linux sur un serveur ?", 0),
])
def test_a_compound_name_is_known_only_written_whole(english_manual, question, unnamed):
    """A hyphenated name counts as written only where the corpus writes it whole, not one of its parts."""
    assert english_manual.searcher.unnamed(question, "fr")[0] == unnamed


@pytest.mark.parametrize(("dense", "cross", "covered"), [
    (0.0, True, True),
    (-0.5, True, True),
    (-2.0, True, False),  # shares a word ("dollars") with the documents, but means nothing they hold
    (-2.0, False, True),  # in the documents' own language, its words are evidence enough
])
def test_across_languages_a_meaning_far_below_the_reference_is_not_covered(dense, cross, covered):
    """Across languages, shared words do not carry a question whose meaning stands far below off-topic ones."""
    reference = [evidence(0.1 * i, dense=0.01 * i) for i in range(10)]
    calibration = Calibration.measure("model", reference, ["en"] * 10)
    config = AnswerabilityConfig(threshold=1.0, known_weight=1.0, dense_weight=0.0, rare_known_weight=0.0,
                                 cross_language_threshold=0.5, cross_dense_weight=0.0, cross_dense_floor=-1.0)
    median, spread = 0.045, 0.036  # the reference's dense median and p90 - median
    question = evidence(1.0, dense=median + dense * spread)
    assert config.verdict(calibration, question, cross, "en")[1] is covered


@pytest.mark.parametrize(("follow_up", "cross", "elliptical"), [
    ("Quand est-il sorti ?", True, True),  # asked of English documents: its one word is French by nature
    ("When was it released?", False, False),  # in the documents' language, a word they never use is a new subject
    ("And with a stash?", False, True),
    ("Quand est-il sorti et à quel prix ?", True, False),  # words of its own: not elliptical
])
def test_a_follow_up_across_languages_is_elliptical_by_its_count_of_words(english_manual, follow_up, cross,
                                                                        elliptical):
    """Across languages the documents hold few of a follow-up's words by nature: the count alone says elliptical."""
    searcher = english_manual.searcher
    terms = searcher.index.lexical.question_terms(follow_up, searcher.question_language(follow_up))
    assert searcher.elliptical(terms, cross) is elliptical


def test_across_languages_a_shared_word_counts_beyond_its_rarity(english_manual):
    """A French question's "commit", common in Git's manual, counts as a word of the subject, not only by rarity."""
    searcher = english_manual.searcher
    result = searcher.search("défaire un commit déjà envoyé sans réécrire l'historique")
    lex = searcher.index.lexical
    own = set(result.terms)
    rarity = sum(lex.idf(t) for t in own if t in lex.vocab) / sum(lex.idf(t) for t in own)
    plain = sum(t in lex.vocab for t in own) / len(own)
    assert result.cross_language and 0 < rarity < plain
    assert result.features.known == pytest.approx((rarity + plain) / 2)


def test_the_words_the_corpus_holds_weigh_by_their_rarity_in_the_language():
    """Holding a word the language rarely writes ("paquets") says more than holding one it writes everywhere."""
    held_rare = rare_known([(True, 3.8), (False, 6.0)])  # the corpus writes "paquets", not "monde"
    held_common = rare_known([(False, 3.8), (True, 6.0)])  # the converse
    assert held_rare > 0.5 > held_common
    assert rare_known([(True, 3.8), (False, None)]) == 1.0  # a word of a language without frequencies does not count
    assert rare_known([]) == 1.0


def test_a_question_in_the_manual_s_words_holds_them_all(english_manual):
    """A question in the manual's words holds them all; an off-topic one only an everyday word, which weighs little."""
    searcher = english_manual.searcher
    assert searcher.search("Where does git stash record the dirty working directory?").features.rare_known == 1.0
    words = searcher.rarity_words("Who scored the goal of the new football final?", "en")
    held = sum(known for known, _ in words)
    assert held == 1  # "new", as in "new commits"
    assert searcher.search("Who scored the goal of the new football final?").features.rare_known < held / len(words)


@pytest.mark.parametrize(("question", "unnamed"), [
    # The names of the situation are context: only those of what is asked count.
    ("Notre équipe suit les puces depuis que Priya et Moodle nous ont écrit la semaine dernière à ce sujet. "
     "On se demande encore souvent ce que cela change. Combien de puces H20 ont été exportées ?", 0),
    ("Notre équipe suit les puces depuis des mois et on en parle presque chaque semaine en réunion avec tout "
     "le monde. On se demande encore souvent ce que cela change. Combien Moodle a-t-il recensé de puces H20 ?", 1),
])
def test_a_long_question_counts_the_names_of_what_it_asks(fake_engine, question, unnamed):
    """Of a long question, a name the corpus lacks counts only in what is asked, not in the situation told."""
    assert fake_engine.searcher.search(question).features.unnamed == unnamed
