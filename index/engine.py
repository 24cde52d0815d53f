"""The question-answering service: a loaded index, a searcher, and hot swapping after a rebuild."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from . import store
from .answer import Answer, assemble
from .build import BuildOptions, BuildSummary, Progress, build_index
from .embedding import Embedder
from .errors import InvalidQuestionError
from .search import SearchConfig, Searcher
from .text import clean

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000


def validate_question(question: str, max_chars: int = MAX_QUESTION_CHARS) -> str:
    """The question, cleaned; InvalidQuestionError if it is blank or too long."""
    if not isinstance(question, str):
        raise InvalidQuestionError("the question must be text")
    q = " ".join(clean(question).split())
    if not q:
        raise InvalidQuestionError("the question is empty")
    if len(q) > max_chars:
        raise InvalidQuestionError(f"the question is too long ({len(q)} characters; the limit is {max_chars})")
    return q


class Engine:
    """Answers questions from the index in `index_dir`; `rebuild` swaps a new index in without a restart.

    Questions asked while a rebuild runs are answered from the index loaded before it: the
    swap replaces one reference, so each question sees one whole index.
    """

    def __init__(
        self,
        index_dir: Path,
        embedder: Embedder,
        config: SearchConfig = SearchConfig(),
        top_k: int = 3,
        more: int = 5,
    ) -> None:
        self.index_dir = Path(index_dir)
        self.embedder = embedder
        self.config = config
        self.top_k = top_k
        self.more = more
        self._searcher: Searcher | None = None
        self._load_lock = threading.Lock()

    @property
    def searcher(self) -> Searcher:
        """The searcher over the current index (loaded on first use)."""
        s = self._searcher
        if s is None:
            with self._load_lock:
                if self._searcher is None:
                    self._searcher = Searcher(store.load(self.index_dir, self.embedder.name), self.embedder,
                                              self.config)
                s = self._searcher
        return s

    @property
    def index(self) -> store.LoadedIndex:
        """The index being served."""
        return self.searcher.index

    def reload(self) -> None:
        """Load the index from disk again and serve it from now on."""
        fresh = Searcher(store.load(self.index_dir, self.embedder.name), self.embedder, self.config)
        with self._load_lock:
            self._searcher = fresh

    def ask(self, question: str, k: int | None = None) -> Answer:
        """Answer one question: validate, search, assemble."""
        q = validate_question(question)
        k = k or self.top_k
        searcher = self.searcher  # one index for the whole question, even if a swap happens meanwhile
        result = searcher.search(q, limit=k + self.more)
        return assemble(result, searcher.index.lexical, self.config, k=k, sentences=searcher.sentences)

    def rebuild(self, documents_dir: Path, options: BuildOptions, *, progress: Progress | None = None,
                lock_wait: float = 0.0) -> BuildSummary:
        """Update the index on disk, then swap it in."""
        summary = build_index(documents_dir, self.index_dir, self.embedder, options, progress=progress,
                              lock_wait=lock_wait)
        loaded = self._searcher
        # Also when nothing was written here but `current` moved: `docbot index` rebuilt it meanwhile.
        moved = loaded is not None and loaded.index.folder != store.current_path(self.index_dir).resolve()
        if summary.written or loaded is None or moved:
            self.reload()
        return summary
