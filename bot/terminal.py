"""Plain-text rendering of an answer for the terminal."""

from __future__ import annotations

import textwrap

from index import Answer

from .i18n import guess_language, t


def render_answer(answer: Answer, width: int = 100) -> str:
    """An answer with its citations, for a terminal."""
    lang = guess_language(answer.question)
    lines: list[str] = []
    if answer.answered and answer.text:
        lines += textwrap.wrap(answer.text, width) or [answer.text]
        lines.append("")
        lines.append(t("sources", lang) + ":")
    else:
        lines.append(t("not_covered", lang))
        lines.append("")
    if not answer.citations:
        lines.append(t("no_passages", lang))
    for c in answer.citations:
        p = c.passage
        date = f", {p.date}" if p.date else ""
        lines.append(f"[{c.n}] {p.title}{date} — {p.document}, {p.location} (score {c.score:.2f})")
        excerpt = " ".join(p.text.split())
        lines += textwrap.wrap(excerpt, width, initial_indent="    ", subsequent_indent="    ",
                               max_lines=6, placeholder=" …")
    return "\n".join(lines)


def answer_json(answer: Answer) -> dict:
    """The `docbot ask --json` object for an answer."""
    lang = guess_language(answer.question)
    return {
        "question": answer.question,
        "answered": answer.answered,
        "answer": answer.text if answer.answered else t("not_covered", lang),
        "citations": [c.to_dict() for c in answer.citations],
    }
