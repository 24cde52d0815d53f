"""/ask, mentions, DMs and the buttons under an answer."""

from __future__ import annotations

import asyncio
import logging
import re
import threading

import discord
import pytest

from bot.exts.ask import MoreButton, VoteButton, answer_view
from bot.i18n import t
from index import Engine
from tests.bot.helpers import (
    MockGuild,
    MockInteraction,
    MockMember,
    MockMessage,
    custom_ids,
    embed_text,
    invoke,
    sent,
    wait_until,
)

QUESTION = "Où Jensen Huang a-t-il dîné avec Donald Trump ?"
OFF_TOPIC = "recette de la tarte aux pommes"


def no_mentions(kwargs: dict) -> bool:
    allowed = kwargs.get("allowed_mentions")
    return isinstance(allowed, discord.AllowedMentions) and not (
        allowed.everyone or allowed.users or allowed.roles or allowed.replied_user)


async def test_ask_defers_then_answers_with_citations_and_buttons(bot):
    """/ask acknowledges first, then sends one embed citing Mar-a-Lago, with More/👍/👎 buttons."""
    inter = MockInteraction(bot)
    await invoke(bot, "ask", inter, question=QUESTION)

    inter.response.defer.assert_awaited_once()
    assert inter.response.defer.await_args.kwargs.get("ephemeral", False) is False  # the answer is public
    [reply] = sent(inter.followup.send)
    assert no_mentions(reply)
    [embed] = reply["embeds"]
    text = embed_text(embed)
    assert "Mar-a-Lago" in text
    markers = set(re.findall(r"\[(\d+)\]", embed.description))
    assert markers and markers <= {f.name.split("]")[0][1:] for f in embed.fields}  # [n] are cited fields
    assert any("dîner" in f.value and "**" in f.value for f in embed.fields)
    qid = bot.questions.most_asked()[0]
    assert qid.question == QUESTION and qid.count == 1
    ids = custom_ids(reply["view"])
    logged = bot.questions.get(int(ids[0].split(":")[2]))
    assert logged.outcome == "answered" and logged.question == QUESTION
    assert ids == [f"docbot:more:{logged.id}", f"docbot:vote:{logged.id}:up", f"docbot:vote:{logged.id}:down"]
    assert all(len(i) <= 100 for i in ids)


async def test_retrieval_runs_off_the_event_loop(bot, fake_engine, monkeypatch):
    """The engine is called from a worker thread, never from the thread running the event loop."""
    loop_thread = threading.current_thread()
    threads = []
    real_ask = fake_engine.ask

    def ask(question, k=None, history=()):
        threads.append(threading.current_thread())
        return real_ask(question, k, history)

    monkeypatch.setattr(fake_engine, "ask", ask)
    await invoke(bot, "ask", MockInteraction(bot), question=QUESTION)
    assert threads and all(th is not loop_thread for th in threads)


async def test_question_the_documents_do_not_cover(bot):
    """An off-topic question says so, shows the closest passages, and is logged as not covered."""
    inter = MockInteraction(bot, locale=discord.Locale.french)
    await invoke(bot, "ask", inter, question=OFF_TOPIC)
    [embed] = sent(inter.followup.send)[0]["embeds"]
    assert embed.description == t("not_covered", "fr")
    assert embed.fields  # the closest passages, as such
    assert [s.question for s in bot.questions.unanswered()] == [OFF_TOPIC]


async def test_cooldown_refuses_a_second_question_privately(make_bot):
    """With a cooldown, a user's second /ask in a row gets a short ephemeral message and no retrieval."""
    bot = await make_bot(cooldown_seconds=60)
    user = MockMember()
    first, second = MockInteraction(bot, user=user), MockInteraction(bot, user=user)
    await invoke(bot, "ask", first, question=QUESTION)
    await invoke(bot, "ask", second, question=QUESTION)

    second.response.defer.assert_not_awaited()
    [msg] = sent(second.response.send_message)
    assert msg["ephemeral"] is True and "Slow down" in msg["content"]
    other = MockInteraction(bot)  # someone else is not slowed down
    await invoke(bot, "ask", other, question=QUESTION)
    other.response.defer.assert_awaited_once()
    assert bot.questions.totals().questions == 2


@pytest.mark.parametrize(("question", "locale", "message"), [
    (" \n\t ", discord.Locale.american_english, t("question_empty", "en")),
    ("\u200b\u200d", discord.Locale.french, t("question_empty", "fr")),
    ("Qui " * 400, discord.Locale.french, t("question_too_long", "fr", length=1599, limit=1000)),
])
async def test_refused_question_gets_a_private_reply_in_the_user_language(bot, question, locale, message):
    """A blank or over-long /ask: the public "thinking…" is withdrawn, a private message says why; not logged."""
    inter = MockInteraction(bot, locale=locale)
    await invoke(bot, "ask", inter, question=question)
    inter.delete_original_response.assert_awaited_once()
    [msg] = sent(inter.followup.send)
    assert msg == {"content": message, "ephemeral": True, "allowed_mentions": msg["allowed_mentions"]}
    assert no_mentions(msg) and bot.questions.totals().questions == 0


async def test_index_error_after_deferring_is_private_and_in_french(make_bot, fake_embedder, tmp_path):
    """No index: the public placeholder is removed and the user gets an ephemeral message in French."""
    bot = await make_bot(Engine(tmp_path / "no-index", fake_embedder))
    inter = MockInteraction(bot, locale=discord.Locale.french)
    await invoke(bot, "ask", inter, question=QUESTION)

    inter.response.defer.assert_awaited_once()
    inter.delete_original_response.assert_awaited_once()
    [msg] = sent(inter.followup.send)
    assert msg["content"] == t("index_missing", "fr") and msg["ephemeral"] is True and no_mentions(msg)
    assert bot.questions.totals().errors == 1


async def test_unexpected_error_apologises_and_logs_the_traceback(bot, fake_engine, monkeypatch, caplog):
    """A bug gives the user a generic apology; the traceback goes to the log."""
    def boom(question, k=None, history=()):
        raise RuntimeError("kaput")

    monkeypatch.setattr(fake_engine, "ask", boom)
    inter = MockInteraction(bot)
    with caplog.at_level(logging.ERROR):
        await invoke(bot, "ask", inter, question=QUESTION)
    assert sent(inter.followup.send)[0]["content"] == t("unexpected", "en")
    assert any(r.exc_info and "kaput" in str(r.exc_info[1]) for r in caplog.records)


async def test_concurrent_retrievals_are_capped_and_queued(make_bot, fake_engine, monkeypatch):
    """DOCBOT_MAX_CONCURRENT=2: five simultaneous questions are all answered, never more than 2 at once."""
    bot = await make_bot(cooldown_seconds=0, max_concurrent=2)
    running, peak, lock = 0, 0, threading.Lock()
    release = threading.Event()
    real_ask = fake_engine.ask

    def ask(question, k=None, history=()):
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        release.wait(5)
        try:
            return real_ask(question, k, history)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(fake_engine, "ask", ask)
    interactions = [MockInteraction(bot) for _ in range(5)]
    tasks = [asyncio.create_task(invoke(bot, "ask", i, question=QUESTION)) for i in interactions]
    await wait_until(lambda: running == 2 and bot.waiting == 5, "two retrievals running, three queued")
    # Were the cap missing, a third question would be in a worker thread: let any such one in first.
    await asyncio.wait_for(asyncio.to_thread(lambda: None), 5)
    release.set()
    await asyncio.gather(*tasks)
    assert peak == 2
    assert all(len(sent(i.followup.send)) == 1 and sent(i.followup.send)[0]["embeds"] for i in interactions)


async def test_a_flood_beyond_the_queue_is_refused_politely(make_bot, fake_engine, monkeypatch):
    """DOCBOT_MAX_QUEUED=3: with 3 questions waiting, the next asker gets a short private "busy" message."""
    bot = await make_bot(cooldown_seconds=0, max_concurrent=1, max_queued=3)
    release = threading.Event()
    real_ask = fake_engine.ask
    monkeypatch.setattr(fake_engine, "ask", lambda question, k=None, history=(): (release.wait(5),
                                                                                  real_ask(question, k))[1])
    waiting = [MockInteraction(bot) for _ in range(3)]
    tasks = [asyncio.create_task(invoke(bot, "ask", i, question=QUESTION)) for i in waiting]
    await wait_until(lambda: bot.waiting == 3, "three questions waiting")
    late = MockInteraction(bot, locale=discord.Locale.french)
    await invoke(bot, "ask", late, question=QUESTION)
    release.set()
    await asyncio.gather(*tasks)
    assert all(sent(i.followup.send)[0]["embeds"] for i in waiting)
    refusal = sent(late.followup.send) or sent(late.response.send_message)
    assert refusal[0]["ephemeral"] is True and "Trop de questions" in refusal[0]["content"]
    assert bot.waiting == 0


# Mentions and DMs


def mention(me, text: str) -> str:
    return f"<@{me.id}> {text}"


async def test_mention_in_a_channel_answers_in_a_reply(bot, me):
    """`@docbot question` gets a reply with the answer, pinging nobody (not even the author)."""
    msg = MockMessage(guild=MockGuild(), content="@everyone " + mention(me, QUESTION))
    await bot.get_cog("Ask").on_message(msg)
    [reply] = sent(msg.reply)
    assert no_mentions(reply) and reply["mention_author"] is False
    assert "Mar-a-Lago" in embed_text(reply["embeds"][0])
    assert bot.questions.most_asked()[0].question == QUESTION  # the mention itself is not part of it
    msg.channel.typing.assert_called_once()


@pytest.mark.parametrize(("content", "author_is_bot"), [
    ("Jensen Huang ?", False),                 # no mention: not for the bot
    ("@everyone Jensen Huang ?", False),       # a mass ping is not a mention of the bot
    ("<@{me}> Jensen Huang ?", True),          # bots (and the bot itself) are ignored
])
async def test_messages_that_are_not_questions_are_ignored(bot, me, content, author_is_bot):
    """Only explicit mentions of the bot by people are questions in a channel."""
    msg = MockMessage(guild=MockGuild(), content=content.format(me=me.id),
                      author=MockMember(bot=author_is_bot))
    await bot.get_cog("Ask").on_message(msg)
    msg.reply.assert_not_awaited()
    assert bot.questions.totals().questions == 0


async def test_direct_message_is_answered_without_a_mention(bot):
    """In a DM every message is a question."""
    msg = MockMessage(guild=None, content=QUESTION)
    await bot.get_cog("Ask").on_message(msg)
    [reply] = sent(msg.reply)
    assert reply["embeds"] and no_mentions(reply)
    assert bot.questions.get(1).outcome == "answered"


async def test_bare_mention_explains_how_to_ask(bot, me):
    """A mention with no question gets a one-line how-to."""
    msg = MockMessage(guild=MockGuild(), content=f"<@!{me.id}>")
    await bot.get_cog("Ask").on_message(msg)
    assert sent(msg.reply)[0]["content"] == t("mention_help", "en")


async def test_mention_error_is_replied_in_the_question_language(make_bot, fake_embedder, tmp_path, me):
    """An error on a French mention is a short French reply."""
    bot = await make_bot(Engine(tmp_path / "no-index", fake_embedder))
    msg = MockMessage(guild=MockGuild(), content=mention(me, QUESTION))
    await bot.get_cog("Ask").on_message(msg)
    assert sent(msg.reply)[0]["content"] == t("index_missing", "fr")


# Buttons


async def click(bot, cls, custom_id: str, interaction):
    """Dispatch a click as discord.py does for a DynamicItem: match the template, rebuild, call back."""
    match = cls.__discord_ui_compiled_template__.fullmatch(custom_id)
    assert match, custom_id
    item = await cls.from_custom_id(interaction, discord.ui.Button(custom_id=custom_id), match)
    await item.callback(interaction)


async def answer_ids(bot, question=QUESTION) -> list[str]:
    inter = MockInteraction(bot)
    await invoke(bot, "ask", inter, question=question)
    return custom_ids(sent(inter.followup.send)[0]["view"])


async def test_votes_are_recorded_once_per_person(bot):
    """👍 then 👎 by the same person leaves one 👎; another person's 👍 counts too."""
    more, up, down = await answer_ids(bot)
    voter = MockMember()
    first = MockInteraction(bot, user=voter)
    await click(bot, VoteButton, up, first)
    assert first.response.defer.await_args.kwargs == {"ephemeral": True, "thinking": True}
    [thanks] = sent(first.followup.send)
    assert thanks["content"] == t("thanks_up", "en") and thanks["ephemeral"] is True and no_mentions(thanks)
    await click(bot, VoteButton, down, MockInteraction(bot, user=voter))
    await click(bot, VoteButton, up, MockInteraction(bot))
    totals = bot.questions.totals()
    assert (totals.up, totals.down) == (1, 1)


async def test_buttons_work_after_a_restart(make_bot, bot):
    """A new bot process on the same database handles the buttons of an answer sent before."""
    more, up, _ = await answer_ids(bot)
    bot.questions.close()
    restarted = await make_bot(cooldown_seconds=0)
    inter = MockInteraction(restarted, locale=discord.Locale.french)
    await click(restarted, VoteButton, up, inter)
    assert sent(inter.followup.send)[0]["content"] == t("thanks_up", "fr")
    assert restarted.questions.totals().up == 1


async def test_more_passages_shows_the_next_results_privately(bot, fake_engine, fake_embedder):
    """"More passages" defers ephemerally, then lists the passages after the cited ones, searching nothing."""
    expected = fake_engine.ask(QUESTION).more
    more, _, _ = await answer_ids(bot)
    calls = fake_embedder.calls
    inter = MockInteraction(bot)
    await click(bot, MoreButton, more, inter)
    assert fake_embedder.calls == calls  # read from the question log, not retrieved again
    assert inter.response.defer.await_args.kwargs == {"ephemeral": True, "thinking": True}
    [reply] = sent(inter.followup.send)
    assert reply["ephemeral"] is True and no_mentions(reply)
    names = [f.name for f in reply["embeds"][0].fields]
    assert names and names[0].startswith(f"[{expected[0].n}]")
    assert len(names) == len(expected)
    assert [n.split("] ", 1)[1] for n in names] == [c.passage.title for c in expected]


async def test_more_passages_belong_to_their_answer_after_a_reindex_and_a_restart(make_bot, docs_copy,
                                                                                   fake_embedder):
    """After /reindex drops a document, and in a restarted bot, More still shows the passages first found."""
    bot = await make_bot(cooldown_seconds=0, documents_dir=docs_copy)
    expected = bot.engine.ask(QUESTION).more
    gone = expected[0].passage.document
    more, _, _ = await answer_ids(bot)
    (docs_copy / gone).unlink()
    assert (await bot.rebuild()).removed == [gone]
    assert gone not in [c.passage.document for c in bot.engine.ask(QUESTION).more]
    bot.questions.close()
    restarted = await make_bot(cooldown_seconds=0)
    calls = fake_embedder.calls
    inter = MockInteraction(restarted)
    await click(restarted, MoreButton, more, inter)
    assert fake_embedder.calls == calls
    fields = sent(inter.followup.send)[0]["embeds"][0].fields
    assert len(fields) == len(expected) and gone in fields[0].value


async def test_button_for_an_unknown_answer_says_so(bot):
    """A click carrying an id that isn't in the log (database replaced) gets a clear message."""
    inter = MockInteraction(bot)
    await click(bot, VoteButton, "docbot:vote:424242:down", inter)
    assert sent(inter.followup.send)[0]["content"] == t("question_gone", "en")
    inter = MockInteraction(bot)
    await click(bot, MoreButton, "docbot:more:424242", inter)
    assert sent(inter.followup.send)[0]["content"] == t("question_gone", "en")


async def test_button_error_reaches_the_user(bot, monkeypatch):
    """A failure behind "More passages" (the log unreadable) is reported ephemerally, not swallowed."""
    more, _, _ = await answer_ids(bot)

    def unreadable(question_id):
        raise OSError("disk I/O error")

    monkeypatch.setattr(bot.questions, "get", unreadable)
    inter = MockInteraction(bot, locale=discord.Locale.french)
    await click(bot, MoreButton, more, inter)
    [msg] = sent(inter.followup.send)
    assert msg["content"] == t("unexpected", "fr") and msg["ephemeral"] is True


async def test_no_more_button_when_there_are_no_more_passages():
    """Only 👍/👎 when the search returned nothing beyond the cited passages."""
    assert custom_ids(answer_view(7, False, "en")) == ["docbot:vote:7:up", "docbot:vote:7:down"]


def test_custom_ids_fit_discord_limit():
    """The largest possible question id still makes custom_ids of at most 100 characters."""
    biggest = 2**63 - 1
    assert len(MoreButton(biggest).custom_id) <= 100
    assert len(VoteButton(biggest, -1).custom_id) <= 100
