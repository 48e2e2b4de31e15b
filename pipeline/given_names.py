"""Given names, read from the list the ``gender-guesser`` package ships.

Why: the small English model labels many people's names ORG ("... by Ada Obi in The X").
A capitalised name whose first word is a known given name, and which nothing marks as a
body, is a person (``pipeline.actors.given_name_person``).  The names are not written by
hand: ``gender_guesser/data/nam_dict.txt`` (gender-guesser 0.4.0, PyPI; from Jörg Michael's
"gender" program, about 45,000 first names of 50+ countries; GNU Free Documentation Licence)
is read as shipped, once, when first needed.

File format (its own header): ``#`` notes, ``=`` lines pair a short form with a long one,
every other line is ``<sex code> <name> ...`` with a ``+`` inside an Arabic, Chinese or Korean
name standing for "-", " " or nothing, a ``+`` in column 30 marking a duplicate entry with
expanded umlauts, and from column 31 one frequency digit per country (hexadecimal, 1-13; "10"
is at least 2% of a population, each step down halves it).

Only names of frequency ``MIN_FREQUENCY`` or more in some country are kept (about 11,900 of
45,000): the rarest entries are also words and places ("India", "Royal", "Lincoln", "Iran"
score 1), which open body names ("Royal Mail", "Iran Air"); a frequency of 4 is about 0.03% of a
population, one person in 3,000.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib import resources


def _plain(word: str) -> str:
    """Case- and accent-free form of a word: "Zoë" and "ZOE" look up as "zoe"."""
    s = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in s if not unicodedata.combining(ch)).casefold()


class NameListError(RuntimeError):
    """The package's name list cannot be read (the CLI prints it as one line)."""


MIN_FREQUENCY = 4
_FREQUENCY_COLUMNS = slice(30, 86)


def _frequency(line: str) -> int:
    """The highest frequency digit of a name line (0 when it gives none)."""
    digits = [int(ch, 16) for ch in line[_FREQUENCY_COLUMNS] if ch in "123456789ABCDabcd"]
    return max(digits, default=0)


@cache
def given_names() -> frozenset[str]:
    """Every single-word given name of the package's list borne by at least one person in
    about 3,000 in some country (``MIN_FREQUENCY``), case- and accent-free.

    A pinned dependency: a missing package or an unreadable list is an error that names it,
    not a silent change of every name's type."""
    try:
        data = resources.files("gender_guesser").joinpath("data/nam_dict.txt")
        text = data.read_text(encoding="utf-8")
    except (ModuleNotFoundError, OSError) as err:
        raise NameListError(f"gender-guesser's name list (data/nam_dict.txt): {err}") from err
    out: set[str] = set()
    for line in text.splitlines():
        if not line or line[0] in "#=":
            continue
        parts = line.split()
        if len(parts) < 2 or _frequency(line) < MIN_FREQUENCY:
            continue
        name = parts[1]
        forms = [name.replace("+", r) for r in ("", "-")] if "+" in name else [name]
        out.update(_plain(f) for f in forms)
    return frozenset(out)


def is_given_name(word: str) -> bool:
    """True when ``word`` (any case, accents or not) is a first name of the list."""
    return _plain(word) in given_names()
