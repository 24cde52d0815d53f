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

from .. import render
from ..i18n import language_for, question_language, t
from ._utils import NO_MENTIONS, interaction_language, reply, reply_error, send_error

if TYPE_CHECKING:
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
        """Show the next passages to whoever clicked, privately."""
        lang = interaction_language(interaction)
        try:
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
        asked = await self.bot.ask(question, source=source, guild_id=guild_id)
        embeds = render.answer_embeds(asked.answer, lang)
        view = None
        if asked.question_id is not None:
            view = answer_view(asked.question_id, bool(asked.answer.more), lang)
        return embeds, view

    @app_commands.command(name="ask", description=locale_str(t("cmd_ask", "en"), key="cmd_ask"))
    @app_commands.describe(question=locale_str(t("cmd_ask_question", "en"), key="cmd_ask_question"))
    async def ask(self, interaction: discord.Interaction, question: str) -> None:
        """/ask: answer publicly with cited passages (a refused question: privately, see send_error)."""
        self.cooldown.check(interaction.user.id)
        # Discord drops an interaction with no first response within 3 s: acknowledge first.
        await interaction.response.defer(thinking=True)
        lang = interaction_language(interaction)
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
        if not question:
            await reply(message, t("mention_help", language_for(message.guild.preferred_locale if message.guild
                                                                else None)))
            return
        lang = question_language(question)
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


async def setup(bot: DocBot) -> None:
    """Load the Ask cog."""
    await bot.add_cog(Ask(bot))
