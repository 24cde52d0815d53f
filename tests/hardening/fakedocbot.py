"""`docbot` in a real process with the fake embedder, and a way to freeze it at a chosen point of a build.

Usage: python fakedocbot.py <docbot arguments...>

The real CLI (settings, error mapping, exit codes, the index code) runs unchanged; only the embedding
model is the tests' FakeEmbedder, named after DOCBOT_EMBEDDING_MODEL, so the process starts in half a
second instead of six. With DOCBOT_TEST_PAUSE_AT=<point>, the process prints "PAUSED <point>" on stdout
when it gets there and waits for a line on stdin before going on, so a test can kill it right there.
DOCBOT_TEST_DISCORD_API and DOCBOT_TEST_DISCORD_GATEWAY point discord.py at a local stand-in for Discord
(tests/e2e/fake_discord/pointing.py). DOCBOT_TEST_QUERY_SECONDS makes each question's embedding take that long,
as a loaded machine's would, so that questions are still in flight when a test stops the bot.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO))


def _fake_embedder_class():
    spec = importlib.util.spec_from_file_location("_docbot_tests_conftest", REPO / "tests" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FakeEmbedder


def pause(point: str) -> None:
    """Say where we are and wait for the test's go-ahead (or its kill -9)."""
    print(f"PAUSED {point}", flush=True)
    sys.stdin.readline()


def _install_pause(point: str) -> None:
    """Wrap the function that marks `point` so that the build stops there."""
    import faiss

    from index import lexical, store

    def before(owner, name, when=lambda *a, **k: True):
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            if when(*args, **kwargs):
                pause(point)
            return original(*args, **kwargs)

        setattr(owner, name, wrapper)

    if point == "embed":  # in the middle of embedding new passages, nothing written yet
        before(FakeEmbedder, "embed")
    elif point == "half-written":  # passages, documents and vectors written in tmp-*, FAISS file not yet
        before(faiss, "write_index")
    elif point == "written":  # every data file written in tmp-*, no manifest yet
        original_save = lexical.LexicalIndex.save

        def save_then_pause(self, folder):
            original_save(self, folder)
            pause(point)

        lexical.LexicalIndex.save = save_then_pause
    elif point == "renamed":  # complete v-* folder, `current` still on the old one
        before(store, "_swap_current")
    elif point == "swapping":  # the new link made under a temporary name, not yet renamed over `current`
        before(os, "replace", when=lambda src, dst, *a, **k: Path(src).name.startswith(f".{store.CURRENT}."))
    elif point == "swapped":  # `current` on the new version, old versions not yet removed
        before(store, "_remove_old_versions")
    elif point == "locked":  # holding the build lock, before reading anything
        before(store, "clean_leftovers")
    elif point == "lock-busy":  # found the build lock taken (once), before waiting or giving up
        import fcntl

        original_flock, told = fcntl.flock, []

        def flock(fd, operation):
            try:
                return original_flock(fd, operation)
            except BlockingIOError:
                if not told:
                    told.append(True)
                    pause(point)
                raise

        fcntl.flock = flock
    else:
        raise SystemExit(f"unknown pause point {point!r}")


FakeEmbedder = _fake_embedder_class()

if __name__ == "__main__":
    import bot.service
    from tests.e2e.fake_discord.pointing import point_from_environment

    bot.service.make_embedder = lambda settings: FakeEmbedder(settings.embedding_model)
    if os.environ.get("DOCBOT_TEST_QUERY_SECONDS"):
        import time

        slow, embed = float(os.environ["DOCBOT_TEST_QUERY_SECONDS"]), FakeEmbedder.embed

        def slow_query(self, texts, batch_size=32, *, query=False):
            if query:
                time.sleep(slow)
            return embed(self, texts, batch_size, query=query)

        FakeEmbedder.embed = slow_query
    point_from_environment()  # a local stand-in for Discord (tests/e2e/fake_discord), if the test started one
    if os.environ.get("DOCBOT_TEST_PAUSE_AT"):
        _install_pause(os.environ["DOCBOT_TEST_PAUSE_AT"])
    from bot.cli import main

    sys.argv = ["docbot", *sys.argv[1:]]
    main()
