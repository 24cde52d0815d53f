"""The bot's languages: which one to answer in, from a question or from Discord's locales."""

from __future__ import annotations

import discord
import pytest

from bot.i18n import language_for, question_language, t


@pytest.mark.parametrize(("question", "lang"), [
    ("Qui est le PDG de Nvidia ?", "fr"),
    ("Comment faire du pain au levain ?", "fr"),
    ("Combien d'accélérateurs H20 Nvidia a-t-il commandés à TSMC ?", "fr"),
    ("Who is the CEO of Nvidia?", "en"),
    ("How do I bake sourdough bread?", "en"),
    ("How?", "en"),
    ("Nvidia H20", "en"),  # no telling: English
    ("", "en"),
])
def test_question_language(question, lang):
    """A question is answered in the language its function words say (the library's guesser), else English."""
    assert question_language(question) == lang


@pytest.mark.parametrize(("locales", "lang"), [
    ((discord.Locale.french,), "fr"),
    ((discord.Locale.american_english,), "en"),
    ((discord.Locale.german, discord.Locale.french), "fr"),  # the first locale the bot speaks
    ((None, "fr"), "fr"),
    ((discord.Locale.japanese,), "en"),
    ((), "en"),
])
def test_language_for_locales(locales, lang):
    """Discord locales map to the bot's languages; anything else is English."""
    assert language_for(*locales) == lang


def test_message_falls_back_to_english():
    """A language the bot does not speak gets the English text."""
    assert t("busy", "de") == t("busy", "en")
