"""Where the right passage ranks in each signal: BM25, MiniLM, multilingual-e5, and docbot's fused ranking.

usage: python benchmarks/signal_ranks.py INDEX_DIR QUESTIONS.jsonl [--misses]

For each question with expected phrases (as ../shared/tools/score.py reads them), the right passages are those
whose text holds one of the phrases (case, accents and spacing ignored); each signal's rank of the best placed of
them is printed (0 is first), over all the passages: BM25 of the question's own words, the cosine of each dense
model, and the fused search (its first 10; "-" beyond). The last lines count the misses of the fused top 3 by
where e5 put the right passage: a miss that e5 ranks near the top is lost in the fusion, one that it ranks far
down needs a better signal, not other weights. With --misses only the questions the fused top 3 misses are
listed. Models and index as for `docbot ask` (DOCBOT_* settings); the index is searched as it is, nothing is built.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

FUSED_DEPTH = 10
# Bands of e5's rank of the right passage, for the summary of the misses.
BANDS = ((3, "e5 top 3"), (10, "e5 4-10"), (50, "e5 11-50"), (200, "e5 51-200"))


def norm(s: str) -> str:
    """Text as score.py compares it: lower case, no accents, single spaces."""
    s = unicodedata.normalize("NFKD", s.lower().replace("\u2019", "'"))
    s = "".join(c for c in s if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", s)


def right_passages(texts: Sequence[str], expect: Sequence[str]) -> list[int]:
    """Positions of the passages (texts already `norm`ed) that hold one of the expected phrases."""
    phrases = [norm(e) for e in expect]
    return [i for i, t in enumerate(texts) if any(p in t for p in phrases)]


def best_rank(scores: np.ndarray, right: Sequence[int]) -> int:
    """The rank (0: first) of the best placed of the `right` positions when `scores` are sorted best first."""
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.arange(len(order))
    return int(ranks[list(right)].min())


def band(rank: int) -> str:
    """The summary band of an e5 rank."""
    return next((name for limit, name in BANDS if rank < limit), "e5 beyond 200")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("index_dir")
    ap.add_argument("questions")
    ap.add_argument("--misses", action="store_true", help="list only the questions the fused top 3 misses")
    a = ap.parse_args()
    from benchmarks.common import settings_models
    from index import store
    from index.search import Searcher

    embedder, multilingual = settings_models()
    index = store.load(Path(a.index_dir))
    searcher = Searcher(index, embedder, multilingual=multilingual)
    texts = [norm(p.text) for p in index.passages]
    rows = [json.loads(x) for x in open(a.questions, encoding="utf-8") if x.strip()]
    bands: Counter[str] = Counter()
    asked = missed = 0
    for row in rows:
        if not row.get("expect"):
            continue
        question = row["turns"][-1] if "turns" in row else row["question"]
        history = row["turns"][:-1] if "turns" in row else ()
        right = right_passages(texts, row["expect"])
        if not right:
            print(f"  no passage holds the expected phrases: {question[:80]}")
            continue
        asked += 1
        result = searcher.search(question, limit=FUSED_DEPTH, history=history)
        fused = next((i for i, h in enumerate(result.hits) if h.position in set(right)), None)
        language = searcher.question_language(question)
        ranks = {"bm25": best_rank(index.lexical.scores(index.lexical.question_terms(question, language)), right),
                 "minilm": best_rank(index.embeddings @ embedder.embed([question], query=True)[0], right)}
        if searcher.multilingual:
            ranks["e5"] = best_rank(index.multilingual_embeddings @ multilingual.embed([question], query=True)[0],
                                    right)
        hit = fused is not None and fused < 3
        if not hit:
            missed += 1
            bands[band(ranks["e5"]) if "e5" in ranks else "no e5"] += 1
        if a.misses and hit:
            continue
        shown = " ".join(f"{k}={v:5d}" for k, v in ranks.items())
        print(f"{row.get('lang', '?'):2} fused={'-' if fused is None else fused:>2} {shown}  {question[:90]}")
    print(f"{missed} of {asked} missed by the fused top 3; by e5's rank of the right passage: "
          + ", ".join(f"{name} {bands[name]}" for name in [*(n for _, n in BANDS), "e5 beyond 200", "no e5"]
                      if bands[name]))


if __name__ == "__main__":
    main()
