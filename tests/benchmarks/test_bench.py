"""The benchmark's own machinery: figures, the synthetic corpus, a small `make bench` (no timing asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks import scale
from benchmarks.common import Figure, percentile

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("values", "shown"), [
    ([0.0123, 0.0119, 0.0130], "12.3 ms (11.9–13.0)"),
    ([0.5], "500.0 ms"),
    ([], "–"),
])
def test_figure_shows_median_and_range(values, shown):
    """A figure reads as its median with min–max; one value has no range; none is a dash."""
    assert Figure(values).show("ms", 1000, 1) == shown


def test_percentile_matches_numpy():
    """p50 and p95 interpolate as numpy does."""
    values = [5.0, 1.0, 9.0, 3.0, 7.0, 2.0]
    for q in (0, 50, 95, 100):
        assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))


def test_synthetic_vectors_are_unit_rows_of_a_shared_model():
    """Passage and query vectors come from the same model (different draws), normalised, float32."""
    a, b = scale.LowRankVectors(seed=0).draw(50), scale.LowRankVectors(seed=1).draw(50)
    assert a.shape == (50, scale.DIM) and a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, rtol=1e-5)
    assert not np.allclose(a, b)
    assert (a @ b.T).max() > 0.3  # neighbours exist across draws: the model has structure


def test_memoised_analysis_gives_the_real_terms(tmp_path):
    """The build-time memo yields exactly the analyser's terms for synthetic passages, and is undone after."""
    from index.text import Analyzer

    scale.write_corpus(tmp_path, 30)
    text = next(tmp_path.glob("*.txt")).read_text(encoding="utf-8")
    paragraphs = [p for p in text.split("\n\n") if p.strip()][1:6]
    analyzer = Analyzer("fr")
    want = [analyzer.terms(p) for p in paragraphs] + [analyzer.terms("\n".join(paragraphs))]
    undo = scale.memoised_analysis()
    try:
        got = [analyzer.terms(p) for p in paragraphs] + [analyzer.terms("\n".join(paragraphs))]
    finally:
        undo()
    assert got == want
    assert Analyzer.terms is not None and "memo" not in Analyzer.terms.__qualname__


def test_write_corpus_splits_paragraphs_into_documents(tmp_path):
    """Paragraphs are spread over documents of 200 paragraphs, each of real sentences."""
    assert scale.write_corpus(tmp_path, 450) == 3
    first = (tmp_path / "synthetic-00000.txt").read_text(encoding="utf-8")
    assert first.count("\n\n") == scale.PARAGRAPHS_PER_DOCUMENT
    assert any(s in first for s in scale.sentence_pool())


def test_scale_build_makes_an_index_docbot_can_load(tmp_path):
    """A small synthetic build goes through docbot's build and loads under the configured model's name."""
    from bot.service import make_embedder
    from bot.settings import Settings
    from index import store

    out = scale.build(300, tmp_path)
    assert 200 <= out["passages"] <= 400 and out["faiss_index"] == "IndexFlatIP"
    name = make_embedder(Settings(embedding_backend="onnx", _env_file=None)).name
    loaded = store.load(tmp_path / "index-300", name)
    assert len(loaded.passages) == out["passages"]


@pytest.mark.integration
def test_make_bench_prints_the_table(tmp_path):
    """A small run of benchmarks/run.py (ONNX only, one repeat, 300 passages, no real corpus) prints the table."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCBOT_")}
    env["HF_HUB_OFFLINE"] = "1"
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--backends", "onnx", "--repeats", "1", "--build-repeats", "1",
         "--cold-repeats", "1", "--scale", "300", "--skip", "realdocs", "--json", str(out)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    table = proc.stdout
    for row in ("Question, warm — onnx", "Full index", "nothing changed", "one document changed",
                "First `docbot index`", "Cold start to first answer", "question p50 / p95", "peak RSS",
                "full build (extrapolated)", "Machine:"):
        assert row in table, row
    data = json.loads(out.read_text())
    assert data["results"][0]["backend"] == "onnx" and data["results"][0]["torch_loaded"] is False
