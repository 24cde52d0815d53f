"""Damaged, foreign or tampered index files: caught by the manifest's checksums before FAISS reads them."""

from __future__ import annotations

import json
import os
import random
import re
import shutil

import pytest

from index import BuildOptions, Engine, IndexCorruptError, IndexIncompatibleError, store


def truncate(path):
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def zero_fill(path):
    path.write_bytes(b"\0" * path.stat().st_size)


def random_bytes(path):
    path.write_bytes(random.Random(6).randbytes(path.stat().st_size))


def flip_one_byte(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def empty(path):
    path.write_bytes(b"")


def delete(path):
    path.unlink()


DAMAGES = [truncate, zero_fill, random_bytes, flip_one_byte, empty, delete]
# The BM25 files' names are bm25s's business: found through the manifest, by extension.
FILES = [store.VECTORS, store.PASSAGES, store.DOCUMENTS, "lexical *.json", "lexical *.npy"]


@pytest.fixture
def no_faiss_read(monkeypatch):
    """Fail the test if FAISS is asked to parse a file (it trusts its input and may crash on a bad one)."""
    import faiss

    def refuse(*args, **kwargs):
        raise AssertionError("faiss.read_index was called on an unverified index")

    monkeypatch.setattr(faiss, "read_index", refuse)


def current(index_dir):
    return store.current_path(index_dir).resolve()


def index_file(index_dir, name: str) -> str:
    """An index file's name; "lexical *.npy" is the first BM25 file whose name ends in .npy."""
    if not name.startswith("lexical "):
        return name
    listed = store.read_manifest(current(index_dir)).files
    return next(f for f in sorted(listed) if f.startswith(f"{store.BM25_DIR}/") and f.endswith(name[-4:]))


@pytest.mark.parametrize("damage", DAMAGES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("name", FILES)
def test_damaged_file_is_refused_before_it_is_parsed(built, name, damage, no_faiss_read):
    """Any damage to any index file: an IndexCorruptError naming the file, in one line."""
    name = index_file(built, name)
    damage(current(built) / name)
    with pytest.raises(IndexCorruptError) as err:
        store.load(built, "fake-embedder")
    message = str(err.value)
    assert err.value.file == name and name in message
    assert "\n" not in message and "docbot index" not in message


@pytest.mark.parametrize("damage", [d for d in DAMAGES if d is not flip_one_byte], ids=lambda f: f.__name__)
def test_damaged_manifest_is_refused(built, damage, no_faiss_read):
    """A damaged manifest: "unreadable" (or "no index" when it is gone), never a parse of the data files."""
    damage(current(built) / store.MANIFEST)
    with pytest.raises((IndexCorruptError, store.IndexMissingError)) as err:
        store.load(built, "fake-embedder")
    assert getattr(err.value, "file", store.MANIFEST) == store.MANIFEST


def edit_manifest(index_dir, **changes):
    path = current(index_dir) / store.MANIFEST
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize(("changes", "expected"), [
    ({"files": {}}, "does not list the index's files"),
    ({"files": None}, "does not list the index's files"),
    ({"files": {"vectors.faiss": "0" * 64}}, "does not list the index's files"),
    ({"passages": 1}, "disagree on the number of passages"),
    ({"dimension": 3}, "disagree on the number of passages"),
])
def test_manifest_that_does_not_vouch_for_the_files_is_refused(built, changes, expected, monkeypatch):
    """A manifest edited by hand, or that lists no checksums: refused, and FAISS reads nothing unverified."""
    edit_manifest(built, **changes)
    if "files" in changes:
        monkeypatch.setattr("faiss.read_index", lambda *a: pytest.fail("read an unverified FAISS file"))
    with pytest.raises(IndexCorruptError, match=expected):
        store.load(built, "fake-embedder")


def test_foreign_file_dropped_into_the_index_is_refused(built, no_faiss_read):
    """A file the manifest does not list (bm25s would read it) makes the index untrusted."""
    dropped = f"{store.BM25_DIR}/corpus.jsonl"
    (current(built) / dropped).write_text('{"id": 0, "text": "injected"}\n')
    with pytest.raises(IndexCorruptError, match=re.escape(f"does not list ({dropped})")):
        store.load(built, "fake-embedder")


def test_files_swapped_in_from_another_index_are_refused(built, tmp_path, fake_embedder, docs_copy):
    """vectors.faiss from an index of other documents, even a valid one, fails its checksum."""
    from index import build_index

    (docs_copy / "huang-accord-trump-h20.txt").unlink()
    other = tmp_path / "other-index"
    build_index(docs_copy, other, fake_embedder, BuildOptions())
    shutil.copy(current(other) / store.VECTORS, current(built) / store.VECTORS)
    with pytest.raises(IndexCorruptError, match="vectors.faiss is damaged"):
        store.load(built, "fake-embedder")


@pytest.mark.parametrize(("changes", "expected"), [
    ({"model": "intfloat/multilingual-e5-small"}, "built with model 'intfloat/multilingual-e5-small'"),
    ({"format_version": store.FORMAT_VERSION + 1}, f"another docbot version (format {store.FORMAT_VERSION + 1})"),
    ({"format_version": store.FORMAT_VERSION + 1, "shards": 4},  # a future manifest's fields
     f"another docbot version (format {store.FORMAT_VERSION + 1})"),
])
def test_index_from_another_model_or_version_is_refused(built, changes, expected, no_faiss_read):
    """An index built by another model or docbot version: IndexIncompatibleError saying what it was built with."""
    edit_manifest(built, **changes)
    with pytest.raises(IndexIncompatibleError, match=re.escape(expected)) as err:
        store.load(built, "fake-embedder")
    assert err.value.built == changes.get("model", changes.get("format_version"))


@pytest.mark.parametrize(("damage", "file", "expected"), [
    (truncate, store.VECTORS, "the index file vectors.faiss is damaged (checksum mismatch)"),
    (random_bytes, store.MANIFEST, "the index manifest is unreadable (UnicodeDecodeError)"),
    (delete, "lexical *.json", "the index is incomplete (missing {file})"),
])
def test_docbot_ask_on_a_damaged_index_says_what_to_do(built, damage, file, expected, docbot):
    """The real `docbot ask`: exit code 1 and one line on stderr that names the damage and the fix."""
    file = index_file(built, file)
    expected = expected.format(file=file)
    damage(current(built) / file)
    r = docbot.run("ask", "Qui est le PDG de Nvidia ?", real=True)
    assert r.returncode == 1
    assert r.stderr.splitlines() == [f"docbot: {expected}; run `docbot index` to rebuild it"]
    assert r.stdout == ""


def test_docbot_ask_with_another_model_configured_says_to_rebuild(built, docbot, monkeypatch):
    """The index was built with another model than DOCBOT_EMBEDDING_MODEL now names: say so, exit 1."""
    monkeypatch.setenv("DOCBOT_EMBEDDING_MODEL", "intfloat/multilingual-e5-small")
    r = docbot.run("ask", "Qui est le PDG de Nvidia ?", real=True)
    assert r.returncode == 1
    assert r.stderr.splitlines() == [
        "docbot: the index was built with model 'fake-embedder' but 'intfloat/multilingual-e5-small' "
        "is configured; run `docbot index` to rebuild it"]


@pytest.mark.parametrize(("damage", "file", "reason"), [
    (zero_fill, store.VECTORS, "the index file vectors.faiss is damaged (checksum mismatch)"),
    (delete, store.MANIFEST, None),
])
def test_docbot_index_repairs_a_damaged_index(built, damage, file, reason, docbot):
    """`docbot index` over a damaged index rebuilds it whole, says why, and `docbot ask` works again."""
    damage(current(built) / file)
    r = docbot.run("index")
    assert r.returncode == 0, r.stderr
    assert "5 added" in r.stdout
    if reason:
        assert f"Full rebuild: {reason}" in r.stderr
    (answer,) = docbot.ask_json("Qui est le PDG de Nvidia ?")
    assert "Jensen Huang" in answer["answer"]


def test_serving_engine_keeps_its_index_when_the_files_are_replaced_under_it(built, docs_copy, fake_embedder):
    """A running bot answers from the index it loaded; damage shows at a reload; a rebuild repairs it."""
    engine = Engine(built, fake_embedder)
    assert "Jensen Huang" in engine.ask("Qui est le PDG de Nvidia ?").text
    # Replaced by a damaged file, not overwritten in place: the files are memory-mapped, and one cut
    # short in place under a running process kills it with SIGBUS (docbot itself never does that).
    vectors = current(built) / store.VECTORS
    size = vectors.stat().st_size
    vectors.unlink()
    vectors.write_bytes(b"\0" * size)
    assert "Jensen Huang" in engine.ask("Qui est le PDG de Nvidia ?").text
    with pytest.raises(IndexCorruptError):
        engine.reload()
    assert "Jensen Huang" in engine.ask("Qui est le PDG de Nvidia ?").text
    # What /reindex runs: a full rebuild that says why, then the repaired index is served.
    summary = engine.rebuild(docs_copy, BuildOptions())
    assert summary.full_rebuild_reason == "the index file vectors.faiss is damaged (checksum mismatch)"
    assert summary.written and store.load(built, fake_embedder.name).folder == engine.index.folder


def test_unreadable_index_file_is_a_clear_error(built):
    """An index file the process may not read: a one-line error, not a PermissionError traceback."""
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    (current(built) / store.PASSAGES).chmod(0)
    with pytest.raises(IndexCorruptError, match="passages.jsonl is unreadable"):
        store.load(built, "fake-embedder")
