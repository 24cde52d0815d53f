"""Build the library's objects from the settings: the one bridge from `bot` to `index`."""

from __future__ import annotations

import logging
from pathlib import Path

from index import BuildOptions, Embedder, SearchConfig, SentenceTransformerEmbedder
from index.embedding import OnnxEmbedder
from index.engine import Engine

from .settings import Settings

log = logging.getLogger(__name__)


def search_config(settings: Settings) -> SearchConfig:
    """Search and answerability settings."""
    return SearchConfig(lexical_weight=settings.lexical_weight, min_evidence=settings.min_evidence,
                        min_evidence_cross_language=settings.min_evidence_cross_language)


def build_options(settings: Settings) -> BuildOptions:
    """How passages are cut and indexed."""
    return BuildOptions(language=settings.language, passage_tokens=settings.passage_tokens,
                        term_prefix=settings.term_prefix, approximate_above=settings.approximate_above)


def onnx_cache_dir(settings: Settings) -> Path:
    """Where ONNX exports of the embedding model are kept: with the index, made by `docbot index`."""
    return settings.index_dir / "models"


def make_embedder(settings: Settings) -> Embedder:
    """Make the configured embedding model on the configured backend (loaded on first use)."""
    if settings.embedding_backend in ("onnx", "onnx-int8"):
        return OnnxEmbedder(settings.embedding_model, cache_dir=onnx_cache_dir(settings),
                            quantize=settings.embedding_backend == "onnx-int8")
    return SentenceTransformerEmbedder(settings.embedding_model, backend=settings.embedding_backend)


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
    """Make an Engine over the configured index (nothing is loaded until first use)."""
    limit_blas_threads()
    return Engine(settings.index_dir, make_embedder(settings), search_config(settings), top_k=settings.top_k)
