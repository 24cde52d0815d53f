"""Incremental builds: only what changed is embedded, nothing is written when nothing changed, and the
index is swapped in whole."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from index import BuildOptions, Skipped, build_index, load, store
from index.engine import Engine

TSMC = "h20-terres-rares-commande-tsmc.txt"
MAR_A_LAGO = "nvidia-h20-accord-mar-a-lago.txt"
RARE_EARTHS = "Pourquoi les terres rares et les aimants permanents ont-ils compté ?"


@pytest.fixture
def index_dir(tmp_path) -> Path:
    return tmp_path / "index"


@pytest.fixture
def built(docs_copy, index_dir, fake_embedder):
    """The shipped documents (a writable copy) indexed once; the embedder's counters start from zero."""
    build_index(docs_copy, index_dir, fake_embedder, BuildOptions())
    fake_embedder.calls = fake_embedder.embedded = 0
    return index_dir


def snapshot(index_dir: Path) -> dict:
    """Every file of the index with its modification time and size, and where `current` points."""
    files = {p.relative_to(index_dir).as_posix(): (p.stat().st_mtime_ns, p.stat().st_size)
             for p in index_dir.rglob("*") if p.is_file() and p.name != store.LOCK}
    return {"current": os.readlink(index_dir / store.CURRENT), **files}


def documents(index_dir: Path) -> dict[str, store.DocumentEntry]:
    return {d.path: d for d in load(index_dir).documents}


def cited(index_dir: Path, embedder, question: str, k: int = 5) -> list[str]:
    return [c.passage.document for c in Engine(index_dir, embedder).ask(question, k=k).citations]


def edit_metadata(docs: Path, change) -> None:
    path = docs / "metadata.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    change(meta)
    path.write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


def test_first_build(docs_copy, index_dir, fake_embedder):
    """A first build adds every document, embeds every passage and leaves a loadable `current`."""
    summary = build_index(docs_copy, index_dir, fake_embedder, BuildOptions())
    assert sorted(summary.added) == sorted(p.name for p in docs_copy.glob("*.txt"))
    assert summary.written and summary.passages == summary.embedded == fake_embedder.embedded > 0
    assert (index_dir / store.CURRENT).is_symlink()
    loaded = load(index_dir, fake_embedder.name)
    assert len(loaded.passages) == summary.passages
    assert summary.line().startswith(f"5 added, 0 updated, 0 removed, 0 skipped, 0 unchanged; "
                                     f"{summary.passages} passages ({summary.passages} embedded) in ")


def test_nothing_changed_embeds_and_writes_nothing(built, docs_copy, fake_embedder):
    """A second build with nothing changed calls the model zero times and leaves the index files untouched."""
    before = snapshot(built)
    summary = build_index(docs_copy, built, fake_embedder, BuildOptions())
    assert fake_embedder.calls == 0
    assert not summary.written and not summary.changed
    assert (summary.embedded, len(summary.unchanged)) == (0, 5)
    assert snapshot(built) == before
    assert "(0 embedded)" in summary.line()


def test_touched_file_is_not_embedded_again(built, docs_copy, fake_embedder):
    """A file whose modification time changed but not its content is not embedded again."""
    path = docs_copy / TSMC
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    summary = build_index(docs_copy, built, fake_embedder, BuildOptions())
    assert fake_embedder.embedded == 0
    assert summary.unchanged and not summary.changed
    # The new time is remembered, so the build after that does not even read the file.
    assert documents(built)[TSMC].mtime_ns == path.stat().st_mtime_ns


def test_changed_document_is_embedded_alone(built, docs_copy, fake_embedder):
    """Only the edited document is re-embedded, and its new text is searchable."""
    with open(docs_copy / TSMC, "a", encoding="utf-8") as f:
        f.write("\nLe fondeur livrera les premiers lots de puces à Shenzhen dès septembre.\n")
    summary = build_index(docs_copy, built, fake_embedder, BuildOptions())
    entries = documents(built)
    assert summary.updated == [TSMC] and not summary.added and not summary.removed
    assert sorted(summary.unchanged) == sorted(set(entries) - {TSMC})
    assert fake_embedder.embedded == summary.embedded == entries[TSMC].count
    answer = Engine(built, fake_embedder).ask("Quand les lots arriveront-ils à Shenzhen ?")
    assert any("Shenzhen" in c.passage.text and c.passage.document == TSMC for c in answer.citations)


def test_unchanged_documents_keep_their_vectors(built, docs_copy, fake_embedder):
    """After an incremental build, the documents not re-embedded keep exactly their passages and vectors."""
    old = load(built)
    old_vectors = {p: old.embeddings[i].copy() for i, p in enumerate(old.passages)}
    with open(docs_copy / TSMC, "a", encoding="utf-8") as f:
        f.write("\nUne phrase de plus.\n")
    build_index(docs_copy, built, fake_embedder, BuildOptions())
    new = load(built)
    for i, p in enumerate(new.passages):
        if p.document != TSMC:
            assert (old_vectors[p] == new.embeddings[i]).all()
    assert {p for p in new.passages if p.document != TSMC} == {p for p in old.passages if p.document != TSMC}


def test_deleted_document_is_no_longer_cited(built, docs_copy, fake_embedder):
    """After a document is deleted and the index rebuilt, no answer cites it any more."""
    assert TSMC in cited(built, fake_embedder, RARE_EARTHS)
    (docs_copy / TSMC).unlink()
    summary = build_index(docs_copy, built, fake_embedder, BuildOptions())
    assert summary.removed == [TSMC] and summary.embedded == 0
    for question in (RARE_EARTHS, "Combien d'accélérateurs H20 TSMC doit-il produire ?", "300 000 puces"):
        assert TSMC not in cited(built, fake_embedder, question, k=10)
    assert TSMC not in {p.document for p in load(built).passages}


def test_added_document_is_found(built, docs_copy, fake_embedder):
    """A new document, in a subfolder, is embedded alone and cited."""
    (docs_copy / "notes").mkdir()
    (docs_copy / "notes" / "samsung.md").write_text(
        "# Samsung et la mémoire HBM\n\nSamsung fournit la mémoire HBM3E des accélérateurs.\n",
        encoding="utf-8")
    summary = build_index(docs_copy, built, fake_embedder, BuildOptions())
    assert summary.added == ["notes/samsung.md"] and len(summary.unchanged) == 5
    assert fake_embedder.embedded == summary.embedded == documents(built)["notes/samsung.md"].count
    assert cited(built, fake_embedder, "Qui fournit la mémoire HBM3E ?")[0] == "notes/samsung.md"


def test_emptied_document_is_skipped_and_removed(built, docs_copy, fake_embedder):
    """A document emptied since the last build is reported as skipped and is no longer in the index."""
    (docs_copy / TSMC).write_text("   \n", encoding="utf-8")
    summary = build_index(docs_copy, built, fake_embedder, BuildOptions())
    assert summary.skipped == [Skipped(TSMC, "empty")]
    assert summary.removed == [TSMC]
    assert TSMC not in documents(built)


def test_unusable_files_are_named_in_the_summary(docs_copy, index_dir, fake_embedder):
    """Files that cannot be used are listed with their reason, and the others are indexed."""
    (docs_copy / "vide.txt").write_bytes(b"")
    (docs_copy / "image.md").write_bytes(bytes(range(256)) * 8)
    summary = build_index(docs_copy, index_dir, fake_embedder, BuildOptions())
    assert sorted(summary.skipped, key=lambda s: s.path) == [
        Skipped("image.md", "binary or undecodable content"), Skipped("vide.txt", "empty")]
    assert len(summary.added) == 5
    assert "2 skipped" in summary.line()


def test_model_change_rebuilds_everything(built, docs_copy, fake_embedder):
    """Another embedding model re-embeds every passage, and says why."""
    other = type(fake_embedder)("another-model")
    summary = build_index(docs_copy, built, other, BuildOptions())
    assert "another-model" in summary.full_rebuild_reason
    assert other.embedded == summary.embedded == summary.passages
    assert load(built).manifest.model == "another-model"


@pytest.mark.parametrize(("options", "reason"), [
    (BuildOptions(passage_tokens=100), "passages of 200 tokens"),
    (BuildOptions(term_prefix=6), "terms cut at 5"),
    (BuildOptions(language="en"), "language 'fr'"),
])
def test_option_change_rebuilds_everything(built, docs_copy, fake_embedder, options, reason):
    """Passage size, term length or language changes re-embed every passage, and say why."""
    summary = build_index(docs_copy, built, fake_embedder, options)
    assert reason in summary.full_rebuild_reason
    assert summary.embedded == summary.passages == fake_embedder.embedded


def test_force_rebuilds_everything(built, docs_copy, fake_embedder):
    """--force re-embeds every document even when nothing changed."""
    summary = build_index(docs_copy, built, fake_embedder, BuildOptions(), force=True)
    assert summary.written and summary.embedded == summary.passages == fake_embedder.embedded


def test_new_title_reindexes_that_document(built, docs_copy, fake_embedder):
    """A title changed in metadata.json re-indexes that document alone, and citations show the new title."""
    edit_metadata(docs_copy, lambda meta: meta[MAR_A_LAGO].update(title="Le dîner de Mar-a-Lago"))
    summary = build_index(docs_copy, built, fake_embedder, BuildOptions())
    assert summary.updated == [MAR_A_LAGO]
    assert fake_embedder.embedded == documents(built)[MAR_A_LAGO].count
    titles = {p.title for p in load(built).passages if p.document == MAR_A_LAGO}
    assert titles == {"Le dîner de Mar-a-Lago"}


def test_new_date_reindexes_that_document(built, docs_copy, fake_embedder):
    """A date added in metadata.json reaches that document's passages."""
    edit_metadata(docs_copy, lambda meta: meta[MAR_A_LAGO].update(date="2025-04"))
    summary = build_index(docs_copy, built, fake_embedder, BuildOptions())
    assert summary.updated == [MAR_A_LAGO]
    assert {p.date for p in load(built).passages if p.document == MAR_A_LAGO} == {"2025-04"}


def test_removed_title_reindexes_that_document(built, docs_copy, fake_embedder):
    """A title removed from metadata.json gives the document its own title back."""
    edit_metadata(docs_copy, lambda meta: meta[MAR_A_LAGO].pop("title"))
    summary = build_index(docs_copy, built, fake_embedder, BuildOptions())
    assert summary.updated == [MAR_A_LAGO]
    assert documents(built)[MAR_A_LAGO].title == "Nvidia h20 accord mar a lago"


def test_swap_leaves_a_readable_current(built, docs_copy, fake_embedder):
    """After rebuilds, `current` points at a complete index; only it and the one before are kept."""
    for i in range(3):
        with open(docs_copy / TSMC, "a", encoding="utf-8") as f:
            f.write(f"\nAjout numéro {i}.\n")
        build_index(docs_copy, built, fake_embedder, BuildOptions())
        target = (built / store.CURRENT).resolve()
        assert target.parent == built.resolve() and target.name.startswith("v-")
        store.verify(target, store.read_manifest(target))
        assert "Ajout numéro" in " ".join(p.text for p in load(built).passages)
    assert len(list(built.glob("v-*"))) == 2
    assert not list(built.glob("tmp-*"))


def test_engine_keeps_answering_from_the_index_it_loaded(built, docs_copy, fake_embedder):
    """An engine loaded before a rebuild by another process answers from its index until it reloads."""
    reader = Engine(built, fake_embedder)
    assert TSMC in [c.passage.document for c in reader.ask(RARE_EARTHS, k=5).citations]
    (docs_copy / TSMC).unlink()
    build_index(docs_copy, built, fake_embedder, BuildOptions())
    assert TSMC in [c.passage.document for c in reader.ask(RARE_EARTHS, k=5).citations]  # the old version
    reader.reload()
    assert TSMC not in [c.passage.document for c in reader.ask(RARE_EARTHS, k=5).citations]


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_deleting_every_document_empties_the_index(built, docs_copy, fake_embedder):
    """When every document is gone, the index is emptied: nothing is cited any more."""
    for path in docs_copy.glob("*.txt"):
        path.unlink()
    summary = build_index(docs_copy, built, fake_embedder, BuildOptions())
    assert len(summary.removed) == 5
    assert Engine(built, fake_embedder).ask(RARE_EARTHS).citations == []


def test_document_url_reaches_passages_and_the_document_list(built, docs_copy, fake_embedder):
    """A url added in metadata.json re-indexes the document; its passages and its entry carry the url."""
    meta = json.loads((docs_copy / "metadata.json").read_text(encoding="utf-8"))
    meta[MAR_A_LAGO]["url"] = "https://example.org/h20"
    (docs_copy / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    summary = build_index(docs_copy, built, fake_embedder, BuildOptions())
    assert summary.updated == [MAR_A_LAGO]
    index = load(built)
    assert documents(built)[MAR_A_LAGO].url == "https://example.org/h20"
    assert {p.url for p in index.passages if p.document == MAR_A_LAGO} == {"https://example.org/h20"}
    assert {p.url for p in index.passages if p.document != MAR_A_LAGO} == {None}
