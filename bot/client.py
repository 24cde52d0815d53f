"""The Discord client: one cog per feature, the questions in flight bounded, commands synced, a graceful stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pkgutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from index import BuildSummary, DocbotError, Engine

from . import command_sync, exts
from .access import warn_outside
from .database import Conversations, Cooldowns, GuildSettingsStore, Origin, QuestionLog
from .i18n import LANGUAGES, MESSAGES
from .messages import for_operator
from .service import Asked, BusyError, More, QuestionService, ShuttingDownError, build_options
from .settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")

# A sync that hangs must not hold its task for ever: Discord answers within seconds.
SYNC_TIMEOUT = 60.0
# At a stop, once the questions in flight had their time: how long those told to ask again, and the last
# answers, may take to be sent before the connection closes.
TELL_SECONDS = 5.0
# Then how long the gateway connection may take to close. With them, a stop takes at most
# DOCBOT_SHUTDOWN_SECONDS + 7 s (README: systemd's TimeoutStopSec), unless a rebuild is still running.
CLOSE_SECONDS = 2.0
# Gateway close codes about sharding (https://discord.com/developers/docs/topics/opcodes-and-status-codes).
SHARD_INVALID, SHARDING_REQUIRED = 4010, 4011
# How often a serving process looks whether `current` moved (another process rebuilt the index): one readlink.
INDEX_POLL_SECONDS = 2.0


def extensions() -> list[str]:
    """The cog modules of bot.exts (one per feature; modules named with a leading _ are helpers)."""
    return [f"{exts.__name__}.{m.name}" for m in pkgutil.iter_modules(exts.__path__) if not m.name.startswith("_")]

# What the bot needs in a channel: read it, reply (also in threads), embed answers, reply to mentions
# (a reply needs Read Message History), start a thread from a question, and react (⏳ to a question asked
# too soon).
PERMISSIONS = discord.Permissions(view_channel=True, send_messages=True, send_messages_in_threads=True,
                                  embed_links=True, read_message_history=True, create_public_threads=True,
                                  add_reactions=True)


class Translator(app_commands.Translator):
    """Command descriptions in French for French clients: each locale_str carries its MESSAGES key."""

    async def translate(self, string: app_commands.locale_str, locale: discord.Locale,
                        context: app_commands.TranslationContextTypes) -> str | None:
        """The text for `locale`, or None to keep the English default."""
        key = string.extras.get("key")
        lang = str(locale.value).split("-")[0]
        if key in MESSAGES and lang in LANGUAGES and lang != "en":
            return MESSAGES[key][lang]
        return None


class DocBot(commands.AutoShardedBot):
    """docbot on Discord; constructed from the settings and an Engine, nothing else.

    Sharded with discord.py's own sharding: as many shards as Discord recommends (GET /gateway/bot), or
    DOCBOT_SHARD_IDS of DOCBOT_SHARD_COUNT when the bot runs as several processes. Every server's state is in
    the shared database, and each process follows the index's `current` version (see watch_index).

    With `serve=False` (`docbot sync`) it only logs in to sync its commands: no question log, no model.
    """

    def __init__(self, settings: Settings, engine: Engine | None, *, questions: QuestionLog | None = None,
                 serve: bool = True, **options: object) -> None:
        # docbot never joins voice: spare operators discord.py's warnings about voice libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        # Default intents: mentions and DMs carry their text without the privileged message-content
        # intent, which an operator may add for forums and threads (see README, "Running on Discord").
        intents = discord.Intents.default()
        intents.message_content = settings.message_content
        if settings.shard_count is not None:
            options.setdefault("shard_count", settings.shard_count)
            if settings.shard_ids is not None:
                options.setdefault("shard_ids", list(settings.shard_ids))
        super().__init__(command_prefix=commands.when_mentioned, intents=intents,
                         help_command=None, allowed_mentions=discord.AllowedMentions.none(), **options)
        self.settings = settings
        self.engine = engine
        self.serve = serve
        if questions is None and serve:
            questions = QuestionLog(settings.database_url.get_secret_value())
        self.questions = questions
        self.service = QuestionService(engine, self.questions)
        # Conversation links and each server's /settings live in the same database as the question log
        # (none when only syncing commands).
        self.conversations = Conversations(self.questions) if self.questions is not None else None
        self.guild_settings = GuildSettingsStore(self.questions) if self.questions is not None else None
        # Per-user cooldowns too, so that they hold across the bot's processes.
        self.cooldowns = Cooldowns(self.questions) if self.questions is not None else None
        # A global cap on retrievals running at once: more questions wait their turn.
        self.retrievals = asyncio.Semaphore(settings.max_concurrent)
        self.waiting = 0  # questions waiting for or holding a retrieval slot
        self.commands_state = command_sync.SyncState(settings.index_dir / command_sync.STATE_FILE)
        self.sync_done = asyncio.Event()  # set once the sync after connecting has ended, whatever its outcome
        # The graceful stop: the tasks handling a question, those still waiting for a slot, the worker threads.
        self.stopping = False
        self._giving_up = False
        self._in_flight: set[asyncio.Task] = set()
        self._queued: set[asyncio.Task] = set()
        self._working = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._hurry = asyncio.Event()  # a second stop signal: stop waiting
        self._background: set[asyncio.Task] = set()
        self._sync_started = self._warned = False

    async def setup_hook(self) -> None:
        """Load the cogs and, when serving, load the index off the event loop (commands sync after connecting)."""
        await self.tree.set_translator(Translator())
        await self.load_cogs()
        if self.serve:
            await self._warm_up()
            self._spawn(self.watch_index())

    async def load_cogs(self) -> None:
        """Load every feature's cog."""
        for ext in extensions():
            await self.load_extension(ext)

    async def sync_commands(self) -> command_sync.SyncReport | None:
        """Sync the slash commands (to DOCBOT_GUILD_ID when set, else globally) if they changed since the last sync.

        Never raises: a failure is logged in one line, and mentions and DMs work without commands.
        """
        try:
            report = await asyncio.wait_for(
                command_sync.sync_if_changed(self, self.commands_state, self.settings.guild_id), SYNC_TIMEOUT)
        except Exception as exc:  # HTTP errors, a malformed answer (KeyError), a timeout: none may stop the bot
            log.warning("Could not sync the slash commands: %s. Mentions and DMs still work; `docbot sync` tries "
                        "again.", command_sync.describe(exc))
            return None
        finally:
            self.sync_done.set()
        if report is None:
            log.info("Slash commands unchanged since they were last synced (`docbot sync` forces a sync)")
        else:
            later = "" if self.settings.guild_id else " (global commands can take up to an hour to appear)"
            log.info("%s%s", report.line(), later)
        return report

    async def _warm_up(self) -> None:
        def load() -> None:
            self.engine.load()  # loads and checks the index
            self.engine.embedder.embed(["docbot"], query=True)  # loads the model: the first question is not slow

        try:
            await asyncio.to_thread(load)
        except DocbotError as exc:
            log.warning("The index is not ready (%s); /reindex can build it", for_operator(exc))
        except Exception:
            # Questions will report the problem to users; the bot still starts so /reindex can fix it.
            log.exception("Loading the index failed")

    async def watch_index(self, every: float = INDEX_POLL_SECONDS) -> None:
        """Swap in the index another process built (the CLI, or /reindex received by another shard's process).

        Polling the `current` link works on any file system and database; questions in flight finish on
        the version they started with, and the new one's files are memory-mapped, shared in the page cache.
        """
        while True:
            await asyncio.sleep(every)
            try:
                swapped = await asyncio.to_thread(self.engine.refresh)
            except DocbotError as exc:
                log.warning("A new index version could not be loaded (%s); still serving the previous one",
                            for_operator(exc))
            except Exception:
                log.exception("Loading a new index version failed; still serving the previous one")
            else:
                if swapped is not None:
                    log.info("Now serving index version %s", swapped.name)

    def _spawn(self, coro) -> asyncio.Task:
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    async def on_connect(self) -> None:
        """The first time the gateway is connected: sync the commands in the background, if they changed."""
        if self._sync_started:
            return
        self._sync_started = True
        self._spawn(self.sync_commands())

    async def on_ready(self) -> None:
        """Log who we are; the first time, warn about the servers that are not admin servers."""
        if self.user is None:
            return
        invite = discord.utils.oauth_url(self.user.id, permissions=PERMISSIONS,
                                         scopes=("bot", "applications.commands"))
        shards = ",".join(str(i) for i in sorted(self.shards))
        log.info("Connected as %s (%s) to %d servers (shards %s of %s); invite link: %s", self.user, self.user.id,
                 len(self.guilds), shards, self.shard_count, invite)
        if not self._warned:
            self._warned = True
            warn_outside(self.guilds, self.settings.admin_guilds)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        """Warn when the bot is added to a server that is not an admin server."""
        warn_outside([guild], self.settings.admin_guilds)

    async def on_message(self, message: discord.Message, /) -> None:
        """Do nothing here: docbot has no prefix commands; the ask cog listens for mentions and DMs."""

    def _track(self) -> None:
        """Count the current task as handling a question until it ends: a stop lets it finish first."""
        task = asyncio.current_task()
        if task is not None and task not in self._in_flight:
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    async def _in_thread(self, work: Callable[..., T], *args: object, **kwargs: object) -> T:
        """Run `work` in a worker thread, counted until the thread itself ends (a cancelled await does not end it)."""
        loop = asyncio.get_running_loop()

        def run() -> T:
            try:
                return work(*args, **kwargs)
            finally:
                with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits for us any more
                    loop.call_soon_threadsafe(self._work_done)

        self._working += 1
        self._idle.clear()
        return await asyncio.to_thread(run)

    def _work_done(self) -> None:
        self._working -= 1
        if not self._working:
            self._idle.set()

    async def _bounded(self, work: Callable[..., T], *args: object, **kwargs: object) -> T:
        """Run `work` off the event loop once a retrieval slot is free; BusyError if too many wait already."""
        if self.waiting >= self.settings.max_queued:
            # A flood is refused rather than queued without bound: each waiter holds memory.
            raise BusyError(self.waiting)
        self.waiting += 1
        task = asyncio.current_task()
        try:
            self._queued.add(task)
            try:
                await self.retrievals.acquire()
            except asyncio.CancelledError:
                if not self._giving_up:
                    raise
                # The stop's bound passed before a slot freed up: the asker is told, not left waiting.
                if hasattr(task, "uncancel"):
                    task.uncancel()
                raise ShuttingDownError() from None
            finally:
                self._queued.discard(task)
            try:
                return await self._in_thread(work, *args, **kwargs)
            finally:
                self.retrievals.release()
        finally:
            self.waiting -= 1

    async def ask(self, question: str, *, source: str, guild_id: int | None = None, history: Sequence[str] = (),
                  origin: Origin | None = None) -> Asked:
        """Answer and log a question (the service's one step), in a worker thread within the bounds."""
        self._track()
        if self.stopping:
            raise ShuttingDownError()
        return await self._bounded(self.service.ask, question, source=source, guild_id=guild_id, history=history,
                                   origin=origin)

    async def more(self, question_id: int) -> More | None:
        """The stored "more" passages of an answer, read off the event loop (no retrieval: no slot needed)."""
        self._track()
        return await self._in_thread(self.service.more, question_id)

    async def rebuild(self, progress: Callable[[str, int, int], None] | None = None) -> BuildSummary:
        """Update the index from the documents folder off the event loop and swap it in."""
        return await asyncio.to_thread(self.engine.rebuild, self.settings.documents_dir,
                                       build_options(self.settings), progress=progress, lock_wait=0.0)

    def _pending(self) -> set[asyncio.Task]:
        current = asyncio.current_task()
        return {t for t in self._in_flight if not t.done() and t is not current}

    def hurry(self) -> None:
        """Stop waiting for questions in flight (a second stop signal)."""
        self._hurry.set()

    async def _settle(self, tasks: set[asyncio.Task], timeout: float) -> set[asyncio.Task]:
        """Wait until `tasks` are done, `timeout` seconds pass or hurry() is called; those still running."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        hurry = asyncio.ensure_future(self._hurry.wait())
        pending = set(tasks)
        try:
            while pending and not hurry.done() and loop.time() < deadline:
                _, pending = await asyncio.wait(pending | {hurry}, timeout=deadline - loop.time(),
                                                return_when=asyncio.FIRST_COMPLETED)
                pending.discard(hurry)
        finally:
            hurry.cancel()
        return {t for t in pending if not t.done()}

    async def shutdown(self, grace: float) -> None:
        """Stop taking questions; let those in flight finish within `grace` seconds; tell the rest to ask again; close.

        Questions that arrive meanwhile are told at once that docbot is restarting.
        """
        if self.stopping:
            return
        self.stopping = True
        started = time.monotonic()
        pending = self._pending()
        log.info("Stopping: %d questions in flight, given up to %g s to finish (a second signal stops at once)",
                 len(pending), grace)
        await self._settle(pending, grace)
        self._giving_up = True
        told = len(self._queued)
        for task in list(self._queued):
            task.cancel()  # turned into ShuttingDownError in _bounded: the asker gets "restarting"
        told_by = asyncio.get_running_loop().time() + TELL_SECONDS  # one bound for telling them and the last writes
        rest = await self._settle(self._pending(), TELL_SECONDS)
        for task in rest:
            task.cancel()
        left = told_by - asyncio.get_running_loop().time()
        if self._working and left > 0 and not self._hurry.is_set():  # a worker may be logging a question
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._idle.wait(), left)
        log.info("Stopped taking questions after %.1f s (%d told to ask again, %d cut short); closing",
                 time.monotonic() - started, told, len(rest))
        await self.close()

    async def close(self) -> None:
        """Disconnect, then close the question log (its SQLite WAL folded into the file)."""
        self.stopping = True
        for task in list(self._background):
            task.cancel()
        if isinstance(self.loop, discord.client._LoopSentinel):
            # Never started (closed before connecting): the sharded client's close needs what its set-up makes.
            await self._async_setup_hook()
        try:
            await super().close()
        finally:
            if self.questions is not None:
                self.questions.close()


def _fail(message: str) -> None:
    sys.stderr.write(f"docbot: {message}\n")
    sys.stderr.flush()
    raise SystemExit(1)


def _token(settings: Settings) -> str:
    if settings.discord_token is None:
        _fail("DISCORD_TOKEN is not set")
    return settings.discord_token.get_secret_value().strip()


@contextlib.contextmanager
def _discord_failures():
    """A rejected token or no network: one line on stderr, exit code 1."""
    try:
        yield
    except discord.LoginFailure:
        _fail("Discord rejected DISCORD_TOKEN: copy the token again from the Developer Portal "
              "(your application → Bot → Reset Token)")
    except discord.PrivilegedIntentsRequired:
        _fail("Discord refused the bot's intents: enable Message Content in the Developer Portal "
              "(Bot → Privileged Gateway Intents), or unset DOCBOT_MESSAGE_CONTENT")
    except discord.ConnectionClosed as exc:
        if exc.code == SHARD_INVALID:
            _fail("Discord refused a shard: check DOCBOT_SHARD_IDS against DOCBOT_SHARD_COUNT")
        if exc.code == SHARDING_REQUIRED:
            _fail("Discord requires more shards for this many servers: raise DOCBOT_SHARD_COUNT, or unset it "
                  "(and DOCBOT_SHARD_IDS) to use Discord's recommended count")
        _fail(f"Discord closed the connection (code {exc.code}: {exc.reason or 'no reason given'})")
    except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
        _fail(f"cannot reach Discord ({type(exc).__name__}); check the network connection")


async def serve(bot: DocBot, token: str, grace: float) -> None:
    """Run the bot until SIGTERM or SIGINT, then stop gracefully (see DocBot.shutdown)."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    # Unix; only the main thread can take signals (a test or an embedding program may run the bot in another).
    signals = (signal.SIGTERM, signal.SIGINT) if threading.current_thread() is threading.main_thread() else ()
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    try:
        async with bot:
            running = asyncio.create_task(bot.start(token))
            stopped = asyncio.create_task(stop.wait())
            await asyncio.wait({running, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if running.done():
                stopped.cancel()
                running.result()  # a rejected token, no network: raised to run_bot
                return
            log.info("Received a stop signal")
            for sig in signals:
                loop.add_signal_handler(sig, bot.hurry)
            await bot.shutdown(grace)
            with contextlib.suppress(asyncio.CancelledError, asyncio.TimeoutError, discord.ConnectionClosed):
                await asyncio.wait_for(running, CLOSE_SECONDS)
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


def run_bot(settings: Settings, engine: Engine) -> None:
    """Run the bot until SIGTERM or SIGINT (then exit normally); a rejected token or no network: exit code 1."""
    token = _token(settings)
    bot = DocBot(settings, engine)
    with _discord_failures():
        asyncio.run(serve(bot, token, settings.shutdown_seconds))


def sync_now(settings: Settings, guild_id: int | None, *, clear_global: bool = False) -> list[str]:
    """`docbot sync`: log in (no gateway), sync the commands now, and say what changed; SyncError if it failed."""
    command_sync.check_options(guild_id, clear_global)
    token = _token(settings)
    if not log.isEnabledFor(logging.DEBUG):
        logging.getLogger("discord").setLevel(logging.WARNING)  # a short command: its report, not the log-in
    bot = DocBot(settings, None, serve=False)

    async def go() -> list[command_sync.SyncReport]:
        async with bot:
            await bot.login(token)
            return await asyncio.wait_for(
                command_sync.sync(bot, bot.commands_state, guild_id, clear_global=clear_global), SYNC_TIMEOUT)

    with _discord_failures():
        try:
            reports = asyncio.run(go())
        except (discord.LoginFailure, aiohttp.ClientError, OSError, command_sync.SyncError):
            raise
        except Exception as exc:  # an HTTP error, a malformed answer, a timeout
            raise command_sync.SyncError(f"could not sync the slash commands: {command_sync.describe(exc)}") from None
    return [r.line() for r in reports]
