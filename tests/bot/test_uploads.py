"""Documents from Discord, the files' side: safe names, sizes, checks by content, and changes that can be undone."""

from __future__ import annotations

import io
import os
import zipfile

import pytest

from bot import uploads
from bot.uploads import Refused


@pytest.mark.parametrize(("filename", "expected"), [
    ("guide.pdf", "guide.pdf"),
    ("Manuel d'installation (v2).HTML", "Manuel d'installation (v2).HTML"),
    ("e\u0301te\u0301.md", "été.md"),  # decomposed accents become composed ones
    ("notes..txt", "notes..txt"),
])
def test_safe_names_are_kept(filename, expected):
    """Plain, visible names of the types docbot reads are kept (in NFC)."""
    assert uploads.safe_name(filename) == expected


@pytest.mark.parametrize(("filename", "reason"), [
    ("../../etc/passwd.txt", "upload_path"),
    ("sub/dir.txt", "upload_path"),
    ("..\\..\\boot.ini.txt", "upload_path"),
    ("/etc/passwd.txt", "upload_path"),
    ("rapport\x1b[31m.txt", "upload_control"),
    ("a\nb.txt", "upload_control"),
    ("nul\x00.txt", "upload_control"),
    ("invoice\u202etxt.exe.txt", "upload_control"),  # right-to-left override
    ("zero\u200bwidth.txt", "upload_control"),
    (".env.txt", "upload_hidden"),
    ("..txt", "upload_hidden"),
    ("x" * 250 + ".txt", "upload_name_long"),
    ("setup.exe", "upload_type"),
    ("archive.zip", "upload_type"),
    ("metadata.json", "upload_type"),
    ("README", "upload_type"),
    ("", "upload_type"),
])
def test_unsafe_names_are_refused(filename, reason):
    """Folders, controls and invisible characters, hidden files, long names and other types are refused."""
    with pytest.raises(Refused) as refused:
        uploads.safe_name(filename)
    assert refused.value.reason == reason


@pytest.mark.parametrize(("size", "reason"), [(0, "upload_empty"), (21 * 1024 * 1024, "upload_too_large")])
def test_sizes_out_of_bounds_are_refused(size, reason):
    """An empty file and one above the cap are refused (the cap is said in MB)."""
    with pytest.raises(Refused) as refused:
        uploads.check_size(size, 20 * 1024 * 1024)
    assert refused.value.reason == reason
    assert refused.value.details == ({"limit": "20"} if reason == "upload_too_large" else {})


def _package(members: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for member, text in members.items():
            z.writestr(member, text)
    return out.getvalue()


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("guide.pdf", b"%PDF-1.4\n", None),
    ("guide.pdf", b"Du texte.\n", "upload_not_pdf"),
    ("page.html", b"<html><body>Bonjour</body></html>", None),
    ("page.html", b"Du texte brut.\n", None),
    ("page.html", b"PK\x03\x04" + b"\x00" * 100, "upload_not_text"),
    ("notes.txt", b"%PDF-1.4\n", "upload_not_text"),
    ("notes.md", b"\x7fELF" + b"\x00" * 100, "upload_not_text"),
    ("guide.docx", _package({"word/document.xml": "<w:document/>"}), None),
    ("guide.odt", _package({"mimetype": "application/vnd.oasis.opendocument.text"}), None),
    ("livre.epub", _package({"mimetype": "application/epub+zip"}), None),
    ("guide.docx", _package({"mimetype": "application/epub+zip"}), "upload_not_format"),
    ("livre.epub", b"Du texte.\n", "upload_not_format"),
    ("guide.odt", b"PK\x03\x04" + b"\x00" * 100, "upload_not_format"),
])
def test_content_must_match_the_name(tmp_path, name, data, reason):
    """A .pdf must hold a PDF, a .docx, .odt or .epub its package; the others text (HTML included)."""
    path = tmp_path / "upload"
    path.write_bytes(data)
    if reason is None:
        uploads.check_content(path, name)
        return
    with pytest.raises(Refused) as refused:
        uploads.check_content(path, name)
    assert refused.value.reason == reason


def temp_file(folder, data: bytes = b"new text\n"):
    path = folder / ".docbot-upload-test"
    path.write_bytes(data)
    return path


def test_put_a_new_file_then_undo(tmp_path):
    """A new file appears under its name; undo removes it; nothing hidden is left."""
    change = uploads.put(temp_file(tmp_path), tmp_path, "a.txt", replace=False)
    assert (tmp_path / "a.txt").read_bytes() == b"new text\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]
    change.undo()
    assert list(tmp_path.iterdir()) == []


def test_put_never_overwrites_without_replace(tmp_path):
    """A taken name is refused, the old file untouched."""
    (tmp_path / "a.txt").write_bytes(b"old\n")
    with pytest.raises(Refused) as refused:
        uploads.put(temp_file(tmp_path), tmp_path, "a.txt", replace=False)
    assert refused.value.reason == "upload_exists"
    assert (tmp_path / "a.txt").read_bytes() == b"old\n"


def test_replace_keeps_the_old_file_until_kept_or_undone(tmp_path):
    """With replace, the old version waits hidden: undo brings it back (same bytes and time), keep drops it."""
    old = tmp_path / "a.txt"
    old.write_bytes(b"old\n")
    os.utime(old, ns=(1_000_000_000, 1_000_000_000))
    change = uploads.put(temp_file(tmp_path), tmp_path, "a.txt", replace=True)
    assert old.read_bytes() == b"new text\n"
    change.undo()
    assert old.read_bytes() == b"old\n" and old.stat().st_mtime_ns == 1_000_000_000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]

    change = uploads.put(temp_file(tmp_path), tmp_path, "a.txt", replace=True)
    change.keep()
    assert old.read_bytes() == b"new text\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_put_never_writes_through_a_link(tmp_path):
    """A name taken by a symbolic link (maybe to a file outside) is refused, even with replace."""
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"secret\n")
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "a.txt").symlink_to(outside)
    with pytest.raises(Refused):
        uploads.put(temp_file(folder), folder, "a.txt", replace=True)
    assert outside.read_bytes() == b"secret\n"


@pytest.mark.parametrize("name", ["../outside.txt", "/etc/passwd", "sub/../../outside.txt", ".hidden.txt",
                                  "missing.txt", "sub", "", "sub\\x.txt", "link.txt"])
def test_only_documents_of_the_folder_can_be_taken_out(tmp_path, name):
    """Removal names a file of the folder: not outside it, not hidden, not a folder, not through a link."""
    folder = tmp_path / "documents"
    (folder / "sub").mkdir(parents=True)
    (tmp_path / "outside.txt").write_bytes(b"x\n")
    (folder / ".hidden.txt").write_bytes(b"x\n")
    (folder / "link.txt").symlink_to(tmp_path / "outside.txt")
    with pytest.raises(Refused) as refused:
        uploads.take_out(folder, name)
    assert refused.value.reason == "remove_unknown"
    assert (tmp_path / "outside.txt").exists()


def test_take_out_then_undo_or_keep(tmp_path):
    """A document taken out (also from a subfolder) comes back on undo, and is gone for good on keep."""
    (tmp_path / "sub").mkdir()
    doc = tmp_path / "sub" / "a.txt"
    doc.write_bytes(b"text\n")
    change = uploads.take_out(tmp_path, "sub/a.txt")
    assert not doc.exists()
    change.undo()
    assert doc.read_bytes() == b"text\n"
    uploads.take_out(tmp_path, "sub/a.txt").keep()
    assert not doc.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_leftovers_of_a_crash_are_cleaned_when_old(tmp_path):
    """Hidden upload files are removed once old (a recent one may belong to an upload under way); nothing else is."""
    leftover = tmp_path / ".docbot-upload-1"
    leftover.write_bytes(b"x")
    (tmp_path / "doc.txt").write_bytes(b"z")
    (tmp_path / ".other").write_bytes(b"o")
    assert uploads.clean_leftovers(tmp_path) == []
    assert uploads.clean_leftovers(tmp_path, older_than=-60) == [leftover.name]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other", "doc.txt"]
