"""Hybrid ranking as a learned linear score over a few features of every chunk.

Why not only reciprocal rank fusion: RRF keeps the ranks of two lists and drops how far
ahead a chunk is, and it cannot use a chunk's context. Here every chunk gets a handful
of per-query features:

- ``bm25``: BM25 of the chunk (its text under its part and section names);
- ``bm25_section`` / ``bm25_page`` / ``bm25_part``: BM25 of its section, its page and its
  part (case), so a passage saying "the Bank" profits from a question naming the bank
  of the case it sits in; the chunk, at most half a page, is still what is cited;
- ``dense``: cosine of the chunk's closest sentence to the question;
- ``typed``: 1 when the question asks for a figure (amount, percent, date, number) and the
  chunk states one of that kind (``index.typed``), else 0.

(The whole chunk vector's cosine was tried as a feature too: fitted weight 0, no gain.)

BM25 features are divided by their best value over the candidate chunks, so the
query's length and rarity drop out; cosines are used as they are. The score is
``Σ weight · feature``; the weights are fitted by ``bench/fit_retrieval.py`` on queries
generated from the indexed text (never on a gold set) and saved in
``index/retrieval_weights.json`` with the command that rebuilt them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import numpy as np

FEATURES = ("bm25", "bm25_section", "bm25_page", "bm25_part", "dense", "typed")
_LEXICAL_FIELD = {
    "bm25": "chunk",
    "bm25_section": "section",
    "bm25_page": "page",
    "bm25_part": "part",
    "typed": "typed",  # 0/1 per chunk: dividing by its best leaves it as it is
}
WEIGHTS_FILE = Path(__file__).with_name("retrieval_weights.json")


@lru_cache(maxsize=4)
def load_weights(path: Path = WEIGHTS_FILE) -> tuple[tuple[str, float], ...]:
    """The fitted weights, as ((feature, weight), ...) in ``FEATURES`` order.

    Raises ValueError on a file naming an unknown feature: a weight silently dropped
    would change the ranking without a word.
    """
    data = json.loads(Path(path).read_text())
    weights = data["weights"]
    unknown = set(weights) - set(FEATURES)
    if unknown:
        raise ValueError(f"{path}: unknown retrieval features {sorted(unknown)}")
    return tuple((f, float(weights.get(f, 0.0))) for f in FEATURES)


def sentence_max(sentences: np.ndarray, owner: np.ndarray, query_vec: np.ndarray) -> np.ndarray:
    """Per chunk row, the cosine of its closest sentence (rows of ``sentences`` belong to
    chunk ``owner[j]``, owners ascending, every chunk owning at least one row)."""
    per_sentence = np.asarray(sentences @ query_vec, dtype=np.float32)
    if not len(per_sentence):
        return per_sentence
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    return np.maximum.reduceat(per_sentence, starts)


def feature_matrix(
    lexical: Mapping[str, np.ndarray], dense: np.ndarray | None, rows: np.ndarray
) -> np.ndarray:
    """Features (columns in ``FEATURES`` order) of the chunk rows ``rows``.

    ``lexical`` holds BM25 arrays per field (``LexicalIndex.field_scores``) and the "typed"
    flags (``LexicalIndex.stated``); ``dense`` the
    closest sentence's cosine per chunk row (None: zeros, e.g. BM25 only).
    """
    out = np.zeros((len(rows), len(FEATURES)), dtype=np.float32)
    for j, name in enumerate(FEATURES):
        if name in _LEXICAL_FIELD:
            col = lexical.get(_LEXICAL_FIELD[name])
            if col is None:
                continue
            v = np.asarray(col, dtype=np.float32)[rows]
            top = float(v.max()) if len(v) else 0.0
            out[:, j] = v / top if top > 0 else v
        elif dense is not None:
            out[:, j] = np.asarray(dense, dtype=np.float32)[rows]
    return out


def fuse(features: np.ndarray, weights: tuple[tuple[str, float], ...]) -> np.ndarray:
    """The linear score of each feature row."""
    w = dict(weights)
    return features @ np.array([w.get(f, 0.0) for f in FEATURES], dtype=np.float32)
