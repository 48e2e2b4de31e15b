"""Name answers: the kind of actor a question names against what the index says a name is.

Invented passages with randomised names (several seeds): the features must follow the
mechanism, not a name. None is taken from a gold set (tests/test_gold_leak.py checks).
"""

from __future__ import annotations

import random

import pytest

from index.testing import FakeEmbedder, make_chunk, sha
from pipeline.types import Entity, Hit
from qa.answer import candidates_for
from qa.question import asked_kind

SYLLABLES = ("vor", "qel", "mab", "tur", "zin", "pok", "das", "lun", "fer", "gim", "rho", "sut")


def word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


class Described:
    """An index whose extractor recorded what each actor is (type, role, descriptions)."""

    def __init__(self, texts: list[str], actors: list[dict]) -> None:
        self._chunks = [make_chunk(t, sha("corpus")) for t in texts]
        self._actors = actors

    def chunks(self):
        return self._chunks

    def sentence_vectors(self, texts):
        return {}

    def entities(self, types=None, chunk_ids=None, **kw):
        if chunk_ids is not None:
            return []
        return [
            Entity("actor", a["name"], "elsewhere", sha("x"), "d", None, "", None, 1,
                   (0, len(a["name"])), a)
            for a in self._actors
        ]  # fmt: skip


def features(question: str, text: str, index) -> dict[str, dict[str, float]]:
    doc = sha("doc")
    hit = Hit(chunk=make_chunk(text, doc, case="A CASE", section_path=("Results",)), score=1.0)
    _, _, cands = candidates_for(question, [hit], embedder=FakeEmbedder(), index=index)
    return {c.text.strip(" .,"): c.features for c in cands}


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Which regional agency paid for the new pier?", "regional agency"),
        ("Which council approved the ferry plan in 2020?", "council"),
        ("What platform do the tenants use to report repairs?", "platform"),
        ("What is the name of the body that runs the harbour?", "body"),
        ("Which organisation set up the fund?", "organisation"),
        ("Who chaired the harbour trust?", "chaired harbour trust"),
        ("Which Vorqel harbour authority ran the pier?", "harbour authority"),
        ("Which QX lending agency paid for the pier?", "QX lending agency"),
        ("How did the pier reopen?", ""),
    ],
)
def test_the_kind_a_question_asks_for(question, kind):
    assert asked_kind(question) == kind


@pytest.mark.parametrize("seed", range(5))
def test_the_kind_asked_is_compared_with_what_the_index_says_a_name_is(seed):
    """Two names in one sentence, as close to the question's words: the one the index
    describes as the kind asked for ("an agency") scores higher on ``kind_sim``."""
    rng = random.Random(seed)
    body = f"{word(rng)} {word(rng)} Trust"
    person = f"{word(rng)} {word(rng)}"
    place = word(rng)
    text = f"{person}, with the {body}, backed the {place} pier scheme in 2019."
    index = Described(
        [text],
        [
            {"name": body, "actor_type": "organisation", "role": None,
             "mentions": [body, "the regional lending agency"]},
            {"name": person, "actor_type": "person", "role": "Chief Harbour Official",
             "mentions": [person]},
        ],
    )  # fmt: skip
    f = features(f"Which agency backed the {place} pier scheme?", text, index)
    assert f[f"the {body}"]["kind_sim"] > f[person]["kind_sim"] + 0.1
    g = features(f"Which official backed the {place} pier scheme?", text, index)
    assert g[person]["kind_sim"] > g[f"the {body}"]["kind_sim"] + 0.1
    # a question that names no kind gives the feature nothing to say
    h = features(f"When was the {place} pier scheme backed?", text, index)
    assert all(v.get("kind_sim", 0.0) == 0.0 for v in h.values())
