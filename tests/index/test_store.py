"""Rebuilds in a serving process: back-to-back swaps, readers during a swap, versions left on disk."""

from __future__ import annotations

import os
import time

import pytest

from index import BuildOptions, Engine, build_index, store


def test_two_rebuilds_within_one_second_both_land(built, docs_copy, fake_embedder, monkeypatch):
    """A bot that rebuilds twice in the same second (/reindex twice) gets both, not an OSError."""
    monkeypatch.setattr(time, "strftime", lambda *args: "20250101T120000")  # the same second, frozen
    engine = Engine(built, fake_embedder)
    (docs_copy / "a.txt").write_text("Le Zorglub A1 est une puce imaginaire.\n", encoding="utf-8")
    assert engine.rebuild(docs_copy, BuildOptions()).added == ["a.txt"]
    (docs_copy / "b.txt").write_text("Le Zorglub B2 est une autre puce imaginaire.\n", encoding="utf-8")
    assert engine.rebuild(docs_copy, BuildOptions()).added == ["b.txt"]
    assert engine.ask("Qu'est-ce que le Zorglub B2 ?").citations[0].passage.document == "b.txt"
    assert store.load(built, fake_embedder.name).manifest.documents == 7


def test_rebuild_keeps_the_replaced_version_for_readers_in_flight(built, docs_copy, fake_embedder):
    """A reader that resolved `current` just before a swap can still load what it resolved, once."""
    engine = Engine(built, fake_embedder)
    (docs_copy / "a.txt").write_text("Le Zorglub A1 est une puce imaginaire.\n", encoding="utf-8")
    resolved_before = store.current_path(built).resolve()
    engine.rebuild(docs_copy, BuildOptions())
    assert (resolved_before / store.MANIFEST).is_file()
    store.verify(resolved_before, store.read_manifest(resolved_before))
    (docs_copy / "b.txt").write_text("Le Zorglub B2 est une autre puce imaginaire.\n", encoding="utf-8")
    engine.rebuild(docs_copy, BuildOptions())
    assert not resolved_before.exists()  # two rounds later it is gone: versions do not pile up
    assert len(list(built.glob("v-*"))) == 2


def test_disk_full_during_a_rebuild_leaves_the_old_index_and_no_leftovers(built, docs_copy, fake_embedder,
                                                                          monkeypatch):
    """ENOSPC while writing the new version: the error propagates, the old index serves, nothing is left."""
    import errno

    import faiss

    engine = Engine(built, fake_embedder)
    before = engine.index.folder
    (docs_copy / "a.txt").write_text("Le Zorglub A1 est une puce imaginaire.\n", encoding="utf-8")

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(faiss, "write_index", disk_full)
    with pytest.raises(OSError, match="No space left on device"):
        engine.rebuild(docs_copy, BuildOptions())
    assert sorted(p.name for p in built.iterdir() if not p.name.startswith(".")) == ["current", before.name]
    assert store.load(built, fake_embedder.name).folder == before
    assert "Jensen Huang" in engine.ask("Qui est le PDG de Nvidia ?").text


def test_index_copied_with_its_links_followed_can_be_rebuilt(fake_index, tmp_path, docs_copy, fake_embedder):
    """An index copied by a tool that follows links (cp -rL) has a folder for `current`: it serves, and
    the next rebuild replaces it instead of failing with IsADirectoryError every time."""
    import shutil

    index_dir = tmp_path / "copied"
    shutil.copytree(fake_index, index_dir, symlinks=False)
    assert not store.current_path(index_dir).is_symlink()
    assert "Jensen Huang" in Engine(index_dir, fake_embedder).ask("Qui est le PDG de Nvidia ?").text
    (docs_copy / "a.txt").write_text("Le Zorglub A1 est une puce imaginaire.\n", encoding="utf-8")
    assert build_index(docs_copy, index_dir, fake_embedder, BuildOptions()).added == ["a.txt"]
    assert store.current_path(index_dir).is_symlink()
    assert store.load(index_dir, fake_embedder.name).manifest.documents == 6
    assert len(list(index_dir.glob("v-*"))) == 2  # the new version and the copied one it replaced


def test_loaded_passages_are_the_stored_ones_read_from_the_mapped_file(built):
    """The loaded index reads its passages from the version's file, mapped, not copied: the same passages."""
    folder = store.current_path(built).resolve()
    loaded = store.load(built)
    stored = store.read_passages(folder)
    assert isinstance(loaded.passages, store.PassageFile)
    assert len(loaded.passages) == len(stored) and list(loaded.passages) == stored
    assert loaded.passages[-1] == stored[-1] and loaded.passages[1:3] == stored[1:3]
    with pytest.raises(IndexError):
        loaded.passages[len(stored)]
    maps = open(f"/proc/{os.getpid()}/maps", encoding="utf-8").read()
    assert str(folder / store.PASSAGES) in maps and str(folder / store.VECTORS) in maps


@pytest.mark.parametrize(("content", "count"), [(b"", 0), (b'{"a": 1}\n\n', 1), (b'{"a": 1}\n{"a": 2}', 2)])
def test_passage_file_lines(tmp_path, monkeypatch, content, count):
    """Blank lines hold no passage; a last line without its newline does."""
    monkeypatch.setattr(store.Passage, "from_dict", staticmethod(lambda d: d))
    (tmp_path / "p.jsonl").write_bytes(content)
    passages = store.PassageFile(tmp_path / "p.jsonl")
    assert list(passages) == [{"a": i + 1} for i in range(count)]
