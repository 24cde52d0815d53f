"""PDF: text with its spacing and accents, paragraphs rebuilt, page furniture dropped, a page for every block.

guide.pdf is a real pdflatex output (source: fixtures/guide.tex): accents drawn as glyphs of their own, a
running header and page number on each page, a contents page, words hyphenated at line ends, an outline.
"""

from __future__ import annotations

import logging
import re

import pytest

from index.documents import Skipped, read_document

from .conftest import FIXTURES, read_fixture

SPLIT_ACCENT = re.compile(r"[´`ˆ¨˜¸˘ˇ˚˙]|ı")


@pytest.fixture(scope="module")
def guide():
    return read_fixture("guide.pdf")


def block_with(doc, phrase: str):
    return next(b for b in doc.blocks if phrase in b.text)


def test_title_comes_from_the_metadata(guide):
    """The PDF's own title, not its file name."""
    assert guide.title == "Guide de test Zorglub"


def test_running_headers_page_numbers_and_contents_are_dropped(guide):
    """The header repeated on each page, the page numbers and the contents page are not text."""
    texts = [b.text for b in guide.blocks]
    assert not any("Guide de test Zorglub" in t for t in texts)
    assert not any(re.fullmatch(r"\d+", t) for t in texts)
    assert not any("Table des matières" in t or re.search(r"(\. ){3,}", t) for t in texts)


def test_accents_drawn_apart_are_put_back(guide):
    """LaTeX's separate accent glyphs are joined to their letters: matériel, fenêtre, sinusoïdal, ça."""
    text = "\n".join(b.text for b in guide.blocks)
    for word in ("matériel", "fenêtre", "sinusoïdal", "ça prend", "Où que", "boîtier", "décroît"):
        assert word in text
    assert not SPLIT_ACCENT.search(text)


def test_line_end_hyphens_are_joined_and_compounds_kept(guide):
    """Words cut at a line end are whole again; words written with a hyphen keep it."""
    import pypdfium2 as pdfium

    raw = "".join(page.get_textpage().get_text_range() for page in pdfium.PdfDocument(FIXTURES / "guide.pdf"))
    assert "aus\ufffesitˆot" in raw and "configu\ufffe" in raw  # the fixture does cut these words
    text = "\n".join(b.text for b in guide.blocks)
    assert "démarre aussitôt" in text and "fichier de configuration principal" in text
    assert "coefficient d'amortissement" in text
    for compound in ("peut-être", "porte-monnaie", "lui-même"):
        assert compound in text
    assert not re.search(r"[a-zé]- [a-zé]", text)


def test_paragraphs_are_reflowed_and_kinds_found(guide):
    """Hard-wrapped lines make one paragraph; bullets are items; typewriter text is code, verbatim."""
    para = block_with(guide, "Le boîtier Zorglub se branche")
    assert para.kind == "paragraph"
    assert para.text.endswith("avant que l'internationalisation de l'interface soit terminée.")
    items = [b.text for b in guide.blocks if b.kind == "item"]
    assert items == ["• débrancher les capteurs externes ;",
                     "• lancer la commande de mise à jour et attendre la fin du transfert ;",
                     "• rebrancher les capteurs et vérifier leur étalonnage."]
    code = next(b for b in guide.blocks if b.kind == "code")
    assert code.text == "zorglub --reseau 10.0.0.1\nzorglub --verifier"


@pytest.mark.parametrize(("phrase", "page", "section"), [
    ("Le boîtier Zorglub se branche", 2, ("Installation du système",)),
    ("Le générateur de signal", 2, ("Installation du système", "Configuration réseau")),
    ("débrancher les capteurs", 3, ("Installation du système", "Mise à jour")),
    ("La résistance inconnue", 4, ("Expériences", "Mesure d'une résistance")),
    ("Un circuit composé", 4, ("Expériences", "Oscillations amorties")),
])
def test_every_block_has_its_page_and_section(guide, phrase, page, section):
    """A block names the page it is printed on, and its section path from the outline."""
    b = block_with(guide, phrase)
    assert (b.page, b.page_end, b.section) == (page, page, section)
    assert all(b.page for b in guide.blocks)


def test_headings_follow_the_outline(guide):
    """The outline's titles are the headings, at the outline's levels."""
    headings = [(b.level, b.text) for b in guide.blocks if b.kind == "heading"]
    assert headings == [(1, "1 Installation du système"), (2, "1.1 Configuration réseau"), (2, "1.2 Mise à jour"),
                        (1, "2 Expériences"), (2, "2.1 Mesure d'une résistance"), (2, "2.2 Oscillations amorties")]


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9])
def test_damaged_pdf_is_skipped_by_name(tmp_path, caplog, cut):
    """A truncated PDF is skipped with a reason naming the problem; no library warning reaches the user."""
    data = (FIXTURES / "guide.pdf").read_bytes()
    path = tmp_path / "abîmé.pdf"
    path.write_bytes(data[: int(len(data) * cut)])
    with caplog.at_level(logging.DEBUG):
        result = read_document("abîmé.pdf", path)
    if isinstance(result, Skipped):
        assert result.path == "abîmé.pdf" and result.reason.startswith(("PDF could not be parsed", "empty"))
    else:  # pdfium recovers what it can of a cut file: then what it read is real text
        assert all(b.page for b in result.blocks)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_unparsable_pdf_reason_reads_flat(tmp_path):
    """A broken PDF is skipped with one flat reason: no brackets inside brackets."""
    from index.documents import read_document

    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4 not really a PDF")
    result = read_document("broken.pdf", path)
    assert result.reason.startswith("PDF could not be parsed: ")
    assert result.reason.count("(") == 0, result.reason
