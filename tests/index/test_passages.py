"""Cutting documents into passages: sections as context, blocks packed whole, within the budget, citable."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import Document
from index.documents import Block, read_document, scan
from index.passages import MIN_WORDS, Passage, Place, split_document
from index.text import clean, count_words, split_sentences

DOCUMENTS = Path(__file__).resolve().parents[2] / "documents"


def words(text: str) -> int:
    return len(text.split())


def shipped() -> list[Document]:
    found = scan(DOCUMENTS)
    return [read_document(rel, path, found.metadata.get(rel)) for rel, path in found.files.items()]


def doc(*blocks: Block, path: str = "guide.html", title: str = "Guide", url: str | None = None) -> Document:
    return Document(path=path, title=title, blocks=tuple(blocks), sha256="0" * 64, url=url)


def heading(text: str, *above: str, line: int = 0) -> Block:
    section = (*above, text)
    return Block(text, "heading", section, len(section), line, line)


def para(text: str, *section: str, kind: str = "paragraph", lines: tuple[int, int] = (0, 0), page=None,
         page_end=None, anchor=None) -> Block:
    return Block(text, kind, tuple(section), 0, *lines, page=page, page_end=page_end, anchor=anchor)


def sentences(n: int, topic: str = "sujet") -> str:
    return " ".join(f"La phrase {i} parle du {topic} numéro {i}." for i in range(n))


@pytest.mark.parametrize(("place", "location"), [
    (dict(page_start=17, page_end=17), "p. 17"),
    (dict(page_start=17, page_end=18), "pp. 17–18"),
    (dict(page_start=17), "p. 17"),
    (dict(section=("3 Réseau", "3.2 DHCP"), line_start=12, line_end=18), "3.2 DHCP, lines 12–18"),
    (dict(section=("Gel",), line_start=12, line_end=12), "Gel, line 12"),
    (dict(line_start=4, line_end=9), "lines 4–9"),
    (dict(section=("Un titre de section vraiment beaucoup trop long pour tenir sur une ligne",), line_start=1,
          line_end=2), "Un titre de section vraiment beaucoup trop long…, lines 1–2"),
    (dict(), ""),
])
def test_location(place, location):
    """A location is what a person can follow: pages of a PDF, else the section heading and the lines."""
    assert Place(document="d", title="T", **place).location == location


@pytest.mark.parametrize(("url", "anchor", "link"), [
    ("https://example.org/guide.html", "gel", "https://example.org/guide.html#gel"),
    ("https://example.org/guide.html#top", "gel", "https://example.org/guide.html#gel"),
    ("https://example.org/guide.html", None, "https://example.org/guide.html"),
    (None, "gel", None),
])
def test_link(url, anchor, link):
    """A document with a URL gives its passages a link to their anchor."""
    assert Place(document="d", title="T", url=url, anchor=anchor).link == link


def test_passage_round_trips_through_plain_data():
    """What is stored reads back the same, the other places of its text included."""
    p = Passage(document="a.pdf", title="A", text="Texte.", section=("1", "1.2"), page_start=3, page_end=4,
                also_in=(Place(document="b.html", title="B", section=("1",), line_start=5, line_end=9,
                               anchor="x", url="https://b"),))
    assert Passage.from_dict(p.to_dict()) == p
    assert p.places[1].location == "1, lines 5–9" and p.places[0].location == "pp. 3–4"


def test_headings_are_context_not_text():
    """No passage is a heading: the section path is searched and embedded (with the title), but not quoted."""
    d = doc(heading("Installation"), heading("Prérequis", "Installation"),
            para(sentences(8), "Installation", "Prérequis"))
    (p,) = split_document(d, max_tokens=200, count_tokens=words)
    assert p.text == sentences(8)
    assert p.section == ("Installation", "Prérequis") and p.title == "Guide"
    assert p.indexed_text == f"Guide › Installation › Prérequis\n{sentences(8)}"
    assert p.lexical_text == f"Installation › Prérequis\n{sentences(8)}"


def test_small_sections_join_their_neighbours():
    """Short blocks and small sections join the next within the budget; the inner heading stays in the text."""
    d = doc(heading("Gel"), para("Geler un paquet.", "Gel"), para("Voir ci-dessous.", "Gel"),
            heading("Commande", "Gel"), para("Appuyez sur la touche = pour le geler.", "Gel", "Commande"))
    (p,) = split_document(d, max_tokens=100, count_tokens=words)
    assert p.text == "Geler un paquet.\nVoir ci-dessous.\nCommande\nAppuyez sur la touche = pour le geler."
    assert p.section == ("Gel",)


def test_a_passage_does_not_span_two_top_level_sections():
    """Each top-level section that has enough to say starts its own passage."""
    d = doc(heading("Un"), para(sentences(3, "premier"), "Un"), heading("Deux"), para(sentences(3, "second"), "Deux"))
    first, second = split_document(d, max_tokens=200, count_tokens=words)
    assert (first.section, second.section) == (("Un",), ("Deux",))
    assert "second" not in first.text and "premier" not in second.text


def test_a_lone_short_section_is_not_a_passage_of_its_own():
    """A top-level section with a few words joins the next one rather than stand alone."""
    d = doc(heading("Un"), para("Rien ici.", "Un"), heading("Deux"), para(sentences(3), "Deux"),
            heading("Trois"), para("Fin.", "Trois"))
    passages = split_document(d, max_tokens=200, count_tokens=words)
    assert all(count_words(p.text) >= MIN_WORDS for p in passages)
    assert "\n".join(p.text for p in passages) == f"Rien ici.\nDeux\n{sentences(3)}\nTrois\nFin."


def test_a_sections_short_tail_stays_with_the_block_before_it():
    """A quote's attribution left over at a section's end takes the quote along, not the next section."""
    quote = "« " + " ".join(f"mot{i}" for i in range(28)) + " »"
    d = doc(heading("Un"), para(sentences(8), "Un"), para(quote, "Un"),
            para("– Porte-parole de Nvidia", "Un", kind="item"), heading("Deux"), para(sentences(3, "second"), "Deux"))
    passages = split_document(d, max_tokens=100, count_tokens=words)
    assert len(passages) == 3 and passages[0].text == sentences(8)
    assert passages[1].text == f"{quote}\n– Porte-parole de Nvidia" and passages[1].section == ("Un",)
    assert passages[2].text == sentences(3, "second") and passages[2].section == ("Deux",)


def test_table_rows_are_packed_whole():
    """A table's rows go into passages whole, each on its line, with the headers each row carries."""
    rows = [para(f"Paquet : paquet{i} · Popcon : V:{i} · Description : outil numéro {i} pour le test", "Paquets",
                 kind="row", lines=(10 + i, 10 + i)) for i in range(30)]
    passages = split_document(doc(heading("Paquets"), *rows), max_tokens=60, count_tokens=words)
    assert len(passages) > 1
    assert [line for p in passages for line in p.text.split("\n")] == [r.text for r in rows]
    assert all(words(p.indexed_text) <= 60 for p in passages)


def test_a_page_heading_that_extends_the_title_is_not_context():
    """A first heading that is the title and a word or two more ("Manual Page") is not repeated as a section."""
    d = doc(heading("zorg(1) Manual Page"), heading("NAME", "zorg(1) Manual Page"),
            para(sentences(3), "zorg(1) Manual Page", "NAME"), title="zorg(1)")
    (p,) = split_document(d, max_tokens=200, count_tokens=words)
    assert p.context == "zorg(1) › NAME"


def test_code_blocks_stay_verbatim():
    """A code block keeps its lines and spacing."""
    code = "$ aptitude install \\\n    paquet1 paquet2\n$ aptitude update"
    d = doc(heading("Exemple"), para("Lancez ceci pour installer deux paquets :", "Exemple"),
            para(code, "Exemple", kind="code"))
    (p,) = split_document(d, max_tokens=200, count_tokens=words)
    assert p.text.endswith("\n" + code)


def test_long_code_block_is_cut_between_lines():
    """A code block longer than the budget is cut between its lines, none lost."""
    code = "\n".join(f"ligne {i} de code avec quelques mots" for i in range(40))
    passages = split_document(doc(para(code, kind="code")), max_tokens=50, count_tokens=words)
    assert len(passages) > 1
    assert "\n".join(p.text for p in passages) == code


def test_long_paragraph_is_cut_between_sentences_despite_abbreviations():
    """Sentences are not cut at "p. ex.", "M.", "1.2" or "v2.0"."""
    tricky = "On installe p. ex. Aptitude 1.2 avec la v2.0 du dépôt chez M. Dupont sans attendre."
    text = " ".join([sentences(6), tricky, sentences(6, "reste")])
    passages = split_document(doc(para(text)), max_tokens=40, count_tokens=words, overlap=False)
    assert len(passages) > 1
    assert any(tricky in p.text for p in passages)
    assert " ".join(p.text for p in passages) == text


def test_long_sentence_is_cut_between_words():
    """A sentence longer than the budget is cut between words, and nothing is lost."""
    text = "Le " + " ".join(f"mot{i}" for i in range(50)) + " fin."
    passages = split_document(doc(para(text), title=""), max_tokens=20, count_tokens=words)
    assert len(passages) == 3
    assert all(words(p.text) <= 20 for p in passages)
    assert " ".join(p.text for p in passages) == text


def test_pages_anchor_and_url_are_carried():
    """A passage names the pages its blocks run over, the first block's anchor and the document's URL."""
    d = doc(heading("Chapitre"), para(sentences(2), "Chapitre", page=4, anchor="ch1"),
            para(sentences(2, "suite"), "Chapitre", page=4, page_end=5, anchor="ch1-2"),
            path="manuel.pdf", url="https://example.org/manuel.pdf")
    (p,) = split_document(d, max_tokens=200, count_tokens=words)
    assert (p.page_start, p.page_end, p.location) == (4, 5, "pp. 4–5")
    assert p.link == "https://example.org/manuel.pdf#ch1"


def test_lines_cover_the_blocks():
    """A passage's lines run from its first block's first line to its last block's last line."""
    d = doc(heading("S", line=1), para(sentences(2), "S", lines=(3, 5)), para(sentences(2), "S", lines=(7, 9)))
    (p,) = split_document(d, max_tokens=200, count_tokens=words)
    assert (p.line_start, p.line_end, p.location) == (3, 9, "S, lines 3–9")


SECTIONED = doc(
    heading("Le Marché des Puces"),
    para("La demande augmente vite. Les prix montent aussi. Nvidia produit plus.", "Le Marché des Puces"),
    para("Les clients chinois commandent beaucoup. Les stocks baissent. TSMC fabrique.", "Le Marché des Puces"),
    para("Les analystes restent prudents. La concurrence arrive. Fin du marché.", "Le Marché des Puces"),
    heading("Une Autre Section"),
    para("Texte de la seconde section ici, avec assez de mots pour tenir seul.", "Une Autre Section"),
    title="",
)


def test_sentence_overlap():
    """Consecutive passages of a section share a short sentence: an answer across the cut is whole in one."""
    passages = split_document(SECTIONED, max_tokens=24, count_tokens=words)
    shared = [(a, b) for a, b in zip(passages, passages[1:], strict=False)
              if b.text.split("\n")[0] == split_sentences(a.text.split("\n")[-1])[-1]]
    assert shared
    assert all(b.section == ("Le Marché des Puces",) for _, b in shared)


def test_no_overlap_when_disabled():
    """With overlap off, no sentence is in two passages."""
    passages = split_document(SECTIONED, max_tokens=16, count_tokens=words, overlap=False)
    found = [s for p in passages for line in p.text.split("\n") for s in split_sentences(line)]
    assert len(found) == len(set(found))


def test_overlap_never_crosses_sections():
    """A section's first passage starts with its own text, not the previous section's last sentence."""
    passages = split_document(SECTIONED, max_tokens=16, count_tokens=words)
    second = [p for p in passages if "seconde section" in p.text]
    assert second and second[0].text.startswith("Texte de la seconde section")
    assert second[0].section == ("Une Autre Section",)


@pytest.mark.parametrize("count", [count_words, words], ids=["words", "whitespace"])
@pytest.mark.parametrize("budget", [200, 100, 60])
def test_no_passage_exceeds_the_budget(budget, count):
    """What is embedded (section path and text) fits the model's budget, however tokens are counted."""
    for d in [*shipped(), SECTIONED]:
        for p in split_document(d, max_tokens=budget, count_tokens=count):
            assert count(p.indexed_text) <= budget, (d.path, p.location)


@pytest.mark.parametrize("budget", [200, 60, 32])
def test_no_text_is_lost(budget):
    """Every word of every block but headings is in the passages, in order."""
    for d in [*shipped(), SECTIONED]:
        passages = split_document(d, max_tokens=budget, count_tokens=words)
        held = iter(w for p in passages for w in p.text.split())
        # In order, with repeats allowed (overlap): the blocks' words are a subsequence of the passages'.
        assert all(w in held for b in d.blocks if b.kind != "heading" for w in b.text.split()), d.path


def test_each_block_is_counted_once():
    """Token counting grows with the document, not with the square of it."""
    counted = []

    def count(text: str) -> int:
        counted.append(len(text))
        return words(text)

    d = doc(*[para(sentences(3, f"bloc{i}"), "S") for i in range(200)])
    split_document(d, max_tokens=200, count_tokens=count)
    assert sum(counted) < 2 * len(d.text)


@pytest.mark.parametrize("budget", [200, 100, 60])
def test_shipped_passages_point_at_their_lines(budget):
    """Each passage of the shipped articles names its document and title, and lines that hold its text."""
    for d in shipped():
        lines = clean((DOCUMENTS / d.path).read_text(encoding="utf-8")).splitlines()
        passages = split_document(d, max_tokens=budget)
        assert passages
        for p in passages:
            assert (p.document, p.title) == (d.path, d.title)
            assert 1 <= p.line_start <= p.line_end <= len(lines)
            span = " ".join(line.strip() for line in lines[p.line_start - 1:p.line_end])
            for piece in p.text.split("\n"):
                assert piece in span, f"{p.location}: {piece!r} is not on those lines"
