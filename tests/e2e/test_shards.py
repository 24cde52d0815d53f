"""docbot as several processes: two `docbot run`, each a range of shards of one count, one database, one index.

Real processes (tests/hardening/fakedocbot.py: the real CLI with the fake embedder) against the stand-in, which
routes each guild's events to its shard as Discord does. The database is PostgreSQL when
DOCBOT_TEST_DATABASE_URL names a server (CI), else a SQLite file both processes share.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.i18n import t
from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.fake_discord.interactions import run
from tests.e2e.fake_discord.pointing import environment
from tests.e2e.harness import embed_text

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
DRIVER = REPO / "tests" / "hardening" / "fakedocbot.py"
TIMEOUT = 60  # a safety net against a hang, not a timing assertion
SHARDS = 2
GUILDS_PER_SHARD = 3
QUESTIONS = [
    "Quel accord Jensen Huang a-t-il conclu avec l'administration Trump ?",
    "Pourquoi les exportations de la puce H20 ont-elles été suspendues ?",
    "Combien de puces Nvidia a-t-elle commandées à TSMC ?",
    "Nvidia va-t-elle augmenter la production de H200 pour la Chine ?",
    "Que s'est-il passé lors du dîner à Mar-a-Lago ?",
]
FOLLOW_UP = "Et qu'a-t-il promis en échange ?"
NEW_NAME = "protocole-quetzal.md"
NEW_DOC = ("# Le protocole Quetzal\n\n"
           "Le protocole Quetzal impose que chaque serre du jardin botanique de Vireux soit arrosée à l'aube.\n\n"
           "Les jardiniers du protocole Quetzal notent la température des serres dans un carnet bleu.\n")
NEW_QUESTION = "Quand faut-il arroser les serres du jardin botanique de Vireux ?"
WAVE = 40  # questions asked at the same moment
SWAP_LIMIT = 10.0  # seconds: issue 20's bound for another process to answer from a new index


@pytest.fixture
def shared_database(tmp_path) -> Iterator[str]:
    """The URL of a new database for the processes: a schema of its own on DOCBOT_TEST_DATABASE_URL's server,
    else a SQLite file."""
    server = os.environ.get("DOCBOT_TEST_DATABASE_URL")
    if not server:
        yield f"sqlite:///{tmp_path / 'shared.sqlite3'}"
        return
    schema = f"docbot_shards_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = sa.make_url(server).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@dataclass
class Process:
    """One `docbot run` serving some shards; its output goes to a log file."""

    name: str
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen | None = None
    _out: object = field(default=None, repr=False)

    def start(self, **extra: str) -> Process:
        self._out = open(self.log, "a", encoding="utf-8")  # noqa: SIM115 - closed in wait()
        self.proc = subprocess.Popen([sys.executable, str(DRIVER), "run"], env={**self.env, **extra},
                                     stdout=self._out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        return self

    async def wait(self) -> int:
        code = await asyncio.to_thread(self.proc.wait, TIMEOUT)
        self._out.close()
        return code

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self._out is not None:
            self._out.close()

    def rss_mb(self) -> float:
        """The process's resident memory now, in MiB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
        raise AssertionError("no VmRSS")

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8")

    def ready(self) -> bool:
        """Whether the process has connected its shards and received its servers (discord.py's on_ready)."""
        return "Connected as docbot" in self.output()


def count(url: str, sql: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql)).scalar_one()
    finally:
        engine.dispose()


def answer_of(rec) -> dict | None:
    """The answer shown for an /ask: one message, with the answer's embeds."""
    return rec.messages[0] if len(rec.messages) == 1 and rec.messages[0].get("embeds") else None


def vote_button(message: dict) -> str:
    return next(b["custom_id"] for row in message["components"] for b in row["components"]
                if b["custom_id"].endswith(":up"))


async def ask_all(fake: FakeDiscord, questions: list[tuple[str, int]]) -> list:
    """Each (question, channel) asked with /ask by a new member, all at once; the interactions."""
    members = [fake.add_member(f"asker{i}") for i in range(len(questions))]
    return await asyncio.gather(*(fake.invoke("ask", {"question": q}, member=m, channel_id=c)
                                  for (q, c), m in zip(questions, members, strict=True)))


async def answered(fake: FakeDiscord, recs: list, what: str) -> None:
    try:
        await fake.wait_for(lambda: all(r.answered for r in recs), TIMEOUT, what)
    except TimeoutError as exc:
        left = [(fake.shard_of(r.guild_id), r.callback_type) for r in recs if not r.answered]
        raise AssertionError(f"{exc}: {len(left)} of {len(recs)} unanswered (shard, first response): "
                             f"{left[:10]}") from None


async def test_two_processes_share_the_shards(discord_at, built, docs_copy, shared_database, tmp_path, figures):
    """Two `docbot run` processes, shard 0 and shard 1 of 2: 200 questions over servers of both answered once;
    votes and follow-ups from both at once all kept; a cooldown holds across them; /reindex received by one and
    the other answers from the new index within 10 s; SIGTERM to one and kill -9 of one mid-question while the
    other keeps answering; a restarted process resumes its shard."""
    fake = discord_at
    fake.shard_count = SHARDS
    channels = {s: [int(fake.add_guild(f"serveur {s}.{i}", shard=s)["id"]) for i in range(GUILDS_PER_SHARD)]
                for s in range(SHARDS)}
    admin_channel = channels[0][0]
    base = {**os.environ, "DISCORD_TOKEN": fake.bot_token, "DOCBOT_GUILD_ID": "",
            "DOCBOT_ADMIN_GUILD_IDS": str(fake.guild_of(admin_channel)), "DOCBOT_DATABASE_URL": shared_database,
            "DOCBOT_DOCUMENTS_DIR": str(docs_copy), "DOCBOT_INDEX_DIR": str(built),
            "DOCBOT_EMBEDDING_MODEL": "fake-embedder", "DOCBOT_EMBEDDING_BACKEND": "torch",
            "DOCBOT_SHARD_COUNT": str(SHARDS), "DOCBOT_COOLDOWN_SECONDS": "30", "DOCBOT_SHUTDOWN_SECONDS": "1",
            **environment(fake.api_base, fake.gateway_url)}
    a = Process("A", {**base, "DOCBOT_SHARD_IDS": "0"}, tmp_path / "a.log")
    b = Process("B", {**base, "DOCBOT_SHARD_IDS": "1"}, tmp_path / "b.log")
    try:
        a.start()
        b.start()
        await fake.wait_shards(range(SHARDS), TIMEOUT)
        await fake.wait_for(lambda: fake.commands.get(None) and all(p.ready() for p in (a, b)), TIMEOUT,
                            "the commands, and both processes ready")

        # 200 questions over the servers of both shards, in waves of 40 asked at once.
        spread = [(QUESTIONS[i % len(QUESTIONS)], channels[i % SHARDS][i // SHARDS % GUILDS_PER_SHARD])
                  for i in range(200)]
        recs = []
        for wave in range(0, len(spread), WAVE):
            asked = await ask_all(fake, spread[wave:wave + WAVE])
            recs += asked
            await fake.wait_for(lambda asked=asked: all(r.callback_at or r.late_callbacks for r in asked), TIMEOUT,
                                "the first responses")
        await answered(fake, recs, "the 200 answers")
        answers = [answer_of(r) for r in recs]
        lost = sum(1 for x in answers if x is None)
        assert not lost, [r.messages for r, x in zip(recs, answers, strict=True) if x is None][:3]
        assert count(shared_database, "SELECT count(*) FROM questions") == 200
        served = {s: sum(1 for r in recs if fake.shard_of(r.guild_id) == s) for s in range(SHARDS)}
        assert served == {0: 100, 1: 100}
        rss = {"A": a.rss_mb(), "B": b.rss_mb()}

        # Votes and follow-ups on answers given by both processes, all at once.
        picked = [recs[i] for i in range(40)]  # 20 on each shard
        voters = [fake.add_member(f"voter{i}") for i in range(len(picked))]
        followers = [fake.add_member(f"follower{i}") for i in range(len(picked))]
        clicks_and_replies = await asyncio.gather(
            *(fake.click(r.messages[0], vote_button(r.messages[0]), member=v) for r, v in zip(picked, voters,
                                                                                             strict=True)),
            *(fake.reply(r.messages[0], FOLLOW_UP, member=f) for r, f in zip(picked, followers, strict=True)))
        clicks, replies = clicks_and_replies[:len(picked)], clicks_and_replies[len(picked):]
        await fake.wait_for(lambda: all(c.answered for c in clicks) and all(fake.replies_to(m) for m in replies),
                            TIMEOUT, "the thanks and the follow-up answers")
        assert all(c.messages[0]["content"] == t("thanks_up", "fr") for c in clicks)
        assert count(shared_database, "SELECT count(*) FROM feedback WHERE vote = 1") == len(picked)
        assert count(shared_database, "SELECT count(*) FROM questions WHERE parent_id IS NOT NULL") == len(picked)

        # A user's cooldown holds in a server of the other shard.
        ada = fake.add_member("ada")
        first = await fake.invoke("ask", {"question": QUESTIONS[0]}, member=ada, channel_id=channels[0][1])
        await answered(fake, [first], "ada's answer")
        again = await fake.invoke("ask", {"question": QUESTIONS[1]}, member=ada, channel_id=channels[1][1])
        await answered(fake, [again], "ada's refusal")
        assert answer_of(first) is not None and again.ephemeral
        assert again.messages[0]["content"].startswith(t("cooldown", "fr", seconds=1).split("1")[0])

        # /reindex received by A (shard 0); B (shard 1) answers from the new version.
        (docs_copy / NEW_NAME).write_text(NEW_DOC, encoding="utf-8")
        manager = fake.add_member("gérante", moderator=True)
        reindex = await run(fake, "reindex", member=manager, channel_id=admin_channel)
        await fake.wait_for(lambda: reindex.messages and not reindex.messages[-1]["content"].endswith("…"),
                            TIMEOUT, "the end of /reindex")
        rebuilt = time.monotonic()
        swap_delay, tries = None, 0
        while swap_delay is None:
            tries += 1
            [rec] = await ask_all(fake, [(NEW_QUESTION, channels[1][tries % GUILDS_PER_SHARD])])
            await answered(fake, [rec], "an answer from B")
            if NEW_NAME in embed_text(rec.messages[0]):
                swap_delay = time.monotonic() - rebuilt
            else:
                assert time.monotonic() - rebuilt < SWAP_LIMIT, "B still answers from the old index"
        assert "Now serving index version" in b.output()

        # SIGTERM to B: A keeps answering meanwhile; B exits cleanly.
        b.proc.send_signal(signal.SIGTERM)
        during = await ask_all(fake, [(QUESTIONS[i], channels[0][i % GUILDS_PER_SHARD]) for i in range(5)])
        await answered(fake, during, "A's answers while B stops")
        assert await b.wait() == 0
        assert all(answer_of(r) for r in during)

        # B again, its questions slow: kill -9 with questions in flight; A is unaffected; a new B resumes shard 1.
        old = fake.shard_sessions[1].id
        b.start(DOCBOT_TEST_QUERY_SECONDS="5")
        await fake.wait_for(lambda: fake.shard_sessions[1].id != old and fake.shard_sessions[1].guilds_sent,
                            TIMEOUT, "B to identify shard 1 again")
        in_flight = await ask_all(fake, [(QUESTIONS[i], channels[1][i % GUILDS_PER_SHARD]) for i in range(3)])
        await fake.wait_for(lambda: all(r.callback_type == 5 for r in in_flight), TIMEOUT, "B's deferrals")
        b.kill()
        assert not any(r.answered for r in in_flight), "the questions were still in flight"
        meanwhile = await ask_all(fake, [(QUESTIONS[i], channels[0][i % GUILDS_PER_SHARD]) for i in range(5)])
        await answered(fake, meanwhile, "A's answers after B was killed")
        assert all(answer_of(r) for r in meanwhile) and a.proc.poll() is None
        old = fake.shard_sessions[1].id
        b.start()
        await fake.wait_for(lambda: fake.shard_sessions[1].id != old and fake.shard_sessions[1].guilds_sent,
                            TIMEOUT, "the restarted B to identify shard 1")
        resumed = await ask_all(fake, [(QUESTIONS[i], channels[1][i % GUILDS_PER_SHARD]) for i in range(5)])
        await answered(fake, resumed, "the restarted B's answers")
        assert all(answer_of(r) for r in resumed)
        logs = a.output() + b.output()
        assert "Traceback" not in logs and " ERROR " not in logs, [line for line in logs.splitlines()
                                                                    if " ERROR " in line][:5]
    finally:
        for p in (a, b):
            if p.proc is not None and p.proc.poll() is None:
                p.proc.send_signal(signal.SIGTERM)
                try:
                    await p.wait()
                except subprocess.TimeoutExpired:
                    p.kill()
    figures["two processes, one shard each"] = {
        "answered": len(recs) - lost, "lost": lost, "votes kept": len(picked), "follow-ups kept": len(picked),
        "swap delay s": round(swap_delay, 2), "RSS A MiB": rss["A"], "RSS B MiB": rss["B"],
        "killed in flight": len(in_flight)}
    print(f"\nshards: answered {len(recs) - lost}, lost {lost}, swap delay {swap_delay:.2f} s, "
          f"RSS A {rss['A']} MiB, RSS B {rss['B']} MiB")


async def identify_closes(fake: FakeDiscord, shard: object) -> tuple[int, str]:
    """IDENTIFY with `shard` on a raw connection to the stand-in's gateway; how the stand-in closed it."""
    import aiohttp

    payload = {"token": fake.bot_token, "intents": 513, "properties": {}, **({"shard": shard} if shard else {})}
    async with aiohttp.ClientSession() as http, http.ws_connect(f"{fake.gateway_url}?v=10&encoding=json") as ws:
        await ws.receive_json()  # HELLO
        await ws.send_json({"op": 2, "d": payload})
        msg = await ws.receive()
        return ws.close_code, msg.extra


@pytest.mark.parametrize(("shard", "required", "code"), [
    ([2, 2], 1, 4010), ([-1, 2], 1, 4010), (["0", 2], 1, 4010), ([0], 1, 4010), ([0, 1], 2, 4011), (None, 2, 4011)])
async def test_identify_with_a_bad_shard_is_closed(discord_at, shard, required, code):
    """The stand-in is as strict as Discord: a shard out of range is closed with 4010, too few shards with 4011."""
    fake = discord_at
    fake.shard_count = fake.required_shards = required
    closed, _ = await asyncio.wait_for(identify_closes(fake, shard), TIMEOUT)
    assert closed == code


async def test_identify_as_a_shard_gets_its_guilds(discord_at):
    """IDENTIFY as shard 1 of 2: READY names the shard and the guilds routed to it, then their GUILD_CREATEs."""
    fake = discord_at
    fake.shard_count = 2
    for s in (0, 1, 1):
        fake.add_guild(f"serveur {s}", shard=s)
    await asyncio.wait_for(identify_ready(fake, [1, 2]), TIMEOUT)


async def identify_ready(fake: FakeDiscord, shard: list[int]) -> None:
    """IDENTIFY as `shard` and check READY and the GUILD_CREATEs that follow it."""
    import aiohttp

    payload = {"token": fake.bot_token, "intents": 513, "properties": {}, "shard": shard}
    async with aiohttp.ClientSession() as http, http.ws_connect(f"{fake.gateway_url}?v=10&encoding=json") as ws:
        await ws.receive_json()
        await ws.send_json({"op": 2, "d": payload})
        ready = (await ws.receive_json())["d"]
        expected = sorted(str(g) for g in fake.guild_names if fake.shard_of(g, shard[1]) == shard[0])
        assert ready["shard"] == shard and sorted(g["id"] for g in ready["guilds"]) == expected
        created = [(await ws.receive_json())["d"]["id"] for _ in expected]
        assert sorted(created) == expected


async def test_docbot_told_to_shard_says_so(discord_at, built):
    """docbot with too few shards for Discord (close code 4011): one line saying what to set, exit code 1."""
    fake = discord_at
    fake.shard_count = fake.required_shards = 2
    env = {**os.environ, "DISCORD_TOKEN": fake.bot_token, "DOCBOT_EMBEDDING_MODEL": "fake-embedder",
           "DOCBOT_EMBEDDING_BACKEND": "torch", "DOCBOT_SHARD_COUNT": "1",
           **environment(fake.api_base, fake.gateway_url)}
    done = await asyncio.to_thread(subprocess.run, [sys.executable, str(DRIVER), "run"], env=env,
                                   capture_output=True, text=True, timeout=TIMEOUT)
    assert (4011, "Sharding required.") in fake.gateway_closes
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.splitlines()[-1].startswith("docbot: Discord requires more shards"), done.stderr
