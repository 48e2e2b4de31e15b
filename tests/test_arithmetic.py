"""Figures two stated ones give (qa.arithmetic): the time between two events, a total, a
ratio, a difference.

Made-up passages about a fictional harbour town; the years and months are drawn at random
so that no answer is pinned, and distractor dates stand in the passages as they do in a
casebook.
"""

from __future__ import annotations

import random

import pytest

from index.testing import FakeEmbedder
from pipeline.types import Answer
from qa.answer import answer_question
from qa.arithmetic import asks_combined, asks_elapsed, two_events
from qa.question import question_type
from tests.test_answer_unit import hits


def ask(question: str, *passages: str, threshold: float | None = None) -> Answer:
    """``answer_question`` over made-up passages of one case, with the test embedder."""
    return answer_question(question, hits(*passages), embedder=FakeEmbedder(), threshold=threshold)


@pytest.mark.parametrize(
    ("question", "unit"),
    [
        ("How many years lay between the trust's founding and the levy?", "years"),
        ("How many months after the vote did the ferry start?", "months"),
        ("How much time separated the two harbour plans?", "auto"),
        ("How long after the harbour vote did the ferry start?", "auto"),
        ("How many years does the harbour plan span?", "years"),
        ("How many years does the harbour plan cover?", None),  # a stated duration answers
        ("How many years of tide data were kept before the reform?", None),
        ("How long is the waiting period after enrolment?", None),
        ("How long is the bridge between the pier and the town?", None),
        ("How many ferries did the trust buy after the vote?", None),
        ("When did the levy start?", None),
    ],
)
def test_what_asks_for_time_between_two_events(question: str, unit: str | None) -> None:
    assert asks_elapsed(question) == unit


@pytest.mark.parametrize("seed", range(4))
def test_the_years_between_two_stated_events_among_other_dates(seed: int) -> None:
    rng = random.Random(seed)
    a, b, other = rng.sample(range(1960, 2030), 3)
    founded = f"The harbour trust was founded in {a} by the town council."
    levy = f"The ferry levy began in {b} after a long debate."
    noise = f"The lighthouse on the cape was repainted in {other} by volunteers."
    passages = [founded, levy, noise]
    rng.shuffle(passages)
    ans = ask(
        "How many years lay between the founding of the harbour trust and the start of the "
        "ferry levy?",
        *passages,
    )
    assert not ans.abstained
    assert ans.answer == (f"{abs(b - a)} years" if abs(b - a) != 1 else "1 year")
    assert {c.quote for c in ans.citations} == {founded, levy}


@pytest.mark.parametrize(
    ("question", "events"),
    [
        (
            "How many years lay between the pier's opening and the ferry levy's start?",
            ("the pier's opening", "the ferry levy's start"),
        ),
        (
            "How many months after the harbour vote was held did the ferry start?",
            ("the harbour vote was held", "the ferry start"),
        ),
        (
            "How many years sooner did the levy come in than the trust's pier tax?",
            ("the levy come in", "the trust's pier tax"),
        ),
        (
            "How much time separates the vote and the first sailing?",
            ("the vote", "the first sailing"),
        ),
        ("How many years after 2010 did the harbour trust start its ferry levy?", None),
        ("How many years does the harbour plan span?", None),
        # one event (the other is its start), or "between" inside a name: no split
        ("How many years had passed before the ferry levy was repealed?", None),
        ("How long did the pier partnership between the trust and the town last?", None),
        ("How many years did the ferry scheme run before it was reviewed?", None),
        (
            "How many years after the vote did the trust have its first audit?",
            ("the vote", "the trust have its first audit"),
        ),
        (
            "How many years lay between the opening of the Ferry and Quay Board and its audit?",
            ("the opening of the Ferry and Quay Board", "its audit"),
        ),
        (
            "How many years after the vote was the levy raised, and by whom?",
            ("the vote", "the levy raised"),
        ),
        ("How many years apart were the vote and the audit?", ("the vote", "the audit")),
        (
            "How many years lay between when the pier opened and when it closed?",
            ("the pier opened", "it closed"),
        ),
    ],
)
def test_the_two_events_a_question_names(question: str, events: tuple | None) -> None:
    assert two_events(question) == events
    if events:
        assert asks_elapsed(question)  # the answer path reaches it


@pytest.mark.parametrize("seed", range(4))
def test_each_event_s_date_is_read_for_its_own_clause(seed: int) -> None:
    """The passage the whole question resembles most holds a third date; each event's own
    clause finds its year."""
    rng = random.Random(seed)
    a, b, other = rng.sample(range(1960, 2030), 3)
    passages = [
        f"The harbour trust opened its pier in {a} on the north quay.",
        f"The harbour trust started the ferry levy in {b} for the south quay.",
        f"The harbour trust of the north and south quay held a pier and ferry levy review in "
        f"{other}.",
    ]
    rng.shuffle(passages)
    ans = ask(
        "How many years lay between the harbour trust opening its pier and the harbour "
        "trust starting the ferry levy?",
        *passages,
    )
    assert ans.answer == (f"{abs(b - a)} years" if abs(b - a) != 1 else "1 year")


def test_two_dates_of_one_sentence_and_a_year_the_question_states() -> None:
    ans = ask(
        "How many years lay between the founding of the harbour trust and its ferry levy?",
        "The harbour trust, founded in 2004, started its ferry levy in 2012.",
    )
    assert ans.answer == "8 years"
    ans = ask(
        "How many years after 2010 did the harbour trust start its ferry levy?",
        "The harbour trust started its ferry levy in 2016 on the quay.",
    )
    assert ans.answer == "6 years"


def test_months_between_two_dated_events_and_a_range_that_spans() -> None:
    for question in (
        "How many months after the harbour vote did the ferry start running?",
        "How long after the harbour vote did the ferry start running?",
    ):
        ans = ask(
            question,
            "The harbour vote was held in March 2021 in the town hall.",
            "The ferry started running in November 2021 between the two piers.",
        )
        assert ans.answer == "8 months", question
    ans = ask(
        "How many years does the harbour plan span?",
        "The harbour plan (2016-2029) sets the town's course for the piers.",
    )
    assert ans.answer == "13 years"


def test_no_difference_without_two_dates_on_the_subject() -> None:
    for passages in (
        ["The harbour trust was founded in 2004 by the town council."],
        ["Orchards bloomed in 1990.", "Rain fell in 2001."],  # no word of the question
        ["The harbour plan (2016 to now) sets the town's course."],  # an open end
    ):
        ans = ask(
            "How many years lay between the founding of the harbour trust and the levy?",
            *passages,
            threshold=0.0,
        )
        assert "year" not in ans.answer, passages


@pytest.mark.parametrize(
    ("question", "how"),
    [
        ("Adding the levy to the grant, how much money does the trust get?", "sum"),
        ("Counting both wardens and pilots, how many staff does the trust have?", "sum"),
        ("How many times bigger is the levy than the grant?", "ratio"),
        ("What do the trust's grants total?", None),  # a stated total
        ("How many wardens does the trust have?", None),
        ("How many times did the harbour board meet?", None),  # occasions, not a ratio
    ],
)
def test_what_asks_for_a_total_or_a_ratio(question: str, how: str | None) -> None:
    assert asks_combined(question, question_type(question)) == how


@pytest.mark.parametrize("seed", range(3))
def test_a_total_and_a_ratio_of_two_stated_figures(seed: int) -> None:
    rng = random.Random(seed)
    levy, grant = rng.sample(range(2, 90), 2)
    wardens, pilots = rng.sample(range(11, 400), 2)
    passages = [
        f"The ferry levy raises £{levy} million a year for the harbour trust.",
        f"A regional grant gives the harbour trust a further £{grant} million a year.",
        f"The harbour trust employs {wardens} wardens and {pilots} pilots on the quay.",
        "The lighthouse was repainted by 30 volunteers.",
    ]
    rng.shuffle(passages)
    ans = ask(
        "Adding the ferry levy to the regional grant, how much money does the harbour trust "
        "get a year?",
        *passages,
    )
    assert ans.answer == f"£{levy + grant} million"
    assert len(ans.citations) == 2
    ans = ask(
        "Counting both wardens and pilots, how many people does the harbour trust employ?",
        *passages,
    )
    assert ans.answer == f"{wardens + pilots:,}"


@pytest.mark.parametrize(
    ("levy", "grant", "want"),
    [(27, 3, "about 9 times"), (10, 4, "about 2.5 times"), (6, 5, "about 1.2 times")],
)
def test_a_ratio_of_two_stated_amounts(levy: int, grant: int, want: str) -> None:
    ans = ask(
        "How many times bigger is the ferry levy than the regional grant for the harbour trust?",
        f"The ferry levy raises £{levy} million a year for the harbour trust.",
        f"A regional grant gives the harbour trust a further £{grant} million a year.",
    )
    assert ans.answer == want and ans.answer_type == "number"


def test_a_stated_total_is_not_added_to_its_part() -> None:
    ans = ask(
        "What combined budget did the two harbour councils have?",
        "The two harbour councils had a combined budget of £80 million last year.",
        "The north harbour council's budget was £50 million last year.",
        threshold=0.0,
    )
    assert ans.answer != "£130 million"


def test_a_computed_answer_abstains_when_its_passages_lack_the_question_s_name() -> None:
    ans = ask(
        "Counting both wardens and pilots, how many people does the Vorland harbour employ?",
        "The Ruritan harbour employs 30 wardens and 12 pilots on the quay.",
    )
    assert ans.abstained and any(m["text"] == "Vorland" for m in ans.missing)


@pytest.mark.parametrize(
    ("question", "how"),
    [
        ("By how many points did the harbour's vacancy rate fall after the reform?", "difference"),
        ("How far short was the ferry trust of its warden goal last year?", "difference"),
        ("How far was the trust from its warden target in 2024?", "difference"),
        ("How many more wardens must the trust hire to reach its goal?", "difference"),
        ("How much higher was the levy than the grant?", "difference"),
        ("What percentage difference between the two vacancy rates remains?", "difference"),
        ("Is there much difference between piers and jetties?", None),  # not a figure
        ("How many more ferries will the new levy pay for?", None),  # a figure stated as more
        ("How far is the new ferry terminal from the old harbour?", None),  # a distance
        ("How far behind schedule was the pier in 2023?", None),
    ],
)
def test_what_asks_for_a_difference(question: str, how: str | None) -> None:
    assert asks_combined(question, question_type(question)) == how


@pytest.mark.parametrize("seed", range(4))
def test_a_difference_of_two_stated_figures(seed: int) -> None:
    """A fall from one share to another, and a count below the goal set for it: the gap, computed;
    the figures are drawn at random so that no answer is pinned."""
    rng = random.Random(seed)
    before, after = sorted(rng.sample(range(5, 60), 2), reverse=True)
    now, goal = sorted(rng.sample(range(20, 900), 2))
    passages = [
        f"The harbour's vacancy rate fell from {before}% in 2019 to {after}% in 2024.",
        f"The trust employs {now} wardens today and aims to employ {goal} wardens by 2030.",
        "The lighthouse was repainted in 2021 by 30 volunteers.",
    ]
    rng.shuffle(passages)
    ans = ask(
        "By how many points did the harbour's vacancy rate drop from 2019 to 2024?",
        *passages,
        threshold=0.0,
    )
    assert ans.answer == f"{before - after} percentage points", passages
    ans = ask(
        "How many more wardens does the trust still have to employ to reach its goal?",
        *passages,
        threshold=0.0,
    )
    assert ans.answer == f"{goal - now:,}", passages


def test_a_stated_change_is_not_computed_again() -> None:
    ans = ask(
        "How many more wardens does the trust still need to reach its goal?",
        "The trust still needs 140 more wardens to reach its goal of 600 wardens by 2030.",
        threshold=0.0,
    )
    assert "140" in ans.answer and "460" not in ans.answer, ans.answer


@pytest.mark.parametrize(
    ("question", "passage", "want", "not_want"),
    [
        # the second figure is the stated change
        (
            "How much higher was the harbour levy than the grant?",
            "The harbour levy raised €40 million, €12 million more than the grant.",
            "12",
            "28",
        ),
        (
            "How many more wardens does the trust still need to reach its goal?",
            "The trust has hired 460 wardens, leaving 140 wardens still to be hired.",
            "140",
            "320",
        ),
        # "of" before a level is no change: the two levels give it
        (
            "By how many points did the harbour's vacancy rate fall?",
            "The harbour's vacancy rate of 20% in 2019 fell to 14% in 2024.",
            "6 percentage points",
            "",
        ),
        # points of a score, not of a share
        (
            "By how many points did the harbour's safety score fall?",
            "The harbour's safety score fell from 62 points in 2019 to 48 points last year.",
            "14",
            "62",
        ),
    ],
)
def test_differences_read_the_text_s_own_change_and_levels(question, passage, want, not_want):
    ans = ask(question, passage, threshold=0.0)
    assert want in ans.answer and (not not_want or not_want not in ans.answer), ans.answer
