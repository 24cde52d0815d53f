"""One question path: the same questions through /ask, a mention, the terminal chat and `docbot ask --json`
get the same outcomes in the question log, and the same refusal, in the asker's language."""

from __future__ import annotations

import json

import discord

from bot.database import QuestionLog
from bot.i18n import t
from bot.settings import Settings
from tests.bot.helpers import MockGuild, MockInteraction, MockMessage, invoke, sent

QUESTIONS = ["Où Jensen Huang a-t-il dîné avec Donald Trump ?", "Qui est le PDG de Nvidia ?",
             "Who is the CEO of Nvidia?", "recette de la tarte aux pommes"]
TOO_LONG = ("Qui est le PDG de Nvidia ? " * 40).strip()  # French, 1079 characters once cleaned
REFUSAL = t("question_too_long", "fr", length=len(TOO_LONG), limit=1000)


def logged_outcomes(source: str) -> dict[str, str]:
    with QuestionLog(Settings().database_url.get_secret_value()) as qlog:
        rows = _sql(qlog, "SELECT question, outcome FROM questions WHERE source = ?", (source,))
        return dict(rows)


async def test_every_front_end_logs_the_same_outcomes_and_refuses_alike(make_bot, me, docbot, indexed):
    """Each front end logs each question once with one outcome, the same everywhere; the refused one nowhere."""
    bot = await make_bot(cooldown_seconds=0)
    refusals, reactions = [], []
    for q in [*QUESTIONS, TOO_LONG]:
        inter = MockInteraction(bot, locale=discord.Locale.french)
        await invoke(bot, "ask", inter, question=q)
        refusals += [m["content"] for m in sent(inter.followup.send) if "content" in m]
        message = MockMessage(guild=MockGuild(), content=f"<@{me.id}> {q}")
        await bot.get_cog("Ask").on_message(message)
        refusals += [m["content"] for m in sent(message.reply) if "content" in m]
        said = [m for m in sent(message.reply) if "content" in m]
        assert all(m["delete_after"] == 60 for m in said)  # in a server, said for a minute only
        reactions += [c.args[0] for c in message.add_reaction.await_args_list]
    chat = docbot("chat", input="\n".join([*QUESTIONS, TOO_LONG]) + "\n")
    asked = docbot("ask", "--json", input="\n".join([*QUESTIONS, TOO_LONG]) + "\n")
    *answers, error = (json.loads(line) for line in asked.out.splitlines())

    # /ask refuses privately; a mention gets a reaction and the limit, said for a minute.
    assert refusals == [REFUSAL, REFUSAL] and reactions == ["✂️"]
    assert error == {"question": TOO_LONG[:200], "error": REFUSAL} and asked.code == 2
    assert chat.err_lines[-1] == f"error: {REFUSAL}"
    expected = {a["question"]: "answered" if a["answered"] else "not_covered" for a in answers}
    assert set(expected.values()) == {"answered", "not_covered"}
    for source in ("slash", "mention", "terminal", "cli"):
        assert logged_outcomes(source) == expected, source
    totals = json.loads(docbot("stats", "--json").out)["totals"]
    answered = sum(v == "answered" for v in expected.values())
    assert (totals["questions"], totals["answered"], totals["not_covered"], totals["errors"]) == (
        4 * len(QUESTIONS), 4 * answered, 4 * (len(QUESTIONS) - answered), 0)


def _sql(qlog, query: str, params: tuple = ()):
    """Rows of a query on the log's SQLite file, read directly (what an operator would see)."""
    import contextlib
    import sqlite3

    with contextlib.closing(sqlite3.connect(qlog.path)) as db:
        return db.execute(query, params).fetchall()
