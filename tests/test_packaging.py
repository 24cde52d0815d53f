"""What `pip install` installs: every package of the project, and its data files."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest
from setuptools import find_namespace_packages

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parent.parent
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def found() -> set[str]:
    """The packages setuptools finds with the project's settings."""
    return set(find_namespace_packages(where=str(ROOT), include=SETUPTOOLS["packages"]["find"]["include"]))


def test_every_package_is_installed():
    """Each folder of bot/ and index/ that holds Python modules is a package setuptools finds."""
    folders = {".".join(init.parent.relative_to(ROOT).parts) for top in ("bot", "index")
               for init in (ROOT / top).rglob("__init__.py")}
    assert folders <= found()


def test_every_data_file_is_installed():
    """Each file of index/data (the per-language data) lies in a found package and matches its package data."""
    packages = found()
    for path in (ROOT / "index" / "data").rglob("*"):
        if path.is_dir() or "__pycache__" in path.parts:
            continue
        assert "index.data" in packages
        rel = path.relative_to(ROOT / "index" / "data").as_posix()
        globs = SETUPTOOLS["package-data"]["index.data"]
        assert any(glob == "**/*" or fnmatch.fnmatch(rel, glob) for glob in globs), rel
