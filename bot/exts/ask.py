"""Questions: /ask, the "Ask docbot" menu, mentions, replies, threads, help forums, DMs; the answers' buttons.

A question that replies to one of docbot's answers, or is asked in a thread where docbot answered, follows
up that conversation: its earlier questions, kept in the bot's database, go to the engine with it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.ext import commands

from index import InvalidQuestionError

from .. import render
from ..database import Cooldowns, FollowUp, GuildSettings, Origin
from ..i18n import language_for, question_language, t
from ..messages import question_refusal
from ..service import Asked, BusyError
from ._conversation import (
    COOLDOWN_REACTION,
    TOO_LONG_REACTION,
    can_embed,
    mentions_me,
    question_text,
    react,
    replied_to,
    thread_name,
    typing,
)
from ._utils import NO_MENTIONS, interaction_language, reply, reply_error, send_error

if TYPE_CHECKING:
    from ..client import DocBot

log = logging.getLogger(__name__)

# Threads docbot starts from a question are hidden from the channel list after a day without messages.
THREAD_ARCHIVE_MINUTES = 1440
# How long a reply to one of the bot's answers waits for that answer to be linked to its question.
LINK_WAIT = 3.0
LINK_FRESH = dt.timedelta(seconds=60)
# A refusal said in a server's channel (the question's length limit) is deleted after this many seconds.
REFUSAL_SECONDS = 60.0
# The cooldown checks' own threads: they come before Discord's 3-second deadline, and must not queue
# behind retrievals in the default executor.
_COOLDOWN_THREADS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="docbot-cooldowns")


class UserCooldown:
    """One question per user every `seconds` (0 turns it off), shared by /ask, the menu, mentions and DMs.

    Kept in the bot's database (`store`), so it holds across the bot's processes: a user's DMs and a
    server's channels may be served by different shards. If the database does not answer within
    STORE_WAIT seconds (the check comes before Discord's 3-second deadline), this process's own count
    decides: a busy database delays nobody's question by more than that.
    """

    STORE_WAIT = 0.5
    WARN_EVERY = 60.0  # seconds between two warnings that the database did not answer (a burst warns once)

    def __init__(self, seconds: float, store: Cooldowns | None = None, kind: str = "ask") -> None:
        self.cooldown = app_commands.Cooldown(1, seconds)
        self.seconds = seconds
        self.store = store
        self.kind = kind
        self._buckets = (commands.CooldownMapping(self.cooldown, lambda user_id: user_id) if seconds > 0
                         else None)
        self._warned_at = -self.WARN_EVERY
        self._unwarned = 0

    async def retry_after(self, user_id: int) -> float:
        """0 if the user may ask now (and counts this question), else the seconds left to wait."""
        if self._buckets is None:
            return 0.0
        local = self._buckets.update_rate_limit(user_id) or 0.0
        if self.store is None:
            return local
        try:
            taken = asyncio.get_running_loop().run_in_executor(_COOLDOWN_THREADS, self.store.take, self.kind,
                                                               user_id, self.seconds)
            return await asyncio.wait_for(taken, self.STORE_WAIT)
        except Exception as exc:  # noqa: BLE001 - a timeout, a database error: this process's count decides
            self._unwarned += 1
            now = time.monotonic()
            if now - self._warned_at >= self.WARN_EVERY:
                log.warning("The database did not give %d cooldowns in time (%s); this process's own count decided "
                            "(warned again in %g s at most)", self._unwarned, type(exc).__name__, self.WARN_EVERY)
                self._warned_at, self._unwarned = now, 0
            return local

    async def check(self, user_id: int) -> None:
        """Count a question; raise CommandOnCooldown if the user asked too recently."""
        retry = await self.retry_after(user_id)
        if retry:
            raise app_commands.CommandOnCooldown(self.cooldown, retry)


class MoreButton(discord.ui.DynamicItem[discord.ui.Button], template=r"docbot:more:(?P<qid>[0-9]{1,19})"):
    """"More passages": the passages ranked after the cited ones, as stored with the logged question.

    The state is the question's id in custom_id, and the passages are read from the question log:
    the button shows what belongs to its answer, after a restart or a /reindex too, without searching.
    """

    def __init__(self, question_id: int, label: str | None = None) -> None:
        super().__init__(discord.ui.Button(label=label, emoji="📚", style=discord.ButtonStyle.secondary,
                                           custom_id=f"docbot:more:{question_id}"))
        self.question_id = question_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str], /) -> MoreButton:
        """Rebuild the button from a click."""
        return cls(int(match["qid"]), item.label)

    async def callback(self, interaction: discord.Interaction[DocBot]) -> None:
        """Show the next passages to whoever clicked, privately (as often as questions may be asked)."""
        lang = interaction_language(interaction)
        try:
            # By name, not class: a reloaded extension defines its classes anew.
            cooldown = getattr(interaction.client.get_cog("Ask"), "more_cooldown", None)
            if cooldown is not None:
                await cooldown.check(interaction.user.id)
            await interaction.response.defer(ephemeral=True, thinking=True)
            more = await interaction.client.more(self.question_id)
            if more is None:
                await interaction.followup.send(t("question_gone", lang), ephemeral=True,
                                                allowed_mentions=NO_MENTIONS)
                return
            await interaction.followup.send(embeds=render.more_embeds(more.question, more.citations, lang),
                                            ephemeral=True, allowed_mentions=NO_MENTIONS)
        except Exception as exc:
            # Component errors don't reach the tree's handler: report them here.
            await send_error(interaction, exc)


class VoteButton(discord.ui.DynamicItem[discord.ui.Button],
                 template=r"docbot:vote:(?P<qid>[0-9]{1,19}):(?P<vote>up|down)"):
    """👍 / 👎 on an answer, recorded with its question in the question log."""

    def __init__(self, question_id: int, vote: int) -> None:
        name = "up" if vote > 0 else "down"
        super().__init__(discord.ui.Button(emoji="👍" if vote > 0 else "👎",
                                           style=discord.ButtonStyle.secondary,
                                           custom_id=f"docbot:vote:{question_id}:{name}"))
        self.question_id = question_id
        self.vote = 1 if vote > 0 else -1

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button,
                             match: re.Match[str], /) -> VoteButton:
        """Rebuild the button from a click."""
        return cls(int(match["qid"]), 1 if match["vote"] == "up" else -1)

    async def callback(self, interaction: discord.Interaction[DocBot]) -> None:
        """Record the vote (one per person per answer) and thank the voter privately."""
        lang = interaction_language(interaction)
        try:
            # Acknowledge first: the write may wait on a busy database longer than Discord's 3 s.
            await interaction.response.defer(ephemeral=True, thinking=True)
            recorded = await asyncio.to_thread(interaction.client.questions.vote, self.question_id,
                                               interaction.user.id, self.vote)
            key = ("thanks_up" if self.vote > 0 else "thanks_down") if recorded else "question_gone"
            await interaction.followup.send(t(key, lang), ephemeral=True, allowed_mentions=NO_MENTIONS)
        except Exception as exc:
            await send_error(interaction, exc)


def answer_view(question_id: int, has_more: bool, lang: str) -> discord.ui.View:
    """The buttons under an answer: "More passages" when there are more, then 👍 and 👎."""
    view = discord.ui.View(timeout=None)
    if has_more:
        view.add_item(MoreButton(question_id, t("more_button", lang)))
    view.add_item(VoteButton(question_id, 1))
    view.add_item(VoteButton(question_id, -1))
    return view


def answer_message(asked: Asked, lang: str, *, embed: bool = True) -> dict[str, Any]:
    """What to send for an answer: embeds (or, where they don't show, the same as text) and its buttons."""
    if embed:
        out: dict[str, Any] = {"embeds": render.answer_embeds(asked.answer, lang)}
    else:
        out = {"content": render.answer_text(asked.answer, lang)}
    if asked.question_id is not None:  # not logged: no buttons (nothing for them to find)
        out["view"] = answer_view(asked.question_id, bool(asked.answer.more), lang)
    return out


def _thread_of(channel: object) -> discord.Thread | None:
    return channel if isinstance(channel, discord.Thread) else None


class Ask(commands.Cog):
    """Answers questions from /ask, the message menu, mentions, replies, threads, help forums and DMs."""

    def __init__(self, bot: DocBot) -> None:
        self.bot = bot
        self.cooldown = UserCooldown(bot.settings.cooldown_seconds, bot.cooldowns, "ask")
        # The same rate for "More passages", counted apart: reading on right after asking is fine.
        self.more_cooldown = UserCooldown(bot.settings.cooldown_seconds, bot.cooldowns, "more")
        self.menu = app_commands.ContextMenu(name=locale_str(t("menu_ask", "en"), key="menu_ask"),
                                             callback=self.ask_about_message)
        # Notified each time an answer's message is linked to its question: a reply to an answer sent a
        # moment ago can arrive before the link is written, and waits for it (briefly).
        self._linked = asyncio.Condition()

    async def cog_load(self) -> None:
        """Add the message menu, and listen for the buttons of any answer (also those sent before a restart)."""
        self.bot.tree.add_command(self.menu)
        self.bot.add_dynamic_items(MoreButton, VoteButton)
        if self.bot.cooldowns is not None and self.bot.settings.cooldown_seconds > 0 and self.bot.serve:
            # Open a database connection for the cooldown checks now, not when the first questions arrive.
            try:
                await asyncio.get_running_loop().run_in_executor(_COOLDOWN_THREADS, self.bot.cooldowns.warm_up)
            except Exception as exc:  # noqa: BLE001 - the checks fall back on this process's count
                log.warning("Could not reach the database for the cooldowns (%s)", type(exc).__name__)

    async def cog_unload(self) -> None:
        """Remove the menu and stop listening for the buttons."""
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)
        self.bot.remove_dynamic_items(MoreButton, VoteButton)

    # What every way of asking shares --------------------------------------------------------------

    async def _settings(self, guild_id: int | None) -> GuildSettings:
        """A server's settings (defaults in DMs, or when the database can't be read)."""
        if guild_id is None:
            return GuildSettings()
        store = self.bot.guild_settings
        cached = store.cached(guild_id)
        if cached is not None:
            return cached
        try:
            return await asyncio.to_thread(store.get, guild_id)
        except Exception:
            log.warning("Could not read the settings of server %s; using the defaults", guild_id, exc_info=True)
            return GuildSettings()

    async def _follow_up(self, *, reply_to: int | None = None, thread_id: int | None = None,
                         to_me: bool = False) -> FollowUp | None:
        """What a question goes on from, read off the event loop (None when the database can't say).

        `to_me`: `reply_to` is one of the bot's messages. If it was sent a moment ago and is not linked to
        its question yet, wait for the links written meanwhile, up to LINK_WAIT seconds.
        """
        if reply_to is None and thread_id is None:
            return None
        # Only an answer sent (or a thread started) a moment ago, as its id tells, can still be on its way to
        # the database: a reply to it, or the asker going on in the new thread, waits for the link.
        now = discord.utils.utcnow()
        fresh = ((to_me and reply_to is not None and now - discord.utils.snowflake_time(reply_to) < LINK_FRESH)
                 or (reply_to is None and thread_id is not None
                     and now - discord.utils.snowflake_time(thread_id) < LINK_FRESH))
        deadline = asyncio.get_running_loop().time() + (LINK_WAIT if fresh else 0.0)
        while True:
            try:
                follow = await asyncio.to_thread(self.bot.conversations.follow_up, reply_to=reply_to,
                                                 thread_id=thread_id)
            except Exception:
                log.warning("Could not read the conversation; answering without it", exc_info=True)
                return None
            left = deadline - asyncio.get_running_loop().time()
            if (follow is not None and (follow.via == "reply" or reply_to is None)) or left <= 0:
                return follow
            async with self._linked:
                try:
                    await asyncio.wait_for(self._linked.wait(), left)
                except asyncio.TimeoutError:
                    pass

    async def _link(self, asked: Asked, message: discord.abc.Snowflake | None, *, thread_id: int | None = None
                    ) -> None:
        """Keep which message answered a question (a reply to it follows up) and the thread it goes on in."""
        if asked.question_id is None or (message is None and thread_id is None):
            return
        try:
            await asyncio.to_thread(self.bot.conversations.link_answer, asked.question_id,
                                    answer_message_id=message.id if message is not None else None,
                                    thread_id=thread_id)
        except Exception:
            log.warning("Could not keep the answer of question %s", asked.question_id, exc_info=True)
        finally:
            async with self._linked:
                self._linked.notify_all()

    @staticmethod
    def _language(settings: GuildSettings, fallback: str) -> str:
        return fallback if settings.language == "auto" else settings.language

    async def _ask(self, question: str, *, source: str, guild_id: int | None, user_id: int, channel_id: int | None,
                   message_id: int | None = None, thread: discord.Thread | None = None,
                   follow: FollowUp | None = None, context: str | None = None) -> Asked:
        history = [*(follow.history if follow is not None else ()), *([context] if context else [])]
        origin = Origin(user_id=user_id, channel_id=channel_id, message_id=message_id,
                        thread_id=thread.id if thread is not None else None,
                        parent_id=follow.parent_id if follow is not None else None)
        return await self.bot.ask(question, source=source, guild_id=guild_id, history=history, origin=origin)

    # /ask and the message menu ----------------------------------------------------------------------

    @app_commands.command(name="ask", description=locale_str(t("cmd_ask", "en"), key="cmd_ask"))
    @app_commands.describe(question=locale_str(t("cmd_ask_question", "en"), key="cmd_ask_question"),
                           private=locale_str(t("cmd_ask_private", "en"), key="cmd_ask_private"))
    async def ask(self, interaction: discord.Interaction, question: str, private: bool = False) -> None:
        """/ask: answer with cited passages, publicly or (private) to the asker alone; in a thread, a follow-up."""
        await self.cooldown.check(interaction.user.id)
        # Discord drops an interaction with no first response within 3 s: acknowledge first.
        await interaction.response.defer(ephemeral=private, thinking=True)
        settings = await self._settings(interaction.guild_id)
        lang = self._language(settings, interaction_language(interaction))
        thread = _thread_of(interaction.channel)
        follow = await self._follow_up(thread_id=thread.id) if thread is not None else None
        asked = await self._ask(question_text(question), source="slash", guild_id=interaction.guild_id,
                                user_id=interaction.user.id, channel_id=interaction.channel_id, thread=thread,
                                follow=follow)
        sent = await interaction.followup.send(**answer_message(asked, lang), ephemeral=private, wait=True,
                                               allowed_mentions=NO_MENTIONS)
        if not private:  # nobody can reply to an answer only its asker sees
            await self._link(asked, sent, thread_id=thread.id if thread is not None else None)

    async def ask_about_message(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """"Ask docbot" on a message: its text is the question; the answer replies to it."""
        await self.cooldown.check(interaction.user.id)
        await interaction.response.defer(ephemeral=True, thinking=True)
        settings = await self._settings(interaction.guild_id)
        question = question_text(message.content)
        lang = self._language(settings, question_language(question))
        thread = _thread_of(message.channel)
        follow = await self._follow_up(reply_to=message.reference.message_id if message.reference else None,
                                       thread_id=thread.id if thread is not None else None)
        asked = await self._ask(question, source="menu", guild_id=interaction.guild_id, user_id=interaction.user.id,
                                channel_id=message.channel.id, message_id=message.id, thread=thread, follow=follow)
        embed = interaction.app_permissions.embed_links
        try:
            sent = await message.reply(**answer_message(asked, lang, embed=embed), allowed_mentions=NO_MENTIONS,
                                       mention_author=False)
        except discord.HTTPException as exc:
            # The bot may not post there (no access, or only the user installed it): answer privately.
            log.info("Could not reply to the message (%s %s); answering privately", exc.status, exc.text)
            await interaction.followup.send(**answer_message(asked, lang), ephemeral=True,
                                            allowed_mentions=NO_MENTIONS)
            return
        await self._link(asked, sent, thread_id=thread.id if thread is not None else None)
        await interaction.followup.send(t("menu_answered", interaction_language(interaction), link=sent.jump_url),
                                        ephemeral=True, allowed_mentions=NO_MENTIONS)

    # Messages: mentions, replies, threads, help forums, DMs --------------------------------------------

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer a message addressed to the bot, a follow-up in its threads, a new help-forum post, any DM."""
        me = self.bot.user
        if me is None or message.author.bot or message.type not in (discord.MessageType.default,
                                                                     discord.MessageType.reply):
            return
        reply_to = message.reference.message_id if message.reference is not None else None
        if message.guild is None:
            earlier = replied_to(message)
            follow = await self._follow_up(reply_to=reply_to, to_me=earlier is not None and earlier.author.id == me.id)
            await self._answer(message, question_text(message.content), source="dm", settings=GuildSettings(),
                               follow=follow)
            return
        thread = _thread_of(message.channel)
        earlier = replied_to(message)
        spoken_to = mentions_me(message, me) or (earlier is not None and earlier.author.id == me.id)
        # With the Message Content intent, every message of a thread is readable: a follow-up needs no mention.
        listening = thread is not None and self.bot.intents.message_content
        if not (spoken_to or listening):
            return
        settings = await self._settings(message.guild.id)
        if thread is not None and message.id == thread.id and thread.parent_id in settings.forum_channels:
            await self._answer_forum_post(message, thread, settings)
            return
        if not settings.answers_mentions_in(thread.parent_id if thread is not None else message.channel.id):
            return
        follow = await self._follow_up(reply_to=reply_to, thread_id=thread.id if thread is not None else None,
                                       to_me=earlier is not None and earlier.author.id == me.id)
        if spoken_to:
            source = "mention" if follow is None else follow.via
        elif (follow is not None and follow.via == "thread" and message.author.id in follow.askers
              and earlier is None):
            # Someone who asked docbot in this thread goes on; a reply to someone else is for them.
            source = "thread"
        else:
            return
        question, context = question_text(message.content), None
        if spoken_to and earlier is not None and earlier.author.id != me.id:
            # "@docbot what does this mean?" on a reply: about the message replied to, as the message menu asks;
            # a bare mention there asks that message itself.
            quoted = question_text(earlier.content)
            question, context = (question, quoted or None) if question else (quoted, None)
        await self._answer(message, question, source=source, settings=settings, follow=follow, explicit=spoken_to,
                           context=context)

    async def _answer_forum_post(self, message: discord.Message, thread: discord.Thread,
                                 settings: GuildSettings) -> None:
        """A new post in a help forum: its title and text are the question; the answer goes in the post."""
        title, body = question_text(thread.name), question_text(message.content)
        question = body if title.casefold() in body.casefold() else f"{title}\n{body}".strip()
        # A post may run long: answer its beginning rather than refuse it.
        question = render.shorten(question, self.bot.engine.max_question_chars)
        await self._answer(message, question, source="forum", settings=settings, follow=None, explicit=False)

    async def _answer(self, message: discord.Message, question: str, *, source: str, settings: GuildSettings,
                      follow: FollowUp | None, explicit: bool = True, context: str | None = None) -> None:
        """Answer a message (reply, or a new thread in thread mode); refusals are reactions in a server.

        `context`: the text of the message a mention replied to, asked with as an earlier turn.
        """
        in_guild = message.guild is not None
        guild_lang = language_for(message.guild.preferred_locale if in_guild else None)
        if not question:
            if explicit:
                await reply(message, t("mention_help", self._language(settings, guild_lang)))
            return
        lang = self._language(settings, question_language(question))
        thread = _thread_of(message.channel)
        try:
            await self.cooldown.check(message.author.id)
            async with typing(message.channel):
                asked = await self._ask(question, source=source, guild_id=message.guild.id if in_guild else None,
                                        user_id=message.author.id, channel_id=message.channel.id,
                                        message_id=message.id, thread=thread, follow=follow, context=context)
            await self._deliver(message, asked, lang, settings)
        except Exception as exc:
            await self._refuse(message, exc, lang)

    async def _deliver(self, message: discord.Message, asked: Asked, lang: str, settings: GuildSettings) -> None:
        started = None
        if (settings.answer_mode == "thread" and isinstance(message.channel, discord.TextChannel)
                and message.guild is not None):
            try:
                started = await message.create_thread(name=thread_name(asked.answer.question),
                                                      auto_archive_duration=THREAD_ARCHIVE_MINUTES)
            except discord.HTTPException as exc:
                # No Create Public Threads permission, say: a reply still answers.
                log.info("Could not start a thread (%s %s); replying instead", exc.status, exc.text)
        if started is not None:
            sent = await started.send(**answer_message(asked, lang, embed=can_embed(started)),
                                      allowed_mentions=NO_MENTIONS)
            await self._link(asked, sent, thread_id=started.id)
            return
        sent = await message.reply(**answer_message(asked, lang, embed=can_embed(message.channel)),
                                   allowed_mentions=NO_MENTIONS, mention_author=False)
        await self._link(asked, sent)

    async def _refuse(self, message: discord.Message, error: BaseException, lang: str) -> None:
        """Tell the author why their question got no answer: in a server a reaction, never public words."""
        if message.guild is None:
            await reply_error(message, error, lang)
        elif isinstance(error, (app_commands.CommandOnCooldown, BusyError)):
            await react(message, COOLDOWN_REACTION)
        elif isinstance(error, InvalidQuestionError) and error.problem == "too_long":
            # The asker learns the limit; the channel keeps no trace of it a minute later.
            await react(message, TOO_LONG_REACTION)
            await reply(message, question_refusal(error, lang), delete_after=REFUSAL_SECONDS)
        elif isinstance(error, InvalidQuestionError):
            await reply(message, t("mention_help", lang))
        else:
            await reply_error(message, error, lang)


async def setup(bot: DocBot) -> None:
    """Load the Ask cog."""
    await bot.add_cog(Ask(bot))
