"""dev_corpora.py's question sets: the files it scores exist, and long questions are scored apart too."""

from __future__ import annotations

import json

from benchmarks import dev_corpora
from benchmarks.check_expect import norm


def test_every_question_set_in_the_repository_is_well_formed():
    """Each set the bench scores from this repository is score.py's format, with a language and short phrases."""
    for corpus in dev_corpora.CORPORA:
        for _, ref in corpus.sets:
            if ref.startswith("shared:"):
                continue
            rows = [json.loads(line) for line in (dev_corpora.ROOT / ref).read_text(encoding="utf-8").splitlines()]
            assert rows, ref
            for r in rows:
                assert r["question"].strip() and r["lang"] in {"fr", "en"}, r
                assert r["expect"] is None or all(0 < len(norm(p)) <= 60 for p in r["expect"]), r


def test_long_questions_get_a_subset_of_their_own(tmp_path):
    """A set holding questions tagged "kind": "long" yields a "<set>-long" file with those questions alone."""
    questions = tmp_path / "q.jsonl"
    rows = [{"question": "court ?", "lang": "fr", "expect": ["a"]},
            {"question": "Une longue histoire. Puis une autre phrase. Alors ?", "lang": "fr", "expect": ["b"],
             "kind": "long"}]
    questions.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    (name, subset), = dev_corpora.long_subsets([("demo", questions)], tmp_path)
    assert name == "demo-long"
    assert [json.loads(line)["expect"] for line in subset.read_text(encoding="utf-8").splitlines()] == [["b"]]
    assert dev_corpora.long_subsets([("short", tmp_path / "missing.jsonl")], tmp_path) == []


def test_the_held_out_corpus_is_scored_only_when_named(tmp_path, monkeypatch):
    """A plain run never touches the held-out corpus; `--sets heldout` scores it."""
    monkeypatch.setattr(dev_corpora, "shared_folder", lambda: tmp_path)
    monkeypatch.setattr(dev_corpora, "layout", lambda *a: None)
    every = dev_corpora.run(tmp_path / "work", tmp_path, reuse=True, baseline=False)
    assert every and not any(line.startswith("heldout") for line in every)
    named = dev_corpora.run(tmp_path / "work", tmp_path, reuse=True, baseline=False, only={"heldout"})
    assert named == ["heldout: skipped (corpus heldout could not be laid out)"]
