"""The bot's own strings in English and French, and a guess at a question's language."""

from __future__ import annotations

import re

_FRENCH_HINTS = frozenset(
    "le la les un une des du de est sont quel quelle quels quelles qui que quoi pourquoi comment où quand "
    "combien avec pour dans sur au aux ce cette ces il elle ils elles nous vous a-t-il a-t-elle est-ce".split())
_ENGLISH_HINTS = frozenset(
    "the a an is are was were what which who whom why how where when does do did of in on for with to "
    "about and or".split())

MESSAGES: dict[str, dict[str, str]] = {
    "not_covered": {
        "en": "The documents don't cover this question. The closest passages are below.",
        "fr": "Les documents ne traitent pas de cette question. Voici les passages les plus proches.",
    },
    "closest": {"en": "Closest passages", "fr": "Passages les plus proches"},
    "sources": {"en": "Sources", "fr": "Sources"},
    "no_passages": {"en": "No passage found.", "fr": "Aucun passage trouvé."},
}


def guess_language(text: str) -> str:
    """"fr" or "en", from the function words of a text (English when unsure)."""
    words = re.findall(r"[\w'-]+", text.lower().replace("\u2019", "'"))
    fr = sum(w in _FRENCH_HINTS or w.startswith(("l'", "d'", "qu'")) for w in words)
    en = sum(w in _ENGLISH_HINTS for w in words)
    return "fr" if fr > en else "en"


def t(key: str, lang: str, **kwargs: object) -> str:
    """A message in a language ("en" when the language has none)."""
    table = MESSAGES[key]
    return table.get(lang, table["en"]).format(**kwargs)
