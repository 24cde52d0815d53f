"""ONNX exports of the bundled model: PyTorch's vectors (int8: close to them), same token counts, no torch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from index import BuildOptions, build_index, ensure_export
from index.embedding import ONNX_META, OnnxEmbedder, SentenceTransformerEmbedder
from index.text import split_sentences

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = REPO / "documents"


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> Path:
    """The float32 export of the bundled model, made once for the module (it takes a few seconds)."""
    cache = tmp_path_factory.mktemp("onnx") / "models"
    ensure_export(OnnxEmbedder(cache_dir=cache))
    return cache


@pytest.fixture(scope="module")
def torch_embedder() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder()


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Paragraphs and sentences of the shipped documents (French, short and long), and English questions."""
    out = []
    for path in sorted(DOCUMENTS.glob("*.txt")):
        paragraphs = [p.strip() for p in path.read_text(encoding="utf-8").splitlines() if p.strip()]
        out += paragraphs[:6] + [s for p in paragraphs[:3] for s in split_sentences(p)]
    return out + ["Who is the chief executive of Nvidia?", "Where did Jensen Huang meet Donald Trump?"]


def test_onnx_vectors_are_torch_vectors(exports, torch_embedder, texts):
    """The float32 export gives the PyTorch model's vectors, to rounding."""
    cosines = (OnnxEmbedder(cache_dir=exports).embed(texts) * torch_embedder.embed(texts)).sum(axis=1)
    assert cosines.min() >= 0.9999, texts[int(cosines.argmin())]


def test_int8_vectors_are_close_to_torch(exports, torch_embedder, texts):
    """Every text's int8 vector is within cosine 0.97 of the PyTorch model's, 0.98 on average."""
    int8 = OnnxEmbedder(cache_dir=exports, quantize=True)
    ensure_export(int8)
    cosines = (int8.embed(texts) * torch_embedder.embed(texts)).sum(axis=1)
    assert cosines.min() >= 0.97, texts[int(cosines.argmin())]
    assert cosines.mean() >= 0.98
    assert int8.export_dir() != OnnxEmbedder(cache_dir=exports).export_dir()


def test_onnx_counts_tokens_as_torch(exports, torch_embedder, texts):
    """Passages are cut the same with either backend: the same word-piece counts and limit."""
    onnx = OnnxEmbedder(cache_dir=exports)
    long = " ".join(texts)
    everything = [*texts, long]
    assert [onnx.count_tokens(t) for t in everything] == [torch_embedder.count_tokens(t) for t in everything]
    assert onnx.max_tokens == torch_embedder.max_tokens
    assert onnx.dimension == torch_embedder.dimension


def test_the_export_is_made_once_and_checked(exports, monkeypatch):
    """The export records its check against PyTorch; a second embedder reuses it without exporting again."""
    import index.onnx_export as onnx_export

    folder = OnnxEmbedder(cache_dir=exports).export_dir()
    meta = json.loads((folder / ONNX_META).read_text())
    assert meta["check_cosine"] >= 0.95 and meta["pooling"] == "mean"
    monkeypatch.setattr(onnx_export, "export_onnx", lambda *a, **k: pytest.fail("exported again"))
    again = OnnxEmbedder(cache_dir=exports)
    assert ensure_export(again) == folder
    assert again.embed(["Qui est le PDG de Nvidia ?"], query=True).shape == (1, 384)


def test_answering_from_an_onnx_index_never_imports_torch(exports, tmp_path):
    """`docbot ask` with the ONNX backend answers without importing torch or sentence-transformers."""
    index_dir = tmp_path / "index"
    build_index(DOCUMENTS, index_dir, OnnxEmbedder(cache_dir=exports), BuildOptions())
    (index_dir / "models").symlink_to(exports, target_is_directory=True)  # where bot/service.py looks
    code = (
        "import sys\n"
        "sys.argv = ['docbot', 'ask', '--json', 'Où Jensen Huang a-t-il dîné avec Donald Trump ?']\n"
        "from bot.cli import main\n"
        "try:\n    main()\n"
        "except SystemExit as exc:\n    assert exc.code in (0, None), exc.code\n"
        "heavy = ('torch', 'sentence_transformers', 'transformers')\n"
        "print('IMPORTED', sorted(m for m in heavy if m in sys.modules))\n"
    )
    env = {**os.environ, "DOCBOT_INDEX_DIR": str(index_dir), "DOCBOT_EMBEDDING_BACKEND": "onnx",
           "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    answer = json.loads(proc.stdout.splitlines()[0])
    assert answer["answered"] and "Mar-a-Lago" in " ".join(c["text"] for c in answer["citations"])
    assert proc.stdout.splitlines()[-1] == "IMPORTED []"


def test_onnx_and_torch_rank_the_documents_alike(exports, torch_embedder):
    """Dense retrieval over the documents' paragraphs puts the same paragraph first with both backends."""
    paragraphs = [p.strip() for path in sorted(DOCUMENTS.glob("*.txt"))
                  for p in path.read_text(encoding="utf-8").splitlines() if len(p.split()) > 12]
    questions = ["Combien d'accélérateurs H20 Nvidia a-t-il commandés à TSMC ?",
                 "Où Jensen Huang a-t-il dîné avec Donald Trump ?",
                 "De quelle architecture sont issues les puces H200 ?"]
    firsts = [list(np.argmax(e.embed(paragraphs) @ e.embed(questions).T, axis=0))
              for e in (OnnxEmbedder(cache_dir=exports), torch_embedder)]
    assert firsts[0] == firsts[1]
