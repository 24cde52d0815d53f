"""Plain text: reflowed paragraphs, underlined and numbered headings, grid tables as rows, no drawing."""

from __future__ import annotations

import pytest

from index.readers.text import read_text

from .conftest import read_fixture, source_lines


@pytest.fixture(scope="module")
def wrapped():
    return read_fixture("wrapped.txt")


def test_underlined_title_and_headings(wrapped):
    """The underlined heading at the top is the title; the next underline style is a level below it."""
    assert wrapped.title == "Guide du boîtier Zorglub"
    headings = [(b.level, b.text, b.section) for b in wrapped.blocks if b.kind == "heading"]
    assert headings[0] == (2, "Installation", ("Guide du boîtier Zorglub", "Installation"))
    assert headings[1][1:] == ("2.1. Mesures de tension",
                               ("Guide du boîtier Zorglub", "Installation", "2.1. Mesures de tension"))


def test_hard_wrapped_paragraph_is_one_block(wrapped):
    """A wrapped line that starts with a capital ("Debian et") does not cut the paragraph."""
    first = wrapped.blocks[0]
    assert first.kind == "paragraph" and (first.line_start, first.line_end) == (4, 7)
    assert "démarre aussitôt. Debian et Ubuntu le reconnaissent sans pilote" in first.text


def test_list_items_keep_their_continuation_lines(wrapped):
    """Each item is one block, its wrapped line included."""
    items = [b.text for b in wrapped.blocks if b.kind == "item"]
    assert items == ["- débrancher les capteurs externes ;",
                     "- lancer la commande de mise à jour et attendre la fin du transfert ;",
                     "- rebrancher les capteurs."]


def test_grid_table_rows_with_headers_and_no_borders(wrapped):
    """An ASCII grid table is read row by row, cells spanning lines joined; borders and art are not text."""
    rows = [b.text for b in wrapped.blocks if b.kind == "row"]
    assert rows == [
        "paquet : w3m · popcon : V:14, I:190 · description : navigateur web en mode texte, avec prise en charge "
        "des tableaux",
        "paquet : lynx · popcon : V:3, I:25 · description : navigateur web en mode texte"]
    assert [b.text for b in wrapped.blocks if b.kind == "caption"] == ["Tableau 1. Navigateurs en mode texte"]
    text = "\n".join(b.text for b in wrapped.blocks)
    for drawing in ("+--", "|", "====", "----", "ADC", "--->"):
        assert drawing not in text


def test_every_block_starts_on_its_source_line(wrapped):
    """Each block's first line in the file holds its first words (the table's rows: their first cell)."""
    lines = source_lines("wrapped.txt")
    for b in wrapped.blocks:
        first = b.text.split(" : ", 1)[-1].split()[0] if b.kind == "row" else b.text.split()[0]
        assert first in lines[b.line_start - 1], b


@pytest.mark.parametrize(("text", "paragraphs"), [
    # One paragraph per line, lines longer than any terminal: each line is a paragraph.
    ("Premier paragraphe, assez long pour ne pas avoir été coupé par un éditeur de texte à la marge, "
     "qui continue encore un peu.\nDeuxième paragraphe, tout aussi long que le premier pour que le fichier ne "
     "ressemble pas à du texte coupé.\n", 2),
    # Wrapped at 60 columns: one paragraph, whatever the capitals.
    ("Le boîtier se branche par un câble USB sur le port que\nDebian reconnaît aussitôt, sans pilote ajouté ni\n"
     "réglage particulier.\n", 1),
    # A short line that ends a sentence, then a new one that would have fitted: two paragraphs.
    ("Le boîtier se branche par un câble USB sur le port que\nDebian reconnaît aussitôt.\n"
     "Une fenêtre annonce ensuite que le boîtier est prêt.\n", 2),
], ids=["line-per-paragraph", "wrapped", "short-break"])
def test_paragraphs_follow_the_authors_breaks(text, paragraphs):
    """Hard-wrapped lines are reflowed; a break the author meant is kept."""
    assert len([b for b in read_text(text).blocks if b.kind == "paragraph"]) == paragraphs


def test_contents_list_is_not_text():
    """A generated table of contents (numbered titles, nested) is dropped."""
    text = ("Table des matières\n\n1. Didacticiels\n    1.1. Bases pour la console\n    1.2. Système de fichiers\n"
            "2. Gestion des paquets\n\n1. Didacticiels\n\nLe texte du chapitre commence ici, enfin.\n")
    blocks = read_text(text).blocks
    assert [(b.kind, b.text) for b in blocks] == [("paragraph", "Table des matières"), ("heading", "1. Didacticiels"),
                                                  ("paragraph", "Le texte du chapitre commence ici, enfin.")]


def test_lines_of_equal_signs_are_neither_headings_nor_text():
    """A rule under a blank line is a separator; RST's simple-table borders are not text either."""
    blocks = read_text("Avant.\n\n==========\n\nAprès.\n\n=====  =====\nA      B\n=====  =====\n").blocks
    assert [b.kind for b in blocks] == ["paragraph", "paragraph", "paragraph"]
    assert "=" not in "".join(b.text for b in blocks)


ARTICLE = (  # as articles saved from the web come: a paragraph a line, headings as lines of their own
    "Le marché de l'IA est en effervescence depuis que Nvidia a obtenu le feu vert pour vendre ses puces en Chine.\n"
    "Le Retour en Force des Puces H200\n"
    "Après des mois de négociations intenses, Nvidia a obtenu de l'administration américaine l'autorisation de "
    "commercialiser ses GPU H200 en Chine.\n"
    "« Nous gérons notre chaîne d'approvisionnement pour que les ventes en Chine n'aient aucun impact sur nos "
    "clients aux États-Unis. »\n"
    "– Porte-parole de Nvidia\n"
    "Pourquoi une Telle Demande en Chine ?\n"
    "La Chine investit massivement dans l'intelligence artificielle depuis plusieurs années, et ses entreprises "
    "manquent de puces.\n"
    "Voici les domaines où l'impact pourrait être particulièrement visible, selon les analystes du secteur :\n"
    "- Les assistants virtuels et chatbots : des interactions plus naturelles et contextuelles qu'aujourd'hui.\n"
    "Les actions des gouvernements et des entreprises dans les semaines à venir seront cruciales pour la suite.\n"
    "Ça vous a plu ? 4.6/5 (30)\n"
    "Partagez maintenant.\n"
)


def test_unmarked_headings_of_a_text_article():
    """In a file that marks no heading, a short line of its own above longer prose opens a section."""
    blocks = read_text(ARTICLE).blocks
    assert [b.text for b in blocks if b.kind == "heading"] == ["Le Retour en Force des Puces H200",
                                                               "Pourquoi une Telle Demande en Chine ?"]
    by_text = {b.text.split()[0]: b for b in blocks}
    assert blocks[0].kind == "paragraph" and blocks[0].section == ()  # the opening one is before any section
    assert by_text["Après"].section == ("Le Retour en Force des Puces H200",)
    assert by_text["-"].section == ("Pourquoi une Telle Demande en Chine ?",)
    # A quote's attribution, a line ending with a colon, a rating above a short line: text, not headings.
    assert {by_text["–"].kind, by_text["Voici"].kind, by_text["Ça"].kind} <= {"paragraph", "item"}


def test_unmarked_headings_only_where_no_heading_is_marked():
    """A file with underlined or numbered headings keeps those alone: its other short lines are text."""
    text = "Guide\n=====\n\n" + ARTICLE
    headings = [b.text for b in read_text(text).blocks if b.kind == "heading"]
    assert headings == ["Guide"]


def test_numbered_question_headings_wrapped_over_lines_open_sections():
    """A FAQ's numbered questions, standing out left of the text and wrapped over lines, are its section headings."""
    source = """Chapitre 3. Choisir une distribution

3.1.6. Vous parlez de cas où testing est cassée. Qu'entendez-vous par
là ?

    Parfois, un paquet peut ne pas être installable par les outils de
    gestion des paquets, ou pas disponible du tout.

    Lorsque cela arrive, on dit que la distribution est cassée (du
    moins pour ce paquet).

3.1.7. Pourquoi testing peut-elle être cassée pendant plusieurs
mois ?

    Les corrections de bogues introduites dans unstable atterrissent
    dans testing après un certain nombre de jours.

    Disons que ce seuil est de cinq jours pour la plupart des paquets.

    1. Un paquet arrive.

    2. Il attend.
"""
    blocks = read_text(source).blocks
    assert [b.text for b in blocks if b.kind == "heading"] == [
        "Chapitre 3. Choisir une distribution",
        "3.1.6. Vous parlez de cas où testing est cassée. Qu'entendez-vous par là ?",
        "3.1.7. Pourquoi testing peut-elle être cassée pendant plusieurs mois ?"]
    body = next(b for b in blocks if b.text.startswith("Les corrections"))
    assert body.section[-1] == "3.1.7. Pourquoi testing peut-elle être cassée pendant plusieurs mois ?"
    assert [b.kind for b in blocks if b.text[:1].isdigit() and not b.text.startswith("3.")] == ["item", "item"]
