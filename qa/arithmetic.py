"""Time between two events: a question of the years between A and B is answered by two
dates the text states, not by a figure it states.

Why apart from the span ranker: no single span answers such a question, so the ranker's
best date is only one of the two operands. The dates are the date ranker's (the learned
model of ``qa.scorer``, asked for a date); the first is its best, the second its best
date of another year (or month, when months are asked) in another sentence, or a year
the question itself states. A range the text gives ("2015-2025") answers a question of
how long one thing ran.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from qa.candidates import Candidate, span_text
from qa.text import MONTHS, YEAR

# "How many years / months", "how much time", "how long" — asked of two events:
# "between … and", "after", "before", "later", "earlier", "passed", "separate", "apart", or
# the two ends of a span.
_ASKS_SPAN = re.compile(r"\bhow (?:many (?P<unit>years?|months?)|much time|long)\b", re.I)
_TWO_EVENTS = re.compile(
    r"\bbetween\b.+\band\b|\b(?:after|before|later|earlier|passed|elapsed|separated?|apart|"
    r"spans?|spanned)\b",
    re.I,
)
_ONE_RUN = re.compile(r"\b(?:span|spans|last|lasted|run|ran|cover|covers|covered)\b", re.I)
_MONTH_NUMBER = {
    m: i
    for i, names in enumerate(
        (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
         ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
         ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
         ("dec", "december")),
        start=1,
    )
    for m in names
}  # fmt: skip


@dataclass(frozen=True)
class Elapsed:
    """The answer: how long, and the date candidates it was read from (one or two)."""

    text: str
    operands: tuple[Candidate, ...]


def asks_elapsed(question: str) -> str | None:
    """ "years" or "months" when the question asks for the time between two events (or
    how long one ran), else None."""
    m = _ASKS_SPAN.search(question)
    if m is None or not _TWO_EVENTS.search(question):
        return None  # "how many years does it cover": a stated duration answers that
    return "months" if (m.group("unit") or "").lower().startswith("month") else "years"


def _when(text: str) -> tuple[int, int | None] | None:
    """(year, month or None) of a date span; None for a range or no year."""
    years = re.findall(rf"\b{YEAR}\b", text)
    if len(years) != 1:
        return None
    month = re.search(rf"(?i)\b({MONTHS})\b", text)
    return int(years[0]), _MONTH_NUMBER.get(month.group(1).lower()) if month else None


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit if n != 1 else unit[:-1]}"


def elapsed(question: str, unit: str, ranked: Sequence[Candidate]) -> Elapsed | None:
    """The time between the operands, from the date candidates in the ranker's order."""
    if not ranked:
        return None
    first = ranked[0]
    text = span_text("date", first.sentence.text, first.span)
    years = [int(y) for y in re.findall(rf"\b{YEAR}\b", text)]
    if len(years) == 2 and unit == "years" and _ONE_RUN.search(question):
        return Elapsed(_plural(abs(years[1] - years[0]), unit), (first,))
    a = _when(text)
    if a is None:
        return None
    stated = [int(y) for y in re.findall(rf"\b{YEAR}\b", question)]
    if stated and unit == "years" and stated[0] != a[0]:
        return Elapsed(_plural(abs(a[0] - stated[0]), unit), (first,))
    for c in ranked[1:]:
        if c.sentence is first.sentence:
            continue
        b = _when(span_text("date", c.sentence.text, c.span))
        if b is None:
            continue
        if unit == "years" and b[0] != a[0]:
            return Elapsed(_plural(abs(a[0] - b[0]), unit), (first, c))
        if unit == "months" and a[1] and b[1] and (a != b):
            months = abs((a[0] * 12 + a[1]) - (b[0] * 12 + b[1]))
            return Elapsed(_plural(months, unit), (first, c))
    return None
