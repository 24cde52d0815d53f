"""Build the library's objects from the settings: the one bridge from `bot` to `index`."""

from __future__ import annotations

from index import BuildOptions, SearchConfig, SentenceTransformerEmbedder
from index.engine import Engine

from .settings import Settings


def search_config(settings: Settings) -> SearchConfig:
    """Search and answerability settings."""
    return SearchConfig(lexical_weight=settings.lexical_weight, min_coverage=settings.min_coverage,
                        min_dense=settings.min_dense)


def build_options(settings: Settings) -> BuildOptions:
    """How passages are cut and indexed."""
    return BuildOptions(language=settings.language, passage_tokens=settings.passage_tokens,
                        approximate_above=settings.approximate_above)


def make_engine(settings: Settings) -> Engine:
    """An Engine over the configured index (nothing is loaded until first use)."""
    embedder = SentenceTransformerEmbedder(settings.embedding_model, backend=settings.embedding_backend)
    return Engine(settings.index_dir, embedder, search_config(settings), top_k=settings.top_k)
