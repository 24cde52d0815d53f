"""docbot's library: documents in, ranked passages and cited answers out.

It takes its settings as arguments and knows nothing of Discord, the terminal or env vars.
"""

from .answer import Answer, Citation, assemble
from .build import BuildOptions, BuildSummary, build_index
from .documents import Document, Skipped
from .embedding import DEFAULT_MODEL, Embedder, SentenceTransformerEmbedder
from .errors import (
    BusyError,
    DocbotError,
    DocumentsDirError,
    EmbeddingModelError,
    IndexCorruptError,
    IndexIncompatibleError,
    IndexLockedError,
    IndexMissingError,
    InvalidQuestionError,
)
from .passages import Passage
from .search import Hit, SearchConfig, Searcher, SearchResult
from .store import LoadedIndex, load

__all__ = [
    "DEFAULT_MODEL", "Answer", "BusyError", "BuildOptions", "BuildSummary", "Citation", "DocbotError", "Document",
    "DocumentsDirError", "Embedder", "EmbeddingModelError", "Hit", "IndexCorruptError", "IndexIncompatibleError",
    "IndexLockedError", "IndexMissingError", "InvalidQuestionError", "LoadedIndex", "Passage", "SearchConfig",
    "SearchResult", "Searcher", "SentenceTransformerEmbedder", "Skipped", "assemble", "build_index", "load",
]
