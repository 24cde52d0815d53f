"""The question-answering service: the library's one entry point for front ends.

An Engine validates a question, searches the loaded index, assembles the answer, and swaps a
rebuilt index in without a restart.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import store
from .answer import Answer, SentenceCache, assemble
from .build import BuildOptions, BuildSummary, Progress, build_index
from .embedding import Embedder
from .errors import IndexEmptyError, InvalidQuestionError, UnknownDocumentError
from .passages import Passage, Place
from .search import SearchConfig, Searcher
from .text import clean

log = logging.getLogger(__name__)


def _cleaned(question: object) -> str:
    if not isinstance(question, str):
        raise InvalidQuestionError("not_text")
    return " ".join(clean(question).split())


def validate_question(question: object, max_chars: int) -> str:
    """The question, cleaned; InvalidQuestionError if it is not text, blank once cleaned, or too long."""
    q = _cleaned(question)
    if not q:
        raise InvalidQuestionError("empty")
    if len(q) > max_chars:
        raise InvalidQuestionError("too_long", length=len(q), limit=max_chars)
    return q


def index_contents(index_dir: Path) -> tuple[store.Manifest, list[store.DocumentEntry]]:
    """What the current index in `index_dir` holds (its manifest and documents), without loading it."""
    folder = store.current_path(index_dir)
    return store.read_manifest(folder), store.read_documents(folder)


def indexed_passages(index_dir: Path, document: str | None = None) -> list[tuple[Place, Passage]]:
    """The passages of the current index as stored (checked first), each with the place it is listed at.

    With `document`, only that document's passages, in its order, at its own place (a text stored once
    may occur in several documents, or twice in one); UnknownDocumentError if it is not indexed.
    """
    folder = store.current_path(index_dir)
    store.verify(folder, store.read_manifest(folder))
    documents = store.read_documents(folder)
    passages = store.read_passages(folder)
    if document is None:
        return [(p.place, p) for p in passages]
    entry = next((d for d in documents if d.path == document), None)
    if entry is None:
        raise UnknownDocumentError(document, [d.path for d in documents])
    rows: list[tuple[Place, Passage]] = []
    seen: dict[int, int] = {}
    for i in entry.passages:  # a text twice in one document: its n-th place, the n-th time
        places = [pl for pl in passages[i].places if pl.document == document]
        rows.append((places[min(seen.get(i, 0), len(places) - 1)], passages[i]))
        seen[i] = seen.get(i, 0) + 1
    return rows


@dataclass(frozen=True)
class _Served:
    """An index with what answering from it keeps between questions: replaced as one."""

    searcher: Searcher
    sentences: SentenceCache


class Engine:
    """Answers questions from the index in `index_dir`; `rebuild` swaps a new index in without a restart.

    Questions asked while a rebuild runs are answered from the index loaded before it: the
    swap replaces one reference, so each question sees one whole index.
    """

    # Defaults (front ends read them from here rather than repeating them).
    top_k: int = 3  # passages cited
    more: int = 5  # passages after them, kept for "more passages"
    max_question_chars: int = 1000  # of the cleaned question

    def __init__(self, index_dir: Path, embedder: Embedder, config: SearchConfig = SearchConfig(),
                 top_k: int | None = None, more: int | None = None, max_question_chars: int | None = None,
                 multilingual: Embedder | None = None) -> None:
        self.index_dir = Path(index_dir)
        self.embedder = embedder
        self.multilingual = multilingual  # the second dense signal (built into the index and searched)
        self.config = config
        self.top_k = top_k if top_k is not None else type(self).top_k
        self.more = more if more is not None else type(self).more
        self.max_question_chars = max_question_chars if max_question_chars is not None \
            else type(self).max_question_chars
        self._served: _Served | None = None
        self._load_lock = threading.Lock()
        self._reload_lock = threading.Lock()  # one load of a new version at a time (rebuild, refresh)
        self._refused: Path | None = None  # a version `refresh` could not load: not tried again

    def _serve(self) -> _Served:
        index = store.load(self.index_dir, self.embedder.name)
        return _Served(Searcher(index, self.embedder, self.config, self.multilingual), SentenceCache(index.analyzer))

    def _current(self) -> _Served:
        served = self._served
        if served is None:
            with self._load_lock:
                if self._served is None:
                    self._served = self._serve()
                served = self._served
        return served

    def load(self) -> store.LoadedIndex:
        """The index being served, loaded (and checked) now if it was not yet."""
        return self._current().searcher.index

    @property
    def searcher(self) -> Searcher:
        """The searcher over the current index (loaded on first use)."""
        return self._current().searcher

    @property
    def index(self) -> store.LoadedIndex:
        """The index being served (loaded on first use)."""
        return self.load()

    def reload(self) -> None:
        """Load the index from disk again and serve it from now on."""
        with self._reload_lock:
            fresh = self._serve()
            with self._load_lock:
                self._served = fresh

    def refresh(self) -> Path | None:
        """Serve the version `current` points at, if another process moved it; the folder swapped in, or None.

        Cheap when nothing moved (one readlink): a serving process calls it every few seconds. Questions
        already being answered finish on the version they started with. A version that can't be loaded
        raises its DocbotError once and is not tried again; the one loaded before keeps serving.
        """
        try:
            target = store.current_path(self.index_dir).resolve(strict=True)
        except OSError:  # no index yet
            return None
        if not self._moved_to(target) or not self._reload_lock.acquire(blocking=False):
            return None  # nothing moved, or a rebuild or another refresh is loading it already
        try:
            if not self._moved_to(target):
                return None
            try:
                fresh = self._serve()
            except Exception:
                self._refused = target
                raise
            with self._load_lock:
                self._served = fresh
            return fresh.searcher.index.folder
        finally:
            self._reload_lock.release()

    def _moved_to(self, target: Path) -> bool:
        served = self._served
        return target != self._refused and (served is None or served.searcher.index.folder != target)

    def ask(self, question: str, k: int | None = None, history: Sequence[str] = ()) -> Answer:
        """Answer one question, citing `k` passages (default `top_k`).

        `history` holds the conversation's earlier questions, newest last: a follow-up such as
        "and where did he dine?" is searched with them. Raises InvalidQuestionError for a question
        that cannot be asked (the only check of questions: front ends leave it to this), and
        IndexEmptyError when the index holds no passages.
        """
        q = validate_question(question, self.max_question_chars)
        if isinstance(history, str):
            raise TypeError("history is a sequence of earlier questions, not one string")
        earlier = [h[: self.max_question_chars] for h in map(_cleaned, history) if h]
        k = k or self.top_k
        served = self._current()  # one index for the whole question, even if a swap happens meanwhile
        if not served.searcher.index.passages:
            raise IndexEmptyError(self.index_dir)
        result = served.searcher.search(q, limit=k + self.more, history=earlier)
        return assemble(result, served.searcher.index.lexical, k=k, sentences=served.sentences, history=earlier,
                        embedder=self.embedder, multilingual=self.multilingual)

    def rebuild(self, documents_dir: Path, options: BuildOptions, *, progress: Progress | None = None,
                lock_wait: float = 0.0) -> BuildSummary:
        """Update the index on disk, then swap it in."""
        summary = build_index(documents_dir, self.index_dir, self.embedder, options, progress=progress,
                              lock_wait=lock_wait, multilingual=self.multilingual)
        # What `current` points at now: this build's version, or another process's if it rebuilt meanwhile
        # (refresh may have swapped it in already).
        with self._reload_lock:
            served = self._served
            if served is None or served.searcher.index.folder != store.current_path(self.index_dir).resolve():
                fresh = self._serve()
                with self._load_lock:
                    self._served = fresh
        return summary
