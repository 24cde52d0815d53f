"""The plain baseline's chunker and reader (benchmarks/baseline.py); no model is loaded here."""

from __future__ import annotations

import pytest

from benchmarks.baseline import chunks, read


@pytest.mark.parametrize(("text", "size", "expected"), [
    ("", 1000, []),
    ("  a  short\n\ntext ", 1000, ["a short text"]),
    ("aaaa bbbb cccc dddd", 10, ["aaaa bbbb", "cccc dddd"]),
    ("x" * 25, 10, ["x" * 10, "x" * 10, "x" * 5]),
])
def test_chunks_cut_at_a_space_near_the_size(text, size, expected):
    """Whitespace is collapsed and text cut into pieces of at most `size` characters, at a space when one is near."""
    assert chunks(text, size) == expected


def test_chunks_keep_every_word_once():
    """Chunking a long text loses and repeats nothing: the chunks joined are the text."""
    text = " ".join(f"mot{i}" for i in range(3000))
    pieces = chunks(text)
    assert all(len(p) <= 1000 for p in pieces)
    assert " ".join(pieces) == text


def test_read_takes_html_text_without_scripts(tmp_path):
    """An HTML page is read as its visible text: tags, scripts and styles left out."""
    page = tmp_path / "p.html"
    page.write_text("<html><head><style>p{}</style><script>var x;</script></head>"
                    "<body><h1>Titre</h1><p>Le <b>serveur</b> principal.</p></body></html>", encoding="utf-8")
    text = " ".join(read(page).split())
    assert text == "Titre Le serveur principal."
