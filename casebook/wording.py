"""How an answer, a citation and an abstention are said, in words: shared by the terminal
(``casebook.present``) and the web app (``casebook.web``), so both say the same thing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

ABSTAINED = "The casebooks do not seem to answer this."
LOOSE = 0.3  # a support this low is worth saying beside what is missing (wording only)

_KIND_NOUN = {
    "amount": "amount of money",
    "number": "figure",
    "percent": "share or rate",
    "date": "date",
    "actor": "name",
    "place": "place",
    "target": "target",
    "text": "sentence",
}


def where(case: str | None, section: str, label: str | None) -> str:
    """ "CASE › Section — p. 18": where a passage or a quote stands."""
    page = f"p. {label}" if label else "unnumbered page"
    return f"{case or 'front/back matter'} › {section or '—'} — {page}"


def document_names(docs: Iterable[dict[str, Any]]) -> dict[str, str]:
    """sha256 → "Title, ed. 1" for every indexed edition — or {} when only one document is
    indexed, where naming it on every citation would be noise."""
    docs = list(docs)
    if len(docs) < 2:
        return {}
    return {
        d["sha256"]: str(d["title"]) + (f", {d['label']}" if d.get("label") else "") for d in docs
    }


def citation_line(c: Any, names: dict[str, str] | None = None) -> str:
    """One citation's place, with its document and edition when several are indexed."""
    place = where(c.case, c.section, c.page_label)
    name = (names or {}).get(c.sha256)
    return f"{name} — {place}" if name else place


def _what(m: dict[str, str]) -> str:
    what, text = m.get("what", ""), m.get("text", "")
    return {
        "figure": text,
        "year": f"the year {text} (they give another year)",
        "rate": f"a figure per {text}",
        "role": f"a {text}",
        "role_of": f"the {text}",
        "achieved": "what was achieved (they state a plan or a target)",
        "category": f"{text.split(' ', 1)[-1]}",
        "name": text,
        "led": f"who led {text}",
        "unknown_name": f"'{text}' (a word found nowhere in the casebooks)",
        "unknown_words": f"'{text}' (words found nowhere in the casebooks)",
        "counted": f"a number of {text}",
        "person": "a person (only an organisation, place or programme)",
        "place": "a place",
        "span": f"any {_KIND_NOUN.get(text, text)} of the kind asked for",
    }.get(what, text or what)


def abstention_reason(missing: Sequence[dict[str, str]], support: float, grounding: float) -> str:
    """Why an answer abstained, in words, from what grounding found missing in the evidence."""
    seen: list[str] = []
    for m in missing:
        words = _what(m)
        if words and not any(words.lower() in w.lower() for w in seen):  # "Stage" in "Stage Two"
            seen.append(words)
    loose = f"they match the question only loosely (support {support:.2f})"
    if seen:
        said = "The nearest passages do not mention " + "; nor ".join(seen)
        return said + (f", and {loose}." if support < LOOSE else ".")
    return (
        f"The nearest passages match the question only loosely (support {support:.2f}, "
        f"grounding {grounding:.2f}): none says what it asks."
    )
