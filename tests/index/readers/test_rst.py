"""reStructuredText: docutils' structure, Sphinx's roles and directives read as text, never quoted as markup."""

from __future__ import annotations

import pytest

from index.documents import read_document
from index.readers.rst import read_rst

from .conftest import read_fixture, source_lines

SOURCE = """\
Guide Zorglub
=============

Le paquet zorglub
s'installe avec apt.

Installation
------------

* débrancher les capteurs
* lancer la mise à jour

#. premier pas
#. second pas

.. code-block:: bash

   zorglub --reseau 10.0.0.1

--reseau ADRESSE   L'adresse du capteur.

+--------+-------------+
| Option | Effet       |
+========+=============+
| -y     | Répond oui  |
+--------+-------------+

.. note:: Une note importante.

Voir :ref:`la mise à jour <maj>`, :func:`~zorglub.reseau.connecter` et :doc:`intro`.

.. toctree::
   :maxdepth: 2

   intro

.. versionadded:: 2.0
   Le mode silencieux.

.. py:function:: connecter(adresse, essais=3)

   Ouvre la connexion.

.. tab:: Linux

   Sous Linux, lancez le service.

.. un-inconnu::
   :option: 3

   Contenu gardé.

.. automodule:: zorglub
   :members:

Mise à jour
-----------

|version| est affichée par :command:`zorglub --version`.
"""


@pytest.fixture(scope="module")
def doc():
    return read_rst(SOURCE)


def test_title_and_sections(doc):
    """The first section's title is the document's; subsections nest under it."""
    assert doc.title == "Guide Zorglub"
    assert [(b.text, b.section) for b in doc.blocks if b.kind == "heading"] == [
        ("Guide Zorglub", ("Guide Zorglub",)), ("Installation", ("Guide Zorglub", "Installation")),
        ("Mise à jour", ("Guide Zorglub", "Mise à jour"))]


def test_lists_code_options_and_tables(doc):
    """Items keep their numbers, code stays verbatim, options and table rows name what they describe."""
    assert [b.text for b in doc.blocks if b.kind == "item"] == [
        "débrancher les capteurs", "lancer la mise à jour", "1. premier pas", "2. second pas"]
    assert [b.text for b in doc.blocks if b.kind == "code"] == ["zorglub --reseau 10.0.0.1"]
    assert "--reseau ADRESSE : L'adresse du capteur." in [b.text for b in doc.blocks]
    assert [b.text for b in doc.blocks if b.kind == "row"] == ["Option : -y · Effet : Répond oui"]


def test_sphinx_roles_and_directives_read_as_text(doc):
    """Roles show their text, directives their content; no markup, no build directive, no error message."""
    texts = [b.text for b in doc.blocks]
    assert "Note : Une note importante." in texts
    assert "Voir la mise à jour, connecter et intro." in texts
    assert "New in version 2.0 : Le mode silencieux." in texts
    assert "connecter(adresse, essais=3) : Ouvre la connexion." in texts
    assert "Linux : Sous Linux, lancez le service." in texts
    assert "Contenu gardé." in texts
    assert "version est affichée par zorglub --version." in texts
    joined = "\n".join(texts)
    for markup in (":ref:", ":func:", "`", ".. ", "toctree", "maxdepth", "automodule", ":members:",
                   "Unknown", "ERROR", "|"):
        assert markup not in joined, markup


def test_blocks_start_on_their_source_lines(doc):
    """Each block's first line in the source holds its first word."""
    lines = SOURCE.splitlines()
    for b in doc.blocks:
        if b.kind in ("heading", "paragraph", "item", "code") and not b.text.startswith(("New in", "Note")):
            word = b.text.split()[0].lstrip("0123456789.") or b.text.split()[1]
            assert word in lines[b.line_start - 1], b


def test_includes_read_the_documents_folder_only(tmp_path):
    """include and literalinclude insert files of the documents folder, at the directive's line; a file
    outside the folder, a missing one or the page itself is dropped, never read nor quoted."""
    docs = tmp_path / "docs"
    (docs / "snippets").mkdir(parents=True)
    (tmp_path / "secret.txt").write_text("MOT DE PASSE", encoding="utf-8")
    (docs / "snippets" / "commun.rst").write_text("Partagé\n-------\n\nTexte partagé.\n", encoding="utf-8")
    (docs / "snippets" / "exemple.py").write_text("import os\n\n\ndef connecter():\n    return 1\n",
                                                  encoding="utf-8")
    page = docs / "page.rst"
    page.write_text("Titre\n=====\n\n.. include:: snippets/commun.rst\n\n"
                    ".. literalinclude:: /snippets/exemple.py\n   :lines: 4-5\n\n"
                    ".. include:: ../secret.txt\n\n"
                    f".. include:: {tmp_path}/secret.txt\n\n"
                    ".. literalinclude:: absent.py\n\n.. include:: page.rst\n\n.. include:: <isonum.txt>\n\n"
                    "Fin.\n", encoding="utf-8")
    read = read_document("page.rst", page)
    assert [(b.kind, b.text, b.section, b.line_start) for b in read.blocks] == [
        ("heading", "Partagé", ("Titre", "Partagé"), 4),
        ("paragraph", "Texte partagé.", ("Titre", "Partagé"), 4),
        ("code", "def connecter():\n    return 1", ("Titre", "Partagé"), 6),
        ("paragraph", "Fin.", ("Titre", "Partagé"), 19),
    ]


def test_malformed_markup_is_read_without_messages():
    """Broken markup (an unclosed role, a bad table) yields its words, never docutils' error reports."""
    reading = read_rst("Titre\n=====\n\nUn :ref:`non fermé et *gras.\n\n+---+\n| a |\n\nFin du texte.\n")
    joined = " ".join(b.text for b in reading.blocks)
    assert "Fin du texte." in joined and "ERROR" not in joined and "Malformed" not in joined


def test_real_sphinx_page_reads_with_its_sections():
    """python-docx's "Working with Text" (a Sphinx page): sections, literal blocks, substitutions as names."""
    doc = read_fixture("python-docx-text.rst")
    assert doc.title == "Working with Text"
    tab = next(b for b in doc.blocks if b.kind == "heading" and b.text == "Tab stops")
    assert tab.section == ("Working with Text", "Paragraph properties", "Tab stops")
    para = next(b for b in doc.blocks if b.text.startswith("Indentation is specified"))
    assert para.text.startswith("Indentation is specified using a Length value, such as Inches, Pt, or Cm.")
    lines = source_lines("python-docx-text.rst")
    assert "Indentation is specified" in lines[para.line_start - 1]
    code = next(b for b in doc.blocks if b.kind == "code" and "add_tab_stop" in b.text)
    assert code.section[-1] == "Tab stops"


def test_an_options_later_paragraphs_carry_its_term():
    """Every block of an option's description after the first names the option it is about."""
    source = ("Options\n=======\n\n--force\n    Supprime les fichiers.\n\n    Sans elle, rien n'est supprime.\n\n"
              "--quiet\n    Silencieux.\n")
    blocks = read_rst(source).blocks
    later = next(b for b in blocks if b.text.startswith("Sans elle"))
    assert later.lead == "--force"
    assert next(b for b in blocks if b.text.startswith("--quiet")).lead == "--quiet"
