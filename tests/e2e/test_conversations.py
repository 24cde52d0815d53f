"""Conversations with our bot, unmodified, on the real discord.py client, against the local Discord stand-in:
replies, threads, the message menu, private answers, server settings, help forums, mentions, plain text."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import threading

import pytest

from bot.client import run_bot
from bot.i18n import t
from bot.settings import Settings
from bot.terminal import answer_json
from index import Engine
from tests.e2e.fake_discord import CommandUnavailable
from tests.e2e.fake_discord import objects as o
from tests.e2e.harness import assert_same_citations, citations_shown, embed_text, plain

pytestmark = pytest.mark.e2e

QUESTION = "Où Jensen Huang a-t-il dîné avec Donald Trump ?"
# Only makes sense after QUESTION: alone, it finds another article than the dinner's.
FOLLOW_UP = "Et qu'a-t-il promis en échange ?"
THIRD = "Et quand était-ce ?"
OTHER = "Pourquoi les exportations de la puce H20 ont-elles été suspendues ?"
WAIT = 15  # seconds for an answer; every test is bounded by pytest-timeout too


class RecordingEngine(Engine):
    """The real Engine, remembering each question and the history it was asked with."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.asked: list[tuple[str, list[str]]] = []
        self._lock = threading.Lock()

    def ask(self, question, k=None, history=()):
        with self._lock:
            self.asked.append((question, list(history)))
        return super().ask(question, k, history)


@pytest.fixture
def engine(built, fake_embedder) -> RecordingEngine:
    return RecordingEngine(built, fake_embedder)


def mention(fake, text: str) -> str:
    return f"<@{fake.app_id}> {text}"


async def manager_sets(fake, name: str, options: dict, manager) -> str:
    """A manager runs /settings …; the private text shown back."""
    rec = await fake.invoke(f"settings {name}", options, member=manager)
    await fake.wait_for(lambda: rec.answered, WAIT, f"/settings {name}")
    assert rec.ephemeral and rec.callback_type == 5 and rec.first_response_seconds < fake.deadline
    return rec.messages[0]["content"]


async def test_reply(docbot, discord_at, engine, fake_engine):
    """Reply button on an answer, no mention typed: answered with the first question; after a restart too."""
    fake = discord_at
    bot = await docbot(engine, cooldown_seconds=0)
    ada = fake.add_member("ada")
    asked = await fake.post_message(mention(fake, QUESTION), member=ada)
    [answer] = await fake.wait_for(lambda: fake.replies_to(asked), WAIT, "the answer")

    follow = await fake.reply(answer, FOLLOW_UP, member=ada)
    assert f"<@{fake.app_id}>" not in follow["content"], "the reply button pings; no mention is typed"
    [second] = await fake.wait_for(lambda: fake.replies_to(follow), WAIT, "the follow-up's answer")
    assert engine.asked[-1] == (FOLLOW_UP, [QUESTION])
    with_context = answer_json(fake_engine.ask(FOLLOW_UP, history=[QUESTION]))
    alone = answer_json(fake_engine.ask(FOLLOW_UP))
    assert_same_citations(second, with_context)
    assert with_context["citations"][0]["document"] == "nvidia-h20-accord-mar-a-lago.txt"  # the dinner
    assert alone["citations"][0]["document"] != with_context["citations"][0]["document"]

    await bot.close()  # a restart: the conversation is in the database, not in memory
    await docbot(engine, cooldown_seconds=0)
    third = await fake.reply(second, THIRD, member=ada)
    await fake.wait_for(lambda: fake.replies_to(third), WAIT, "the answer after the restart")
    assert engine.asked[-1] == (THIRD, [QUESTION, FOLLOW_UP])
    assert not fake.rejected()


async def test_thread(docbot, discord_at, engine):
    """Thread mode: a mention starts a thread named from it; two more turns there, no mention, then /ask."""
    fake = discord_at
    await docbot(engine, message_content=True, cooldown_seconds=0)
    text = await manager_sets(fake, "mode", {"answers": "thread"}, fake.add_member("gérante", moderator=True))
    assert t("settings_mode_thread", "fr") in text
    ada, bob = fake.add_member("ada"), fake.add_member("bob")

    asked = await fake.post_message(mention(fake, QUESTION), member=ada)
    thread = await fake.wait_for(lambda: fake.thread_from(asked), WAIT, "the thread")
    tid = int(thread["id"])
    assert thread["name"] == QUESTION and thread["parent_id"] == str(fake.channel_id)
    await fake.wait_for(lambda: fake.bot_messages_in(tid), WAIT, "the answer in the thread")
    assert not fake.replies_to(asked), "the answer is in the thread, not in the channel"

    await fake.post_message("Merci, je regarde.", member=bob, channel_id=tid)  # not an asker: not for docbot
    await fake.post_message(FOLLOW_UP, member=ada, channel_id=tid)  # no mention
    await fake.wait_for(lambda: len(fake.bot_messages_in(tid)) == 2, WAIT, "the second turn's answer")
    rec = await fake.invoke("ask", {"question": THIRD}, member=ada, channel_id=tid)
    await fake.wait_for(lambda: rec.answered, WAIT, "the third turn's answer")

    assert engine.asked == [(QUESTION, []), (FOLLOW_UP, [QUESTION]), (THIRD, [QUESTION, FOLLOW_UP])]
    answers = fake.bot_messages_in(tid)
    assert len(answers) == 3 and all(citations_shown(m) for m in answers)
    assert not fake.rejected()


async def test_context_menu(docbot, discord_at, engine, fake_engine):
    """"Ask docbot" on a message (no intent, no mention): the answer replies to it; the user gets a link."""
    fake = discord_at
    await docbot(engine)
    msg = await fake.post_message(OTHER, member=fake.add_member("ada"))
    received = [e["d"] for e in fake.session.events if e["t"] == "MESSAGE_CREATE" and e["d"]["id"] == msg["id"]]
    assert received[0]["content"] == "", "without the intent the bot never read the message"

    rec = await fake.invoke_menu("Ask docbot", msg, member=fake.add_member("bea"))
    await fake.wait_for(lambda: rec.answered and fake.replies_to(msg), WAIT, "the answer and the note")
    [answer] = fake.replies_to(msg)
    assert_same_citations(answer, answer_json(fake_engine.ask(OTHER)))
    assert rec.ephemeral and rec.first_response_seconds < fake.deadline
    assert rec.messages[0]["content"] == t("menu_answered", "fr", link=(
        f"https://discord.com/channels/{fake.guild_id}/{fake.channel_id}/{answer['id']}"))
    assert engine.asked == [(OTHER, [])] and not fake.rejected()


async def test_private_ask(docbot, discord_at, engine, monkeypatch):
    """/ask private: only the asker sees it; too soon again: a private notice; too long a mention: a reaction and
    the limit in a reply that is gone a moment later (a minute on Discord)."""
    fake = discord_at
    await docbot(engine)  # the default cooldown: 5 s
    # Loading the cog made its module anew: patch the one the bot runs.
    monkeypatch.setattr(sys.modules["bot.exts.ask"], "REFUSAL_SECONDS", 0.5)
    ada = fake.add_member("ada")
    rec = await fake.invoke("ask", {"question": QUESTION, "private": True}, member=ada)
    await fake.wait_for(lambda: rec.answered, WAIT, "the private answer")
    assert rec.callback_type == 5 and rec.ephemeral and rec.messages[0]["flags"] & o.EPHEMERAL
    assert citations_shown(rec.messages[0])
    with pytest.raises(AssertionError, match="ephemeral"):  # nobody can reply to a private answer
        await fake.reply(rec.messages[0], FOLLOW_UP, member=ada)

    again = await fake.invoke("ask", {"question": OTHER}, member=ada)
    await fake.wait_for(lambda: again.answered, WAIT, "the cooldown notice")
    assert again.callback_type == 4 and again.ephemeral and plain(again.messages[0]["content"]).startswith("Doucement")

    long_one = await fake.post_message(mention(fake, "Qui " * 400), member=fake.add_member("bea"))
    assert await fake.wait_for(lambda: fake.reactions_on(long_one), WAIT, "the reaction") == ["✂️"]
    said = await fake.wait_for(lambda: [m for m in fake.deleted_messages
                                        if str((m.get("message_reference") or {}).get("message_id")) == long_one["id"]],
                               WAIT, "the limit said, then deleted")
    assert [m["content"] for m in said] == [t("question_too_long", "fr", length=1599, limit=1000)]
    assert not fake.replies_to(long_one), "no public words left"
    # The engine is the one validator: it saw the long question and refused it.
    assert [q for q, _ in engine.asked] == [QUESTION, ("Qui " * 400).strip()] and not fake.rejected()


async def test_settings(docbot, discord_at, engine):
    """/settings: hidden from and refused to a member; a manager limits mentions to a channel, and it applies."""
    fake = discord_at
    bot = await docbot(engine, cooldown_seconds=0)
    help_channel = await fake.add_channel("aide")
    member, manager = fake.add_member("ada"), fake.add_member("gérante", moderator=True)
    with pytest.raises(CommandUnavailable):
        await fake.invoke("settings channel", {"channel": int(help_channel["id"]), "answer": True}, member=member)
    refused = await fake.invoke("settings channel", {"channel": int(help_channel["id"]), "answer": True},
                                member=member, permission_override=True)
    await fake.wait_for(lambda: refused.answered, WAIT, "the refusal")
    assert refused.callback_type == 4 and refused.ephemeral
    assert refused.messages[0]["content"] == t("manage_guild_only", "fr")
    assert bot.guild_settings.get(fake.guild_id).mention_channels == frozenset()

    text = await manager_sets(fake, "channel", {"channel": int(help_channel["id"]), "answer": True}, manager)
    assert f"<#{help_channel['id']}>" in text and text.startswith(t("settings_saved", "fr"))
    elsewhere = await fake.post_message(mention(fake, QUESTION), member=member)
    here = await fake.post_message(mention(fake, QUESTION), member=member, channel_id=int(help_channel["id"]))
    await fake.wait_for(lambda: fake.replies_to(here), WAIT, "the answer in the picked channel")
    # Events are handled in order, and the ignored one was decided before any wait: nothing will come.
    assert not fake.replies_to(elsewhere)
    assert not [r for r in fake.requests if r.path.endswith(f"/channels/{fake.channel_id}/typing")]
    assert engine.asked == [(QUESTION, [])] and not fake.rejected()


async def test_forum(docbot, discord_at, engine):
    """With the intent: a new post in a picked help forum is answered in the post; a follow-up there too."""
    fake = discord_at
    forum = await fake.add_channel("aide", forum=True)
    await docbot(engine, message_content=True, cooldown_seconds=0)
    text = await manager_sets(fake, "forum", {"forum": int(forum["id"]), "answer": True},
                              fake.add_member("gérante", moderator=True))
    assert f"<#{forum['id']}>" in text and t("settings_forum_needs_intent", "fr") not in text
    ada = fake.add_member("ada")
    post, starter = await fake.start_forum_post(int(forum["id"]), "Le dîner", QUESTION, member=ada)
    pid = int(post["id"])
    [answer] = await fake.wait_for(lambda: fake.replies_to(starter), WAIT, "the answer in the post")
    assert int(answer["channel_id"]) == pid and citations_shown(answer)
    assert engine.asked[0] == (f"Le dîner\n{QUESTION}", [])
    await fake.post_message(FOLLOW_UP, member=ada, channel_id=pid)
    await fake.wait_for(lambda: len(fake.bot_messages_in(pid)) == 2, WAIT, "the follow-up's answer")
    assert engine.asked[1] == (FOLLOW_UP, [f"Le dîner {QUESTION}"])
    assert not fake.rejected()


async def test_forum_without_the_intent(docbot, discord_at, engine):
    """Without the intent: /settings says so plainly; a post is not read, but a mention in it is answered."""
    fake = discord_at
    forum = await fake.add_channel("aide", forum=True)
    await docbot(engine, cooldown_seconds=0)
    text = await manager_sets(fake, "forum", {"forum": int(forum["id"]), "answer": True},
                              fake.add_member("gérante", moderator=True))
    assert t("settings_forum_needs_intent", "fr") in text and "DOCBOT_MESSAGE_CONTENT=true" in text
    ada = fake.add_member("ada")
    post, starter = await fake.start_forum_post(int(forum["id"]), "Le dîner", QUESTION, member=ada)
    asked = await fake.post_message(mention(fake, OTHER), member=ada, channel_id=int(post["id"]))
    await fake.wait_for(lambda: fake.replies_to(asked), WAIT, "the answer to the mention in the post")
    assert not fake.replies_to(starter) and engine.asked == [(OTHER, [])]


async def test_mentions(docbot, discord_at, engine):
    """The bot's own role addresses it; other people's, roles', channels' mentions and @everyone leave the question."""
    fake = discord_at
    await docbot(engine, message_content=True)
    bea = fake.add_member("bea")
    asked = await fake.post_message(f"<@&{fake.bot_role}> <@{bea.id}> <@&{fake.pingable_role}> "
                                    f"<#{fake.channel_id}> @everyone {QUESTION}", member=fake.add_member("ada"))
    [answer] = await fake.wait_for(lambda: fake.replies_to(asked), WAIT, "the answer")
    assert plain(answer["embeds"][0]["title"]) == QUESTION and engine.asked == [(QUESTION, [])]
    assert not fake.message_pings(answer) and not fake.rejected()


async def test_plain_text_without_embed_links(docbot, discord_at, engine, fake_engine):
    """A channel denying the bot Embed Links: the answer as text within 2000, with its citations and buttons."""
    fake = discord_at
    channel = await fake.add_channel("texte", overwrites=[o.overwrite(fake.bot_role, deny=o.EMBED_LINKS)])
    await docbot(engine)
    asked = await fake.post_message(mention(fake, QUESTION), member=fake.add_member("ada"),
                                    channel_id=int(channel["id"]))
    [answer] = await fake.wait_for(lambda: fake.replies_to(asked), WAIT, "the answer")
    assert answer["embeds"] == [] and 0 < len(answer["content"]) <= 2000
    text = plain(answer["content"])
    for c in answer_json(fake_engine.ask(QUESTION))["citations"]:
        assert f"[{c['n']}]" in text and c["document"] in text and c["location"] in text
    assert [b["custom_id"].split(":")[1] for row in answer["components"] for b in row["components"]] == [
        "more", "vote", "vote"]
    assert not fake.rejected()


async def test_vote_is_acknowledged_before_the_database_write(docbot, discord_at, engine):
    """👍 while another process holds the database's write lock: acknowledged within 3 s, thanked after."""
    fake = discord_at
    bot = await docbot(engine)
    ada = fake.add_member("ada")
    rec = await fake.invoke("ask", {"question": QUESTION}, member=ada)
    await fake.wait_for(lambda: rec.answered, WAIT, "the answer")
    up = next(b["custom_id"] for row in rec.messages[0]["components"] for b in row["components"]
              if b["custom_id"].endswith(":up"))

    locked, release = threading.Event(), threading.Event()

    def hold_the_write_lock() -> None:
        db = sqlite3.connect(bot.questions.path, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        locked.set()
        release.wait(30)
        db.execute("ROLLBACK")
        db.close()

    holder = threading.Thread(target=hold_the_write_lock)
    holder.start()
    try:
        await fake.wait_for(locked.is_set, WAIT, "the lock")
        click = await fake.click(rec.messages[0], up, member=fake.add_member("bea"))
        await fake.wait_for(lambda: click.callback_at, WAIT, "the acknowledgement")
        assert not click.answered and click.first_response_seconds < fake.deadline
    finally:
        release.set()
        holder.join(10)
    await fake.wait_for(lambda: click.answered, WAIT, "the thanks")
    assert click.ephemeral and click.messages[0]["content"] == t("thanks_up", "fr")
    assert bot.questions.totals().up == 1 and "Merci" in embed_text(click.messages[0])


async def test_message_content_switched_off_in_the_portal(discord_at, fake_engine, monkeypatch, capsys):
    """DOCBOT_MESSAGE_CONTENT=true while the portal's switch is off: Discord says 4014; one line, exit 1."""
    fake = discord_at
    fake.privileged_intents = 0
    monkeypatch.setenv("DISCORD_TOKEN", fake.bot_token)
    with pytest.raises(SystemExit) as exit_info:
        await asyncio.to_thread(run_bot, Settings(message_content=True), fake_engine)
    err = capsys.readouterr().err
    assert exit_info.value.code == 1 and err.count("\n") == 1 and "DOCBOT_MESSAGE_CONTENT" in err
    assert [code for code, _ in fake.gateway_closes] == [4014]


async def test_mention_on_a_reply_to_someone_else(docbot, discord_at, engine):
    """"@docbot …" replying to a person's message asks about that message (its text as the earlier turn); the
    replied text is read only with the Message Content intent, as Discord allows."""
    fake = discord_at
    await docbot(engine, message_content=True, cooldown_seconds=0)
    ada, bob = fake.add_member("ada"), fake.add_member("bob")
    said = await fake.post_message(QUESTION, member=ada)  # to the channel, not to docbot
    asking = await fake.reply(said, mention(fake, FOLLOW_UP), member=bob, ping=False)
    [answer] = await fake.wait_for(lambda: fake.replies_to(asking), WAIT, "the answer")
    assert engine.asked == [(FOLLOW_UP, [QUESTION])]
    assert embed_text(answer)
    bare = await fake.reply(said, mention(fake, ""), member=bob, ping=False)
    await fake.wait_for(lambda: fake.replies_to(bare), WAIT, "the answer to the bare mention")
    assert engine.asked[-1] == (QUESTION, [])  # a mention alone asks the message replied to, as the menu does
    assert not fake.rejected()


async def test_thread_follow_up_waits_for_its_link(docbot, discord_at, engine):
    """The asker going on in a thread docbot just started is answered even when the database links the first
    answer to its thread a moment after the answer shows (a slow disk, a busy server)."""
    fake = discord_at
    bot = await docbot(engine, message_content=True, cooldown_seconds=0)
    await manager_sets(fake, "mode", {"answers": "thread"}, fake.add_member("gérante", moderator=True))
    link_answer = bot.conversations.link_answer

    def late_link(*args, **kwargs):
        threading.Event().wait(1.0)  # in the worker thread the cog writes from, as a slow database would
        return link_answer(*args, **kwargs)

    bot.conversations.link_answer = late_link
    ada = fake.add_member("ada")
    asked = await fake.post_message(mention(fake, QUESTION), member=ada)
    thread = await fake.wait_for(lambda: fake.thread_from(asked), WAIT, "the thread")
    tid = int(thread["id"])
    await fake.wait_for(lambda: fake.bot_messages_in(tid), WAIT, "the answer in the thread")
    await fake.post_message(FOLLOW_UP, member=ada, channel_id=tid)  # before the link is written
    await fake.wait_for(lambda: len(fake.bot_messages_in(tid)) == 2, WAIT, "the second turn's answer")
    assert engine.asked == [(QUESTION, []), (FOLLOW_UP, [QUESTION])]
