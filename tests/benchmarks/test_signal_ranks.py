"""signal_ranks.py: where the right passage ranks, found by its expected phrases as score.py finds them."""

from __future__ import annotations

import numpy as np

from benchmarks.signal_ranks import band, best_rank, norm, right_passages


def test_right_passages_match_phrases_as_score_py_does():
    """Case, accents and spacing are ignored; a passage without the phrase is not a right one."""
    texts = [norm(t) for t in ("Le  Fichier est EFFACÉ", "rien ici", "git blame shows each line")]
    assert right_passages(texts, ["fichier est efface"]) == [0]
    assert right_passages(texts, ["Each Line", "absent"]) == [2]


def test_best_rank_is_the_best_placed_right_passage():
    """Of several right passages, the best placed counts; ties keep the passages' order."""
    scores = np.array([0.1, 0.9, 0.5, 0.5])
    assert best_rank(scores, [0, 3]) == 2
    assert best_rank(scores, [1]) == 0


def test_bands_sort_misses_by_e5_rank():
    """A miss e5 ranks first is lost in the fusion; one it ranks far down, in the signal."""
    assert band(0) == "e5 top 3"
    assert band(7) == "e5 4-10"
    assert band(999) == "e5 beyond 200"
