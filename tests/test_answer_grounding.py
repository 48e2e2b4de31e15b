"""What the evidence must hold of the question's names, for words spelt with digits too.

The passages and questions are made up for the mechanism they test (a fictional harbour
trust and panel); none is taken from a gold set (tests/test_gold_leak.py checks).
"""

from __future__ import annotations

from index.testing import FakeEmbedder, make_chunk, sha
from pipeline.types import Hit
from qa.answer import answer_question, candidates_for
from qa.question import name_words


def hits(*texts: str, case: str = "A HARBOUR CASE") -> list[Hit]:
    doc = sha("doc")
    return [
        Hit(chunk=make_chunk(t, doc, case=case, section_path=("Results",)), score=1.0, rank=i)
        for i, t in enumerate(texts, start=1)
    ]


def test_a_word_of_letters_and_digits_names_something():
    assert "k9x" in name_words("Who is the present chair of k9x?")
    assert "G20" in name_words("When did the G20 meet in the town?")
    assert name_words("Is a 30-minute town a good idea?") == ()
    assert name_words("How many COVID-19 wards did the Quay Trust open?") == (
        "COVID",
        "Quay",
        "Trust",
    )


def names_missing(question: str, text: str, case: str = "A HARBOUR CASE") -> float:
    _, _, cands = candidates_for(question, hits(text, case=case), embedder=FakeEmbedder())
    return max(c.features["names_missing"] for c in cands)


def test_a_coded_name_the_passage_lacks_counts_as_missing():
    q = "Who is the present chair of k9x?"
    assert names_missing(q, "Ada Okoro chairs the Hill Panel, which meets monthly.") == 1.0
    assert names_missing(q, "Ada Okoro chairs k9x, which meets monthly.") == 0.0
    # the case's title names it: the passage is about it
    assert names_missing(q, "Ada Okoro chairs the panel.", case="THE HILL PANEL (K9X)") == 0.0


def test_a_passage_without_the_coded_name_lowers_the_belief_in_the_answer():
    q = "Who is the present chair of k9x?"
    other = answer_question(
        q, hits("Ada Okoro chairs the Hill Panel, which meets monthly."), embedder=FakeEmbedder()
    )
    named = answer_question(
        q, hits("Ada Okoro chairs k9x, which meets monthly."), embedder=FakeEmbedder()
    )
    assert other.confidence < named.confidence
    assert any(m["text"] == "k9x" for m in other.missing)
