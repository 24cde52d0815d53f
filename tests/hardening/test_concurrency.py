"""Two rebuilds at once (CLI and CLI, or the bot's /reindex and the CLI): one waits or is refused, no mix."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from index import BuildOptions, Engine, IndexLockedError, store

NEW_DOC = "Le Zorglub X9 est une puce imaginaire.\nIl consomme moins que la H20 de Nvidia.\n"
BUSY = "docbot: another `docbot index` is rebuilding this index; try again when it has finished"


def test_second_docbot_index_is_refused_with_a_clear_message(built, docs_copy, docbot, fake_embedder):
    """While one `docbot index` runs, another exits 1 with one line saying so; the first completes."""
    (docs_copy / "zorglub.txt").write_text(NEW_DOC, encoding="utf-8")
    first = docbot.paused("embed", "index")

    r = docbot.run("index")
    assert r.returncode == 1
    assert r.stderr.splitlines() == [BUSY]

    code, out, err = first.resume()
    assert code == 0, err
    assert "Index updated: 1 added" in out
    assert store.load(built, fake_embedder.name).manifest.documents == 6


def test_docbot_index_with_wait_runs_after_the_other(built, docs_copy, docbot, fake_embedder):
    """`docbot index --wait` finds the lock taken, waits, then runs on the other's result, after it."""
    (docs_copy / "zorglub.txt").write_text(NEW_DOC, encoding="utf-8")
    first = docbot.paused("embed", "index")
    second = docbot.paused("lock-busy", "index", "--wait", "60")  # it has seen the lock taken

    code, out, err = first.resume()
    assert code == 0, err
    assert "Index updated: 1 added" in out
    code, out, err = second.resume()
    assert code == 0, err
    # Had the two run together, both would have added zorglub.txt from the same old index.
    assert "Index up to date: 0 added" in out
    index = store.load(built, fake_embedder.name)
    assert [d.path for d in index.documents].count("zorglub.txt") == 1


def test_reindex_during_a_cli_rebuild_is_refused_and_the_bot_keeps_serving(built, docs_copy, docbot,
                                                                            fake_embedder):
    """The bot's rebuild (what /reindex calls) while `docbot index` runs: IndexLockedError; answers go on."""
    engine = Engine(built, fake_embedder)
    assert "Jensen Huang" in engine.ask("Qui est le PDG de Nvidia ?").text
    (docs_copy / "zorglub.txt").write_text(NEW_DOC, encoding="utf-8")
    cli = docbot.paused("embed", "index")

    with pytest.raises(IndexLockedError) as err:
        engine.rebuild(docs_copy, BuildOptions())
    assert err.value.index_dir == built
    assert "Jensen Huang" in engine.ask("Qui est le PDG de Nvidia ?").text

    code, _, err = cli.resume()
    assert code == 0, err
    summary = engine.rebuild(docs_copy, BuildOptions())  # now free: swaps in what the CLI built
    assert not summary.written
    assert engine.ask("Que consomme le Zorglub X9 ?").citations[0].passage.document == "zorglub.txt"


def test_cli_rebuild_during_a_bot_rebuild_is_refused(built, docs_copy, docbot, fake_embedder, monkeypatch):
    """`docbot index` while the bot rebuilds (it holds the lock in-process): refused, one line, exit 1."""
    engine = Engine(built, fake_embedder)
    (docs_copy / "zorglub.txt").write_text(NEW_DOC, encoding="utf-8")
    seen = {}

    def embed_and_try_the_cli(texts, **kwargs):
        seen["cli"] = docbot.run("index")  # runs while this process holds the lock
        return type(fake_embedder).embed(fake_embedder, texts, **kwargs)

    monkeypatch.setattr(fake_embedder, "embed", embed_and_try_the_cli)
    assert engine.rebuild(docs_copy, BuildOptions()).added == ["zorglub.txt"]
    assert seen["cli"].returncode == 1
    assert seen["cli"].stderr.splitlines() == [BUSY]


@pytest.mark.e2e
async def test_slash_reindex_while_docbot_index_runs(stand_in, built, docs_copy, docbot, tmp_path):
    """On Discord: /reindex during a CLI rebuild says one is running; after it, /reindex serves its result."""
    from bot.i18n import t

    from .conftest import DRIVER, TIMEOUT

    fake = stand_in
    log = open(tmp_path / "bot.log", "w+", encoding="utf-8")
    bot = subprocess.Popen([sys.executable, str(DRIVER), "run"], stdout=log, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL)
    try:
        await fake.wait_ready(timeout=TIMEOUT)
        manager = fake.add_member("manager", moderator=True)
        (docs_copy / "zorglub.txt").write_text(NEW_DOC, encoding="utf-8")
        cli = docbot.paused("embed", "index")

        busy = await fake.invoke("reindex", {}, member=manager)
        await fake.wait_for(lambda: busy.answered, TIMEOUT, "the reply to /reindex")
        assert busy.ephemeral and busy.messages[-1]["content"] == t("reindex_running", "fr")

        code, out, err = cli.resume()
        assert code == 0 and "1 added" in out, err
        done = await fake.invoke("reindex", {}, member=manager)
        await fake.wait_for(lambda: done.answered, TIMEOUT, "the reply to the second /reindex")
        asked = await fake.invoke("ask", {"question": "Que consomme le Zorglub X9 ?"}, member=manager)
        await fake.wait_for(lambda: asked.answered, TIMEOUT, "the answer")
        assert done.messages[-1]["content"].startswith(t("reindex_same", "fr", added=0, updated=0, removed=0,
                                                         skipped=0, unchanged=6, passages=0)[:20])
        cited = [f["value"] for f in asked.messages[0]["embeds"][0]["fields"]]
        assert "zorglub.txt" in cited[0]
    finally:
        bot.send_signal(signal.SIGINT)
        bot.wait(TIMEOUT)
        log.close()
