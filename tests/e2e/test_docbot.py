"""Our bot, unmodified, on the real discord.py client, against the local Discord stand-in."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.i18n import t
from bot.terminal import answer_json
from tests.e2e.fake_discord import CommandUnavailable
from tests.e2e.fake_discord.pointing import environment
from tests.e2e.harness import LoopLag, assert_same_citations, citations_shown, embed_text, plain

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]

QUESTION = "Quel accord Jensen Huang a-t-il conclu avec l'administration Trump ?"
QUESTIONS = [
    QUESTION,
    "Pourquoi les exportations de la puce H20 ont-elles été suspendues ?",
    "Combien de puces Nvidia a-t-elle commandées à TSMC ?",
    "Nvidia va-t-elle augmenter la production de H200 pour la Chine ?",
    "Que s'est-il passé lors du dîner à Mar-a-Lago ?",
]


class SlowBuildEmbedder:
    """The fake embedder, with index builds that take a while off the GIL, as a real model's do."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.build_seconds = 0.0

    name = property(lambda self: self.inner.name)
    dimension = property(lambda self: self.inner.dimension)
    max_tokens = property(lambda self: self.inner.max_tokens)

    def count_tokens(self, text: str) -> int:
        return self.inner.count_tokens(text)

    def embed(self, texts, batch_size=32, *, query=False):
        if not query and self.build_seconds:  # passages: an index build
            time.sleep(self.build_seconds)
        return self.inner.embed(texts, batch_size, query=query)


def make_engine(docs: Path, index_dir: Path, embedder, **engine_options):
    from index import BuildOptions, Engine, build_index

    build_index(docs, index_dir, embedder, BuildOptions())
    return Engine(index_dir, embedder, **engine_options)


def add_document(docs: Path, name: str, text: str, title: str | None = None) -> None:
    (docs / name).write_text(text, encoding="utf-8")
    if title:
        meta_path = docs / "metadata.json"
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        meta[name] = {"title": title}
        meta_path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def message_payloads(fake) -> list:
    """The payloads the bot sent that create or edit a message's content (not bare deferrals)."""
    return [s for s in fake.sent
            if any(k in s.payload for k in ("content", "embeds", "components")) or s.route != "callback"]


async def test_ask_defers_then_cites_what_docbot_ask_json_cites(docbot, discord_at, fake_engine, figures):
    """Scenario 1: /ask → deferred within 3 s, then a followup citing what `docbot ask --json` cites."""
    fake = discord_at
    await docbot(fake_engine)
    rec = await fake.invoke("ask", {"question": QUESTION}, member=fake.add_member("ada"))
    await fake.wait_for(lambda: rec.answered, 15, "the answer")

    assert rec.callback_type == 5, "the first response is a deferral (\"docbot is thinking…\")"
    assert rec.first_response_seconds < fake.deadline
    [answer] = rec.messages
    assert not rec.ephemeral and not rec.followups, "one public answer, in place of the thinking message"
    expected = answer_json(fake_engine.ask(QUESTION))
    assert expected["answered"] and expected["citations"]
    assert_same_citations(answer, expected)
    assert plain(answer["embeds"][0]["description"]) == expected["answer"]
    assert not fake.rejected()
    figures["1 /ask"] = {"first response s": round(rec.first_response_seconds, 3),
                         "deadline margin s": round(fake.deadline - rec.first_response_seconds, 3)}


async def test_mention_and_dm_are_answered_with_citations(docbot, discord_at, fake_engine):
    """Scenario 2: a message mentioning the bot gets a reply with citations; so does a DM."""
    fake = discord_at
    await docbot(fake_engine, guild_id=None)  # commands synced globally this time
    ada = fake.add_member("ada")
    chatter = await fake.post_message(QUESTIONS[1], member=ada)  # not addressed to the bot
    asked = await fake.post_message(f"<@{fake.app_id}> {QUESTION}", member=ada)
    [reply] = await fake.wait_for(lambda: fake.replies_to(asked), 15, "the reply to the mention")
    assert str(reply["message_reference"]["message_id"]) == asked["id"]
    assert_same_citations(reply, answer_json(fake_engine.ask(QUESTION)))
    assert not fake.replies_to(chatter)

    dm = await fake.post_message(QUESTIONS[2], member=fake.add_member("bea"), dm=True)
    [answer] = await fake.wait_for(lambda: fake.replies_to(dm), 15, "the answer to the DM")
    assert "guild_id" not in answer
    assert_same_citations(answer, answer_json(fake_engine.ask(QUESTIONS[2])))
    assert not fake.rejected()


async def test_quoted_mentions_never_ping(docbot, discord_at, docs_copy, tmp_path, fake_embedder):
    """Scenario 3: mentions in a question and in a document: every message sent has allowed_mentions none."""
    fake = discord_at
    target = fake.add_member("cible")
    mentions = f"@everyone @here <@&{fake.pingable_role}> <@{target.id}>"
    add_document(docs_copy, "annonce-zorglub.txt",
                 f"Annonce du club Zorglub : {mentions} le club Zorglub se réunit mardi soir.\n"
                 f"Rappel {mentions} : la réunion du club Zorglub a lieu dans la salle Zorglub.\n",
                 title=f"Annonce {mentions} du club Zorglub")
    engine = make_engine(docs_copy, tmp_path / "index", fake_embedder)
    await docbot(engine, documents_dir=docs_copy)
    ada = fake.add_member("ada")
    question = f"{mentions} quand se réunit le club Zorglub ?"
    rec = await fake.invoke("ask", {"question": question}, member=ada)
    asked = await fake.post_message(f"<@{fake.app_id}> {question}", member=fake.add_member("bea"))
    dm = await fake.post_message(question, member=fake.add_member("cyd"), dm=True)
    bare = await fake.post_message(f"<@{fake.app_id}> {mentions}", member=fake.add_member("dan"))
    await fake.wait_for(lambda: rec.answered and all(fake.replies_to(m) for m in (asked, dm, bare)), 15,
                        "every answer")

    answers = [rec.messages[0], fake.replies_to(asked)[0], fake.replies_to(dm)[0]]
    for a in answers:
        assert "club Zorglub" in embed_text(a) and "everyone" in embed_text(a), "the document is quoted"
    sent = message_payloads(fake)
    assert len(sent) >= 4
    for s in sent:
        am = s.payload.get("allowed_mentions")
        assert am is not None, f"{s.route} payload without allowed_mentions: {s.payload}"
        assert am.get("parse") == [] and not am.get("users") and not am.get("roles") \
            and not am.get("replied_user"), (s.route, am)
        assert not s.pings, (s.route, s.pings)
    assert not fake.rejected()


async def test_reindex_during_50_questions(docbot, discord_at, docs_copy, tmp_path, fake_embedder, figures):
    """Scenario 4: /reindex with 50 questions in flight: each answered once, new index served, loop live."""
    fake = discord_at
    slow = SlowBuildEmbedder(fake_embedder)
    engine = make_engine(docs_copy, tmp_path / "index", slow)
    bot = await docbot(engine, documents_dir=docs_copy)
    add_document(docs_copy, "protocole-zorglub.txt",
                 "Le protocole Zorglub impose trois vérifications par semaine.\n"
                 "Chaque vérification du protocole Zorglub est signée par deux ingénieurs.\n")
    slow.build_seconds = 2.5
    manager = fake.add_member("manager", moderator=True)
    askers = [fake.add_member(f"user{i}") for i in range(50)]
    calls = [("ask", {"question": f"{QUESTIONS[i % len(QUESTIONS)]} (#{i})"}, m)
             for i, m in enumerate(askers)]
    calls.append(("reindex", {}, manager))  # /reindex arrives with the 50 questions in flight

    lag = LoopLag().start()
    started = time.monotonic()
    recs = await fake.invoke_many(calls)
    asks, reindex = recs[:50], recs[50]
    # /reindex shows its progress, then its report, in the same private reply.
    await fake.wait_for(lambda: reindex.answered and "protocole-zorglub.txt" in reindex.messages[0]["content"]
                        and all(r.answered for r in asks), 60, "all answers")
    sampled = len(lag.samples)
    await fake.wait_for(lambda: len(lag.samples) > sampled + 1, 10, "event-loop samples past the last answer")
    await lag.stop()
    # The rebuild runs from the /reindex deferral to its report (the last edit of its reply, after the progress).
    rebuild_start = reindex.callback_at
    rebuild_end = max(s.at for s in fake.sent_for(reindex) if s.route == "edit_original")
    answered_at = [min(s.at for s in fake.sent_for(r) if s.route == "followup") for r in asks]
    in_flight = sum(1 for at in answered_at if at > rebuild_start)
    assert in_flight >= 25, f"only {in_flight} questions were still in flight when the rebuild started"

    # All 50 answered exactly once, each with its own question.
    for i, r in enumerate(asks):
        assert len(r.messages) == 1 and len([s for s in fake.sent_for(r) if s.route == "followup"]) == 1
        title = plain(r.messages[0]["embeds"][0]["title"])
        assert title.endswith(f"(#{i})"), (i, title)
        assert citations_shown(r.messages[0])
    # The rebuild really happened, reported privately to the manager.
    [report] = reindex.messages
    assert reindex.ephemeral and report["flags"] & 64
    assert "protocole-zorglub.txt" in plain(report["content"])
    # The new index serves afterwards.
    after = await fake.invoke("ask", {"question": "Que impose le protocole Zorglub ?"},
                              member=fake.add_member("zoe"))
    await fake.wait_for(lambda: after.answered, 15, "the answer from the new index")
    assert any("protocole-zorglub.txt" in c.source_line for c in citations_shown(after.messages[0]))
    assert bot.engine.index.manifest.documents == 6
    # The gateway connection stayed healthy through the rebuild: a heartbeat every interval, no reconnect.
    interval = fake.heartbeat_interval_ms / 1000
    beats = [b for b in fake.heartbeats if b <= rebuild_end]
    during = [b for b in beats if b >= rebuild_start]
    edges = [max([b for b in beats if b < rebuild_start], default=rebuild_start)] + during + [rebuild_end]
    worst_gap = max(b - a for a, b in zip(edges, edges[1:], strict=False))
    assert during and worst_gap < interval + 0.5, (worst_gap, interval)
    assert len(fake.identifies) == 1 and not fake.resumes
    # The build itself takes build_seconds (2.5 s): run on the loop, it would stall it that long. Short stalls
    # (GIL hand-offs between the loop and the worker threads, a noisy shared machine) are figures, not failures.
    worst_lag = lag.max_between(rebuild_start, rebuild_end)
    assert worst_lag < slow.build_seconds / 2, f"the event loop was blocked {worst_lag:.2f} s during the rebuild"
    assert not fake.rejected()
    first = [r.first_response_seconds for r in recs]
    figures["4 /reindex + 50 questions"] = {
        "rebuild s": round(rebuild_end - rebuild_start, 2), "questions in flight at rebuild start": in_flight,
        "max event-loop lag during rebuild ms": round(worst_lag * 1000, 1),
        "lag samples": lag.count_between(rebuild_start, rebuild_end),
        "max lag incl. the 51-event burst ms": round(lag.max_between(started, rebuild_end) * 1000, 1),
        "heartbeats during rebuild": len(during), "worst heartbeat gap s": round(worst_gap, 3),
        "heartbeat interval s": interval, "max first response s": round(max(first), 3),
        "deadline margin s": round(fake.deadline - max(first), 3)}


async def test_200_asks_at_once(docbot, discord_at, fake_engine, figures):
    """Scenario 5: 200 /ask at the same moment: each gets its first response within 3 s, all are answered."""
    fake = discord_at
    await docbot(fake_engine)
    users = [fake.add_member(f"user{i}") for i in range(200)]
    lag = LoopLag().start()  # a figure for the lead, not a criterion of this scenario
    started = time.monotonic()
    recs = await fake.invoke_many([("ask", {"question": QUESTIONS[i % len(QUESTIONS)]}, u)
                                   for i, u in enumerate(users)])
    await fake.wait_for(lambda: all(r.callback_at for r in recs) or any(r.late_callbacks for r in recs), 10,
                        "the first responses")
    late = [r.late_callbacks for r in recs if r.late_callbacks]
    assert not late, f"{len(late)} interactions got their first response after {fake.deadline} s"
    await fake.wait_for(lambda: all(r.answered for r in recs), 90, "all 200 answers")
    done = time.monotonic()
    await lag.stop()
    assert all(len(r.messages) == 1 and citations_shown(r.messages[0]) for r in recs)
    assert not fake.rejected()
    first = sorted(r.first_response_seconds for r in recs)
    figures["5 200 /ask at once"] = {
        "max first response s": round(first[-1], 3),
        "median first response s": round(statistics.median(first), 3),
        "deadline margin s": round(fake.deadline - first[-1], 3),
        "all answered in s": round(done - started, 2),
        "max event-loop lag ms": round(lag.max_between(started, done) * 1000, 1)}


async def test_dropped_connection_then_next_question(docbot, discord_at, fake_engine, figures):
    """Scenario 6: the stand-in cuts the websocket; the bot reconnects and answers the next question."""
    fake = discord_at
    await docbot(fake_engine)
    ada = fake.add_member("ada")
    identified, resumed = len(fake.identifies), len(fake.resumes)
    dropped_at = time.monotonic()
    await fake.drop_connection()
    during = await fake.invoke("ask", {"question": QUESTIONS[1]}, member=ada)  # sent while the bot is away
    await fake.wait_for(lambda: (len(fake.resumes) > resumed or len(fake.identifies) > identified)
                        and fake.session.connection is not None, 30, "the bot to reconnect")
    back_at = time.monotonic()
    how = "resumed" if len(fake.resumes) > resumed else "re-identified"
    nxt = await fake.invoke("ask", {"question": QUESTION}, member=fake.add_member("bea"))
    await fake.wait_for(lambda: nxt.answered, 15, "the next answer")
    assert_same_citations(nxt.messages[0], answer_json(fake_engine.ask(QUESTION)))
    if how == "resumed":
        # Discord replays what the session missed: that question is answered too.
        await fake.wait_for(lambda: during.answered, 15, "the replayed question's answer")
    assert not fake.rejected()
    figures["6 dropped websocket"] = {
        "reconnect": how, "back after s": round(back_at - dropped_at, 3),
        "replayed events": fake.resumes[-1]["replayed"] if how == "resumed" else 0}


async def test_reindex_refused_without_manage_server(docbot, discord_at, docs_copy, tmp_path, fake_embedder):
    """Scenario 7: /reindex by a member without Manage Server: a private refusal, and nothing is rebuilt."""
    fake = discord_at
    engine = make_engine(docs_copy, tmp_path / "index", fake_embedder)
    bot = await docbot(engine, documents_dir=docs_copy)
    add_document(docs_copy, "nouveau.txt", "Un document ajouté après la construction de l'index.\n")
    before = sorted(p.name for p in (tmp_path / "index").iterdir())
    built_at = bot.engine.index.manifest.built_at
    member = fake.add_member("ada")

    with pytest.raises(CommandUnavailable):  # Discord's own UI hides the command from them...
        await fake.invoke("reindex", member=member)
    # ...unless a server admin allowed it to everyone in the Integrations settings; then the bot refuses.
    rec = await fake.invoke("reindex", member=member, permission_override=True)
    await fake.wait_for(lambda: rec.answered, 15, "the refusal")
    [refusal] = rec.messages
    assert rec.callback_type == 4 and rec.ephemeral and refusal["flags"] & 64
    assert refusal["content"] == t("manage_guild_only", "fr")
    # A rebuild starts by deferring ("thinking…"), and an interaction takes one first response: the
    # refusal being it, and all the bot sent for it, the command never ran.
    assert [s.route for s in fake.sent_for(rec)] == ["callback"]
    assert sorted(p.name for p in (tmp_path / "index").iterdir()) == before
    assert bot.engine.index.manifest.built_at == built_at and bot.engine.index.manifest.documents == 5
    assert not fake.rejected()


def test_rejected_token_exits_with_one_line(discord_at, tmp_path, figures):
    """Scenario 8: Discord rejects the token (401): `docbot run` exits non-zero, one line, no traceback."""
    fake = discord_at
    site = tmp_path / "site"
    site.mkdir()
    # Test configuration for a process we can't monkeypatch: discord.py's API base and gateway URL.
    (site / "sitecustomize.py").write_text(
        f"import sys\nsys.path.append({str(REPO)!r})\n"
        "from tests.e2e.fake_discord.pointing import point_from_environment\npoint_from_environment()\n")
    docs = tmp_path / "small-docs"
    docs.mkdir()
    (docs / "note.txt").write_text("Une courte note, pour que l'index soit vite construit.\n",
                                   encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(PYTHONPATH=str(site), DISCORD_TOKEN="a-token-discord-does-not-know", HF_HUB_OFFLINE="1",
               DOCBOT_DOCUMENTS_DIR=str(docs), DOCBOT_INDEX_DIR=str(tmp_path / "cli-index"),
               **environment(fake.api_base, fake.gateway_url))
    started = time.monotonic()
    proc = subprocess.run([str(Path(sys.executable).parent / "docbot"), "run"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    figures["8 rejected token"] = {"exit code": proc.returncode,
                                   "docbot run took s": round(time.monotonic() - started, 1)}
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    errors = [line for line in proc.stderr.splitlines() if line.startswith("docbot:")]
    assert len(errors) == 1 and "DISCORD_TOKEN" in errors[0], proc.stderr
    assert proc.stderr.rstrip().endswith(errors[0]), "the error is the last thing printed"
    with fake.lock:
        assert [(r.method, r.path, r.status) for r in fake.requests] == [("GET", "/api/v10/users/@me", 401)]


async def test_overflowing_answer_fits_discord_limits(docbot, discord_at, docs_copy, tmp_path, fake_embedder,
                                                      figures):
    """Scenario 9: an answer whose passages overflow every embed limit: Discord accepts what the bot sends."""
    fake = discord_at
    sentence = ("Le **protocole** _Zorglub_ exige des ~~contrôles~~ `stricts` || secrets || et @everyone "
                "doit lire la > consigne < du protocole Zorglub 📚 avant chaque essai. ")
    add_document(docs_copy, "zorglub-long.txt", "\n".join(sentence * 12 for _ in range(20)),
                 title="Le protocole Zorglub expliqué " + "en très grand détail " * 20)
    engine = make_engine(docs_copy, tmp_path / "index", fake_embedder, top_k=10)
    await docbot(engine, documents_dir=docs_copy)
    question = ("Que exige le protocole Zorglub pour les contrôles stricts avant chaque essai, et qui doit "
                "lire la consigne du protocole Zorglub ? " * 7).strip()
    rec = await fake.invoke("ask", {"question": question}, member=fake.add_member("ada"))
    await fake.wait_for(lambda: rec.answered, 15, "the answer")

    expected = answer_json(engine.ask(question))
    raw = len(question) + len(expected["answer"]) + sum(len(c["title"]) + len(c["text"])
                                                          for c in expected["citations"])
    assert raw > 6000 and len(expected["citations"]) == 10, "the material overflows one message's embeds"
    assert not fake.rejected()
    [answer] = rec.messages
    assert_same_citations(answer, expected)
    from tests.e2e.fake_discord.limits import embed_size

    total = sum(embed_size(e) for e in answer["embeds"])
    figures["9 overflowing answer"] = {"raw characters": raw, "embed characters sent": total,
                                       "fields": len(answer["embeds"][0].get("fields", []))}
