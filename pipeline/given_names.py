"""Given names, read from the list the ``gender-guesser`` package ships.

Why: the small English model labels many people's names ORG ("... by Ada Obi in The X").
A capitalised name whose first word is a known given name, and which nothing marks as a
body, is a person (``pipeline.actors.given_name_person``).  The names are not written by
hand: ``gender_guesser/data/nam_dict.txt`` (gender-guesser 0.4.0, PyPI; from Jörg Michael's
"gender" program, about 45,000 first names of 50+ countries; GNU Free Documentation Licence)
is read as shipped, once, when first needed.

File format (its own header): ``#`` notes, ``=`` lines pair a short form with a long one,
every other line is ``<sex code> <name> ...`` with a ``+`` inside an Arabic, Chinese or Korean
name standing for "-", " " or nothing, and a ``+`` in column 30 marking a duplicate entry with
expanded umlauts.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib import resources


def _plain(word: str) -> str:
    """Case- and accent-free form of a word: "Zoë" and "ZOE" look up as "zoe"."""
    s = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in s if not unicodedata.combining(ch)).casefold()


@cache
def given_names() -> frozenset[str]:
    """Every single-word given name of the package's list, case- and accent-free.

    Empty when the package is missing (the rule that reads it then finds nothing)."""
    try:
        data = resources.files("gender_guesser").joinpath("data/nam_dict.txt")
        text = data.read_text(encoding="utf-8")
    except ModuleNotFoundError:
        return frozenset()
    out: set[str] = set()
    for line in text.splitlines():
        if not line or line[0] in "#=":
            continue
        parts = line.split()
        if len(parts) < 2:
            continue
        name = parts[1]
        forms = [name.replace("+", r) for r in ("", "-")] if "+" in name else [name]
        out.update(_plain(f) for f in forms)
    return frozenset(out)


def is_given_name(word: str) -> bool:
    """True when ``word`` (any case, accents or not) is a first name of the list."""
    return _plain(word) in given_names()
