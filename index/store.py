"""The index on disk: a folder of named files with a manifest, swapped in atomically."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import logging
import mmap
import operator
import os
import shutil
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import (
    IndexCorruptError,
    IndexIncompatibleError,
    IndexLockedError,
    IndexMissingError,
    IndexNotWritableError,
)
from .language import main_language
from .lexical import LexicalIndex
from .passages import Passage
from .text import LANGUAGES, Analyzer

log = logging.getLogger(__name__)

# 2: passages carry their section, pages, anchor and the other places of their text; the vectors
# are stored once, in the FAISS file (format 1 had them in embeddings.npy too).
FORMAT_VERSION = 2
CURRENT = "current"
MANIFEST = "manifest.json"
PASSAGES = "passages.jsonl"
DOCUMENTS = "documents.json"
VECTORS = "vectors.faiss"
# The second dense signal (a multilingual model), when the index has one.
MULTILINGUAL_VECTORS = "vectors-multilingual.faiss"
BM25_DIR = "bm25"
LOCK = ".lock"
_TMP_PREFIX = "tmp-"
_VERSION_PREFIX = "v-"


@dataclass
class DocumentEntry:
    """What the index remembers of a source document."""

    path: str
    title: str
    sha256: str
    size: int
    mtime_ns: int
    passages: list[int] = field(default_factory=list)  # positions of its passages in the index, in its order
    date: str | None = None
    meta_sha: str = ""  # of its entry in metadata.json, so an edit there is noticed without reading the file
    url: str | None = None  # from metadata.json

    @property
    def count(self) -> int:
        """How many passages the document has (a text it shares with another document included)."""
        return len(self.passages)


@dataclass
class Manifest:
    """The index's identity card: what built it, what it holds, and checksums of its files."""

    model: str
    dimension: int
    language: str
    passage_tokens: int
    term_prefix: int
    documents: int
    passages: int
    faiss_index: str
    built_at: float = field(default_factory=time.time)
    format_version: int = FORMAT_VERSION
    files: dict[str, str] = field(default_factory=dict)
    multilingual_model: str | None = None  # the second dense signal's model, if any
    multilingual_dimension: int = 0
    calibration: dict | None = None  # the off-topic reference (index/answerability.py)
    reading: int = 0  # how documents were read and cut (index/build.py READING_VERSION); 0: before it was kept
    languages: dict[str, int] = field(default_factory=dict)  # passages per language (index/language.py)

    def analyzer(self) -> Analyzer:
        """The lexical analyser of the index: its main language, and how many passages each language has."""
        counts = self.languages or ({self.language: self.passages} if self.language in LANGUAGES else {})
        return Analyzer(main_language(counts), self.term_prefix, counts)

    def compatible_with(self, model: str, passage_tokens: int, term_prefix: int) -> str | None:
        """Why an index built this way can't be updated incrementally with these settings, if it can't.

        Not the language: it changes no passage nor vector, only BM25's terms, which every build makes anew.
        """
        if self.format_version != FORMAT_VERSION:
            return f"index format {self.format_version} (this docbot writes {FORMAT_VERSION})"
        if self.model != model:
            return f"built with model {self.model!r}, now {model!r}"
        if self.passage_tokens != passage_tokens:
            return f"built with passages of {self.passage_tokens} tokens, now {passage_tokens}"
        if self.term_prefix != term_prefix:
            return f"built with terms cut at {self.term_prefix} letters, now {term_prefix}"
        return None


def sha256_file(path: Path) -> str:
    """Checksum of a file, read in blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _checksummed_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST)


def current_path(index_dir: Path) -> Path:
    """The folder the index currently serves from (may not exist)."""
    return Path(index_dir) / CURRENT


def read_manifest(folder: Path) -> Manifest:
    """Read and check a manifest, without verifying the files."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise IndexMissingError(folder.parent if folder.name == CURRENT else folder)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        version = data.get("format_version") if isinstance(data, dict) else None
        if isinstance(version, int) and version != FORMAT_VERSION:
            # Checked before the fields: another version's manifest may have other fields.
            raise IndexIncompatibleError("format", version, FORMAT_VERSION)
        return Manifest(**data)
    except (OSError, ValueError, TypeError) as exc:
        raise IndexCorruptError(f"the index manifest is unreadable ({type(exc).__name__})", MANIFEST) from exc


def read_documents(folder: Path) -> list[DocumentEntry]:
    """The documents an index was built from."""
    try:
        data = json.loads((Path(folder) / DOCUMENTS).read_text(encoding="utf-8"))
        return [DocumentEntry(**d) for d in data]
    except (OSError, ValueError, TypeError) as exc:
        raise IndexCorruptError("the index's document list is unreadable", DOCUMENTS) from exc


def verify(folder: Path, manifest: Manifest) -> None:
    """Check every file against the manifest's checksums, before any library parses them.

    The manifest must list exactly the files present: FAISS and bm25s trust what they read, so a
    file no checksum covers (a manifest with no file list, a file dropped in) is never read.
    """
    listed = manifest.files if isinstance(manifest.files, dict) else {}
    required = {PASSAGES, DOCUMENTS, VECTORS}
    if not required <= set(listed) or not any(name.startswith(f"{BM25_DIR}/") for name in listed):
        raise IndexCorruptError("the index manifest does not list the index's files", MANIFEST)
    present = {p.relative_to(folder).as_posix() for p in _checksummed_files(folder)}
    missing = set(listed) - present
    if missing:
        raise IndexCorruptError(f"the index is incomplete (missing {sorted(missing)[0]})", sorted(missing)[0])
    extra = present - set(listed)
    if extra:
        raise IndexCorruptError(f"the index holds a file its manifest does not list ({sorted(extra)[0]})",
                                sorted(extra)[0])
    for name, digest in listed.items():
        try:
            actual = sha256_file(folder / name)
        except OSError as exc:  # removed or replaced since it was listed
            raise IndexCorruptError(f"the index file {name} is unreadable ({exc.strerror})", name) from exc
        if actual != digest:
            raise IndexCorruptError(f"the index file {name} is damaged (checksum mismatch)", name)


def read_passages(folder: Path) -> list[Passage]:
    """The passages, in index order."""
    with open(Path(folder) / PASSAGES, encoding="utf-8") as f:
        return [Passage.from_dict(json.loads(line)) for line in f if line.strip()]


class PassageFile(Sequence[Passage]):
    """The passages of a version folder, decoded from its memory-mapped passages.jsonl when asked for.

    Processes serving the same version share the file's pages in the page cache; each holds only where
    each line starts and ends (16 bytes a passage) and decodes the passages a search returns. The file
    is never changed once written, so the mapping stays valid (also after the version is removed).
    """

    def __init__(self, path: Path) -> None:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        data = np.frombuffer(self._map, dtype=np.uint8)
        ends = np.flatnonzero(data == ord("\n"))
        if size and (not len(ends) or ends[-1] != size - 1):
            ends = np.append(ends, size)  # a last line without its newline
        starts = np.concatenate(([0], ends[:-1] + 1)).astype(np.int64) if len(ends) else np.zeros(0, np.int64)
        del data  # the view must go before the mapping can ever close
        kept = ends > starts  # blank lines hold no passage (read_passages skips them too)
        self._starts, self._ends = starts[kept], ends[kept].astype(np.int64)

    def __len__(self) -> int:
        return len(self._starts)

    def __getitem__(self, i):  # noqa: ANN001, ANN204 - Sequence's overloads (an int, or a slice)
        """The passage at position `i` (a slice: a list of them)."""
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = operator.index(i)
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("passage position out of range")
        return Passage.from_dict(json.loads(self._map[self._starts[i]:self._ends[i]]))

    def __eq__(self, other: object) -> bool:
        """The same passages in the same order (as a list of them would compare)."""
        if not isinstance(other, (PassageFile, list, tuple)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # compared by value, as a list: not hashable


def vector_view(vectors) -> np.ndarray:
    """The vectors a FAISS index holds, as a read-only (n, d) array over its own storage (no copy).

    The array is valid while `vectors` lives: keep both. A file read with `read_faiss_index` is
    memory-mapped, so the array's pages are the page cache's.
    """
    import faiss

    flat = faiss.downcast_index(vectors.storage if hasattr(vectors, "storage") else vectors)
    n, d = flat.ntotal, flat.d
    if not isinstance(flat, faiss.IndexFlat) or flat.metric_type != faiss.METRIC_INNER_PRODUCT:
        raise IndexCorruptError(f"the index's vectors are not stored flat ({type(flat).__name__})")
    if n == 0:
        return np.zeros((0, d), dtype=np.float32)
    view = faiss.rev_swig_ptr(flat.get_xb(), n * d).reshape(n, d)
    view.flags.writeable = False
    return view


def flat_index(n: int, dimension: int):
    """An exact inner-product FAISS index of `n` vectors, and its storage as an array to fill in place."""
    import faiss

    index = faiss.IndexFlatIP(dimension)
    if n:
        index.codes.resize(n * dimension * 4)
        index.ntotal = n
    view = faiss.rev_swig_ptr(index.get_xb(), n * dimension).reshape(n, dimension) if n else \
        np.zeros((0, dimension), dtype=np.float32)
    return index, view


@dataclass
class LoadedIndex:
    """Everything search needs, loaded once."""

    folder: Path
    manifest: Manifest
    documents: list[DocumentEntry]
    passages: Sequence[Passage]  # a PassageFile when loaded from disk: decoded when read
    embeddings: np.ndarray  # a view of the vectors `vectors` holds (kept alive with it)
    vectors: object  # a faiss.Index
    lexical: LexicalIndex
    multilingual_embeddings: np.ndarray | None = None  # the same for the second dense signal, if any
    multilingual_vectors: object | None = None

    @property
    def analyzer(self) -> Analyzer:
        """The lexical analyser the index was built with."""
        return self.lexical.analyzer


def load(index_dir: Path, model: str | None = None) -> LoadedIndex:
    """Load the current index, verified; raise a DocbotError that says what to do when it can't be."""
    link = current_path(index_dir)
    if not link.exists():
        raise IndexMissingError(index_dir)
    folder = link.resolve()
    manifest = read_manifest(folder)
    if model is not None and manifest.model != model:
        raise IndexIncompatibleError("model", manifest.model, model)
    verify(folder, manifest)
    try:
        documents = read_documents(folder)
        passages = PassageFile(folder / PASSAGES)
        if len(passages):  # a file of another shape fails here, not at a question
            _ = passages[0], passages[-1]
        vectors = read_faiss_index(folder / VECTORS)
        embeddings = vector_view(vectors)
        lexical = LexicalIndex.load(folder / BM25_DIR, manifest.analyzer(), manifest.passages)
        multi = multi_view = None
        if manifest.multilingual_model is not None:
            multi = read_faiss_index(folder / MULTILINGUAL_VECTORS)
            multi_view = vector_view(multi)
    except IndexCorruptError:
        raise
    except Exception as exc:  # the checksums matched, so this is a foreign or buggy file
        raise IndexCorruptError(f"the index cannot be read ({type(exc).__name__})") from exc
    n = len(passages)
    if not (embeddings.shape == (n, manifest.dimension) and vectors.ntotal == n and lexical.size == n
            and n == manifest.passages
            and (multi_view is None or multi_view.shape == (n, manifest.multilingual_dimension))):
        raise IndexCorruptError("the index files disagree on the number of passages")
    return LoadedIndex(folder, manifest, documents, passages, embeddings, vectors, lexical, multi_view, multi)


def read_faiss_index(path: Path):
    """Read a FAISS index to search it, its vectors memory-mapped where this faiss can (flat, HNSW storage).

    The file is never changed once written, so the mapping stays valid; loading costs no copy and
    the pages are the page cache's, shared between processes that serve the same index.

    It also puts FAISS's OpenMP on one thread, for the whole process: a question is one vector,
    which FAISS searches on one thread anyway, but its idle OpenMP threads spin, and the embedding
    model that runs next pays for it (torch on 2 cores: 11 ms per question alone, 30-130 ms after
    FAISS searches). An HNSW build later in the same process is slower for it; embedding dominates.
    """
    import faiss

    faiss.omp_set_num_threads(1)
    return faiss.read_index(str(path), getattr(faiss, "IO_FLAG_MMAP_IFC", 0))


def make_faiss_index(embeddings: np.ndarray, approximate_above: int):
    """Exact inner product for small corpora; HNSW (approximate, no training) above the threshold."""
    import faiss

    n, dim = embeddings.shape
    if n <= approximate_above:
        index, view = flat_index(n, dim)
        view[:] = embeddings
        return index
    index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = 80
    # Search asks for 50 candidates: at efSearch 128 recall@50 was 0.95 on 100k synthetic
    # vectors, at 256 0.98, still about 10x faster than exact (benchmarks/scale.py).
    index.hnsw.efSearch = 256
    index.add(np.ascontiguousarray(embeddings, dtype=np.float32))
    return index


def write_version(
    index_dir: Path,
    manifest: Manifest,
    documents: list[DocumentEntry],
    passages: Iterable[Passage],
    vectors,
    lexical: LexicalIndex,
    multilingual_vectors=None,
) -> Path:
    """Write a complete index into a fresh folder, then point `current` at it atomically.

    The vectors are written once, in the FAISS file (`vector_view` reads them back as an array).
    """
    import faiss

    index_dir = Path(index_dir)
    # Time for people, pid and random bits for uniqueness: a bot rebuilds twice in a second.
    tmp = index_dir / f"{_TMP_PREFIX}{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{os.urandom(3).hex()}"
    with _writing(index_dir):
        index_dir.mkdir(parents=True, exist_ok=True)
        tmp.mkdir()
    try:
        with open(tmp / PASSAGES, "w", encoding="utf-8") as f:
            for p in passages:
                f.write(json.dumps(p.to_dict(), ensure_ascii=False) + "\n")
        # One document a line: a document's list of passages can be long.
        (tmp / DOCUMENTS).write_text(
            "[\n" + ",\n".join(json.dumps(d.__dict__, ensure_ascii=False) for d in documents) + "\n]\n",
            encoding="utf-8")
        faiss.write_index(vectors, str(tmp / VECTORS))
        if multilingual_vectors is not None:
            faiss.write_index(multilingual_vectors, str(tmp / MULTILINGUAL_VECTORS))
        lexical.save(tmp / BM25_DIR)
        manifest.files = {p.relative_to(tmp).as_posix(): sha256_file(p) for p in _checksummed_files(tmp)}
        (tmp / MANIFEST).write_text(json.dumps(manifest.__dict__, indent=1), encoding="utf-8")
        _fsync_tree(tmp)
        final = index_dir / f"{_VERSION_PREFIX}{tmp.name[len(_TMP_PREFIX):]}"
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    replaced = _swap_current(index_dir, final)
    _remove_old_versions(index_dir, keep={final.name, replaced})
    return final


def _fsync_tree(folder: Path) -> None:
    for p in [*folder.rglob("*"), folder]:
        with contextlib.suppress(OSError):
            fd = os.open(p, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def _swap_current(index_dir: Path, target: Path) -> str | None:
    """Point `current` at `target`; the name of the version it pointed at before, if any."""
    link = index_dir / CURRENT
    replaced = os.readlink(link) if link.is_symlink() else None
    if link.is_dir() and not link.is_symlink():
        # An index copied with its links followed (cp -rL, a backup tool) has a folder here, which
        # a link cannot replace: move it aside as a version. Readers see no index for a moment.
        replaced = f"{_VERSION_PREFIX}{time.strftime('%Y%m%dT%H%M%S')}-copied-{os.urandom(3).hex()}"
        os.rename(link, index_dir / replaced)
    tmp_link = index_dir / f".{CURRENT}.{os.getpid()}"
    with contextlib.suppress(FileNotFoundError):
        tmp_link.unlink()
    os.symlink(target.name, tmp_link)
    os.replace(tmp_link, link)  # atomic: readers see the old index or the new one, never a mix
    with contextlib.suppress(OSError):
        fd = os.open(index_dir, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
    return replaced


def _remove_old_versions(index_dir: Path, keep: set[str | None]) -> None:
    # The version just replaced is kept one round: a reader that resolved `current` a moment
    # before the swap may still be opening its files. Anything else is garbage, such as the
    # complete version of a build killed before its swap.
    for old in index_dir.glob(f"{_VERSION_PREFIX}*"):
        if old.name not in keep and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)


def clean_leftovers(index_dir: Path) -> list[str]:
    """Remove temporary folders left by a build that was killed; call it holding the lock."""
    removed = []
    for tmp in Path(index_dir).glob(f"{_TMP_PREFIX}*"):
        shutil.rmtree(tmp, ignore_errors=True)
        removed.append(tmp.name)
    for stale in Path(index_dir).glob(f".{CURRENT}.*"):
        with contextlib.suppress(OSError):
            stale.unlink()
    return removed


_NOT_WRITABLE = (errno.EACCES, errno.EPERM, errno.EROFS)


@contextlib.contextmanager
def _writing(index_dir: Path):
    """Turn "permission denied" and "read-only file system" on the index folder into IndexNotWritableError."""
    try:
        yield
    except OSError as exc:
        if exc.errno in _NOT_WRITABLE:
            raise IndexNotWritableError(index_dir, exc.strerror or str(exc)) from None
        raise


@contextlib.contextmanager
def build_lock(index_dir: Path, wait: float = 0.0):
    """Hold the index's build lock; raise IndexLockedError if another build holds it past `wait` seconds.

    The lock is an flock on a file, so the kernel releases it when its holder dies, even by kill -9.
    """
    index_dir = Path(index_dir)
    with _writing(index_dir):
        index_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(index_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise IndexLockedError(index_dir) from None
                time.sleep(0.1)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)
