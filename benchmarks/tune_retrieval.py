"""Measure retrieval choices on question files, in one process (the model loads once).

usage: python benchmarks/tune_retrieval.py QUESTIONS.jsonl [MORE.jsonl ...] [--tokens 200] [--grid]

Scores exactly as ../shared/tools/score.py does (R@3, MRR, answered, out-of-scope declined),
for the fusion weights and answerability thresholds given, or over a grid of them.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import tempfile
import unicodedata
from dataclasses import replace
from pathlib import Path

from index import BuildOptions, SearchConfig, SentenceTransformerEmbedder, build_index
from index.search import Searcher
from index.store import load

ROOT = Path(__file__).resolve().parent.parent


def norm(s: str) -> str:
    s = unicodedata.normalize("NFKD", s.lower().replace("\u2019", "'"))
    s = "".join(c for c in s if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", s)


def lang(q: str) -> str:
    return "en" if q.split()[0] in ("How", "What", "Where", "Which", "When", "Who", "Why") else "fr"


def evaluate(searcher: Searcher, rows, cache, k=3, show=False):
    stats = {}
    oos_ok = oos_n = 0
    for r in rows:
        q = r["question"]
        vec, terms, cross = cache[q]
        res = searcher.search_vector(q, vec, terms, k, cross)
        covered = res.covered
        if r["expect"] is None:
            oos_n += 1
            oos_ok += not covered
            if show and covered:
                print(f"  ANSWERED oos: {q} evidence={res.evidence:.3f} cross={cross}")
            continue
        exp = [norm(e) for e in r["expect"]]
        rank = next((i for i, h in enumerate(res.hits[:k]) if any(e in norm(h.passage.text) for e in exp)), None)
        s = stats.setdefault(lang(q), {"n": 0, "hit": 0, "rr": 0.0, "ans": 0})
        s["n"] += 1
        s["hit"] += rank is not None
        s["rr"] += 0 if rank is None else 1 / (rank + 1)
        s["ans"] += covered
        if show and (rank is None or not covered):
            print(f"  {'MISS' if rank is None else 'DECLINED'}: {q} evidence={res.evidence:.3f} cross={cross}")
    out = {lg: (s["hit"] / s["n"], s["rr"] / s["n"], s["ans"] / s["n"]) for lg, s in stats.items()}
    out["oos"] = oos_ok / oos_n if oos_n else 1.0
    return out


def fmt(r):
    parts = [f"{lg}: R@3={v[0]:.2f} MRR={v[1]:.2f} ans={v[2]:.2f}" for lg, v in sorted(r.items()) if lg != "oos"]
    return " | ".join(parts + [f"oos={r['oos']:.2f}"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("questions", nargs="+")
    ap.add_argument("--tokens", type=int, default=200)
    ap.add_argument("--weight", type=float, default=SearchConfig.lexical_weight)
    ap.add_argument("--prefix", type=int, default=5)
    ap.add_argument("--grid", action="store_true")
    ap.add_argument("--show", action="store_true")
    a = ap.parse_args()
    embedder = SentenceTransformerEmbedder()
    with tempfile.TemporaryDirectory() as tmp:
        options = BuildOptions(passage_tokens=a.tokens, term_prefix=a.prefix)
        build_index(ROOT / "documents", Path(tmp), embedder, options)
        idx = load(Path(tmp))
    print(f"{len(idx.passages)} passages at {a.tokens} tokens, terms cut at {a.prefix}")
    files = {f: [json.loads(x) for x in open(f, encoding="utf-8") if x.strip()] for f in a.questions}
    allq = [r["question"] for rows in files.values() for r in rows]
    vecs = embedder.embed(allq, query=True)
    cache = {q: (v, idx.analyzer.terms(q), idx.analyzer.is_english(q))
             for q, v in zip(allq, vecs, strict=True)}
    base = SearchConfig(lexical_weight=a.weight)
    if not a.grid:
        for f, rows in files.items():
            print(Path(f).name, fmt(evaluate(Searcher(idx, embedder, base), rows, cache, show=a.show)))
        return
    for w in (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0):
        cfg = replace(base, lexical_weight=w)
        print(f"w={w:.1f} " + "  ||  ".join(fmt(evaluate(Searcher(idx, embedder, cfg), rows, cache))
                                          for rows in files.values()))
    for same, cross in itertools.product((0.16, 0.17, 0.18, 0.185, 0.19, 0.2, 0.21), (0.12, 0.13, 0.14, 0.15)):
        cfg = replace(base, min_evidence=same, min_evidence_cross_language=cross)
        print(f"evidence>={same} cross>={cross}  " + "  ||  ".join(
            fmt(evaluate(Searcher(idx, embedder, cfg), rows, cache)) for rows in files.values()))


if __name__ == "__main__":
    main()
