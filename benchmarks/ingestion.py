"""How a folder of documents is read: blocks per format, short blocks, leftover chrome, PDF text quality, time.

Usage: python benchmarks/ingestion.py FOLDER [--show N]
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from index.documents import Skipped, read_document, scan  # noqa: E402
from index.text import count_words  # noqa: E402

FORMATS = {".html": "html", ".htm": "html", ".pdf": "pdf", ".txt": "text", ".md": "markdown", ".markdown": "markdown"}
# Page chrome that must not be read as text: (name, pattern). Navigation words count only in short blocks,
# where they are a menu rather than a sentence ("l'exemple suivant").
CHROME = [
    ("précédent/suivant (short block)", re.compile(r"\b(?:précédent|suivant|previous|next)\b", re.I), 6),
    ("Navigation", re.compile(r"\bNavigation\b"), 0),
    ("Sphinx", re.compile(r"\bSphinx\b"), 0),
    ("Copyright", re.compile(r"Copyright|©"), 0),
    ("table border +--- or |---", re.compile(r"\+-{3,}|\|-{3,}"), 0),
    ("line of ====", re.compile(r"={5,}|-{10,}"), 0),
    ("dot leaders", re.compile(r"(?:\. ){4,}|\.{5,}"), 0),
    ("permalink ¶", re.compile(r"¶"), 0),
]
LETTERS = re.compile(r"[^\W\d_]+")
SPLIT_ACCENT = re.compile(r"[´ˆ¨˜¸˘ˇ˚˙`]\s?[^\W\d_]|[^\W\d_][´ˆ¨˜¸˘ˇ˚˙]|ı")


def pdf_quality(texts: list[str]) -> tuple[float, float]:
    """Share of letter runs of 20+ letters (glued words), share of words with a split accent."""
    text = "\n".join(texts)
    runs = LETTERS.findall(text)
    glued = sum(len(r) >= 20 for r in runs)
    words = text.split()
    split = sum(1 for w in words if SPLIT_ACCENT.search(w))
    return glued / max(1, len(runs)), split / max(1, len(words))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--show", type=int, default=3, help="examples of leftover chrome to print")
    args = ap.parse_args()

    found = scan(args.folder)
    times: dict[str, float] = collections.defaultdict(float)
    files: dict[str, int] = collections.Counter()
    docs = []
    for rel, path in found.files.items():
        fmt = FORMATS.get(path.suffix.lower(), "text")
        t = time.perf_counter()
        doc = read_document(rel, path, found.metadata.get(rel))
        times[fmt] += time.perf_counter() - t
        files[fmt] += 1
        if isinstance(doc, Skipped):
            print(f"skipped {doc.path}: {doc.reason}")
            continue
        docs.append((fmt, doc))

    print(f"{args.folder}: {len(docs)} documents read, {len(found.skipped)} skipped at scan")
    print(f"\n{'format':9s} {'files':>5s} {'blocks':>7s} {'time s':>7s} {'ms/file':>8s}")
    for fmt in sorted(files):
        blocks = sum(len(d.blocks) for f, d in docs if f == fmt)
        print(f"{fmt:9s} {files[fmt]:5d} {blocks:7d} {times[fmt]:7.2f} {times[fmt] / files[fmt] * 1000:8.1f}")
    print(f"{'all':9s} {sum(files.values()):5d} {sum(len(d.blocks) for _, d in docs):7d} {sum(times.values()):7.2f}")

    print("\nblocks with fewer than 5 words, by kind")
    by_kind = collections.Counter(b.kind for _, d in docs for b in d.blocks)
    short = collections.Counter(b.kind for _, d in docs for b in d.blocks if count_words(b.text) < 5)
    for kind, n in by_kind.most_common():
        print(f"  {kind:11s} {short[kind]:6d} / {n:6d}  {short[kind] / n:6.1%}")
    total = sum(by_kind.values())
    print(f"  {'all':11s} {sum(short.values()):6d} / {total:6d}  {sum(short.values()) / max(1, total):6.1%}")
    no_heading = sum(1 for _, d in docs for b in d.blocks if b.kind != "heading")
    short_no_heading = sum(short[k] for k in short if k != "heading")
    share = short_no_heading / max(1, no_heading)
    print(f"  {'not heading':11s} {short_no_heading:6d} / {no_heading:6d}  {share:6.1%}")

    print("\nleftover chrome (blocks matching)")
    for name, pattern, max_words in CHROME:
        hits = [(d.path, b) for _, d in docs for b in d.blocks
                if pattern.search(b.text) and (not max_words or count_words(b.text) <= max_words)]
        print(f"  {name:32s} {len(hits):5d}")
        for path, b in hits[: args.show]:
            print(f"      {path} [{b.kind}] {b.text[:110]!r}")

    html = [b for f, d in docs if f == "html" for b in d.blocks if b.kind != "heading"]
    if html:
        with_section = sum(1 for b in html if b.section)
        anchors = sum(1 for b in html if b.anchor)
        print(f"\nHTML blocks with a section: {with_section / len(html):.1%}; with an anchor: {anchors / len(html):.1%}"
              f" (of {len(html)} non-heading blocks)")
    for fmt in ("text", "markdown"):
        blocks = [b for f, d in docs if f == fmt for b in d.blocks if b.kind != "heading"]
        if blocks:
            print(f"{fmt} blocks with a section: {sum(1 for b in blocks if b.section) / len(blocks):.1%}"
                  f"; with source lines: {sum(1 for b in blocks if b.line_start) / len(blocks):.1%}")
    pdfs = [(d, [b.text for b in d.blocks]) for f, d in docs if f == "pdf"]
    if pdfs:
        print("\nPDF files: glued words (20+ letters), split accents, blocks with a page, blocks with a section")
        for d, texts in pdfs:
            glued, split = pdf_quality(texts)
            paged = sum(1 for b in d.blocks if b.page) / max(1, len(d.blocks))
            sectioned = sum(1 for b in d.blocks if b.section) / max(1, len(d.blocks))
            print(f"  {d.path:50s} {glued:6.2%} {split:6.2%} {paged:6.1%} {sectioned:6.1%}  title={d.title!r}")


if __name__ == "__main__":
    main()
