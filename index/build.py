"""Build or update the index incrementally: only new and changed texts are embedded, and each text once."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import store
from .documents import Block, Document, Skipped, file_hash, meta_hash, read_document, scan
from .embedding import Embedder
from .errors import DocbotError, DocumentsDirError
from .language import AUTO, main_language, passage_languages
from .lexical import LexicalIndex
from .passages import Passage, Place, split_blocks
from .search import Searcher
from .text import Analyzer, count_words, fold

log = logging.getLogger(__name__)

DEFAULT_APPROXIMATE_ABOVE = 50_000
# A block of at least this many words that an earlier document holds is not cut into passages again:
# the same guide in HTML and in PDF, or two editions of a manual, are mostly the same paragraphs.
# Shorter ones ("Exemple :", a one-line command) are everyone's and stay where they are.
SHARED_BLOCK_WORDS = 8
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

    # "auto": each passage's language is detected (index/language.py); a language code: every passage is in it.
    language: str = AUTO
    passage_tokens: int = 200
    term_prefix: int = 5
    approximate_above: int = DEFAULT_APPROXIMATE_ABOVE
    batch_size: int = 32


# (stage, done, total): "read" then "split" (files), "embed" (one model's passages; "embed 2/2" for the second of
# two models, each counted on its own), "store"
Progress = Callable[[str, int, int], None]


def text_key(text: str) -> str:
    """What makes two passages the same text: their words, case, accents, spacing and punctuation folded."""
    words = _WORDS.findall(fold(text))
    return hashlib.blake2b(" ".join(words).encode(), digest_size=16).hexdigest()


@dataclass
class _Fresh:
    """A document read in this build, and what the index remembers of its file."""

    doc: Document
    size: int
    mtime_ns: int
    meta_sha: str


# How documents are read and cut into passages. Bump it when a reader or the splitter changes what a document
# gives: an update then reads every document again (their texts that did not change keep their vectors).
# 2: MkDocs Markdown, Word, ODT, EPUB, rst; each passage's language detected and stored.
# 3: PDF tables by row, running headers, typewriter text; a definition's term on its later paragraphs.
READING_VERSION = 3


def build_index(
    documents_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    options: BuildOptions = BuildOptions(),
    *,
    force: bool = False,
    progress: Progress | None = None,
    lock_wait: float = 0.0,
    multilingual: Embedder | None = None,
) -> BuildSummary:
    """Bring the index in `index_dir` up to date with `documents_dir`.

    With `multilingual`, the passages are embedded by that model too, as a second dense signal.
    """
    started = time.perf_counter()
    summary = BuildSummary()
    report = progress or (lambda stage, done, total: None)
    with store.build_lock(index_dir, wait=lock_wait):
        for name in store.clean_leftovers(index_dir):
            log.warning("removed the leftovers of an interrupted build: %s", name)
        previous = None if force else _previous(index_dir, embedder.name, options, summary)
        old_docs = {d.path: d for d in previous[1]} if previous else {}
        reread = bool(previous) and previous[0].reading != READING_VERSION
        if reread:
            log.info("this docbot reads documents differently from the one that built the index: reading them all "
                     "again (unchanged texts keep their vectors)")
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
                if old and not reread and old.size == st.st_size and old.mtime_ns == st.st_mtime_ns \
                        and old.meta_sha == meta_sha:
                    keep[rel] = old
                    summary.unchanged.append(rel)
                    continue
                # Touched but the same bytes: nothing to read or write. Its new time is remembered at the
                # next write; until then each build hashes it again, which costs little next to a rewrite.
                if old and not reread and file_hash(path.read_bytes(), meta) == old.sha256:
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
            fresh[rel] = _Fresh(doc, st.st_size, st.st_mtime_ns, meta_sha)
        report("read", len(files), len(files))
        summary.removed = sorted(p for p in old_docs if p not in keep and p not in fresh)
        for s in summary.skipped:
            log.info("skipped %s: %s", s.path, s.reason)  # front ends show the summary
        log.info("documents in %s: %d new or changed, %d unchanged, %d removed, %d skipped", documents_dir, len(fresh),
                 len(keep), len(summary.removed), len(summary.skipped))
        if not keep and not fresh:
            # An index of nothing answers nothing: keep the previous one and say why.
            raise DocumentsDirError(documents_dir, "empty", skipped=len(summary.skipped))

        same_signals = previous and previous[0].multilingual_model == (multilingual.name if multilingual else None)
        same_language = previous and previous[0].language == options.language
        if previous and same_signals and same_language and not summary.changed:
            summary.passages = previous[0].passages
            summary.seconds = time.perf_counter() - started
            return summary
        _write(index_dir, embedder, multilingual, options, previous, keep, fresh, found, summary, report)
    summary.seconds = time.perf_counter() - started
    return summary


def _previous(index_dir: Path, model: str, options: BuildOptions, summary: BuildSummary):
    folder = store.current_path(index_dir)
    if not folder.exists():
        return None
    try:
        manifest = store.read_manifest(folder)
        reason = manifest.compatible_with(model, options.passage_tokens, options.term_prefix)
        if reason:
            summary.full_rebuild_reason = reason
            return None
        store.verify(folder, manifest)
        return manifest, store.read_documents(folder), folder.resolve()
    except DocbotError as exc:
        summary.full_rebuild_reason = str(exc)
        log.warning("previous index unusable, rebuilding everything: %s", exc)
        return None


def _write(index_dir, embedder, multilingual, options, previous, keep, fresh, found, summary, report) -> None:
    # The previous index's texts, whose vectors are reused for the same text (documents read again included).
    old_passages: list[Passage] = store.read_passages(previous[2]) if previous else []
    max_tokens = min(options.passage_tokens, embedder.max_tokens)
    index = _Assembly(max_tokens, embedder.count_tokens)
    entries: list[store.DocumentEntry] = []
    # In path order: a text is held by its first document, and each document is cut knowing what the
    # documents before it hold, so an update gives the index a build from scratch would.
    order = sorted([*keep, *fresh])
    for i, rel in enumerate(order):
        report("split", i, len(order))
        if rel in fresh:
            f = fresh.pop(rel)  # the document's text is not needed once it is cut
            positions = index.add_document(f.doc)
            entries.append(store.DocumentEntry(rel, f.doc.title, f.doc.sha256, f.size, f.mtime_ns, positions,
                                               f.doc.date, f.meta_sha, url=f.doc.url))
            continue
        entry = keep[rel]
        if index.still_valid(rel, entry, old_passages):
            entries.append(dataclasses.replace(entry, passages=index.add_kept(rel, entry, old_passages)))
            continue
        # A text it shared is now held elsewhere, or no longer held: its own text is needed again.
        doc = read_document(rel, found.files[rel], found.metadata.get(rel, {}))
        if isinstance(doc, Skipped):
            summary.skipped.append(doc)
            summary.unchanged.remove(rel)
            summary.removed.append(rel)
            continue
        entries.append(dataclasses.replace(entry, title=doc.title, sha256=doc.sha256, date=doc.date,
                                           passages=index.add_document(doc)))
    report("split", len(order), len(order))
    # Passages kept from an index built with another language setting have their language found again.
    relabel = previous is not None and previous[0].language != options.language
    passages = _with_languages(index.passages(), options.language, relabel)
    summary.repeated = index.repeated
    del index

    old_multi = previous and previous[0].multilingual_model == (multilingual and multilingual.name)
    jobs = [(embedder, previous[2] / store.VECTORS if previous else None)]
    if multilingual is not None:
        jobs.append((multilingual, previous[2] / store.MULTILINGUAL_VECTORS if old_multi else None))
    embedding = _Embedding(options, old_passages, passages, jobs, report)
    vectors = embedding.vectors(0)
    summary.embedded = embedding.todo(0)
    multi_vectors = embedding.vectors(1) if multilingual is not None else None
    del old_passages, embedding
    report("store", 0, 1)
    counts = dict(Counter(p.language for p in passages).most_common())
    analyzer = Analyzer(main_language(counts), options.term_prefix, counts)
    lexical = LexicalIndex.build([p.lexical_text for p in passages], analyzer, [p.language for p in passages])
    manifest = store.Manifest(
        model=embedder.name, dimension=int(vectors.d), language=options.language, languages=counts,
        passage_tokens=options.passage_tokens, term_prefix=options.term_prefix, documents=len(entries),
        passages=len(passages), faiss_index=type(vectors).__name__,
        multilingual_model=multilingual.name if multilingual is not None else None,
        multilingual_dimension=int(multi_vectors.d) if multi_vectors is not None else 0, reading=READING_VERSION,
    )
    # The off-topic reference of this corpus, measured on what was just built (index/answerability.py).
    built = store.LoadedIndex(Path(index_dir), manifest, entries, passages, store.vector_view(vectors), vectors,
                              lexical, None if multi_vectors is None else store.vector_view(multi_vectors),
                              multi_vectors)
    calibration = Searcher(built, embedder, multilingual=multilingual).calibration  # None without passages
    manifest.calibration = calibration.to_dict() if calibration is not None else None
    del built
    store.write_version(index_dir, manifest, entries, passages, vectors, lexical, multi_vectors)
    summary.passages = len(passages)
    summary.written = True
    report("store", 1, 1)


class _Assembly:
    """The index's passages, gathered document after document in path order, each text held once.

    Two kinds of copies are folded: a block of SHARED_BLOCK_WORDS words or more that an earlier
    document holds is left out of a document's passages (the guide in HTML and in PDF, two editions
    of a manual), and becomes one of the places of the passage that holds it; and a passage whose
    text an earlier one has (case, accents, spacing and punctuation aside) is stored once, with
    every place.
    """

    def __init__(self, max_tokens: int, count_tokens) -> None:
        self.max_tokens, self.count_tokens = max_tokens, count_tokens
        self._passages: list[Passage] = []
        self._also: list[list[Place]] = []
        self._by_text: dict[str, int] = {}
        self.holder: dict[str, tuple[str, int]] = {}  # block key -> (document, passage position)
        self.repeated = 0
        self._unchanged: set[str] = set()

    def passages(self) -> list[Passage]:
        return [dataclasses.replace(p, also_in=tuple(a)) if a else p
                for p, a in zip(self._passages, self._also, strict=True)]

    def _place(self, p: Passage, keys: tuple[str, ...] = ()) -> int:
        """Position of a passage's text in the index; a copy becomes a place of the passage that has it."""
        i = self._by_text.setdefault(text_key(p.text), len(self._passages))
        if i == len(self._passages):
            self._passages.append(dataclasses.replace(p, block_keys=keys, also_in=()))
            self._also.append([])
        else:
            self._also[i].append(p.place)
            self.repeated += 1
        return i

    def add_document(self, doc: Document) -> list[int]:
        """Cut a document, less the blocks earlier documents hold; the positions of its places, in order."""
        own, copies = [], {}
        for b in doc.blocks:
            key = _block_key(b)
            held = self.holder.get(key) if key else None
            if held and held[0] != doc.path:
                copies[id(b)] = held[1]
            else:
                own.append(b)
        pieces = split_blocks(dataclasses.replace(doc, blocks=tuple(own)), self.max_tokens, self.count_tokens)
        # The document's places in reading order: its passages (ordered by their first block), and
        # the runs of blocks held elsewhere, one place per run and holder.
        order = {id(b): n for n, b in enumerate(doc.blocks)}
        places: list[tuple[int, int]] = []  # (first block, position)
        for p, blocks in pieces:
            keys = tuple(dict.fromkeys(k for k in map(_block_key, blocks) if k))
            i = self._place(p, keys)
            for key in keys:
                self.holder.setdefault(key, (doc.path, i))
            places.append((order[id(blocks[0])], i))
        run: list[Block] = []
        for b in [*doc.blocks, None]:
            target = copies.get(id(b)) if b is not None else None
            if run and target != copies[id(run[0])]:
                self._also[copies[id(run[0])]].append(_run_place(doc, run))
                self.repeated += 1
                places.append((order[id(run[0])], copies[id(run[0])]))
                run = []
            if target is not None:
                run.append(b)
        return [i for _, i in sorted(places, key=lambda x: x[0])]  # stable: a block cut in pieces keeps them in order

    def still_valid(self, rel: str, entry: store.DocumentEntry, old: list[Passage]) -> bool:
        """Whether a kept document's places in the old index are still what cutting it now would give."""
        for i in dict.fromkeys(entry.passages):
            p = old[i]
            if p.document != rel and p.document not in self._unchanged:
                return False  # the holder of one of its texts changed, went, or was read again
            if any(self.holder.get(k, (p.document,))[0] != p.document for k in p.block_keys):
                return False  # a document before it now holds one of those blocks
        return True

    def add_kept(self, rel: str, entry: store.DocumentEntry, old: list[Passage]) -> list[int]:
        """A document that did not change, from the old index; the positions of its places."""
        self._unchanged.add(rel)
        seen: dict[int, int] = {}
        positions = []
        for i in entry.passages:
            p = old[i]
            places = [pl for pl in p.places if pl.document == rel]
            k = seen.get(i, 0)
            seen[i] = k + 1
            place = places[min(k, len(places) - 1)]
            mine = p.document == rel and k == 0
            j = self._place(Passage(**{**place.__dict__, "text": p.text, "language": p.language}),
                            p.block_keys if mine else ())
            if mine:
                for key in p.block_keys:
                    self.holder.setdefault(key, (rel, j))
            positions.append(j)
        return positions


def _with_languages(passages: list[Passage], language: str, relabel: bool = False) -> list[Passage]:
    """The passages with their language: `language`, or when it is "auto" each one's detected (or kept)."""
    if language != AUTO:
        return [p if p.language == language else dataclasses.replace(p, language=language) for p in passages]
    found = passage_languages([p.text for p in passages], [p.document for p in passages],
                              [] if relabel else [p.language for p in passages])
    return [p if p.language == lang else dataclasses.replace(p, language=lang)
            for p, lang in zip(passages, found, strict=True)]


def _block_key(block: Block) -> str | None:
    """The key of a block long enough to be matched against its copies, else None."""
    if block.kind == "heading" or count_words(block.text) < SHARED_BLOCK_WORDS:
        return None
    return text_key(block.text)[:16]


def _run_place(doc: Document, blocks: list[Block]) -> Place:
    lines = [n for b in blocks for n in (b.line_start, b.line_end) if n]
    pages = [n for b in blocks for n in (b.page, b.page_end) if n is not None]
    return Place(document=doc.path, title=doc.title, section=blocks[0].section, line_start=min(lines, default=0),
                 line_end=max(lines, default=0), page_start=min(pages) if pages else None,
                 page_end=max(pages) if pages else None, anchor=next((b.anchor for b in blocks if b.anchor), None),
                 url=doc.url, date=doc.date)


class _Embedding:
    """The FAISS index of the passages' vectors for each model: the old index's for the same text, else embedded.

    `jobs` holds (embedder, the previous index's file of its vectors or None). New texts go to each model
    longest first, so each batch holds texts of similar lengths. Progress counts each model's texts apart, as the
    summary counts passages.
    """

    def __init__(self, options, old_passages, passages, jobs, report) -> None:
        self.options, self.passages, self.jobs, self.report = options, passages, jobs, report
        old_at = {_digest(p): i for i, p in enumerate(old_passages)}
        self.reuse = [(i, old_at.get(_digest(p))) for i, p in enumerate(passages)]
        fresh = [i for i, j in self.reuse if j is None]
        self.todos = [fresh if old is not None else list(range(len(passages))) for _, old in jobs]

    def todo(self, k: int) -> int:
        """How many texts model `k` embeds."""
        return len(self.todos[k])

    def vectors(self, k: int):
        embedder, old_file = self.jobs[k]
        passages, options = self.passages, self.options
        todo = sorted(self.todos[k], key=lambda i: -len(passages[i].text))
        n = len(passages)
        old_index = store.read_faiss_index(old_file) if old_file is not None and len(todo) < n else None
        dim = embedder.dimension if (todo or old_index is None) else old_index.d
        flat = n <= options.approximate_above
        index, view = store.flat_index(n, dim) if flat else (None, np.empty((n, dim), dtype=np.float32))
        if old_index is not None:
            old_view = store.vector_view(old_index)
            for i, j in self.reuse:
                if j is not None:
                    view[i] = old_view[j]
            del old_view, old_index
        step = options.batch_size * EMBED_CHUNK_BATCHES
        stage = "embed" if len(self.jobs) == 1 else f"embed {k + 1}/{len(self.jobs)}"
        for start in range(0, len(todo), step):
            self.report(stage, start, len(todo))
            rows = todo[start:start + step]
            view[rows] = embedder.embed([passages[i].indexed_text for i in rows], batch_size=options.batch_size)
        self.report(stage, len(todo), len(todo))
        return index if flat else store.make_faiss_index(view, options.approximate_above)


def _digest(p: Passage) -> bytes:
    return hashlib.blake2b(p.indexed_text.encode(), digest_size=16).digest()
