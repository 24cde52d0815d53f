"""Answers as plain text, for channels where the bot lacks Embed Links: one message, every citation kept."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import render
from bot.i18n import t
from index import Answer, Citation
from tests.bot.helpers import UNESCAPED_MASS_MENTION
from tests.bot.test_render import SLOW_OK, answers, passage
from tests.e2e.fake_discord.limits import message_errors

QUESTION = "Où Jensen Huang a-t-il dîné avec Donald Trump ?"


@settings(max_examples=60, deadline=None, suppress_health_check=SLOW_OK)
@given(answers(), st.sampled_from(["en", "fr"]))
def test_plain_answer_fits_one_message_with_every_citation(answer, lang):
    """Any answer (long, hostile text, up to 10 citations) is one message Discord accepts, each [n] named."""
    text = render.answer_text(answer, lang)
    assert render.size(text) <= render.MESSAGE_LIMIT
    assert message_errors({"content": text}) == {}
    assert not UNESCAPED_MASS_MENTION.search(text)
    assert not re.search(r"<@[!&]?\d+>", text), "mentions are defused"
    for c in answer.citations:
        assert f"**\\[{c.n}\\]** " in text


def test_real_answer_as_text_has_question_answer_citations_and_footer(fake_engine):
    """The question in bold, the answer with its markers, each citation's title, location and document."""
    answer = fake_engine.ask(QUESTION)
    text = render.answer_text(answer, "fr")
    lines = text.splitlines()
    assert lines[0] == f"**{render.escape(QUESTION)}**"
    assert answer.answered and re.search(r"\[\d\]", lines[1])
    for c in answer.citations:
        head = next(line for line in lines if line.startswith(f"**\\[{c.n}\\]** "))
        assert c.passage.location in head and render.escape(c.passage.document) in head
    assert "**" in text.split("\n> ", 1)[1], "the excerpt's best sentence is in bold"
    assert lines[-1] == f"-# {t('footer_answered', 'fr')}"


def test_an_answer_line_cannot_become_a_heading():
    """Document text starting like a heading or a list stays plain text."""
    answer = Answer("Q ?", "answered", [("# Titre et - liste", 1)], [Citation(1, passage(), 0.9, "Une phrase.")])
    body = render.answer_text(answer, "en").splitlines()[1]
    assert body.startswith("\\# Titre")


def test_twenty_five_citations_still_fit():
    """The most citations an answer shows, each with a long title: all named, within 2000."""
    cites = [Citation(n, passage("Texte. " * 300, "Un très long titre de document " * 10), 0.5, "Texte.")
             for n in range(1, 26)]
    text = render.answer_text(Answer("Q ?", "not_covered", [], cites), "fr")
    assert render.size(text) <= render.MESSAGE_LIMIT
    assert all(f"**\\[{n}\\]** " in text for n in range(1, 26))


@pytest.mark.parametrize("width", range(16, 48, 2))
def test_terminal_wrapping_keeps_figures_with_their_units(width):
    """A terminal line never ends between a number and its unit: "14 h", "4,80 €", "10 %", "5 000" stay whole."""
    from rich.text import Text

    from bot.terminal import _wrapped

    sentence = "Le magasin ouvre à 14 h et le billet coûte 4,80 € pour 5 000 personnes, soit 10 % de plus."
    lines = [line.plain for line in _wrapped(Text(sentence, style="bold"), width)]
    assert " ".join(lines) == sentence
    assert all(len(line) <= width for line in lines)
    assert not any(line.endswith(("14", "4,80", "5", "10")) for line in lines), lines
