"""The terminal front end: questions from stdin (a chat, or `docbot ask`), answers as text or JSON lines."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field

from index import Answer, InvalidQuestionError

from .i18n import question_language, t
from .messages import question_refusal
from .service import QuestionService


@dataclass(frozen=True)
class Line:
    """One question read from the terminal, with the conversation's earlier questions when it gave them."""

    question: str
    history: list[str] = field(default_factory=list)


def parse_line(text: str) -> Line:
    """A line of input: a JSON object {"question": ..., "history": [...]} if it is one, else the question itself."""
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("question"), str):
            history = data.get("history", [])
            if isinstance(history, list) and all(isinstance(h, str) for h in history):
                return Line(data["question"], history)
    return Line(text)


def read_lines() -> Iterator[str]:
    """Lines of stdin as they arrive (without their line ends), with a prompt on a terminal."""
    # A stray byte that isn't UTF-8 must not end the whole stream: it becomes U+FFFD.
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="replace")
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            sys.stderr.write("? ")
            sys.stderr.flush()
        line = sys.stdin.readline()
        if not line:
            return
        yield line.rstrip("\n")


def render_answer(answer: Answer, width: int = 100) -> str:
    """An answer with its citations, for a terminal."""
    lang = question_language(answer.question)
    lines: list[str] = []
    if answer.answered:
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
    lang = question_language(answer.question)
    return {
        "question": answer.question,
        "answered": answer.answered,
        "answer": answer.text if answer.answered else t("not_covered", lang),
        "citations": [c.to_dict() for c in answer.citations],
    }


def show(answer: Answer, *, as_json: bool) -> None:
    """Print an answer on stdout: one JSON line, or text for people."""
    if as_json:
        print(json.dumps(answer_json(answer), ensure_ascii=False), flush=True)
    else:
        print(render_answer(answer) + "\n", flush=True)


def answer_lines(service: QuestionService, lines: Iterator[str], *, as_json: bool, source: str,
                 k: int | None = None) -> int:
    """Answer questions as they arrive, in order; the exit code (2 if a question was refused).

    As JSON, every line gets exactly one object, a blank one included (an error object), and a
    line may carry the conversation's earlier questions. As text, blank lines are skipped and a
    refusal goes to stderr.
    """
    code = 0
    for text in lines:
        line = parse_line(text) if as_json else Line(text)
        if not as_json and not line.question.strip():
            continue
        try:
            asked = service.ask(line.question, source=source, history=line.history, k=k)
        except InvalidQuestionError as exc:
            code = 2
            message = question_refusal(exc, question_language(line.question))
            if as_json:
                print(json.dumps({"question": line.question[:200], "error": message}, ensure_ascii=False),
                      flush=True)
            else:
                print(f"error: {message}", file=sys.stderr, flush=True)
            continue
        show(asked.answer, as_json=as_json)
    return code


def chat(service: QuestionService) -> int:
    """Ask questions in the terminal until end of input; the exit code."""
    service.engine.load()  # load (and check) the index before reading questions
    return answer_lines(service, read_lines(), as_json=False, source="terminal")
