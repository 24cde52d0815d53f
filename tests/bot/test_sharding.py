"""Shard settings: parsed and checked as operators write them, named in `docbot run --help`, given to discord.py."""

from __future__ import annotations

import pytest

from bot.client import DocBot
from bot.settings import Settings


@pytest.mark.parametrize(("count", "ids", "expected"), [
    ("8", "0-3", (0, 1, 2, 3)), ("8", "4-7", (4, 5, 6, 7)), ("4", "0,2", (0, 2)), ("16", " 0-1, 8 ", (0, 1, 8)),
    ("4", "3", (3,)), ("4", "", None), ("", "", None)])
def test_shard_ids_as_written(monkeypatch, count, ids, expected):
    """DOCBOT_SHARD_IDS takes ranges and lists; empty means every shard."""
    monkeypatch.setenv("DOCBOT_SHARD_COUNT", count)
    monkeypatch.setenv("DOCBOT_SHARD_IDS", ids)
    assert Settings().shard_ids == expected


@pytest.mark.parametrize(("count", "ids", "words"), [
    ("4", "4-7", "invalid setting DOCBOT_SHARD_IDS: shard 4 does not exist with DOCBOT_SHARD_COUNT=4"),
    ("", "0-3", "invalid setting DOCBOT_SHARD_IDS: set DOCBOT_SHARD_COUNT too"),
    ("4", "3-1", "invalid setting DOCBOT_SHARD_IDS: the range 3-1 is empty"),
    ("4", "one", "invalid setting DOCBOT_SHARD_IDS: not a shard id or range 'one'"),
    ("4", "1,1", "invalid setting DOCBOT_SHARD_IDS: a shard id is listed twice"),
    ("0", "", "invalid setting DOCBOT_SHARD_COUNT: "),
    ("many", "", "invalid setting DOCBOT_SHARD_COUNT: ")])
def test_a_bad_shard_setting_is_one_line(docbot, indexed, monkeypatch, count, ids, words):
    """A bad shard setting: `docbot run` exits 2 with one line naming the variable, before connecting."""
    monkeypatch.setenv("DISCORD_TOKEN", "a-token")
    monkeypatch.setenv("DOCBOT_SHARD_COUNT", count)
    monkeypatch.setenv("DOCBOT_SHARD_IDS", ids)
    r = docbot("run")
    assert r.code == 2 and r.err.count("\n") == 1, r.err
    assert r.err.startswith(f"docbot: {words}"), r.err


def test_run_help_names_the_shard_settings(docbot):
    """`docbot run --help` says how to run several processes."""
    r = docbot("run", "--help")
    assert "DOCBOT_SHARD_COUNT" in r.out and "DOCBOT_SHARD_IDS" in r.out


@pytest.mark.parametrize(("env", "count", "ids"), [({}, None, None), ({"DOCBOT_SHARD_COUNT": "4"}, 4, None),
                                                   ({"DOCBOT_SHARD_COUNT": "4", "DOCBOT_SHARD_IDS": "2-3"}, 4, [2, 3])])
async def test_the_bot_runs_the_shards_it_is_given(monkeypatch, fake_engine, env, count, ids):
    """discord.py gets the shard count (None: Discord's recommendation) and this process's shard ids."""
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    bot = DocBot(Settings(), fake_engine)
    try:
        assert (bot.shard_count, bot.shard_ids) == (count, ids)
    finally:
        await bot.close()
