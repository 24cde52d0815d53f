"""Conversations in the Ask cog: follow-ups by reply and in threads, thread mode, help forums, the message
menu, private answers, refusals without public words, and what must never fail an answer."""

from __future__ import annotations

import threading

import discord
import pytest

from bot.database.tables import questions
from bot.exts.ask import Ask, MoreButton, VoteButton
from bot.i18n import t
from tests.bot.helpers import (
    MockForumChannel,
    MockGuild,
    MockInteraction,
    MockMember,
    MockMessage,
    MockTextChannel,
    MockThread,
    checked_async,
    custom_ids,
    invoke,
    invoke_menu,
    reply_reference,
    sent,
)

QUESTION = "Où Jensen Huang a-t-il dîné avec Donald Trump ?"
FOLLOW_UP = "Et qu'a-t-il obtenu du président ?"
ANOTHER = "Pourquoi les exportations de la puce H20 ont-elles été suspendues ?"


@pytest.fixture
def asked(fake_engine, monkeypatch) -> list[tuple[str, list[str]]]:
    """Every (question, history) the engine was asked."""
    calls: list[tuple[str, list[str]]] = []
    real_ask = fake_engine.ask

    def ask(question, k=None, history=()):
        calls.append((question, list(history)))
        return real_ask(question, k, history)

    monkeypatch.setattr(fake_engine, "ask", ask)
    return calls


def answered_by(message: MockMessage, answer: MockMessage) -> None:
    """Make `message.reply` (and a thread's send) return `answer`, as Discord returns the message created."""
    message.reply = checked_async(discord.Message, "reply", lambda *a, **k: answer)


def logged(bot, column: str) -> list:
    with bot.questions.engine.connect() as conn:
        return conn.execute(questions.select().with_only_columns(questions.c[column])
                            .order_by(questions.c.id)).scalars().all()


async def test_a_reply_to_an_answer_without_the_mention_is_a_follow_up(bot, me, asked):
    """Reply button on docbot's answer (it pings docbot, no <@id> in the text): answered with the first question."""
    guild = MockGuild()
    channel = MockTextChannel(guild=guild)
    first = MockMessage(guild=guild, channel=channel, content=f"<@{me.id}> {QUESTION}")
    answer = MockMessage(guild=guild, channel=channel, author=me)
    answered_by(first, answer)
    await bot.get_cog("Ask").on_message(first)
    follow = MockMessage(guild=guild, channel=channel, content=FOLLOW_UP, mentions=[me],
                         type=discord.MessageType.reply, reference=reply_reference(answer))
    await bot.get_cog("Ask").on_message(follow)

    assert asked == [(QUESTION, []), (FOLLOW_UP, [QUESTION])]
    assert sent(follow.reply)[0]["embeds"]
    assert logged(bot, "source") == ["mention", "reply"]
    assert logged(bot, "answer_message_id")[0] == answer.id
    assert logged(bot, "parent_id") == [None, 1]


async def test_a_reply_arriving_before_its_answer_is_linked_waits_for_the_link(bot, me, asked, monkeypatch):
    """A reply to an answer sent a moment ago, read before the answer's link is written: it waits, then follows up."""
    import asyncio

    from bot.service import Asked

    guild = MockGuild()
    channel = MockTextChannel(guild=guild)
    answer = MockMessage(guild=guild, channel=channel, author=me,
                         id=discord.utils.time_snowflake(discord.utils.utcnow()))
    question_id = bot.questions.record(QUESTION, outcome="answered", latency_ms=1, source="mention")
    looked_up = threading.Event()
    real = bot.conversations.follow_up

    def follow_up(**where):
        found = real(**where)
        looked_up.set()  # after the first look: the link is not there yet
        return found

    monkeypatch.setattr(bot.conversations, "follow_up", follow_up)
    follow = MockMessage(guild=guild, channel=channel, content=FOLLOW_UP, type=discord.MessageType.reply,
                         reference=reply_reference(answer))
    cog = bot.get_cog("Ask")
    reading = asyncio.create_task(cog.on_message(follow))
    await asyncio.to_thread(looked_up.wait, 5)
    await cog._link(Asked(answer=None, question_id=question_id, latency_ms=1.0), answer)
    await reading
    assert asked == [(FOLLOW_UP, [QUESTION])]


async def test_a_reply_to_the_bot_with_the_ping_off_needs_the_reference(bot, me, asked):
    """A reply that doesn't ping docbot still addresses it: the replied-to message is docbot's."""
    guild = MockGuild()
    answer = MockMessage(guild=guild, author=me)
    msg = MockMessage(guild=guild, channel=answer.channel, content=ANOTHER, type=discord.MessageType.reply,
                      reference=reply_reference(answer))
    await bot.get_cog("Ask").on_message(msg)
    assert asked == [(ANOTHER, [])] and sent(msg.reply)  # docbot's message, but no logged answer: no history


async def test_a_reply_to_someone_else_is_not_for_the_bot(bot, asked):
    """A reply between people, not mentioning docbot, is left alone."""
    other = MockMessage(guild=MockGuild(), author=MockMember())
    msg = MockMessage(guild=other.guild, channel=other.channel, content=QUESTION, type=discord.MessageType.reply,
                      reference=reply_reference(other))
    await bot.get_cog("Ask").on_message(msg)
    assert asked == [] and not msg.reply.await_count


async def test_a_mention_on_a_reply_to_someone_else_asks_about_their_message(bot, me, asked):
    """"@docbot what does this mean?" replying to a person's message: asked with that message as its context."""
    guild = MockGuild()
    other = MockMessage(guild=guild, author=MockMember(), content=QUESTION)
    msg = MockMessage(guild=guild, channel=other.channel, content=f"<@{me.id}> Et qu'est-ce que ça veut dire ?",
                      type=discord.MessageType.reply, reference=reply_reference(other))
    await bot.get_cog("Ask").on_message(msg)
    assert asked == [("Et qu'est-ce que ça veut dire ?", [QUESTION])] and sent(msg.reply)


async def test_a_bare_mention_on_a_reply_asks_the_message_replied_to(bot, me, asked):
    """A mention alone on a reply asks the replied message itself, as the "Ask docbot" menu does."""
    guild = MockGuild()
    other = MockMessage(guild=guild, author=MockMember(), content=f"{QUESTION} <:pepe:1500000000000000009>")
    msg = MockMessage(guild=guild, channel=other.channel, content=f"<@{me.id}>", type=discord.MessageType.reply,
                      reference=reply_reference(other))
    await bot.get_cog("Ask").on_message(msg)
    assert asked == [(QUESTION, [])] and sent(msg.reply)


async def test_custom_emoji_leave_the_question(bot, me, asked):
    """Custom emoji markup (<:name:id>, <a:name:id>) is not part of the question, its title or the log."""
    msg = MockMessage(guild=MockGuild(), content=(
        f"<@{me.id}> <a:wave:1500000000000000007> {QUESTION} <:nvidia:1500000000000000008>"))
    await bot.get_cog("Ask").on_message(msg)
    assert asked == [(QUESTION, [])] and sent(msg.reply)[0]["embeds"][0].title == QUESTION


async def test_mention_of_the_bots_role_is_a_question_and_other_mentions_leave_it(bot, me, asked):
    """@docbot's managed role addresses it; other people, roles, channels and @everyone leave the question."""
    role = discord.Object(id=1_500_000_000_000_000_001)
    guild = MockGuild(self_role=role)
    msg = MockMessage(guild=guild, role_mentions=[role], content=(
        f"<@&{role.id}> <@1500000000000000002> <@&1500000000000000003> <#1500000000000000004> @here {QUESTION}"))
    await bot.get_cog("Ask").on_message(msg)
    assert asked == [(QUESTION, [])] and sent(msg.reply)[0]["embeds"][0].title == QUESTION


async def test_thread_mode_starts_a_thread_named_from_the_question(make_bot, me):
    """In thread mode a mention gets a new thread from its message, named from it; the answer goes there."""
    bot = await make_bot(cooldown_seconds=0)
    guild = MockGuild()
    bot.guild_settings.set_answer_mode(guild.id, "thread")
    msg = MockMessage(guild=guild, content=f"<@{me.id}> {QUESTION}")
    thread = MockThread(id=msg.id, parent=msg.channel, guild=guild)  # Discord gives it the message's id
    msg.create_thread = checked_async(discord.Message, "create_thread", lambda *a, **k: thread)
    await bot.get_cog("Ask").on_message(msg)

    assert msg.create_thread.await_args.kwargs == {"name": QUESTION, "auto_archive_duration": 1440}
    [answer] = sent(thread.send)
    assert answer["embeds"] and not msg.reply.await_count
    assert logged(bot, "thread_id") == [thread.id]


async def test_thread_mode_falls_back_to_a_reply(make_bot, me):
    """Without permission to start a thread, the mention is answered with a reply."""
    bot = await make_bot(cooldown_seconds=0)
    guild = MockGuild()
    bot.guild_settings.set_answer_mode(guild.id, "thread")
    msg = MockMessage(guild=guild, content=f"<@{me.id}> {QUESTION}")
    forbidden = discord.Forbidden(type("R", (), {"status": 403, "reason": "Forbidden"})(),
                                  {"code": 50013, "message": "Missing Permissions"})
    msg.create_thread = checked_async(discord.Message, "create_thread", lambda *a, **k: (_ for _ in ()).throw(
        forbidden))
    await bot.get_cog("Ask").on_message(msg)
    assert sent(msg.reply)[0]["embeds"] and logged(bot, "thread_id") == [None]


def thread_turn(thread: MockThread, author, content: str, **kwargs) -> MockMessage:
    return MockMessage(guild=thread.parent.guild, channel=thread, author=author, content=content, **kwargs)


async def thread_started(bot, me) -> tuple[MockThread, MockMember]:
    """A thread in a server where a member (returned) asked docbot the first question, with a mention."""
    guild = MockGuild()
    thread = MockThread(parent=MockTextChannel(guild=guild), guild=guild)
    ada = MockMember()
    await bot.get_cog("Ask").on_message(thread_turn(thread, ada, f"<@{me.id}> {QUESTION}"))
    return thread, ada


@pytest.mark.parametrize(("message_content", "who", "answered"), [
    (True, "asker", True),      # the intent on: who asked goes on without the mention
    (False, "asker", False),    # without it, a mention is needed
    (True, "someone", False),   # someone else chatting in the thread is not asking docbot
])
async def test_follow_ups_in_a_thread_without_a_mention(make_bot, me, asked, message_content, who, answered):
    """In a thread where docbot answered: the asker's next message is a follow-up, with the intent on."""
    bot = await make_bot(cooldown_seconds=0, message_content=message_content)
    thread, ada = await thread_started(bot, me)
    nxt = thread_turn(thread, ada if who == "asker" else MockMember(), FOLLOW_UP)
    await bot.get_cog("Ask").on_message(nxt)
    assert bool(nxt.reply.await_count) is answered
    assert asked[1:] == ([(FOLLOW_UP, [QUESTION])] if answered else [])


async def test_a_reply_to_a_person_in_a_thread_is_for_them(make_bot, me, asked):
    """The asker replying to a human helper in the thread is talking to them, not to docbot."""
    bot = await make_bot(cooldown_seconds=0, message_content=True)
    thread, ada = await thread_started(bot, me)
    helper = thread_turn(thread, MockMember(), "As-tu lu l'article ?")
    nxt = thread_turn(thread, ada, "Oui, merci !", type=discord.MessageType.reply, reference=reply_reference(helper))
    await bot.get_cog("Ask").on_message(nxt)
    assert len(asked) == 1 and not nxt.reply.await_count


async def test_three_turns_in_a_thread_carry_the_last_questions(make_bot, me, asked):
    """Turn after turn, the engine gets the earlier questions, newest last; /ask in the thread too."""
    bot = await make_bot(cooldown_seconds=0, message_content=True)
    thread, ada = await thread_started(bot, me)
    await bot.get_cog("Ask").on_message(thread_turn(thread, ada, FOLLOW_UP))
    inter = MockInteraction(bot, guild=thread.guild, user=ada, channel=thread, channel_id=thread.id)
    await invoke(bot, "ask", inter, question=ANOTHER)
    assert asked == [(QUESTION, []), (FOLLOW_UP, [QUESTION]), (ANOTHER, [QUESTION, FOLLOW_UP])]
    assert logged(bot, "thread_id") == [thread.id] * 3


@pytest.mark.parametrize(("configured", "message_content", "answered"), [
    (True, True, True), (False, True, False), (True, False, False)])
async def test_a_new_help_forum_post_is_answered(make_bot, asked, configured, message_content, answered):
    """A post in a forum picked in /settings is answered (title and text), with the intent; others not."""
    bot = await make_bot(cooldown_seconds=0, message_content=message_content)
    guild = MockGuild()
    forum = MockForumChannel(guild=guild)
    if configured:
        bot.guild_settings.pick_channel(guild.id, forum.id, "forum", True)
    post = MockThread(parent=forum, parent_id=forum.id, guild=guild, name="Mar-a-Lago")
    starter = MockMessage(id=post.id, guild=guild, channel=post, content=QUESTION)
    await bot.get_cog("Ask").on_message(starter)
    assert bool(starter.reply.await_count) is answered
    assert asked == ([(f"Mar-a-Lago\n{QUESTION}", [])] if answered else [])


async def test_mentions_only_in_the_channels_picked(bot, me, asked):
    """With a channel picked, mentions elsewhere are ignored; in the picked channel and its threads, answered."""
    guild = MockGuild()
    picked, elsewhere = MockTextChannel(guild=guild), MockTextChannel(guild=guild)
    bot.guild_settings.pick_channel(guild.id, picked.id, "mentions", True)
    ignored = MockMessage(guild=guild, channel=elsewhere, content=f"<@{me.id}> {QUESTION}")
    here = MockMessage(guild=guild, channel=picked, content=f"<@{me.id}> {QUESTION}")
    in_thread = MockMessage(guild=guild, channel=MockThread(parent=picked, guild=guild),
                            content=f"<@{me.id}> {ANOTHER}")
    for m in (ignored, here, in_thread):
        await bot.get_cog("Ask").on_message(m)
    assert not ignored.reply.await_count and here.reply.await_count and in_thread.reply.await_count


async def test_the_server_language_setting_speaks_for_the_bot(bot, me):
    """language=en: an answer to a French question has English buttons and footer."""
    guild = MockGuild()
    bot.guild_settings.set_language(guild.id, "en")
    msg = MockMessage(guild=guild, content=f"<@{me.id}> {QUESTION}")
    await bot.get_cog("Ask").on_message(msg)
    [reply] = sent(msg.reply)
    assert reply["embeds"][0].footer.text == t("footer_answered", "en")
    assert reply["view"].children[0].item.label == t("more_button", "en")


# Refusals without public words, and what never fails an answer

async def test_a_mention_too_soon_gets_a_reaction_not_words(make_bot, me):
    """The cooldown on a mention: ⏳ on the message, no public reply, nothing asked."""
    bot = await make_bot(cooldown_seconds=60)
    user = MockMember()
    first = MockMessage(guild=MockGuild(), author=user, content=f"<@{me.id}> {QUESTION}")
    again = MockMessage(guild=first.guild, author=user, content=f"<@{me.id}> {ANOTHER}")
    await bot.get_cog("Ask").on_message(first)
    await bot.get_cog("Ask").on_message(again)
    again.add_reaction.assert_awaited_once_with("⏳")
    assert not again.reply.await_count and bot.questions.totals().questions == 1


async def test_a_failing_typing_indicator_never_fails_the_answer(bot, me):
    """POST /typing refused (403, rate limit): the answer is sent all the same."""
    class Refused:
        async def __aenter__(self):
            raise discord.Forbidden(type("R", (), {"status": 403, "reason": "Forbidden"})(), "no")

        async def __aexit__(self, *exc):
            return None

    msg = MockMessage(guild=MockGuild(), content=f"<@{me.id}> {QUESTION}")
    msg.channel.typing.return_value = Refused()
    await bot.get_cog("Ask").on_message(msg)
    assert sent(msg.reply)[0]["embeds"]


async def test_without_embed_links_the_answer_is_text(bot, me, fake_engine):
    """A channel where the bot lacks Embed Links: the answer as text within 2000, citations and buttons kept."""
    guild = MockGuild()
    no_embeds = discord.Permissions.text()
    no_embeds.embed_links = False
    channel = MockTextChannel(guild=guild, permissions=no_embeds)
    msg = MockMessage(guild=guild, channel=channel, content=f"<@{me.id}> {QUESTION}")
    await bot.get_cog("Ask").on_message(msg)
    [reply] = sent(msg.reply)
    assert "embeds" not in reply and len(reply["content"]) <= 2000
    assert all(f"\\[{c.n}\\]" in reply["content"] for c in fake_engine.ask(QUESTION).citations)
    assert custom_ids(reply["view"])[1].startswith("docbot:vote:")


# /ask private, the message menu, the buttons

async def test_private_ask_is_ephemeral_and_not_a_conversation(bot, asked):
    """/ask private:True: deferred and answered ephemerally; nobody can reply to it, so nothing is linked."""
    inter = MockInteraction(bot)
    await invoke(bot, "ask", inter, question=QUESTION, private=True)
    assert inter.response.defer.await_args.kwargs == {"ephemeral": True, "thinking": True}
    [answer] = sent(inter.followup.send)
    assert answer["ephemeral"] is True and answer["embeds"]
    assert logged(bot, "answer_message_id") == [None]


async def test_public_ask_answer_can_be_replied_to(bot, me, asked):
    """A public /ask answer is linked: a reply to it follows up."""
    inter = MockInteraction(bot)
    await invoke(bot, "ask", inter, question=QUESTION)
    [answer_id] = logged(bot, "answer_message_id")
    answer = MockMessage(id=answer_id, guild=inter.guild, author=me)
    follow = MockMessage(guild=inter.guild, channel=answer.channel, content=FOLLOW_UP, mentions=[me],
                         type=discord.MessageType.reply, reference=reply_reference(answer))
    await bot.get_cog("Ask").on_message(follow)
    assert asked[-1] == (FOLLOW_UP, [QUESTION])


async def test_message_menu_answers_the_message_with_a_reply(bot, asked):
    """"Ask docbot" on someone's message: its text is asked, the answer replies to it, the user gets a link."""
    target = MockMessage(guild=MockGuild(), content=f"@everyone {ANOTHER}")
    inter = MockInteraction(bot, guild=target.guild, locale=discord.Locale.french)
    await invoke_menu(bot, "Ask docbot", inter, target)
    assert inter.response.defer.await_args.kwargs == {"ephemeral": True, "thinking": True}
    assert asked == [(ANOTHER, [])]
    [reply] = sent(target.reply)
    assert reply["embeds"] and reply["mention_author"] is False
    [note] = sent(inter.followup.send)
    assert note["ephemeral"] is True and note["content"].startswith("Réponse sous le message : https://")
    assert logged(bot, "source") == ["menu"] and logged(bot, "message_id") == [target.id]


async def test_message_menu_answers_privately_where_the_bot_cannot_post(bot):
    """The bot may not post in the channel: the answer comes as the private response instead."""
    target = MockMessage(guild=MockGuild(), content=ANOTHER)
    target.reply = checked_async(discord.Message, "reply", lambda *a, **k: (_ for _ in ()).throw(discord.Forbidden(
        type("R", (), {"status": 403, "reason": "Forbidden"})(), {"code": 50001, "message": "Missing Access"})))
    inter = MockInteraction(bot, guild=target.guild)
    await invoke_menu(bot, "Ask docbot", inter, target)
    [answer] = sent(inter.followup.send)
    assert answer["ephemeral"] is True and answer["embeds"]


async def test_votes_are_acknowledged_before_the_database_is_written(bot, monkeypatch):
    """👍 defers first (Discord's 3 s), then writes off the event loop, then thanks."""
    inter = MockInteraction(bot)
    await invoke(bot, "ask", inter, question=QUESTION)
    _, up, _ = custom_ids(sent(inter.followup.send)[0]["view"])
    order: list[str] = []
    loop_thread = threading.current_thread()
    real_vote = bot.questions.vote

    def vote(*args):
        order.append("write" if threading.current_thread() is not loop_thread else "write on the loop")
        return real_vote(*args)

    monkeypatch.setattr(bot.questions, "vote", vote)
    click = MockInteraction(bot)
    click.response.defer.side_effect = lambda *a, **k: order.append("defer")
    match = VoteButton.__discord_ui_compiled_template__.fullmatch(up)
    await (await VoteButton.from_custom_id(click, discord.ui.Button(custom_id=up), match)).callback(click)
    assert order == ["defer", "write"]
    assert sent(click.followup.send)[0]["content"] == t("thanks_up", "en")


async def test_more_passages_has_the_questions_cooldown(make_bot):
    """Clicking More again and again: the second click within the cooldown is refused privately."""
    bot = await make_bot(cooldown_seconds=60)
    inter = MockInteraction(bot)
    await invoke(bot, "ask", inter, question=QUESTION)
    more = custom_ids(sent(inter.followup.send)[0]["view"])[0]
    user = MockMember()
    clicks = [MockInteraction(bot, user=user) for _ in range(2)]
    for c in clicks:
        match = MoreButton.__discord_ui_compiled_template__.fullmatch(more)
        await (await MoreButton.from_custom_id(c, discord.ui.Button(custom_id=more), match)).callback(c)
    assert sent(clicks[0].followup.send)[0]["embeds"], "More right after asking is fine"
    [refusal] = sent(clicks[1].response.send_message)
    assert refusal["ephemeral"] is True and refusal["content"].startswith("Slow down")


def test_the_cog_is_named_as_the_buttons_look_it_up():
    """The More button finds its cooldown through the cog's name."""
    assert Ask.__cog_name__ == "Ask"


async def test_settings_read_failure_answers_with_the_defaults(bot, me, monkeypatch):
    """The database unreadable for settings: the mention is still answered."""
    def broken(guild_id):
        raise OSError("disk I/O error")

    monkeypatch.setattr(bot.guild_settings, "get", broken)
    msg = MockMessage(guild=MockGuild(), content=f"<@{me.id}> {QUESTION}")
    await bot.get_cog("Ask").on_message(msg)
    assert sent(msg.reply)[0]["embeds"]
