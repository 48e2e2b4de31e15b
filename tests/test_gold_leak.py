"""Gold sets measure; they never teach: no source file repeats a gold question's wording.

Fails when a source file (Python anywhere in the project, data files shipped inside the
packages, the tests) holds a phrase of three or more words of any gold question under
``eval/gold/`` or ``../shared/gold/``. Phrases of function words only ("how many of")
and the question forms in ``ALLOWED`` are not wording of any one question. A phrase the
bundled casebook itself prints ("public rental housing") is the document's wording,
which tests built on the document may use.

Findings from the held-out sets name the file and line, not the phrase: those sets are
measured in aggregate only (see ``eval/gold/README.md``).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from tests.conftest import ROOT, SHARED

N = 3
# Function words: a phrase needs two words outside this list to be wording of its own.
_COMMON = (
    "a an the of in on at to for by with from and or is are was were be been has have had do "
    "does did what which who whom whose when where why how many much this that these those it "
    "its their his her as per than into over under about after before during according "
    "casebook case not no can could would should will"
)
COMMON = frozenset(_COMMON.split())
# Question forms every question set shares: they say what is asked, not about what.
ALLOWED = frozenset(
    [
        "how many people",
        "how much money",
        "in which year",
        "which month and",
        "month and year",
        "what percentage of",
        "what share of",
        "what is the",
        "who is the",
        "what was the",
        "how many jobs",
        "how far short",  # asks for a gap to a goal (qa.arithmetic's differences)
    ]
)
HIDDEN = (
    "heldout-b-qa.jsonl",
    "extra-qa.jsonl",
    "heldout-c-qa.jsonl",
    "heldout-d-qa.jsonl",
    "heldout-e-qa.jsonl",
    "heldout-f-qa.jsonl",
    "heldout-j-qa.jsonl",
    "heldout-i-qa.jsonl",
    "long-goal-qa.jsonl",
    "heldout-k-qa.jsonl",
    "delivering-difficult-qa.jsonl",
    "heldout-l-qa.jsonl",  # sealed: not measured yet (eval/gold/README.md)
    "making-delivery-qa.jsonl",  # sealed too
)  # measured in aggregate only
PACKAGES = ("casebook", "sources", "pipeline", "index", "qa", "eval", "bench", "tests")
DATA = {".json", ".jsonl", ".txt", ".csv", ".tsv", ".yaml", ".yml", ".toml"}
_WORD = re.compile(r"[a-z0-9£$€%]+(?:[.,'][a-z0-9]+)*")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def grams(ws: list[str], n: int = N):
    for i in range(len(ws) - n + 1):
        g = ws[i : i + n]
        if sum(w not in COMMON for w in g) >= 2:
            yield " ".join(g)


def gold_files() -> list[Path]:
    files = sorted((ROOT / "eval" / "gold").glob("*.jsonl"))
    if (SHARED / "gold").is_dir():
        files += sorted((SHARED / "gold").glob("*.jsonl"))
    return files


OTHER_CASEBOOKS = ROOT / "eval" / "casebooks"  # documents a gold set of eval/gold asks about


@cache
def casebook_words(gold_name: str = "") -> str:
    """The text of the casebook a gold set asks about (the bundled one, or the one in
    ``eval/casebooks/`` whose name the set's starts with), as one space-joined word string:
    names may come from it."""
    from sources import load
    from tests.conftest import CASEBOOK

    stem = gold_name.removesuffix("-qa.jsonl")
    own = sorted(OTHER_CASEBOOKS.glob(f"{stem}-*.pdf")) if stem else []
    doc = load(own[0] if own else CASEBOOK)
    return " " + " ".join(words(doc.text or " ".join(p.text for p in doc.pages))) + " "


def gold_phrases() -> dict[str, str]:
    """Each counted phrase of every gold question -> the set it comes from."""
    out: dict[str, str] = {}
    for path in gold_files():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                question = json.loads(line).get("question", "")
            except ValueError:
                continue
            for g in grams(words(question)):
                if g in ALLOWED or g in out or f" {g} " in casebook_words(path.name):
                    continue
                out[g] = path.name
    return out


def source_files() -> list[Path]:
    out = [p for p in ROOT.glob("*.py")]
    for pkg in PACKAGES:
        for p in (ROOT / pkg).rglob("*"):
            if not p.is_file() or "__pycache__" in p.parts:
                continue
            if p.is_relative_to(ROOT / "eval" / "gold") or p.is_relative_to(OTHER_CASEBOOKS):
                continue  # the gold sets themselves, and the documents they ask about
            if p.suffix == ".py" or (p.suffix in DATA and pkg != "tests"):
                out.append(p)
    return out


def test_no_source_file_repeats_a_gold_question_phrase():
    phrases = gold_phrases()
    assert len(phrases) > 500  # the gold sets were read
    found = []
    for path in source_files():
        for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            ws = words(line)
            for g in grams(ws):
                if g in phrases:
                    where = f"{path.relative_to(ROOT)}:{no}"
                    shown = "" if phrases[g] in HIDDEN else f" '{g}'"
                    found.append(f"{where}{shown} ({phrases[g]})")
                    break
    assert not found, f"{len(found)} lines repeat gold wording:\n" + "\n".join(found[:60])


def test_the_check_finds_a_planted_phrase():
    """The check can fail: a question's own wording is found in a line of code."""
    phrases = gold_phrases()
    first = json.loads((ROOT / "eval" / "gold" / "dev-qa.jsonl").read_text().splitlines()[0])
    planted = f'PATTERN = r"{first["question"]}"'
    assert any(g in phrases for g in grams(words(planted)))


# Names two independent gold lists use that are generic forms, not names of one body.
GENERIC_NAMES = frozenset(["City Council"])
LIBRARY = ("casebook", "sources", "pipeline", "index", "qa")


def entity_gold_names() -> set[str]:
    """Every actor name and mention of the entity gold with two capitalised words or more."""
    files = [ROOT / "eval" / "gold" / "heldout-entities.json"]
    files += [SHARED / "gold" / "dev-entities.json"] if (SHARED / "gold").is_dir() else []
    out: set[str] = set()
    for path in files:
        for part in json.loads(path.read_text(encoding="utf-8")).values():
            for actor in part.get("actors", []) if isinstance(part, dict) else []:
                for m in [actor["name"], *actor.get("mentions", [])]:
                    if sum(w[:1].isupper() for w in m.split()) >= 2:
                        out.add(m)
    return out - GENERIC_NAMES


def test_no_library_file_names_a_gold_actor():
    """The extractor reads grammar and general word lists: no name of this casebook's
    bodies, people or programmes in its code or lexicons (names in tests on invented text
    are invented; tests on the real PDF may name what it prints)."""
    names = entity_gold_names()
    assert len(names) > 100  # the entity gold was read
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(n)}(?!\w)" for n in sorted(names)))
    found = [
        f"{p.relative_to(ROOT)}:{no}"
        for pkg in LIBRARY
        for p in sorted((ROOT / pkg).rglob("*"))
        if p.suffix in {".py", ".txt"} and "__pycache__" not in p.parts
        for no, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert not found, "lines naming a gold actor:\n" + "\n".join(found)
