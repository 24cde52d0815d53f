"""Where the right passage ranks for the questions asked across languages, over every dev set, per search variant.

usage: python benchmarks/cross_language.py WORK [VARIANT ...]

WORK is benchmarks/dev_corpora.py's --work folder (its indexes are searched as they are, nothing is built; the
held-out corpus is never read). A VARIANT is `name:key=value,key=value`: each key a field of SearchConfig or a
module constant of index/search.py or index/bilingual.py, set for that variant only (the first variant, `base:`
by default, is the reference). For each variant: how many of the questions asked in another language than most
of their corpus have a right passage (one holding an expected phrase, as benchmarks/signal_ranks.py finds them)
in the search's top 3, and the mean reciprocal rank in its top 10; then each question whose rank a variant moves.
Ranking only (no answers, no verdicts): a quick screen before scoring all sets with dev_corpora.py. Models as for
`docbot ask` (DOCBOT_* settings).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.dev_corpora import CORPORA, resolve, shared_folder
from benchmarks.signal_ranks import norm, right_passages

TOP = 3
DEPTH = 10


def parse_variant(text: str) -> tuple[str, dict[str, str]]:
    """`name:key=value,key=value` as (name, {key: value})."""
    name, _, settings = text.partition(":")
    return name, dict(pair.split("=", 1) for pair in settings.split(",") if pair)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("work", type=Path)
    ap.add_argument("variants", nargs="*", default=["base:"])
    a = ap.parse_args()
    from benchmarks.common import settings_models
    from index import bilingual, store
    from index import search as search_module

    embedder, multilingual = settings_models()
    variants = [parse_variant(v) for v in a.variants]
    shared = shared_folder()
    ranks: dict[str, list[tuple[str, int | None, str]]] = {name: [] for name, _ in variants}
    for corpus in CORPORA:
        folder = a.work / corpus.name / "index"
        if corpus.held_out or not (folder / "current").exists():
            continue
        index = store.load(folder)
        reference = search_module.Searcher(index, embedder, multilingual=multilingual)
        texts = [norm(p.text) for p in index.passages]
        rows = []
        for _, ref in corpus.sets:
            path = resolve(ref, shared)
            if path is not None and path.is_file():
                rows += [r for line in path.read_text(encoding="utf-8").splitlines()
                         if line.strip() and (r := json.loads(line)).get("expect")]
        for name, changes in variants:
            fields = {k: v for k, v in changes.items() if hasattr(reference.config, k)}
            saved = {}
            for key, value in changes.items():
                if key in fields:
                    continue
                module = bilingual if hasattr(bilingual, key) else search_module
                saved[key] = (module, getattr(module, key))
                setattr(module, key, type(getattr(module, key))(value))
            bilingual.shipped()._found.clear()  # translations are cached by stem
            config = dataclasses.replace(reference.config, **{
                k: type(getattr(reference.config, k))(v) for k, v in fields.items()})
            searcher = search_module.Searcher.__new__(search_module.Searcher)
            searcher.__dict__.update(reference.__dict__)
            searcher.config = config
            for row in rows:
                question = row["turns"][-1] if "turns" in row else row["question"]
                history = row["turns"][:-1] if "turns" in row else ()
                if index.analyzer.share(searcher.question_language(question)) >= search_module.CROSS_LANGUAGE_SHARE:
                    continue
                right = set(right_passages(texts, row["expect"]))
                if not right:
                    continue
                hits = searcher.search(question, limit=DEPTH, history=history).hits
                rank = next((i for i, h in enumerate(hits) if h.position in right), None)
                ranks[name].append((corpus.name, rank, question))
            for key, (module, value) in saved.items():
                setattr(module, key, value)
    for name, _ in variants:
        found = ranks[name]
        top = sum(r is not None and r < TOP for _, r, _ in found)
        mrr = sum(1 / (r + 1) for _, r, _ in found if r is not None) / max(len(found), 1)
        print(f"{name:16} R@{TOP} {top}/{len(found)}  MRR@{DEPTH} {mrr:.3f}")
    first = variants[0][0]
    for name, _ in variants[1:]:
        for (corpus, before, question), (_, after, _) in zip(ranks[first], ranks[name], strict=True):
            if before != after:
                print(f"  {name}: {corpus} {before} -> {after}  {question[:80]}")


if __name__ == "__main__":
    main()
