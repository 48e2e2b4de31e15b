"""People's names the model labels ORG are people when they open with a known given name.

Names are invented at random: a first name drawn from the list ``gender-guesser`` ships,
a surname of made-up syllables; bodies carry the same kind of first word and an
organisation suffix. Sentence frames vary; the model reads many of these people as ORG.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from pipeline.actors import _name_word, names_a_place
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
    assert len(names) > 10_000  # the package's list, not a hand list
    assert is_given_name("ZOË") and is_given_name("zoe")
    # its rarest entries (frequency under MIN_FREQUENCY) are also words and places
    assert not is_given_name("Royal") and not is_given_name("Lincoln")
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


def test_a_place_in_the_name_or_a_word_of_the_text_keeps_it_a_body(nlp: Any) -> None:
    """No suffix to tell it: "Georgia Telecom" beside Georgia the place, "Amber Energy" where
    the text speaks of energy, stay what the model read."""
    assert names_a_place(["Sierra", "Leone", "Telecom"], {"sierra leone"})
    assert not names_a_place(["Ada", "Obi"], {"sierra leone", "lagos"})
    text = (
        "Officials in Georgia met the board of Georgia Telecom about the network. "
        "Amber Energy sold energy to the city, said Ruth Velmar."
    )
    found = {
        e.text: e.attrs["actor_type"]
        for e in extract_entities([_chunk(text)], nlp)
        if e.type == "actor"
    }
    assert found.get("Georgia Telecom") != "person"
    assert found.get("Amber Energy") != "person"


@pytest.mark.parametrize(
    ("word", "is_name"),
    [("Élodie", True), ("Łucja", True), ("McRae", True), ("Smith-Jones", True),
     ("NASA", False), ("obi", False), ("K9x", False)],
)  # fmt: skip
def test_a_name_word_in_any_alphabet(word: str, is_name: bool) -> None:
    assert _name_word(word) is is_name


def test_an_unreadable_list_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import click

    from casebook.cli import domain_errors
    from pipeline import given_names as gn

    def missing(_package: str) -> Any:
        raise FileNotFoundError("data/nam_dict.txt: no such file")

    monkeypatch.setattr(gn.resources, "files", missing)
    gn.given_names.cache_clear()
    try:
        with pytest.raises(gn.NameListError, match=r"nam_dict\.txt"):
            gn.given_names()
        with pytest.raises(click.ClickException) as err:
            domain_errors(gn.given_names)()
        assert "name list" in err.value.format_message() and "\n" not in str(err.value)
    finally:
        gn.given_names.cache_clear()
