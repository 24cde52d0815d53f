"""The `docbot` command line: index, ask, chat, sources, passages, run, sync, stats (the terminal: terminal.py).

A command is one function: it says which settings it reads (`start`), so a bad value of another
setting does not stop it; errors reach `main`, which turns them into one line and an exit code.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import sys
from collections.abc import Callable, Iterator
from importlib import metadata
from typing import Annotated, TypeVar

import typer
from pydantic import ValidationError

from index import (
    BuildSummary,
    DocbotError,
    DocumentsDirError,
    Engine,
    IndexLockedError,
    IndexMissingError,
    IndexNotWritableError,
    InvalidQuestionError,
    UnknownDocumentError,
    index_contents,
    indexed_passages,
)

from . import terminal
from .i18n import question_language
from .logs import level_for, setup_logging
from .messages import for_operator, question_refusal
from .settings import Settings

log = logging.getLogger(__name__)

# rich_markup_mode=None: click's plain help, where a flag reads `--force` (Typer's rich help shows `--force <bool>`).
app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, rich_markup_mode=None,
                  help="Answer questions about a folder of documents, with citations.")

F = TypeVar("F", bound=Callable[..., None])


class CliError(Exception):
    """A user-facing failure: one line on stderr and an exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


# The settings each command reads: a bad value of any other does not stop it.
INDEX = ("index_dir", "log_level")
MODEL = ("embedding_model", "embedding_backend", "multilingual")
SEARCH = ("top_k", "min_evidence")
BUILD = ("documents_dir", "language", "passage_tokens", "term_prefix", "approximate_above")
DATABASE = ("database_url", "db_path")
EVERYTHING = ("*",)

Verbose = Annotated[int, typer.Option("--verbose", "-v", count=True, show_default=False,
                                      help="Log what docbot does, and show each citation's score "
                                           "(-vv: debugging details).")]


def _env_name(field: str) -> str:
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info is not None else None
    return alias if isinstance(alias, str) else f"DOCBOT_{field.upper()}"


def _field(error: dict) -> str | None:
    """The Settings field a validation error is about (None for a check of several)."""
    loc = error.get("loc") or ()
    if not loc:
        return None
    name = str(loc[0])
    for field, info in Settings.model_fields.items():
        if name in (field, info.validation_alias):
            return field
    return name


def _setting_error(error: dict) -> CliError:
    field = _field(error)
    name = _env_name(field) if field else "setting"
    # A ValueError raised by our own validators has its words in ctx; pydantic prefixes them with "Value error, ".
    cause = (error.get("ctx") or {}).get("error")
    message = str(cause) if cause is not None else str(error.get("msg", "invalid"))
    return CliError(f"invalid setting {name}: {message[:1].lower()}{message[1:]}", 2)


def load_settings(uses: tuple[str, ...] = EVERYTHING) -> Settings:
    """The settings, checking those in `uses` (every one with EVERYTHING): a one-line error for a bad value.

    A bad value of a setting the command does not read is left at its default, for this command only.
    """
    try:
        return Settings()
    except ValidationError as exc:
        errors = exc.errors()
    for error in errors:
        if uses == EVERYTHING or _field(error) is None or _field(error) in uses:
            raise _setting_error(error)
    defaults = {_env_name(f) if f == "discord_token" else f: Settings.model_fields[f].default
                for f in {_field(e) for e in errors}}
    try:
        return Settings(**defaults)
    except ValidationError as exc:
        raise _setting_error(exc.errors()[0]) from None


def start(verbose: int, uses: tuple[str, ...], *, default_level: str = "WARNING") -> Settings:
    """A command's first step: its settings, and logging at the level asked for (warnings only by default)."""
    settings = load_settings(uses)
    setup_logging(level_for(settings.log_level, verbose, default_level))
    return settings


def command(fn: F) -> F:
    """A `docbot` command: Ctrl-C ends it with one line and exit code 130 (Typer would swallow the interrupt)."""
    @functools.wraps(fn)
    def run(*args: object, **kwargs: object) -> None:
        try:
            fn(*args, **kwargs)
        except KeyboardInterrupt:
            raise CliError("interrupted", 130) from None

    return app.command()(run)  # type: ignore[return-value]


@contextlib.contextmanager
def question_log(settings: Settings, *, enabled: bool = True) -> Iterator[object | None]:
    """The question log, or None when not logging; a log that can't be written is said once, not fatal."""
    from .database import DatabaseUnavailableError, QuestionLog

    if not enabled:
        yield None
        return
    try:
        qlog = QuestionLog(settings.database_url.get_secret_value())
    except DatabaseUnavailableError as exc:
        typer.echo(f"docbot: questions are not logged: {for_operator(exc)}", err=True)
        yield None
        return
    with qlog:
        yield qlog


def _built_at(settings: Settings) -> float | None:
    try:
        return index_contents(settings.index_dir)[0].built_at
    except DocbotError:
        return None


def _build(settings: Settings, engine: Engine | None = None, *, force: bool = False,
           wait: float = 0.0) -> BuildSummary:
    """Build or update the index with a progress bar; Ctrl-C says whether the previous index still serves."""
    from index import build_index

    from .progress import BuildProgress
    from .service import build_options, make_embedder, make_multilingual, prepare_embedder

    before = _built_at(settings)
    try:
        with BuildProgress() as progress:
            if engine is None:
                progress("prepare", 0, 0)
                embedder = make_embedder(settings)
                prepare_embedder(embedder)  # the first time, the model's ONNX export
                multilingual = make_multilingual(settings)
            else:
                embedder, multilingual = engine.embedder, engine.multilingual
            return build_index(settings.documents_dir, settings.index_dir, embedder, build_options(settings),
                               force=force, progress=progress, lock_wait=wait, multilingual=multilingual)
    except KeyboardInterrupt:
        after = _built_at(settings)
        if after is not None and after != before:
            raise CliError("interrupted after the new index was in place", 130) from None
        if before is None:
            raise CliError("interrupted; no index was built", 130) from None
        raise CliError("interrupted; the index was not changed: the previous one still serves", 130) from None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"docbot {metadata.version('docbot')}")
        raise typer.Exit()


@app.callback()
def options(
    version: Annotated[bool, typer.Option("--version", is_eager=True, callback=_version, expose_value=False,
                                          help="Print docbot's version and exit.")] = False,
) -> None:
    """Answer questions about a folder of documents, with citations."""


@command
def index(
    force: Annotated[bool, typer.Option("--force", help="Re-embed every document.")] = False,
    wait: Annotated[float, typer.Option("--wait", min=0, metavar="SECONDS",
                                        help="Wait this long for another build to finish.")] = 0.0,
    verbose: Verbose = 0,
) -> None:
    """Build the index, or update it for the documents that changed."""
    settings = start(verbose, INDEX + MODEL + BUILD)
    summary = _build(settings, force=force, wait=wait)
    if summary.full_rebuild_reason:
        typer.echo(f"Full rebuild: {summary.full_rebuild_reason}", err=True)
    for s in summary.skipped:
        typer.echo(f"skipped {s.path}: {s.reason}", err=True)
    verb = "Index updated" if summary.written else "Index up to date"
    typer.echo(f"{verb}: {summary.line()}")


TopK = Annotated[int | None, typer.Option("--top-k", "-k", min=1, max=10, show_default=False,
                                          help="Passages to cite [default: DOCBOT_TOP_K, 3].")]


@command
def ask(
    question: Annotated[str | None, typer.Argument(help="The question; without it, one per line on stdin.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per question.")] = False,
    top_k: TopK = None,
    no_log: Annotated[bool, typer.Option("--no-log", help="Keep the questions out of the question log "
                                                          "(for scripts).")] = False,
    verbose: Verbose = 0,
) -> None:
    """Answer a question from the indexed documents.

    The question is logged for `docbot stats` unless --no-log. On stdin with --json, a line may also
    be {"question": ..., "history": [earlier questions, newest last]}.
    """
    from .service import QuestionService, make_engine

    settings = start(verbose, INDEX + MODEL + SEARCH + DATABASE)
    engine = make_engine(settings)
    with question_log(settings, enabled=not no_log) as qlog:
        service = QuestionService(engine, qlog)
        if question is None:
            if not as_json and terminal.interactive():
                raise typer.Exit(terminal.chat(service, source="cli", k=top_k, scores=verbose > 0))
            engine.load()  # load (and check) the index before reading questions
            raise typer.Exit(terminal.answer_stream(service, terminal.read_lines(), as_json=as_json, source="cli",
                                                    k=top_k, scores=verbose > 0))
        try:
            terminal.ask_one(service, question, as_json=as_json, k=top_k, scores=verbose > 0)
        except InvalidQuestionError as exc:
            raise CliError(question_refusal(exc, question_language(question)), 2) from None


@command
def chat(top_k: TopK = None, verbose: Verbose = 0) -> None:
    """Ask questions in the terminal: Ctrl-D (or Ctrl-C twice) to leave."""
    from .service import QuestionService, make_engine

    settings = start(verbose, INDEX + MODEL + SEARCH + DATABASE)
    engine = make_engine(settings)
    with question_log(settings) as qlog:
        raise typer.Exit(terminal.chat(QuestionService(engine, qlog), k=top_k, scores=verbose > 0))


@command
def sources(verbose: Verbose = 0) -> None:
    """List the indexed documents and when the index was built."""
    import datetime as dt

    settings = start(verbose, INDEX)
    manifest, documents = index_contents(settings.index_dir)
    built = dt.datetime.fromtimestamp(manifest.built_at).strftime("%Y-%m-%d %H:%M")
    typer.echo(f"{manifest.documents} documents, {manifest.passages} passages, built {built} "
               f"with {manifest.model}")
    for d in documents:
        date = f" ({d.date})" if d.date else ""
        typer.echo(f"- {d.title}{date}: {d.path}, {d.count} passages")


@command
def passages(
    document: Annotated[str | None, typer.Argument(help="A document's path as indexed; without it, all.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per passage.")] = False,
    verbose: Verbose = 0,
) -> None:
    """Print the passages as indexed (document, section, location, text): how the documents were read."""
    import difflib
    import json
    import os
    import textwrap

    settings = start(verbose, INDEX)
    try:
        rows = indexed_passages(settings.index_dir, document)
    except UnknownDocumentError as exc:
        close = difflib.get_close_matches(document, exc.known, n=3, cutoff=0.3)
        hint = f"; closest: {', '.join(close)}" if close else ""
        raise CliError(f"{exc}{hint}", 2) from None
    shown = None
    try:
        for place, p in rows:
            others = [pl for pl in p.places if pl != place]
            if as_json:
                print(json.dumps({
                    "document": place.document, "title": place.title, "section": list(place.section),
                    "location": place.location, "text": p.text, "page_start": place.page_start,
                    "page_end": place.page_end, "line_start": place.line_start or None,
                    "line_end": place.line_end or None, "anchor": place.anchor, "url": place.url,
                    "link": place.link, "also_in": [{"document": o.document, "location": o.location,
                                                     "link": o.link} for o in others],
                }, ensure_ascii=False))
                continue
            if place.document != shown:
                shown = place.document
                print(f"== {place.document} — {place.title}")
            path = " › ".join(place.section)
            print(f"[{place.location or '-'}]" + (f" {path}" if path and path != place.heading else ""))
            print(textwrap.indent(p.text, "    "))
            if others:
                print("    (also in " + "; ".join(f"{o.document}, {o.location}" for o in others) + ")")
    except BrokenPipeError:  # `docbot passages | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


@command
def run(verbose: Verbose = 0) -> None:
    """Update the index, then start the Discord bot (a terminal chat without DISCORD_TOKEN)."""
    from .service import QuestionService, make_engine

    settings = load_settings()
    service_mode = settings.discord_token is not None
    # The Discord bot is a service: its operators read its log, with times, from INFO up.
    setup_logging(level_for(settings.log_level, verbose, "INFO" if service_mode else "WARNING"),
                  timestamps=service_mode)
    engine = make_engine(settings)
    try:
        summary = _build(settings, engine, wait=30.0)
        if summary.written:
            typer.echo(f"Index updated: {summary.line()}", err=True)
    except (DocumentsDirError, IndexLockedError, IndexNotWritableError) as exc:
        # An index that exists still serves: a supervisor restarting us must not crash-loop
        # because the documents folder is unmounted or another build holds the lock.
        try:
            index_contents(settings.index_dir)
        except IndexMissingError:
            raise exc from None
        typer.echo(f"docbot: not updating the index ({for_operator(exc)}); serving the existing one", err=True)
    if not service_mode:
        typer.echo("No DISCORD_TOKEN set: to connect to Discord, put DISCORD_TOKEN=<your bot token> in .env "
                   "(see README). Starting a terminal chat instead.", err=True)
        with question_log(settings) as qlog:
            raise typer.Exit(terminal.chat(QuestionService(engine, qlog), scores=verbose > 0))
    from .client import run_bot

    run_bot(settings, engine)


@command
def sync(
    guild: Annotated[int | None, typer.Option(help="Server to sync to (default DOCBOT_GUILD_ID; without either: "
                                                   "global).")] = None,
    clear_global: Annotated[bool, typer.Option("--clear-global", help="Also remove the global commands, so the "
                                               "server does not list them twice.")] = False,
    verbose: Verbose = 0,
) -> None:
    """Register the slash commands with Discord now, and say what changed."""
    from .client import sync_now
    from .command_sync import SyncError

    settings = start(verbose, ("discord_token", "guild_id", "index_dir", "log_level"))
    try:
        for line in sync_now(settings, guild or settings.guild_id, clear_global=clear_global):
            typer.echo(line)
    except SyncError as exc:
        raise CliError(str(exc), exc.code) from None


@command
def stats(
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Questions per table.")] = 10,
    days: Annotated[int, typer.Option("--days", "-d", min=1, max=365, help="Days to report on, today "
                                                                           "included.")] = 14,
    as_json: Annotated[bool, typer.Option("--json", help="The report as one JSON object, for scripts.")] = False,
    verbose: Verbose = 0,
) -> None:
    """The questions of the last days: per day, most asked, not covered by the documents, marked 👎."""
    from . import stats as report
    from .database import QuestionLog, SchemaError

    settings = start(verbose, ("index_dir", "log_level") + DATABASE)
    try:
        qlog = QuestionLog(settings.database_url.get_secret_value(), readonly=True)
    except SchemaError as exc:
        if exc.reason != "empty":
            raise
        if as_json:
            typer.echo(json.dumps({"days": days, "totals": None}))
        else:
            typer.echo(f"No questions logged yet ({exc}).")
        return
    with qlog:
        gathered = report.gather(qlog, report.Period.last(days), limit)
    if as_json:
        typer.echo(json.dumps(report.as_json(gathered), ensure_ascii=False))
    else:
        report.show(gathered, terminal.console())


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


def _with_usage(exc: Exception, argv: list[str]) -> None:
    """Give a usage error raised while parsing (`--force=yes`) the context of its command, for the usage line."""
    if not hasattr(exc, "ctx") or exc.ctx is not None:
        return
    group = typer.main.get_command(app)
    ctx = group.make_context("docbot", [], resilient_parsing=True)  # the name main() gives
    name = next((a for a in argv if not a.startswith("-")), None)
    sub = group.get_command(ctx, name) if name else None
    exc.ctx = sub.make_context(name, [], parent=ctx, resilient_parsing=True) if sub is not None else ctx


def main() -> None:
    """Console entry point: user errors become one line on stderr and an exit code, never a traceback."""
    try:
        code = app(standalone_mode=False, prog_name="docbot")
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
        typer.echo("\ndocbot: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        if isinstance(exc, _click_exceptions()):
            _with_usage(exc, sys.argv[1:])
            exc.show()  # usage errors print the usage line and the message; their exit code is 2
            sys.exit(exc.exit_code)
        log.debug("unexpected error", exc_info=True)
        typer.echo(f"docbot: unexpected error ({type(exc).__name__}: {exc}); "
                   "run with -vv (or DOCBOT_LOG_LEVEL=DEBUG) for the details", err=True)
        sys.exit(1)
