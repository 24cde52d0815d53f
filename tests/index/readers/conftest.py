"""Fixtures and helpers for the readers' tests: files shaped like real documentation, read as docbot reads them."""

from __future__ import annotations

from pathlib import Path

from index.documents import Document, Skipped, read_document

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def read_fixture(name: str, meta: dict | None = None) -> Document:
    doc = read_document(name, FIXTURES / name, meta)
    assert not isinstance(doc, Skipped), doc
    return doc


def source_lines(name: str, encoding: str = "utf-8") -> list[str]:
    return (FIXTURES / name).read_text(encoding=encoding).splitlines()
