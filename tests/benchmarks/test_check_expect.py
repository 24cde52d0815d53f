"""check_expect.py: expected phrases are looked up in the text a reader sees (HTML and text files; no PDF here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.check_expect import html_text, norm

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("raw", "seen", "unseen"), [
    (b"<p>T<sub>E</sub>Xworks de Jonathan <em>Kew<a id='x'></a></em>, initiateur</p>",
     "texworks de jonathan kew, initiateur", None),
    (b"<table><tr><td>G33.1</td><td>Rigid Tapping</td></tr></table>", "g33.1 rigid tapping", "g33.1rigid"),
    (b"<head><style>p{x:1}</style><script>var secret=1</script></head><p>texte</p>", "texte", "secret"),
    ('<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"><p>éditeur</p>'.encode("latin-1"),
     "editeur", None),
])
def test_html_text_reads_as_a_browser_shows_it(raw, seen, unseen):
    """Inline tags join their text, cells and blocks stay apart, scripts are hidden, the declared charset is used."""
    text = norm(html_text(raw))
    assert seen in text
    if unseen:
        assert unseen not in text


def test_missing_phrases_are_listed_and_fail(tmp_path):
    """A phrase in no document is printed with its question and the exit code is 1; found ones pass silently."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "faq.html").write_text("<p>Le projet a été créé par Ian Murdock en 1993.</p>", encoding="utf-8")
    (corpus / "notes.txt").write_text("Debian 9 s’appelle stretch.", encoding="utf-8")
    questions = tmp_path / "q.jsonl"
    rows = [
        {"question": "Qui a fondé Debian ?", "expect": ["créé par IAN  Murdock"], "lang": "fr"},
        {"question": "Nom de Debian 9 ?", "expect": ["s'appelle stretch"], "lang": "fr"},
        {"turns": ["Qui ?", "Et quand ?"], "expect": ["en 1994"], "lang": "fr"},
        {"question": "Recette des crêpes ?", "expect": None, "lang": "fr"},
    ]
    questions.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    p = subprocess.run([sys.executable, str(REPO / "benchmarks" / "check_expect.py"), str(questions), str(corpus)],
                       capture_output=True, text=True)
    assert p.returncode == 1
    assert "MISSING: 'en 1994' | Qui ? / Et quand ?" in p.stdout
    assert "Murdock" not in p.stdout and "stretch" not in p.stdout
    assert "4 questions (1 out of scope), 3 phrases, 1 missing" in p.stdout
