"""The learned answer scorer: a listwise ranker over candidates and a logistic model of
whether the chosen one is right, both read from ``qa/model/answer_model.json``.

Why data, not code: the weights and the abstention cut-off are fitted by
``bench/train_answers.py`` on questions it generates from the indexed text (never on a
gold set); the file records how and on what.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from qa.features import FEATURES

MODEL_PATH = Path(__file__).resolve().parent / "model" / "answer_model.json"
KINDS = ("amount", "percent", "date", "number", "actor", "place", "target", "text")
# What the abstention model sees of the chosen candidate besides its features.
CHOICE_FEATURES = ("top_score", "margin", "share", "n_candidates")
ABSTAIN_FEATURES = FEATURES + CHOICE_FEATURES + tuple(f"kind_{k}" for k in KINDS)


@dataclass(frozen=True)
class Linear:
    """w · (x - mean) / std + bias over named features."""

    names: tuple[str, ...]
    weights: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    bias: float = 0.0

    def matrix(self, rows: Sequence[Mapping[str, float]]) -> np.ndarray:
        x = np.array([[r.get(n, 0.0) for n in self.names] for r in rows], dtype=np.float64)
        return (x - self.mean) / self.std if len(rows) else x.reshape(0, len(self.names))

    def __call__(self, rows: Sequence[Mapping[str, float]]) -> np.ndarray:
        return self.matrix(rows) @ self.weights + self.bias

    def to_json(self) -> dict:
        return {
            "features": list(self.names),
            "weights": [round(float(w), 6) for w in self.weights],
            "mean": [round(float(m), 6) for m in self.mean],
            "std": [round(float(s), 6) for s in self.std],
            "bias": round(float(self.bias), 6),
        }

    @classmethod
    def from_json(cls, d: Mapping) -> Linear:
        return cls(
            tuple(d["features"]),
            np.array(d["weights"], dtype=np.float64),
            np.array(d["mean"], dtype=np.float64),
            np.array(d["std"], dtype=np.float64),
            float(d.get("bias", 0.0)),
        )


# Question types whose candidates are alike share a ranker: what singles out the right
# figure (what it counts, words beside it) is not what singles out a name (its type).
GROUPS = {
    "amount": "figure",
    "percent": "figure",
    "number": "figure",
    "date": "date",
    "actor": "name",
    "place": "name",
    "target": "sentence",
    "text": "sentence",
}


@dataclass(frozen=True)
class Model:
    ranker: Linear  # candidate score; a softmax over a question's candidates
    abstainer: Linear  # log-odds that the chosen candidate answers the question
    threshold: float  # answer when P(right) >= threshold
    rankers: Mapping[str, Linear] | None = None  # per group of types, when trained so
    abstainers: Mapping[str, Linear] | None = None  # per group of types, when trained so

    def ranker_for(self, kind: str) -> Linear:
        """The ranker of the question type's group, else the shared one."""
        return (self.rankers or {}).get(GROUPS.get(kind, ""), self.ranker)

    def choice_features(self, scores: np.ndarray, kind: str) -> dict[str, float]:
        """What the ranker's scores say about its choice: its score, lead and share."""
        order = np.sort(scores)[::-1]
        shares = np.exp(scores - order[0])
        return {
            "top_score": float(order[0]),
            "margin": float(order[0] - order[1]) if len(order) > 1 else 5.0,
            "share": float(1.0 / shares.sum()),
            "n_candidates": math.log1p(len(scores)),
            **{f"kind_{k}": float(k == kind) for k in KINDS},
        }

    def abstainer_for(self, features: Mapping[str, float]) -> Linear:
        """The abstainer of the question type's group (read off the ``kind_*`` features),
        else the shared one: what tells a wrong count (what it counts) is not what tells a
        wrong name (its type)."""
        kind = next((k for k in KINDS if features.get(f"kind_{k}")), "")
        return (self.abstainers or {}).get(GROUPS.get(kind, ""), self.abstainer)

    def p_right(self, features: Mapping[str, float]) -> float:
        z = float(self.abstainer_for(features)([features])[0])
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def untrained() -> Model:
    """Before any training: rank by cosine, overlap and closeness; never abstain. Used only
    by ``bench/train_answers.py`` to read the pool's features the first time."""
    n = len(FEATURES)
    w = np.zeros(n)
    for name, weight in (("sim", 1.0), ("overlap", 1.0), ("ctx", 1.0), ("typed", 1.0)):
        w[FEATURES.index(name)] = weight
    ranker = Linear(FEATURES, w, np.zeros(n), np.ones(n))
    m = len(ABSTAIN_FEATURES)
    return Model(ranker, Linear(ABSTAIN_FEATURES, np.zeros(m), np.zeros(m), np.ones(m)), 0.0)


def to_json(model: Model, meta: Mapping) -> dict:
    return {
        "ranker": model.ranker.to_json(),
        "rankers": {g: r.to_json() for g, r in (model.rankers or {}).items()},
        "abstainer": model.abstainer.to_json(),
        "abstainers": {g: a.to_json() for g, a in (model.abstainers or {}).items()},
        "threshold": round(model.threshold, 6),
        **meta,
    }


@lru_cache(maxsize=4)
def load(path: str | None = None) -> Model:
    """The shipped model (or the one at ``path``)."""
    d = json.loads(Path(path or MODEL_PATH).read_text(encoding="utf-8"))
    rankers = {g: Linear.from_json(r) for g, r in d.get("rankers", {}).items()}
    abstainers = {g: Linear.from_json(a) for g, a in d.get("abstainers", {}).items()}
    return Model(
        Linear.from_json(d["ranker"]),
        Linear.from_json(d["abstainer"]),
        d["threshold"],
        rankers,
        abstainers,
    )
