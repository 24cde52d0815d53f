"""Conversation links in the question log: what a follow-up goes on from, by reply or in a thread, after a restart."""

from __future__ import annotations

from bot.database import Conversations, Origin, QuestionLog

THREAD, CHANNEL = 1_300_000_000_000_000_001, 1_300_000_000_000_000_002
ADA, BEA = 1_300_000_000_000_000_010, 1_300_000_000_000_000_011


def ask(qlog: QuestionLog, question: str, *, outcome: str = "answered", **origin) -> int:
    return qlog.record(question, outcome=outcome, latency_ms=1.0, source="mention",
                       origin=Origin(channel_id=CHANNEL, **origin))


def test_a_reply_to_an_answer_follows_up_its_question(question_log):
    """A reply to the message that answered a question goes on from it; other messages from nothing."""
    conv = Conversations(question_log)
    first = ask(question_log, "Où Jensen Huang a-t-il dîné ?", user_id=ADA, message_id=11)
    conv.link_answer(first, answer_message_id=12)
    follow = conv.follow_up(reply_to=12)
    assert (follow.via, follow.parent_id, follow.history) == ("reply", first, ["Où Jensen Huang a-t-il dîné ?"])
    assert conv.follow_up(reply_to=11) is None  # the question itself is not docbot's answer
    assert conv.follow_up() is None


def test_history_is_the_last_few_questions_newest_last(question_log):
    """Five questions linked by parent, one failed: the next gets the last three others, oldest first."""
    conv = Conversations(question_log)
    parent = None
    asked = []
    for i, outcome in enumerate(["answered", "not_covered", "answered", "error", "answered"]):
        parent = ask(question_log, f"Question {i} ?", outcome=outcome, user_id=ADA, thread_id=THREAD, parent_id=parent)
        asked.append(parent)
    follow = conv.follow_up(thread_id=THREAD, turns=3)
    assert follow.via == "thread" and follow.parent_id == asked[-1]
    assert follow.history == ["Question 1 ?", "Question 2 ?", "Question 4 ?"]


def test_a_thread_follow_up_knows_who_asked_there(question_log):
    """The thread's askers (those who may go on without a mention), and its latest answered question."""
    conv = Conversations(question_log)
    first = ask(question_log, "Qui ?", user_id=ADA)
    conv.link_answer(first, answer_message_id=21, thread_id=THREAD)  # the thread docbot started from it
    second = ask(question_log, "Et pourquoi ?", user_id=BEA, thread_id=THREAD, parent_id=first)
    ask(question_log, "Et quand ?", outcome="error", user_id=BEA, thread_id=THREAD, parent_id=second)
    follow = conv.follow_up(thread_id=THREAD)
    assert follow.askers == {ADA, BEA} and follow.history == ["Qui ?", "Et pourquoi ?"]
    assert conv.follow_up(thread_id=THREAD + 99) is None


def test_a_reply_wins_over_the_thread(question_log):
    """In a thread, a reply to an earlier answer goes on from that answer, not from the latest question."""
    conv = Conversations(question_log)
    first = ask(question_log, "Premier ?", thread_id=THREAD)
    conv.link_answer(first, answer_message_id=31)
    ask(question_log, "Second ?", thread_id=THREAD, parent_id=first)
    assert conv.follow_up(reply_to=31, thread_id=THREAD).history == ["Premier ?"]


def test_conversations_survive_a_restart(database_url):
    """Links written before a restart are found by the next process on the same database."""
    with QuestionLog(database_url) as qlog:
        first = ask(qlog, "Qui dîne à Mar-a-Lago ?", user_id=ADA)
        Conversations(qlog).link_answer(first, answer_message_id=41)
    with QuestionLog(database_url) as qlog:
        assert Conversations(qlog).follow_up(reply_to=41).history == ["Qui dîne à Mar-a-Lago ?"]
