"""Which kinds of figure a passage states, for the retrieval feature ``typed``.

Why: a question asks for a kind of span ("when …" a date, "how many …" a number), and of
two passages about the same thing the one that states such a span is the likelier
evidence: the passage that only repeats the case's name loses to the one with the figure.
The question's kind comes from ``pipeline.asked.question_type`` (shared with ``qa/``);
the passage's kinds are read here once per chunk when the BM25 cache is built, so a query
only looks them up. The weight is fitted on generated queries (``bench/fit_retrieval.py``),
never set by hand.

The patterns are general forms of the four figure types (a currency sign or a scale word
after a figure, a per-cent sign or word, a year of the 19th to 21st century, any digit),
not read from any question.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from pipeline.asked import question_type
from pipeline.quantities import YEAR

KINDS = ("amount", "percent", "date", "number")
PATTERNS = {
    "amount": re.compile(r"[£€$¥₹]\s?\d|\d[\d,.]*\s?(?:million|billion|bn|trillion)\b", re.I),
    "percent": re.compile(r"\d\s?%|\bper ?cent\b", re.I),
    "date": re.compile(rf"\b{YEAR}\b"),
    "number": re.compile(r"\d"),
}


def asked_kind(question: str) -> str | None:
    """The figure kind the question asks for (``KINDS``), or None for names and text."""
    kind = question_type(question)
    return kind if kind in PATTERNS else None


def stated_kinds(texts: Sequence[str]) -> np.ndarray:
    """Per kind (rows in ``KINDS`` order) and text: 1.0 when the text states one."""
    return np.array(
        [[1.0 if PATTERNS[k].search(t) else 0.0 for t in texts] for k in KINDS],
        dtype=np.float32,
    ).reshape(len(KINDS), len(texts))
