"""EPUB: chapters in reading order, each a section under its title; the real French Ubuntu packaging guide."""

from __future__ import annotations

import io
import zipfile

import pytest

from index.readers.base import ReadError
from index.readers.epub import read_epub

from .conftest import read_fixture

_OPF = """<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:title>Guide Zorglub</dc:title><dc:language>fr</dc:language>
  </metadata>
  <manifest>
    <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
    <item id="c1" href="text/un.xhtml" media-type="application/xhtml+xml"/>
    <item id="c2" href="text/deux%20bis.xhtml" media-type="application/xhtml+xml"/>
    <item id="c3" href="text/un-suite.xhtml" media-type="application/xhtml+xml"/>
    <item id="css" href="style.css" media-type="text/css"/>
  </manifest>
  <spine><itemref idref="nav"/><itemref idref="c2"/><itemref idref="c1"/><itemref idref="c3"/></spine>
</package>"""

_NAV = """<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"><body>
<nav epub:type="toc"><ol><li><a href="text/deux%20bis.xhtml">Premiers pas</a></li>
<li><a href="text/un.xhtml#debut">Installation</a></li></ol></nav></body></html>"""

_CHAPTER = """<?xml version="1.0" encoding="UTF-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>{title}</title></head><body>{body}</body></html>"""


def _made_epub() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/container.xml", '<container xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
                   '<rootfiles><rootfile full-path="OEBPS/content.opf"/></rootfiles></container>')
        z.writestr("OEBPS/content.opf", _OPF)
        z.writestr("OEBPS/nav.xhtml", _NAV)
        z.writestr("OEBPS/text/un.xhtml", _CHAPTER.format(title="un", body=(
            "<h1>Installation</h1><p>Le paquet s'installe avec apt.</p><h2>Réseau</h2>"
            "<pre>zorglub --reseau 10.0.0.1</pre><table><tr><th>Option</th><th>Effet</th></tr>"
            "<tr><td>-y</td><td>Répond oui</td></tr></table>")))
        z.writestr("OEBPS/text/un-suite.xhtml", _CHAPTER.format(title="un", body="<p>Suite du chapitre.</p>"))
        z.writestr("OEBPS/text/deux bis.xhtml", _CHAPTER.format(title="deux", body=(
            "<p>Un chapitre sans titre à lui.</p><ul><li>premier point</li></ul>")))
    return out.getvalue()


@pytest.fixture(scope="module")
def made():
    return read_epub(_made_epub())


def test_chapters_in_spine_order_each_a_section(made):
    """Chapters come in reading order; one without a heading is put under its title from the contents, and
    the second file of a chapter split in two (no title, no heading) goes on under the first's sections."""
    assert (made.title, made.language) == ("Guide Zorglub", "fr")
    assert [(b.kind, b.text, b.section) for b in made.blocks[:3]] == [
        ("heading", "Premiers pas", ("Premiers pas",)),
        ("paragraph", "Un chapitre sans titre à lui.", ("Premiers pas",)),
        ("item", "premier point", ("Premiers pas",))]
    rest = [(b.kind, b.text, b.section) for b in made.blocks[3:]]
    assert rest == [("heading", "Installation", ("Installation",)),
                    ("paragraph", "Le paquet s'installe avec apt.", ("Installation",)),
                    ("heading", "Réseau", ("Installation", "Réseau")),
                    ("code", "zorglub --reseau 10.0.0.1", ("Installation", "Réseau")),
                    ("row", "Option : -y · Effet : Répond oui", ("Installation", "Réseau")),
                    ("paragraph", "Suite du chapitre.", ("Installation", "Réseau"))]


def test_no_lines_of_the_chapter_files(made):
    """Lines of files inside the book mean nothing to its reader: blocks cite their chapter, not lines."""
    assert all(b.line_start == 0 and b.anchor is None for b in made.blocks)


def _zip_without_package() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("notes.txt", "pas un livre")
    return out.getvalue()


@pytest.mark.parametrize("raw", [b"not a zip", _zip_without_package()])
def test_not_an_epub_is_a_read_error(raw):
    """A file that is not an EPUB package (not a zip, or a zip without a package document) gives a reason."""
    with pytest.raises(ReadError):
        read_epub(raw)


def test_real_french_packaging_guide_reads_by_chapter():
    """The French Ubuntu packaging guide (Debian package): chapters are sections, with their sections below."""
    doc = read_fixture("ubuntu-packaging-guide-fr.epub")
    assert (doc.title, doc.language) == ("Ubuntu Packaging Guide", "fr")
    chapters = [b.text for b in doc.blocks if b.kind == "heading" and b.level == 1]
    assert chapters[:3] == ["Guide d'empaquetage pour Ubuntu", "1. Introduction au Développement d'Ubuntu",
                            "2. Mise en route"]
    gpg = next(b for b in doc.blocks if b.kind == "heading" and b.text == "2.1.1. Créez votre clé GPG")
    assert gpg.section == ("2. Mise en route", "2.1. Installer les logiciels d'empaquetage de base", gpg.text)
    assert any(b.kind == "code" and "gpg" in b.text for b in doc.blocks)


def test_encrypted_book_says_so():
    """A book whose chapters are encrypted (DRM) is refused with that reason, not read as noise."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/epub+zip")
        z.writestr("META-INF/encryption.xml", '<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
                   '<EncryptedData xmlns="http://www.w3.org/2001/04/xmlenc#"><CipherData>'
                   '<CipherReference URI="OEBPS/text/un.xhtml"/></CipherData></EncryptedData></encryption>')
        z.writestr("OEBPS/text/un.xhtml", bytes(range(256)) * 4)
    with pytest.raises(ReadError, match="encrypted"):
        read_epub(out.getvalue())
