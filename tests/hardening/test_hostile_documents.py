"""Hostile files in the documents folder: each skipped or cleaned and named, and the build goes on."""

from __future__ import annotations

import io
import json
import os
import random

import pytest

from index import BuildOptions, Engine, build_index, store
from index.documents import DEFAULT_MAX_BYTES, MAX_TITLE_CHARS

INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c"

SCRIPTS_HTML = """<!doctype html><html><head><title>\u202eTitre \u200bpi\u00e9g\u00e9</title>
<style>body { background: url(SECRET_CSS) }</style>
<script>var token = "SECRET_SCRIPT"; document.write("<p>SECRET_WRITE</p>");</script></head>
<body onload="SECRET_ATTR()"><noscript>SECRET_NOSCRIPT</noscript>
<p>La puce Zorglub Z7 est gravée en 3 nm par TSMC.</p>
<script type="module">import("SECRET_MODULE")</script><template>SECRET_TEMPLATE</template>
<svg><script>SECRET_SVG</script></svg><p>Fin de l'article.</p></body></html>"""


def blank_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def write_hostile(docs) -> dict[str, str]:
    """Put every kind of bad file in `docs`; what the summary must say about each (path -> reason)."""
    rng = random.Random(6)
    (docs / "random.txt").write_bytes(rng.randbytes(64 * 1024))
    (docs / "nul.md").write_bytes(b"# Titre\n\0\0\0" + rng.randbytes(4096))
    with open(docs / "huge.txt", "w", encoding="utf-8") as f:  # 50 MB of real text, in tmp
        line = "Nvidia vend des puces H20 en Chine. " * 28 + "\n"
        f.write(line * (50 * 1024 * 1024 // len(line) + 1))
    pdf_start = b"%PDF-1.7\n1 0 obj <</Type /Catalog /Pages 2 0 R>>\n"
    (docs / "broken.pdf").write_bytes(pdf_start + rng.randbytes(2048))
    (docs / "truncated.pdf").write_bytes(blank_pdf()[:300])
    (docs / "blank.pdf").write_bytes(blank_pdf())
    (docs / "empty.txt").write_bytes(b"")
    (docs / "invisible.txt").write_text(INVISIBLE * 50 + "\n \t\n", encoding="utf-8")
    (docs / "scripts-only.html").write_text("<html><script>alert(1)</script><style>p{}</style></html>")
    (docs / "emoji.txt").write_text("😀 🎉 ✨\n!!! ??? …\n", encoding="utf-8")
    os.symlink("/etc", docs / "etc")
    os.symlink("/etc/passwd", docs / "passwd.txt")
    os.symlink("loop.txt", docs / "loop.txt")
    os.symlink(".", docs / "here")
    os.mkfifo(docs / "fifo.txt")  # reading it would block the build forever
    (docs / os.fsdecode(b"caf\xe9-latin1.txt")).write_text("Un nom de fichier en Latin-1.\n")
    return {
        "random.txt": "binary or undecodable content",
        "nul.md": "binary or undecodable content",
        "huge.txt": "too large (50 MB)",
        "broken.pdf": "PDF could not be parsed",
        "truncated.pdf": "PDF could not be parsed",
        "blank.pdf": "empty",
        "empty.txt": "empty",
        "invisible.txt": "empty",
        "scripts-only.html": "empty",
        "emoji.txt": "no words",
        "etc": "link leads outside the documents folder",
        "passwd.txt": "link leads outside the documents folder",
        "loop.txt": "broken link",
        "here": "link to a folder (not followed)",
        "fifo.txt": "not a regular file",
        "caf\ufffd-latin1.txt": "file name is not valid UTF-8",
    }


def test_hostile_files_are_skipped_and_named_and_the_build_completes(docs_copy, index_dir, fake_embedder):
    """Random bytes, 50 MB, broken PDFs, links out, a FIFO, a bad name: each skipped with its reason."""
    expected = write_hostile(docs_copy)
    assert (docs_copy / "huge.txt").stat().st_size > DEFAULT_MAX_BYTES
    summary = build_index(docs_copy, index_dir, fake_embedder, BuildOptions())
    reasons = {s.path: s.reason for s in summary.skipped}
    assert set(reasons) == set(expected)
    for path, reason in expected.items():
        assert reasons[path].startswith(reason), path
    assert len(summary.added) == 5 and summary.written
    assert "Jensen Huang" in Engine(index_dir, fake_embedder).ask("Qui est le PDG de Nvidia ?").text


def test_docbot_index_names_each_skipped_file(docs_copy, docbot):
    """`docbot index` exits 0, and its output names every skipped file and why, one per line."""
    expected = write_hostile(docs_copy)
    r = docbot.run("index")
    assert r.returncode == 0, r.stderr
    assert f"5 added, 0 updated, 0 removed, {len(expected)} skipped" in r.stdout
    lines = r.stderr.splitlines()
    for path, reason in expected.items():
        assert any(line.startswith(f"skipped {path}: {reason}") for line in lines), path


def test_html_scripts_and_styles_are_not_indexed(docs_copy, index_dir, fake_embedder):
    """Only the visible text of a page is indexed: no script, style, template or attribute content."""
    (docs_copy / "page.html").write_text(SCRIPTS_HTML, encoding="utf-8")
    build_index(docs_copy, index_dir, fake_embedder, BuildOptions())
    index = store.load(index_dir, fake_embedder.name)
    page = [p for p in index.passages if p.document == "page.html"]
    text = "\n".join(p.text for p in page)
    assert "Zorglub Z7 est gravée en 3 nm" in text and "Fin de l'article." in text
    assert "SECRET" not in text
    assert page[0].title == "Titre piégé"  # the right-to-left override and zero-width space are gone
    answer = Engine(index_dir, fake_embedder).ask("Comment est gravée la puce Zorglub Z7 ?")
    assert answer.citations[0].passage.document == "page.html"


def test_invisible_and_bidi_characters_are_removed_and_words_still_match(docs_copy, index_dir, fake_embedder):
    """Zero-width and right-to-left characters inside words: removed, so the words are found whole."""
    text = ("Le Zor\u200bglub Q4 est une pu\u00adce de \u202eTSMC\u202c.\n"
            "Sa fr\u2060équence est de 9\u200d GHz, selon \u2067Reuters\u2069\U000e0041\U000e0042.\n")
    (docs_copy / "invisible-words.txt").write_text(text, encoding="utf-8")
    build_index(docs_copy, index_dir, fake_embedder, BuildOptions())
    index = store.load(index_dir, fake_embedder.name)
    (passage,) = [p for p in index.passages if p.document == "invisible-words.txt"]
    assert not set(passage.text) & set(INVISIBLE + "\U000e0041\U000e0042")
    assert "Zorglub Q4 est une puce de TSMC." in passage.text
    answer = Engine(index_dir, fake_embedder).ask("Quelle est la fréquence du Zorglub Q4 ?")
    assert answer.answered and answer.citations[0].passage.document == "invisible-words.txt"


def test_metadata_titles_are_tidied(docs_copy, index_dir, fake_embedder):
    """A metadata title with line breaks, bidi controls or 5000 characters: one clean line, cut short."""
    meta = json.loads((docs_copy / "metadata.json").read_text(encoding="utf-8"))
    (docs_copy / "a.txt").write_text("Le Zorglub A1 est une puce imaginaire.\n", encoding="utf-8")
    (docs_copy / "b.txt").write_text("Le Zorglub B2 est une autre puce imaginaire.\n", encoding="utf-8")
    meta["a.txt"] = {"title": "Ligne 1\n\u202e@everyone\u202c\r\nLigne\u200b 3"}
    meta["b.txt"] = {"title": "Très long " * 500, "date": "2025-07"}
    (docs_copy / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    summary = build_index(docs_copy, index_dir, fake_embedder, BuildOptions())
    titles = {d.path: d.title for d in store.read_documents(store.current_path(index_dir))}
    assert titles["a.txt"] == "Ligne 1 @everyone Ligne 3"
    assert len(titles["b.txt"]) == MAX_TITLE_CHARS and titles["b.txt"].endswith("…")
    # The tidied title is what the index remembers, so an unchanged file is not read again.
    again = build_index(docs_copy, index_dir, fake_embedder, BuildOptions())
    assert not again.written and sorted(again.unchanged) == sorted([*summary.added])


def test_file_removed_during_the_build_is_skipped_not_fatal(docs_copy, index_dir, fake_embedder, monkeypatch):
    """A file deleted between the folder scan and its reading is named as unreadable; the rest is indexed."""
    import index.build

    real_scan = index.build.scan

    def scan_then_delete(root, *args, **kwargs):
        found = real_scan(root, *args, **kwargs)
        (docs_copy / "huang-accord-trump-h20.txt").unlink()
        return found

    monkeypatch.setattr(index.build, "scan", scan_then_delete)
    summary = build_index(docs_copy, index_dir, fake_embedder, BuildOptions())
    assert [(s.path, s.reason) for s in summary.skipped] == [
        ("huang-accord-trump-h20.txt", "unreadable (No such file or directory)")]
    assert len(summary.added) == 4 and summary.written


def test_document_of_initials_does_not_stall_the_build(docs_copy, index_dir, fake_embedder):
    """100 kB of "M. A. B. ..." (each a possible abbreviation) builds: sentence splitting was quadratic."""
    (docs_copy / "initials.txt").write_text("Signé M. A. B. C. D. Huang. " * 4000, encoding="utf-8")
    summary = build_index(docs_copy, index_dir, fake_embedder, BuildOptions())
    assert "initials.txt" in summary.added


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_is_named(docs_copy, index_dir, fake_embedder):
    """A file the bot may not read: skipped as unreadable, named."""
    (docs_copy / "secret.txt").write_text("secret\n")
    (docs_copy / "secret.txt").chmod(0)
    summary = build_index(docs_copy, index_dir, fake_embedder, BuildOptions())
    assert ("secret.txt", "unreadable (Permission denied)") in [(s.path, s.reason) for s in summary.skipped]

