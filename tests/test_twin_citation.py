"""A sentence a case prints twice (its overview repeats its body word for word): the answer
cites the printing in the longer section, where the fact stands with its context."""

from __future__ import annotations

import random

import pytest

from index.testing import FakeEmbedder, make_chunk, sha
from pipeline.types import Chunk, Hit
from qa.answer import answer_question

SENTENCE = "The harbour trust opened its ferry levy office in {year} on the north quay."


class Sections:
    """An index of chunks only: the answer reads section sizes from it."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self._chunks = chunks

    def chunks(self) -> list[Chunk]:
        return self._chunks

    def sentence_vectors(self, texts: list[str]) -> dict:
        return {}

    def entities(self, **kw: object) -> list:
        return []


@pytest.mark.parametrize(("seed", "other_document"), [(s, s == 3) for s in range(5)])
def test_the_twin_in_the_longer_section_is_cited(seed: int, other_document: bool) -> None:
    rng = random.Random(seed)
    year = rng.randrange(1950, 2030)
    doc = sha("doc")
    fact = SENTENCE.format(year=year)
    filler = "The quay was busy with boats and traders every morning of the week."
    short, long_ = rng.sample(["At a glance", "How the trust worked", "Results"], 2)
    page_short, page_long = rng.sample(range(2, 60), 2)
    overview = make_chunk(fact, doc, case="HARBOUR", section_path=(short,), page=page_short)
    body = make_chunk(
        f"{filler} {fact}",
        sha("other edition") if other_document else doc,
        case="HARBOUR",
        section_path=(long_,),
        page=page_long,
    )
    more_body = [
        make_chunk(f"{filler} ({i})", doc, case="HARBOUR", section_path=(long_,), page=page_long)
        for i in range(rng.randrange(1, 4))
    ]
    order = [overview, body]
    if not other_document:
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
    if other_document:  # another edition's printing is no twin: retrieval's order stands
        assert ans.citations[0].pdf_page == order[0].pdf_pages[0]
    else:
        assert ans.citations[0].pdf_page == page_long
        assert ans.hits[0].chunk.id == body.id
