"""Whether the documents cover a question, judged against the corpus's own answers to off-topic questions.

A score threshold tuned on one corpus does not transfer: on five news articles the best passage of an
off-topic question sits low, on a 2 000-passage manual every question, on topic or not, finds some
passage that shares its words and its register. So each index measures, when it is built, what its
corpus gives to questions about everyday subjects it is very unlikely to cover
(`data/off_topic.txt`, French and English): for each piece of evidence, the median and the 90th
percentile over those questions. A question counts as covered when its evidence, measured in those
units, stands clearly above theirs. A corpus that does answer a few of them moves the median little.

The evidence of a question (all from the question's own words and vectors, not from earlier turns):
- `known`: the share of its content words (weighted by rarity) that occur in the corpus at all: a
  question about KiCad asked of a Debian manual uses words that manual never holds;
- `lexical`: its best BM25 score as a share of what its words could score at most;
- `dense`: how far the best of the top passages stands above a typical passage in cosine, on the
  multilingual signal when the index has one (it reads English questions about French text), else on
  the main model.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources

import numpy as np

FEATURES = ("known", "lexical", "dense")
# Calibrations measured with other reference questions or features are measured again at load.
CALIBRATION_VERSION = 3  # 2: question terms in every language of the index; 3: lexical evidence without typos
# The least spread a feature is given, so that a corpus where every off-topic question scores
# alike does not turn a hair's difference into a verdict.
_MIN_SPREAD = {"known": 0.05, "lexical": 0.02, "dense": 0.005}


@cache
def off_topic_questions() -> tuple[str, ...]:
    """The reference questions (one per line in data/off_topic.txt; lines starting with # are notes)."""
    text = resources.files(__package__).joinpath("data/off_topic.txt").read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


@dataclass(frozen=True)
class Evidence:
    """What the documents offer a question, before it is compared with the off-topic reference."""

    known: float
    lexical: float
    dense: float

    def __getitem__(self, name: str) -> float:
        return float(getattr(self, name))


@dataclass(frozen=True)
class Calibration:
    """The off-topic reference of one index and signal set: per feature, its median and 90th percentile."""

    signals: str  # which dense signal `dense` was measured on (a model name)
    median: dict[str, float]
    p90: dict[str, float]
    questions: int
    version: int = CALIBRATION_VERSION

    @classmethod
    def measure(cls, signals: str, evidence: list[Evidence]) -> Calibration:
        """The reference from the evidence of the off-topic questions."""
        values = {f: np.array([e[f] for e in evidence], dtype=np.float64) for f in FEATURES}
        return cls(signals, {f: float(np.median(v)) for f, v in values.items()},
                   {f: float(np.percentile(v, 90)) for f, v in values.items()}, len(evidence))

    def standing(self, evidence: Evidence) -> dict[str, float]:
        """Each feature in units of the reference: 0 at the off-topic median, 1 at its 90th percentile."""
        out = {}
        for f in FEATURES:
            spread = max(self.p90[f] - self.median[f], _MIN_SPREAD[f])
            out[f] = (evidence[f] - self.median[f]) / spread
        return out

    def to_dict(self) -> dict:
        """Plain data, for the manifest."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: object) -> Calibration | None:
        """The calibration stored in a manifest, or None when it is missing or of another version."""
        if not isinstance(data, dict) or data.get("version") != CALIBRATION_VERSION:
            return None
        try:
            return cls(str(data["signals"]), {f: float(data["median"][f]) for f in FEATURES},
                       {f: float(data["p90"][f]) for f in FEATURES}, int(data["questions"]))
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True)
class AnswerabilityConfig:
    """How the standing of a question's evidence decides whether it is covered.

    The weights and threshold were chosen on the dev questions of the shipped articles and of a real
    documentation corpus together, and on our own questions about a second real corpus
    (benchmarks/tune_retrieval.py prints the figures): the same for every corpus.
    """

    known_weight: float = 1.0
    lexical_weight: float = 0.25
    dense_weight: float = 0.25
    threshold: float = 1.4
    # A question asked in another language than most passages (English of a French guide, French of an
    # English manual) is judged on the evidence that can exist across languages: the multilingual model's
    # meaning, and the names and terms both languages write alike. Its words in its own language prove little:
    # they can only come from a stray fragment in that language (a French heading of an English manual).
    # Measured on the 93 cross-language questions of eight sets (English of the French corpora, French of
    # Git's English manual): BM25's share left out and meaning counted one and a half times as much answers
    # 49 of the 65 in-scope ones instead of 42, and declines the same 23 of the 28 out-of-scope ones.
    cross_known_weight: float = 1.0
    cross_lexical_weight: float = 0.0
    cross_dense_weight: float = 0.375
    cross_language_threshold: float = 0.9

    # Words in common but a meaning far from every passage ("Quel est le prix du bitcoin aujourd'hui ?" of
    # articles that hold "prix" and "aujourd'hui"): when the dense standing is below `dense_veto`, only
    # evidence `veto_margin` above the threshold answers.
    dense_veto: float = -0.5
    veto_margin: float = 2.5

    def covers(self, score: float, cross_language: bool, dense_standing: float | None = None) -> bool:
        """Whether a question with this score (and this standing of its dense evidence) counts as covered."""
        threshold = self.cross_language_threshold if cross_language else self.threshold
        if dense_standing is not None and dense_standing < self.dense_veto:
            threshold += self.veto_margin
        return score >= threshold

    def score(self, calibration: Calibration, evidence: Evidence, cross_language: bool = False) -> float:
        """The weighted standing of the evidence (covered from `threshold` up)."""
        return self._weighted(calibration.standing(evidence), cross_language)

    def verdict(self, calibration: Calibration, evidence: Evidence, cross_language: bool) -> tuple[float, bool]:
        """(score, covered) of the evidence, its standing measured once."""
        s = calibration.standing(evidence)
        score = self._weighted(s, cross_language)
        return score, self.covers(score, cross_language, s["dense"])

    def _weighted(self, s: dict[str, float], cross_language: bool = False) -> float:
        if cross_language:
            return (self.cross_known_weight * s["known"] + self.cross_lexical_weight * s["lexical"]
                    + self.cross_dense_weight * s["dense"])
        return self.known_weight * s["known"] + self.lexical_weight * s["lexical"] + self.dense_weight * s["dense"]
