"""/documents: add a document from Discord, remove one, list them, sync the sources (who may: see bot/access.py).

With DOCBOT_SYNC_HOURS, the sources (`docbot sources`) are also synced on a schedule, off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.ext import commands

from index import DocbotError, DocumentsDirError, index_contents

from .. import render, uploads
from ..access import manages_documents, refusal
from ..i18n import t
from ._progress import Progress, deliver, describe_progress
from ._utils import NO_MENTIONS, interaction_language, user_message

if TYPE_CHECKING:
    from index import BuildSummary

    from ..client import DocBot

log = logging.getLogger(__name__)

NAME_CHARS = 100  # what Discord allows in an autocomplete choice


def _text(key: str) -> locale_str:
    return locale_str(t(key, "en"), key=key)


def refused(error: uploads.Refused, lang: str) -> str:
    """Why an upload or a removal was refused, in one line (names made inert)."""
    details = {k: render.fit(render.flat(str(v)), NAME_CHARS) if k == "name" else v for k, v in error.details.items()}
    return t(error.reason, lang, **details)


class Documents(commands.Cog):
    """Adds, removes and lists the documents docbot answers from, from Discord."""

    documents = app_commands.Group(name="documents", description=_text("cmd_documents"), guild_only=True,
                                   default_permissions=discord.Permissions(manage_guild=True))

    def __init__(self, bot: DocBot) -> None:
        self.bot = bot
        self.changing = asyncio.Lock()  # one change of the documents folder (and its rebuild) at a time
        self.scheduled: asyncio.Task | None = None

    async def cog_load(self) -> None:
        """Remove what uploads cut short by a crash left in the documents folder (not for `docbot sync`).

        With DOCBOT_SYNC_HOURS, start syncing the sources every so many hours.
        """
        if not self.bot.serve:
            return
        removed = await asyncio.to_thread(uploads.clean_leftovers, self.bot.settings.documents_dir)
        if removed:
            log.info("Removed the leftovers of interrupted uploads: %s", ", ".join(removed))
        if self.bot.settings.sync_hours:
            self.scheduled = asyncio.create_task(self._every(self.bot.settings.sync_hours * 3600))

    async def cog_unload(self) -> None:
        """Stop the scheduled syncs."""
        if self.scheduled is not None:
            self.scheduled.cancel()

    async def _every(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                async with self.changing:
                    lines, summary = await self.sync_sources(None, "en")
            except Exception:  # the next one may work: the previous documents and index still serve
                log.exception("The scheduled sync of the sources failed")
                continue
            log.info("Scheduled sync of the sources: %s%s", " ".join(lines),
                     f"; index: {summary.line()}" if summary else "")

    async def sync_sources(self, name: str | None, lang: str, progress: Callable[[str, int, int], None] | None = None
                           ) -> tuple[list[str], BuildSummary | None]:
        """Fetch the sources again in a thread, then update the index: a line per source, the build's summary.

        Hold `self.changing`. A source that fails keeps its previous documents; the others go on.
        """
        from ..sources import SourceError, UnknownSourceError, sync_configured

        try:
            outcomes = await asyncio.to_thread(sync_configured, self.bot.settings, name)
        except UnknownSourceError:
            return [t("sync_unknown", lang, name=render.fit(render.flat(name or ""), NAME_CHARS))], None
        except SourceError as exc:
            return [t("sync_source_failed", lang, name=exc.name or "?", reason=render.fit(exc.problem, 300))], None
        if not outcomes:
            return [t("sync_none", lang)], None
        lines = []
        for o in outcomes:
            if o.error:
                lines.append(t("sync_source_failed", lang, name=o.source.name, reason=render.fit(o.error, 300)))
            else:
                lines.append(t("sync_source", lang, name=o.source.name, changed=len(o.fetched.changed),
                               unchanged=len(o.fetched.unchanged), removed=len(o.removed or ())))
        # The incremental update reads only the files that changed; run even when none did, so a source added by
        # `docbot sources add` (which does not index) is indexed.
        summary = await self.bot.rebuild(progress) if any(not o.error for o in outcomes) else None
        return lines, summary

    @documents.command(name="sync", description=_text("cmd_documents_sync"))
    @app_commands.describe(source=_text("cmd_documents_sync_name"))
    @manages_documents()
    async def sync(self, interaction: discord.Interaction, source: app_commands.Range[str, 1, 64] | None = None
                   ) -> None:
        """/documents sync: fetch the websites and repositories again, then update the index."""
        name = source
        lang = interaction_language(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        log.info("Sync of the sources (%s) by %s in guild %s", name or "all", interaction.user.id,
                 interaction.guild_id)
        async with self.changing:
            try:
                async with Progress(interaction, describe_progress(lang, name or "sources")) as progress:
                    lines, summary = await self.sync_sources(name, lang, progress)
            except Exception as exc:  # noqa: BLE001 - the words for any failure, where the requester will see them
                text = user_message(exc, lang)
            else:
                if summary is not None:
                    lines.append(render.reindex_message(summary, lang))
                text = render.shorten("\n".join(lines), render.MESSAGE_LIMIT)
        await deliver(interaction, text, lang, "/documents sync")

    @sync.autocomplete("source")
    async def source_names(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        """The sources whose names hold what was typed (none for those who may not sync them)."""
        from ..sources import SourceError, source_names

        if await refusal(interaction) is not None:
            return []
        try:
            names = await asyncio.to_thread(source_names, self.bot.settings)
        except (SourceError, DocbotError):
            return []
        return [app_commands.Choice(name=n, value=n) for n in names if current.casefold() in n.casefold()][:25]

    @property
    def folder(self) -> Path:
        """The documents folder; DocumentsDirError when it is missing."""
        folder = self.bot.settings.documents_dir
        if not folder.is_dir():
            raise DocumentsDirError(folder)
        return folder

    @documents.command(name="add", description=_text("cmd_documents_add"))
    @app_commands.describe(file=_text("cmd_documents_add_file"), replace=_text("cmd_documents_add_replace"))
    @manages_documents()
    async def add(self, interaction: discord.Interaction, file: discord.Attachment, replace: bool = False) -> None:
        """/documents add: check the file, put it into the documents folder and index it."""
        lang = interaction_language(interaction)
        folder = self.folder
        limit = int(self.bot.settings.max_upload_mb * 1024 * 1024)
        try:
            name = uploads.safe_name(file.filename)
            uploads.check_size(file.size, limit)  # as declared: a lie is caught while downloading
            if not replace and (folder / name).exists():
                raise uploads.Refused("upload_exists", name=name)
        except uploads.Refused as exc:
            log.info("Upload refused (%s) to %s in guild %s", exc.reason, interaction.user.id, interaction.guild_id)
            await interaction.response.send_message(refused(exc, lang), ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        log.info("Upload of %s (%d bytes declared) by %s in guild %s", name, file.size, interaction.user.id,
                 interaction.guild_id)
        async with self.changing:
            text = await self._add(interaction, file.url, name, replace, limit, lang)
        await deliver(interaction, text, lang, "/documents add")

    async def _add(self, interaction: discord.Interaction, url: str, name: str, replace: bool, limit: int,
                   lang: str) -> str:
        folder = self.folder
        temp = None
        try:
            temp = await uploads.download(url, folder, limit)
            await asyncio.to_thread(uploads.check_content, temp, name)
            change = await asyncio.to_thread(uploads.put, temp, folder, name, replace=replace)
        except uploads.Refused as exc:
            log.info("Upload of %s refused: %s", name, exc.reason)
            return refused(exc, lang)
        finally:
            if temp is not None:
                temp.unlink(missing_ok=True)
        shown = render.fit(name, NAME_CHARS)
        try:
            summary = await self._rebuild(interaction, shown, lang)
        except Exception as exc:  # noqa: BLE001 - the previous index still serves: put the folder back as it was
            await asyncio.to_thread(change.undo)
            return t("upload_failed", lang, name=shown, reason=user_message(exc, lang))
        skipped = next((s for s in summary.skipped if s.path == name), None)
        if skipped is not None:
            replaced = change.backup is not None
            await asyncio.to_thread(change.undo)
            if replaced:  # the old version left the index along with the unreadable new one: bring it back
                try:
                    await self.bot.rebuild()
                except Exception:
                    log.exception("Could not restore %s in the index after a refused replacement", name)
            return t("upload_unreadable", lang, name=shown, reason=render.fit(skipped.reason, 200))
        replaced = change.backup is not None
        await asyncio.to_thread(change.keep)
        if name in summary.unchanged:
            return t("upload_unchanged", lang, name=shown)
        index = await asyncio.to_thread(self.bot.engine.load)
        count = next((d.count for d in index.documents if d.path == name), 0)
        passages = t("passage_count_one", lang) if count == 1 else t("passage_count", lang, n=count)
        log.info("Upload of %s indexed: %d passages", name, count)
        return t("upload_replaced" if replaced else "upload_added", lang, name=shown, passages=passages,
                 documents=index.manifest.documents, total=index.manifest.passages)

    async def _rebuild(self, interaction: discord.Interaction, shown: str, lang: str) -> BuildSummary:
        async with Progress(interaction, describe_progress(lang, shown)) as progress:
            await progress.show(t("progress_start", lang, name=shown))
            return await self.bot.rebuild(progress)

    @documents.command(name="remove", description=_text("cmd_documents_remove"))
    @app_commands.describe(name=_text("cmd_documents_remove_name"))
    @manages_documents()
    async def remove(self, interaction: discord.Interaction, name: app_commands.Range[str, 1, 1000]) -> None:
        """/documents remove: take a document out of the folder and reindex."""
        lang = interaction_language(interaction)
        await interaction.response.defer(ephemeral=True, thinking=True)
        shown = render.fit(render.flat(name), NAME_CHARS)
        log.info("Removal of %r by %s in guild %s", name, interaction.user.id, interaction.guild_id)
        async with self.changing:
            try:
                change = await asyncio.to_thread(uploads.take_out, self.folder, name)
            except uploads.Refused as exc:
                text = refused(exc, lang)
            else:
                try:
                    await self._rebuild(interaction, shown, lang)
                except Exception as exc:  # noqa: BLE001 - the previous index still serves: put the file back
                    await asyncio.to_thread(change.undo)
                    text = t("remove_failed", lang, name=shown, reason=user_message(exc, lang))
                else:
                    await asyncio.to_thread(change.keep)
                    index = await asyncio.to_thread(self.bot.engine.load)
                    text = t("remove_done", lang, name=shown, documents=index.manifest.documents,
                             total=index.manifest.passages)
        await deliver(interaction, text, lang, "/documents remove")

    @remove.autocomplete("name")
    async def document_names(self, interaction: discord.Interaction, current: str
                             ) -> list[app_commands.Choice[str]]:
        """The indexed documents whose names hold what was typed (none for those who may not remove them)."""
        if await refusal(interaction) is not None:
            return []
        try:
            _, documents = await asyncio.to_thread(index_contents, self.bot.settings.index_dir)
        except DocbotError:
            return []
        needle = current.casefold()
        names = [d.path for d in documents if needle in d.path.casefold() and len(d.path) <= NAME_CHARS]
        return [app_commands.Choice(name=n, value=n) for n in names[:25]]

    @documents.command(name="list", description=_text("cmd_documents_list"))
    async def list_documents(self, interaction: discord.Interaction) -> None:
        """/documents list: each document's file name, title, passages and link, privately."""
        await interaction.response.defer(ephemeral=True, thinking=True)
        lang = interaction_language(interaction)
        index = await asyncio.to_thread(self.bot.engine.load)
        await interaction.followup.send(embeds=render.documents_embeds(index, lang), ephemeral=True,
                                        allowed_mentions=NO_MENTIONS)


async def setup(bot: DocBot) -> None:
    """Load the Documents cog."""
    await bot.add_cog(Documents(bot))
