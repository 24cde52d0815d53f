"""Long commands (/reindex, /documents): progress shown by editing the reply, and results that outlive the interaction.

An interaction's token lives 15 minutes; a rebuild of a large corpus takes longer. Past that, the result goes to
the requester by DM, or, if their DMs are closed, to the channel where they asked, mentioning them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import discord

from ..i18n import t
from ..render import MESSAGE_LIMIT, shorten
from ._utils import NO_MENTIONS

log = logging.getLogger(__name__)

# Discord limits the edits of one message to a few every few seconds.
PROGRESS_EVERY = 2.0
# Errors that mean the interaction's token is no longer valid: Unknown Webhook, Invalid Webhook Token,
# Unknown Interaction.
_EXPIRED_CODES = {10015, 50027, 10062}


class Progress:
    """A build's progress shown in an interaction's deferred reply, edited at most every PROGRESS_EVERY seconds.

    Called from the build's thread as `progress(stage, done, total)`; `describe` turns that into the text.
    """

    def __init__(self, interaction: discord.Interaction, describe: Callable[[str, int, int], str | None]) -> None:
        self.interaction = interaction
        self.describe = describe
        self._latest: tuple[str, int, int] | None = None
        self._shown: str | None = None
        self._loop = asyncio.get_running_loop()
        self._changed = asyncio.Event()
        self._editing = asyncio.Lock()  # an edit under way is finished, not cut, when the build ends
        self._task: asyncio.Task | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        """Record the build's progress (from its thread)."""
        self._latest = (stage, done, total)
        with contextlib.suppress(RuntimeError):  # the loop has closed (the bot stopped): nobody to tell
            self._loop.call_soon_threadsafe(self._changed.set)

    async def show(self, text: str) -> None:
        """Edit the reply now (a failure only loses this step: the result is delivered on its own)."""
        async with self._editing:
            if text == self._shown or self._task is None or self.interaction.is_expired():
                return
            self._shown = text
            try:
                await self.interaction.edit_original_response(content=text, allowed_mentions=NO_MENTIONS)
            except discord.HTTPException as exc:
                log.debug("Could not show progress (%s %s)", exc.status, exc.text)

    async def _run(self) -> None:
        while True:
            await self._changed.wait()
            self._changed.clear()
            text = self.describe(*self._latest) if self._latest else None
            if text:
                await self.show(text)
            await asyncio.sleep(PROGRESS_EVERY)

    async def __aenter__(self) -> Progress:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        # An edit cut mid-request could reach Discord after the result and hide it: let it end, then stop.
        async with self._editing:
            task, self._task = self._task, None
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def describe_progress(lang: str, name: str) -> Callable[[str, int, int], str | None]:
    """The words for a build's progress (on `name`), for Progress."""

    def describe(stage: str, done: int, total: int) -> str | None:
        if stage.partition(" ")[0] == "embed" and total:  # "embed", or "embed 2/2" for a second model
            return t("progress_embed", lang, name=name, done=done, total=total)
        if stage == "store":
            return t("progress_store", lang, name=name)
        return None

    return describe


def _expired(error: discord.HTTPException) -> bool:
    return error.code in _EXPIRED_CODES or error.status == 401


async def deliver(interaction: discord.Interaction, text: str, lang: str, command: str) -> None:
    """Put a long command's result in its private reply.

    Once the interaction has expired, it goes by DM to whoever asked, else to the channel where they asked.
    """
    if not interaction.is_expired():
        try:
            await interaction.edit_original_response(content=text, allowed_mentions=NO_MENTIONS)
            return
        except discord.HTTPException as exc:
            if not _expired(exc):
                log.warning("Could not send the result of %s (%s %s): %s", command, exc.status, exc.text, text)
                return
    where = f"#{getattr(interaction.channel, 'name', None) or interaction.channel_id}"
    if interaction.guild is not None:
        where += f" ({interaction.guild.name})"
    late = shorten(t("late_result", lang, command=command, where=where, result=text),
                   MESSAGE_LIMIT - len(interaction.user.mention) - 1)
    try:
        await interaction.user.send(late, allowed_mentions=NO_MENTIONS)
        return
    except discord.HTTPException as exc:
        log.info("Could not send the result of %s by DM (%s %s); posting it in the channel", command, exc.status,
                 exc.text)
    channel = interaction.channel
    try:
        if channel is None or not hasattr(channel, "send"):
            raise discord.ClientException("no channel to post in")
        await channel.send(f"{interaction.user.mention} {late}",
                           allowed_mentions=discord.AllowedMentions(users=[interaction.user]))
    except (discord.HTTPException, discord.ClientException) as exc:
        log.warning("Could not deliver the result of %s to %s (%s): %s", command, interaction.user.id, exc, text)
