"""docbot at 10k and 100k passages: a synthetic corpus built by docbot's own build, then served by docbot.

usage: python benchmarks/scale.py build N WORK        (prints one JSON line)
       python benchmarks/scale.py serve N WORK EXPORTS [ROUNDS]   (in a fresh process: memory is its own)

What is synthetic, and why:
- Texts: real sentences of documents/, recombined at random into paragraphs (3 to 4 sentences), one
  document per 200 paragraphs. The vocabulary is the real one, so questions hit real BM25 postings.
- Passage vectors: embedding 100k passages with the real model would take about an hour here, so they
  are drawn from a low-rank Gaussian model (64 latent dimensions, decaying spectrum, plus isotropic
  noise), normalised: nearest-neighbour cosines of 0.55–0.65 like real sentence embeddings, and no
  tight clusters that would flatter the approximate index.
- Lexical analysis during this build only is memoised per sentence (the sentences repeat); it yields
  the same terms, since the analyser works word by word. Questions are analysed by the real analyser.
Questions are embedded by the real model (ONNX) at serving time, so query latencies are end to end.
"""

from __future__ import annotations

import json
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, folder_mb, peak_rss_mb, percentile, questions, rss_mb

DIM = 384
LATENT = 64
NOISE = 0.3
PARAGRAPHS_PER_DOCUMENT = 200
PASSAGES_PER_PARAGRAPH = 0.75
_JOIN = "  "  # sentences of a synthetic paragraph: two spaces, which the build's memo splits on


class LowRankVectors:
    """Unit vectors from a fixed low-rank Gaussian model: x = normalise(z A + noise)."""

    def __init__(self, seed: int = 0, dim: int = DIM, latent: int = LATENT, noise: float = NOISE) -> None:
        basis_rng = np.random.default_rng(1234)  # the same model for passages and queries
        spectrum = 1.0 / np.sqrt(1.0 + np.arange(latent))
        self.basis = (basis_rng.standard_normal((latent, dim)) * spectrum[:, None]).astype(np.float32)
        self.scale = noise * float(np.linalg.norm(self.basis, axis=0).mean())
        self.rng = np.random.default_rng(seed)
        self.dim = dim

    def draw(self, m: int) -> np.ndarray:
        z = self.rng.standard_normal((m, self.basis.shape[0]), dtype=np.float32)
        x = z @ self.basis + self.scale * self.rng.standard_normal((m, self.dim), dtype=np.float32)
        return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


class SyntheticEmbedder:
    """Stands in for the model while the synthetic corpus is built: vectors from LowRankVectors, in order."""

    def __init__(self, name: str, seed: int = 0) -> None:
        self.name = name
        self.vectors = LowRankVectors(seed)

    @property
    def dimension(self) -> int:
        return DIM

    @property
    def max_tokens(self) -> int:
        return 254

    def count_tokens(self, text: str) -> int:
        return len(text.split()) * 4 // 3  # about the word pieces per French word of the real tokenizer

    def embed(self, texts: list[str], batch_size: int = 32, *, query: bool = False) -> np.ndarray:
        return self.vectors.draw(len(texts))


def sentence_pool() -> list[str]:
    """Sentences of the shipped documents, of at least six words."""
    from index.text import split_sentences

    pool = []
    for path in sorted((ROOT / "documents").glob("*.txt")):
        for line in path.read_text(encoding="utf-8").splitlines():
            pool.extend(s for s in split_sentences(line.strip(" •\t")) if len(s.split()) >= 6)
    return sorted(set(pool))


def write_corpus(folder: Path, paragraphs: int, seed: int = 0) -> int:
    """Write synthetic documents holding `paragraphs` paragraphs in all; return the number of files."""
    rng = random.Random(seed)
    pool = sentence_pool()
    folder.mkdir(parents=True, exist_ok=True)
    files = 0
    for start in range(0, paragraphs, PARAGRAPHS_PER_DOCUMENT):
        count = min(PARAGRAPHS_PER_DOCUMENT, paragraphs - start)
        body = "\n\n".join(_JOIN.join(rng.sample(pool, rng.randint(3, 4))) for _ in range(count))
        (folder / f"synthetic-{files:05d}.txt").write_text(f"Document synthétique {files}\n\n{body}\n",
                                                           encoding="utf-8")
        files += 1
    return files


def memoised_analysis():
    """Patch Analyzer.terms to reuse the terms of sentences already seen; return the undo function."""
    from index.text import Analyzer

    original = Analyzer.terms
    cache: dict[tuple[str, str | None], list[str]] = {}
    split = re.compile(r"\n|  +")

    def terms(self, text: str, language: str | None = None) -> list[str]:
        out: list[str] = []
        for chunk in split.split(text):
            got = cache.get((chunk, language))
            if got is None:
                got = cache[chunk, language] = original(self, chunk, language)
            out.extend(got)
        return out

    Analyzer.terms = terms

    def undo() -> None:
        Analyzer.terms = original

    return undo


def _settings(work: Path, n: int):
    from bot.settings import Settings

    return Settings(index_dir=work / f"index-{n}", documents_dir=work / f"documents-{n}",
                    embedding_backend="onnx", _env_file=None)


def build(n: int, work: Path) -> dict:
    """Write a synthetic corpus of about n passages and index it with docbot's build."""
    from bot.service import build_options, make_embedder
    from index import build_index, store

    settings = _settings(work, n)
    name = make_embedder(settings).name  # the real model's name, so that docbot serves this index
    t = time.perf_counter()
    # Two paragraphs rarely fit one passage of 200 tokens, and a long one sometimes needs two:
    # about 0.75 passages per paragraph, so n passages come from n / 0.75 paragraphs.
    write_corpus(settings.documents_dir, round(n / PASSAGES_PER_PARAGRAPH))
    corpus_s = time.perf_counter() - t

    faiss_s = []
    make = store.make_faiss_index

    def timed_make(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return make(*args, **kwargs)
        finally:
            faiss_s.append(time.perf_counter() - t0)

    store.make_faiss_index = timed_make
    undo = memoised_analysis()
    try:
        t = time.perf_counter()
        summary = build_index(settings.documents_dir, settings.index_dir, SyntheticEmbedder(name),
                              build_options(settings), force=True)
        build_s = time.perf_counter() - t
    finally:
        undo()
        store.make_faiss_index = make
    folder = store.current_path(settings.index_dir).resolve()
    manifest = store.read_manifest(folder)
    return {"n": n, "passages": summary.passages, "documents": manifest.documents, "corpus_s": corpus_s,
            "build_s": build_s, "faiss_build_s": sum(faiss_s), "faiss_index": manifest.faiss_index,
            "disk_mb": folder_mb(folder), "peak_rss_mb": peak_rss_mb()}


def serve(n: int, work: Path, exports: Path, rounds: int = 3, recall_queries: int = 200) -> dict:
    """Load the synthetic index as `docbot` does, answer questions, then check ANN recall and speed."""
    import faiss

    from bot.service import make_engine, onnx_cache_dir

    settings = _settings(work, n)
    models = onnx_cache_dir(settings)
    if not models.exists():
        models.symlink_to(exports.resolve(), target_is_directory=True)  # the export made by run.py
    engine = make_engine(settings)
    engine.embedder.embed(["préchauffage"])  # the model loads here, not in the index load time
    base_rss = rss_mb()
    t = time.perf_counter()
    engine.load()
    load_s = time.perf_counter() - t
    load_rss = rss_mb() - base_rss
    qs = questions()
    for q in qs:
        engine.ask(q)  # warm
    latencies = []
    for _ in range(rounds):
        for q in qs:
            t = time.perf_counter()
            engine.ask(q)
            latencies.append(time.perf_counter() - t)
    peak = peak_rss_mb()
    after_rss = rss_mb()

    idx = engine.index
    vectors = idx.vectors
    queries = LowRankVectors(seed=99).draw(recall_queries)
    exact = faiss.IndexFlatIP(DIM)
    exact.add(np.ascontiguousarray(idx.embeddings, dtype=np.float32))
    result = {"n": n, "passages": len(idx.passages), "faiss_index": type(vectors).__name__, "load_s": load_s,
              "rss_before_index_mb": base_rss, "rss_index_loaded_mb": load_rss,
              "rss_after_queries_mb": after_rss, "p50_ms": percentile(latencies, 50) * 1000,
              "p95_ms": percentile(latencies, 95) * 1000,
              "questions": len(latencies), "peak_rss_mb": peak}
    k = 50  # the candidates docbot asks FAISS for
    ann_t, exact_t, hits10, hits50 = [], [], 0, 0
    for q in queries:
        q = q.reshape(1, -1)
        t = time.perf_counter()
        _, got = vectors.search(q, k)
        ann_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        _, want = exact.search(q, k)
        exact_t.append(time.perf_counter() - t)
        hits10 += len(set(got[0, :10]) & set(want[0, :10]))
        hits50 += len(set(got[0]) & set(want[0]))
    result.update(recall10=hits10 / (10 * len(queries)), recall50=hits50 / (k * len(queries)),
                  ann_ms=percentile(ann_t, 50) * 1000, exact_ms=percentile(exact_t, 50) * 1000,
                  ef_search=int(getattr(getattr(vectors, "hnsw", None), "efSearch", 0)))
    return result


def main(argv: list[str]) -> int:
    mode, n, work = argv[0], int(argv[1]), Path(argv[2])
    if mode == "build":
        out = build(n, work)
    elif mode == "serve":
        out = serve(n, work, Path(argv[3]), rounds=int(argv[4]) if len(argv) > 4 else 3)
    else:
        raise SystemExit(__doc__)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
