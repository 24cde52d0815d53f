"""OpenDocument text: headings as sections, lists, tables by row, code, pages; a real file made by LibreOffice."""

from __future__ import annotations

import io
import zipfile

import pytest

from index.readers.base import ReadError
from index.readers.odt import read_odt

from .conftest import read_fixture

_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
       'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
       'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
       'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
       'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
       'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
       'xmlns:dc="http://purl.org/dc/elements/1.1/" '
       'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"')

_CONTENT = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-content {_NS} office:version="1.3">
<office:font-face-decls>
  <style:font-face style:name="Liberation Mono" svg:font-family="'Liberation Mono'" style:font-pitch="fixed"/>
</office:font-face-decls>
<office:automatic-styles>
  <style:style style:name="P1" style:family="paragraph" style:parent-style-name="Preformatted_20_Text"/>
  <style:style style:name="P2" style:family="paragraph" style:parent-style-name="Standard">
    <style:text-properties style:font-name="Liberation Mono"/>
  </style:style>
</office:automatic-styles>
<office:body><office:text>
  <text:table-of-content><text:index-body>
    <text:p>Installation ........ 1</text:p>
  </text:index-body></text:table-of-content>
  <text:h text:outline-level="1">Installation</text:h>
  <text:p>Le paquet <text:span>zorglub</text:span> s'installe<text:note><text:note-citation>1</text:note-citation>
    <text:note-body><text:p>Une note de bas de page.</text:p></text:note-body></text:note> avec apt.</text:p>
  <text:list>
    <text:list-item><text:p>débrancher les capteurs</text:p></text:list-item>
    <text:list-item><text:p>lancer la mise à jour</text:p></text:list-item>
  </text:list>
  <text:p text:style-name="P1">zorglub --reseau<text:s text:c="2"/>10.0.0.1</text:p>
  <text:p text:style-name="P2">zorglub --verifier</text:p>
  <text:h text:outline-level="2">Réseau</text:h>
  <table:table>
    <table:table-header-rows><table:table-row>
      <table:table-cell><text:p>Option</text:p></table:table-cell><table:table-cell><text:p>Effet</text:p></table:table-cell>
    </table:table-row></table:table-header-rows>
    <table:table-row>
      <table:table-cell><text:p>-y</text:p></table:table-cell>
      <table:table-cell><text:p>Répond oui</text:p></table:table-cell>
    </table:table-row>
  </table:table>
  <text:p>Avant la page.</text:p>
  <text:soft-page-break/>
  <text:h text:outline-level="1">Mise à jour</text:h>
  <text:p>Après la page.</text:p>
</office:text></office:body>
</office:document-content>"""

_STYLES = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-styles {_NS}><office:styles>
  <style:style style:name="Standard" style:family="paragraph"/>
  <style:style style:name="Preformatted_20_Text" style:display-name="Preformatted Text" style:family="paragraph"/>
</office:styles></office:document-styles>"""

_META = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-meta {_NS}><office:meta><dc:title>Guide Zorglub</dc:title><dc:language>fr-FR</dc:language>
</office:meta></office:document-meta>"""


def _made_odt(content: str = _CONTENT) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
        z.writestr("content.xml", content)
        z.writestr("styles.xml", _STYLES)
        z.writestr("meta.xml", _META)
    return out.getvalue()


@pytest.fixture(scope="module")
def made():
    return read_odt(_made_odt())


def test_title_language_and_sections(made):
    """The metadata names the document; outline levels nest into section paths."""
    assert (made.title, made.language) == ("Guide Zorglub", "fr")
    assert [(b.text, b.section) for b in made.blocks if b.kind == "heading"] == [
        ("Installation", ("Installation",)), ("Réseau", ("Installation", "Réseau")),
        ("Mise à jour", ("Mise à jour",))]


def test_contents_and_footnotes_are_not_text(made):
    """The table of contents is left out; a footnote's body does not break its paragraph."""
    texts = [b.text for b in made.blocks]
    assert "Le paquet zorglub s'installe avec apt." in texts
    assert not any("....." in t or "note de bas" in t for t in texts)


def test_lists_code_and_table_rows(made):
    """List items, code by style or fixed-pitch font as one block (spaces kept), rows with their headers."""
    assert [b.text for b in made.blocks if b.kind == "item"] == ["débrancher les capteurs", "lancer la mise à jour"]
    assert [b.text for b in made.blocks if b.kind == "code"] == ["zorglub --reseau  10.0.0.1\nzorglub --verifier"]
    assert [b.text for b in made.blocks if b.kind == "row"] == ["Option : -y · Effet : Répond oui"]


def test_soft_page_breaks_give_pages(made):
    """The page breaks LibreOffice recorded give each block its page."""
    pages = {b.text: b.page for b in made.blocks}
    assert (pages["Avant la page."], pages["Après la page."]) == (1, 2)


@pytest.mark.parametrize("raw", [b"not a zip", _made_odt("<office:document-content")])
def test_damaged_file_is_a_read_error(raw):
    """A file that is not an OpenDocument text, or whose content is broken, gives a reason."""
    with pytest.raises(ReadError):
        read_odt(raw)


def test_real_file_made_by_libreoffice_keeps_tables_and_pages():
    """The aptitude manual's page converted by LibreOffice: its table rows name their columns, pages count."""
    doc = read_fixture("aptitude-personnaliser.odt")
    assert doc.title == "Personnaliser la liste des paquets"
    row = next(b for b in doc.blocks if b.kind == "row" and "%p" in b.text)
    assert row.text.startswith("Commande : %p · Nom : Nom du paquet · Taille par défaut : 30")
    assert row.section[-1] == "Personnaliser la manière d'afficher les paquets"
    assert max(b.page for b in doc.blocks) > 3
