"""Fixtures for the library's tests: the shipped documents indexed once with the fake embedder."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index import BuildOptions, build_index
from index.engine import Engine

DOCUMENTS = Path(__file__).resolve().parents[2] / "documents"


@pytest.fixture(scope="session")
def _fake_index_once(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fake-index") / "index"


@pytest.fixture
def fake_engine(tmp_path, fake_embedder, _fake_index_once):
    """tests/conftest.py's fake_engine, built once per session and copied into each test's own index dir."""
    if not _fake_index_once.exists():
        build_index(DOCUMENTS, _fake_index_once, fake_embedder, BuildOptions())
    index_dir = tmp_path / "index"
    shutil.copytree(_fake_index_once, index_dir, symlinks=True)  # `current` is a relative symlink
    return Engine(index_dir, fake_embedder)
