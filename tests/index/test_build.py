"""Incremental builds: only what changed is embedded, nothing is written when nothing changed, and the
index is swapped in whole."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from index import BuildOptions, DocumentsDirError, Skipped, build_index, load, store
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


def test_touched_file_rewrites_nothing(built, docs_copy, fake_embedder):
    """A file whose modification time changed but not its content: nothing embedded, nothing written."""
    path = docs_copy / TSMC
    before = snapshot(built)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    summary = build_index(docs_copy, built, fake_embedder, BuildOptions())
    assert fake_embedder.embedded == 0
    assert summary.unchanged and not summary.changed and not summary.written
    assert snapshot(built) == before


def test_touched_file_time_is_remembered_at_the_next_write(built, docs_copy, fake_embedder):
    """When another document changes, the touched file's new time is stored, so later builds skip it."""
    path = docs_copy / TSMC
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    (docs_copy / "a.txt").write_text("Le Zorglub A1 est une puce imaginaire.\n", encoding="utf-8")
    build_index(docs_copy, built, fake_embedder, BuildOptions())
    assert documents(built)[TSMC].mtime_ns == path.stat().st_mtime_ns


def test_changed_document_is_embedded_alone(built, docs_copy, fake_embedder):
    """Only the edited document is re-embedded, and its new text is searchable."""
    with open(docs_copy / TSMC, "a", encoding="utf-8") as f:
        f.write("\nLe fondeur livrera les premiers lots de puces à Shenzhen dès septembre.\n")
    summary = build_index(docs_copy, built, fake_embedder, BuildOptions())
    entries = documents(built)
    assert summary.updated == [TSMC] and not summary.added and not summary.removed
    assert sorted(summary.unchanged) == sorted(set(entries) - {TSMC})
    # Its passages whose text did not change keep their vectors: only the new one is embedded.
    assert 1 <= fake_embedder.embedded == summary.embedded < entries[TSMC].count
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
])
def test_option_change_rebuilds_everything(built, docs_copy, fake_embedder, options, reason):
    """Passage size or term length changes re-embed every passage, and say why."""
    summary = build_index(docs_copy, built, fake_embedder, options)
    assert reason in summary.full_rebuild_reason
    assert summary.embedded == summary.passages == fake_embedder.embedded


def test_language_change_reembeds_nothing(built, docs_copy, fake_embedder):
    """Forcing a language after auto re-embeds no passage (only BM25's terms change), and every passage takes it."""
    assert {p.language for p in load(built).passages} == {"fr"}
    summary = build_index(docs_copy, built, fake_embedder, BuildOptions(language="en"))
    assert summary.embedded == 0
    index = load(built)
    assert index.manifest.language == "en"
    assert {p.language for p in index.passages} == {"en"}


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
@pytest.mark.parametrize("leftover", [None, "vide.txt"])
def test_a_folder_without_documents_leaves_the_index_as_it_was(built, docs_copy, fake_embedder, leftover):
    """Every document gone (an unmounted folder looks so): the build refuses, naming it; the index still answers."""
    for path in docs_copy.glob("*.txt"):
        path.unlink()
    if leftover:
        (docs_copy / leftover).write_text("")
    with pytest.raises(DocumentsDirError) as caught:
        build_index(docs_copy, built, fake_embedder, BuildOptions())
    assert (caught.value.problem, caught.value.path, caught.value.skipped) == ("empty", docs_copy, int(bool(leftover)))
    assert Engine(built, fake_embedder).ask(RARE_EARTHS).citations


SHARED = ("Le Zorglub Q7 se règle par le menu Options, onglet Réseau, puis Valider.\n\n"
          "Cette procédure vaut pour toutes les versions du logiciel depuis la première.\n")


def index_state(index_dir: Path) -> tuple:
    """The passages (with the other places of their text), the documents' lists and the vectors."""
    loaded = load(index_dir)
    return (loaded.passages, [(d.path, d.count) for d in loaded.documents], loaded.embeddings.tolist())


def test_repeated_text_is_stored_and_embedded_once(docs_copy, index_dir, fake_embedder):
    """The same text in two documents (case and punctuation aside) is one passage that names both places."""
    (docs_copy / "guide.txt").write_text(SHARED, encoding="utf-8")
    (docs_copy / "guide-copie.md").write_text(SHARED.upper().replace(",", ""), encoding="utf-8")
    summary = build_index(docs_copy, index_dir, fake_embedder, BuildOptions())
    loaded = load(index_dir)
    (p,) = [p for p in loaded.passages if "ZORGLUB" in p.text.upper()]
    assert p.document == "guide-copie.md" and [a.document for a in p.also_in] == ["guide.txt"]
    assert summary.repeated == 1 and summary.embedded == summary.passages == len(loaded.passages)
    assert {d.path: d.count for d in loaded.documents}["guide.txt"] == 1
    assert "1 repeated texts stored once" in summary.line()


OWN = "Cette édition ajoute un paragraphe qui lui est propre, sur la sauvegarde des réglages du Zorglub.\n"


def test_blocks_another_document_holds_are_not_cut_again(docs_copy, index_dir, fake_embedder):
    """A document that repeats another's paragraphs among its own: its passages hold only its own text, and
    the passage that holds the repeated paragraphs names it as another place."""
    (docs_copy / "a-guide.txt").write_text(SHARED, encoding="utf-8")
    (docs_copy / "b-guide.txt").write_text(f"{OWN}\n{SHARED}", encoding="utf-8")
    build_index(docs_copy, index_dir, fake_embedder, BuildOptions())
    loaded = load(index_dir)
    (held,) = [p for p in loaded.passages if "Zorglub Q7" in p.text]
    assert held.document == "a-guide.txt"
    assert [(pl.document, pl.line_start, pl.line_end) for pl in held.also_in] == [("b-guide.txt", 3, 5)]
    (own,) = [p for p in loaded.passages if p.document == "b-guide.txt"]
    assert own.text == OWN.strip()
    assert {d.path: d.count for d in loaded.documents}["b-guide.txt"] == 2


@pytest.mark.parametrize("tokens", [200, 16], ids=["blocks-whole", "blocks-cut"])
@pytest.mark.parametrize("b_text", [SHARED, f"{OWN}\n{SHARED}"], ids=["whole", "partly"])
@pytest.mark.parametrize(("change", "holders"), [
    ("delete", ["c-guide.txt"]),
    ("edit", ["c-guide.txt"]),
    ("add-before", ["a-guide.txt", "b-guide.txt", "c-guide.txt"]),
])
def test_incremental_build_with_a_shared_text_equals_a_full_build(docs_copy, index_dir, tmp_path, fake_embedder,
                                                                  change, holders, b_text, tokens):
    """When a document holding a shared text changes, goes or is joined by another, the index is the same
    as one built from scratch."""
    (docs_copy / "b-guide.txt").write_text(b_text, encoding="utf-8")
    (docs_copy / "c-guide.txt").write_text(SHARED, encoding="utf-8")
    options = BuildOptions(passage_tokens=tokens)
    build_index(docs_copy, index_dir, fake_embedder, options)
    if change == "delete":
        (docs_copy / "b-guide.txt").unlink()
    elif change == "edit":
        (docs_copy / "b-guide.txt").write_text("Un tout autre texte, sans rapport.\n", encoding="utf-8")
    else:
        (docs_copy / "a-guide.txt").write_text(SHARED, encoding="utf-8")
    build_index(docs_copy, index_dir, fake_embedder, options)
    scratch = tmp_path / "scratch"
    build_index(docs_copy, scratch, fake_embedder, options)
    assert index_state(index_dir) == index_state(scratch)
    loaded = load(index_dir)
    assert {i for d in loaded.documents for i in d.passages} == set(range(len(loaded.passages)))
    (shared, *_) = [p for p in load(index_dir).passages if "Zorglub Q7" in p.text]
    assert [pl.document for pl in shared.places] == holders


def test_progress_covers_reading_splitting_and_embedding(docs_copy, index_dir, fake_embedder):
    """A build reports files read, files cut into passages, then passages embedded, then the store."""
    seen: list[tuple[str, int, int]] = []
    build_index(docs_copy, index_dir, fake_embedder, BuildOptions(), progress=lambda *a: seen.append(a))
    stages = list(dict.fromkeys(stage for stage, _, _ in seen))
    assert stages == ["read", "split", "embed", "store"]
    assert ("read", 5, 5) in seen and ("split", 5, 5) in seen and seen[-1] == ("store", 1, 1)


def test_approximate_index_stores_the_vectors_once(docs_copy, index_dir, fake_embedder):
    """Above the threshold the vectors go into an HNSW index, read back as the passages' vectors, and an
    update reuses them."""
    options = BuildOptions(approximate_above=10)
    build_index(docs_copy, index_dir, fake_embedder, options)
    loaded = load(index_dir)
    assert loaded.manifest.faiss_index == "IndexHNSWFlat"
    assert loaded.embeddings.shape == (len(loaded.passages), fake_embedder.dimension)
    assert (loaded.embeddings == fake_embedder.embed([p.indexed_text for p in loaded.passages])).all()
    assert not (loaded.folder / "embeddings.npy").exists()
    with open(docs_copy / TSMC, "a", encoding="utf-8") as f:
        f.write("\nLe fondeur livrera les premiers lots de puces à Shenzhen dès septembre.\n")
    assert build_index(docs_copy, index_dir, fake_embedder, options).embedded == 1
    answer = Engine(index_dir, fake_embedder).ask("Quand les lots arriveront-ils à Shenzhen ?")
    assert any("Shenzhen" in c.passage.text for c in answer.citations)


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


def test_a_second_dense_signal_is_built_stored_and_reused(docs_copy, index_dir, fake_embedder, caplog):
    """With a multilingual embedder, every passage gets its vector too, in its own FAISS file; a rebuild
    re-embeds only new texts, in both; turning it on later embeds only its side."""
    from index import Engine, store
    from tests.conftest import FakeEmbedder

    build_index(docs_copy, index_dir, fake_embedder, BuildOptions())  # without the second signal
    main_first = fake_embedder.embedded
    multi = FakeEmbedder("fake-multilingual", dimension=32)
    summary = build_index(docs_copy, index_dir, fake_embedder, BuildOptions(), multilingual=multi)
    assert summary.written and fake_embedder.embedded == main_first  # the main vectors were kept
    assert multi.embedded == summary.passages
    index = store.load(index_dir)
    assert index.manifest.multilingual_model == "fake-multilingual" and index.manifest.multilingual_dimension == 32
    assert (index.folder / store.MULTILINGUAL_VECTORS).is_file()
    assert index.multilingual_embeddings.shape == (summary.passages, 32)
    assert index.manifest.calibration["signals"] == "fake-multilingual"

    # Nothing changed: nothing embedded, nothing written.
    again = build_index(docs_copy, index_dir, fake_embedder, BuildOptions(), multilingual=multi)
    assert not again.written and multi.embedded == summary.passages
    # One new document: only its passages are embedded, by both models.
    (docs_copy / "zorglub.txt").write_text("Le protocole Zorglub impose trois vérifications par semaine.\n",
                                           encoding="utf-8")
    before_main, before_multi = fake_embedder.embedded, multi.embedded
    third = build_index(docs_copy, index_dir, fake_embedder, BuildOptions(), multilingual=multi)
    assert third.embedded == fake_embedder.embedded - before_main == multi.embedded - before_multi == 1

    engine = Engine(index_dir, fake_embedder, multilingual=multi)
    hits = engine.searcher.search("protocole Zorglub", 3).hits
    assert "Zorglub" in hits[0].passage.text and hits[0].multilingual is not None
    # Served without its multilingual model (it cannot run here): the main signals only, no error.
    alone = Engine(index_dir, fake_embedder)
    assert not alone.searcher.multilingual and alone.searcher.calibration.signals == fake_embedder.name
    assert "Zorglub" in alone.searcher.search("protocole Zorglub", 3).hits[0].passage.text
    # Turned off again: a rebuild writes an index without it.
    build_index(docs_copy, index_dir, fake_embedder, BuildOptions())
    assert store.load(index_dir).manifest.multilingual_model is None


def test_a_new_way_of_reading_reads_every_document_again(built, docs_copy, fake_embedder, monkeypatch):
    """When docbot reads documents differently, an update reads them all again; unchanged texts keep their vectors."""
    from index import build

    assert load(built).manifest.reading == build.READING_VERSION
    monkeypatch.setattr(build, "READING_VERSION", build.READING_VERSION + 1)
    summary = build_index(docs_copy, built, fake_embedder, BuildOptions())
    assert sorted(summary.updated) == sorted(p.name for p in docs_copy.glob("*.txt")) and not summary.unchanged
    assert summary.written and summary.embedded == fake_embedder.embedded == 0
    assert load(built).manifest.reading == build.READING_VERSION
    again = build_index(docs_copy, built, fake_embedder, BuildOptions())
    assert (again.embedded, len(again.unchanged), again.updated) == (0, 5, [])
