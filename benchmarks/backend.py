"""One backend in a process of its own: full builds against the raw encode, questions against the floor.

usage: python benchmarks/backend.py BACKEND WORK REPEATS BUILD_REPEATS   (prints one JSON line)

Run by benchmarks/run.py, after a first `docbot index` has built WORK/index-BACKEND from
WORK/documents-BACKEND (and, for ONNX, exported the model).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import questions


def _raw_encoder(embedder, backend: str):
    from benchmarks.raw import RawOnnx, RawTorch

    if backend.startswith("onnx"):
        session = embedder._parts()[0]  # the session docbot loaded: the same model, the same runtime
        return RawOnnx(session, embedder.export_dir())
    return RawTorch(embedder.model)


def run(work: Path, backend: str, repeats: int, build_repeats: int) -> dict:
    from benchmarks.raw import RawFloor
    from bot.service import build_options, make_engine
    from bot.settings import Settings
    from index import build_index

    settings = Settings(index_dir=work / f"index-{backend}", documents_dir=work / f"documents-{backend}",
                        embedding_backend=backend, _env_file=None)
    engine = make_engine(settings)
    embedder = engine.embedder
    t = time.perf_counter()
    embedder.embed(["préchauffage"])
    model_s = time.perf_counter() - t

    # Full builds: docbot's whole build (read, split, embed, BM25, FAISS, write) against the raw
    # encode of the same passages, both with the model loaded, taken in turns.
    options = build_options(settings)
    build_index(settings.documents_dir, settings.index_dir, embedder, options, force=True)  # warm-up
    engine.reload()
    texts = [p.indexed_text for p in engine.index.passages]
    raw = _raw_encoder(embedder, backend)
    raw.encode(texts[:4])
    build, encode = [], []
    for _ in range(build_repeats):
        t = time.perf_counter()
        build_index(settings.documents_dir, settings.index_dir, embedder, options, force=True)
        build.append(time.perf_counter() - t)
        t = time.perf_counter()
        vectors = raw.encode(texts)
        encode.append(time.perf_counter() - t)
    engine.reload()

    # Questions, warm: docbot's answer path against encode + exact FAISS search, in turns, per question.
    floor = RawFloor(raw, vectors)
    qs = questions()
    for q in qs:
        engine.ask(q), floor.ask(q), embedder.embed([q], query=True)
    ask, raw_ask, embed, ratio = [], [], [], []
    for _ in range(repeats):
        a = r = e = 0.0
        for q in qs:
            t0 = time.perf_counter()
            engine.ask(q)
            t1 = time.perf_counter()
            floor.ask(q)
            t2 = time.perf_counter()
            embedder.embed([q], query=True)
            t3 = time.perf_counter()
            a, r, e = a + t1 - t0, r + t2 - t1, e + t3 - t2
        ask.append(a / len(qs))
        raw_ask.append(r / len(qs))
        embed.append(e / len(qs))
        ratio.append(a / r)
    return {"backend": backend, "name": embedder.name, "passages": len(texts), "model_load_s": model_s,
            "ask": ask, "raw_ask": raw_ask, "embed": embed, "ratio": ratio, "build": build, "encode": encode,
            "torch_loaded": "torch" in sys.modules}


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING)
    backend, work, repeats, build_repeats = argv[0], Path(argv[1]), int(argv[2]), int(argv[3])
    print(json.dumps(run(work, backend, repeats, build_repeats)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
