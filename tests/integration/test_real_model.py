"""The real bundled model on the shipped articles: the answers people are promised.

One model load and one build for the whole module (the model takes seconds to load).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from index import BuildOptions, E5OnnxEmbedder, Engine, SentenceTransformerEmbedder, build_index

pytestmark = pytest.mark.integration

DOCUMENTS = Path(__file__).resolve().parents[2] / "documents"


@pytest.fixture(scope="module")
def real(tmp_path_factory, e5_onnx_cache):
    """The shipped documents indexed with the default models (MiniLM and the multilingual signal);
    (engine, first build's summary)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")  # the bundled model is on disk: never ask the hub
        embedder = SentenceTransformerEmbedder()
        multilingual = E5OnnxEmbedder(e5_onnx_cache)
        index_dir = tmp_path_factory.mktemp("real") / "index"
        summary = build_index(DOCUMENTS, index_dir, embedder, BuildOptions(), multilingual=multilingual)
        yield Engine(index_dir, embedder, multilingual=multilingual), summary


def test_the_index_holds_both_signals_and_its_calibration(real):
    """Built with the defaults, the index holds the multilingual vectors and its off-topic reference."""
    engine, _ = real
    manifest = engine.index.manifest
    assert manifest.multilingual_model == engine.multilingual.name and manifest.multilingual_dimension == 384
    assert engine.searcher.multilingual and engine.searcher.calibration.signals == engine.multilingual.name
    hit = engine.searcher.search("Qui est le PDG de Nvidia ?", 3).hits[0]
    assert hit.multilingual is not None and 0.5 < hit.multilingual <= 1.0


def texts(answer, k: int = 3) -> list[str]:
    return [c.passage.text for c in answer.citations[:k]]


def test_first_build_embeds_every_passage(real):
    """The first build adds the five articles and embeds every passage."""
    _, summary = real
    assert len(summary.added) == 5 and not summary.skipped
    assert summary.embedded == summary.passages > 0


def test_second_build_embeds_nothing(real):
    """A second build over the same documents embeds nothing and writes nothing."""
    engine, first = real
    summary = engine.rebuild(DOCUMENTS, BuildOptions())
    assert (summary.embedded, summary.written, len(summary.unchanged)) == (0, False, 5)
    assert summary.passages == first.passages


@pytest.mark.parametrize("question", [
    "Où Jensen Huang a-t-il dîné avec Donald Trump ?",
    "Ou Jensen Huang a-t-il dine avec Donald Trump ?",  # typed without accents
    "Where did Jensen Huang have dinner with Donald Trump?",
])
def test_dinner_at_mar_a_lago(real, question):
    """Where Huang dined with Trump: answered, with Mar-a-Lago in a top-3 citation."""
    answer = real[0].ask(question)
    assert answer.answered
    assert any("Mar-a-Lago" in t for t in texts(answer))


@pytest.mark.parametrize("question", ["Qui est le PDG de Nvidia ?", "Who is the CEO of Nvidia?"])
def test_ceo_of_nvidia(real, question):
    """Nvidia's CEO, asked in French or English: Jensen Huang in the top 3 citations.

    In English it is declined: "CEO" is not a word of the articles, and every article is about Nvidia,
    so no passage stands out for the multilingual model either (the evidence is too weak to answer).
    """
    answer = real[0].ask(question)
    assert answer.answered is question.startswith("Qui")
    assert any("Jensen Huang" in t for t in texts(answer))


@pytest.mark.parametrize(("question", "fact"), [
    ("Qui est le PDG de Nvidia ?", "Jensen Huang"),
    ("Où Jensen Huang a-t-il dîné avec Donald Trump ?", "Mar-a-Lago"),
    ("Ou Jensen Huang a-t-il dine avec Donald Trump ?", "Mar-a-Lago"),
    ("Where did Jensen Huang have dinner with Donald Trump?", "Mar-a-Lago"),
    ("Combien de H20 sont en réserve ?", "700 000"),
])
def test_the_answer_itself_holds_the_fact(real, question, fact):
    """The answer people read first holds the fact, not only a citation under it."""
    answer = real[0].ask(question)
    assert answer.answered
    assert fact in answer.text


def test_out_of_scope_question_is_not_answered(real):
    """A question the articles don't cover is not answered, but the closest passages are still shown."""
    answer = real[0].ask("How do I bake sourdough bread?")
    assert answer.answered is False
    assert answer.text == ""
    assert len(answer.citations) == 3


def test_markers_point_at_citations(real):
    """The real answer's [n] markers are numbers of its citations, which hold the quoted sentences."""
    answer = real[0].ask("Où Jensen Huang a-t-il dîné avec Donald Trump ?")
    numbers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
    by_number = {c.n: c for c in answer.citations}
    assert numbers and numbers <= set(by_number)
    for sentence, n in answer.sentences:
        assert sentence in by_number[n].passage.text
