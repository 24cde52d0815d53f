"""Markdown: front-matter title, headings as sections, code fences verbatim, lists and tables, source lines."""

from __future__ import annotations

import pytest

from index.documents import read_document
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


# -- MkDocs: Python-Markdown's and pymdown-extensions' syntax

MKDOCS_PAGE = """\
---
title: Paramètres
---

# Paramètres de requête { #query-parameters }

Texte d'introduction.
{: .lead }

!!! note "Note technique"
    Le corps de la note.

    Deuxième paragraphe.

??? tip
    Une astuce repliée.

!!! warning ""
    Sans titre.

/// warning | Attention
    type: danger

Ne pas faire ça.
///

=== "Python 3.10+"

    ```python
    print("x")
    ```

=== "Python 3.8"

    Texte d'onglet.

## Code inclus {: #code .titre }

![Schéma](schema.png){ width="300" }

??? "Pour aller plus loin"
    Le mode expert[^1] se règle à part.

{{ IDE('scripts/exemple.py') }}

{{ terminal(FILL="import random",
            TERM_H=10) }}

[^1]: Réservé aux administrateurs.
"""


def test_mkdocs_page_reads_as_the_built_site():
    """A MkDocs page reads the same from its Markdown source as from the HTML mkdocs built from it."""
    source = read_fixture("mkdocs-src/installation.md")
    built = read_fixture("mkdocs.html")
    assert [(b.kind, b.text, b.section) for b in source.blocks] == [(b.kind, b.text, b.section) for b in built.blocks]


def test_admonitions_blocks_and_tabs_are_callouts_with_their_title():
    """`!!!`, `???`, `///` and `===` bodies are text labelled with their title, never indented code."""
    reading = read_markdown(MKDOCS_PAGE)
    texts = [(b.kind, b.text.rstrip()) for b in reading.blocks]
    assert ("paragraph", "Note technique : Le corps de la note.") in texts
    assert ("paragraph", "Deuxième paragraphe.") in texts
    assert ("paragraph", "Tip : Une astuce repliée.") in texts
    assert ("paragraph", "Sans titre.") in texts
    assert ("paragraph", "Attention : Ne pas faire ça.") in texts
    assert ("paragraph", "Python 3.8 : Texte d'onglet.") in texts
    assert ("paragraph", "Pour aller plus loin : Le mode expert se règle à part.") in texts
    # A titled code block: the title goes first, on its own, and the code stays code.
    i = texts.index(("paragraph", "Python 3.10+"))
    assert texts[i + 1] == ("code", 'print("x")')
    assert not any(marker in b.text for b in reading.blocks for marker in ("!!!", "???", "///", "===", "type:"))


def test_macros_and_footnote_marks_are_not_text():
    """mkdocs-macros calls (on one line or several) are dropped; footnotes keep their text, not their marks."""
    texts = [b.text for b in read_markdown(MKDOCS_PAGE).blocks]
    assert "Réservé aux administrateurs." in texts
    assert not any(s in t for t in texts for s in ("{{", "}}", "IDE(", "TERM_H", "[^"))


def test_attribute_lists_are_anchors_not_words():
    """`{ #id }` on a heading is its anchor; attribute lists elsewhere are not text."""
    reading = read_markdown(MKDOCS_PAGE)
    headings = [(b.text, b.anchor) for b in reading.blocks if b.kind == "heading"]
    assert headings == [("Paramètres de requête", "query-parameters"), ("Code inclus", "code")]
    assert reading.title == "Paramètres"
    intro = next(b for b in reading.blocks if b.text.startswith("Texte d'introduction"))
    assert (intro.text, intro.anchor) == ("Texte d'introduction.", "query-parameters")
    assert not any("{" in b.text for b in reading.blocks)


def test_callouts_keep_their_source_lines():
    """A callout's body, once dedented, still cites its lines in the file, from its title's line."""
    reading = read_markdown(MKDOCS_PAGE)
    lines = MKDOCS_PAGE.splitlines()
    for b in reading.blocks:
        if b.kind == "code":  # cited with its fence lines
            continue
        assert b.text.split()[0].casefold() in lines[b.line_start - 1].casefold(), b
        assert b.text.split()[-1].strip('.")') in lines[b.line_end - 1], b
    note = next(b for b in reading.blocks if b.text.startswith("Note technique"))
    assert (note.line_start, note.line_end) == (10, 11)


def _site(tmp_path):
    docs = tmp_path / "docs"
    (docs / "src").mkdir(parents=True)
    (tmp_path / "ailleurs.md").write_text("SECRET hors du dossier\n", encoding="utf-8")
    (docs / "src" / "exemple.py").write_text("import os\n\n\ndef connecter():\n    return os.getpid()\n",
                                             encoding="utf-8")
    (docs / "src" / "extrait.md").write_text("Texte **inclus** depuis un extrait.\n\n"
                                              "--8<-- [start:court]\nPartie courte.\n--8<-- [end:court]\n",
                                              encoding="utf-8")
    page = docs / "guide" / "page.md"
    page.parent.mkdir()
    page.write_text("""\
# Inclusions

{* ../src/exemple.py ln[4:5] hl[1] *}

--8<-- "src/extrait.md"

--8<-- "src/extrait.md:court"

```bash
--8<-- "src/exemple.py:1:1"
```

{* ../../ailleurs.md *}

--8<-- "../ailleurs.md"

--8<-- "/etc/hostname"

--8<-- "absent.md"

Fin.
""", encoding="utf-8")
    return docs, page


def test_snippets_and_includes_inside_the_folder_are_read(tmp_path):
    """Included files of the documents folder take the directive's place, cited at the directive's line."""
    docs, page = _site(tmp_path)
    doc = read_document("guide/page.md", page)
    blocks = [(b.kind, b.text, b.line_start) for b in doc.blocks]
    assert blocks == [
        ("code", "def connecter():\n    return os.getpid()", 3),
        ("paragraph", "Texte inclus depuis un extrait.", 5),
        ("paragraph", "Partie courte.", 5),
        ("paragraph", "Partie courte.", 7),
        ("code", "import os", 9),
        ("paragraph", "Fin.", 21),
    ]


def test_snippets_outside_the_folder_are_dropped_never_quoted(tmp_path):
    """A snippet of a file outside the documents folder, or missing, is dropped: neither read nor quoted."""
    docs, page = _site(tmp_path)
    text = read_document("guide/page.md", page).text
    for never in ("SECRET", "--8<--", "{*", "ailleurs", "absent", "hostname"):
        assert never not in text


def test_callouts_nested_past_reason_are_read_as_lines():
    """Callouts nested hundreds deep (a hostile file) are read without failing, their words kept."""
    source = "".join("    " * k + f'!!! note "Niveau {k}"\n' for k in range(300)) + "    " * 300 + "Le fond.\n"
    reading = read_markdown(source)
    assert reading.blocks and "Niveau 0" in reading.blocks[0].text
    assert any("Le fond." in b.text for b in reading.blocks)


CONTAINER_PAGE = """# Guide

::: tip Exemple de catégories
Le corps de l'astuce.
:::

:::warning[Séparateurs]
Pas de virgule.
:::

::: tip Tout le conseil tient sur cette ligne.
:::

:::: details Dehors
Texte dehors.
::: tip Dedans
Texte dedans.
:::
Encore dehors.
::::

```
::: pas un conteneur
```
"""


def test_colon_fenced_containers_are_callouts_and_never_lose_text():
    """VuePress/Docusaurus `::: type Title` containers are labelled text; nested ones and code fences hold."""
    blocks = read_markdown(CONTAINER_PAGE).blocks
    texts = [(b.kind, b.text.rstrip()) for b in blocks]
    assert ("paragraph", "Exemple de catégories : Le corps de l'astuce.") in texts
    assert ("paragraph", "Séparateurs : Pas de virgule.") in texts
    assert ("paragraph", "Tout le conseil tient sur cette ligne.") in texts  # a title with nothing under it is text
    assert ("paragraph", "Dedans : Texte dedans.") in texts
    assert ("paragraph", "Encore dehors.") in texts
    assert ("code", "::: pas un conteneur") in texts
    assert not any(b.text.strip().startswith(":::") for b in blocks if b.kind != "code")


def test_a_callout_title_written_as_a_link_reads_as_its_words():
    """A container titled with HTML or a Markdown link labels its text with the link's words alone."""
    source = ('::: tip <a href="1-api-adresse">API Adresse (BAN)</a>\nElle permet de chercher une adresse.\n:::\n\n'
              '!!! note "[Guide **complet**](guide.md)"\n    Lisez-le en entier.\n')
    texts = [b.text for b in read_markdown(source).blocks]
    assert texts == ["API Adresse (BAN) : Elle permet de chercher une adresse.", "Guide complet : Lisez-le en entier."]
