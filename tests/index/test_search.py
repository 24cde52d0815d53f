"""Hybrid search: ranked passages from both lists, spelling-proof, and the answerability verdict."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from index import AnswerabilityConfig, SearchConfig
from index.search import Searcher

DINNER = "Où Jensen Huang a-t-il dîné avec Donald Trump ?"


CONFIG = AnswerabilityConfig(threshold=2.0, cross_language_threshold=1.0)


@pytest.mark.parametrize(("evidence", "cross", "covered"), [
    (2.5, False, True),
    (2.0, False, True),  # at the threshold: covered
    (1.9, False, False),
    (1.5, True, True),  # cross-language questions have their own, lower threshold
    (1.0, True, True),
    (0.9, True, False),
    (1.5, False, False),  # the same evidence in the documents' language is not enough
    (-1.0, False, False),
])
def test_covers(evidence, cross, covered):
    """A question is covered when the evidence reaches its language's threshold."""
    assert CONFIG.covers(evidence, cross) is covered


def with_threshold(config: SearchConfig, threshold: float) -> SearchConfig:
    """The config with this threshold."""
    return replace(config, answerability=replace(config.answerability, threshold=threshold))


def test_covered_follows_the_searcher_config(fake_engine):
    """The verdict is the search's, with the thresholds of the config given, not constants."""
    s = fake_engine.searcher
    evidence = s.search(DINNER).evidence
    assert Searcher(s.index, s.embedder, with_threshold(s.config, evidence)).search(DINNER).covered
    assert not Searcher(s.index, s.embedder, with_threshold(s.config, evidence + 0.01)).search(DINNER).covered


def test_evidence_is_the_standing_against_the_off_topic_reference(fake_engine):
    """The evidence is the weighted standing of the question's features against the index's calibration."""
    s = fake_engine.searcher
    r = s.search(DINNER)
    language = s.question_language(DINNER)
    assert r.evidence == pytest.approx(s.config.answerability.score(s.calibration, r.features, False, language))
    standing = s.calibration.standing(r.features, language)
    assert standing["known"] > 0  # every word of the question occurs in the articles


def test_calibration_is_measured_at_build_and_read_at_load(fake_engine, fake_embedder):
    """The off-topic reference is stored in the manifest; loading the index does not measure it again."""
    from index.answerability import Calibration, off_topic_questions

    stored = Calibration.from_dict(fake_engine.index.manifest.calibration)
    assert stored is not None and stored.questions == len(off_topic_questions()) >= 40
    assert stored.signals == fake_embedder.name
    before = fake_embedder.embedded
    searcher = Searcher(fake_engine.index, fake_embedder)
    assert searcher.calibration == stored and fake_embedder.embedded == before
    # A reference of another version (or none) is measured again, on this index.
    assert Calibration.from_dict({**stored.to_dict(), "version": 0}) is None
    assert Calibration.from_dict("nonsense") is None


def empty_index(folder, embedder):
    """An index of no passages, as a docbot that indexed an empty folder wrote it."""
    import numpy as np

    from index import store
    from index.lexical import LexicalIndex
    from index.text import Analyzer

    vectors = np.zeros((0, embedder.dimension), dtype=np.float32)
    manifest = store.Manifest(model=embedder.name, dimension=embedder.dimension, language="fr", passage_tokens=200,
                              term_prefix=5, documents=0, passages=0, faiss_index="IndexFlatIP")
    store.write_version(folder, manifest, [], [], store.make_faiss_index(vectors, 50_000),
                        LexicalIndex.build([], Analyzer("fr", 5)))
    return folder


def test_an_empty_index_covers_nothing(tmp_path, fake_embedder):
    """With no passage at all, no question is covered, whatever the thresholds; the engine says the index is empty."""
    from index import Engine, IndexEmptyError

    engine = Engine(empty_index(tmp_path / "idx", fake_embedder), fake_embedder)
    searcher = Searcher(engine.index, fake_embedder, with_threshold(SearchConfig(), -100.0))
    result = searcher.search(DINNER)
    assert (result.hits, result.covered) == ([], False)
    with pytest.raises(IndexEmptyError) as caught:
        engine.ask(DINNER)
    assert caught.value.index_dir == tmp_path / "idx"


def test_hits_are_ranked_and_limited(fake_engine):
    """Hits come best first, at most `limit`, each pointing at its passage in the index."""
    searcher = fake_engine.searcher
    r = searcher.search(DINNER, limit=5)
    assert len(r.hits) == 5
    scores = [h.score for h in r.hits]
    assert scores == sorted(scores, reverse=True)
    assert all(np.isfinite(s) for s in scores)
    for h in r.hits:
        assert searcher.index.passages[h.position] == h.passage
    assert len({h.position for h in r.hits}) == 5  # no passage twice


def test_limit_larger_than_the_index(fake_engine):
    """Asking for more passages than the index holds gives them all, once each."""
    n = len(fake_engine.index.passages)
    r = fake_engine.searcher.search(DINNER, limit=n + 10)
    assert len(r.hits) == n
    assert len({h.position for h in r.hits}) == n


@pytest.mark.parametrize("variant", [
    "Ou Jensen Huang a-t-il dine avec Donald Trump ?",
    "OÙ JENSEN HUANG A-T-IL DÎNÉ AVEC DONALD TRUMP ?",
    "où jensen huang a-t-il dîné avec donald trump",
])
def test_spelling_does_not_change_the_best_passage(fake_engine, variant):
    """Without accents, in capitals or lower case, the question finds the same best passage."""
    expected = fake_engine.searcher.search(DINNER, limit=3).hits[0].passage
    assert fake_engine.searcher.search(variant, limit=3).hits[0].passage == expected


@pytest.mark.parametrize(("question", "variant"), [
    ("Quel est le rôle de l'administration Trump ?", "Quel est le rôle de l\u2019administration Trump ?"),
    ("Qu'a dit Jensen Huang à propos de l'IA ?", "Qu\u2019a dit Jensen Huang à propos de l\u2019IA ?"),
])
def test_either_apostrophe_finds_the_same_citations(fake_engine, question, variant):
    """A question typed with ’ or with ' gets the same cited passages."""
    first = [c.passage for c in fake_engine.ask(question).citations]
    assert [c.passage for c in fake_engine.ask(variant).citations] == first


def test_mar_a_lago_passage_found_for_the_dinner(fake_engine):
    """The dinner question's best passages include the one about the dinner at Mar-a-Lago."""
    top = fake_engine.searcher.search(DINNER, limit=3).hits
    assert any("Mar-a-Lago" in h.passage.text and "dîner" in h.passage.text for h in top)


@pytest.mark.parametrize(("weight", "component"), [(1.0, "lexical"), (0.0, "dense")])
def test_weight_one_side_only(fake_engine, weight, component):
    """With all the weight on one list, passages come in that list's order."""
    s = fake_engine.searcher
    searcher = Searcher(s.index, s.embedder, replace(s.config, lexical_weight_alone=weight))
    hits = searcher.search("terres rares aimants permanents", limit=10).hits
    values = [getattr(h, component) for h in hits]
    scored = [v for v in values if v > 0]
    assert scored == sorted(scored, reverse=True)
    assert values[0] == max(values)


def test_lexical_match_outranks_dense_only(fake_engine):
    """Fused, a passage holding the question's rare words comes before those that only look similar."""
    hits = fake_engine.searcher.search("terres rares", limit=5).hits
    assert "terres rares" in hits[0].passage.text
    assert hits[0].lexical > 0


def test_passage_vector_finds_its_passage(fake_engine):
    """Searching with a passage's own vector (dense only) gives that passage first."""
    s = fake_engine.searcher
    searcher = Searcher(s.index, s.embedder, replace(s.config, lexical_weight_alone=0.0))
    for i in (0, 7, len(s.index.passages) - 1):
        r = searcher.search_vector("q", np.asarray(s.index.embeddings[i]), [], limit=3)
        assert r.hits[0].position == i


@pytest.mark.parametrize(("question", "cross"), [
    ("Who is the CEO of Nvidia?", True),
    ("Where did Jensen Huang have dinner with Donald Trump?", True),
    ("Qui est le PDG de Nvidia ?", False),
    ("Qui a dîné à Mar-a-Lago ?", False),
    (DINNER, False),
])
def test_cross_language_flag(fake_engine, question, cross):
    """English questions on French documents are flagged cross-language (they get their own threshold)."""
    assert fake_engine.searcher.search(question).cross_language is cross


def test_question_terms_are_reported(fake_engine):
    """The result carries the question's analysed terms (used to pick the answer's sentences)."""
    assert fake_engine.searcher.search("Qui est le PDG de Nvidia ?").terms == ["pdg", "nvidi"]


def test_on_topic_question_has_more_evidence_than_off_topic(fake_engine):
    """A question about the documents has more evidence than one about something else (same model)."""
    s = fake_engine.searcher
    on_topic = s.search("Qui est le PDG de Nvidia ?").evidence
    assert on_topic > s.search("Comment faire du pain au levain ?").evidence


def test_follow_up_terms_of_the_question_weigh_more_than_the_history(fake_engine):
    """With history, the result's terms are the question's own; the history only adds to the ranking."""
    s = fake_engine.searcher
    r = s.search("Où a-t-il dîné ?", history=["Qui est le PDG de Nvidia ?"])
    assert r.terms == s.search("Où a-t-il dîné ?").terms
    assert any(h.passage.text.count("Nvidia") for h in r.hits[:3])


def test_an_empty_index_searched_with_a_vector_finds_nothing(tmp_path, fake_embedder):
    """search_vector on an index of no passages: no hits, not covered, no error."""
    from index import Engine

    engine = Engine(empty_index(tmp_path / "idx", fake_embedder), fake_embedder)
    searcher = Searcher(engine.index, fake_embedder)
    result = searcher.search_vector(DINNER, fake_embedder.embed([DINNER], query=True)[0], ["din"], 3)
    assert (result.hits, result.covered) == ([], False)


def test_a_long_question_is_searched_by_what_it_asks():
    """A situation told in sentences, then the question: the focus is the question and the quoted message."""
    from index.search import question_focus

    question = ("J'ai installé le serveur hier et tout marchait bien jusqu'à ce matin. Quand je lance la mise à "
                "jour, j'obtiens \"E: Could not open lock file\" et rien ne se passe. Que dois-je faire ?")
    assert question_focus(question) == "Que dois-je faire ? E: Could not open lock file"
    assert question_focus("Que dois-je faire quand la mise à jour échoue ?") is None  # short: all focus


def test_an_elliptical_follow_up_is_judged_with_its_conversation(fake_engine):
    """"Et pourquoi ?" is declined alone, answered after the question it follows; a new subject is still declined."""
    earlier = "Quand les restrictions sur la H20 ont-elles été suspendues ?"
    assert fake_engine.ask(earlier).answered
    assert not fake_engine.ask("Et pourquoi ?").answered
    assert fake_engine.ask("Et pourquoi ?", history=[earlier]).answered
    assert not fake_engine.ask("Et son salaire ?", history=["Qui est le PDG de Nvidia ?"]).answered


def test_page_furniture_is_kept_out_of_the_closest_passages(fake_engine):
    """Ratings, sharing, the author's contact line and readers' comments rank below content unless asked about."""
    from index.furniture import furniture_shares

    def furniture_cited(question: str) -> bool:
        cited = [c.passage for c in fake_engine.ask(question).citations]
        return any(share >= 0.5 for share in furniture_shares(cited))

    assert not furniture_cited("Les décisions politiques dépendent-elles d'un dîner privé ?")
    assert not furniture_cited("Quelle est la recette de la tarte aux pommes ?")
    assert furniture_cited("Que disent les commentaires sur les décisions politiques et le dîner privé ?")


@pytest.mark.parametrize(("line", "furniture"), [
    ("Ça vous a plu ? 4.6/5 (30)", True),
    ("Partagez maintenant.", True),
    ("Jessica, journaliste, est diplômée de Sciences Po. Contact : jessica@example.com.", True),
    ("Did you enjoy this article? Share it with your friends", True),
    ("La puce H20 est vendue 12 000 dollars, soit 4/5 du prix de la H100 selon Reuters, qui cite trois sources "
     "proches du dossier et des documents internes consultés par l'agence au cours des derniers mois.", False),
    ("Le fondeur TSMC doit produire 300 000 puces H20.", False),
])
def test_furniture_lines(line, furniture):
    """A line of ratings, sharing or contact reads as furniture; a sentence of content does not."""
    from index.furniture import furniture_line

    assert furniture_line(line) is furniture


@pytest.mark.parametrize(("question", "names"), [
    ("Quel temps fera-t-il demain à Paris ?", {"Paris"}),
    ("Qui a invité Jensen Huang à Mar-a-Lago ?", {"Jensen", "Huang", "Mar-a-Lago"}),
    ("Quelles puces Nvidia vend-elle ? Et AMD ?", {"Nvidia", "AMD"}),  # "Et", opening a sentence, is no name
    ("combien coute une puce h20", set()),
])
def test_a_name_is_no_typo(fake_engine, question, names):
    """Only a question's other words may be typos: a name the documents lack is not matched to a word one edit away."""
    s = fake_engine.searcher
    terms = s.index.lexical.question_terms(question, "fr")
    name_terms = set(s.index.lexical.question_terms(" ".join(names), "fr")) if names else set()
    assert set(s._typos(question, terms)) == set(terms) - name_terms


@pytest.mark.parametrize(("multilingual", "reads", "known", "weights"), [
    (True, True, 1.0, (0.4, 0.2, 0.4)),
    (True, False, 1.0, (0.4, 0.1, 0.5)),  # half the main model's weight goes to the multilingual one
    (True, True, 0.5, (0.2, 0.2, 0.6)),  # half its words unknown to the corpus: BM25 counts half as much
    (True, False, 0.0, (0.0, 0.1, 0.9)),
    (False, True, 1.0, (0.6, 0.4, 0.0)),
    (False, False, 0.5, (0.6, 0.4, 0.0)),  # no other dense signal to hand it to
])
def test_what_bm25_or_the_main_model_cannot_say_goes_to_the_multilingual_model(multilingual, reads, known, weights):
    """A question the main model cannot read, or in words the corpus lacks, leans on the multilingual model."""
    assert SearchConfig().weights(multilingual, reads, known) == pytest.approx(weights)


def test_everyday_words_the_corpus_lacks_leave_the_ranking_to_meaning(tmp_path, fake_embedder):
    """Asked in words the documents never use, the passage that means it comes first, not the one sharing a word."""
    from index import BuildOptions, build_index, store
    from tests.conftest import FakeEmbedder

    class Multilingual(FakeEmbedder):
        """Knows that a "bécane" is a machine, as a multilingual model would."""

        def embed(self, texts, batch_size=32, *, query=False):
            return super().embed([t.replace("bécane", "serveur") for t in texts], batch_size)

    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in {"serveur.txt": "Le serveur LTSP demande un disque de 40 Gio pour ses comptes.",
                       "disques.txt": "Les disques durs et les disques SSD des salles sont changés chaque année.",
                       "imprimante.txt": "L'imprimante de la salle des professeurs se partage par le réseau."}.items():
        (docs / name).write_text(text + "\n", encoding="utf-8")
    multi = Multilingual("fake-multilingual", dimension=256)
    build_index(docs, tmp_path / "index", fake_embedder, BuildOptions(), multilingual=multi)
    config = SearchConfig(lexical_weight=0.6, dense_weight=0.0, multilingual_weight=0.4)
    searcher = Searcher(store.load(tmp_path / "index"), fake_embedder, config, multilingual=multi)
    question = "ma bécane faut lui filer quelle taille de disque ?"
    assert "40 Gio" in searcher.search(question, limit=1).hits[0].passage.text
    found = searcher.search(question, limit=1)
    searcher._known = lambda terms: 1.0  # as if the corpus knew every word: BM25's "disques" wins
    as_known = searcher.search(question, limit=1)
    assert "40 Gio" not in as_known.hits[0].passage.text
    # The evidence is judged on what words and meaning together rank first, as it was: ranked by meaning
    # alone, an unrelated question's closest passages would look like evidence.
    assert found.features == as_known.features


def test_the_multilingual_model_decides_what_the_main_model_cannot_read(docs_copy, tmp_path, fake_embedder):
    """A French question is ranked by the multilingual model when the main model reads English only."""
    from index import BuildOptions, build_index, store
    from tests.conftest import FakeEmbedder

    class EnglishOnly(FakeEmbedder):
        """Reads English only: any question it is given looks to it like one about rare earths."""

        languages = ("en",)

        def embed(self, texts, batch_size=32, *, query=False):
            return super().embed(["terres rares aimants permanents"] * len(texts) if query else texts, batch_size)

    english, multi = EnglishOnly("english-only"), FakeEmbedder("fake-multilingual", dimension=32)
    build_index(docs_copy, tmp_path / "index", english, BuildOptions(), multilingual=multi)
    index = store.load(tmp_path / "index")
    dense_only = SearchConfig(lexical_weight=0.0, dense_weight=0.8, multilingual_weight=0.2, foreign_dense=0.0)
    multi_only = replace(dense_only, dense_weight=0.0, multilingual_weight=1.0)
    top = Searcher(index, english, dense_only, multilingual=multi).search(DINNER, limit=1).hits[0]
    assert top.position == Searcher(index, english, multi_only, multilingual=multi).search(DINNER, 1).hits[0].position
    assert "terres rares" not in top.passage.text
    # A main model taken to read French keeps its weight: the rare earths it sees everywhere come first.
    misled = Searcher(index, english, dense_only, multilingual=multi)
    misled._main_languages = None
    assert "terres rares" in misled.search(DINNER, limit=1).hits[0].passage.text


def test_a_long_question_is_judged_on_its_whole_meaning(fake_engine, monkeypatch):
    """The meaning a long question is judged on is the whole's, not pulled toward an elliptical focus ("Laquelle ?")."""
    searcher = fake_engine.searcher
    question = ("J'ai lu qu'un dîner en Floride avait tout changé pour les exportations de puces. Le patron de "
                "Nvidia aurait promis quelque chose en échange, et on en parle beaucoup au bureau. Laquelle ?")
    judged = {}
    search = Searcher._search

    def spy(self, *args, **kwargs):
        judged["own"] = args[6]  # the vectors the evidence is measured with
        return search(self, *args, **kwargs)

    monkeypatch.setattr(Searcher, "_search", spy)
    result = searcher.search(question)
    whole = fake_engine.embedder.embed([question], query=True)[0]
    assert result.focus == "Laquelle ?"
    assert np.allclose(judged["own"]["main"], whole)
    assert not np.allclose(result.query_vector, whole)  # the answer is still chosen with the focus added


def test_the_same_paragraph_in_two_files_is_cited_once(tmp_path, fake_embedder):
    """A paragraph read from a guide's HTML and from its PDF takes one of the top places; another passage the next."""
    from index import BuildOptions, build_index, store

    docs = tmp_path / "docs"
    docs.mkdir()
    paragraph = ("Le serveur principal garde les sauvegardes des comptes des élèves et des professeurs pendant trente "
                 "jours, puis les efface une à une chaque dimanche soir afin de libérer la place du disque réservé.")
    for name, text in {"guide.html": f"<p>{paragraph}</p>", "guide.txt": f"{paragraph} 12",  # the PDF's page number
                       "rotation.txt": "Les sauvegardes du serveur tournent chaque nuit sur deux disques.",
                       "imprimante.txt": "L'imprimante de la salle des professeurs se partage par le réseau."}.items():
        (docs / name).write_text(text + "\n", encoding="utf-8")
    build_index(docs, tmp_path / "index", fake_embedder, BuildOptions())
    index = store.load(tmp_path / "index")
    question = "Combien de jours le serveur garde-t-il les sauvegardes des comptes ?"
    kept = Searcher(index, fake_embedder, SearchConfig(duplicate_cosine=1.0)).search(question, limit=2).hits
    assert all(paragraph in h.passage.text for h in kept)  # copies kept: the paragraph takes both places
    top = [h.passage.text for h in Searcher(index, fake_embedder, SearchConfig(duplicate_cosine=0.95))
           .search(question, limit=2).hits]
    assert paragraph in top[0] and paragraph not in top[1]
