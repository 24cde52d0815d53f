"""Each passage's language, detected: mixed documents, code, and what the index records."""

from __future__ import annotations

import pytest

from index import BuildOptions, build_index, load
from index.language import detect, main_language, passage_languages

FRENCH = ("Pour geler un paquet, placez un gel persistant sur ce paquet : aptitude ne le mettra plus à jour "
          "automatiquement tant que vous ne l'aurez pas dégelé.")
ENGLISH = ("To freeze a package, put a persistent hold on it: aptitude will no longer upgrade it automatically "
           "until you remove the hold.")


@pytest.mark.parametrize(("text", "language"), [
    (FRENCH, "fr"),
    (ENGLISH, "en"),
    ("Comment empêcher aptitude de mettre à jour un paquet ?", "fr"),
    ("How do I stop aptitude from upgrading a package?", "en"),
])
def test_detects_french_and_english(text, language):
    """Passages and questions in French or English are told apart."""
    assert detect(text)[0] == language


def test_unsure_passage_takes_its_documents_language():
    """A line of shell in a French guide counts as French; an English paragraph of the same guide stays English."""
    texts = [FRENCH, "sudo mount /dev/sdb1 /mnt", ENGLISH, FRENCH.replace("geler", "bloquer")]
    assert passage_languages(texts, ["guide.html"] * 4) == ["fr", "fr", "en", "fr"]


def test_known_languages_are_kept():
    """A passage whose language the previous index holds is not detected again."""
    assert passage_languages([ENGLISH, FRENCH], ["a", "a"], ["fr", None]) == ["fr", "fr"]


def test_main_language():
    """The main language is the one most passages are in; English for an empty index."""
    assert main_language({"en": 3, "fr": 10}) == "fr"
    assert main_language({}) == "en"


def test_a_mixed_document_gives_passages_of_both_languages(tmp_path, fake_embedder):
    """A partly translated manual (French sections, English sections) is indexed with each passage's language."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "manual.md").write_text(
        "# Manuel\n\n## Geler un paquet\n\n" + FRENCH + " " + FRENCH + "\n\n"
        "## Holding packages\n\n" + ENGLISH + " " + ENGLISH + "\n", encoding="utf-8")
    build_index(docs, tmp_path / "index", fake_embedder, BuildOptions(passage_tokens=48))
    index = load(tmp_path / "index")
    by_language = {p.language: p.text for p in index.passages}
    assert set(by_language) == {"fr", "en"}
    assert "geler" in by_language["fr"] and "freeze" in by_language["en"]
    assert index.manifest.language == "auto" and set(index.manifest.languages) == {"fr", "en"}
