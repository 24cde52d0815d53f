"""Build or update the index incrementally: only new and changed documents are embedded."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import store
from .documents import Document, Skipped, meta_hash, read_document, scan
from .embedding import Embedder
from .errors import DocbotError
from .lexical import LexicalIndex
from .passages import Passage, split_document
from .text import Analyzer

log = logging.getLogger(__name__)

DEFAULT_APPROXIMATE_ABOVE = 50_000


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
    full_rebuild_reason: str | None = None
    written: bool = False
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        """Whether the index differs from before."""
        return bool(self.added or self.updated or self.removed)

    def line(self) -> str:
        """One-line summary for people."""
        return (f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
                f"{len(self.skipped)} skipped, {len(self.unchanged)} unchanged; "
                f"{self.passages} passages ({self.embedded} embedded) in {self.seconds:.1f}s")


@dataclass(frozen=True)
class BuildOptions:
    """How passages are cut and indexed."""

    language: str = "fr"
    passage_tokens: int = 200
    term_prefix: int = 5
    approximate_above: int = DEFAULT_APPROXIMATE_ABOVE
    batch_size: int = 32


Progress = Callable[[str, int, int], None]  # (stage, done, total)


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
    with store.build_lock(index_dir, wait=lock_wait):
        for name in store.clean_leftovers(index_dir):
            log.info("removed the leftovers of an interrupted build: %s", name)
        previous = None if force else _previous(index_dir, embedder.name, options, summary)
        old_docs = {d.path: d for d in previous[1]} if previous else {}

        found = scan(documents_dir)
        summary.skipped.extend(found.skipped)
        keep: list[store.DocumentEntry] = []
        fresh: list[tuple[Document, int, int, str]] = []  # document, size, mtime, metadata hash
        for rel, path in found.files.items():
            try:
                st = path.stat()
            except OSError as exc:  # removed or made unreadable since the scan
                summary.skipped.append(Skipped(rel, f"unreadable ({exc.strerror or exc})"))
                continue
            old = old_docs.get(rel)
            meta = found.metadata.get(rel, {})
            # Same size and modification time, and same metadata: trust it, as make and git do.
            meta_sha = meta_hash(meta)
            if old and old.size == st.st_size and old.mtime_ns == st.st_mtime_ns and old.meta_sha == meta_sha:
                keep.append(old)
                summary.unchanged.append(rel)
                continue
            doc = read_document(rel, path, meta)
            if isinstance(doc, Skipped):
                summary.skipped.append(doc)
                continue
            if old and old.sha256 == doc.sha256:
                keep.append(store.DocumentEntry(**{**old.__dict__, "size": st.st_size, "mtime_ns": st.st_mtime_ns,
                                                   "meta_sha": meta_sha}))
                summary.unchanged.append(rel)
                continue
            (summary.updated if old else summary.added).append(rel)
            fresh.append((doc, st.st_size, st.st_mtime_ns, meta_sha))
        kept = {d.path for d in keep}
        summary.removed = sorted(p for p in old_docs if p not in kept and p not in
                                 {doc.path for doc, *_ in fresh})
        for s in summary.skipped:
            log.info("skipped %s: %s", s.path, s.reason)  # front ends show the summary

        if previous and not summary.changed and not _stat_changed(previous[1], keep):
            summary.passages = previous[0].passages
            summary.seconds = time.perf_counter() - started
            return summary
        _write(index_dir, embedder, options, previous, keep, fresh, summary, progress)
    summary.seconds = time.perf_counter() - started
    return summary


def _stat_changed(before: list[store.DocumentEntry], after: list[store.DocumentEntry]) -> bool:
    return {(d.path, d.size, d.mtime_ns) for d in before} != {(d.path, d.size, d.mtime_ns) for d in after}


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
        return manifest, store.read_documents(folder), folder
    except DocbotError as exc:
        summary.full_rebuild_reason = str(exc)
        log.warning("previous index unusable, rebuilding everything: %s", exc)
        return None


def _write(index_dir, embedder, options, previous, keep, fresh, summary, progress) -> None:
    old_passages: list[Passage] = []
    old_vectors = None
    if previous and keep:
        old_passages = store.read_passages(previous[2])
        old_vectors = store.read_embeddings(previous[2])

    max_tokens = min(options.passage_tokens, embedder.max_tokens)
    entries: list[store.DocumentEntry] = []
    passages: list[Passage] = []
    chunks: list[np.ndarray] = []
    for old in keep:
        entries.append(store.DocumentEntry(**{**old.__dict__, "first": len(passages)}))
        passages.extend(old_passages[old.first:old.first + old.count])
        chunks.append(np.asarray(old_vectors[old.first:old.first + old.count]))

    new_passages: list[Passage] = []
    for i, (doc, size, mtime, meta_sha) in enumerate(fresh):
        if progress:
            progress("split", i, len(fresh))
        pieces = split_document(doc, max_tokens=max_tokens, count_tokens=embedder.count_tokens)
        entries.append(store.DocumentEntry(doc.path, doc.title, doc.sha256, size, mtime,
                                           len(passages) + len(new_passages), len(pieces), doc.date, meta_sha,
                                           url=doc.url))
        new_passages.extend(pieces)
    if new_passages:
        chunks.append(_embed(embedder, [p.indexed_text for p in new_passages], options.batch_size, progress))
    passages.extend(new_passages)
    summary.embedded = len(new_passages)

    dim = embedder.dimension if (new_passages or not previous) else previous[0].dimension
    embeddings = np.concatenate(chunks) if chunks else np.zeros((0, dim), dtype=np.float32)
    if progress:
        progress("store", 0, 1)
    analyzer = Analyzer(options.language, options.term_prefix)
    lexical = LexicalIndex.build([p.indexed_text for p in passages], analyzer)
    vectors = store.make_faiss_index(embeddings, options.approximate_above)
    manifest = store.Manifest(
        model=embedder.name, dimension=int(embeddings.shape[1]), language=options.language,
        passage_tokens=options.passage_tokens, term_prefix=options.term_prefix, documents=len(entries),
        passages=len(passages),
        faiss_index=type(vectors).__name__,
    )
    store.write_version(index_dir, manifest, entries, passages, embeddings, vectors, lexical)
    summary.passages = len(passages)
    summary.written = True
    if progress:
        progress("store", 1, 1)


def _embed(embedder: Embedder, texts: list[str], batch_size: int, progress: Progress | None) -> np.ndarray:
    out = []
    step = max(batch_size * 4, 64)
    for start in range(0, len(texts), step):
        if progress:
            progress("embed", start, len(texts))
        out.append(embedder.embed(texts[start:start + step], batch_size=batch_size))
    if progress:
        progress("embed", len(texts), len(texts))
    return np.concatenate(out)
