"""Cutting documents into passages: what a citation points at must be really there, within the budget."""

from __future__ import annotations

from pathlib import Path

import pytest

from index import Document
from index.documents import Block, read_document, scan
from index.passages import Passage, paragraphs, split_document
from index.text import clean, count_words, split_sentences

DOCUMENTS = Path(__file__).resolve().parents[2] / "documents"


def words(text: str) -> int:
    return len(text.split())


def shipped() -> list[Document]:
    found = scan(DOCUMENTS)
    return [read_document(rel, path, found.metadata.get(rel)) for rel, path in found.files.items()]


def doc(text: str, path: str = "doc.txt", title: str = "Titre") -> Document:
    block = Block(text, "paragraph", line_start=1, line_end=text.count("\n") + 1)  # doc.text is the text as given
    return Document(path=path, title=title, blocks=(block,), sha256="0" * 64)


def file_lines(path: Path) -> list[str]:
    """The lines of a file as a person opening it sees them (apostrophes unified, as in passages)."""
    return clean(path.read_text(encoding="utf-8")).splitlines()


def assert_points_at_its_lines(lines: list[str], passage: Passage) -> None:
    """Every piece of the passage's text is on the lines its location names."""
    assert 1 <= passage.line_start <= passage.line_end <= len(lines)
    span = " ".join(line.strip() for line in lines[passage.line_start - 1:passage.line_end])
    for piece in passage.text.split("\n"):
        assert piece in span, f"{passage.location}: {piece!r} is not on those lines"


@pytest.mark.parametrize(("passage", "location"), [
    (dict(paragraph_start=4, paragraph_end=5, line_start=12, line_end=18), "¶4–5, lines 12–18"),
    (dict(paragraph_start=4, paragraph_end=4, line_start=12, line_end=13), "¶4, lines 12–13"),
    (dict(paragraph_start=4, paragraph_end=4, line_start=12, line_end=12), "¶4, line 12"),
])
def test_location(passage, location):
    """A location names the paragraphs and the lines, in the singular when there is one."""
    p = Passage(document="d.txt", title="T", text="x", heading="", **passage)
    assert p.location == location


@pytest.mark.parametrize(("text", "expected"), [
    # (paragraph text, first line, last line, is a heading)
    ("Un.\n\nDeux.", [("Un.", 1, 1, False), ("Deux.", 3, 3, False)]),
    ("Une phrase coupée\nau milieu.\nAutre ligne.",  # hard-wrapped prose stays together
     [("Une phrase coupée au milieu.", 1, 2, False), ("Autre ligne.", 3, 3, False)]),
    ("Fin de phrase.\nsuite en minuscule.",
     [("Fin de phrase.", 1, 1, False), ("suite en minuscule.", 2, 2, False)]),
    ("Un titre court\nLe texte qui suit.",
     [("Un titre court", 1, 1, True), ("Le texte qui suit.", 2, 2, False)]),
    ("Texte :\n- premier point\n- second point",
     [("Texte :", 1, 1, False), ("- premier point", 2, 2, False), ("- second point", 3, 3, False)]),
    ("## Titre Markdown\nsuite du texte.",
     [("## Titre Markdown", 1, 1, True), ("suite du texte.", 2, 2, False)]),
    ("\n\n  Indenté.  \n\n\n", [("Indenté.", 3, 3, False)]),
    ("Seule ligne sans point", [("Seule ligne sans point", 1, 1, False)]),  # the last paragraph is no heading
])
def test_paragraphs(text, expected):
    """Lines group into numbered paragraphs with their line ranges; a short line before text is a heading."""
    got = paragraphs(text)
    assert [(p.text, p.line_start, p.line_end, p.is_heading) for p in got] == expected
    assert [p.number for p in got] == list(range(1, len(got) + 1))


@pytest.mark.parametrize("budget", [200, 100, 60])
def test_shipped_passages_point_at_their_lines(budget):
    """Each passage of the shipped articles names its document and title, and lines that hold its text."""
    for d in shipped():
        lines = file_lines(DOCUMENTS / d.path)
        passages = split_document(d, max_tokens=budget)
        assert passages
        for p in passages:
            assert (p.document, p.title) == (d.path, d.title)
            assert_points_at_its_lines(lines, p)


@pytest.mark.parametrize("budget", [200, 100, 60])
def test_shipped_passages_keep_paragraph_numbers(budget):
    """A passage's paragraph numbers are those of the paragraphs its lines belong to."""
    for d in shipped():
        paras = {p.number: p for p in paragraphs(d.text)}
        for p in split_document(d, max_tokens=budget):
            assert paras[p.paragraph_start].line_start <= p.line_start
            assert p.line_end <= paras[p.paragraph_end].line_end


@pytest.mark.parametrize("budget", [200, 60, 32])
def test_no_text_is_lost(budget):
    """Every word of every shipped article is in the passages, in order."""
    for d in shipped():
        passages = split_document(d, max_tokens=budget, count_tokens=words)
        held = iter(w for p in passages for w in p.text.split())
        # In order, with repeats allowed (overlap): the document's words are a subsequence of the passages'.
        assert all(w in held for para in paragraphs(d.text) for w in para.text.split()), d.path


@pytest.mark.parametrize("count", [count_words, words], ids=["words", "whitespace"])
@pytest.mark.parametrize("budget", [200, 100, 60])
def test_no_passage_exceeds_the_budget(budget, count):
    """What is embedded (heading and text) fits the model's budget, however tokens are counted."""
    for d in shipped():
        for p in split_document(d, max_tokens=budget, count_tokens=count):
            assert count(p.indexed_text) <= budget, (d.path, p.location)


def test_overlap_does_not_push_a_cut_sentence_over_the_budget():
    """A sentence longer than the budget, after short ones: no passage is over the budget."""
    text = "Un deux trois. Quatre cinq. Le " + " ".join(f"mot{i}" for i in range(28)) + " fin.\n"
    passages = split_document(doc(text), max_tokens=20, count_tokens=words)
    assert max(words(p.indexed_text) for p in passages) <= 20


SECTIONED = """Le Marché des Puces
La demande augmente vite. Les prix montent aussi. Nvidia produit plus.
Les clients chinois commandent beaucoup. Les stocks baissent. TSMC fabrique.
Les analystes restent prudents. La concurrence arrive. Fin du marché.
Une Autre Section
Texte de la seconde section ici.
"""


def test_sentence_overlap():
    """Consecutive passages of a section share a short sentence: an answer across the cut is whole in one."""
    passages = split_document(doc(SECTIONED), max_tokens=16, count_tokens=words)
    shared = [(a, b) for a, b in zip(passages, passages[1:], strict=False)
              if b.text.split("\n")[0] == split_sentences(a.text.split("\n")[-1])[-1]]
    assert shared
    for a, b in shared:
        assert b.heading == "Le Marché des Puces"  # both in the first section
        assert b.line_start <= a.line_end  # the shared sentence's line is cited by both
    assert_all_point_at_lines(SECTIONED, passages)


def test_no_overlap_when_disabled():
    """With overlap off, no sentence is in two passages."""
    passages = split_document(doc(SECTIONED), max_tokens=16, count_tokens=words, overlap=False)
    sentences = [s for p in passages for line in p.text.split("\n") for s in split_sentences(line)]
    assert len(sentences) == len(set(sentences))


def test_overlap_never_crosses_sections():
    """A section's first passage starts with its own heading, not the previous section's last sentence."""
    passages = split_document(doc(SECTIONED), max_tokens=16, count_tokens=words)
    second = [p for p in passages if "seconde section" in p.text]
    assert second and second[0].text.startswith("Une Autre Section\n")


def test_headings_are_cited_with_their_section():
    """A heading is the start of its section's first passage; later passages of the section carry it."""
    passages = split_document(doc(SECTIONED), max_tokens=16, count_tokens=words)
    first, *rest = [p for p in passages if p.paragraph_start <= 4]
    assert first.text.startswith("Le Marché des Puces\n") and first.heading == ""
    assert (first.paragraph_start, first.line_start) == (1, 1)
    assert rest and all(p.heading == "Le Marché des Puces" for p in rest)
    assert all(p.indexed_text.startswith("Le Marché des Puces\n") for p in rest)


def test_markdown_heading_marks_are_dropped():
    """A Markdown heading is carried without its # marks."""
    text = "## Les Ventes\n\n" + " ".join(f"Phrase numéro {i}." for i in range(20)) + "\n"
    passages = split_document(doc(text, "notes.md"), max_tokens=20, count_tokens=words)
    assert passages[0].text.startswith("Les Ventes\n")
    assert {p.heading for p in passages[1:]} == {"Les Ventes"}


def test_shipped_headings_are_carried():
    """In the shipped Mar-a-Lago article, the section heading is cited with the dinner passage."""
    d = next(x for x in shipped() if x.path == "nvidia-h20-accord-mar-a-lago.txt")
    dinner = next(p for p in split_document(d) if "Lors d'un dîner" in p.text)
    assert "Un Accord Surprise à Mar-a-Lago" in dinner.indexed_text


def test_short_document_is_one_passage():
    """A document that fits the budget is one passage covering all its lines."""
    (p,) = split_document(doc("Premier paragraphe.\n\nSecond paragraphe.\n"), max_tokens=50)
    assert (p.paragraph_start, p.paragraph_end, p.line_start, p.line_end) == (1, 2, 1, 3)
    assert p.text == "Premier paragraphe.\nSecond paragraphe."


def test_long_sentence_is_cut_between_words():
    """A sentence longer than the budget is cut between words, and nothing is lost."""
    text = "Le " + " ".join(f"mot{i}" for i in range(50)) + " fin.\n"
    passages = split_document(doc(text), max_tokens=20, count_tokens=words)
    assert len(passages) == 3
    assert all(words(p.text) <= 20 for p in passages)
    assert " ".join(p.text for p in passages) == text.strip()


WRAPPED = """Une première ligne très longue qui contient beaucoup de mots avant la fin de
la phrase. Deuxième phrase
assez courte.
"""


def test_wrapped_paragraph_cut_between_sentences_points_at_its_lines():
    """In hard-wrapped prose cut between sentences, each passage still names the lines holding its text."""
    passages = split_document(doc(WRAPPED), max_tokens=17, count_tokens=words)
    assert len(passages) == 2
    assert_all_point_at_lines(WRAPPED, passages)


def assert_all_point_at_lines(text: str, passages: list[Passage]) -> None:
    lines = text.splitlines()
    for p in passages:
        assert_points_at_its_lines(lines, p)
