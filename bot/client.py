"""The Discord client: a commands.Bot that loads one cog per feature and bounds the questions in flight."""

from __future__ import annotations

import asyncio
import logging
import pkgutil
import sys
from collections.abc import Callable, Sequence
from typing import TypeVar

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from index import BuildSummary, DocbotError, Engine

from . import exts
from .database import Conversations, GuildSettingsStore, Origin, QuestionLog
from .i18n import LANGUAGES, MESSAGES
from .messages import for_operator
from .service import Asked, BusyError, More, QuestionService, build_options
from .settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")


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


class DocBot(commands.Bot):
    """docbot on Discord; constructed from the settings and an Engine, nothing else."""

    def __init__(self, settings: Settings, engine: Engine, *, questions: QuestionLog | None = None,
                 **options: object) -> None:
        # docbot never joins voice: spare operators discord.py's warnings about voice libraries.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        # Default intents: mentions and DMs carry their text without the privileged message-content
        # intent, which an operator may add for forums and threads (see README, "Running on Discord").
        intents = discord.Intents.default()
        intents.message_content = settings.message_content
        super().__init__(command_prefix=commands.when_mentioned, intents=intents,
                         help_command=None, allowed_mentions=discord.AllowedMentions.none(), **options)
        self.settings = settings
        self.engine = engine
        if questions is None:
            questions = QuestionLog(settings.database_url.get_secret_value())
        self.questions = questions
        self.service = QuestionService(engine, self.questions)
        # Conversation links and each server's /settings live in the same database as the question log.
        self.conversations = Conversations(self.questions)
        self.guild_settings = GuildSettingsStore(self.questions)
        # A global cap on retrievals running at once: more questions wait their turn.
        self.retrievals = asyncio.Semaphore(settings.max_concurrent)
        self.waiting = 0  # questions waiting for or holding a retrieval slot

    async def setup_hook(self) -> None:
        """Load the cogs, sync the slash commands, and load the index off the event loop."""
        await self.tree.set_translator(Translator())
        await self.load_cogs()
        await self.sync_commands()
        await self._warm_up()

    async def load_cogs(self) -> None:
        """Load every feature's cog."""
        for ext in extensions():
            await self.load_extension(ext)

    async def sync_commands(self) -> None:
        """Sync slash commands to DOCBOT_GUILD_ID when set (instant), globally otherwise (up to an hour)."""
        try:
            if self.settings.guild_id:
                guild = discord.Object(id=self.settings.guild_id)
                self.tree.copy_global_to(guild=guild)
                synced = await self.tree.sync(guild=guild)
                log.info("Synced %d slash commands to guild %s", len(synced), self.settings.guild_id)
            else:
                synced = await self.tree.sync()
                log.info("Synced %d slash commands globally (they can take up to an hour to appear)",
                         len(synced))
        except discord.HTTPException as exc:
            # Mentions and DMs still work; the usual cause is an invite without applications.commands.
            log.error("Could not sync slash commands (%s %s): invite the bot with the applications.commands "
                      "scope, and check DOCBOT_GUILD_ID", exc.status, exc.text)

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

    async def on_ready(self) -> None:
        """Log who we are and the invite link."""
        if self.user is None:
            return
        invite = discord.utils.oauth_url(self.user.id, permissions=PERMISSIONS,
                                         scopes=("bot", "applications.commands"))
        log.info("Connected as %s (%s) to %d servers; invite link: %s", self.user, self.user.id,
                 len(self.guilds), invite)

    async def on_message(self, message: discord.Message, /) -> None:
        """Do nothing here: docbot has no prefix commands; the ask cog listens for mentions and DMs."""

    async def _bounded(self, work: Callable[..., T], *args: object, **kwargs: object) -> T:
        """Run `work` off the event loop once a retrieval slot is free; BusyError if too many wait already."""
        if self.waiting >= self.settings.max_queued:
            # A flood is refused rather than queued without bound: each waiter holds memory.
            raise BusyError(self.waiting)
        self.waiting += 1
        try:
            async with self.retrievals:
                return await asyncio.to_thread(work, *args, **kwargs)
        finally:
            self.waiting -= 1

    async def ask(self, question: str, *, source: str, guild_id: int | None = None, history: Sequence[str] = (),
                  origin: Origin | None = None) -> Asked:
        """Answer and log a question (the service's one step), in a worker thread within the bounds."""
        return await self._bounded(self.service.ask, question, source=source, guild_id=guild_id, history=history,
                                   origin=origin)

    async def more(self, question_id: int) -> More | None:
        """The stored "more" passages of an answer, read off the event loop (no retrieval: no slot needed)."""
        return await asyncio.to_thread(self.service.more, question_id)

    async def rebuild(self) -> BuildSummary:
        """Update the index from the documents folder off the event loop and swap it in."""
        return await asyncio.to_thread(self.engine.rebuild, self.settings.documents_dir,
                                       build_options(self.settings), lock_wait=0.0)

    async def close(self) -> None:
        """Disconnect, then close the question log."""
        try:
            await super().close()
        finally:
            self.questions.close()


def _fail(message: str) -> None:
    sys.stderr.write(f"docbot: {message}\n")
    sys.stderr.flush()
    raise SystemExit(1)


def run_bot(settings: Settings, engine: Engine) -> None:
    """Run the bot until interrupted; a rejected token or no network: one line on stderr, exit code 1."""
    if settings.discord_token is None:
        _fail("DISCORD_TOKEN is not set")
    token = settings.discord_token.get_secret_value().strip()
    bot = DocBot(settings, engine)
    try:
        # log_handler=None: the CLI has configured logging already.
        bot.run(token, log_handler=None)
    except discord.LoginFailure:
        _fail("Discord rejected DISCORD_TOKEN: copy the token again from the Developer Portal "
              "(your application → Bot → Reset Token)")
    except discord.PrivilegedIntentsRequired:
        _fail("Discord refused the bot's intents: enable Message Content in the Developer Portal "
              "(Bot → Privileged Gateway Intents), or unset DOCBOT_MESSAGE_CONTENT")
    except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
        _fail(f"cannot reach Discord ({type(exc).__name__}); check the network connection")
