"""The `docbot` command line: index, ask, chat, sources, passages, run, sync, stats, db (the terminal: terminal.py).

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


sources_app = typer.Typer(no_args_is_help=False, invoke_without_command=True, rich_markup_mode=None,
                          help="The websites and git repositories the documents come from, and what is indexed.")
app.add_typer(sources_app, name="sources")
SOURCES = ("documents_dir", "sync_hours", "source_max_pages", "source_max_page_mb", "source_max_total_mb",
           "source_timeout_seconds", "source_concurrency", "source_delay_seconds")


def sources_command(name: str) -> Callable[[F], F]:
    """A `docbot sources` sub-command; Ctrl-C ends it as any command."""
    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def run(*args: object, **kwargs: object) -> None:
            try:
                fn(*args, **kwargs)
            except KeyboardInterrupt:
                raise CliError("interrupted; the documents and the index were left as they were", 130) from None

        return sources_app.command(name)(run)  # type: ignore[return-value]

    return decorate


def _places(settings: Settings):
    from .sources import Places

    return Places.from_settings(settings)


@contextlib.contextmanager
def _source_store(settings: Settings):
    """The list of sources (the database's, or sources.toml's), closed after."""
    from .sources import SourceError, open_store

    try:
        store, closing = open_store(settings.documents_dir, settings.database_url.get_secret_value())
    except SourceError as exc:
        raise CliError(str(exc)) from None
    try:
        yield store
    except SourceError as exc:
        raise CliError(str(exc)) from None
    finally:
        if closing is not None:
            closing.close()


def _configured_sources(settings: Settings) -> list:
    """The sources, read without creating or changing anything (none when there is no list yet)."""
    from .database import DatabaseError, QuestionLog
    from .sources import SourceError
    from .sources.store import TOML_FILE, DatabaseSources, TomlSources

    toml = settings.documents_dir / TOML_FILE
    try:
        if toml.is_file():
            return TomlSources(toml).all()
        with QuestionLog(settings.database_url.get_secret_value(), readonly=True) as qlog:
            return DatabaseSources(qlog.engine, "").all()
    except DatabaseError as exc:  # a database not yet made (or older) has no sources
        log.debug("no sources listed: %s", exc)
        return []
    except SourceError as exc:  # sources.toml is not valid
        raise CliError(str(exc)) from None


def _report(fetched, removed: list[str] | None = None) -> str:
    parts = [f"{len(fetched.changed)} new or changed", f"{len(fetched.unchanged)} unchanged"]
    if removed is not None:
        parts.append(f"{len(removed)} removed")
    if fetched.skipped:
        parts.append(f"{len(fetched.skipped)} skipped")
    return ", ".join(parts) + f" ({fetched.requests} requests)" * bool(fetched.requests)


def _skipped(fetched, verbose: int) -> None:
    shown = fetched.skipped if verbose else fetched.skipped[:5]
    for where, why in shown:
        typer.echo(f"skipped {where}: {why}", err=True)
    if len(fetched.skipped) > len(shown):
        typer.echo(f"… and {len(fetched.skipped) - len(shown)} more skipped (-v lists them)", err=True)
    for note in fetched.notes:
        typer.echo(note, err=True)


@sources_app.callback()
def sources(ctx: typer.Context, verbose: Verbose = 0) -> None:
    """The sources (`add`, `list`, `remove`, `sync`); alone, the same as `list`."""
    if ctx.invoked_subcommand is None:
        _list(verbose)


@sources_command("list")
def sources_list(verbose: Verbose = 0) -> None:
    """The sources and when each was synced, then the indexed documents and when the index was built."""
    _list(verbose)


def _list(verbose: int) -> None:
    import datetime as dt

    def when(t: float) -> str:
        return dt.datetime.fromtimestamp(t).strftime("%Y-%m-%d %H:%M")

    settings = start(verbose, INDEX + ("documents_dir",) + DATABASE)
    configured = _configured_sources(settings)
    for s in configured:
        extra = "".join(f", {k} {v}" for k, v in (("branch", s.branch), ("folder", s.subdir)) if v)
        state = f"synced {when(s.synced_at)}" if s.synced_at else "never synced"
        failed = f"; last sync failed: {s.error}" if s.error else ""
        typer.echo(f"source {s.name} ({s.kind}{extra}): {s.url}, {state}{failed}")
    manifest, documents = index_contents(settings.index_dir)
    built = dt.datetime.fromtimestamp(manifest.built_at).strftime("%Y-%m-%d %H:%M")
    typer.echo(f"{manifest.documents} documents, {manifest.passages} passages, built {built} "
               f"with {manifest.model}")
    for d in documents:
        date = f" ({d.date})" if d.date else ""
        typer.echo(f"- {d.title}{date}: {d.path}, {d.count} passages")


@sources_command("add")
def sources_add(
    url: Annotated[str, typer.Argument(help="A website's start URL (https://…), or a git repository "
                                            "(https://…/repo.git, or a local folder).")],
    name: Annotated[str | None, typer.Option("--name", help="Its folder in the documents [default: from the "
                                                            "URL].")] = None,
    branch: Annotated[str | None, typer.Option("--branch", help="A repository's branch [default: its "
                                                                "default].")] = None,
    subdir: Annotated[str | None, typer.Option("--subdir", help="A repository's folder to keep, e.g. "
                                                                "docs.")] = None,
    verbose: Verbose = 0,
) -> None:
    """Add a website or a git repository and fetch it into documents/<name>/; `docbot index` indexes it."""
    from .sources import add

    settings = start(verbose, INDEX + DATABASE + SOURCES)
    with _source_store(settings) as store:
        source, fetched = add(store, _places(settings), url, name=name, branch=branch, subdir=subdir)
        where = store.where
    _skipped(fetched, verbose)
    typer.echo(f"Added source {source.name} ({source.kind}) to {where}: {len(fetched.changed)} files fetched "
               f"into {settings.documents_dir / source.name}; run `docbot index` to index them")


@sources_command("remove")
def sources_remove(
    name: Annotated[str, typer.Argument(help="The source's name (`docbot sources list`).")],
    verbose: Verbose = 0,
) -> None:
    """Remove a source and its folder of the documents; `docbot index` takes its documents out of the index."""
    from .sources import remove

    settings = start(verbose, INDEX + DATABASE + SOURCES)
    with _source_store(settings) as store:
        had = remove(store, _places(settings), name)
    folder = settings.documents_dir / name
    gone = f"; {folder} removed" if had else ""
    typer.echo(f"Removed source {name}{gone}; run `docbot index` to take its documents out of the index")


@sources_command("sync")
def sources_sync(
    name: Annotated[str | None, typer.Argument(help="One source; without it, all.")] = None,
    verbose: Verbose = 0,
) -> None:
    """Fetch the sources again (only what changed, where the site says so) and update the index."""
    from .sources import sync

    settings = start(verbose, INDEX + MODEL + BUILD + DATABASE + SOURCES)
    with _source_store(settings) as store:
        outcomes = sync(store, _places(settings), name)
    failed = sum(1 for o in outcomes if o.error)
    for o in outcomes:
        if o.error:
            typer.echo(f"docbot: source {o.source.name}: {o.error}; its documents were left as they were", err=True)
            continue
        _skipped(o.fetched, verbose)
        typer.echo(f"{o.source.name}: {_report(o.fetched, o.removed)}")
    if not outcomes:
        typer.echo("No sources: add one with `docbot sources add URL`")
    elif failed < len(outcomes):  # the incremental update reads only what changed (and what `add` fetched)
        summary = _build(settings)
        for s in summary.skipped:
            typer.echo(f"skipped {s.path}: {s.reason}", err=True)
        typer.echo(f"{'Index updated' if summary.written else 'Index up to date'}: {summary.line()}")
    if failed:
        raise typer.Exit(1)


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
    """Update the index, then start the Discord bot (a terminal chat without DISCORD_TOKEN).

    As several processes: the same DOCBOT_SHARD_COUNT in each, and each its own DOCBOT_SHARD_IDS (e.g. 0-3,
    4-7, or 0,2); by default one process runs the shards Discord recommends.
    """
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
        terminal.notice("No DISCORD_TOKEN set: to connect to Discord, put DISCORD_TOKEN=<your bot token> in .env "
                        "(see README). Starting a terminal chat instead.")
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


db_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None,
                     help="The bot's database (the question log, conversations and server settings).")
app.add_typer(db_app, name="db")


@db_app.command("migrate")
def db_migrate(
    source: Annotated[str, typer.Option("--from", metavar="URL", show_default=False,
                                        help="The database to copy, e.g. sqlite:////data/index/docbot.sqlite3; "
                                             "only read.")],
    target: Annotated[str, typer.Option("--to", metavar="URL", show_default=False,
                                        help="The database to fill, new or without docbot data (its tables are "
                                             "made), e.g. postgresql://docbot:password@dbhost/docbot.")],
    verbose: Verbose = 0,
) -> None:
    """Copy the bot's database into a new, empty one (SQLite to PostgreSQL): every table, all or nothing.

    Then set DOCBOT_DATABASE_URL to the new one and restart the bots.
    """
    from .database.transfer import copy_database

    start(verbose, ("log_level",))
    for option, url in (("--from", source), ("--to", target)):
        _database_option(option, url)
    try:
        report = copy_database(source, target)
    except KeyboardInterrupt:
        raise CliError("interrupted; nothing was written", 130) from None
    typer.echo(report.line())


def _database_option(option: str, url: str) -> None:
    """A CliError unless `url` is a database URL (a file's path alone is refused: --from and --to look alike)."""
    from .database import DatabaseURLError
    from .database.engine import database_url

    try:
        if "://" not in url:
            raise DatabaseURLError(url)
        database_url(url)
    except DatabaseURLError:
        raise CliError(f"{option} is not a database URL; e.g. sqlite:////data/index/docbot.sqlite3 or "
                       "postgresql://user:password@host/docbot", 2) from None


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
