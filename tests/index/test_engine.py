"""The question-answering service: question validation, errors that say what to do, rebuild and swap."""

from __future__ import annotations

import pytest

from index import BuildOptions, IndexIncompatibleError, IndexMissingError, InvalidQuestionError
from index.engine import MAX_QUESTION_CHARS, Engine, validate_question

TSMC = "h20-terres-rares-commande-tsmc.txt"
RARE_EARTHS = "Pourquoi les terres rares et les aimants permanents ont-ils compté ?"


@pytest.mark.parametrize(("question", "message"), [
    ("", "empty"),
    ("   ", "empty"),
    ("\n\t \r\n", "empty"),
    ("\u200b\u200b", "empty"),  # only invisible characters
    ("a" * 1001, "too long (1001 characters; the limit is 1000)"),
    ("é" * 1001, "too long"),
    (None, "must be text"),
    (42, "must be text"),
])
def test_invalid_questions(question, message):
    """Empty, blank, invisible, over-long or non-text questions are refused with a message saying why."""
    with pytest.raises(InvalidQuestionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        validate_question(question)


@pytest.mark.parametrize(("question", "cleaned"), [
    ("a" * 1000, "a" * 1000),  # exactly at the limit
    ("  " + "a" * 1000 + "  \n", "a" * 1000),  # surrounding blanks don't count
    ("Qui   est\nle PDG ?", "Qui est le PDG ?"),  # runs of blanks become one space
    ("L\u2019accord ?", "L'accord ?"),
    ("Nvi\u200bdia ?", "Nvidia ?"),
])
def test_valid_questions_are_cleaned(question, cleaned):
    """A valid question comes back cleaned: one apostrophe, no invisible characters, single spaces."""
    assert validate_question(question) == cleaned


def test_limit_is_the_one_documented():
    """The limit people are told about is 1000 characters."""
    assert MAX_QUESTION_CHARS == 1000


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


def test_missing_index_says_to_run_docbot_index(tmp_path, fake_embedder):
    """Asking before any index is built says to run `docbot index`."""
    engine = Engine(tmp_path / "nowhere", fake_embedder)  # making the engine loads nothing yet
    with pytest.raises(IndexMissingError, match="docbot index"):
        engine.ask("Qui est le PDG de Nvidia ?")


def test_index_of_another_model_is_refused(fake_engine, fake_embedder):
    """An index built with another model is refused, naming both models and saying to rebuild."""
    other = Engine(fake_engine.index_dir, type(fake_embedder)("another-model"))
    with pytest.raises(IndexIncompatibleError, match="'fake-embedder'.*'another-model'.*docbot index"):
        other.ask("Qui est le PDG de Nvidia ?")


@pytest.mark.parametrize("top_k", [1, 3, 5])
def test_top_k(fake_engine, top_k):
    """The engine cites top_k passages by default, and keeps the next ones for "more"."""
    fake_engine.top_k = top_k
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
