"""Conversations on Discord: where each question was asked, and the earlier questions a follow-up goes on from.

A question follows up another when it replies to that question's answer, or is asked in a thread where docbot
answered. The links are columns of the question log (revision 0003), written when the question is logged and
when its answer is sent, so a conversation goes on after a restart. Calls block on I/O (run them in a thread).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa

from . import engine as db
from .questionlog import QuestionLog
from .tables import questions

# How many earlier questions a follow-up is asked with ("the last few"), newest last.
HISTORY_TURNS = 3


@dataclass(frozen=True)
class Turn:
    """An earlier question of a conversation."""

    id: int
    question: str
    user_id: int | None


@dataclass(frozen=True)
class FollowUp:
    """What a follow-up goes on from: the earlier turns (oldest first, ending with the one it follows up)."""

    via: Literal["reply", "thread"]
    turns: tuple[Turn, ...]
    askers: frozenset[int] = frozenset()  # everyone who asked docbot in the thread (via "thread")

    @property
    def parent_id(self) -> int:
        """The logged question this one follows up."""
        return self.turns[-1].id

    @property
    def history(self) -> list[str]:
        """The earlier questions, newest last: what the engine is asked with."""
        return [t.question for t in self.turns]


class Conversations:
    """The conversation links of the question log; safe to share between threads."""

    def __init__(self, questions_log: QuestionLog) -> None:
        self.engine = questions_log.engine
        self._reads = db.reader(self.engine)

    def follow_up(self, *, reply_to: int | None = None, thread_id: int | None = None,
                  turns: int = HISTORY_TURNS) -> FollowUp | None:
        """What a question goes on from: the answer it replies to first, else the thread's latest question."""
        q = questions.c
        answered = q.outcome != "error"
        with self._reads.begin() as conn:
            if reply_to is not None:
                parent = conn.execute(sa.select(q.id).where(q.answer_message_id == reply_to, answered)
                                      .order_by(q.id.desc()).limit(1)).scalar()
                if parent is not None:
                    return FollowUp("reply", self._chain(conn, parent, turns))
            if thread_id is None:
                return None
            parent = conn.execute(sa.select(q.id).where(q.thread_id == thread_id, answered)
                                  .order_by(q.id.desc()).limit(1)).scalar()
            if parent is None:
                return None
            askers = conn.execute(sa.select(q.user_id).distinct()
                                  .where(q.thread_id == thread_id, q.user_id.is_not(None))).scalars()
            return FollowUp("thread", self._chain(conn, parent, turns), frozenset(askers))

    @staticmethod
    def _chain(conn: sa.Connection, question_id: int, turns: int) -> tuple[Turn, ...]:
        q = questions.c
        chain: list[Turn] = []
        next_id: int | None = question_id
        seen: set[int] = set()
        while next_id is not None and next_id not in seen and len(chain) < turns:
            seen.add(next_id)
            row = conn.execute(sa.select(q.id, q.question, q.user_id, q.parent_id, q.outcome)
                               .where(q.id == next_id)).first()
            if row is None:
                break
            if row.outcome != "error":
                chain.append(Turn(row.id, row.question, row.user_id))
            next_id = row.parent_id
        return tuple(reversed(chain))

    def link_answer(self, question_id: int, *, answer_message_id: int | None, thread_id: int | None = None) -> None:
        """Record the message that answered a question (a reply to it follows up) and the thread it went on in."""
        values: dict[str, int] = {}
        if answer_message_id is not None:
            values["answer_message_id"] = answer_message_id
        if thread_id is not None:
            values["thread_id"] = thread_id
        if not values:
            return
        with self.engine.begin() as conn:
            conn.execute(sa.update(questions).where(questions.c.id == question_id).values(values))
