"""Finding and reading documents: formats, titles, subfolders, and the files that are skipped, with why."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from index import DocumentsDirError, Skipped
from index.documents import read_document, scan, sniff
from tests.pdfs import pdf_file

DOCUMENTS = Path(__file__).resolve().parents[2] / "documents"


def minimal_pdf(lines: list[str]) -> bytes:
    """A one-page PDF showing `lines` in Helvetica (WinAnsi encoding), with a correct xref table."""
    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "/F1 12 Tf", "14 TL", "72 720 Td", *(f"({esc(line)}) Tj T*" for line in lines), "ET"]
    stream = "\n".join(ops).encode("cp1252")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    return pdf_file(objects)


def _package(members: dict[str, str]) -> bytes:
    """A zip archive holding `members`, as Word, OpenDocument and EPUB files are."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, text in members.items():
            z.writestr(name, text)
    return out.getvalue()


def write(root: Path, rel: str, data: bytes | str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


def read(root: Path, rel: str):
    found = scan(root)
    return read_document(rel, found.files[rel], found.metadata.get(rel))


@pytest.fixture
def root(tmp_path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    return folder


def test_shipped_documents_are_found():
    """The five shipped articles are found; metadata.json is not a document."""
    found = scan(DOCUMENTS)
    assert sorted(found.files) == sorted(p.name for p in DOCUMENTS.glob("*.txt"))
    assert len(found.files) == 5
    assert found.skipped == []
    assert set(found.metadata) == set(found.files)


def test_shipped_titles_and_dates_come_from_metadata():
    """Each shipped article has the title (and date) that metadata.json gives it."""
    meta = json.loads((DOCUMENTS / "metadata.json").read_text(encoding="utf-8"))
    found = scan(DOCUMENTS)
    for rel, path in found.files.items():
        doc = read_document(rel, path, found.metadata.get(rel))
        assert doc.title == meta[rel]["title"]
        assert doc.date == meta[rel].get("date")


# (file name, content, expected title, words the text must hold, words it must not)
FORMATS = [
    ("notes.txt", "Le rapport annuel.\n\nLes ventes ont doublé.\n", "Notes", ["annuel", "doublé"], []),
    ("rapport_annuel-2024.txt", "Du texte.", "Rapport annuel 2024", ["Du texte."], []),
    ("guide.md", "Intro.\n\n# Le Guide Complet\n\nCorps du guide.\n", "Le Guide Complet", ["Corps"], []),
    ("sans-titre.markdown", "Pas de titre ici.\n", "Sans titre", ["Pas de titre"], []),
    ("page.html",
     "<html><head><title>Page  HTML</title><style>p { color: red }</style></head><body>"
     "<h1>Gros titre</h1><p>Un paragraphe &amp; du texte&nbsp;!</p><script>alert('x')</script></body></html>",
     "Page HTML", ["Gros titre", "Un paragraphe & du texte"], ["alert", "color", "<p>"]),
    ("vieux.htm", "<p>Sans balise title</p>", "Vieux", ["Sans balise title"], ["<p>"]),
    ("rapport.pdf", minimal_pdf(["Le rapport annuel de la société.", "Les ventes ont doublé en 2024."]),
     "Rapport", ["rapport annuel de la société", "doublé en 2024"], []),
    ("LISEZMOI.TXT", "Majuscules.", "Lisezmoi", ["Majuscules."], []),
]
FORMAT_IDS = [f[0] for f in FORMATS]


@pytest.mark.parametrize(("name", "content", "title", "present", "absent"), FORMATS, ids=FORMAT_IDS)
def test_formats_are_read(root, name, content, title, present, absent):
    """Text, Markdown, HTML and PDF give their text and a title; markup, scripts and styles are dropped."""
    write(root, name, content)
    doc = read(root, name)
    assert not isinstance(doc, Skipped), doc
    assert doc.title == title
    for words in present:
        assert words in doc.text
    for words in absent:
        assert words not in doc.text


@pytest.mark.parametrize(("raw", "text"), [
    ("café crème\n".encode("cp1252"), "café crème"),  # Windows-1252, not UTF-8
    ("\ufeffcafé crème\n".encode(), "café crème"),  # UTF-8 with a byte-order mark
    ("café crème, l\u2019accord\n".encode("utf-16"), "café crème, l'accord"),  # UTF-16 with its BOM (Notepad)
    ("cafe\u0301\n".encode(), "café"),  # decomposed accents, composed on reading
], ids=["cp1252", "utf-8-bom", "utf-16", "nfd"])
def test_encodings(root, raw, text):
    """Common encodings are decoded, and the text is cleaned (NFC, one apostrophe)."""
    write(root, "doc.txt", raw)
    doc = read(root, "doc.txt")
    assert not isinstance(doc, Skipped), doc
    assert doc.text.strip() == text


def test_metadata_overrides_title_and_gives_date(root):
    """metadata.json's title wins over the file's own; its date is kept."""
    write(root, "page.html", "<title>Titre HTML</title><p>Texte.</p>")
    write(root, "metadata.json", json.dumps({"page.html": {"title": "Titre choisi", "date": "2025-07"}}))
    doc = read(root, "page.html")
    assert (doc.title, doc.date) == ("Titre choisi", "2025-07")


@pytest.mark.parametrize("metadata", ["{not json", "[1, 2]", '{"a.txt": "pas un objet"}'])
def test_bad_metadata_is_ignored(root, metadata):
    """An unreadable metadata.json does not stop the documents from being read."""
    write(root, "a.txt", "Du texte.")
    write(root, "metadata.json", metadata)
    doc = read(root, "a.txt")
    assert doc.title == "A"


def test_new_metadata_changes_the_hash(root):
    """A new title changes a document's hash, so the next build re-indexes it."""
    write(root, "a.txt", "Du texte.")
    before = read(root, "a.txt").sha256
    write(root, "metadata.json", json.dumps({"a.txt": {"title": "Nouveau"}}))
    assert read(root, "a.txt").sha256 != before


def test_subfolders_are_searched(root):
    """Documents in subfolders are found, named by their path from the documents folder."""
    write(root, "a.txt", "Un.")
    write(root, "sub/b.md", "Deux.")
    write(root, "sub/deeper/c.html", "<p>Trois.</p>")
    assert sorted(scan(root).files) == ["a.txt", "sub/b.md", "sub/deeper/c.html"]


def test_hidden_and_unsupported_files_are_ignored(root):
    """Hidden files and folders, and formats docbot doesn't read, are neither indexed nor reported."""
    write(root, "a.txt", "Un.")
    write(root, ".cache.txt", "caché")
    write(root, ".git/HEAD.txt", "caché")
    write(root, "photo.jpg", b"\xff\xd8\xff")
    write(root, "tableur.xlsx", b"PK\x03\x04")
    found = scan(root)
    assert list(found.files) == ["a.txt"]
    assert found.skipped == []


@pytest.mark.parametrize("name", ["guide.adoc", "sous/dossier/guide.asciidoc"])
def test_asciidoc_is_skipped_with_why(root, name):
    """An AsciiDoc file is not read, and the build's report says so and what to do, rather than nothing."""
    write(root, name, "= Guide\n\nTexte.\n")
    found = scan(root)
    assert name not in found.files
    assert [(s.path, "AsciiDoc" in s.reason and "asciidoctor" in s.reason) for s in found.skipped] == [(name, True)]


# (file name, content, words the reason must contain)
UNUSABLE = [
    ("empty.txt", b"", "empty"),
    ("blank.md", b"  \n\n\t \n", "empty"),
    ("tags-only.html", b"<html><script>x()</script></html>", "empty"),
    ("binary.txt", bytes(range(256)) * 20, "binary"),
    ("nul.txt", b"texte\x00\x00\x00suite", "binary"),
    ("noise.md", bytes([0x01, 0x02, 0x03, 0x04, 0x41]) * 400, "binary"),
    ("broken.pdf", b"%PDF-1.4\nthis is not a pdf", "PDF"),
    ("broken.docx", b"PK\x03\x04" + b"\x00" * 64, "Word"),
    ("broken.odt", b"not a zip at all", "OpenDocument"),
    ("broken.epub", b"PK\x03\x04", "EPUB"),
]


@pytest.mark.parametrize(("name", "content", "reason"), UNUSABLE, ids=[u[0] for u in UNUSABLE])
def test_unusable_files_are_skipped_with_a_reason(root, name, content, reason):
    """Empty, binary and damaged files are skipped, named, with a reason a person understands."""
    write(root, name, content)
    doc = read(root, name)
    assert isinstance(doc, Skipped)
    assert doc.path == name
    assert reason in doc.reason


def test_link_leading_outside_is_skipped(root, tmp_path):
    """A symbolic link to a file outside the documents folder is not read, and is reported."""
    secret = write(tmp_path, "outside/secret.txt", "Mot de passe : hunter2")
    write(root, "a.txt", "Un.")
    os.symlink(secret, root / "secret.txt")
    os.symlink(secret.parent, root / "dossier")  # a link to a folder outside: not followed
    found = scan(root)
    assert list(found.files) == ["a.txt"]
    assert Skipped("secret.txt", "link leads outside the documents folder") in found.skipped


def test_link_inside_and_broken_link(root):
    """A link to another document of the folder is not indexed twice; a broken link is reported."""
    write(root, "b.txt", "Un.")
    os.symlink("b.txt", root / "alias.txt")  # sorts before its target: the file itself is still kept
    os.symlink("nowhere.txt", root / "broken.txt")
    write(root, "sub/c.txt", "Deux.")
    os.symlink("sub/c.txt", root / "c-link.txt")
    found = scan(root)
    assert sorted(found.files) == ["b.txt", "sub/c.txt"]
    assert sorted(found.skipped, key=lambda s: s.path) == [
        Skipped("alias.txt", "same file as b.txt"), Skipped("broken.txt", "broken link"),
        Skipped("c-link.txt", "same file as sub/c.txt")]


def test_too_large_files_are_skipped(root):
    """A file over the size limit is skipped without being read."""
    write(root, "big.txt", "x" * 2048)
    found = scan(root, max_bytes=1024)
    assert found.files == {}
    assert [s.path for s in found.skipped] == ["big.txt"]
    assert "too large" in found.skipped[0].reason


def test_missing_folder(tmp_path):
    """A documents folder that does not exist is a DocumentsDirError naming it."""
    with pytest.raises(DocumentsDirError, match="nowhere"):
        scan(tmp_path / "nowhere")


def test_metadata_url_and_language(root):
    """metadata.json's url and language are kept with the document (citations link url#anchor)."""
    write(root, "page.html", "<html lang='en'><title>Page</title><p>Some text.</p></html>")
    write(root, "autre.html", "<html lang='en-GB'><title>Autre</title><p>More text.</p></html>")
    write(root, "metadata.json", json.dumps({"page.html": {"url": "https://example.org/page.html", "language": "fr"}}))
    page, other = read(root, "page.html"), read(root, "autre.html")
    assert (page.url, page.language) == ("https://example.org/page.html", "fr")
    assert (other.url, other.language) == (None, "en")


def test_heading_that_repeats_the_title_is_the_section_not_a_block(root):
    """The page's title heading is the document's title: not a block of its own, but the section below it."""
    write(root, "page.html", "<title>Réglages</title><h1>Réglages</h1><p>Intro.</p><h2>Réseau</h2><p>Texte.</p>")
    doc = read(root, "page.html")
    assert [(b.kind, b.text, b.section) for b in doc.blocks] == [
        ("paragraph", "Intro.", ("Réglages",)), ("heading", "Réseau", ("Réglages", "Réseau")),
        ("paragraph", "Texte.", ("Réglages", "Réseau"))]


def test_page_of_only_a_title_keeps_it(root):
    """A page whose only content is its title (the rest was navigation) is still read, as that heading."""
    write(root, "ch02.html", "<title>Chapitre 2</title><h2>Chapitre 2</h2><div class='toc'><a href='#a'>A</a></div>")
    assert [b.text for b in read(root, "ch02.html").blocks] == ["Chapitre 2"]


def test_text_keeps_each_block_on_its_source_line(root):
    """Document.text puts a block on its line of the file, so line numbers counted in it are the file's."""
    write(root, "notes.txt", "Titre\n=====\n\nUn paragraphe\ncoupé en deux lignes.\n\n\n\n- un point\n")
    doc = read(root, "notes.txt")
    lines = doc.text.split("\n")
    for b in doc.blocks:
        assert lines[b.line_start - 1] == b.text


@pytest.mark.parametrize(("content", "reason"), [
    ("+--------+\n|        |\n+--------+\n\n==========\n", "no words"),
    ("1. Installation\n  1.1. Réseau\n  1.2. Disques\n2. Usage\n\n+------+\n| --> |\n+------+\n",
     "no text besides contents, borders or drawing"),
], ids=["drawing", "contents-and-drawing"])
def test_file_of_only_drawing_or_contents_is_skipped_with_a_reason(root, content, reason):
    """A text file of borders, rules and a table of contents has nothing to index, and says why."""
    write(root, "cadre.txt", content)
    assert read(root, "cadre.txt") == Skipped("cadre.txt", reason)


@pytest.mark.parametrize(("data", "kind"), [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "pdf"),
    (b"\xef\xbb\xbf%PDF-1.4\n", "pdf"),  # junk before the header, as readers allow
    (b"<!DOCTYPE html>\n<html><body><p>Bonjour</p></body></html>", "html"),
    (b"  <HTML lang=fr><head><title>t</title></head>", "html"),
    ("Un texte en français, accentué : été, garçon.\n".encode(), "text"),
    ("Texte UTF-16 avec accents : é.\n".encode("utf-16"), "text"),
    ("Café crème\n".encode("cp1252"), "text"),
    (b"# Titre Markdown\n\nDu texte.\n", "text"),
    (b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64, None),  # an executable
    (b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 4, None),  # a damaged zip archive
    (_package({"notes.txt": "x"}), None),  # a zip of other files
    (_package({"mimetype": "application/epub+zip", "OEBPS/a.xhtml": "<html/>"}), "epub"),
    (_package({"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<x/>"}), "odt"),
    (_package({"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"}), "docx"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", None),
    (b"", None),
    (b" \n\t\n", None),
])
def test_sniff_judges_a_file_by_its_content(tmp_path, data, kind):
    """sniff says what a file holds whatever its name: PDF, HTML, text, a document package, or nothing it reads."""
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    assert sniff(path) == kind


def test_sniff_reads_only_the_start_and_does_not_cut_a_character(tmp_path):
    """A large text file is judged from its start, even when the sample ends inside a multi-byte character."""
    path = tmp_path / "long.txt"
    path.write_bytes(("é" * 100 + "\n").encode() * 2000)
    assert sniff(path) == "text"


def test_metadata_url_is_read(docs_copy):
    """A document's url in metadata.json comes with it (citations link to it)."""
    meta = json.loads((docs_copy / "metadata.json").read_text(encoding="utf-8"))
    name = next(iter(meta))
    meta[name]["url"] = "https://example.org/article"
    (docs_copy / "metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    found = scan(docs_copy)
    doc = read_document(name, found.files[name], found.metadata.get(name))
    assert doc.url == "https://example.org/article"
