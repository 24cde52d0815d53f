"""kill -9 of `docbot index` at each stage of a rebuild: a whole index serves, the next run completes."""

from __future__ import annotations

import os

import pytest

from index import Engine, store

NEW_DOC = ("Le Zorglub X9 est une puce imaginaire.\n"
           "Selon son fabricant, le Zorglub X9 consomme moins que la H20 de Nvidia.\n")
Q_NEW = "Que consomme le Zorglub X9 ?"
Q_OLD = "Qui est le PDG de Nvidia ?"

# Where the build is killed, and which index `docbot ask` must answer from afterwards.
KILL_POINTS = [
    ("embed", "old"),  # embedding the new document, nothing written
    ("half-written", "old"),  # passages and vectors in tmp-*, FAISS file and manifest missing
    ("renamed", "old"),  # a complete v-* folder that `current` does not point to
    ("swapping", "old"),  # the new link made under a temporary name
    ("swapped", "new"),  # `current` switched, the old version not yet removed
]


def leftovers(index_dir):
    return sorted(p.name for p in index_dir.iterdir() if p.name.startswith(("tmp-", ".current.")))


def serves_new_document(index_dir, embedder) -> bool:
    """Whether the index on disk, verified, answers the new document's question from it."""
    answer = Engine(index_dir, embedder).ask(Q_NEW)
    return answer.citations[0].passage.document == "zorglub.txt"


@pytest.mark.parametrize(("point", "serving"), KILL_POINTS)
def test_kill_during_rebuild_leaves_a_whole_index_serving(point, serving, built, docs_copy, docbot,
                                                          fake_embedder):
    """After kill -9 at any stage, `docbot ask` answers from one whole index; the next run completes."""
    (docs_copy / "zorglub.txt").write_text(NEW_DOC, encoding="utf-8")
    before = os.readlink(store.current_path(built))
    docbot.paused(point, "index").kill9()
    left = leftovers(built)

    old, new = docbot.ask_json(Q_OLD, Q_NEW)
    assert old["answered"] and "Jensen Huang" in old["answer"]
    assert (docbot.cited(new)[0] == "zorglub.txt") == (serving == "new")

    r = docbot.run("index")
    assert r.returncode == 0, r.stderr
    assert ("1 added" if serving == "old" else "Index up to date") in r.stdout
    for name in (n for n in left if n.startswith("tmp-")):
        assert f"removed the leftovers of an interrupted build: {name}" in r.stderr
    assert leftovers(built) == []
    assert serves_new_document(built, fake_embedder)
    # Nothing piles up: what remains is the version serving and the one it replaced (kept one round
    # for readers that opened it just before the swap), not the killed build's orphan.
    assert {p.name for p in built.glob("v-*")} == {os.readlink(store.current_path(built)), before}


def test_kill_during_first_build_then_next_run_builds(docs_copy, index_dir, docbot, fake_embedder):
    """A first build killed half-way: `docbot ask` says to run `docbot index`, which then works."""
    docbot.paused("half-written", "index").kill9()
    assert leftovers(index_dir)  # the killed build did leave its temporary folder

    r = docbot.run("ask", Q_OLD)
    assert r.returncode == 1
    assert r.stderr.strip().endswith("run `docbot index` to build it")
    assert "Traceback" not in r.stderr

    r = docbot.run("index")
    assert r.returncode == 0, r.stderr
    assert "5 added" in r.stdout
    assert leftovers(index_dir) == []
    assert "Jensen Huang" in Engine(index_dir, fake_embedder).ask(Q_OLD).text
