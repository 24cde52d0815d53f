"""HTML pages: main content only, headings as sections, tables by row, anchors and source lines."""

from __future__ import annotations

import html
import re
import time

import pytest

from index.documents import Skipped, read_document
from index.passages import split_document
from index.readers.html import read_html

from .conftest import read_fixture, source_lines

# (fixture, title, texts a reader finds, texts that are page chrome and must not be read)
PAGES = [
    ("sphinx.html", "3. Gestion des paquets",
     ["Ce chapitre décrit comment le gestionnaire zorglub installe", "Option : -y · Effet : Répond oui",
      "purge : retire le paquet et ses fichiers de configuration.",
      "Note : La commande demande une confirmation avant de modifier le système."],
     ["Navigation", "suivant", "précédent", "Sphinx", "Copyright", "¶", "Recherche rapide", "Table des matières",
      "Montrer le code source", "Documentation Guide Zorglub", "index", "Go"]),
    ("docbook.html", "Chapitre 2. Paquets et services",
     ["Paquet : w3m · Popcon : V:14, I:190 · Description : navigateur web en mode texte",
      "Description du service : Synchronisation de l'horloge · Nom DNS du service : ntp",
      "Note : La popularité vient du concours de popularité de Debian.", "--reseau : Règle l'adresse du serveur."],
     ["Précédent", "Suivant", "Sommaire", "Démarrage rapide", "Questions fréquentes", "Table des matières",
      "[Note]"]),
    ("plain.html", "Zorglub : le boîtier de mesure",
     ["Le boîtier Zorglub mesure des tensions", "Entrée : A1 · Plage : -5 V à +5 V",
      "Voir aussi la page des mesures pour les réglages."],
     ["Accueil", "Produits", "Français", "English", "Rechercher", "Démarrage", "Dépannage", "Publicité",
      "Zorglub Pro", "droits réservés", "Mentions légales", "SECRET", "vertical-align"]),
    ("mkdocs.html", "Installation",
     ["Le boîtier Zorglub se branche sur un ordinateur", "Option : -y · Effet : Répond oui à toutes les questions.",
      "Note : La commande demande une confirmation."],
     ["Aller au contenu", "Made with", "Material for MkDocs", "Rechercher", "Guide Zorglub", "Accueil", "¶"]),
]
PAGE_IDS = [p[0] for p in PAGES]


@pytest.mark.parametrize(("name", "title", "present", "absent"), PAGES, ids=PAGE_IDS)
def test_page_content_without_its_chrome(name, title, present, absent):
    """Each generator's page gives its title and its content; navigation, footers, sidebars and search are gone."""
    doc = read_fixture(name)
    assert doc.title == title
    text = "\n".join(b.text for b in doc.blocks)
    for phrase in present:
        assert phrase in text
    for chrome in absent:
        assert not re.search(rf"(?<!\w){re.escape(chrome)}(?!\w)", text), chrome


@pytest.mark.parametrize("name", PAGE_IDS)
def test_block_lines_point_at_the_source(name):
    """A block's lines are lines of the .html file that hold its text (its last words end there)."""
    encoding = "cp1252" if name == "plain.html" else "utf-8"
    lines = source_lines(name, encoding)
    for b in read_fixture(name).blocks:
        assert 1 <= b.line_start <= b.line_end <= len(lines), b
        span = html.unescape(" ".join(lines[b.line_start - 1:b.line_end]))
        own = b.text.rsplit(" : ", 1)[-1]  # a row's headers and a callout's label are not on its lines
        for word in re.findall(r"\w+", own)[-2:]:
            assert word in span, (b, word)


def test_sphinx_sections_anchors_and_code():
    """Headings give the section path (the page's own title aside), blocks carry the nearest id, code is verbatim."""
    blocks = read_fixture("sphinx.html").blocks
    heading = next(b for b in blocks if b.kind == "heading" and "Installer" in b.text)
    assert (heading.text, heading.level, heading.section) == ("3.1. Installer un paquet", 2,
                                                              ("3. Gestion des paquets", "3.1. Installer un paquet"))
    code = next(b for b in blocks if b.kind == "code")
    assert code.text == "zorglub install paquet\nzorglub verify"
    assert code.anchor == "installer-un-paquet" and code.section[-1:] == ("3.1. Installer un paquet",)
    first = blocks[0]
    assert first.section == ("3. Gestion des paquets",) and first.anchor == "pkgs"  # the last id before it
    assert [b.kind for b in blocks].count("row") == 2
    assert [b.text for b in blocks if b.kind == "item"] == [
        "Les paquets dont dépend un autre paquet ne sont pas retirés.", "Le journal garde la trace de chaque retrait."]


def test_docbook_tables_captions_and_anchors():
    """A DocBook table is read row by row under its headers, its title is a caption; layout tables are not rows."""
    blocks = read_fixture("docbook.html").blocks
    rows = [b for b in blocks if b.kind == "row"]
    assert len(rows) == 4
    assert all(b.section[-1:] == ("Liste des paquets",) for b in rows[:2])
    captions = [b.text for b in blocks if b.kind == "caption"]
    assert captions == ["Tableau 2.1. Navigateurs en mode texte", "Liste des services"]
    assert {b.anchor for b in blocks if b.section[-1:] == ("Services du serveur",)} == {"secServices"}
    assert not any("Note" == b.text for b in blocks)  # the callout's label leads its text


def test_title_falls_back_to_the_first_heading():
    """A page without <title> is named by its first h1, which is then not a block of its own."""
    doc = read_html("<body><h1>Guide rapide</h1><p>Premier paragraphe.</p><h2>Détails</h2><p>Suite.</p></body>")
    assert doc.title == "Guide rapide"


def test_a_header_box_holding_the_pages_first_section_is_read():
    """A manual page's NAME line, kept in a box named "header" with the title, is read; a site's header is not."""
    page = ('<html><head><title>zorg-clean(1)</title></head><body>'
            '<div id="header"><h1>zorg-clean(1) Manual Page</h1><h2>NAME</h2>'
            '<div class="sectionbody"><p>zorg-clean - Remove untracked files from the working tree</p></div></div>'
            '<div id="content"><h2>OPTIONS</h2><p>Options follow.</p></div></body></html>')
    texts = [b.text for b in read_html(page).blocks]
    assert "zorg-clean - Remove untracked files from the working tree" in texts
    site = ('<body><div class="header"><h1>Zorg Inc.</h1><p>Since 1990</p></div>'
            '<div><h2>Intro</h2><p>Content here.</p></div></body>')
    assert [b.text for b in read_html(site).blocks] == ["Intro", "Content here."]


def test_link_dense_boxes_are_dropped_but_prose_with_links_stays():
    """A box that is mostly links is a menu; a paragraph with a few links is content."""
    page = ("<body><div><a href=a>Un</a> <a href=b>Deux</a> <a href=c>Trois</a> <a href=d>Quatre</a></div>"
            "<p>Le <a href=x>manuel</a> explique la configuration du réseau en détail, étape par étape.</p></body>")
    texts = [b.text for b in read_html(page).blocks]
    assert texts == ["Le manuel explique la configuration du réseau en détail, étape par étape."]


def test_hidden_elements_and_permalinks_are_not_text():
    """Invisible elements and permalink signs (¶, #) are not read."""
    page = ('<body><h2 id="s">Réglages<a class="anchor" href="#s">#</a></h2><p hidden>caché</p>'
            '<div style="display: none">invisible</div><p aria-hidden="true">masqué</p><p>Visible.</p></body>')
    blocks = read_html(page).blocks
    assert [(b.kind, b.text) for b in blocks] == [("heading", "Réglages"), ("paragraph", "Visible.")]


def test_lines_past_65535_are_counted(tmp_path):
    """Line numbers stay right in a very long file (libxml2 stops counting at 65535)."""
    path = tmp_path / "long.html"
    path.write_text("<html><body>\n" + "".join(f"<p>ligne {i}</p>\n" for i in range(1, 70001)) + "</body></html>")
    doc = read_document("long.html", path)
    last = doc.blocks[-1]
    assert (last.text, last.line_start) == ("ligne 70000", 70001)


@pytest.mark.parametrize("page", [
    "<div>" * 100_000 + "profond" + "</div>" * 100_000,
    "<table><tr><td>" * 3000 + "x" + "</td></tr></table>" * 3000,
    "<p>" + "<b><i>" * 50_000 + "texte" + "</i></b>" * 50_000 + "</p>",
], ids=["nested-divs", "nested-tables", "nested-inline"])
def test_deeply_nested_html_is_read_without_crashing(page):
    """Pathologically nested pages are read (or given up on) quickly, without a crash."""
    start = time.monotonic()
    reading = read_html(page)
    assert isinstance(reading.blocks, list)
    assert time.monotonic() - start < 30


def test_empty_and_script_only_pages_are_skipped(tmp_path):
    """A page with no visible text is skipped as empty."""
    path = tmp_path / "vide.html"
    path.write_text("<html><head><title>Vide</title><script>x()</script></head><body><nav>Menu</nav></body></html>")
    assert read_document("vide.html", path) == Skipped("vide.html", "empty")


def test_a_definitions_second_paragraph_names_its_term_when_it_opens_a_passage(tmp_path):
    """An option's second paragraph, cut into a passage of its own, still says which option it is about."""
    first = " ".join(f"Le premier effet numéro {i} de cette option est décrit ici." for i in range(10))
    second = "Sans elle, les fichiers suivis restent en place et rien n'est supprimé du dépôt."
    path = tmp_path / "manuel.html"
    path.write_text(f"<html><body><h1>Manuel</h1><h2>Options</h2><dl><dt>--force</dt>"
                    f"<dd><p>{first}</p><p>{second}</p><pre>git clean --force</pre></dd>"
                    f"<dt>--quiet</dt><dd><p>Silencieux.</p></dd></dl></body></html>")
    doc = read_document("manuel.html", path)
    passages = [p.text for p in split_document(doc, max_tokens=60)]
    assert len(passages) >= 3
    assert all(p.startswith("--force : ") and p.count("--force : ") == 1
               for p in passages if "effet" in p or "Sans" in p)
    unshared = [p.text for p in split_document(doc, max_tokens=60, overlap=False)]
    assert any(p.startswith(f"--force : {second}") for p in unshared)
    assert [b.text for b in doc.blocks if b.kind == "code"] == ["git clean --force"]


def test_white_space_between_inline_elements_parts_words():
    """Words in separate inline elements, parted only by a line break in the source, are not glued together."""
    reading = read_html('<html><body><div><span>Voyez le manuel pour plus</span>\n  <span>d\'informations</span> '
                        '<span>sur</span><span>\u00a0ce point.</span><p>Suite.</p></div></body></html>')
    assert [b.text for b in reading.blocks] == ["Voyez le manuel pour plus d'informations sur\u00a0ce point.", "Suite."]


def test_asciidoc_admonition_tables_read_as_labelled_notes():
    """An AsciiDoc admonition (a table of icon and content) reads "Note : text", not a table row."""
    page = ('<html><body><div id="content"><div class="paragraph"><p>Avant.</p></div><div class="admonitionblock">'
            '<table><tr><td class="icon"><div class="title">Note</div></td><td class="content">Ceci peut réécrire '
            "l'historique publié.</td></tr></table></div></div></body></html>")
    blocks = read_html(page).blocks
    assert [(b.kind, b.text) for b in blocks] == [("paragraph", "Avant."),
                                                 ("paragraph", "Note : Ceci peut réécrire l'historique publié.")]


def test_tex4ht_navigation_links_and_contents_are_not_text():
    """A TeX4ht page's [next] [prev] [up] links and its contents are page furniture."""
    page = ('<html><body><div class="crosslinks"><p>[<a href="a.html">next</a>] [<a href="b.html">prev</a>] '
            '[<a href="index.html">up</a>]</p></div><div class="tableofcontents"><span class="chapterToc">1 '
            '<a href="c.html">Introduction</a></span></div><h1>Installation</h1><p>Installez une distribution TeX '
            'avant de lancer le programme.</p></body></html>')
    assert [b.text for b in read_html(page).blocks] == ["Installation",
                                                        "Installez une distribution TeX avant de lancer le programme."]
