"""Markdown: front-matter title, headings as sections, code fences verbatim, lists and tables, source lines."""

from __future__ import annotations

import pytest

from index.readers.markdown import read_markdown

from .conftest import read_fixture, source_lines


@pytest.fixture(scope="module")
def guide():
    return read_fixture("guide.md")


def test_front_matter_gives_the_title_and_is_not_text(guide):
    """The YAML front matter's title names the document; the front matter itself is not read as text."""
    assert guide.title == "Guide Markdown de Zorglub"
    assert not any("tags" in b.text or "---" in b.text for b in guide.blocks)


def test_headings_make_the_section_path(guide):
    """ATX and setext headings nest: a block knows the headings above it."""
    b = next(b for b in guide.blocks if b.text.startswith("Les paramètres réseau"))
    assert b.section == ("Installation", "Réseau")
    last = guide.blocks[-1]
    assert (last.text, last.section) == ("Un texte sous un titre souligné.", ("Installation", "Mise à jour"))
    assert guide.blocks[0].section == ()


def test_code_fence_is_verbatim(guide):
    """A fenced block keeps its lines, blank line included."""
    code = next(b for b in guide.blocks if b.kind == "code")
    assert code.text == "zorglub --reseau 10.0.0.1\n\nzorglub --verifier"
    assert (code.line_start, code.line_end) == (17, 21)


def test_lists_and_tables(guide):
    """List items keep their number; a table row carries its column headers."""
    assert [b.text for b in guide.blocks if b.kind == "item"] == ["1. débrancher les capteurs ;",
                                                                   "2. lancer la mise à jour."]
    assert [b.text for b in guide.blocks if b.kind == "row"] == [
        "Option : -y · Effet : Répond oui à toutes les questions.", "Option : -q · Effet : N'affiche que les erreurs."]


def test_blocks_start_on_their_source_lines(guide):
    """Line numbers count the front matter: each block's first line in the file holds its first word."""
    lines = source_lines("guide.md")
    for b in guide.blocks:
        if b.kind == "code":
            continue
        first = b.text.split(" : ", 1)[-1].split()[0] if b.kind == "row" else b.text.split()[0]
        assert first in lines[b.line_start - 1], b


@pytest.mark.parametrize("source", [
    "---\ntitle: [pas, une, chaîne]\n---\n\nTexte.\n",
    "---\n: : pas du yaml\n---\n\nTexte.\n",
    "---\ntitle: Sans fin\n\nTexte.\n",
], ids=["title-not-a-string", "bad-yaml", "unclosed"])
def test_odd_front_matter_does_not_break_reading(source):
    """A front matter that is not usable YAML gives no title, and the text is still read."""
    reading = read_markdown(source)
    assert "Texte." in [b.text for b in reading.blocks]
    assert reading.title is None
