"""The `docbot` command line: index, ask, chat, sources, run, sync, stats (the terminal itself is terminal.py)."""

from __future__ import annotations

import logging
import os
import sys
from typing import Annotated

import typer
from pydantic import ValidationError

from index import (
    DocbotError,
    DocumentsDirError,
    Engine,
    IndexLockedError,
    IndexMissingError,
    InvalidQuestionError,
    index_contents,
)

from . import terminal
from .i18n import question_language
from .messages import for_operator, question_refusal
from .settings import Settings

log = logging.getLogger(__name__)

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Answer questions about a folder of documents, with citations.")


class CliError(Exception):
    """A user-facing failure: one line on stderr and an exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def load_settings() -> Settings:
    """Settings, or a one-line error naming the bad variable."""
    try:
        return Settings()
    except ValidationError as exc:
        err = exc.errors()[0]
        name = str(err["loc"][0]).upper() if err.get("loc") else "setting"
        name = name if name == "DISCORD_TOKEN" else f"DOCBOT_{name}"
        raise CliError(f"invalid setting {name}: {err['msg']}", 2) from None


def _setup_logging(settings: Settings) -> None:
    # Model loading draws progress bars on the terminal; the log says what was loaded.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    logging.basicConfig(level=getattr(logging, settings.log_level.upper(), logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    # bm25s sets its logger to DEBUG when imported, which would undo the level set below (a "DEBUG
    # bm25s: Building index from tokens" line in every `docbot index`); every command logging is
    # set up for uses bm25s, so importing it here first costs nothing.
    import bm25s  # noqa: F401
    for noisy in ("sentence_transformers", "httpx", "huggingface_hub", "transformers", "faiss", "bm25s"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _progress():
    """A tqdm progress bar on stderr for the embedding stage, quiet when nothing is embedded."""
    from tqdm import tqdm

    bar = None

    def update(stage: str, done: int, total: int) -> None:
        nonlocal bar
        if stage != "embed":
            return
        if bar is None:
            bar = tqdm(total=total, unit="passage", desc="Embedding", file=sys.stderr, leave=False,
                       disable=total < 64 or not sys.stderr.isatty())
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return update


@app.command()
def index(
    force: Annotated[bool, typer.Option("--force", help="Re-embed every document.")] = False,
    wait: Annotated[float, typer.Option(help="Seconds to wait for another running build.")] = 0.0,
) -> None:
    """Build the index, or update it for the documents that changed."""
    from index import build_index

    from .service import build_options, make_engine

    settings = load_settings()
    _setup_logging(settings)
    engine = make_engine(settings)
    summary = build_index(settings.documents_dir, settings.index_dir, engine.embedder, build_options(settings),
                          force=force, progress=_progress(), lock_wait=wait)
    if summary.full_rebuild_reason:
        typer.echo(f"Full rebuild: {summary.full_rebuild_reason}", err=True)
    for s in summary.skipped:
        typer.echo(f"skipped {s.path}: {s.reason}", err=True)
    verb = "Index updated" if summary.written else "Index up to date"
    typer.echo(f"{verb}: {summary.line()}")


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="The question; without it, one per line on stdin.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per question.")] = False,
    top_k: Annotated[int | None, typer.Option("--top-k", "-k", min=1, max=10, help="Passages to cite.")] = None,
) -> None:
    """Answer a question from the indexed documents.

    On stdin with --json, a line may also be {"question": ..., "history": [earlier questions, newest last]}.
    """
    from .database import QuestionLog
    from .service import QuestionService, make_engine

    settings = load_settings()
    _setup_logging(settings)
    with QuestionLog(settings.database_url.get_secret_value()) as qlog:
        service = QuestionService(make_engine(settings), qlog)
        if question is None:
            service.engine.load()  # load (and check) the index before reading questions
            raise typer.Exit(terminal.answer_lines(service, terminal.read_lines(), as_json=as_json, source="cli",
                                                   k=top_k))
        try:
            asked = service.ask(question, source="cli", k=top_k)
        except InvalidQuestionError as exc:
            raise CliError(question_refusal(exc, question_language(question)), 2) from None
        terminal.show(asked.answer, as_json=as_json)


def _chat(settings: Settings, engine: Engine) -> int:
    from .database import QuestionLog
    from .service import QuestionService

    with QuestionLog(settings.database_url.get_secret_value()) as qlog:
        return terminal.chat(QuestionService(engine, qlog))


@app.command()
def chat() -> None:
    """Ask questions in the terminal until end of input."""
    from .service import make_engine

    settings = load_settings()
    _setup_logging(settings)
    raise typer.Exit(_chat(settings, make_engine(settings)))


@app.command()
def sources() -> None:
    """List the indexed documents and when the index was built."""
    import datetime as dt

    settings = load_settings()
    manifest, documents = index_contents(settings.index_dir)
    built = dt.datetime.fromtimestamp(manifest.built_at).strftime("%Y-%m-%d %H:%M")
    typer.echo(f"{manifest.documents} documents, {manifest.passages} passages, built {built} "
               f"with {manifest.model}")
    for d in documents:
        date = f" ({d.date})" if d.date else ""
        typer.echo(f"- {d.title}{date}: {d.path}, {d.count} passages")


@app.command()
def run() -> None:
    """Start the Discord bot; without DISCORD_TOKEN, a terminal chat on the same answer path."""
    from index import build_index

    from .service import build_options, make_engine

    settings = load_settings()
    _setup_logging(settings)
    engine = make_engine(settings)
    try:
        summary = build_index(settings.documents_dir, settings.index_dir, engine.embedder,
                              build_options(settings), progress=_progress(), lock_wait=30.0)
        if summary.written:
            typer.echo(f"Index updated: {summary.line()}", err=True)
    except (DocumentsDirError, IndexLockedError) as exc:
        # An index that exists still serves: a supervisor restarting us must not crash-loop
        # because the documents folder is unmounted or another build holds the lock.
        try:
            index_contents(settings.index_dir)
        except IndexMissingError:
            raise exc from None
        typer.echo(f"docbot: not updating the index ({for_operator(exc)}); serving the existing one", err=True)
    if settings.discord_token is None:
        typer.echo("No DISCORD_TOKEN set: to connect to Discord, put DISCORD_TOKEN=<your bot token> in .env "
                   "(see README). Starting a terminal chat instead; end with Ctrl-D.", err=True)
        raise typer.Exit(_chat(settings, engine))
    from .client import run_bot

    run_bot(settings, engine)


@app.command()
def sync(
    guild: Annotated[int | None, typer.Option(help="Server to sync to (default DOCBOT_GUILD_ID; without either: "
                                                   "global).")] = None,
    clear_global: Annotated[bool, typer.Option("--clear-global", help="Also remove the global commands, so the "
                                               "server does not list them twice.")] = False,
) -> None:
    """Register the slash commands with Discord now, and say what changed."""
    from .client import sync_now
    from .command_sync import SyncError

    settings = load_settings()
    _setup_logging(settings)
    try:
        for line in sync_now(settings, guild or settings.guild_id, clear_global=clear_global):
            typer.echo(line)
    except SyncError as exc:
        raise CliError(str(exc), exc.code) from None


@app.command()
def stats(
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Questions per list.")] = 10,
) -> None:
    """Print the most asked questions and the ones the documents could not answer."""
    from .database import QuestionLog, SchemaError, report

    settings = load_settings()
    try:
        qlog = QuestionLog(settings.database_url.get_secret_value(), readonly=True)
    except SchemaError as exc:
        if exc.reason != "empty":
            raise
        typer.echo(f"No questions logged yet ({exc}).")
        return
    with qlog:
        typer.echo(report(qlog, limit))


def _click_exceptions() -> tuple[type[Exception], ...]:
    """The exceptions that show themselves: click's, and those of the click that Typer >= 0.2x vendors.

    Typer no longer depends on click: its usage errors are typer._click classes, which share
    `typer.TyperException` as a base but are not click's.
    """
    types: list[type[Exception]] = []
    vendored = getattr(typer, "TyperException", None)
    if vendored is not None:
        types.append(vendored)
    try:
        import click
    except ImportError:
        pass
    else:
        types.append(click.ClickException)
    return tuple(types)


def main() -> None:
    """Console entry point: user errors become one line on stderr and an exit code, never a traceback."""
    try:
        code = app(standalone_mode=False)
        sys.exit(code if isinstance(code, int) else 0)
    except CliError as exc:
        typer.echo(f"docbot: {exc}", err=True)
        sys.exit(exc.code)
    except DocbotError as exc:
        typer.echo(f"docbot: {for_operator(exc)}", err=True)
        sys.exit(2 if isinstance(exc, InvalidQuestionError) else 1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        typer.echo("docbot: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        if isinstance(exc, _click_exceptions()):
            exc.show()  # usage errors print the usage line and the message; their exit code is 2
            sys.exit(exc.exit_code)
        log.debug("unexpected error", exc_info=True)
        typer.echo(f"docbot: unexpected error ({type(exc).__name__}: {exc}); "
                   "run with DOCBOT_LOG_LEVEL=DEBUG for the details", err=True)
        sys.exit(1)
