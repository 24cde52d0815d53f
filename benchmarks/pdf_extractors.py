"""Compare PDF text extractors on PDFs: glued words, split accents, time per page.

Usage: python benchmarks/pdf_extractors.py FILE.pdf [...]

Extractors that are not installed are left out: pdfminer.six (pip), Poppler's pdftotext (apt poppler-utils).
"docbot" is the reader docbot uses (pypdfium2 plus accent, hyphen and page-furniture repair), measured on the
blocks it keeps. Glued: share of letter runs of 20+ letters. Split accents: share of words holding a spacing
accent (´ ` ˆ ¨ ¸ ...) or a dotless i, and of words like "mat'eriel" (an apostrophe where no elision can be).
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

LETTERS = re.compile(r"[^\W\d_]+")
ACCENTS = set("´ˆ¨˜¸˘ˇ˚˙`^ı")
ELISION = re.compile(r"^(?:[ldjmnstc]|qu|jusqu|lorsqu|puisqu|quoiqu|presqu)$", re.IGNORECASE)


def quality(text: str) -> tuple[int, float, float]:
    text = unicodedata.normalize("NFC", text)
    runs = LETTERS.findall(text)
    glued = sum(len(r) >= 20 for r in runs)
    tokens = text.split()
    split = 0
    for token in tokens:
        if any(c in ACCENTS for c in token):
            split += 1
            continue
        head, apostrophe, tail = token.replace("’", "'").partition("'")
        letters = LETTERS.findall(head)
        if apostrophe and letters and not ELISION.match(letters[-1]) and tail[:1] in "eEaAiIoOuU" and tail:
            split += 1
    return len(runs), glued / max(1, len(runs)), split / max(1, len(tokens))


def pypdf_pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(path).pages]


def pdfium_pages(path: Path) -> list[str]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    return [page.get_textpage().get_text_range() for page in pdf]


def pdfminer_pages(path: Path) -> list[str]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LTTextContainer

    return ["\n".join(e.get_text() for e in page if isinstance(e, LTTextContainer)) for page in extract_pages(path)]


def pdftotext_pages(path: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True)
    return out.stdout.split("\f")[:-1]


def docbot_pages(path: Path) -> list[str]:
    from index.readers.pdf import read_pdf

    reading = read_pdf(path.read_bytes())
    pages: dict[int, list[str]] = {}
    for b in reading.blocks:
        pages.setdefault(b.page or 0, []).append(b.text)
    import pypdfium2 as pdfium

    count = len(pdfium.PdfDocument(path))
    return ["\n".join(pages.get(i + 1, [])) for i in range(count)]


def available() -> list[tuple[str, object]]:
    out = []
    for name, module, fn in [("pypdf", "pypdf", pypdf_pages), ("pypdfium2", "pypdfium2", pdfium_pages),
                             ("pdfminer.six", "pdfminer", pdfminer_pages)]:
        try:
            __import__(module)
            out.append((name, fn))
        except ImportError:
            print(f"({name} not installed: left out)")
    if shutil.which("pdftotext"):
        out.append(("pdftotext", pdftotext_pages))
    else:
        print("(pdftotext not installed: left out)")
    out.append(("docbot", docbot_pages))
    return out


def main() -> None:
    logging.disable(logging.WARNING)  # pypdf and pdfminer warn on every font they half understand
    extractors = available()
    for arg in sys.argv[1:]:
        path = Path(arg)
        print(path.name)
        for name, fn in extractors:
            start = time.perf_counter()
            pages = fn(path)
            elapsed = time.perf_counter() - start
            words, glued, split = quality("\n".join(pages))
            print(f"  {name:12s} words {words:6d}  glued {glued:6.2%}  split accents {split:6.2%}  "
                  f"{elapsed / max(1, len(pages)) * 1000:6.1f} ms/page ({len(pages)} pages)")


if __name__ == "__main__":
    main()
