"""The question-answering service: question validation, errors that carry what went wrong, follow-ups,
rebuild and swap."""

from __future__ import annotations

import pytest

from index import BuildOptions, Engine, IndexIncompatibleError, IndexMissingError, InvalidQuestionError, build_index
from index.engine import validate_question

TSMC = "h20-terres-rares-commande-tsmc.txt"
RARE_EARTHS = "Pourquoi les terres rares et les aimants permanents ont-ils compté ?"


@pytest.mark.parametrize(("question", "problem", "length"), [
    ("", "empty", None),
    ("   ", "empty", None),
    ("\n\t \r\n", "empty", None),
    ("\u200b\u200b", "empty", None),  # only invisible characters
    ("a" * 1001, "too_long", 1001),
    ("é" * 1001, "too_long", 1001),
    ("  " + "a" * 1001 + "\u200b ", "too_long", 1001),  # what is counted is the cleaned question
    (None, "not_text", None),
    (42, "not_text", None),
])
def test_invalid_questions(question, problem, length):
    """Empty, blank, invisible, over-long or non-text questions are refused, the error saying why as data."""
    with pytest.raises(InvalidQuestionError) as err:
        validate_question(question, 1000)
    assert (err.value.problem, err.value.length) == (problem, length)
    assert err.value.limit == (1000 if problem == "too_long" else None)


@pytest.mark.parametrize(("question", "cleaned"), [
    ("a" * 1000, "a" * 1000),  # exactly at the limit
    ("  " + "a" * 1000 + "  \n", "a" * 1000),  # surrounding blanks don't count
    ("Qui   est\nle PDG ?", "Qui est le PDG ?"),  # runs of blanks become one space
    ("L\u2019accord ?", "L'accord ?"),
    ("Nvi\u200bdia ?", "Nvidia ?"),
])
def test_valid_questions_are_cleaned(question, cleaned):
    """A valid question comes back cleaned: one apostrophe, no invisible characters, single spaces."""
    assert validate_question(question, 1000) == cleaned


def test_limit_is_the_one_documented():
    """The limit people are told about is 1000 characters."""
    assert Engine.max_question_chars == 1000


@pytest.mark.parametrize("question", ["", "   ", "a" * 1001])
def test_ask_refuses_before_searching(fake_engine, fake_embedder, question):
    """An invalid question is refused without embedding anything."""
    calls = fake_embedder.calls
    with pytest.raises(InvalidQuestionError):
        fake_engine.ask(question)
    assert fake_embedder.calls == calls


def test_ask_at_the_limit_is_answered(fake_engine):
    """A 1000-character question is answered, with citations."""
    question = ("Qui est le PDG de Nvidia ? " * 40)[:1000]
    assert len(fake_engine.ask(question).citations) == fake_engine.top_k


def test_missing_index_names_the_folder(tmp_path, fake_embedder):
    """Asking before any index is built: IndexMissingError naming the folder (front ends say what to run)."""
    engine = Engine(tmp_path / "nowhere", fake_embedder)  # making the engine loads nothing yet
    with pytest.raises(IndexMissingError) as err:
        engine.ask("Qui est le PDG de Nvidia ?")
    assert err.value.index_dir == tmp_path / "nowhere"
    assert str(err.value) == f"no index found in {tmp_path / 'nowhere'}"


def test_index_of_another_model_is_refused(fake_engine, fake_embedder):
    """An index built with another model is refused, the error naming both models."""
    other = Engine(fake_engine.index_dir, type(fake_embedder)("another-model"))
    with pytest.raises(IndexIncompatibleError) as err:
        other.ask("Qui est le PDG de Nvidia ?")
    assert (err.value.what, err.value.built, err.value.configured) == ("model", "fake-embedder", "another-model")


@pytest.mark.parametrize("top_k", [1, 3, 5])
def test_top_k(built, fake_embedder, top_k):
    """The engine cites top_k passages by default, and keeps the next ones for "more"."""
    fake_engine = Engine(built, fake_embedder, top_k=top_k)
    answer = fake_engine.ask("Qui est le PDG de Nvidia ?")
    assert len(answer.citations) == top_k
    assert len(answer.more) == fake_engine.more


def test_rebuild_swaps_the_new_index_in(fake_engine, docs_copy, fake_embedder):
    """After rebuild() over documents where one was deleted, the engine no longer cites it."""
    assert TSMC in [c.passage.document for c in fake_engine.ask(RARE_EARTHS, k=5).citations]
    (docs_copy / TSMC).unlink()
    summary = fake_engine.rebuild(docs_copy, BuildOptions())
    assert summary.removed == [TSMC]
    assert TSMC not in [c.passage.document for c in fake_engine.ask(RARE_EARTHS, k=10).citations]


def test_rebuild_with_nothing_changed_keeps_the_loaded_index(fake_engine, docs_copy, fake_embedder):
    """A rebuild that changes nothing embeds nothing and keeps serving the index already loaded."""
    loaded = fake_engine.index
    calls = fake_embedder.calls
    summary = fake_engine.rebuild(docs_copy, BuildOptions())
    assert not summary.written
    assert fake_embedder.calls == calls
    assert fake_engine.index is loaded


def test_question_keeps_one_index_across_a_swap(fake_engine, docs_copy):
    """A searcher taken before a swap still answers from its own complete index."""
    before = fake_engine.searcher
    (docs_copy / TSMC).unlink()
    fake_engine.rebuild(docs_copy, BuildOptions())
    assert fake_engine.searcher is not before
    assert TSMC in {h.passage.document for h in before.search(RARE_EARTHS, limit=5).hits}


def test_answer_outcome_top_document_and_cleaned_question(fake_engine):
    """An answer carries its outcome, the document of its first citation, and the question as understood."""
    answer = fake_engine.ask("  Qui\u200b est le PDG de Nvidia ?\n")
    assert answer.question == "Qui est le PDG de Nvidia ?"
    assert answer.outcome == "answered" and answer.answered and answer.sentences
    assert answer.top_document == answer.citations[0].passage.document


def test_the_question_is_embedded_as_a_query(fake_engine, fake_embedder):
    """Questions are embedded with query=True (models such as e5 embed questions and passages apart)."""
    queries = fake_embedder.queries
    fake_engine.ask("Qui est le PDG de Nvidia ?")
    assert fake_embedder.queries == queries + 1


def test_sentences_are_analysed_once_per_index_and_forgotten_with_it(fake_engine, docs_copy):
    """The answer cache belongs to the index: a rebuild that swaps the index in starts a new one."""
    fake_engine.ask(RARE_EARTHS)
    before = fake_engine._current().sentences
    assert fake_engine._current().sentences is before
    (docs_copy / TSMC).unlink()
    fake_engine.rebuild(docs_copy, BuildOptions())
    assert fake_engine._current().sentences is not before


# Follow-ups: a question asked after others in a conversation

CHIEFS = {  # two chiefs who dined somewhere, and documents about other things
    "nvidia.txt": "Jensen Huang dirige Nvidia depuis 1993 et en a fait un géant des puces graphiques.\n\n"
                  "Il a dîné à Mar-a-Lago avec le président américain au mois de juillet dernier.\n",
    "amd.txt": "Lisa Su dirige AMD depuis 2014 et a relancé les processeurs de la marque.\n\n"
               "Elle a dîné à Taipei avec les fournisseurs taïwanais au mois de juin dernier.\n",
    "intel.txt": "Intel prépare une nouvelle usine dans l'Ohio pour ses processeurs.\n\n"
                 "La construction a pris du retard faute de subventions fédérales.\n",
    "meteo.txt": "La météo annonce de la pluie sur la Bretagne toute la semaine.\n\n"
                 "Les températures restent douces pour la saison.\n",
    "sport.txt": "Le club de football local a gagné son match de dimanche.\n\n"
                 "L'entraîneur salue l'engagement des joueurs.\n",
    "cuisine.txt": "La recette de la tarte aux pommes demande du beurre salé.\n\n"
                   "Il faut cuire la pâte vingt minutes avant la garniture.\n",
}


@pytest.fixture
def chiefs(tmp_path, fake_embedder) -> Engine:
    docs = tmp_path / "chiefs"
    docs.mkdir()
    for name, text in CHIEFS.items():
        (docs / name).write_text(text, encoding="utf-8")
    build_index(docs, tmp_path / "chiefs-index", fake_embedder, BuildOptions())
    return Engine(tmp_path / "chiefs-index", fake_embedder, top_k=1)


@pytest.mark.parametrize(("earlier", "document"), [
    ("Qui dirige Nvidia ?", "nvidia.txt"),
    ("Qui dirige AMD ?", "amd.txt"),
])
def test_follow_up_is_searched_with_the_earlier_question(chiefs, earlier, document):
    """"Where did they dine?" after a question about one company cites that company's chief's dinner."""
    answer = chiefs.ask("Où a-t-il dîné ?", history=["Quelle usine est en retard ?", earlier])
    assert answer.top_document == document
    assert answer.answered and "dîné" in answer.text  # the sentence answers the question, not the history


def test_follow_up_the_documents_do_not_cover_is_declined(chiefs):
    """A follow-up on a covered subject that the documents don't answer is still declined."""
    assert chiefs.ask("Qui dirige Nvidia ?").answered
    answer = chiefs.ask("Quel âge a-t-il ?", history=["Qui dirige Nvidia ?"])
    assert not answer.answered and answer.outcome == "not_covered"


def test_history_is_cleaned_and_blank_turns_ignored(chiefs):
    """Earlier questions are cleaned like the question; blank ones count for nothing."""
    with_blank = chiefs.ask("Où a-t-il dîné ?", history=["Qui dirige Nvidia ?", " \u200b "])
    assert with_blank.top_document == "nvidia.txt"
    with pytest.raises(InvalidQuestionError):
        chiefs.ask("Où a-t-il dîné ?", history=["Qui dirige Nvidia ?", 42])


def test_refresh_serves_what_another_process_built(fake_engine, built, docs_copy, fake_embedder):
    """Another process (its own Engine) rebuilds: refresh() swaps the new version in once, and a searcher taken
    before it still answers from the old one."""
    before = fake_engine.searcher
    assert fake_engine.refresh() is None, "nothing moved"
    (docs_copy / TSMC).unlink()
    Engine(built, fake_embedder).rebuild(docs_copy, BuildOptions())
    swapped = fake_engine.refresh()
    assert swapped is not None and swapped == (built / "current").resolve()
    assert fake_engine.refresh() is None
    assert TSMC not in [c.passage.document for c in fake_engine.ask(RARE_EARTHS, k=10).citations]
    assert TSMC in {h.passage.document for h in before.search(RARE_EARTHS, limit=5).hits}


def test_refresh_keeps_serving_when_the_new_version_is_broken(fake_engine, built, docs_copy, fake_embedder):
    """A new version that cannot be loaded raises once, is not tried again, and the loaded one keeps answering."""
    from index import IndexCorruptError

    loaded = fake_engine.index
    (docs_copy / TSMC).unlink()
    Engine(built, fake_embedder).rebuild(docs_copy, BuildOptions())
    (built / "current" / "documents.json").write_text("[]\n", encoding="utf-8")
    with pytest.raises(IndexCorruptError):
        fake_engine.refresh()
    assert fake_engine.refresh() is None
    assert fake_engine.index is loaded and fake_engine.ask(RARE_EARTHS).citations
