"""The time between two events, from two dates the passages state (qa.arithmetic).

Made-up passages about a fictional harbour town; the years and months are drawn at random
so that no answer is pinned.
"""

from __future__ import annotations

import random

import pytest

from index.testing import FakeEmbedder
from qa.answer import answer_question
from qa.arithmetic import asks_elapsed
from tests.test_answer_unit import hits


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("How many years lay between the trust's founding and the levy?", "years"),
        ("How many months after the vote did the ferry start?", "months"),
        ("Roughly how much time separated the two harbour plans?", "years"),
        ("How many years does the harbour plan span?", "years"),
        ("How many years does the harbour plan cover?", None),  # a stated duration answers
        ("How many ferries did the trust buy after the vote?", None),
        ("When did the levy start?", None),
    ],
)
def test_what_asks_for_time_between_two_events(question, unit):
    assert asks_elapsed(question) == unit


@pytest.mark.parametrize("seed", range(4))
def test_the_years_between_two_stated_events(seed):
    rng = random.Random(seed)
    a, b = sorted(rng.sample(range(1990, 2030), 2))
    passages = [
        f"The harbour trust was founded in {a} by the town council.",
        f"The ferry levy, the trust's first tax, began in {b} after a long debate.",
    ]
    rng.shuffle(passages)
    ans = answer_question(
        "How many years lay between the founding of the harbour trust and the start of "
        "the ferry levy?",
        hits(*passages),
        embedder=FakeEmbedder(),
    )
    assert not ans.abstained
    assert ans.answer == (f"{b - a} years" if b - a != 1 else "1 year")
    assert {c.quote for c in ans.citations} == set(passages)


def test_months_between_two_dated_events_and_a_range_that_spans():
    ans = answer_question(
        "How many months after the harbour vote did the ferry start running?",
        hits(
            "The harbour vote was held in March 2021 in the town hall.",
            "The ferry started running in November 2021 between the two piers.",
        ),
        embedder=FakeEmbedder(),
    )
    assert ans.answer == "8 months"
    ans = answer_question(
        "How many years does the harbour plan span?",
        hits("The harbour plan (2016-2029) sets the town's course for the piers."),
        embedder=FakeEmbedder(),
    )
    assert ans.answer == "13 years"


def test_one_date_is_not_a_difference():
    ans = answer_question(
        "How many years lay between the founding of the trust and the levy?",
        hits("The harbour trust was founded in 2004 by the town council."),
        embedder=FakeEmbedder(),
        threshold=0.0,
    )
    assert ans.answer != "0 years" and "years" not in ans.answer
