"""The bridge from `bot` to `index`: the library's objects made from the settings, and the one question path.

`QuestionService.ask` is the ask-and-log step of every front end (Discord, the terminal chat,
`docbot ask`): the engine answers, and the question log records the outcome, the top document, the
latency and what "More passages" shows later, the same way whoever asked.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from index import (
    Answer,
    AnswerabilityConfig,
    BuildOptions,
    Citation,
    E5OnnxEmbedder,
    Embedder,
    EmbeddingModelError,
    Engine,
    InvalidQuestionError,
    OnnxEmbedder,
    SearchConfig,
    SentenceTransformerEmbedder,
    ensure_export,
    resolve_model,
)

from .database import Origin, QuestionLog
from .settings import Settings

log = logging.getLogger(__name__)


class BusyError(Exception):
    """Too many questions are already waiting for an answer (`waiting` of them)."""

    def __init__(self, waiting: int) -> None:
        self.waiting = waiting
        super().__init__(f"{waiting} questions are already waiting")


class ShuttingDownError(BusyError):
    """docbot is stopping (SIGTERM or SIGINT): it answers no new question."""

    def __init__(self) -> None:
        super().__init__(0)
        self.args = ("docbot is stopping",)


# Wiring --------------------------------------------------------------------------------------


def search_config(settings: Settings) -> SearchConfig:
    """Search and answerability settings."""
    default = AnswerabilityConfig()
    shift = settings.min_evidence - default.threshold  # one knob: both thresholds move together
    return SearchConfig(answerability=AnswerabilityConfig(
        threshold=settings.min_evidence, cross_language_threshold=default.cross_language_threshold + shift))


def build_options(settings: Settings) -> BuildOptions:
    """How passages are cut and indexed."""
    return BuildOptions(language=settings.language, passage_tokens=settings.passage_tokens,
                        term_prefix=settings.term_prefix, approximate_above=settings.approximate_above)


def onnx_cache_dir(settings: Settings) -> Path:
    """Where ONNX exports of the embedding model are kept: with the index."""
    return settings.index_dir / "models"


def make_embedder(settings: Settings) -> Embedder:
    """Make the configured embedding model on the configured backend (nothing is loaded yet)."""
    if settings.embedding_backend in ("onnx", "onnx-int8"):
        return OnnxEmbedder(settings.embedding_model, cache_dir=onnx_cache_dir(settings),
                            quantize=settings.embedding_backend == "onnx-int8")
    return SentenceTransformerEmbedder(settings.embedding_model, backend=settings.embedding_backend)


def make_multilingual(settings: Settings) -> Embedder | None:
    """The multilingual signal's embedder, its ONNX export made once; None when it is off or cannot run here.

    It is an improvement, not a requirement: when it cannot run, docbot says so in one warning and
    searches with MiniLM and BM25 alone.
    """
    if not settings.multilingual:
        return None
    embedder = E5OnnxEmbedder(onnx_cache_dir(settings), quantize=True)
    try:
        embedder.ensure_export()
    except EmbeddingModelError as exc:
        log.warning("%s; answering without the multilingual signal (DOCBOT_MULTILINGUAL=false hides this)", exc)
        return None
    return embedder


def prepare_embedder(embedder: Embedder) -> None:
    """Make the model ready to load: no hub look-up for a model on disk, and the ONNX export made once."""
    if os.path.isdir(resolve_model(getattr(embedder, "model_name", None) or embedder.name)):
        # Local files need no hub; saying so avoids a slow, failing network look-up.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if isinstance(embedder, OnnxEmbedder):
        ensure_export(embedder)


def limit_blas_threads() -> None:
    """Run numpy's BLAS on one thread in this process.

    A question's numpy work is a few small matrix-vector products: BLAS threads gain nothing there
    and fight ONNX Runtime's and FAISS's threads for the cores (on 2 cores, one product over 2048
    passage vectors took 20 ms with OpenBLAS's threads, 1 ms without).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # only slower without it
        log.debug("threadpoolctl is missing: numpy's BLAS keeps its threads")
        return
    threadpool_limits(1, user_api="blas")


def make_engine(settings: Settings) -> Engine:
    """Make an Engine over the configured index (the index itself is loaded on first use)."""
    limit_blas_threads()
    embedder = make_embedder(settings)
    prepare_embedder(embedder)
    return Engine(settings.index_dir, embedder, search_config(settings), top_k=settings.top_k,
                  multilingual=make_multilingual(settings))


# The question path ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Asked:
    """An answered question: the answer, its id in the question log (None if not logged), the time taken."""

    answer: Answer
    question_id: int | None
    latency_ms: float


@dataclass(frozen=True)
class More:
    """What "More passages" shows for a logged answer: its question and the passages after the cited ones."""

    question: str
    citations: list[Citation]


def more_payload(answer: Answer) -> dict:
    """What is stored with a question so that "More passages" can show them later, without searching."""
    return {"more": [c.to_dict() for c in answer.more]}


class QuestionService:
    """Asks the engine and logs the question: the one step behind every front end."""

    def __init__(self, engine: Engine, questions: QuestionLog | None) -> None:
        self.engine = engine
        self.questions = questions

    def ask(self, question: str, *, source: str, guild_id: int | None = None, history: Sequence[str] = (),
            k: int | None = None, origin: Origin | None = None) -> Asked:
        """Answer and log one question (blocking: front ends on an event loop run it in a thread).

        `history`: the conversation's earlier questions, newest last (a follow-up); `origin`: where on
        Discord it was asked and what it follows up, kept with it. InvalidQuestionError (nothing was
        asked) is raised without logging; any other failure is logged with outcome "error", then raised.
        """
        started = time.perf_counter()
        try:
            answer = self.engine.ask(question, k, history)
        except InvalidQuestionError:
            raise
        except Exception as exc:
            self._record(question, outcome="error", latency_ms=None, source=source, guild_id=guild_id,
                         error=f"{type(exc).__name__}: {exc}", origin=origin)
            raise
        latency_ms = (time.perf_counter() - started) * 1000
        question_id = self._record(answer.question, outcome=answer.outcome, latency_ms=latency_ms, source=source,
                                   guild_id=guild_id, top_document=answer.top_document,
                                   payload=more_payload(answer), origin=origin)
        return Asked(answer, question_id, latency_ms)

    def more(self, question_id: int) -> More | None:
        """The stored "more" passages of a logged answer; None if the log has no such answer (or no passages kept)."""
        if self.questions is None:
            return None
        logged = self.questions.get(question_id)
        if logged is None or not isinstance(logged.payload, dict):
            return None
        try:
            citations = [Citation.from_dict(c) for c in logged.payload.get("more") or []]
        except (KeyError, TypeError, ValueError):
            log.warning("The stored passages of question %s are unreadable", question_id, exc_info=True)
            return None
        return More(logged.question, citations)

    def _record(self, question: str, **fields: object) -> int | None:
        if self.questions is None:
            return None
        # A full disk or a locked database must not cost the user the answer: log and go on.
        try:
            return self.questions.record(question, **fields)
        except Exception:
            log.exception("Could not log the question")
            return None
