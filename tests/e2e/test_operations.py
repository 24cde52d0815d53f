"""Operating docbot on Discord: documents from Discord, who may change them, links, command sync, the graceful stop.

The real discord.py client against the stand-in, in the test's process or as a real `docbot` process
(tests/hardening/fakedocbot.py: the real CLI with the fake embedder).
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from bot import render
from bot.command_sync import STATE_FILE
from bot.database import QuestionLog
from bot.i18n import t
from index import SUPPORTED_SUFFIXES
from tests.e2e.fake_discord import objects as o
from tests.e2e.fake_discord.attachments import upload
from tests.e2e.fake_discord.interactions import choices, run
from tests.e2e.fake_discord.permissions import add_channel
from tests.e2e.fake_discord.pointing import environment
from tests.e2e.fake_discord.rest import DiscordError
from tests.e2e.harness import assert_same_citations, citations_shown, embed_text, plain

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
DRIVER = REPO / "tests" / "hardening" / "fakedocbot.py"
TIMEOUT = 60  # a safety net against a hang, not a timing assertion
MB = 1024 * 1024
NEW_NAME = "protocole-quetzal.md"
NEW_DOC = ("# Le protocole Quetzal\n\n"
           "Le protocole Quetzal impose que chaque serre du jardin botanique de Vireux soit arrosée à l'aube.\n\n"
           "Les jardiniers du protocole Quetzal notent la température des serres dans un carnet bleu.\n")
NEW_QUESTION = "Quand faut-il arroser les serres du jardin botanique de Vireux ?"
MAR_A_LAGO = "nvidia-h20-accord-mar-a-lago.txt"


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file of a folder, hidden ones included, with its size and modification time."""
    return {p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()}


def finished(rec) -> bool:
    """Whether a long command's private reply holds its result (progress messages end with an ellipsis)."""
    return bool(rec.messages) and not (rec.messages[-1].get("content") or "").endswith("…")


def result(rec) -> str:
    return rec.messages[-1]["content"]


async def add_document(fake, member, name: str, data: bytes, **options):
    """A member runs /documents add with a file; the interaction once its result is in."""
    attachment = upload(fake, name, data)
    rec = await run(fake, "documents", "add", {"file": attachment, **options}, member=member)
    await fake.wait_for(lambda: finished(rec), TIMEOUT, f"the result of adding {name}")
    return rec


@pytest.fixture
def manager(discord_at):
    return discord_at.add_member("manager", moderator=True)


# -- documents from Discord ---------------------------------------------------------------------------


async def test_upload(docbot, discord_at, fake_engine, docs_copy, manager, figures):
    """A manager of the admin server adds a document: progress, then what was added; the next question cites it;
    the same name again is refused without replace, and replaced with it."""
    fake = discord_at
    bot = await docbot(fake_engine, documents_dir=docs_copy)
    started = time.monotonic()
    rec = await add_document(fake, manager, NEW_NAME, NEW_DOC.encode())
    took = time.monotonic() - started

    assert rec.callback_type == 5 and rec.ephemeral, "deferred privately"
    edits = [s.payload["content"] for s in fake.sent_for(rec) if s.route == "edit_original"]
    assert edits[0] == t("progress_start", "fr", name=NEW_NAME), edits
    entry = next(d for d in bot.engine.index.documents if d.path == NEW_NAME)
    manifest = bot.engine.index.manifest
    passages = t("passage_count_one", "fr") if entry.count == 1 else t("passage_count", "fr", n=entry.count)
    assert result(rec) == t("upload_added", "fr", name=NEW_NAME, passages=passages, documents=manifest.documents,
                            total=manifest.passages)
    assert (docs_copy / NEW_NAME).read_text(encoding="utf-8") == NEW_DOC
    assert not [n for n in snapshot(docs_copy) if n.startswith(".")], "no temporary file left behind"

    asked = await fake.invoke("ask", {"question": NEW_QUESTION}, member=fake.add_member("ada"))
    await fake.wait_for(lambda: asked.answered, TIMEOUT, "the answer")
    assert citations_shown(asked.messages[0])[0].source_line.endswith(f"{NEW_NAME}_")
    assert "aube" in embed_text(asked.messages[0])

    again = await add_document(fake, manager, NEW_NAME, b"# Autre\n\nUn autre texte.\n")
    assert again.callback_type == 4 and result(again) == t("upload_exists", "fr", name=NEW_NAME)
    assert (docs_copy / NEW_NAME).read_text(encoding="utf-8") == NEW_DOC
    replaced = await add_document(fake, manager, NEW_NAME, NEW_DOC.replace("bleu", "rouge").encode(), replace=True)
    assert result(replaced).startswith(f"{NEW_NAME} remplacé : ")
    assert "rouge" in (docs_copy / NEW_NAME).read_text(encoding="utf-8")
    assert not fake.rejected()
    figures["upload"] = {"added and indexed s": round(took, 2), "passages": entry.count}


def _zip_bomb() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("bomb.html", b"\0" * (32 * MB))
    return buf.getvalue()


# name, its bytes (made when the case runs: some are tens of MB), attachment options, the refusal's message key
# and values, and whether it is downloaded at all (what the declared name and size refuse is not).
HOSTILE = {
    "empty file": ("vide.txt", lambda: b"", {}, ("upload_empty", {}), False),
    "200 MB declared": ("manuel.pdf", lambda: b"%PDF-1.4\n", {"declared_size": 200 * MB},
                        ("upload_too_large", {"limit": "20"}), False),
    "executable renamed .pdf": ("manuel.pdf", lambda: b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 4096, {},
                                ("upload_not_pdf", {"name": "manuel.pdf"}), True),
    "path traversal": ("../../etc/passwd.txt", lambda: b"root:x:0:0:root:/root:/bin/bash\n", {},
                       ("upload_path", {}), False),
    "control characters": ("rapport\x1b[31m\r\n.txt", lambda: b"Un rapport.\n", {}, ("upload_control", {}), False),
    "right-to-left override": ("notes\u202etxt.exe.txt", lambda: b"Des notes.\n", {}, ("upload_control", {}), False),
    "hidden file": (".env.txt", lambda: b"TOKEN=1\n", {}, ("upload_hidden", {}), False),
    "unsupported type": ("outil.exe", lambda: b"MZ\x90\x00", {},
                         ("upload_type", {"suffixes": ", ".join(SUPPORTED_SUFFIXES)}), False),
    "zip bomb renamed .html": ("page.html", _zip_bomb, {}, ("upload_not_text", {"name": "page.html"}), True),
    "declared size lies": ("notes.txt", lambda: b"a\n" * (11 * MB), {"declared_size": 1000},
                           ("upload_too_large", {"limit": "20"}), True),
    "gzip bomb": ("page.html", lambda: b"<html>" + b"A" * (40 * MB), {"declared_size": 40_000, "gzip_encoded": True},
                  ("upload_too_large", {"limit": "20"}), True),
}


@pytest.mark.parametrize("case", list(HOSTILE))
async def test_upload_hostile(docbot, discord_at, fake_engine, docs_copy, manager, case):
    """Each hostile upload is refused in one private line saying why; nothing is written to the documents folder,
    and what can be refused before downloading is never downloaded."""
    fake = discord_at
    name, make, options, (key, values), downloads = HOSTILE[case]
    await docbot(fake_engine, documents_dir=docs_copy)
    before = snapshot(docs_copy)
    built_at = fake_engine.index.manifest.built_at
    attachment = upload(fake, name, make(), **options)
    rec = await run(fake, "documents", "add", {"file": attachment}, member=manager)
    await fake.wait_for(lambda: finished(rec), TIMEOUT, "the refusal")

    [message] = rec.messages
    assert rec.ephemeral and message["flags"] & o.EPHEMERAL
    assert message["content"] == t(key, "fr", **values) and "\n" not in message["content"]
    assert snapshot(docs_copy) == before, "the documents folder is as it was"
    assert fake_engine.index.manifest.built_at == built_at, "no rebuild"
    assert (int(attachment["id"]) in fake.cdn_requests) == downloads
    assert not fake.rejected()


async def test_remove(docbot, discord_at, fake_engine, docs_copy, manager):
    """A manager picks a document by autocomplete and removes it: the folder and the index lose it, and answers no
    longer cite it; a name outside the folder is refused."""
    fake = discord_at
    bot = await docbot(fake_engine, documents_dir=docs_copy)
    typing = await run(fake, "documents", "remove", {"name": "MAR-A"}, member=manager, focused="name")
    offered = await fake.wait_for(lambda: choices(fake, typing), TIMEOUT, "the autocomplete choices")
    assert [c["value"] for c in offered] == [MAR_A_LAGO]

    rec = await run(fake, "documents", "remove", {"name": MAR_A_LAGO}, member=manager)
    await fake.wait_for(lambda: finished(rec), TIMEOUT, "the removal's result")
    manifest = bot.engine.index.manifest
    assert result(rec) == t("remove_done", "fr", name=MAR_A_LAGO, documents=4, total=manifest.passages)
    assert not (docs_copy / MAR_A_LAGO).exists()
    assert not [n for n in snapshot(docs_copy) if n.startswith(".")], "the copy kept aside is gone"
    assert MAR_A_LAGO not in {d.path for d in bot.engine.index.documents}
    asked = await fake.invoke("ask", {"question": "Où Jensen Huang a-t-il dîné avec Donald Trump ?"},
                              member=fake.add_member("ada"))
    await fake.wait_for(lambda: asked.answered, TIMEOUT, "the answer")
    assert all(MAR_A_LAGO not in c.source_line for c in citations_shown(asked.messages[0]))

    before = snapshot(docs_copy)
    for name in ("../index/current/manifest.json", "/etc/passwd", MAR_A_LAGO):
        bad = await run(fake, "documents", "remove", {"name": name}, member=manager)
        await fake.wait_for(lambda rec=bad: finished(rec), TIMEOUT, "the refusal")
        assert result(bad) == t("remove_unknown", "fr", name=render.fit(name, 100))
    assert snapshot(docs_copy) == before
    assert not fake.rejected()


async def test_upload_unreadable(docbot, discord_at, fake_engine, docs_copy, manager):
    """A file of the right kind that the readers can't use is refused with their reason; as a replacement, it
    leaves the old version in the folder and in the index."""
    fake = discord_at
    bot = await docbot(fake_engine, documents_dir=docs_copy)
    before = snapshot(docs_copy)
    broken = await add_document(fake, manager, "cassé.pdf", b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\n")
    assert result(broken).startswith(t("upload_unreadable", "fr", name="cassé.pdf", reason="").rstrip("()."))
    original = (docs_copy / MAR_A_LAGO).read_bytes()
    replaced = await add_document(fake, manager, MAR_A_LAGO, "🎉 !!! ?\n".encode(), replace=True)
    assert result(replaced) == t("upload_unreadable", "fr", name=MAR_A_LAGO, reason="no words")
    assert (docs_copy / MAR_A_LAGO).read_bytes() == original
    assert snapshot(docs_copy) == before
    assert MAR_A_LAGO in {d.path for d in bot.engine.index.documents}
    assert not fake.rejected()


async def test_upload_failure_keeps_the_previous_index(docbot, discord_at, docs_copy, tmp_path, fake_embedder,
                                                       manager, caplog):
    """Indexing fails (the model breaks on the new text): the previous index still answers, the folder is as it
    was, and the manager is told."""
    from index import BuildOptions, Engine, build_index

    class Breaking(type(fake_embedder)):
        def embed(self, texts, batch_size=32, *, query=False):
            if any("Quetzal" in text for text in texts):
                raise RuntimeError("the model ran out of memory")
            return super().embed(texts, batch_size, query=query)

    embedder = Breaking()
    build_index(docs_copy, tmp_path / "index", embedder, BuildOptions())
    engine = Engine(tmp_path / "index", embedder)
    bot = await docbot(engine, documents_dir=docs_copy)
    served = bot.engine.index.folder
    before = snapshot(docs_copy)
    rec = await add_document(fake := discord_at, manager, NEW_NAME, NEW_DOC.encode())

    assert result(rec) == t("upload_failed", "fr", name=NEW_NAME, reason=t("unexpected", "fr"))
    [logged] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert "out of memory" in repr(logged.exc_info[1]), "the operator gets the traceback"
    caplog.clear()  # an error the test caused on purpose
    assert snapshot(docs_copy) == before
    assert bot.engine.index.folder == served
    asked = await fake.invoke("ask", {"question": "Où Jensen Huang a-t-il dîné avec Donald Trump ?"},
                              member=fake.add_member("ada"))
    await fake.wait_for(lambda: asked.answered, TIMEOUT, "the answer from the previous index")
    assert citations_shown(asked.messages[0])


# -- who may do what ----------------------------------------------------------------------------------


async def test_admin_refusal(docbot, discord_at, fake_engine, docs_copy, caplog):
    """In a server that is not an admin server, its managers are refused /documents and /reindex with the reason,
    and the bot named the server in a warning at start; the bot's owner (a team developer) may."""
    fake = discord_at
    moderator = fake.add_member("moderator", moderator=True)
    developer = fake.add_member("developer", moderator=True)
    fake.team = [(fake.owner, "admin"), (developer.user, "developer")]
    await docbot(fake_engine, documents_dir=docs_copy, admin_guild_ids=[o.snowflake()])
    warnings = [r.getMessage() for r in caplog.records if r.name == "bot.access"]
    assert any(f"docbot e2e ({fake.guild_id})" in w and "DOCBOT_ADMIN_GUILD_IDS" in w for w in warnings), warnings

    before = snapshot(docs_copy)
    attachment = upload(fake, NEW_NAME, NEW_DOC.encode())
    for rec in [await run(fake, "documents", "add", {"file": attachment}, member=moderator),
                await run(fake, "documents", "remove", {"name": MAR_A_LAGO}, member=moderator),
                await fake.invoke("reindex", member=moderator)]:
        await fake.wait_for(lambda rec=rec: rec.answered, TIMEOUT, "the refusal")
        [message] = rec.messages
        assert rec.callback_type == 4 and message["flags"] & o.EPHEMERAL
        assert message["content"] == t("not_admin_guild", "fr")
    assert int(attachment["id"]) not in fake.cdn_requests
    assert snapshot(docs_copy) == before

    rec = await add_document(fake, developer, NEW_NAME, NEW_DOC.encode())
    assert result(rec).startswith(f"{NEW_NAME} ajouté : ")
    assert not fake.rejected()


# -- links ----------------------------------------------------------------------------------------------


async def test_citation_links(docbot, discord_at, docs_copy, tmp_path, fake_embedder, manager):
    """A document's url in metadata.json makes its citations, its /sources entry and its /documents list entry
    links; a url that is not http(s) links nothing."""
    from index import BuildOptions, Engine, build_index

    fake = discord_at
    meta_path = docs_copy / "metadata.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta[MAR_A_LAGO]["url"] = "https://example.org/articles/h20-(accord)"
    meta["huang-accord-trump-h20.txt"]["url"] = "javascript:alert(1)"
    meta_path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    build_index(docs_copy, tmp_path / "index", fake_embedder, BuildOptions())
    engine = Engine(tmp_path / "index", fake_embedder)
    await docbot(engine, documents_dir=docs_copy)
    link = "(https://example.org/articles/h20-%28accord%29)"

    question = "Où Jensen Huang a-t-il dîné avec Donald Trump ?"
    asked = await fake.invoke("ask", {"question": question}, member=fake.add_member("ada"))
    await fake.wait_for(lambda: asked.answered, TIMEOUT, "the answer")
    [embed] = asked.messages[0]["embeds"]
    fields = {plain(f["value"]).split("\n")[0]: f["value"] for f in embed["fields"]}
    linked = [first for first in fields if MAR_A_LAGO in first]
    assert linked and all(f"[{MAR_A_LAGO}]{link}" in fields[first] for first in linked), fields
    assert all("javascript" not in value for value in fields.values())
    from bot.terminal import answer_json
    assert_same_citations(asked.messages[0], answer_json(engine.ask(question)))

    sources = await fake.invoke("sources", member=fake.add_member("bea"))
    await fake.wait_for(lambda: sources.answered, TIMEOUT, "/sources")
    assert f"]{link}" in sources.messages[0]["embeds"][0]["description"]
    assert "javascript" not in sources.messages[0]["embeds"][0]["description"]
    listed = await run(fake, "documents", "list", member=manager)
    await fake.wait_for(lambda: listed.answered, TIMEOUT, "/documents list")
    description = listed.messages[0]["embeds"][0]["description"]
    assert f"]{link}" in description and f"`{MAR_A_LAGO}`" in description
    assert not fake.rejected()


# -- results that outlive the interaction --------------------------------------------------------------


@pytest.mark.parametrize("dms_open", [True, False], ids=["by DM", "in the channel"])
async def test_reindex_outlives_the_interaction(docbot, discord_at, fake_engine, docs_copy, manager, dms_open):
    """Past the interaction token's life (15 minutes on Discord, shortened here), /reindex's report goes to the
    manager by DM, or, with their DMs closed, to the channel, mentioning only them."""
    fake = discord_at
    await docbot(fake_engine, documents_dir=docs_copy)
    (docs_copy / NEW_NAME).write_text(NEW_DOC, encoding="utf-8")
    if not dms_open:
        fake.dms_closed.add(manager.id)
    fake.token_ttl = 0.0  # every edit and followup comes too late: the token has expired
    rec = await fake.invoke("reindex", member=manager)

    def delivered():
        with fake.lock:
            return [m for m in fake.channel_messages.values() if m["author"]["id"] == fake.bot_user["id"]]

    [message] = await fake.wait_for(delivered, TIMEOUT, "the report, delivered another way")
    assert "/reindex" in message["content"] and NEW_NAME in plain(message["content"])
    [sent] = [s for s in fake.sent if s.route == "channel_message" and s.status == 200]
    if dms_open:
        assert int(message["channel_id"]) in fake.dm_channels and not sent.pings
    else:
        assert int(message["channel_id"]) == fake.channel_id
        assert message["content"].startswith(manager.mention) and sent.pings == {f"user:{manager.id}"}
    assert rec.callback_type == 5 and not rec.answered


# -- command sync -----------------------------------------------------------------------------------------


def _missing_id(stored):
    return [{k: v for k, v in c.items() if k != "id"} for c in stored]


def _forbidden(stored):
    raise DiscordError(403, 50001, "Missing Access")


async def _hang(stored):
    await asyncio.sleep(3600)


SYNC_FAULTS = {
    "malformed answer": (_missing_id, "Discord's answer was malformed (KeyError: 'id')"),
    "refused": (_forbidden, "Discord refused it (403 Missing Access)"),
    "no answer": (_hang, "Discord did not answer in time"),
}


@pytest.mark.parametrize("fault", list(SYNC_FAULTS))
async def test_sync_failure(docbot, discord_at, fake_engine, monkeypatch, caplog, fault):
    """A sync that fails in any way is one warning line; the bot is connected and answers mentions, and the next
    start tries again."""
    import bot.client

    fake = discord_at
    answer, words = SYNC_FAULTS[fault]
    synced_at = []

    def faulty(stored):
        synced_at.append(time.monotonic())
        return answer(stored)

    fake.command_sync_fault = faulty
    monkeypatch.setattr(bot.client, "SYNC_TIMEOUT", 1.0)
    running = await docbot(fake_engine)
    [record] = [r for r in caplog.records if "Could not sync" in r.getMessage()]
    assert words in record.getMessage() and record.exc_info is None and "\n" not in record.getMessage()
    assert fake.identifies[0]["at"] < synced_at[0], "the bot connected before syncing"
    assert not (running.settings.index_dir / STATE_FILE).exists(), "a failed sync is not remembered"

    asked = await fake.post_message(f"<@{fake.app_id}> Où Jensen Huang a-t-il dîné avec Donald Trump ?",
                                    member=fake.add_member("ada"))
    [reply] = await fake.wait_for(lambda: fake.replies_to(asked), TIMEOUT, "the reply to the mention")
    assert citations_shown(reply)


# -- real `docbot` processes: `docbot sync`, and the graceful stop of `docbot run` ------------------------------


@pytest.fixture
def process_env(discord_at, built) -> dict[str, str]:
    """The environment of a `docbot` child on the stand-in (fake embedder; the test's index and database)."""
    fake = discord_at
    return {**os.environ, "DISCORD_TOKEN": fake.bot_token, "DOCBOT_GUILD_ID": str(fake.guild_id),
            "DOCBOT_EMBEDDING_MODEL": "fake-embedder", "DOCBOT_EMBEDDING_BACKEND": "torch",
            **environment(fake.api_base, fake.gateway_url)}


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(DRIVER), *args], env=env, capture_output=True, text=True,
                          timeout=TIMEOUT)


async def test_sync_command(discord_at, process_env, tmp_path):
    """`docbot sync --clear-global` registers the commands on the server, removes the older global ones and says
    so; run again, it finds nothing changed; `docbot run` then connects without syncing; failures are one line."""
    fake = discord_at
    with fake.lock:
        fake.commands[None] = [{"id": str(o.snowflake()), "type": 1, "name": name, "description": "old",
                                "application_id": str(fake.app_id), "version": "1"} for name in ("ask", "legacy")]
    r = await asyncio.to_thread(cli, process_env, "sync", "--clear-global")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        f"Synced 6 commands to server {fake.guild_id}: added /ask, /documents, /reindex, /settings, /sources, "
        "“Ask docbot” (menu); 0 unchanged",
        "Removed 2 commands globally: /ask, /legacy"], r.stdout
    assert fake.commands[None] == []
    assert sorted(c["name"] for c in fake.commands[fake.guild_id]) == ["Ask docbot", "ask", "documents", "reindex",
                                                                       "settings", "sources"]

    again = await asyncio.to_thread(cli, process_env, "sync")
    assert again.returncode == 0 and again.stdout.strip().endswith("6 unchanged"), again.stdout

    puts = len([r for r in fake.requests if r.method == "PUT"])
    log = open(tmp_path / "run.log", "w+", encoding="utf-8")
    bot = subprocess.Popen([sys.executable, str(DRIVER), "run"], env=process_env, stdout=log,
                           stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        await fake.wait_ready(TIMEOUT)
        rec = await fake.invoke("ask", {"question": NEW_QUESTION}, member=fake.add_member("ada"))
        await fake.wait_for(lambda: rec.answered, TIMEOUT, "an answer")
        await fake.wait_for(lambda: "Slash commands unchanged" in (tmp_path / "run.log").read_text(), TIMEOUT,
                            "the bot to compare its commands with the last sync")
    finally:
        bot.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(bot.wait, TIMEOUT)
        log.close()
    assert code == 0
    assert len([r for r in fake.requests if r.method == "PUT"]) == puts, "docbot run did not sync again"

    fake.command_sync_fault = _missing_id
    failed = await asyncio.to_thread(cli, process_env, "sync")
    assert failed.returncode == 1 and failed.stderr.splitlines() == [
        "docbot: could not sync the slash commands: Discord's answer was malformed (KeyError: 'id')"], failed.stderr
    usage = await asyncio.to_thread(cli, {**process_env, "DOCBOT_GUILD_ID": ""}, "sync", "--clear-global")
    assert usage.returncode == 2 and len(usage.stderr.splitlines()) == 1 and "--guild" in usage.stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_shutdown(discord_at, process_env, tmp_path, sig, figures):
    """`docbot run` stopped with 5 questions in flight: each is answered or told to ask again, the process exits 0,
    and the question log is closed with its WAL folded into the database file."""
    fake = discord_at
    db = tmp_path / "docbot.sqlite3"
    env = {**process_env, "DOCBOT_MAX_CONCURRENT": "1", "DOCBOT_SHUTDOWN_SECONDS": "1",
           "DOCBOT_COOLDOWN_SECONDS": "0", "DOCBOT_TEST_QUERY_SECONDS": "1.5"}
    log = open(tmp_path / "run.log", "w+", encoding="utf-8")
    bot = subprocess.Popen([sys.executable, str(DRIVER), "run"], env=env, stdout=log, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL)
    try:
        await fake.wait_ready(TIMEOUT)
        askers = [fake.add_member(f"user{i}") for i in range(5)]
        recs = await fake.invoke_many([("ask", {"question": f"Qui est le PDG de Nvidia ? ({i})"}, m)
                                       for i, m in enumerate(askers)])
        await fake.wait_for(lambda: all(r.callback_type == 5 for r in recs), TIMEOUT, "the 5 deferrals")
        assert not any(r.answered for r in recs), "the questions are still in flight"
        stopped_at = time.monotonic()
        bot.send_signal(sig)
        code = await asyncio.to_thread(bot.wait, TIMEOUT)
        took = time.monotonic() - stopped_at
    finally:
        if bot.poll() is None:
            bot.kill()
            bot.wait()
    log.seek(0)
    output = log.read()
    log.close()
    assert code == 0, output
    answered = [r for r in recs if r.messages and r.messages[0].get("embeds")]
    told = [r for r in recs if r.messages and r.messages[-1].get("content") == t("restarting", "fr")]
    assert len(answered) + len(told) == 5, [r.messages for r in recs]
    assert told and all(r.messages[-1]["flags"] & o.EPHEMERAL for r in told)
    assert "Traceback" not in output and "Received a stop signal" in output
    wal = Path(f"{db}-wal")
    assert not wal.exists() or wal.stat().st_size == 0, "the WAL was checkpointed into the database"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with QuestionLog(db, readonly=True) as qlog:
        assert qlog.totals().questions == len(answered)
    figures[f"shutdown ({sig.name})"] = {"answered": len(answered), "told to ask again": len(told),
                                         "signal to exit s": round(took, 2)}


async def test_late_result_where_the_bot_may_not_post(docbot, discord_at, fake_engine, docs_copy, manager, caplog):
    """A late result with the requester's DMs closed, asked in a channel where the bot may not post (the stand-in
    enforces channel permissions): Discord refuses both, and the result is in the bot's log."""
    fake = discord_at
    closed = add_channel(fake, "annonces", bot_deny=o.SEND_MESSAGES)
    await docbot(fake_engine, documents_dir=docs_copy)
    fake.token_ttl = 0.0
    fake.dms_closed.add(manager.id)
    rec = await run(fake, "documents", "add", {"file": upload(fake, NEW_NAME, NEW_DOC.encode())}, member=manager,
                    channel_id=int(closed["id"]))
    await fake.wait_for(lambda: any("Could not deliver" in r.getMessage() for r in caplog.records), TIMEOUT,
                        "the warning")
    refused = [s for s in fake.sent if s.route == "channel_message"]
    assert [s.error["code"] for s in refused] == [50007, 50013]
    [warning] = [r.getMessage() for r in caplog.records if "Could not deliver" in r.getMessage()]
    assert NEW_NAME in warning and rec.callback_type == 5
