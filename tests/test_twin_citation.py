"""A sentence a case prints twice (its overview repeats its body word for word): the answer
cites the printing in the longer section, where the fact stands with its context."""

from __future__ import annotations

import random

import pytest

from index.testing import FakeEmbedder, make_chunk, sha
from pipeline.types import Hit
from qa.answer import answer_question

SENTENCE = "The harbour trust opened its ferry levy office in {year} on the north quay."


class Sections:
    """An index of chunks only: the answer reads section sizes from it."""

    def __init__(self, chunks) -> None:
        self._chunks = chunks

    def chunks(self):
        return self._chunks

    def sentence_vectors(self, texts):
        return {}

    def entities(self, **kw):
        return []


@pytest.mark.parametrize("seed", range(4))
def test_the_twin_in_the_longer_section_is_cited(seed: int) -> None:
    rng = random.Random(seed)
    year = rng.randrange(1950, 2030)
    doc = sha("doc")
    fact = SENTENCE.format(year=year)
    filler = "The quay was busy with boats and traders every morning of the week."
    short, long_ = rng.sample(["At a glance", "How the trust worked", "Results"], 2)
    page_short, page_long = rng.sample(range(2, 60), 2)
    overview = make_chunk(fact, doc, case="HARBOUR", section_path=(short,), page=page_short)
    body = make_chunk(
        f"{filler} {fact}", doc, case="HARBOUR", section_path=(long_,), page=page_long
    )
    more_body = [
        make_chunk(f"{filler} ({i})", doc, case="HARBOUR", section_path=(long_,), page=page_long)
        for i in range(rng.randrange(1, 4))
    ]
    order = [overview, body]
    rng.shuffle(order)  # whichever the retriever ranks first
    hits = [Hit(chunk=c, score=1.0, rank=i) for i, c in enumerate(order, 1)]
    index = Sections([overview, body, *more_body])
    ans = answer_question(
        "When did the harbour trust open its ferry levy office?",
        hits,
        embedder=FakeEmbedder(),
        index=index,
        threshold=0.0,
    )
    assert str(year) in ans.answer
    assert ans.citations[0].pdf_page == page_long
    assert ans.hits[0].chunk.id == body.id
