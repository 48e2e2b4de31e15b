"""Whether the chosen span can answer what is asked: the asked thing and the kind of name.

The passages and questions are made up for the mechanism they test (a fictional harbour
trust and town); none is taken from a gold set (tests/test_gold_leak.py checks).
"""

from __future__ import annotations

import random

import pytest

from index.testing import FakeEmbedder, make_chunk, sha
from pipeline.types import Hit
from qa.answer import answer_question, candidates_for
from qa.candidates import Candidate, Sentence
from qa.features import GROUNDING_FEATURES, asked_similarity, grounding_features
from qa.question import asked_phrase, name_words, question_type


def hits(*texts: str) -> list[Hit]:
    doc = sha("doc")
    return [
        Hit(chunk=make_chunk(t, doc, case="A HARBOUR CASE", section_path=("Results",)), score=1.0,
            rank=i)
        for i, t in enumerate(texts, start=1)
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("What is the yearly fee of the Quay Trust?", "yearly fee"),
        ("Who is the chief warden of the Quay Trust?", "chief warden"),
        ("Who led the Harbour Panel?", "led"),
        ("In what year was the Quay Trust set up?", "set up"),
        ("How much capital did the Hill Council commit at launch?", "capital"),
        ("What is Ostrava's weekly ferry fare?", "weekly ferry fare"),
        ("How many wardens does the Quay Trust employ?", "wardens"),
        ("Which year did the Quay Trust open?", "open"),
        ("How much money did the Quay Trust raise?", "raise"),
        ("How many did the Quay Trust hire?", ""),  # its kind only: nothing else asked
    ],
)
def test_the_asked_thing_is_read_from_the_wording(question, asked):
    assert asked_phrase(question, question_type(question)) == asked


def test_a_word_of_letters_and_digits_names_something():
    assert "k9x" in name_words("Who is the present chair of k9x?")
    assert "G20" in name_words("When did the G20 meet in the town?")
    assert name_words("Is a 30-minute town a good idea?") == ()


def test_a_figure_beside_the_asked_thing_is_closer_to_it_than_one_beside_another():
    q = "What is the yearly fee of the Quay Trust?"
    paired = "The Quay Trust charges a yearly fee of £4 million to its members."
    other = "The Quay Trust spent £4 million on new boats and a slipway."
    emb = FakeEmbedder()

    def sim(text: str) -> float:
        _, _, cands = candidates_for(q, hits(text), embedder=emb)
        best = next(c for c in cands if "4 million" in c.text)
        asked_similarity(q, question_type(q), [best], emb)
        return best.features["asked_sim"]

    assert sim(paired) > sim(other)


def test_a_question_that_asks_only_its_kind_has_nothing_to_contradict():
    q = "How many did the Quay Trust hire?"
    emb = FakeEmbedder()
    _, _, cands = candidates_for(q, hits("The Quay Trust hired 14 wardens."), embedder=emb)
    asked_similarity(q, question_type(q), cands, emb)
    assert cands and all(c.features["asked_sim"] == 1.0 for c in cands)


def test_the_answer_reports_every_grounding_feature_of_its_choice():
    trace: list[Candidate] = []
    answer_question(
        "What is the yearly fee of the Quay Trust?",
        hits("The Quay Trust charges a yearly fee of £4 million."),
        embedder=FakeEmbedder(),
        threshold=0.0,
        trace=trace,
    )
    chosen = max(trace, key=lambda c: c.score)
    assert set(GROUNDING_FEATURES) <= set(chosen.features)


@pytest.mark.parametrize(
    ("question", "typed", "clash"),
    [
        ("Which organisation runs the ferries?", "place", 1.0),
        ("Which organisation runs the ferries?", "organisation", 0.0),
        ("Who runs the ferries?", "programme", 1.0),
        ("Who runs the ferries?", "person", 0.0),
        ("Who runs the ferries?", None, 0.0),  # untyped: nothing to contradict
        ("Where are the ferries built?", "person", 1.0),
    ],
)
def test_a_name_of_another_kind_than_the_one_asked_clashes(question, typed, clash):
    h = hits("Ostrava runs the ferries.")[0]
    c = Candidate(Sentence(h.chunk.text, h, 0), (0, 7), typed)
    grounding_features(question, question_type(question), [c])
    assert c.features["type_clash"] == clash


def test_the_pool_asks_attributes_the_case_states_and_ones_it_never_does():
    from bench.train_answers import Fact, attr_questions, beside

    sentence = "In 2019 the Quay Trust set a budget of £4 million for new boats."
    a = sentence.index("£4 million")
    f = Fact("g", "c", (a, a + len("£4 million")), sentence, 0, "amount", "amount")
    assert "budget" in beside(f)
    made = attr_questions(
        f, ["Quay", "Trust", "boats"], random.Random(1), ["budget", "salary"], {"budget", "boat"}
    )
    answerable = [q for q, ok in made if ok]
    unanswerable = [q for q, ok in made if not ok]
    assert answerable and "budget" in answerable[0]
    # the case uses "budget": only an attribute it never uses makes the unanswerable twin
    assert unanswerable and "salary" in unanswerable[0] and "budget" not in unanswerable[0]
    assert all(question_type(q) == "amount" for q, _ in made)
