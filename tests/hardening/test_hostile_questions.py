"""Hostile questions through the answer path and `docbot ask`: an answer or a clear refusal, never a crash."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings

from bot.terminal import answer_json, render_answer
from index import Engine, InvalidQuestionError
from index.text import clean
from tests.strategies import questions

LIMIT = Engine.max_question_chars

@pytest.fixture
def engine(built, fake_embedder) -> Engine:
    return Engine(built, fake_embedder)


def check_refusal(exc: InvalidQuestionError) -> None:
    assert exc.problem == "empty" or (exc.problem == "too_long" and exc.length > exc.limit == LIMIT)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(question=questions())
def test_any_question_gets_an_answer_or_a_clear_refusal(engine, question):
    """Arbitrary Unicode, controls, markup, 6000 characters: an answer the CLI can print, or a refusal."""
    try:
        answer = engine.ask(question)
    except InvalidQuestionError as exc:
        check_refusal(exc)
        return
    assert answer.question and answer.question == " ".join(clean(answer.question).split())
    # What `docbot ask --json` and the terminal print, encodable as UTF-8 (no lone surrogates).
    json.dumps(answer_json(answer), ensure_ascii=False).encode("utf-8")
    render_answer(answer).encode("utf-8")
    assert len(answer.citations) <= engine.top_k


@pytest.mark.parametrize("question", [
    "?!?!…", "...", "le la les de des du et est qui que quoi", "the is what of and", "😀😀😀", "12345",
    "@everyone @here <@123456789012345678>", "**__~~||``", "\u0301\u0301\u0301",
])
def test_questions_without_content_words_are_answered_as_not_covered(engine, question):
    """Only punctuation, only stop words, only emoji or markup: no crash, and no claim to have an answer."""
    answer = engine.ask(question)
    assert not answer.answered or answer.sentences
    assert answer_json(answer)["answer"]


@pytest.mark.parametrize("question", ["", " ", "\n\t\r", "\u200b\u200d\u2060\ufeff", "\x00\x01\x1f\x7f",
                                      "\u202e\u2066\u2069", "\ud800\udfff"])
def test_blank_or_invisible_question_is_refused_as_empty(engine, question):
    """A question that is nothing once invisible characters are dropped: "the question is empty"."""
    with pytest.raises(InvalidQuestionError) as err:
        engine.ask(question)
    assert err.value.problem == "empty"


@pytest.mark.parametrize("length", [LIMIT + 1, 6000])
def test_too_long_question_is_refused_saying_the_limit(engine, length):
    """Over 1000 characters: refused, with the length and the limit as data."""
    with pytest.raises(InvalidQuestionError) as err:
        engine.ask(("Qui est le PDG de Nvidia ? " * 300)[:length])
    assert (err.value.problem, err.value.length, err.value.limit) == ("too_long", length, LIMIT)


def test_hidden_characters_do_not_change_the_answer(engine):
    """Zero-width, bidi and control characters inside a question: the same answer as without them."""
    plain = engine.ask("Qui est le PDG de Nvidia ?")
    hidden = engine.ask("Qui\u200b est\x00 le P\u00adDG\u2060 de \u202eNvi\u200ddia\u202c\x1b ?\ud800")
    assert hidden.text == plain.text and hidden.answered
    assert [c.passage for c in hidden.citations] == [c.passage for c in plain.citations]


@pytest.mark.parametrize(("question", "code", "stderr"), [
    ("", 2, "docbot: The question is empty."),
    ("x" * 6000, 2, f"docbot: The question is too long (6000 characters; the limit is {LIMIT})."),
    ("Qui " * 1500, 2, f"docbot: La question est trop longue (5999 caractères ; la limite est de {LIMIT})."),
    ("\x1b[2J\x1b[31mQui est le PDG de Nvidia ?\x07", 0, ""),
])
def test_docbot_ask_refuses_or_answers_on_one_line(built, docbot, question, code, stderr):
    """`docbot ask` with a hostile argument: exit 2 and one line, or an answer with no terminal escapes."""
    r = docbot.run("ask", question)
    assert r.returncode == code
    assert r.stderr.splitlines() == ([stderr] if stderr else [])
    assert "\x1b" not in r.stdout and "\x07" not in r.stdout
    if code == 0:
        assert "Jensen Huang" in r.stdout


def test_docbot_ask_stream_answers_every_line_even_after_bad_ones(built, docbot):
    """Questions on stdin: every line gets one JSON line (a bad or blank one, an error), in order; exit code 2."""
    lines = ["Qui est le PDG de Nvidia ?", "", "\u200b\u200b", "x" * 1500, "?!?",
             "@everyone <@1234> **gras**", "Qui est le PDG de Nvidia ?"]
    r = docbot.run("ask", "--json", input="\n".join(lines) + "\n")
    assert r.returncode == 2
    out = [json.loads(line) for line in r.stdout.splitlines()]
    assert len(out) == len(lines)
    assert out[1] == {"question": "", "error": "The question is empty."}
    assert out[2] == {"question": "\u200b\u200b", "error": "The question is empty."}
    assert out[3]["error"].startswith("The question is too long (1500 characters")
    assert "Jensen Huang" in out[0]["answer"] and out[-1] == out[0]


def test_docbot_ask_stream_survives_invalid_utf8(built, docbot, monkeypatch):
    """A line that is not UTF-8 on stdin (a strict UTF-8 locale): answered or refused, the rest goes on."""
    import subprocess
    import sys

    from .conftest import DRIVER, TIMEOUT

    monkeypatch.setenv("PYTHONIOENCODING", "utf-8:strict")  # what a fr_FR.UTF-8 or en_US.UTF-8 locale gives
    data = "Qui est le PDG\xff de Nvidia ?\nQui est le PDG de Nvidia ?\n".encode("latin-1")
    r = subprocess.run([sys.executable, str(DRIVER), "ask", "--json"], input=data, capture_output=True,
                       timeout=TIMEOUT)
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.splitlines()) == 2
