"""Word lists the entity rules read, kept as data: one entry a line, ``#`` starts a note.

Each file opens with a note on where its words come from.  None is written from one
casebook or from a gold set: they are general English (grammar books' closed classes,
common organisational and legal vocabulary, ISO and style-guide lists).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_DIR = Path(__file__).resolve().parent


@cache
def load(name: str) -> frozenset[str]:
    """The entries of ``<name>.txt``, lower-cased, notes and blank lines left out."""
    out = set()
    for line in (_DIR / f"{name}.txt").read_text(encoding="utf-8").splitlines():
        entry = line.split("#", 1)[0].strip().lower()
        if entry:
            out.add(entry)
    return frozenset(out)
