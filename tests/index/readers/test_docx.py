"""Word documents: headings as sections, lists, tables by row, code blocks, pages; a real file made by LibreOffice."""

from __future__ import annotations

import io

import pytest

from index.documents import Skipped, read_document
from index.readers.base import ReadError
from index.readers.docx import read_docx

from .conftest import read_fixture


def _made_docx() -> bytes:
    import docx
    from docx.enum.text import WD_BREAK
    from docx.shared import Pt

    d = docx.Document()
    d.core_properties.title = "Guide Zorglub"
    d.core_properties.language = "fr-FR"
    d.add_heading("Installation", level=1)
    d.add_paragraph("Le paquet zorglub s'installe avec apt.")
    d.add_paragraph("débrancher les capteurs", style="List Number")
    d.add_paragraph("lancer la mise à jour", style="List Number")
    d.add_paragraph("un point", style="List Bullet")
    for line in ("zorglub --reseau 10.0.0.1", "zorglub --verifier"):
        run = d.add_paragraph().add_run(line)
        run.font.name = "Courier New"
        run.font.size = Pt(9)
    d.add_heading("Réseau", level=2)
    table = d.add_table(rows=3, cols=2)
    for r, (a, b) in enumerate([("Option", "Effet"), ("-y", "Répond oui"), ("-q", "Silencieux")]):
        table.rows[r].cells[0].text, table.rows[r].cells[1].text = a, b
    for cell in table.rows[0].cells:
        cell.paragraphs[0].runs[0].bold = True
    d.add_paragraph("Avant la page.").add_run().add_break(WD_BREAK.PAGE)
    d.add_heading("Mise à jour", level=1)
    d.add_paragraph("Après la page.")
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def made():
    return read_docx(_made_docx())


def test_title_and_language_come_from_the_document_properties(made):
    """The title and language set in Word's properties name the document."""
    assert (made.title, made.language) == ("Guide Zorglub", "fr")


def test_headings_make_the_section_path(made):
    """Heading 1 and Heading 2 nest: a block knows the headings above it."""
    headings = [(b.text, b.level, b.section) for b in made.blocks if b.kind == "heading"]
    assert headings == [("Installation", 1, ("Installation",)), ("Réseau", 2, ("Installation", "Réseau")),
                        ("Mise à jour", 1, ("Mise à jour",))]


def test_lists_keep_their_numbers_and_code_its_lines(made):
    """Numbered items show their number, bullets none; monospace paragraphs make one code block."""
    assert [b.text for b in made.blocks if b.kind == "item"] == [
        "1. débrancher les capteurs", "2. lancer la mise à jour", "un point"]
    assert [b.text for b in made.blocks if b.kind == "code"] == ["zorglub --reseau 10.0.0.1\nzorglub --verifier"]


def test_table_rows_carry_their_headers(made):
    """A bold first row names the columns of each row after it."""
    rows = [(b.text, b.section) for b in made.blocks if b.kind == "row"]
    assert rows == [("Option : -y · Effet : Répond oui", ("Installation", "Réseau")),
                    ("Option : -q · Effet : Silencieux", ("Installation", "Réseau"))]


def test_page_breaks_give_pages(made):
    """Text after an explicit page break is on page 2."""
    pages = {b.text: b.page for b in made.blocks}
    assert (pages["Avant la page."], pages["Après la page."]) == (1, 2)


@pytest.mark.parametrize("raw", [b"PK\x03\x04 not really a zip", b"plain text", b""])
def test_damaged_file_is_a_read_error(raw):
    """A file that is not a Word package gives a reason, not a traceback."""
    with pytest.raises(ReadError):
        read_docx(raw)


def test_damaged_file_is_skipped_with_its_reason(tmp_path):
    """Through read_document, a broken .docx is skipped and says why."""
    path = tmp_path / "cassé.docx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    skipped = read_document("cassé.docx", path)
    assert isinstance(skipped, Skipped) and "Word" in skipped.reason


def test_real_file_made_by_libreoffice_keeps_its_sections():
    """The Debian FAQ chapter converted by LibreOffice: its questions are sections, its commands code."""
    doc = read_fixture("debian-faq-personnaliser.docx")
    assert doc.title.startswith("Chapitre 11. Personnaliser votre installation")
    sections = {b.section[-1] for b in doc.blocks if b.section}
    assert "11.5.\u00a0Comment démarre un système Debian\u00a0?" in sections
    code = next(b for b in doc.blocks if b.kind == "code" and "adduser" in b.text)
    assert code.section[-1].startswith("11.2.")
    # The chapter's table of contents (paragraphs repeating the headings) is not content.
    assert not any(b.kind == "paragraph" and b.text.startswith("11.3. Comment charger") for b in doc.blocks)
