"""What the chosen evidence lacks of the question's plain words (``qa.key_word``).

The passages and questions are made up for the mechanism they test (a fictional harbour
trust); none is taken from a gold set (tests/test_gold_leak.py checks).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from index.testing import FakeEmbedder, make_chunk, sha
from pipeline.types import Hit
from qa.answer import candidates_for
from qa.corpus import idf
from qa.key_word import gap_features, key_words


def hits(*texts: str) -> list[Hit]:
    doc = sha("doc")
    return [
        Hit(
            chunk=make_chunk(t, doc, case="A HARBOUR CASE", section_path=("Results",)),
            score=1.0,
            rank=i,
        )
        for i, t in enumerate(texts, start=1)
    ]


def gaps(question: str, text: str, embedder=None) -> dict[str, tuple[float, float]]:
    """Each candidate's (key_missing, key_far), by its text."""
    embedder = embedder or FakeEmbedder()
    _, _, cands = candidates_for(question, hits(text), embedder=embedder)
    gap_features(question, cands, None, embedder)
    return {c.text: (c.features["key_missing"], c.features["key_far"]) for c in cands}


def test_key_words_leave_out_names_figures_and_the_asked_type():
    q = "In which year did the Quay Trust open its 12 ferry piers?"
    assert set(key_words(q, idf(None, q)).values()) == {"open", "ferry", "piers"}


def test_a_plain_word_the_passage_never_uses_is_missing():
    q = "What was the yearly budget of the Quay Trust?"
    lacking = gaps(q, "The Quay Trust spent £4 million on the pier in 2020.")
    assert lacking["£4 million"][0] > 0
    stated = gaps(q, "The Quay Trust had a yearly budget of £4 million in 2020.")
    assert stated["£4 million"] == (0.0, 0.0)


def test_a_word_the_passage_uses_away_from_the_answer_is_far():
    q = "What was the yearly budget of the Quay Trust?"
    text = "The Quay Trust sets a yearly budget. In 2020 it spent £4 million on the pier."
    missing, far = gaps(q, text)["£4 million"]
    assert missing == 0.0 and far > 0


class Synonyms:
    """Words alike in meaning share a vector; every other word has one of its own."""

    name = "synonyms"

    def __init__(self, groups: Sequence[set[str]]) -> None:
        self.groups = groups
        self.fake = FakeEmbedder()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = self.fake.embed(texts)
        for row, t in enumerate(texts):
            for i, group in enumerate(self.groups):
                if t in group:
                    out[row] = 0.0
                    out[row, i] = 1.0
        return out


def test_a_paraphrase_in_the_passage_is_no_absence():
    q = "What was the yearly budget of the Quay Trust?"
    text = "The Quay Trust had yearly spending of £4 million in 2020."
    assert gaps(q, text)["£4 million"][0] > 0
    assert gaps(q, text, Synonyms([{"budget", "spending"}]))["£4 million"] == (0.0, 0.0)
