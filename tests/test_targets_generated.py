"""Targets from the grammar of commitments, on sentences generated at random.

Each sentence is built from a random actor, thing counted, level, deadline and one of
several grammatical forms of a commitment (modal, verb of intention, goal noun, fronted
deadline, obligation with a minimum, list item under a heading, horizon), or of a
non-commitment (past and perfect reports, a figure that counts the subject).  The words are
invented for this test and name nothing of any casebook; a rule fitted to one document's
verbs or names would fail here.  The seed is printed with each failure so that a case can be
rerun.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from pipeline.entities import extract_entities, load_nlp
from pipeline.types import Entity
from tests.test_entities import _chunk

ACTORS = [
    "The regional water board",
    "The city council",
    "The national health agency",
    "The ministry",
    "The port authority",
    "The state rail company",
    "The federation",
    "Our district",
    "The new development bank",
    "The provincial government",
]
# (count noun, verb base, past, past participle, gerund)
THINGS = [
    ("homes", "build", "built", "built", "building"),
    ("jobs", "create", "created", "created", "creating"),
    ("trees", "plant", "planted", "planted", "planting"),
    ("apprentices", "train", "trained", "trained", "training"),
    ("charging points", "install", "installed", "installed", "installing"),
    ("classrooms", "open", "opened", "opened", "opening"),
    ("households", "connect", "connected", "connected", "connecting"),
]
# (share of a group, what it has) for list items and fronted deadlines
GROUPS = ["households", "pupils", "residents", "farmers", "clinics", "small firms"]
HAVES = [
    "access to clean water",
    "a broadband connection",
    "a named care worker",
    "a digital identity",
    "a school place within walking distance",
]
HEADINGS = ["Health", "Education", "Energy", "Transport", "Water", "Inclusion"]
INTENT = ["aims to", "plans to", "intends to", "is expected to", "has pledged to", "seeks to"]
GOAL_SUBJECTS = ["Its target is to", "The goal is to", "Our mission is to", "The aim is to"]
MONTHS = ["March", "June", "December"]


def _level(rng: random.Random) -> str:
    kind = rng.randrange(3)
    if kind == 0:
        return f"{rng.randrange(2, 99)},{rng.randrange(1000):03d}"
    if kind == 1:
        return f"{rng.randrange(11, 95) / 10:g} million"
    return str(rng.choice([250, 400, 600, 750, 900]))


@dataclass
class Case:
    text: str
    deadline: int | None  # expected; None with ``target=False`` means "no target"
    level: str | None  # a string the target's text must contain
    target: bool = True


def commitment(rng: random.Random) -> Case:
    """A sentence or list item that commits to a level, with the target it states."""
    actor = rng.choice(ACTORS)
    noun, verb, _, pp, ger = rng.choice(THINGS)
    level = _level(rng)
    year = rng.randrange(2026, 2051)
    pct = f"{rng.randrange(5, 20) * 5}%"
    group, has = rng.choice(GROUPS), rng.choice(HAVES)
    forms: list[Callable[[], Case]] = [
        lambda: Case(f"{actor} will {verb} {level} new {noun} by {year}.", year, level),
        lambda: Case(f"{actor} {rng.choice(INTENT)} {verb} {level} {noun} by {year}.", year, level),
        lambda: Case(f"{rng.choice(GOAL_SUBJECTS)} {verb} {level} {noun} by {year}.", year, level),
        lambda: Case(f"By {year}, {actor.lower()} will have {pp} {level} {noun}.", year, level),
        lambda: Case(f"{actor} has committed to {ger} {level} {noun} by {year}.", year, level),
        lambda: Case(f"{actor} must {verb} at least {level} {noun} by {year}.", year, level),
        lambda: Case(
            f"{rng.choice(HEADINGS)}:\n\n• {pct} of {group} with {has} by {year}.", year, pct
        ),
        lambda: Case(
            f"{rng.choice(HEADINGS)}:\n\n• {level} {group} to have {has} by {year}.", year, level
        ),
        lambda: Case(f"By {year}, every one of the {group} has {has}.", year, group),
        lambda: Case(
            f"{actor} plans to {verb} {level} {noun} by {year}, said its director.", year, level
        ),
        lambda: Case(f"{actor} set a target of {level} {noun} by {year}.", year, level),
        lambda: Case(f"{verb.capitalize()} {level} new {noun} by {year}.", year, level),
        lambda: Case(f"{level} {noun} are to be {pp} by {year}.", year, level),
        lambda: Case(f"{actor} will ensure that {pct} of {group} have {has} by {year}.", year, pct),
        lambda: Case(
            f"{actor} {rng.choice(INTENT)} {verb} {level} {noun} within {rng.randrange(3, 12)} "
            "years.",
            None,
            level,
        ),
    ]
    return rng.choice(forms)()


def report(rng: random.Random) -> Case:
    """A sentence with the same words that reports or counts, and commits to nothing."""
    actor = rng.choice(ACTORS)
    noun, verb, past, pp, _ = rng.choice(THINGS)
    level = _level(rng)
    year = rng.randrange(2005, 2024)
    pct = f"{rng.randrange(5, 20) * 5}%"
    group = rng.choice(GROUPS)
    forms = [
        f"In {year}, {actor.lower()} {past} {level} {noun}.",
        f"By {rng.choice(MONTHS)} {year}, {actor.lower()} had {pp} {level} {noun}.",
        f"{actor} has {pp} over {level} {noun} since {year}.",
        f"About {pct} of {group} have committed to {verb} {noun} together.",
        f"Last year {actor.lower()} {past} {level} {noun}, {pct} more than in {year}.",
        f"There are now over {level} {noun}, serving {group} across the region.",
        f"{actor} was founded in {year} and employs {level} staff.",
        f"In {year}, {actor.lower()} met its target of {level} {noun}.",
        f"{actor} {past} {level} {noun} in {year}, said its director.",
        f"Of the {level} {noun} {pp} so far, {pct} went to {group}.",
    ]
    return Case(rng.choice(forms), None, None, target=False)


def _check(case: Case, targets: list[Entity]) -> str | None:
    """Why the targets found do not match what the generated case states (None if they do)."""
    if not case.target:
        return f"report read as target: {[t.text for t in targets]}" if targets else None
    if len(targets) != 1:
        return f"{len(targets)} targets: {[t.text for t in targets]}"
    t = targets[0]
    if t.attrs["deadline"] != case.deadline:
        return f"deadline {t.attrs['deadline']} != {case.deadline}: {t.text!r}"
    if case.level and case.level not in t.text:
        return f"level {case.level!r} not in {t.text!r}"
    return None


@pytest.fixture(scope="module")
def nlp() -> Any:
    return load_nlp()


@pytest.mark.parametrize("seed", [11, 23, 47])
def test_generated_commitments_and_reports(nlp: Any, seed: int) -> None:
    rng = random.Random(seed)
    cases = [commitment(rng) for _ in range(30)] + [report(rng) for _ in range(20)]
    chunks = [_chunk(c.text, chunk_id=f"g{k}") for k, c in enumerate(cases)]
    by_chunk: dict[str, list[Entity]] = {}
    for e in extract_entities(chunks, nlp):
        if e.type == "target":
            by_chunk.setdefault(e.chunk_id, []).append(e)
    missed, false = [], []
    for k, c in enumerate(cases):
        why = _check(c, by_chunk.get(f"g{k}", []))
        if why:
            (missed if c.target else false).append(f"seed {seed} #{k} {c.text!r}: {why}")
    # a report read as a target is always wrong; of the commitments, one in 30 may be lost
    # to a genuinely ambiguous parse ("Our district plans to ...": "district plans" as a
    # compound noun): 4 of about 900 over 30 other seeds when written, none on seeds 100-129 since
    assert not false, "\n".join(false)
    assert len(missed) <= 1, "\n".join(missed)
