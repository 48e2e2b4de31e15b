"""A name's type is what most of its mentions read as, not what one stray label says.

The mentions are built by hand (invented names, random counts), so the vote is tested apart
from the parser: a table cell the model happens to read as a person must not turn a body
written many times in prose into a person (who is then dropped for a body's head noun).
"""

from __future__ import annotations

import random

import pytest

from pipeline.actors import _Mention
from pipeline.canonical import _canonicalize

WORDS = ["Tarn", "Vell", "Osk", "Marra", "Quill", "Brenn", "Sola", "Dun"]


def _items(mentions: list[_Mention]) -> list[tuple[int, str | None, _Mention]]:
    return [(i, "case-1", m) for i, m in enumerate(mentions)]


@pytest.mark.parametrize("seed", range(8))
def test_one_person_label_does_not_outvote_the_prose(seed: int) -> None:
    rng = random.Random(seed)
    place = rng.choice(WORDS)
    # a body's head noun, or none: the vote decides either way
    head = rng.choice(["Care System", "Water Board", "Data Office", f"{rng.choice(WORDS)}"])
    full = f"{place} {head}"
    prose = [
        _Mention(0, len(full), full, "organisation", "title", label="ORG")
        for _ in range(rng.randint(2, 12))
    ]
    cell = _Mention(0, len(full), full, "person", "spacy", label="PERSON", support=True)
    out = _canonicalize(_items([*prose, cell]))
    assert {name for name, _t, _s in out.values()} == {full}, out
    assert "person" not in {t for _n, t, _s in out.values()}, out  # a body or a programme


@pytest.mark.parametrize("seed", range(4))
def test_a_person_read_once_as_a_body_stays_a_person(seed: int) -> None:
    rng = random.Random(seed)
    name = f"{rng.choice(WORDS)} {rng.choice(WORDS)}son"
    people = [
        _Mention(0, len(name), name, "person", "spacy", label="PERSON")
        for _ in range(rng.randint(2, 5))
    ]
    stray = _Mention(0, len(name), name, "organisation", "spacy", label="ORG")
    out = _canonicalize(_items([*people, stray]))
    assert {t for _n, t, _s in out.values()} == {"person"}, out
