"""Actors named by the grammar around them, on invented names drawn at random.

- a lower-case noun of kind after a name ("the Vell Courier newspaper") makes it a body even
  when it is written once;
- a lower-case description the parse equates with a name ("X is Y's national data agency")
  is one more mention of that name, not a second actor;
- a programme written with and without its generic head ("Smart Harbour Vision" / "Smart
  Harbour") is one programme.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from pipeline.entities import extract_entities, load_nlp
from pipeline.types import Entity
from tests.test_entities import _chunk

SYLLABLES = ["vel", "mar", "tor", "quin", "dal", "bre", "sor", "lin", "kav", "ost", "rum", "pel"]


@pytest.fixture(scope="module")
def nlp() -> Any:
    return load_nlp()


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.choice([2, 3]))).capitalize()


def _actors(ents: list[Entity]) -> dict[str, dict[str, Any]]:
    return {e.text: e.attrs for e in ents if e.type == "actor"}


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("noun", ["newspaper", "magazine", "consultancy", "charity"])
def test_a_noun_of_kind_after_a_name_makes_it_a_body(nlp: Any, seed: int, noun: str) -> None:
    rng = random.Random(seed)
    name = f"{rng.choice(['Daily', 'Weekly', 'Northern'])} {_word(rng)}"
    text = (
        f'"Our streets are changing fast," wrote Ada Obi in a 2021 column for the {name} '
        f"{noun}. The council later read the piece."
    )
    found = _actors(extract_entities([_chunk(text)], nlp))
    assert found.get(name, {}).get("actor_type") == "organisation", found
    # without the noun, a name written once that does not act stays out
    bare = _actors(extract_entities([_chunk(text.replace(f" {noun}.", "."))], nlp))
    assert name not in bare


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_a_description_equated_with_a_name_is_a_mention_of_it(nlp: Any, seed: int) -> None:
    rng = random.Random(seed)
    long = f"{_word(rng)} {_word(rng)} Office"
    short = "".join(w[0] for w in long.split()) + "x"
    place = _word(rng)
    text = (
        f"The government of {place} set up the {long} ({short}) in 2009. "
        f"{short} is {place}'s national data agency, and it publishes every register. "
        f"Since then {short} has trained officials."
    )
    found = _actors(extract_entities([_chunk(text)], nlp))
    names = {a["name"] for a in found.values()}
    assert found[short]["name"] == long
    assert not any("national data agency" in n for n in names), names
    desc = [t for t in found if "national data agency" in t]
    assert desc and all(found[t]["name"] == long for t in desc)


@pytest.mark.parametrize("seed", [7, 8, 9])
@pytest.mark.parametrize("head", ["Vision", "Agenda", "Strategy"])
def test_a_programme_with_and_without_its_generic_head_is_one(
    nlp: Any, seed: int, head: str
) -> None:
    rng = random.Random(seed)
    core = f"{rng.choice(['Smart', 'Digital', 'Green'])} {_word(rng)}"
    chunks = [
        _chunk(f"Our ministry has long championed the {core} {head} 2030 in its budget."),
        _chunk(f"The {core} goal was to reach every village. {core} succeeded in the north."),
    ]
    found = _actors(extract_entities(chunks, nlp))
    named = {a["name"] for t, a in found.items() if core in t}
    assert len(named) == 1, found
    assert found.get(core, {}).get("actor_type") == "programme"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Kindness Coaching", "Ticket Streamlining"),
        ("Street Listening", "Form Shortening"),
        ("Patient Shadowing", "Queue Mapping"),
    ],
)
def test_programmes_of_common_words_listed_together_are_actors(
    nlp: Any, first: str, second: str
) -> None:
    # the document writes the same words in lower case too, so the model's "person" is wrong
    text = (
        f"Since '{first}' and '{second}' began, many clerks at the desks have had new "
        f"habits. {first.lower().capitalize()} is a twist on an old idea, and "
        f"{second.lower()} followed. Later, {first.lower()} spread to every ministry."
    )
    found = _actors(extract_entities([_chunk(text)], nlp))
    assert found.get(first, {}).get("actor_type") == "programme", found
    assert second in found, found
    assert not any(a["actor_type"] == "person" for a in found.values())


@pytest.mark.parametrize("seed", [10, 11, 12, 13])
def test_a_box_title_run_into_the_next_line_is_no_actor(nlp: Any, seed: int) -> None:
    rng = random.Random(seed)
    title = rng.choice(["Stairways", "Bridges", "Pathways", "Steps"])
    body, short = rng.choice(
        [("Youth Service Programmes", "YSP"), ("Community Work Schemes", "CWS")]
    )
    # the model reads "<title>\n\n<body>" as one organisation
    text = (
        f"{title}\n\n{body} ({short}) are often seen as bridges, enabling participants to "
        "transition directly from unemployment to stable livelihoods."
    )
    assert any("\n" in e.text for e in nlp(text).ents)
    found = _actors(extract_entities([_chunk(text)], nlp))
    assert title not in found, found
    assert body in found


@pytest.mark.parametrize("seed", [14, 15, 16])
def test_the_authors_of_a_work_are_people(nlp: Any, seed: int) -> None:
    rng = random.Random(seed)
    first = rng.choice(["Charles", "Maria", "Tomas", "Ines"])
    second = rng.choice(["Jennie", "Paulo", "Ruth", "Omar"])
    a, b = f"{first} {_word(rng)}", f"{second} {_word(rng)}"
    text = (
        "Adapted from Growing Kinder Towns: A Field Guide to Local Change by "
        f"{a} & {b}, May 2019. Source: Civic Works Office"
    )
    found = _actors(extract_entities([_chunk(text)], nlp))
    for name in (a, b):
        assert found.get(name, {}).get("actor_type") == "person", found
    # bodies that fund or run something are named after "by" as often as people
    funded = _chunk(f"The scheme was funded by {a.split()[1]} Roads & {b.split()[1]} Rivers.")
    found = _actors(extract_entities([funded], nlp))
    assert not any(v["actor_type"] == "person" for v in found.values()), found


@pytest.mark.parametrize("body", ["parliament", "legislature", "treasury"])
@pytest.mark.parametrize("scope", ["national", "regional", "federal"])
def test_a_collective_state_body_written_in_lower_case_is_an_actor(
    nlp: Any, body: str, scope: str
) -> None:
    text = (
        f"'The Open Records Bill' was passed in the {scope} {body} last year, giving the "
        "registry a permanent footing."
    )
    found = _actors(extract_entities([_chunk(text)], nlp))
    assert f"{scope} {body}" in found, found
    assert found[f"{scope} {body}"]["actor_type"] == "organisation"


@pytest.mark.parametrize("seed", [17, 18, 19])
@pytest.mark.parametrize(
    ("head", "kind"),
    [("Laboratories", "organisation"), ("Agencies", "organisation"), ("Programmes", "programme")],
)
def test_a_plural_head_types_a_name(nlp: Any, seed: int, head: str, kind: str) -> None:
    rng = random.Random(seed)
    name = f"{_word(rng)} {_word(rng)} {head}"
    text = f"The project was designed with {name}, {_word(rng)} Ltd and {_word(rng)} CIC."
    found = _actors(extract_entities([_chunk(text)], nlp))
    assert found.get(name, {}).get("actor_type") == kind, found


@pytest.mark.parametrize("seed", [20, 21, 22])
@pytest.mark.parametrize("group", ["Creatives", "Makers", "Growers"])
def test_a_group_named_by_a_plural_is_no_person(nlp: Any, seed: int, group: str) -> None:
    rng = random.Random(seed)
    place = _word(rng)
    name = f"{place} Black {group}"
    word = group[:-1].lower()
    text = (
        f"Every {word} in the borough was invited, and each {word} brought a friend.\n\n"
        f"List of participating organisations\n\n• {name}\n\n• {_word(rng)} CIC\n\n"
        f"• Ada Obi\n"
    )
    found = _actors(extract_entities([_chunk(text)], nlp))
    assert found.get(name, {}).get("actor_type") == "organisation", found
    # a person's name stays a person, also a two-word one ending in a body noun's plural
    assert found["Ada Obi"]["actor_type"] == "person", found
    banks = _chunk("Chris Banks, the finance director, said the banks would lend to the town.")
    found = _actors(extract_entities([banks], nlp))
    assert found["Chris Banks"]["actor_type"] == "person", found


def test_near_misses_of_descriptions_and_nouns_of_kind(nlp: Any) -> None:
    # a negated "be" describes nothing; a run through "of the" before a noun of kind is no body
    text = (
        "Zenith Data Office is not the national data agency; it only advises. Residents of "
        "the Berlin network met often, and users of the Premier Rail website complained."
    )
    found = _actors(extract_entities([_chunk(text)], nlp))
    assert "national data agency" not in found.get("Zenith Data Office", {}).get("mentions", [])
    assert not any(name.startswith(("Residents of", "Users of")) for name in found), found
