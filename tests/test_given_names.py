"""People's names the model labels ORG are people when they open with a known given name.

Names are invented at random: a first name drawn from the list ``gender-guesser`` ships,
a surname of made-up syllables; bodies carry the same kind of first word and an
organisation suffix. Sentence frames vary; the model reads many of these people as ORG.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from pipeline.entities import extract_entities, load_nlp
from pipeline.given_names import given_names, is_given_name
from tests.test_entities import _chunk

SYLLABLES = ["vel", "mar", "tor", "quin", "dal", "bre", "sor", "lin", "kav", "ost", "rum", "pel"]
SUFFIXES = ["Ltd", "Institute", "Council", "Fund", "Bank", "Foundation", "Trust"]
# {p}: the person, {o}: a body, {t}: a book's title, {pl}: a place
FRAMES = [
    "The approach draws on ideas set out by {p} in {t}, a short book on rents. "
    "Funding came from the {o}.",
    "The scheme was opened in 2019 by the Mayor of {pl}, {p}. The {o} paid for it.",
    "A grant from the {o} paid for the pilot, and {p} led the field work.",
    "In an interview, {p} said that the {o} had moved too slowly.",
    "Staff at the {o} worked with {p} on the new rules.",
]


@pytest.fixture(scope="module")
def nlp() -> Any:
    return load_nlp()


@pytest.fixture(scope="module")
def first_names() -> list[str]:
    return sorted(
        n.capitalize() for n in given_names() if n.isascii() and n.isalpha() and len(n) >= 4
    )


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.choice([2, 3]))).capitalize()


def test_the_list_is_the_packages_and_reads_any_case_or_accent() -> None:
    names = given_names()
    assert len(names) > 40_000  # the package's ~45k names, not a hand list
    assert is_given_name("ZOË") and is_given_name("zoe")
    # a "+" in an Arabic, Chinese or Korean name stands for "-" or nothing
    assert any("-" in n for n in names)
    assert not is_given_name("Velmarquin")


def test_people_read_as_org_are_people_and_bodies_stay_bodies(
    nlp: Any, first_names: list[str]
) -> None:
    rng = random.Random(41)
    wrong, read_as_org = [], 0
    for k in range(40):
        frame = FRAMES[k % len(FRAMES)]
        person = f"{rng.choice(first_names)} {_word(rng)}"
        body = f"{rng.choice(first_names)} {_word(rng)} {rng.choice(SUFFIXES)}"
        text = frame.format(p=person, o=body, t=f"The {_word(rng)} City", pl=_word(rng))
        read_as_org += any(e.text == person and e.label_ == "ORG" for e in nlp(text).ents)
        found = {
            e.text: e.attrs["actor_type"]
            for e in extract_entities([_chunk(text)], nlp)
            if e.type == "actor"
        }
        if found.get(body) == "person" or found.get(person) not in {"person", None}:
            wrong.append((text, found))
        if person not in found and not any(
            e.text == person for e in nlp(text).ents if e.label_ in {"GPE", "LOC", "NORP"}
        ):
            wrong.append((text, found))
    assert read_as_org >= 5  # the model's own mistake is exercised
    assert len(wrong) <= 2, wrong


def test_a_name_with_a_word_of_the_text_a_place_or_an_article_stays_a_body(
    nlp: Any, first_names: list[str]
) -> None:
    rng = random.Random(7)
    wrong, exercised = [], 0
    for _ in range(24):
        first, place = rng.choice(first_names), _word(rng)
        common = rng.choice(["Harbour", "Market", "Garden", "Kitchen"])
        other = f"{first} {_word(rng)}"
        text = (
            f"The {first} {common} group met in the city of {place} with {first} {place}. Every "
            f"{common.lower()} in town took part, and later the {other} took over the lease."
        )
        read = {e.text.removeprefix("the ").removeprefix("The "): e.label_ for e in nlp(text).ents}
        found = {
            e.text: e.attrs["actor_type"]
            for e in extract_entities([_chunk(text)], nlp)
            if e.type == "actor"
        }
        names = [f"{first} {common}", other]
        if read.get(place) in {"GPE", "LOC"}:
            names.append(f"{first} {place}")  # a place to the model too
        for name in names:
            if read.get(name) == "ORG":
                exercised += 1
                if found.get(name) == "person":
                    wrong.append((name, text, found))
    assert exercised >= 5
    assert not wrong, wrong
