"""The ONNX embedder on a tiny hand-made export (no torch, no real model), and the choice of backend."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from index import EmbeddingModelError, ensure_export
from index.embedding import ONNX_META, ONNX_MODEL, ONNX_TOKENIZER, OnnxEmbedder, _pool

WORDS = ["nvidia", "puce", "h20", "chine", "trump", "huang", "tsmc", "export", "accord", "dîner"]
DIM = 8
MAX_SEQ = 8  # 6 words and the two special tokens


def _table() -> np.ndarray:
    return np.random.default_rng(0).standard_normal((4 + len(WORDS), DIM)).astype(np.float32)


def _tiny_model(path: Path) -> None:
    """A 'transformer' that looks each token up in a table: enough to test tokenising, masks and pooling."""
    import onnx
    from onnx import TensorProto, helper

    table = _table()
    graph = helper.make_graph(
        [
            helper.make_node("Gather", ["table", "input_ids"], ["tokens"]),
            helper.make_node("Cast", ["attention_mask"], ["mask_f"], to=TensorProto.FLOAT),
            helper.make_node("Unsqueeze", ["mask_f", "axis"], ["mask_3d"]),
            helper.make_node("Mul", ["tokens", "mask_3d"], ["last_hidden_state"]),
        ],
        "tiny",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "seq"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "seq"])],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "seq", DIM])],
        [helper.make_tensor("table", TensorProto.FLOAT, table.shape, table.ravel()),
         helper.make_tensor("axis", TensorProto.INT64, [1], [-1])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(path))


def _tiny_tokenizer(path: Path) -> None:
    from tokenizers import Tokenizer, models, pre_tokenizers, processors

    vocab = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, **{w: i + 4 for i, w in enumerate(WORDS)}}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]",
                                                       special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    # Fixed-length padding and a short truncation, as real tokenizer files carry: the embedder overrides both.
    tok.enable_padding(length=64, pad_id=0, pad_token="[PAD]")
    tok.enable_truncation(3)
    tok.save(str(path))


@pytest.fixture
def tiny(tmp_path) -> OnnxEmbedder:
    """An OnnxEmbedder whose export folder already holds the tiny model."""
    embedder = OnnxEmbedder("tiny-test-model", cache_dir=tmp_path / "models")
    folder = embedder.export_dir()
    folder.mkdir(parents=True)
    _tiny_model(folder / ONNX_MODEL)
    _tiny_tokenizer(folder / ONNX_TOKENIZER)
    (folder / ONNX_META).write_text(json.dumps({
        "model": "tiny-test-model", "pooling": "mean", "dimension": DIM, "max_seq_length": MAX_SEQ,
        "do_lower_case": False, "pad_id": 0, "pad_token": "[PAD]"}))
    return embedder


def test_embed_returns_unit_float32_rows(tiny):
    """One L2-normalised float32 row per text, and an empty list gives an empty matrix of the right width."""
    v = tiny.embed(["nvidia puce", "chine", "trump huang tsmc"])
    assert v.dtype == np.float32 and v.shape == (3, DIM)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, rtol=1e-5)
    assert tiny.embed([]).shape == (0, DIM)
    assert tiny.dimension == DIM


def test_padding_and_batch_order_do_not_change_a_vector(tiny):
    """A text gets the same vector alone or in a batch with longer ones (padding masked, order restored)."""
    texts = ["nvidia", "puce h20 chine trump", "accord", "huang tsmc export dîner nvidia"]
    together = tiny.embed(texts, batch_size=3)
    for text, row in zip(texts, together, strict=True):
        np.testing.assert_allclose(tiny.embed([text])[0], row, rtol=1e-5, atol=1e-6)


def test_mean_pooling_over_the_tokens(tiny):
    """The vector is the normalised mean of the token vectors, [CLS] and [SEP] included."""
    table = _table()
    want = table[[2, 4 + WORDS.index("chine"), 4 + WORDS.index("trump"), 3]].mean(axis=0)
    np.testing.assert_allclose(tiny.embed(["chine trump"])[0], want / np.linalg.norm(want), rtol=1e-5)


def test_truncation_follows_the_model_not_the_tokenizer_file(tiny):
    """Texts are cut at the model's length (6 words here), not at the tokenizer file's own setting."""
    long = "nvidia puce h20 chine trump huang tsmc export accord"
    np.testing.assert_allclose(tiny.embed([long])[0], tiny.embed(["nvidia puce h20 chine trump huang"])[0],
                               rtol=1e-5)
    assert not np.allclose(tiny.embed([long])[0], tiny.embed(["nvidia puce h20"])[0])


def test_count_tokens_without_special_tokens_or_truncation(tiny):
    """count_tokens counts all word pieces of a long text, no [CLS]/[SEP]; max_tokens leaves room for them."""
    assert tiny.count_tokens(" ".join(WORDS * 3)) == 3 * len(WORDS)
    assert tiny.max_tokens == MAX_SEQ - 2


def test_an_existing_export_is_used_as_is(tiny, monkeypatch):
    """With the export on disk, ensuring it exports nothing (no torch needed)."""
    import index.onnx_export as onnx_export

    monkeypatch.setattr(onnx_export, "export_onnx", lambda *a, **k: pytest.fail("exported again"))
    assert ensure_export(tiny) == tiny.export_dir()
    assert tiny.embed(["chine"]).shape == (1, DIM)


def test_a_missing_export_is_never_made_on_first_use(tmp_path, monkeypatch):
    """Without an export, embedding raises EmbeddingModelError("not_exported") naming the folder: exporting
    is a step of its own (ensure_export), which exports once."""
    import index.onnx_export as onnx_export

    embedder = OnnxEmbedder("tiny-test-model", cache_dir=tmp_path / "models")
    with pytest.raises(EmbeddingModelError) as err:
        embedder.embed(["chine"])
    assert (err.value.problem, err.value.folder) == ("not_exported", embedder.export_dir())
    made = []
    monkeypatch.setattr(onnx_export, "export_onnx", lambda name, folder, quantize: made.append(folder))
    ensure_export(embedder)
    assert made == [embedder.export_dir()]


def test_an_unreadable_export_names_the_folder(tiny):
    """A damaged export is an EmbeddingModelError naming the model and the folder (front ends say what to do)."""
    (tiny.export_dir() / ONNX_MODEL).write_bytes(b"not a model")
    with pytest.raises(EmbeddingModelError) as err:
        tiny.embed(["chine"])
    assert (err.value.model, err.value.problem, err.value.folder) == (
        "tiny-test-model", "export_unreadable", tiny.export_dir())
    assert "DOCBOT" not in str(err.value)


@pytest.mark.parametrize(("mode", "expected"), [
    ("mean", [[2.0, 3.0]]),
    ("cls", [[1.0, 2.0]]),
    ("max", [[3.0, 4.0]]),
])
def test_pool(mode, expected):
    """Pooling ignores padded positions: mean and max over real tokens, cls takes the first."""
    hidden = np.array([[[1.0, 2.0], [3.0, 4.0], [100.0, 100.0]]], dtype=np.float32)
    mask = np.array([[1, 1, 0]])
    np.testing.assert_allclose(_pool(hidden, mask, mode), expected)


def test_export_folder_is_keyed_by_the_model_files(tmp_path):
    """A changed model on disk gets a new export folder; the same files keep theirs; int8 and fp32 differ."""
    model = tmp_path / "my-model"
    model.mkdir()
    (model / "model.safetensors").write_bytes(b"weights")
    cache = tmp_path / "models"
    first = OnnxEmbedder(str(model), cache_dir=cache).export_dir()
    assert OnnxEmbedder(str(model), cache_dir=cache).export_dir() == first
    assert OnnxEmbedder(str(model), cache_dir=cache, quantize=True).export_dir() != first
    assert first.parent == cache and first.name.startswith("my-model-")
    (model / "model.safetensors").write_bytes(b"other weights")
    os.utime(model / "model.safetensors", ns=(1, 1))
    assert OnnxEmbedder(str(model), cache_dir=cache).export_dir() != first


def test_the_backends_name_their_vectors_apart():
    """An index built with one backend is not served by the other: their names differ."""
    from index.embedding import SentenceTransformerEmbedder

    assert OnnxEmbedder().name == "bundled:all-MiniLM-L6-v2 (onnx)"
    assert OnnxEmbedder(quantize=True).name == "bundled:all-MiniLM-L6-v2 (onnx int8)"
    assert SentenceTransformerEmbedder().name == "bundled:all-MiniLM-L6-v2"


@pytest.mark.parametrize(("backend", "cls", "quantize"), [
    ("onnx", "OnnxEmbedder", False),
    ("onnx-int8", "OnnxEmbedder", True),
    ("torch", "SentenceTransformerEmbedder", None),
])
def test_make_embedder_follows_the_setting(tmp_path, backend, cls, quantize):
    """DOCBOT_EMBEDDING_BACKEND picks the embedder; ONNX exports are kept with the index."""
    from bot.service import make_embedder
    from bot.settings import Settings

    settings = Settings(index_dir=tmp_path / "idx", embedding_backend=backend, _env_file=None)
    embedder = make_embedder(settings)
    assert type(embedder).__name__ == cls
    if quantize is not None:
        assert embedder.quantize is quantize
        assert embedder.cache_dir == tmp_path / "idx" / "models"


def test_onnx_is_the_default_backend(monkeypatch):
    """Without DOCBOT_EMBEDDING_BACKEND, docbot runs the model with ONNX Runtime (float32)."""
    from bot.settings import Settings

    monkeypatch.delenv("DOCBOT_EMBEDDING_BACKEND", raising=False)

    assert Settings(_env_file=None).embedding_backend == "onnx"


@pytest.mark.parametrize(("name", "languages"), [
    ("bundled:all-MiniLM-L6-v2", frozenset({"en"})),
    ("sentence-transformers/all-MiniLM-L6-v2", frozenset({"en"})),
    ("intfloat/multilingual-e5-small", None),  # not known: taken to read any language
])
def test_the_languages_a_model_reads(name, languages):
    """The bundled MiniLM is known to read English; a model not known reads any language."""
    from index.embedding import SentenceTransformerEmbedder, embedder_languages

    assert embedder_languages(SentenceTransformerEmbedder(name)) == languages
    assert embedder_languages(OnnxEmbedder(name)) == embedder_languages(SentenceTransformerEmbedder(name))
