"""Which case a user means by ``--case``: a part of its title, its title words, its tag or place
("bogota", "south africa"), or its short name ("a2i", "GLA"); case and accents ignored."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable


def fold(text: str) -> str:
    """Lower case without accents: "Bogotá" -> "bogota"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", fold(text))


def match_case_titles(query: str, cases: Iterable[tuple[str, str | None]]) -> list[str]:
    """Titles of the ``(title, tag)`` cases the query names.

    A part of the title wins ("barcelona's right"); else every query word must begin a word
    of the title or the tag ("south africa", "scottish bank").
    """
    q = fold(query.strip())
    cases = list(cases)
    if not q:
        return []
    exact = [t for t, _ in cases if q in fold(t)]
    if exact:
        return exact
    want = _words(q)
    found = []
    for title, tag in cases:
        have = _words(f"{title} {tag or ''}")
        if want and all(any(h.startswith(w) for h in have) for w in want):
            found.append(title)
    return found
