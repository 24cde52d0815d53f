"""Assembled answers: every [n] marker points at a citation that holds the quoted sentence."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from index import Citation
from index.answer import MAX_ANSWER_SENTENCES, assemble
from index.search import SearchResult
from index.text import fold

QUESTIONS = [
    "Où Jensen Huang a-t-il dîné avec Donald Trump ?",
    "Qui est le PDG de Nvidia ?",
    "Combien de puces H20 TSMC doit-il fabriquer ?",
    "Pourquoi les terres rares comptent-elles dans l'accord ?",
    "Quelle est la position de Huawei ?",
    "Who is the CEO of Nvidia?",
]
MARKER = re.compile(r"\[(\d+)\]")


def covering(result: SearchResult, yes: bool) -> SearchResult:
    """The same passages, with the search's verdict set to covered (or not)."""
    return replace(result, covered=yes)


@pytest.mark.parametrize("question", QUESTIONS)
def test_markers_point_at_citations_holding_the_sentence(fake_engine, question):
    """Each [n] in the answer is a citation's number, and that citation's passage holds the sentence."""
    answer = fake_engine.ask(question)
    by_number = {c.n: c for c in answer.citations}
    markers = [int(n) for n in MARKER.findall(answer.text)]
    assert len(markers) == len(answer.sentences)
    for (sentence, n), marker in zip(answer.sentences, markers, strict=True):
        assert marker == n and n in by_number
        assert f"{sentence} [{n}]" in answer.text
        assert sentence in by_number[n].passage.text


@pytest.mark.parametrize("question", QUESTIONS)
def test_citations_are_numbered_and_highlighted(fake_engine, question):
    """Citations are numbered 1..k; each highlight is a sentence of its own passage; "more" follows on."""
    answer = fake_engine.ask(question)
    k = fake_engine.top_k
    assert [c.n for c in answer.citations] == list(range(1, k + 1))
    for c in answer.citations:
        assert c.highlight and c.highlight in c.passage.text
    assert [c.n for c in answer.more] == list(range(k + 1, k + 1 + len(answer.more)))
    cited = {c.passage for c in answer.citations}
    assert not cited & {c.passage for c in answer.more}


def test_covered_question_gets_a_short_answer(fake_engine):
    """A covered question is answered in at most a few sentences, the first holding a word of the question."""
    question = "Combien de puces H20 TSMC doit-il fabriquer ?"
    result = covering(fake_engine.searcher.search(question, limit=8), True)
    answer = assemble(result, fake_engine.index.lexical, k=3)
    assert answer.answered
    assert 1 <= len(answer.sentences) <= MAX_ANSWER_SENTENCES
    first = fold(answer.sentences[0][0])
    assert any(word in first for word in ("tsmc", "h20", "puces"))


def test_uncovered_question_has_no_answer_but_shows_passages(fake_engine):
    """When the documents don't cover a question there is no answer, but the closest passages are cited."""
    result = covering(fake_engine.searcher.search("Comment faire du pain au levain ?", limit=8), False)
    answer = assemble(result, fake_engine.index.lexical, k=3)
    assert not answer.answered
    assert answer.text == "" and answer.sentences == []
    assert len(answer.citations) == 3
    assert all(c.highlight in c.passage.text for c in answer.citations)


def test_no_passages_no_answer(fake_engine):
    """With no passages found, there is neither answer nor citation."""
    empty = SearchResult("Quoi ?", [], [], 1.0, False, False)
    answer = assemble(empty, fake_engine.index.lexical, k=3)
    assert (answer.answered, answer.text, answer.citations, answer.more) == (False, "", [], [])


@pytest.mark.parametrize("k", [1, 2, 5])
def test_k_citations(fake_engine, k):
    """ask(k=...) cites that many passages, and their markers stay within them."""
    answer = fake_engine.ask("Qui est le PDG de Nvidia ?", k=k)
    assert len(answer.citations) == k
    assert {int(n) for n in MARKER.findall(answer.text)} <= set(range(1, k + 1))


def test_citation_json(fake_engine):
    """A citation's JSON form names the document, title and location people can check."""
    c = fake_engine.ask("Qui est le PDG de Nvidia ?").citations[0]
    data = c.to_dict()
    assert {"n", "document", "title", "location", "text", "score", "highlight"} <= set(data)
    assert (data["document"], data["title"], data["location"], data["text"]) == (
        c.passage.document, c.passage.title, c.passage.location, c.passage.text)
    assert data["score"] == round(c.score, 4)


def test_citation_round_trips_through_json(fake_engine):
    """What is stored for "More passages" comes back as the same citations (score to four places)."""
    import json

    for c in fake_engine.ask("Qui est le PDG de Nvidia ?").more:
        back = Citation.from_dict(json.loads(json.dumps(c.to_dict())))
        assert (back.n, back.passage, back.highlight) == (c.n, c.passage, c.highlight)
        assert back.score == round(c.score, 4) and back.passage.location == c.passage.location


def test_an_answer_knows_only_two_outcomes():
    """An answer is "answered" or "not_covered"; anything else (a bool, say) is refused."""
    from index import Answer

    with pytest.raises(ValueError):
        Answer("Quoi ?", True, [], [])


def test_footnote_markers_in_documents_are_not_taken_for_citations(tmp_path, fake_embedder):
    """A document's own footnote calls ("[7]") don't show up in the answer as markers of missing citations."""
    from index import BuildOptions, Engine, build_index

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "wiki.txt").write_text(
        "Nvidia a vendu 300 000 puces H20 à la Chine en 2025[7]. Le prix unitaire était élevé[12].\n\n"
        "Huawei développe ses propres puces Ascend.\n\nTSMC fabrique les puces à Taïwan.\n", encoding="utf-8")
    build_index(docs, tmp_path / "idx", fake_embedder, BuildOptions())
    engine = Engine(tmp_path / "idx", fake_embedder)
    question = "Combien de puces H20 Nvidia a-t-il vendu à la Chine ?"
    answer = assemble(covering(engine.searcher.search(question, limit=8), True), engine.index.lexical, k=3)
    assert "Nvidia a vendu 300 000 puces H20 à la Chine en 2025. [1]" in answer.text
    assert {int(n) for n in MARKER.findall(answer.text)} <= {c.n for c in answer.citations}
    assert "[7]" in answer.citations[0].passage.text  # the excerpt itself is quoted as written
