#!/usr/bin/env python3
"""Check that every expected phrase of a question file occurs in a corpus's text.

usage: check_expect.py QUESTIONS.jsonl CORPUS_DIR [--where]

The text is what a reader sees: HTML without its tags, scripts and styles (decoded with the charset it
declares), PDF through Poppler's `pdftotext`, TXT/Markdown as they are. Text and phrases are compared
after score.py's normalisation (case, accents, apostrophes and spacing folded), so a phrase that passes
here can be found in the bot's citations only if its extractor reads the file as a reader does.
Prints each phrase found in no document (and each question none of whose phrases is found), then a
summary line; exits 1 if any phrase is missing. --where also lists the files that hold each phrase.
"""

import argparse
import json
import re
import subprocess
import sys
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

# Tags after which a browser starts a new line or cell: the text on either side does not run together.
BLOCK = set(
    "address article aside blockquote br caption dd div dl dt fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6"
    " header hr li main nav ol p pre section table tbody td tfoot th thead title tr ul".split()
)
HIDDEN = {"script", "style", "title"}
TEXT_SUFFIXES = {".txt", ".text", ".md", ".rst"}


def norm(s: str) -> str:
    """score.py's normalisation, so that a phrase found here is found the same way there."""
    s = unicodedata.normalize("NFKD", s.lower().replace("\u2019", "'"))
    s = "".join(c for c in s if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", s)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in HIDDEN:
            self.hidden += 1
        if tag in BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
        if tag in BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def _decode_html(raw: bytes) -> str:
    m = re.search(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_-]+)""", raw[:4096], re.I)
    for enc in ([m.group(1).decode("ascii")] if m else []) + ["utf-8", "latin-1"]:
        try:
            return raw.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return raw.decode("utf-8", "replace")


def html_text(raw: bytes) -> str:
    p = _Reader()
    p.feed(_decode_html(raw))
    p.close()
    return "".join(p.parts)


def pdf_text(path: Path) -> str:
    try:
        out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    except FileNotFoundError:
        sys.exit("check_expect.py: pdftotext not found (apt-get install poppler-utils)")
    except subprocess.CalledProcessError as e:
        print(f"warning: pdftotext failed on {path}: {e.stderr.decode(errors='replace').strip()}", file=sys.stderr)
        return ""
    return out.stdout.decode("utf-8", "replace")


def corpus_texts(root: Path) -> dict[str, str]:
    """Normalised reader text of every HTML, PDF and text file under root, by path relative to root."""
    texts = {}
    for f in sorted(root.rglob("*")):
        if not f.is_file() or any(part.startswith(".") for part in f.relative_to(root).parts):
            continue
        suf = f.suffix.lower()
        if suf in {".html", ".htm", ".xhtml"}:
            t = html_text(f.read_bytes())
        elif suf == ".pdf":
            t = pdf_text(f)
        elif suf in TEXT_SUFFIXES:
            t = f.read_bytes().decode("utf-8", "replace")
        else:
            continue
        texts[str(f.relative_to(root))] = norm(t)
    return texts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("questions")
    ap.add_argument("corpus")
    ap.add_argument("--where", action="store_true", help="list the files that hold each phrase")
    a = ap.parse_args()
    root = Path(a.corpus)
    if not root.is_dir():
        sys.exit(f"check_expect.py: {root} is not a folder")
    texts = corpus_texts(root)
    if not texts:
        sys.exit(f"check_expect.py: no HTML, PDF or text file under {root}")
    rows = [json.loads(line) for line in open(a.questions, encoding="utf-8") if line.strip()]
    phrases = missing = questions_lost = 0
    for r in rows:
        question = r.get("question") or " / ".join(r.get("turns", []))
        if r.get("expect") is None:
            continue
        found_any = False
        for phrase in r["expect"]:
            phrases += 1
            where = [name for name, t in texts.items() if norm(phrase) in t]
            found_any |= bool(where)
            if not where:
                missing += 1
                print(f"MISSING: {phrase!r} | {question}")
            elif a.where:
                print(f"found: {phrase!r} in {', '.join(where[:4])}{' …' if len(where) > 4 else ''}")
        if not found_any:
            questions_lost += 1
            print(f"NO PHRASE FOUND: {question}")
    oos = sum(r.get("expect") is None for r in rows)
    print(
        f"{a.questions}: {len(rows)} questions ({oos} out of scope), {phrases} phrases, {missing} missing,"
        f" {questions_lost} questions with no phrase found; {len(texts)} documents under {root}"
    )
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
