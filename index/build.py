"""Build or update the index incrementally: only new and changed texts are embedded, and each text once."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import store
from .documents import Skipped, file_hash, meta_hash, read_document, scan
from .embedding import Embedder
from .errors import DocbotError
from .lexical import LexicalIndex
from .passages import Passage, Place, split_document
from .text import Analyzer, fold

log = logging.getLogger(__name__)

DEFAULT_APPROXIMATE_ABOVE = 50_000
_WORDS = re.compile(r"[^\W_]+")
# Texts sent to the model per call: sorted by length first, so each batch pads little; a call per
# few batches reports progress often enough.
EMBED_CHUNK_BATCHES = 8


@dataclass
class BuildSummary:
    """What a build did."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    passages: int = 0
    embedded: int = 0
    repeated: int = 0  # places whose text another place already holds: stored and embedded once
    full_rebuild_reason: str | None = None
    written: bool = False
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """Whether the index differs from before."""
        return bool(self.added or self.updated or self.removed)

    def line(self) -> str:
        """One-line summary for people."""
        repeated = f"; {self.repeated} repeated texts stored once" if self.repeated else ""
        return (f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
                f"{len(self.skipped)} skipped, {len(self.unchanged)} unchanged; "
                f"{self.passages} passages ({self.embedded} embedded{repeated}) in {self.seconds:.1f}s")


@dataclass(frozen=True)
class BuildOptions:
    """How passages are cut and indexed."""

    language: str = "fr"
    passage_tokens: int = 200
    term_prefix: int = 5
    approximate_above: int = DEFAULT_APPROXIMATE_ABOVE
    batch_size: int = 32


Progress = Callable[[str, int, int], None]  # (stage, done, total): "read" (files), "embed" (passages), "store"


def text_key(text: str) -> str:
    """What makes two passages the same text: their words, case, accents, spacing and punctuation folded."""
    words = _WORDS.findall(fold(text))
    return hashlib.blake2b(" ".join(words).encode(), digest_size=16).hexdigest()


@dataclass
class _Fresh:
    """A document read in this build: its passages and what the index remembers of the file."""

    passages: list[Passage]
    title: str
    sha256: str
    size: int
    mtime_ns: int
    date: str | None
    meta_sha: str


def build_index(
    documents_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    options: BuildOptions = BuildOptions(),
    *,
    force: bool = False,
    progress: Progress | None = None,
    lock_wait: float = 0.0,
) -> BuildSummary:
    """Bring the index in `index_dir` up to date with `documents_dir`."""
    started = time.perf_counter()
    summary = BuildSummary()
    report = progress or (lambda stage, done, total: None)
    with store.build_lock(index_dir, wait=lock_wait):
        for name in store.clean_leftovers(index_dir):
            log.info("removed the leftovers of an interrupted build: %s", name)
        previous = None if force else _previous(index_dir, embedder.name, options, summary)
        old_docs = {d.path: d for d in previous[1]} if previous else {}
        max_tokens = min(options.passage_tokens, embedder.max_tokens)

        def split(doc) -> list[Passage]:
            return split_document(doc, max_tokens=max_tokens, count_tokens=embedder.count_tokens)

        found = scan(documents_dir)
        summary.skipped.extend(found.skipped)
        keep: dict[str, store.DocumentEntry] = {}
        fresh: dict[str, _Fresh] = {}
        files = list(found.files.items())
        for i, (rel, path) in enumerate(files):
            report("read", i, len(files))
            old = old_docs.get(rel)
            meta = found.metadata.get(rel, {})
            meta_sha = meta_hash(meta)
            try:
                st = path.stat()
                # Same size and modification time, and same metadata: trust it, as make and git do.
                if old and old.size == st.st_size and old.mtime_ns == st.st_mtime_ns and old.meta_sha == meta_sha:
                    keep[rel] = old
                    summary.unchanged.append(rel)
                    continue
                # Touched but the same bytes: nothing to read or write. Its new time is remembered at the
                # next write; until then each build hashes it again, which costs little next to a rewrite.
                if old and file_hash(path.read_bytes(), meta) == old.sha256:
                    keep[rel] = dataclasses.replace(old, size=st.st_size, mtime_ns=st.st_mtime_ns, meta_sha=meta_sha)
                    summary.unchanged.append(rel)
                    continue
            except OSError as exc:  # removed or made unreadable since the scan
                summary.skipped.append(Skipped(rel, f"unreadable ({exc.strerror or exc})"))
                continue
            doc = read_document(rel, path, meta)
            if isinstance(doc, Skipped):
                summary.skipped.append(doc)
                continue
            (summary.updated if old else summary.added).append(rel)
            fresh[rel] = _Fresh(split(doc), doc.title, doc.sha256, st.st_size, st.st_mtime_ns, doc.date, meta_sha)
        report("read", len(files), len(files))
        summary.removed = sorted(p for p in old_docs if p not in keep and p not in fresh)
        for s in summary.skipped:
            log.info("skipped %s: %s", s.path, s.reason)  # front ends show the summary

        if previous and not summary.changed:
            summary.passages = previous[0].passages
            summary.seconds = time.perf_counter() - started
            return summary
        _write(index_dir, embedder, options, previous, keep, fresh, found, split, summary, report)
    summary.seconds = time.perf_counter() - started
    return summary


def _previous(index_dir: Path, model: str, options: BuildOptions, summary: BuildSummary):
    folder = store.current_path(index_dir)
    if not folder.exists():
        return None
    try:
        manifest = store.read_manifest(folder)
        reason = manifest.compatible_with(model, options.language, options.passage_tokens, options.term_prefix)
        if reason:
            summary.full_rebuild_reason = reason
            return None
        store.verify(folder, manifest)
        return manifest, store.read_documents(folder), folder.resolve()
    except DocbotError as exc:
        summary.full_rebuild_reason = str(exc).split(";")[0]
        log.warning("previous index unusable, rebuilding everything: %s", exc)
        return None


def _write(index_dir, embedder, options, previous, keep, fresh, found, split, summary, report) -> None:
    old_passages: list[Passage] = store.read_passages(previous[2]) if previous and keep else []
    own = _kept_passages(old_passages, keep, summary)
    # A kept document whose place of a text another (changed or removed) document held is read again:
    # the index stored that document's text, not its own, and the text may now be its own to hold.
    again = sorted(set(keep) - set(own))
    for i, rel in enumerate(again):
        report("read", i, len(again))
        doc = read_document(rel, found.files[rel], found.metadata.get(rel, {}))
        if isinstance(doc, Skipped):
            summary.skipped.append(doc)
            summary.unchanged.remove(rel)
            summary.removed.append(rel)
            del keep[rel]
            continue
        own[rel] = split(doc)
    if again:
        report("read", len(again), len(again))
    for rel, f in fresh.items():
        own[rel] = f.passages

    # Each text once, held by its first place in path order; the others are its `also_in`.
    passages: list[Passage] = []
    also: list[list[Place]] = []
    held: dict[str, int] = {}
    entries: list[store.DocumentEntry] = []
    for rel in sorted(own):
        positions = []
        for p in own[rel]:
            i = held.setdefault(text_key(p.text), len(passages))
            if i == len(passages):
                passages.append(p)
                also.append([])
            else:
                also[i].append(p.place)
            positions.append(i)
        if rel in fresh:
            f = fresh[rel]
            entries.append(store.DocumentEntry(rel, f.title, f.sha256, f.size, f.mtime_ns, positions, f.date,
                                               f.meta_sha))
        else:
            entries.append(dataclasses.replace(keep[rel], passages=positions))
    passages = [dataclasses.replace(p, also_in=tuple(a)) if a else p for p, a in zip(passages, also, strict=True)]
    summary.repeated = sum(len(a) for a in also)
    del also, own, held

    vectors = _vectors(embedder, options, previous, old_passages, passages, summary, report)
    del old_passages
    report("store", 0, 1)
    analyzer = Analyzer(options.language, options.term_prefix)
    lexical = LexicalIndex.build([p.indexed_text for p in passages], analyzer)
    manifest = store.Manifest(
        model=embedder.name, dimension=int(vectors.d), language=options.language,
        passage_tokens=options.passage_tokens, term_prefix=options.term_prefix, documents=len(entries),
        passages=len(passages), faiss_index=type(vectors).__name__,
    )
    store.write_version(index_dir, manifest, entries, passages, vectors, lexical)
    summary.passages = len(passages)
    summary.written = True
    report("store", 1, 1)


def _kept_passages(old: list[Passage], keep: dict, summary: BuildSummary) -> dict[str, list[Passage]]:
    """The passages of the kept documents, rebuilt from the old index, except those to read again."""
    changed = set(summary.updated) | set(summary.removed)
    again = {pl.document for p in old if p.document in changed for pl in p.also_in if pl.document in keep}
    out: dict[str, list[Passage]] = {}
    for rel, entry in keep.items():
        if rel in again:
            continue
        seen: dict[int, int] = {}
        mine = []
        for i in entry.passages:
            p = old[i]
            places = [pl for pl in p.places if pl.document == rel]
            k = seen.get(i, 0)
            seen[i] = k + 1
            mine.append(Passage(**{**places[min(k, len(places) - 1)].__dict__, "text": p.text}))
        out[rel] = mine
    return out


def _vectors(embedder, options, previous, old_passages, passages, summary, report):
    """The FAISS index of the passages' vectors: the old index's for the same text, else embedded.

    New texts go to the model longest first, so each batch holds texts of similar lengths.
    """
    def digest(p: Passage) -> bytes:
        return hashlib.blake2b(p.indexed_text.encode(), digest_size=16).digest()

    old_at = {digest(p): i for i, p in enumerate(old_passages)}
    reuse = [(i, old_at.get(digest(p))) for i, p in enumerate(passages)]
    todo = [i for i, j in reuse if j is None]
    dim = embedder.dimension if (todo or not previous) else previous[0].dimension
    n = len(passages)
    flat = n <= options.approximate_above
    index, view = store.flat_index(n, dim) if flat else (None, np.empty((n, dim), dtype=np.float32))
    if len(todo) < n:
        old_index = store.read_faiss_index(previous[2] / store.VECTORS)
        old_view = store.vector_view(old_index)
        for i, j in reuse:
            if j is not None:
                view[i] = old_view[j]
        del old_view, old_index
    todo.sort(key=lambda i: -len(passages[i].text))
    step = options.batch_size * EMBED_CHUNK_BATCHES
    for start in range(0, len(todo), step):
        report("embed", start, len(todo))
        rows = todo[start:start + step]
        view[rows] = embedder.embed([passages[i].indexed_text for i in rows], batch_size=options.batch_size)
    report("embed", len(todo), len(todo))
    summary.embedded = len(todo)
    return index if flat else store.make_faiss_index(view, options.approximate_above)
