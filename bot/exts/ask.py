"""Questions: the /ask command, mentions and DMs, and the buttons under each answer."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.ext import commands

from index.engine import MAX_QUESTION_CHARS, validate_question

from .. import render
from ..i18n import guess_language, language_for, t
from .error_handler import NO_MENTIONS, reply_error, send_error

if TYPE_CHECKING:
    from index import Answer

    from ..client import DocBot

log = logging.getLogger(__name__)

_MASS_MENTION = re.compile(r"@(?:everyone|here)\b")


class UserCooldown:
    """One question per user every `seconds` (0 turns it off), shared by /ask, mentions and DMs."""

    def __init__(self, seconds: float) -> None:
        self.cooldown = app_commands.Cooldown(1, seconds)
        self._buckets = (commands.CooldownMapping(self.cooldown, lambda user_id: user_id) if seconds > 0
                         else None)

    def retry_after(self, user_id: int) -> float:
        """0 if the user may ask now (and counts this question), else the seconds left to wait."""
        if self._buckets is None:
            return 0.0
        return self._buckets.update_rate_limit(user_id) or 0.0

    def check(self, user_id: int) -> None:
        """Count a question; raise CommandOnCooldown if the user asked too recently."""
        retry = self.retry_after(user_id)
        if retry:
            raise app_commands.CommandOnCooldown(self.cooldown, retry)


class MoreButton(discord.ui.DynamicItem[discord.ui.Button], template=r"docbot:more:(?P<qid>[0-9]{1,19})"):
    """"More passages": the next results for a logged question (state in custom_id: survives restarts)."""

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
        """Show the next passages to whoever clicked, privately."""
        bot = interaction.client
        lang = language_for(interaction.locale, interaction.guild_locale)
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
            logged = await asyncio.to_thread(bot.questions.get, self.question_id)
            if logged is None:
                await interaction.followup.send(t("question_gone", lang), ephemeral=True,
                                                allowed_mentions=NO_MENTIONS)
                return
            answer, _ = await bot.ask(logged.question)
            await interaction.followup.send(embeds=render.more_embeds(answer.question, answer.more, lang),
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
        lang = language_for(interaction.locale, interaction.guild_locale)
        try:
            recorded = await asyncio.to_thread(interaction.client.questions.vote, self.question_id,
                                               interaction.user.id, self.vote)
            key = ("thanks_up" if self.vote > 0 else "thanks_down") if recorded else "question_gone"
            await interaction.response.send_message(t(key, lang), ephemeral=True,
                                                    allowed_mentions=NO_MENTIONS)
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


class Ask(commands.Cog):
    """Answers questions from /ask, from mentions in channels and from DMs."""

    def __init__(self, bot: DocBot) -> None:
        self.bot = bot
        self.cooldown = UserCooldown(bot.settings.cooldown_seconds)

    async def cog_load(self) -> None:
        """Listen for clicks on the buttons of any answer, including those sent before a restart."""
        self.bot.add_dynamic_items(MoreButton, VoteButton)

    async def cog_unload(self) -> None:
        """Stop listening for the buttons."""
        self.bot.remove_dynamic_items(MoreButton, VoteButton)

    async def answer(self, question: str, lang: str, *, source: str,
                     guild_id: int | None) -> tuple[list[discord.Embed], discord.ui.View | None]:
        """Answer and log a question; the embeds and buttons to send (no buttons if it wasn't logged)."""
        try:
            answer, latency_ms = await self.bot.ask(question)
        except Exception as exc:
            await self._record(question, outcome="error", latency_ms=None, source=source, guild_id=guild_id,
                               error=f"{type(exc).__name__}: {exc}")
            raise
        question_id = await self._record(answer.question, outcome=_outcome(answer), latency_ms=latency_ms,
                                         source=source, guild_id=guild_id,
                                         top_document=answer.citations[0].passage.document if answer.citations
                                         else None)
        embeds = render.answer_embeds(answer, lang)
        view = answer_view(question_id, bool(answer.more), lang) if question_id is not None else None
        return embeds, view

    async def _record(self, question: str, **fields: object) -> int | None:
        # A full disk or a locked database must not cost the user the answer: log and go on.
        try:
            return await asyncio.to_thread(self.bot.questions.record, question, **fields)
        except Exception:
            log.exception("Could not log the question")
            return None

    @app_commands.command(name="ask", description=locale_str(t("cmd_ask", "en"), key="cmd_ask"))
    @app_commands.describe(question=locale_str(t("cmd_ask_question", "en"), key="cmd_ask_question"))
    async def ask(self, interaction: discord.Interaction,
                  question: app_commands.Range[str, 1, MAX_QUESTION_CHARS]) -> None:
        """/ask: answer publicly with cited passages."""
        self.cooldown.check(interaction.user.id)
        validate_question(question)  # before deferring, so a bad question gets a private reply
        # Discord drops an interaction with no first response within 3 s: acknowledge first.
        await interaction.response.defer(thinking=True)
        lang = language_for(interaction.locale, interaction.guild_locale)
        embeds, view = await self.answer(question, lang, source="slash", guild_id=interaction.guild_id)
        if view is None:
            await interaction.followup.send(embeds=embeds, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.followup.send(embeds=embeds, view=view, allowed_mentions=NO_MENTIONS)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer `@docbot question` in a channel, and any message in a DM, with a reply."""
        me = self.bot.user
        if me is None or message.author.bot or message.type not in (discord.MessageType.default,
                                                                     discord.MessageType.reply):
            return
        mention = re.compile(rf"<@!?{me.id}>")
        if message.guild is not None and not mention.search(message.content):
            return  # replies that merely ping the bot, @everyone and role pings are not questions
        # The bot's mention and mass pings are addressing, not part of the question.
        question = " ".join(_MASS_MENTION.sub(" ", mention.sub(" ", message.content)).split())
        lang = guess_language(question) if question else language_for(
            message.guild.preferred_locale if message.guild else None)
        if not question:
            await self._reply(message, t("mention_help", lang))
            return
        if len(question) > MAX_QUESTION_CHARS:
            await self._reply(message, t("question_too_long", lang, limit=MAX_QUESTION_CHARS))
            return
        try:
            self.cooldown.check(message.author.id)
            async with message.channel.typing():
                embeds, view = await self.answer(question, lang,
                                                 source="dm" if message.guild is None else "mention",
                                                 guild_id=message.guild.id if message.guild else None)
            if view is None:
                await message.reply(embeds=embeds, allowed_mentions=NO_MENTIONS, mention_author=False)
            else:
                await message.reply(embeds=embeds, view=view, allowed_mentions=NO_MENTIONS,
                                    mention_author=False)
        except Exception as exc:
            await reply_error(message, exc, lang)

    async def _reply(self, message: discord.Message, text: str) -> None:
        try:
            await message.reply(text, allowed_mentions=NO_MENTIONS, mention_author=False)
        except discord.HTTPException:
            log.warning("Could not reply to a message", exc_info=True)


def _outcome(answer: Answer) -> str:
    return "answered" if answer.answered and answer.sentences else "not_covered"


async def setup(bot: DocBot) -> None:
    """Load the Ask cog."""
    await bot.add_cog(Ask(bot))
