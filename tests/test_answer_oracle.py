"""bench/answer_oracle.py's classes of answer failures, on made-up text.

The passages, names and figures are invented for the mechanism (a fictional harbour
town); none comes from a gold set (tests/test_gold_leak.py checks).
"""

from __future__ import annotations

import random

import pytest

from bench import answer_oracle as oracle
from index.testing import FakeEmbedder
from qa.answer import candidates_for
from tests.test_answer_unit import hits


@pytest.mark.parametrize(
    ("answer", "kind", "shape"),
    [
        ("2011–2014", "date", "year-range"),
        ("from 2011 to 2014", "text", "year-range"),
        ("about 40%", "percent", "figure"),
        ("over 1,200 new moorings on the quay", "number", "figure+phrase"),
        ("doubling the fleet", "target", "phrase"),
        ("twelve", "number", "figure-in-words"),
        ("May 1998", "date", "date-with-month"),
        ("the Quay Trust and the Pier Board", "actor", "list"),
        ("the old harbour front", "place", "name-lower"),
        ("Port Alder", "place", "name"),
    ],
)
def test_a_gold_answer_is_named_by_its_form(answer, kind, shape):
    assert oracle.gold_shape(answer, kind) == shape


def test_where_a_wrong_choice_stands_from_the_right_one():
    text_a = "The Quay Trust was led by Ada Okoro, the Pier Board by Ben Lusk, for years."
    text_b = "Later the harbour hired Cora Mint, a pilot. Dov Reyes chaired the pier."
    _, _, cands = candidates_for(
        "Who led the Quay Trust?", hits(text_a, text_b), embedder=FakeEmbedder()
    )
    by = {c.text: c for c in cands}
    assert oracle.where(by["Ben Lusk"], by["Ada Okoro"]) == "rank/sentence"
    assert oracle.where(by["Dov Reyes"], by["Cora Mint"]) == "rank/passage"
    assert oracle.where(by["Cora Mint"], by["Ada Okoro"]) == "rank/other"
    assert [oracle._bucket(r) for r in (2, 3, 5, 6, 40)] == ["2", "3-5", "3-5", "6+", "6+"]


def test_year_ranges_and_figures_in_any_spelling_are_told_apart():
    rng = random.Random(11)
    for _ in range(50):
        a = rng.randint(1950, 2040)
        b = a + rng.randint(1, 15)
        sep = rng.choice(["-", "–", "—", " to ", " - "])
        tail = str(b) if rng.random() < 0.7 else str(b)[2:]
        assert oracle.gold_shape(f"{a}{sep}{tail}", rng.choice(["date", "text"])) == "year-range"
        n = f"{rng.randint(2, 99_999):,}"
        qual = rng.choice(["", "about ", "over ", "nearly "])
        assert oracle.gold_shape(f"{qual}{n}%", "percent") == "figure"
