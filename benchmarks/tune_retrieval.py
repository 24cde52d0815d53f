"""Measure fusion weights and answerability thresholds on built indexes, in one process (models load once).

usage: python benchmarks/tune_retrieval.py INDEX_DIR=QUESTIONS.jsonl [INDEX_DIR=QUESTIONS.jsonl ...] [--grid] [--show]

Each index is searched with the models the settings name (DOCBOT_* as for `docbot ask`, the multilingual
signal included when the index holds it); each question is embedded once. Scores as
../shared/tools/score.py does: R@3 and answered by language, out-of-scope declined. With --grid, over
fusion weights and the two answerability thresholds, the same for every index (one setting for every
corpus is the point); the default settings otherwise. `docbot index` builds the indexes.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
import unicodedata
from dataclasses import replace
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index.search import SearchConfig, Searcher


def norm(s: str) -> str:
    s = unicodedata.normalize("NFKD", s.lower().replace("\u2019", "'"))
    s = "".join(c for c in s if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", s)


def lang(row: dict) -> str:
    q = row["question"]
    return row.get("lang") or ("en" if q.split()[0] in ("How", "What", "Where", "Which", "When", "Who", "Why")
                               else "fr")


def evaluate(searcher: Searcher, rows: list[dict], vectors: list[dict], show: bool = False) -> dict:
    stats: dict[str, list[int]] = {}
    oos = [0, 0]
    for row, vec in zip(rows, vectors, strict=True):
        q = row["question"]
        terms = searcher.index.analyzer.terms(q)
        res = searcher._search(q, vec, terms, 3, searcher.index.analyzer.is_english(q), (), None)
        if row["expect"] is None:
            oos[0] += 1
            oos[1] += not res.covered
            if show and res.covered:
                print(f"  ANSWERED out of scope: {q} evidence={res.evidence:.2f}")
            continue
        expect = [norm(e) for e in row["expect"]]
        hit = any(any(e in norm(h.passage.text) for e in expect) for h in res.hits[:3])
        s = stats.setdefault(lang(row), [0, 0, 0])
        s[0] += 1
        s[1] += hit
        s[2] += res.covered
        if show and not (hit and res.covered):
            print(f"  {'MISS' if not hit else 'DECLINED'}: {q} evidence={res.evidence:.2f}")
    out = {lg: (h / n, a / n) for lg, (n, h, a) in sorted(stats.items())}
    out["declined"] = oos[1] / oos[0] if oos[0] else 1.0
    return out


def fmt(r: dict) -> str:
    parts = [f"{lg}: R@3={v[0]:.2f} ans={v[1]:.2f}" for lg, v in r.items() if lg != "declined"]
    return " | ".join(parts + [f"declined={r['declined']:.2f}"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("pairs", nargs="+", help="INDEX_DIR=QUESTIONS.jsonl")
    ap.add_argument("--grid", action="store_true")
    ap.add_argument("--show", action="store_true")
    a = ap.parse_args()
    from benchmarks.common import settings_models
    from index import store

    embedder, multilingual = settings_models()
    sets = []
    for pair in a.pairs:
        index_dir, questions = pair.split("=", 1)
        index = store.load(Path(index_dir))
        searcher = Searcher(index, embedder, SearchConfig(), multilingual)
        rows = [json.loads(x) for x in open(questions, encoding="utf-8") if x.strip()]
        qs = [r.get("question") or r["turns"][-1] for r in rows]
        for r, q in zip(rows, qs, strict=True):
            r["question"] = q
        main_vectors = embedder.embed(qs, query=True)
        multi_vectors = multilingual.embed(qs, query=True) if searcher.multilingual else None
        vectors = [{"main": main_vectors[i], **({"multi": multi_vectors[i]} if multi_vectors is not None else {})}
                   for i in range(len(qs))]
        sets.append((pair, searcher, rows, vectors))
        print(f"{pair}: {len(index.passages)} passages, multilingual {searcher.multilingual}")
    base = SearchConfig()
    configs = [("defaults", base)]
    if a.grid:
        for lex, main_w in itertools.product((0.3, 0.4, 0.5), (0.1, 0.2)):
            configs.append((f"lexical {lex} main {main_w} multilingual {1 - lex - main_w:.1f}",
                            replace(base, lexical_weight=lex, dense_weight=main_w,
                                    multilingual_weight=round(1 - lex - main_w, 2))))
        for same, cross in itertools.product((1.0, 1.2, 1.4, 1.6, 1.8), (0.8, 1.0, 1.2, 1.4)):
            configs.append((f"thresholds {same} / cross-language {cross}",
                            replace(base, answerability=replace(base.answerability, threshold=same,
                                                                cross_language_threshold=cross))))
    for name, config in configs:
        print(f"== {name}")
        for pair, searcher, rows, vectors in sets:
            tuned = Searcher(searcher.index, searcher.embedder, config,
                             multilingual if searcher.multilingual else None, searcher.calibration)
            print(f"  {Path(pair.split('=', 1)[1]).name}: {fmt(evaluate(tuned, rows, vectors, a.show))}")


if __name__ == "__main__":
    main()
