"""Determinism: the same documents and settings give the same vectors, bit for bit, whatever the batch size,
the thread count or the order texts arrive in; the PyTorch backend to a stated tolerance."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index import ensure_export, load, store
from index.e5 import E5OnnxEmbedder
from index.embedding import OnnxEmbedder, SentenceTransformerEmbedder

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = REPO / "documents"

# One build in a process of its own: the thread settings of ONNX Runtime and OpenMP are the process's.
BUILD = """
import json, sys
from pathlib import Path
from index import BuildOptions, build_index
from index.e5 import E5OnnxEmbedder
from index.embedding import OnnxEmbedder
documents, index_dir, minilm, e5, threads, batch = sys.argv[1:]
threads = int(threads) or None
build_index(Path(documents), Path(index_dir), OnnxEmbedder(cache_dir=minilm, threads=threads),
            BuildOptions(batch_size=int(batch)), multilingual=E5OnnxEmbedder(e5, quantize=True, threads=threads))
"""


@pytest.fixture(scope="module")
def minilm_cache(tmp_path_factory) -> Path:
    """The float32 export of the bundled MiniLM (docbot's default backend), made once for the module."""
    cache = tmp_path_factory.mktemp("minilm")
    ensure_export(OnnxEmbedder(cache_dir=cache))
    return cache


def build(tmp_path: Path, name: str, minilm: Path, e5: Path, threads: int, batch: int, omp: str | None) -> Path:
    """The shipped documents indexed in a new process with these thread and batch settings; the index dir."""
    env = {k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"}
    if omp is not None:
        env["OMP_NUM_THREADS"] = omp
    index_dir = tmp_path / name
    proc = subprocess.run([sys.executable, "-c", BUILD, str(DOCUMENTS), str(index_dir), str(minilm), str(e5),
                           str(threads), str(batch)], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return index_dir


def vectors(index_dir: Path) -> list[np.ndarray]:
    """The index's MiniLM and e5 vectors, copied out of their FAISS files."""
    out = []
    for name in (store.VECTORS, store.MULTILINGUAL_VECTORS):
        index = store.read_faiss_index(store.current_path(index_dir) / name)
        out.append(np.array(store.vector_view(index)))  # a copy while `index` still holds the memory
        del index
    return out


def test_two_builds_with_other_threads_and_batches_give_the_same_vectors(tmp_path, minilm_cache, e5_onnx_cache):
    """One thread and batches of 1, against two threads and batches of 32: every vector bit for bit, same scores."""
    one = build(tmp_path, "one", minilm_cache, e5_onnx_cache, threads=1, batch=1, omp="1")
    two = build(tmp_path, "two", minilm_cache, e5_onnx_cache, threads=2, batch=32, omp=None)
    (a_minilm, a_e5), (b_minilm, b_e5) = vectors(one), vectors(two)
    assert a_minilm.shape[0] == len(load(one).passages) > 50
    assert a_minilm.tobytes() == b_minilm.tobytes()
    assert a_e5.tobytes() == b_e5.tobytes()
    # What a user sees follows: the same citations with the same scores, to the last bit.
    from index.engine import Engine

    asked = [Engine(d, OnnxEmbedder(cache_dir=minilm_cache), multilingual=E5OnnxEmbedder(e5_onnx_cache))
             .ask("Où Jensen Huang a-t-il dîné avec Donald Trump ?", k=3) for d in (one, two)]
    shown = [[json.dumps(c.to_dict()) for c in a.citations] for a in asked]
    assert shown[0] == shown[1] and len(shown[0]) == 3
    assert [c.score for c in asked[0].citations] == [c.score for c in asked[1].citations]


def texts() -> list[str]:
    """Paragraphs of the shipped documents, short and long, and two questions."""
    out = [p.strip() for path in sorted(DOCUMENTS.glob("*.txt"))
           for p in path.read_text(encoding="utf-8").splitlines() if p.strip()][:40]
    return out + ["Who is the chief executive of Nvidia?", "Où Jensen Huang a-t-il dîné ?"]


@pytest.mark.parametrize("quantize", [False, True])
def test_a_text_gets_the_same_minilm_vector_in_any_batch(minilm_cache, quantize):
    """MiniLM on ONNX Runtime (float32 and int8): batches of 1, 7 and 32, in any order, give identical vectors."""
    embedder = OnnxEmbedder(cache_dir=minilm_cache, quantize=quantize)
    ensure_export(embedder)
    some = texts()
    alone = embedder.embed(some, batch_size=1)
    assert embedder.embed(some, batch_size=7).tobytes() == alone.tobytes()
    assert embedder.embed(some[::-1], batch_size=32)[::-1].tobytes() == alone.tobytes()


def test_a_text_gets_the_same_e5_vector_in_any_batch(e5_onnx_cache):
    """multilingual-e5 int8: a text's vector does not depend on the texts embedded with it, nor on threads."""
    some = texts()
    alone = E5OnnxEmbedder(e5_onnx_cache, threads=1).embed(some, batch_size=1)
    mixed = E5OnnxEmbedder(e5_onnx_cache, threads=2).embed(some[::-1], batch_size=32)[::-1]
    assert mixed.tobytes() == alone.tobytes()


# PyTorch reorders its sums with the thread count and the batch's shape: a vector moves by about one float32
# rounding step (1.2e-7 measured), so a cosine moves by less than 1e-6, far below the 0.01 a printed score shows.
TORCH_TOLERANCE = 1e-6


def test_torch_vectors_agree_to_rounding_across_batches_and_threads():
    """The PyTorch backend: batches of 1 and 16, on one thread and two, agree within TORCH_TOLERANCE."""
    import torch

    embedder, some, before = SentenceTransformerEmbedder(), texts()[:16], torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        alone = embedder.embed(some, batch_size=1)
        torch.set_num_threads(2)
        batched = embedder.embed(some, batch_size=16)
    finally:
        torch.set_num_threads(before)
    assert float(np.abs(alone - batched).max()) <= TORCH_TOLERANCE
