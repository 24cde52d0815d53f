"""Does the answer hold the fact? `fact`, and `fact` given a hit, per question set, with the answer path's time.

usage: python benchmarks/answer_facts.py [--sets articles,followups,realdocs,realdocs2] [--show-misses] [--repeat N]

Each set is a question file (or two: dev and ours) asked of one index, in one process, through the same
wiring as `docbot ask` (bot.service.make_engine from Settings; the index folders below, or $ANSWERS_ARTICLES,
$ANSWERS_REALDOCS, $ANSWERS_REALDOCS2). Scored as ../shared/tools/score.py does (case, accents and spacing folded):
  hit   a top-k citation's text holds an expected phrase (retrieval's share);
  fact  the answer text holds one (the answer is what a person reads first);
  fact|hit  fact among the questions that are a hit: what answer assembly can do with what retrieval gave it;
  first sentence alone: fact counting only the answer's first sentence; two sentences: the share of answers of two.
Out-of-scope questions (`expect: null`) count only in the time. The time is `Engine.ask` (validate, search,
assemble) with the model warm: each question's first ask, and with --repeat its asks again (caches warm).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import unicodedata
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import percentile

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("DOCBOT_SHARED", "/work/shared"))
INDEXES = {
    "articles": Path(os.environ.get("ANSWERS_ARTICLES", "/work/tmp/answers/art")),
    "realdocs": Path(os.environ.get("ANSWERS_REALDOCS", "/work/tmp/answers/real")),
    "realdocs2": Path(os.environ.get("ANSWERS_REALDOCS2", "/work/tmp/answers/real2")),
}
SETS = {  # name: (index, [(label, file)])
    "articles": ("articles", [("dev", SHARED / "eval" / "questions.jsonl"),
                              ("ours", ROOT / "benchmarks" / "calibration.jsonl")]),
    "followups": ("articles", [("dev", SHARED / "eval" / "followups.jsonl"),
                               ("ours", ROOT / "benchmarks" / "calibration_followups.jsonl")]),
    "realdocs": ("realdocs", [("dev", SHARED / "realdocs" / "questions.jsonl"),
                              ("ours", ROOT / "benchmarks" / "calibration_realdocs.jsonl")]),
    "realdocs2": ("realdocs2", [("ours", ROOT / "benchmarks" / "calibration_realdocs2.jsonl")]),
}
EN_STARTS = ("How", "What", "Where", "Which", "When", "Who", "Why")


def norm(s: str) -> str:
    """score.py's normalisation: lower case, no accents, one space."""
    s = unicodedata.normalize("NFKD", s.lower().replace("\u2019", "'"))
    s = "".join(c for c in s if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", s)


def language(row: dict, question: str) -> str:
    return row.get("lang") or ("en" if question.split()[0] in EN_STARTS else "fr")


def run_set(engine, rows: list[dict], k: int, repeat: int, show: bool) -> tuple[dict, list[float], list[float]]:
    stats: dict[str, dict[str, int]] = {}
    times: list[float] = []  # first asks: nothing of this question cached yet (but maybe of its passages)
    again: list[float] = []
    for row in rows:
        turns = row.get("turns") or [row["question"]]
        question, history = turns[-1], turns[:-1]
        t = time.perf_counter()
        answer = engine.ask(question, history=history)
        times.append((time.perf_counter() - t) * 1000)
        for _ in range(repeat):
            t = time.perf_counter()
            engine.ask(question, history=history)
            again.append((time.perf_counter() - t) * 1000)
        if row["expect"] is None:
            continue
        expected = [norm(e) for e in row["expect"]]
        hit = any(e in norm(c.passage.text) for c in answer.citations[:k] for e in expected)
        fact = answer.answered and any(e in norm(answer.text) for e in expected)
        first = answer.answered and any(e in norm(answer.sentences[0][0]) for e in expected)
        s = stats.setdefault(language(row, question), {"n": 0, "hit": 0, "fact": 0, "fact_hit": 0, "answered": 0,
                                                       "first": 0, "two": 0})
        s["first"] += first
        s["two"] += len(answer.sentences) > 1
        s["n"] += 1
        s["hit"] += hit
        s["fact"] += fact
        s["fact_hit"] += hit and fact
        s["answered"] += answer.answered
        if show and hit and not fact:
            print(f"  WITHOUT THE FACT{' (declined)' if not answer.answered else ''}: {' / '.join(turns)}\n"
                  f"      answer: {answer.text[:220]}\n      expect: {row['expect']}")
    return stats, times, again


def time_parts(engine, rows: list[dict]) -> tuple[list[float], list[float]]:
    """Search and answer assembly timed apart, each question once, the sentence cache cold (as for a new question)."""
    from index.answer import assemble
    from index.sentences import SentenceCache

    cache = SentenceCache(engine.index.analyzer)
    search_ms, assemble_ms = [], []
    for row in rows:
        turns = row.get("turns") or [row["question"]]
        t = time.perf_counter()
        result = engine.searcher.search(turns[-1], limit=engine.top_k + engine.more, history=turns[:-1])
        t1 = time.perf_counter()
        assemble(result, engine.index.lexical, k=engine.top_k, sentences=cache, history=turns[:-1],
                 embedder=engine.embedder, multilingual=engine.multilingual)
        t2 = time.perf_counter()
        search_ms.append((t1 - t) * 1000)
        assemble_ms.append((t2 - t1) * 1000)
    return search_ms, assemble_ms


def line(stats: dict) -> str:
    parts = []
    for lang, s in sorted(stats.items(), reverse=True):
        n, hits = s["n"], s["hit"]
        given = f"{s['fact_hit'] / hits:.2f} ({s['fact_hit']}/{hits})" if hits else "–"
        parts.append(f"{lang}: fact {s['fact'] / n:.2f} ({s['fact']}/{n}), hit {hits / n:.2f}, fact|hit {given}, "
                     f"answered {s['answered'] / n:.2f}; first sentence alone {s['first'] / n:.2f}, "
                     f"two sentences {s['two'] / n:.2f}")
    return " | ".join(parts)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="articles,followups,realdocs,realdocs2")
    ap.add_argument("--k", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=0, help="timed asks of each question again (caches warm)")
    ap.add_argument("--parts", action="store_true", help="also time search and answer assembly apart")
    ap.add_argument("--show-misses", action="store_true", help="questions whose citations hold the fact but not "
                                                                 "the answer")
    a = ap.parse_args()

    from bot.service import make_engine
    from bot.settings import Settings

    engines = {}
    for name in a.sets.split(","):
        index, files = SETS[name]
        if index not in engines:
            settings = Settings(index_dir=INDEXES[index], _env_file=None)
            engines[index] = make_engine(settings)
            engines[index].ask("préchauffage")
        engine = engines[index]
        all_times: list[float] = []
        all_again: list[float] = []
        parts: tuple[list[float], list[float]] = ([], [])
        for label, path in files:
            rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
            if a.show_misses:
                print(f"{name} {label}:")
            stats, times, again = run_set(engine, rows, a.k, a.repeat, a.show_misses)
            all_times += times
            all_again += again
            if a.parts:
                found, assembled = time_parts(engine, rows)
                parts[0].extend(found)
                parts[1].extend(assembled)
            print(f"{name} {label} ({path.name}): {line(stats)}", flush=True)
        repeated = (f"; asked again: p50 {percentile(all_again, 50):.1f} ms, p95 {percentile(all_again, 95):.1f} ms"
                    if all_again else "")
        print(f"{name}: Engine.ask, first time: p50 {percentile(all_times, 50):.1f} ms, "
              f"p95 {percentile(all_times, 95):.1f} ms ({len(all_times)} questions){repeated}", flush=True)
        if a.parts:
            print(f"{name}: search p50 {percentile(parts[0], 50):.2f} ms, p95 {percentile(parts[0], 95):.2f} ms; "
                  f"assembly (sentence cache cold) p50 {percentile(parts[1], 50):.2f} ms, "
                  f"p95 {percentile(parts[1], 95):.2f} ms", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
