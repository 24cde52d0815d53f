"""The terminal front end: a chat with line editing, `docbot ask` (text or JSON lines), answers drawn for a terminal.

On a terminal the chat reads questions with prompt_toolkit (line editing, history kept in a file,
Ctrl-C read as a key), and answers fit the window, with the answer's key sentence in bold and the
citations dim. Piped, it reads lines, echoes each question before its answer, and writes plain text.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.text import Text

from index import Answer, Citation, InvalidQuestionError

from .database import HISTORY_TURNS, Origin
from .i18n import also_in, question_language, t
from .messages import question_refusal
from .service import QuestionService

log = logging.getLogger(__name__)

# Lines longer than this are hard to read, however wide the window.
MAX_WIDTH = 100
EXCERPT_LINES = 6
INDENT = "    "
PROMPT = "? "
# Typed alone, starts a new conversation: the next question follows none before it.
NEW_CONVERSATION = "/new"
# A citation's score is its fused standing among the candidates, in standard deviations above their mean
# (index/search.py): from 2 up, a passage stands well clear of the others.
STRONG_MATCH = 2.0


def relevance(citation: Citation, answered: bool) -> str:
    """How well a cited passage matches, in words: a strong or partial match, or a weak one when not covered."""
    if not answered:
        return "weak match"  # the closest passages of a question the documents don't cover
    return "strong match" if citation.score >= STRONG_MATCH else "partial match"


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
    """Lines of stdin as they arrive, without their line ends."""
    # A stray byte that isn't UTF-8 must not end the whole stream: it becomes U+FFFD.
    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="replace")
    while True:
        line = sys.stdin.readline()
        if not line:
            return
        yield line.rstrip("\n")


def console(*, stderr: bool = False) -> Console:
    """A console on stdout (or stderr): the window's width and colours on a terminal, plain text elsewhere.

    rich leaves out colour with NO_COLOR and TERM=dumb, and all styling when the stream is not a
    terminal; off a terminal the width is COLUMNS, else 80.
    """
    return Console(stderr=stderr, highlight=False, markup=False, emoji=False)


def notice(message: str) -> None:
    """A line for the person at the terminal, on stderr, wrapped to the window's width (80 columns off a terminal)."""
    console(stderr=True).print(Text(message), overflow="fold")


# Drawing an answer ---------------------------------------------------------------------------


# Spaces a line must not end at: inside "14 h", "4,80 €", "10 %", "5 000" (a number and its unit read as one).
_GLUED_SPACE = re.compile(r"(?<=\d) (?=(?:[%€$£¥]|[^\W\d_]{1,3}|\d{3})(?!\w))")
_HELD = "\ue000"  # a one-cell stand-in for a glued space while the text is wrapped


def _restyled(text: Text, plain: str) -> Text:
    """`plain` (as long as `text`) with `text`'s styles."""
    return Text(plain, style=text.style, spans=list(text.spans))


def _wrapped(text: Text, width: int, indent: str = "", first: Text | None = None) -> list[Text]:
    """`text` wrapped to `width` cells, each line after the first (or all, without `first`) indented."""
    room = max(width - len(indent), 10)
    held = _restyled(text, _GLUED_SPACE.sub(_HELD, text.plain))
    lines = [_restyled(line, line.plain.replace(_HELD, " ")) for line in held.wrap(Console(width=room), room)]
    for line in lines:
        line.rstrip()
    return [Text(indent) + line if (i or first is None) else line for i, line in enumerate(lines)]


def _excerpt(citation: Citation, width: int) -> list[Text]:
    """The cited passage, dim, its best sentence undimmed, in at most EXCERPT_LINES indented lines.

    When the best sentence lies further in, the excerpt starts a line's worth before it, after "…".
    """
    text = " ".join(citation.passage.text.split())
    highlight = " ".join(citation.highlight.split())
    room = width - len(INDENT)
    at = text.find(highlight) if highlight else -1
    start = 0
    if at > room * (EXCERPT_LINES // 2):
        start = text.rfind(" ", 0, at - room // 2) + 1
        text, at = "… " + text[start:], at - start + 2
    shown = Text(text, style="dim")
    if at >= 0:
        shown.stylize("not dim", at, at + len(highlight))
    lines = _wrapped(shown, width, INDENT)
    if len(lines) > EXCERPT_LINES:
        lines = lines[:EXCERPT_LINES]
        last = lines[-1]
        last.truncate(width - 2)
        # Cut at the last word that fits whole (the next line began with the word after it).
        space = last.plain.rfind(" ", len(INDENT))
        if space > len(INDENT) and len(last.plain) >= width - 2:
            last.truncate(space)
        last.rstrip()
        last.append(" …", style="dim")
    return lines


def _citation_header(citation: Citation, answered: bool, scores: bool) -> Text:
    p = citation.passage
    date = f" ({p.date})" if p.date else ""  # as `docbot sources` dates a title
    also = f"; {also_in(citation, 'en')}" if p.also_in else ""
    # The number itself depends on the CPU in its last digits, and means little to a reader: shown on request.
    score = f", score {citation.score:.2f}" if scores else ""
    return Text(f"[{citation.n}] {p.title}{date} — {p.document}, {p.location}{also} "
                f"({relevance(citation, answered)}{score})", style="dim")


def answer_lines(answer: Answer, width: int = MAX_WIDTH, *, scores: bool = False) -> list[Text]:
    """An answer drawn for a terminal `width` cells wide: the answer, then each cited passage.

    Each citation says how well it matches in words; `scores` adds the fused score (`--verbose`).
    """
    lang = question_language(answer.question)
    lines: list[Text] = []
    if answer.answered:
        body = Text(answer.text)
        first_marker = f" [{answer.sentences[0][1]}]"
        body.stylize("bold", 0, answer.text.find(first_marker))  # the key sentence: the best one
        lines += _wrapped(body, width)
        lines += [Text(""), Text(t("sources", lang) + ":", style="bold")]
    else:
        lines += _wrapped(Text(t("not_covered", lang) if answer.citations else t("no_passages", lang),
                               style="yellow"), width)
        if answer.citations:
            lines.append(Text(""))
    for c in answer.citations:
        lines += _wrapped(_citation_header(c, answer.answered, scores), width, INDENT, first=Text(""))
        lines += _excerpt(c, width)
    return lines


def render_answer(answer: Answer, width: int = MAX_WIDTH, *, scores: bool = False) -> str:
    """An answer as plain text `width` columns wide (what a pipe receives)."""
    return "\n".join(line.plain for line in answer_lines(answer, width, scores=scores))


def answer_json(answer: Answer) -> dict:
    """The `docbot ask --json` object for an answer."""
    lang = question_language(answer.question)
    return {
        "question": answer.question,
        "answered": answer.answered,
        "answer": answer.text if answer.answered else t("not_covered", lang),
        "citations": [c.to_dict() for c in answer.citations],
    }


class Printer:
    """Where answers go: JSON lines, or text drawn for the terminal (or plain when piped) on stdout."""

    def __init__(self, *, as_json: bool, echo: bool = False, scores: bool = False) -> None:
        self.as_json = as_json
        self.echo = echo  # show each question before its answer (questions piped in, not typed)
        self.scores = scores  # each citation's number beside its relevance in words (`--verbose`)
        self.out = console()

    @property
    def width(self) -> int:
        """The width answers are drawn at."""
        return min(self.out.width, MAX_WIDTH)

    def answer(self, answer: Answer) -> None:
        """Print an answer."""
        if self.as_json:
            self._json(answer_json(answer))
            return
        if self.echo:
            self.out.print(Text(PROMPT + answer.question, style="bold"), overflow="fold")
        for line in answer_lines(answer, self.width, scores=self.scores):
            self.out.print(line, overflow="fold", crop=False)
        self.out.print()
        self.out.file.flush()

    def refusal(self, question: str, message: str) -> None:
        """Say why a question was refused: in its place as JSON, else on stderr."""
        if self.as_json:
            self._json({"question": question[:200], "error": message})
        else:
            print(f"error: {message}", file=sys.stderr, flush=True)

    def _json(self, data: dict) -> None:
        print(json.dumps(data, ensure_ascii=False), flush=True)


def answer_stream(service: QuestionService, lines: Iterator[str], *, as_json: bool, source: str,
                  k: int | None = None, scores: bool = False) -> int:
    """Answer questions as they arrive, in order; the exit code (2 if a question was refused).

    As JSON, every line gets exactly one object, a blank one included (an error object), and a
    line may carry the conversation's earlier questions. As text, each question is echoed before
    its answer, blank lines are skipped and a refusal goes to stderr.
    """
    printer = Printer(as_json=as_json, echo=not as_json, scores=scores)
    code = 0
    for text in lines:
        line = parse_line(text) if as_json else Line(text)
        if not as_json and not line.question.strip():
            continue
        try:
            asked = service.ask(line.question, source=source, history=line.history, k=k)
        except InvalidQuestionError as exc:
            code = 2
            printer.refusal(line.question, question_refusal(exc, question_language(line.question)))
            continue
        printer.answer(asked.answer)
    return code


def ask_one(service: QuestionService, question: str, *, as_json: bool, k: int | None = None,
            scores: bool = False) -> None:
    """Answer the one question given on the command line (InvalidQuestionError if it can't be asked)."""
    asked = service.ask(question, source="cli", k=k)
    Printer(as_json=as_json, scores=scores).answer(asked.answer)


# The chat ------------------------------------------------------------------------------------


def history_file() -> Path:
    """Where the chat keeps the questions typed (for Up and Ctrl-R): the user's state folder, not the repo."""
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(state) / "docbot" / "history"


def _history():
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    path = history_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Questions may be private: only their asker reads them back.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
    except OSError as exc:
        log.debug("questions typed are not kept: %s (%s)", path, exc)
        return InMemoryHistory()
    return FileHistory(str(path))


def interactive() -> bool:
    """Whether questions are typed by a person at a terminal (not piped in)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def _warm_up(service: QuestionService) -> threading.Thread:
    """Load the model in the background while the first question is typed; the thread doing it."""
    def load() -> None:
        try:
            service.engine.embedder.embed(["docbot"], query=True)
        except Exception:  # the first question says what is wrong
            log.debug("warming up the model failed", exc_info=True)

    thread = threading.Thread(target=load, name="docbot-warm-up", daemon=True)
    thread.start()
    return thread


def chat(service: QuestionService, *, source: str = "terminal", k: int | None = None, scores: bool = False) -> int:
    """Ask questions in the terminal until Ctrl-D (or Ctrl-C twice, or the end of piped input); the exit code."""
    index = service.engine.load()  # load (and check) the index before reading questions
    if not interactive():
        return answer_stream(service, read_lines(), as_json=False, source=source, k=k, scores=scores)
    from prompt_toolkit import PromptSession

    warming = _warm_up(service)
    out, printer = console(), Printer(as_json=False, scores=scores)
    documents = index.manifest.documents
    out.print(Text(f"Ask about the {documents} indexed document{'s' if documents != 1 else ''}; "
                   f"each question follows the ones before it ({NEW_CONVERSATION} starts afresh); "
                   "Ctrl-D or Ctrl-C twice to leave.", style="dim"))
    session: PromptSession = PromptSession(history=_history())
    interrupted = False
    conversation: list[str] = []  # the earlier questions, newest last, as a thread carries them on Discord
    parent_id: int | None = None  # the logged question the next one follows up
    while True:
        try:
            question = session.prompt(PROMPT)
        except KeyboardInterrupt:  # a key here, not a signal: the line is dropped
            if interrupted:
                break
            interrupted = True
            continue
        except EOFError:
            break
        interrupted = False
        if not question.strip():
            continue
        if question.strip().casefold() == NEW_CONVERSATION:
            conversation.clear()
            parent_id = None
            out.print(Text("(a new conversation)", style="dim"))
            continue
        try:
            asked = service.ask(question, source=source, k=k, history=conversation[-HISTORY_TURNS:],
                                origin=Origin(parent_id=parent_id) if parent_id is not None else None)
        except InvalidQuestionError as exc:
            out.print(Text(question_refusal(exc, question_language(question)), style="yellow"))
            continue
        except KeyboardInterrupt:  # Ctrl-C while answering: that question is dropped
            out.print(Text("(interrupted)", style="dim"))
            continue
        printer.answer(asked.answer)
        conversation.append(question)
        parent_id = asked.question_id
    out.print("Bye.")
    # A process that exits while a thread is inside the model's native code can abort: let it finish.
    warming.join()
    return 0
