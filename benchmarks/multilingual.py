"""The multilingual signal (issue 11): retrieval quality of BM25, MiniLM and multilingual-e5, alone and fused,
what their evidence says about answerability, and what e5 costs.

usage:
  python benchmarks/multilingual.py embed CORPUS MODEL   # fill the vector cache (resumable)
  python benchmarks/multilingual.py quality               # R@3/MRR tables, by corpus and language
  python benchmarks/multilingual.py answerability         # evidence features, in scope vs out of scope, and the rule
  python benchmarks/multilingual.py speed                 # e5 latency and throughput, threads, interference

Corpora: `articles` (documents/ of this repo) and `realdocs` (/work/realdocs-dev, or $REALDOCS), read with today's
index.documents and cut with index.passages.split_document at MiniLM's 200 word pieces, as `docbot index` does.
Passages, vectors and question vectors are cached under $E5_CACHE (default /work/tmp/e5/cache), keyed by the
passages' texts, so reruns take seconds. Hits are scored as ../shared/tools/score.py does: a top-3 passage text
holds one of the `expect` phrases (case, accents and spacing folded).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CACHE = Path(os.environ.get("E5_CACHE", "/work/tmp/e5/cache"))
SHARED = Path(os.environ.get("DOCBOT_SHARED", ROOT.parent.parent / "shared"))
if not SHARED.is_dir():
    SHARED = Path("/work/shared")
CORPORA = {
    "articles": ROOT / "documents",
    "realdocs": Path(os.environ.get("REALDOCS", "/work/realdocs-dev")),
}
QUESTIONS = {
    "articles": [SHARED / "eval" / "questions.jsonl", ROOT / "benchmarks" / "calibration.jsonl"],
    "realdocs": [SHARED / "realdocs" / "questions.jsonl", ROOT / "benchmarks" / "calibration_realdocs.jsonl"],
}
MODELS = ("minilm", "e5")
PASSAGE_TOKENS = 200
K = 3


# Corpus, passages and vectors, cached --------------------------------------------------------------------------

def minilm():
    from index.embedding import OnnxEmbedder

    return OnnxEmbedder(cache_dir=CACHE / "onnx", threads=1)


def e5(threads: int = 2):
    from index.e5 import E5Embedder

    return E5Embedder(threads=threads)


def embedder(model: str, threads: int = 2):
    return minilm() if model == "minilm" else e5(threads)


@dataclass
class Corpus:
    name: str
    texts: list[str]  # what is embedded and searched (heading + text)
    shown: list[str]  # what a citation shows (scored against `expect`)
    documents: list[str]
    key: str


def corpus(name: str) -> Corpus:
    """The corpus's passages as today's reader and splitter make them (cached)."""
    path = CACHE / f"passages-{name}.jsonl"
    if not path.is_file():
        from index.documents import Document, read_document, scan
        from index.passages import split_document

        counter = minilm()
        found = scan(CORPORA[name])
        rows = []
        started = time.perf_counter()
        for rel, file in found.files.items():
            doc = read_document(rel, file, found.metadata.get(rel, {}))
            if not isinstance(doc, Document):
                continue
            for p in split_document(doc, max_tokens=min(PASSAGE_TOKENS, counter.max_tokens),
                                    count_tokens=counter.count_tokens):
                rows.append({"document": p.document, "text": p.text, "indexed": p.indexed_text})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        print(f"{name}: {len(rows)} passages read and split in {time.perf_counter() - started:.0f}s",
              file=sys.stderr)
    rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    texts = [r["indexed"] for r in rows]
    key = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:12]
    return Corpus(name, texts, [r["text"] for r in rows], [r["document"] for r in rows], key)


def vectors(c: Corpus, model: str, threads: int = 2, chunk: int = 512) -> np.ndarray:
    """Passage vectors of one model, embedded in chunks that are kept, so an interrupted run resumes."""
    final = CACHE / f"vec-{c.name}-{model}-{c.key}.npy"
    if final.is_file():
        return np.load(final)
    parts = CACHE / f"parts-{c.name}-{model}-{c.key}"
    parts.mkdir(parents=True, exist_ok=True)
    emb = embedder(model, threads)
    started = time.perf_counter()
    done_now = 0
    for start in range(0, len(c.texts), chunk):
        part = parts / f"{start:07d}.npy"
        if part.is_file():
            continue
        batch = c.texts[start:start + chunk]
        np.save(part, emb.embed(batch, batch_size=64))
        done_now += len(batch)
        rate = done_now / (time.perf_counter() - started)
        print(f"{c.name} {model}: {start + len(batch)}/{len(c.texts)} ({rate:.1f} passages/s)", file=sys.stderr)
    out = np.concatenate([np.load(parts / f"{s:07d}.npy") for s in range(0, len(c.texts), chunk)])
    np.save(final, out)
    return out


def question_vectors(model: str, questions: list[str]) -> dict[str, np.ndarray]:
    """Question vectors of one model (cached by question text)."""
    path = CACHE / f"questions-{model}.json"
    known: dict[str, list[float]] = json.loads(path.read_text()) if path.is_file() else {}
    todo = [q for q in dict.fromkeys(questions) if q not in known]
    if todo:
        emb = embedder(model)
        vecs = emb.embed(todo, query=True) if model == "e5" else emb.embed(todo)
        known.update({q: v.tolist() for q, v in zip(todo, vecs, strict=True)})
        path.write_text(json.dumps(known))
    return {q: np.asarray(known[q], dtype=np.float32) for q in questions}


def load_questions(name: str) -> list[dict]:
    rows = []
    for f in QUESTIONS[name]:
        if f.is_file():
            for line in f.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    r = json.loads(line)
                    r["source"] = f.name
                    r["lang"] = r.get("lang") or language(r["question"])
                    rows.append(r)
    return rows


def norm(s: str) -> str:
    s = unicodedata.normalize("NFKD", s.lower().replace("\u2019", "'"))
    s = "".join(c for c in s if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", s)


def language(q: str) -> str:
    return "en" if q.split()[0] in ("How", "What", "Where", "Which", "When", "Who", "Why") else "fr"


def cmd_embed(a) -> None:
    c = corpus(a.corpus)
    v = vectors(c, a.model, threads=a.threads)
    print(f"{c.name} {a.model}: {v.shape}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("embed")
    p.add_argument("corpus", choices=sorted(CORPORA))
    p.add_argument("model", choices=MODELS)
    p.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    {"embed": cmd_embed}[a.cmd](a)


if __name__ == "__main__":
    main()
