"""A full build of a real documentation folder against the raw encode of its passages, in one process.

usage: python benchmarks/realdocs.py DOCUMENTS WORK BACKEND   (prints one JSON line)

Run by benchmarks/run.py. With the model loaded and warm: docbot's whole build (read, split,
embed, BM25, FAISS, write), its peak RSS (VmHWM just after it, the model included), the index's
size on disk and what the passages look like; then the raw encode of the same passages' indexed
texts on the same model and runtime (benchmarks/raw.py), so the ratio holds no model loading.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import folder_mb, peak_rss_mb, percentile

# Our own questions about the dev real corpus (benchmarks/calibration_realdocs.jsonl): the question latency.
QUESTIONS = Path(__file__).resolve().parent / "calibration_realdocs.jsonl"


def run(documents: Path, work: Path, backend: str) -> dict:
    from benchmarks.backend import _raw_encoder
    from bot.service import build_options, make_engine
    from bot.settings import Settings
    from index import build_index, store

    settings = Settings(index_dir=work / "index-realdocs", documents_dir=documents, embedding_backend=backend,
                        _env_file=None)
    engine = make_engine(settings)
    embedder, multilingual = engine.embedder, engine.multilingual
    embedder.embed(["préchauffage"])
    if multilingual is not None:
        multilingual.embed(["préchauffage"])
    rss_model = peak_rss_mb()

    t = time.perf_counter()
    summary = build_index(documents, settings.index_dir, embedder, build_options(settings), force=True,
                          multilingual=multilingual)
    build_s = time.perf_counter() - t
    rss_build = peak_rss_mb()

    folder = store.current_path(settings.index_dir).resolve()
    passages = store.read_passages(folder)
    texts = [p.indexed_text for p in passages]
    short = sum(len(p.text.split()) < 5 for p in passages)
    raw = _raw_encoder(embedder, backend)
    raw.encode(texts[:4])
    t = time.perf_counter()
    raw.encode(texts)
    encode_s = time.perf_counter() - t
    encode_multilingual_s = 0.0
    if multilingual is not None:  # its embedder's call is the model's: tokenise, look up, run the session
        t = time.perf_counter()
        multilingual.embed(texts)
        encode_multilingual_s = time.perf_counter() - t
    questions = [json.loads(line)["question"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines()
                 if line.strip()]
    asks, floors = _questions(engine, raw, questions)
    return {
        "backend": backend, "documents": len(store.read_documents(folder)), "passages": len(passages),
        "repeated": summary.repeated, "places": len(passages) + summary.repeated, "short": short,
        "skipped": len(summary.skipped), "build_s": build_s, "encode_s": encode_s,
        "encode_multilingual_s": encode_multilingual_s,
        "multilingual": multilingual.name if multilingual is not None else None, "questions": len(questions),
        "ask_p50_ms": percentile(asks, 50), "ask_p95_ms": percentile(asks, 95),
        "floor_p50_ms": percentile(floors, 50), "floor_p95_ms": percentile(floors, 95),
        "peak_rss_mb": rss_build, "rss_model_mb": rss_model, "disk_mb": folder_mb(folder),
        "files": sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()),
    }


def _questions(engine, raw, questions: list[str], rounds: int = 3) -> tuple[list[float], list[float]]:
    """Per question, ms: `Engine.ask` (the whole path, default settings), and its floor: the question's
    encode by each model and an exact FAISS search of each vector set, nothing else. In turns, `rounds` times."""
    index = engine.load()
    engine.ask(questions[0])  # warm
    asks, floors = [], []
    for _ in range(rounds):
        for q in questions:
            t = time.perf_counter()
            engine.ask(q)
            asks.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            v = raw.encode([q])
            index.vectors.search(v.reshape(1, -1).astype("float32"), 50)
            if engine.searcher.multilingual:
                m = engine.multilingual.embed([q], query=True)
                index.multilingual_vectors.search(m.reshape(1, -1), 50)
            floors.append((time.perf_counter() - t) * 1000)
    return asks, floors


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING)
    print(json.dumps(run(Path(argv[0]), Path(argv[1]), argv[2])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
