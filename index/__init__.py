"""docbot's library: documents in, ranked passages and cited answers out.

Front ends use what is exported here and nothing else: an `Engine` answers questions and rebuilds
the index; `build_index` builds it without serving; the errors carry what went wrong as data.
The library takes its settings as arguments and knows nothing of Discord, the terminal or env vars.
"""

from .answer import Answer, Citation
from .answerability import AnswerabilityConfig
from .build import BuildOptions, BuildSummary, build_index
from .documents import SUPPORTED_SUFFIXES, Document, Skipped, sniff
from .e5 import E5OnnxEmbedder, E5UnavailableError
from .embedding import DEFAULT_MODEL, Embedder, OnnxEmbedder, SentenceTransformerEmbedder, resolve_model
from .engine import Engine, index_contents, indexed_passages
from .errors import (
    DocbotError,
    DocumentsDirError,
    EmbeddingModelError,
    IndexCorruptError,
    IndexEmptyError,
    IndexIncompatibleError,
    IndexLockedError,
    IndexMissingError,
    IndexNotWritableError,
    InvalidQuestionError,
    UnknownDocumentError,
)
from .onnx_export import ensure_export
from .passages import Passage, Place
from .search import SearchConfig
from .store import DocumentEntry, LoadedIndex, Manifest, load
from .text import LANGUAGES, guess_language

__all__ = [
    "DEFAULT_MODEL", "LANGUAGES", "SUPPORTED_SUFFIXES", "Answer", "AnswerabilityConfig", "BuildOptions",
    "BuildSummary", "Citation", "DocbotError", "Document", "DocumentEntry", "DocumentsDirError", "E5OnnxEmbedder",
    "E5UnavailableError", "Embedder", "EmbeddingModelError", "Engine", "IndexCorruptError", "IndexEmptyError",
    "IndexIncompatibleError", "IndexLockedError", "IndexMissingError", "IndexNotWritableError",
    "InvalidQuestionError", "LoadedIndex", "Manifest", "OnnxEmbedder", "Passage", "Place", "SearchConfig",
    "SentenceTransformerEmbedder", "Skipped", "UnknownDocumentError", "build_index", "ensure_export",
    "guess_language", "index_contents", "indexed_passages", "load", "resolve_model", "sniff",
]
