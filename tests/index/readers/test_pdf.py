"""PDF: text with its spacing and accents, paragraphs rebuilt, page furniture dropped, a page for every block.

guide.pdf is a real pdflatex output (source: fixtures/guide.tex): accents drawn as glyphs of their own, a
running header and page number on each page, a contents page, words hyphenated at line ends, an outline.
"""

from __future__ import annotations

import logging
import re

import pytest

from index.documents import Skipped, read_document
from tests.pdfs import pdf_file

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


def _placed_pdf(*pages: list[tuple[float, float, str, str | list]]) -> bytes:
    """A PDF showing on each page each (x, y, font, text) where it says, at 10 pt.

    Fonts: F1 Helvetica, F2 Helvetica-Bold, F3 Courier; "F2 14" sets one at 14 pt.

    A text that is a list of (string, kern) pairs is shown in one go (TJ), as LaTeX sets a table row.
    """
    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    fonts = tuple(b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>" % name
                  for name in (b"Helvetica", b"Helvetica-Bold", b"Courier"))
    kids = " ".join(f"{6 + 2 * i} 0 R" for i in range(len(pages))).encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(pages)),
               *fonts]
    for i, texts in enumerate(pages):
        ops = []
        for x, y, font, text in texts:
            shown = f"({esc(text)}) Tj" if isinstance(text, str) else \
                "[" + " ".join(f"({esc(s)}) {k}" for s, k in text) + "] TJ"
            name, _, size = font.partition(" ")
            ops.append(f"BT /{name} {size or 10} Tf 1 0 0 1 {x} {y} Tm {shown} ET")
        stream = "\n".join(ops).encode("cp1252")
        objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R "
                    b"/F2 4 0 R /F3 5 0 R >> >> /Contents %d 0 R >>" % (7 + 2 * i),
                    b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream"]
    return pdf_file(objects)


PROSE = ("Le serveur principal fait tourner plusieurs services pour tout le réseau de l'école, et chacun "
         "d'eux porte un nom", "sous lequel les machines le trouvent ; le tableau ci-dessous les donne tous.")


def _read_placed(tmp_path, name: str, *pages: list[tuple[float, float, str, str | list]]):
    """The document read from a PDF `name` made by `_placed_pdf(*pages)` in `tmp_path`."""
    path = tmp_path / name
    path.write_bytes(_placed_pdf(*pages))
    return read_document(name, path)


def test_table_rows_keep_their_column_labels(tmp_path):
    """A PDF table's rows come out one by one, each cell under its column's bold label, wrapped cells whole."""
    texts = [(72, 700, "F1", PROSE[0]), (72, 688, "F1", PROSE[1]),
             (80, 660, "F2", "Service"), (250, 660, "F2", "Nom usuel"), (400, 660, "F2", "Nom DNS")]
    rows = [("Courrier", "IMAP (Dovecot)", "postoffice"), ("Impression", "CUPS", "ipp"),
            ("Synchronisation de", "NTP", "ntp")]
    y = 648
    for service, name, dns in rows:
        texts += [(80, y, "F1", service), (250, y, "F1", name), (400, y, "F1", dns)]
        y -= 24
    texts.append((80, y + 12, "F1", "l'horloge"))  # the last cell wrapped over a second line
    after = ["Tous les services demandent le même mot de passe, gardé dans l'annuaire central de",
             "l'école ; un compte ouvert une fois sert partout, sur toutes les machines du réseau,",
             "que ce soit pour lire son courrier, imprimer un document ou ouvrir une session sur",
             "un poste de la salle informatique."]
    texts += [(72, y - 20 - 12 * k, "F1", line) for k, line in enumerate(after)]
    doc = _read_placed(tmp_path, "services.pdf", texts)
    assert [b.text for b in doc.blocks if b.kind == "row"] == [
        "Service : Courrier · Nom usuel : IMAP (Dovecot) · Nom DNS : postoffice",
        "Service : Impression · Nom usuel : CUPS · Nom DNS : ipp",
        "Service : Synchronisation de l'horloge · Nom usuel : NTP · Nom DNS : ntp"]
    assert [b.kind for b in doc.blocks] == ["paragraph", "row", "row", "row", "paragraph"]
    assert (doc.blocks[0].text, doc.blocks[-1].text) == (" ".join(PROSE), " ".join(after))


def test_a_table_set_line_by_line_takes_its_labels_from_words_over_numbers(tmp_path):
    """Rows set each in one go (as LaTeX does) are cut at their wide gaps; a first row of words over numbers labels."""
    texts = [(72, 700, "F1", [("Borne", -4000), ("Nom", -9000), ("Description", 0)])]
    for n, (name, what) in enumerate([("GND", "Masse"), ("IN1", "Entrée analogique"), ("SQR1", "Sortie carrée")], 1):
        texts.append((72, 700 - 14 * n, "F1", [(str(n), -6200), (name, -7000), (what, 0)]))
    doc = _read_placed(tmp_path, "bornes.pdf", texts)
    assert [b.text for b in doc.blocks if b.kind == "row"] == [
        "Borne : 1 · Nom : GND · Description : Masse",
        "Borne : 2 · Nom : IN1 · Description : Entrée analogique",
        "Borne : 3 · Nom : SQR1 · Description : Sortie carrée"]


def test_a_sentence_around_a_picture_is_not_a_table(tmp_path):
    """A line with a wide gap where a picture sits stays a sentence of its paragraph."""
    texts = [(72, 700, "F1", "Lancez la composition par un clic sur le bouton vert"),
             (400, 700, "F1", "ou par le menu,"),
             (72, 686, "F1", "puis attendez que la fenetre de sortie affiche la fin du travail."),
             (72, 672, "F1", "Le document compose apparait alors dans"), (330, 672, "F1", "la fenetre de droite.")]
    doc = _read_placed(tmp_path, "prose.pdf", texts)
    assert {b.kind for b in doc.blocks} == {"paragraph"}
    assert doc.blocks[0].text.startswith("Lancez la composition par un clic sur le bouton vert ou par le menu, puis")


def test_running_headers_naming_chapter_and_section_are_dropped(tmp_path):
    """A running header "CHAPITRE n | n.m SECTION", whose section part changes page after page, is not text."""
    sections = ["1.1 PREMIERE QUESTION", "1.2 DEUXIEME QUESTION", "1.3 TROISIEME QUESTION", "2.1 AUTRE CHOSE"]
    pages = []
    for n, section in enumerate(sections):
        chapter = "CHAPITRE 1. DEFINITIONS" if n < 3 else "CHAPITRE 2. INSTALLATION"
        word = ("alpha", "beta", "gamma", "delta")[n]
        body = [(72, 700 - 12 * k, "F1", f"Ligne {'abcdefgh'[k]} du texte {word}, qui continue sans fin de phrase et")
                for k in range(8)]
        pages.append([(72, 760, "F1", chapter), (350, 760, "F1", section), *body, (300, 40, "F1", str(n + 1))])
    text = " ".join(b.text for b in _read_placed(tmp_path, "faq.pdf", *pages).blocks)
    assert "CHAPITRE" not in text and "QUESTION" not in text and "AUTRE CHOSE" not in text
    assert all(f"Ligne {c} du texte delta" in text for c in "abcdefgh")


def test_command_lines_stay_whole_and_prose_opening_with_a_command_is_prose(tmp_path):
    """A typewriter line keeps "task-desktop" whole; a sentence that opens with a command is not code."""
    texts = [(72, 700, "F1", "Pour installer un bureau minimal, tapez ces commandes :"),
             (72, 680, "F3", "sudo apt install task"), (72 + 21 * 6 + 1.6, 680, "F3", "-desktop"),
             (72, 660, "F3", "cron-apt"),
             (72 + 8 * 6 + 3, 660, "F1", "vous signalera chaque jour les paquets à mettre à niveau, sans"),
             (72, 648, "F1", "rien installer lui-même.")]
    blocks = [(b.kind, b.text) for b in _read_placed(tmp_path, "commandes.pdf", texts).blocks]
    assert blocks == [("paragraph", "Pour installer un bureau minimal, tapez ces commandes :"),
                      ("code", "sudo apt install task-desktop"),
                      ("paragraph", "cron-apt vous signalera chaque jour les paquets à mettre à niveau, sans rien "
                                    "installer lui-même.")]


def test_a_smaller_heading_under_a_heading_opens_its_own_section(tmp_path):
    """"Objectif" set small under "2.3 Calibration" is a section of it; "Chapitre 2" over its title is one heading."""
    body = "Le courant traverse la résistance connue puis la résistance inconnue, et la tension est mesurée."
    texts = [(72, 740, "F2 14", "Chapitre 2"), (72, 716, "F2 18", "Électricité"),
             (72, 680, "F2 14", "2.3 Calibration de la source"), (72, 660, "F2 12", "Objectif"),
             *[(72, 640 - 12 * k, "F1", body) for k in range(3)],
             (72, 590, "F2 12", "Procédure"), *[(72, 570 - 12 * k, "F1", body) for k in range(3)]]
    blocks = _read_placed(tmp_path, "manuel.pdf", texts).blocks
    assert [(b.level, b.text) for b in blocks if b.kind == "heading"] == [
        (1, "Chapitre 2 Électricité"), (2, "2.3 Calibration de la source"), (3, "Objectif"), (3, "Procédure")]
    assert next(b for b in blocks if b.kind == "paragraph").section == (
        "Chapitre 2 Électricité", "2.3 Calibration de la source", "Objectif")


def test_paths_and_urls_broken_at_the_margin_are_joined_whole(tmp_path):
    """A path or URL cut at a line end reads whole; a path ending a phrase keeps its space."""
    lines = ["Le dossier se trouve sous Windows dans C:\\Users\\nom\\AppData\\Roaming\\TUG\\",
             "TeXworks, sous Linux dans .local/", "share/TUG/TeXworks et le site est (http:",
             "//tug.org/texworks/) ; modifiez les fichiers de /etc/network/interfaces.d/",
             "ou le fichier principal pour cela."]
    texts = [(72, 700 - 12 * k, "F1", line) for k, line in enumerate(lines)]
    text = _read_placed(tmp_path, "chemins.pdf", texts).blocks[0].text
    assert "AppData\\Roaming\\TUG\\TeXworks, sous Linux dans .local/share/TUG/TeXworks" in text
    assert "(http://tug.org/texworks/)" in text and "interfaces.d/ ou le fichier" in text


def test_a_numbered_note_running_back_to_the_margin_stays_one_block(tmp_path):
    """A footnote "1. ..." whose next line runs on at the margin is one block; the next item is another."""
    full = "Le programme lit la configuration puis lance chacun des services dans l'ordre voulu par"
    texts = [(57, 700 - 12 * k, "F1", full) for k in range(4)]
    texts += [(68, 640, "F1", "1. En 2014, Debian a change son systeme d'initialisation par defaut, System V, pour"),
              (57, 628, "F1", "systemd, et la version 8 a ete la premiere a le livrer ainsi, en avril 2015."),
              (68, 616, "F1", "2. Une seconde note.")]
    items = [b.text for b in _read_placed(tmp_path, "notes.pdf", texts).blocks if b.kind == "item"]
    assert items == ["1. En 2014, Debian a change son systeme d'initialisation par defaut, System V, pour systemd, "
                     "et la version 8 a ete la premiere a le livrer ainsi, en avril 2015.", "2. Une seconde note."]
