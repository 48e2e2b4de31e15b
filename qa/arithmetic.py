"""Figures the text does not state but two it states give: the time between two events
(two dates), a total of two parts, how many times one figure is another, how far one is
from the other (a fall, a rise, a gap to a goal).

Why apart from the span ranker: no single span answers such a question, so the ranker's
best date is only one of the two operands. The dates are the date ranker's (the learned
model of ``qa.scorer``, asked for a date), kept only in sentences that share a word with
the question; the first is its best, the second its best date of another year (or month)
among the next few, or a year the question states beside its cue ("after 2010"). A range
the text gives ("2015-2025") answers how many years something spans.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.quantities import count_value, currency_symbol, find_money
from qa.candidates import Candidate, span_text
from qa.text import MONTHS, UNIT, YEAR

# "How many years / months", "how much time", "how long", then a cue of two events:
# "between … and", "after", "before", "later", "earlier", "passed", "separate", "apart", or
# the two ends of a span. Not "how many years of …" nor "how long is the …": those ask for
# a duration the text states.
_ASKS = re.compile(r"\bhow (?:many (?P<unit>years?|months?)|much time|long)\b(?P<rest>.*)", re.I)
_STATED_LENGTH = re.compile(
    r"^\s+(?:of\b|(?:is|was|are|were|will)\s+(?:the|a|an|its|their|this)\b)", re.I
)
_SPAN_VERB = r"spans?|spanned"
_TWO_EVENTS = re.compile(
    rf"\bbetween\b.+\band\b|\b(?:after|before|later|earlier|sooner|passed|elapsed|separate[sd]?|"
    rf"apart|"
    rf"{_SPAN_VERB})\b",
    re.I,
)
_SPANS = re.compile(rf"\b(?:{_SPAN_VERB})\b", re.I)
_YEAR = re.compile(rf"\b{YEAR}\b")
_YEAR_BY_CUE = re.compile(rf"\b(?:after|before|since|between|and|from|until)\s+({YEAR})\b", re.I)
_MONTH = re.compile(rf"(?i)\b({MONTHS})\b")
_OPEN_END = re.compile(r"(?i)\b(?:now|present|ongoing)\b")
SECOND_WITHIN = 5  # the second date is one of the ranker's next few, not any date read


def _month_number(name: str) -> int:
    """1-12 for a month's name or abbreviation ("Sept" -> 9)."""
    return 1 + [m[:3] for m in MONTHS.split("|")[:12]].index(name[:3].lower())


@dataclass(frozen=True)
class Computed:
    """A computed answer, its type and the candidates it was read from (one or two)."""

    text: str
    operands: tuple[Candidate, ...]
    answer_type: str = "number"


def asks_elapsed(question: str) -> str | None:
    """ "years", "months" or "auto" (how long / how much time: the dates decide) when the
    question asks for the time between two events or the ends of a span, else None."""
    m = _ASKS.search(question)
    rest = m.group("rest") if m else ""
    if m is None or _STATED_LENGTH.match(rest) or not _TWO_EVENTS.search(rest):
        return None
    unit = (m.group("unit") or "").lower()
    return "months" if unit.startswith("month") else "years" if unit else "auto"


def _when(text: str) -> tuple[int, int | None] | None:
    """(year, month or None) of a date span; None for a range, an open end or no year."""
    years = _YEAR.findall(text)
    if len(years) != 1 or _OPEN_END.search(text):
        return None
    month = _MONTH.search(text)
    return int(years[0]), _month_number(month.group(1)) if month else None


def _say(n: int, unit: str) -> str:
    return f"{n} {unit if n != 1 else unit[:-1]}"


def _between(a: tuple[int, int | None], b: tuple[int, int | None], unit: str) -> str | None:
    """The time from one date to the other in ``unit`` ("auto": years, or months when both
    fall in one year); None when they do not differ in it."""
    if unit in ("years", "auto") and a[0] != b[0]:
        return _say(abs(a[0] - b[0]), "years")
    if unit in ("months", "auto") and a[1] and b[1] and a != b:
        return _say(abs((a[0] * 12 + a[1]) - (b[0] * 12 + b[1])), "months")
    return None


# The two events of a question on the time between them, read right after its cue (how
# many years, months, how long): "[separate|lay|passed] between <A> and <B>",
# "separate <A> and <B>", "apart were <A> and <B>",
# "<earlier|later|sooner|before|after> did|is <A> than <B>", and
# "[passed] <after|before> <A> did <B>" (A's own verb comes first: "after the law was
# passed did …"; a was/is/had there only when nothing else splits and B has a subject).
_LEAD = r"^\s*(?:(?:have|had|has)\s+)?(?:(?:passed|elapsed|lay|lie|lies)\s+)?"
_BETWEEN = re.compile(rf"{_LEAD}(?:separate[sd]?\s+)?between\s+(?P<pair>.+)$", re.I)
_SEPARATE = re.compile(r"^\s*(?:separate[sd]?|apart\s+(?:were|are|was|is))\s+(?P<pair>.+)$", re.I)
_THAN = re.compile(
    r"^\s*(?:earlier|later|sooner|before|after)\s+(?:did|does|do|was|were|is|are|had|has|have|"
    r"will|would)\s+(?P<a>.+?)\s+than\s+(?P<b>.+)$",
    re.I,
)
_CUE_FIRST = rf"{_LEAD}(?:after|before)\s+(?P<a>.+)\s+"
_THEN = (
    re.compile(rf"{_CUE_FIRST}(?:did|does|do|will|would)\s+(?P<b>.+)$", re.I),
    re.compile(rf"{_CUE_FIRST}(?:was|were|is|are|had|has|have)\s+(?P<b>\S+\s+\S.*)$", re.I),
)
_CLAUSE_END = re.compile(r"\s*(?:[?.!]+|,.*)\s*$")
_CONTENT = re.compile(r"[A-Za-z0-9]{3,}")
_PRONOUNS = frozenset(("it", "its", "they", "them", "this", "that", "these", "those"))


def _split_pair(text: str) -> tuple[str, str] | None:
    """ "<A> and <B>" at the first "and" that starts a new phrase (not "Jobs and Skills")."""
    for m in re.finditer(r"\s+and\s+(?=(\S+))", text):
        if not m.group(1)[:1].isupper():
            return text[: m.start()], text[m.end() :]
    return None


def _event(text: str) -> str | None:
    """A clause cleaned of the question's end; None when it names nothing on its own."""
    text = re.sub(r"^when\s+", "", _CLAUSE_END.sub("", text).strip(" ,"), flags=re.I)
    words = [w.lower() for w in _CONTENT.findall(text)]
    if not words or all(w in _PRONOUNS for w in words) or _YEAR.fullmatch(text):
        return None
    return text


def two_events(question: str) -> tuple[str, str] | None:
    """The clauses naming the two events whose dates a time-between question needs, or
    None when it does not name two (an event and a year it states, a span, one event)."""
    m = _ASKS.search(question)
    if m is None:
        return None
    rest = m.group("rest")
    pair = None
    if got := (_BETWEEN.match(rest) or _SEPARATE.match(rest)):
        pair = _split_pair(got.group("pair"))
    elif got := _THAN.match(rest):
        pair = got.group("a"), got.group("b")
    else:
        for pattern in _THEN:
            if got := pattern.match(rest):
                pair = got.group("a"), got.group("b")
                break
    if pair is None:
        return None
    a, b = _event(pair[0]), _event(pair[1])
    return (a, b) if a and b else None


def _dated(ranked: Sequence[Candidate]) -> list[tuple[Candidate, tuple[int, int | None]]]:
    """The ranker's dates that name one point in time, best first, in sentences that share
    a word with what was asked."""
    out = []
    for c in ranked:
        if c.features.get("sent_overlap", 0.0) <= 0.0:
            continue
        when = _when(span_text("date", c.sentence.text, c.span))
        if when is not None:
            out.append((c, when))
    return out


def elapsed_between(
    unit: str, first: Sequence[Candidate], second: Sequence[Candidate]
) -> Computed | None:
    """The time between the best date of one event and the best of the other (each ranked
    for its own clause), the pair with the lowest rank sum whose dates differ in ``unit``."""
    a_dates, b_dates = _dated(first)[:SECOND_WITHIN], _dated(second)[:SECOND_WITHIN]
    pairs = sorted(
        ((i + j, i, j) for i in range(len(a_dates)) for j in range(len(b_dates))),
    )
    for _, i, j in pairs:
        (a, when_a), (b, when_b) = a_dates[i], b_dates[j]
        if a.where == b.where:
            continue  # one span, ranked for each event's clause
        if got := _between(when_a, when_b, unit):
            return Computed(got, (a, b))
    return None


def elapsed(question: str, unit: str, ranked: Sequence[Candidate]) -> Computed | None:
    """The time between two dates, from the date candidates in the ranker's order; None
    when the passages do not give two dates that differ."""
    ranked = [c for c in ranked if c.features.get("sent_overlap", 0.0) > 0.0]
    if not ranked:
        return None
    first = ranked[0]
    text = span_text("date", first.sentence.text, first.span)
    years = [int(y) for y in _YEAR.findall(text)]
    if len(years) == 2 and unit != "months" and _SPANS.search(question):
        if _OPEN_END.search(text):
            return None
        return Computed(_say(abs(years[1] - years[0]), "years"), (first,))
    a = _when(text)
    if a is None:
        return None
    stated = [int(y) for y in _YEAR_BY_CUE.findall(question)]
    if stated and unit != "months":
        got = _between(a, (stated[0], None), "years")
        return Computed(got, (first,)) if got else None
    for c in ranked[1 : 1 + SECOND_WITHIN]:
        if c.where == first.where:
            continue
        b = _when(span_text("date", c.sentence.text, c.span))
        if b is not None and (got := _between(a, b, unit)):
            return Computed(got, (first, c))
    return None


# "Adding …", "counting both …", "combined", "together": a total of parts the text states
# apart (a total the text states is asked without them: "what do the grants total").
# A ratio, "… times bigger" or "… times as": one figure over another.
_SUM = re.compile(r"\b(?:adding|add(?:ed)? together|counting both|combined|together)\b", re.I)
_RATIO = re.compile(  # not "how many times did the board meet": a count of occasions
    r"\bhow many times\s+(?:as|more|less|fewer|larger|bigger|greater|higher|smaller|lower)\b", re.I
)
_SCALES = (("billion", 1e9), ("million", 1e6))  # the words a figure is printed with


# A difference of two stated figures: how far one falls below, or moved from, the other
# ("how far short", "how many more … to reach", "by how many points did it fall", "how
# much higher"). Not "how many more" alone: "how many more jobs will it create"
# asks for a figure the text states as more.
_DIFFERENCE = re.compile(
    r"\bhow far (?:short|below|above|off)\b"
    r"|\bhow far (?:was|is|were|are)\b.*\bfrom\b.*\b(?:goal|target|aim|milestone|ambition)s?\b"
    r"|\bhow (?:many|much) more\b.*\b(?:to (?:reach|meet|hit|achieve)|still|left)\b"
    r"|\bby how (?:many|much)\b.*\b(?:fall|fell|drop|dropped|declin|ris[ei]|rose|grow|grew|"
    r"increas|decreas|reduc|shr[ui]nk|go (?:up|down)|went (?:up|down)|improv)"
    r"|\bhow much (?:higher|lower|bigger|smaller|larger|less|fewer)\b",
    re.I,
)
# A gap or difference "between" two things asks for a figure only when the question asks
# for one (a question on how two ideas differ does not).
_GAP = re.compile(r"\b(?:difference|gap) between\b", re.I)


def asks_combined(question: str, kind: str) -> str | None:
    """ "sum" (an amount or count question), "ratio" or "difference" (any question whose
    cue asks for a figure) when two stated figures are to be combined, else None."""
    if _RATIO.search(question):
        return "ratio"
    if _DIFFERENCE.search(question) or (
        kind in ("percent", "amount", "number") and _GAP.search(question)
    ):
        return "difference"
    if kind in ("amount", "number") and _SUM.search(question):
        return "sum"
    return None


_STATED_TOTAL = re.compile(r"\b(?:combined|together|total|in all|altogether|overall)\b", re.I)
# The qualifiers a total keeps from its parts: those that say how near the figure is. Fewer
# than the extractor's (``pipeline.quantities``): "an additional" or "up to" say something
# of one part, not of the sum.
_QUALIFIER = re.compile(
    r"(?i)^(?:over|more than|at least|about|around|nearly|almost|approximately|roughly|some)\b"
)


def _figure(kind: str, text: str) -> tuple[str, float] | None:
    """(currency or "", value) of a figure span: an amount by the money rules, a count by
    its digits and scale word (both as the extractor reads them); None for a range or two
    figures."""
    if kind == "percent":
        m = re.search(r"(\d+(?:\.\d+)?)\s*(?:%|per ?cent)", text)
        return ("%", float(m.group(1))) if m else None
    if kind == "amount":
        money = find_money(text)
        if len(money) != 1 or money[0].attrs["low"] != money[0].attrs["high"]:
            return None
        return money[0].attrs.get("currency") or "", float(money[0].attrs["low"])
    value = count_value(text)
    return None if value is None else ("", value)


def _say_figure(currency: str, value: float) -> str:
    """A figure as the text would print it: "R49.5 billion", "1,840", "£4.75"."""
    prefix = currency_symbol(currency)
    for word, size in _SCALES:
        if value >= size:
            return f"{prefix}{value / size:.2f}".rstrip("0").rstrip(".") + f" {word}"
    if value != round(value):
        return f"{prefix}{value:,.2f}"
    return f"{prefix}{round(value):,}"


# "fell by", "a further", "leaving", "an increase of", "a shortfall of": the figure after is
# the change.
# (Not any "of": "a rate of 20%", "a goal of 600" state a level.)
_BY_BEFORE = re.compile(
    r"(?i)\b(?:by|a further|leaving|(?:increase|decrease|rise|fall|drop|cut|gain|reduction|gap|"
    r"shortfall|difference|growth|decline)s? of)\s+$"
)
# "400 more", "400 homes more", "140 still to go", "140 left", "12 points short".
_MORE_AFTER = re.compile(
    r"(?i)^\s*(?:(?:still|yet|even|far|much)\s+)?(?:more|fewer|less|higher|lower|short|left|"
    r"remain\w*|to go)\b"
)


def _stated_change(c: Candidate, kind: str) -> bool:
    """Whether a figure is itself a change or a gap the text states: "fell by 19 points",
    "an increase of 4,000", "4,000 more homes", "12 points short"."""
    text = c.sentence.text
    ends = [c.span[1]]
    if kind == "number" and (unit := UNIT.match(text, c.span[1])):
        ends.append(unit.end())  # "400 more homes", "400 homes more"
    return bool(
        _BY_BEFORE.search(text[max(0, c.span[0] - 30) : c.span[0]])
        or any(_MORE_AFTER.match(text[end : end + 40]) for end in ends)
    )


def _stated_total(c: Candidate) -> bool:
    """Whether the words just before a figure call it a total ("a combined budget of",
    "together … employ")."""
    return bool(_STATED_TOTAL.search(c.sentence.text[max(0, c.span[0] - 40) : c.span[0]]))


def combined(how: str, kind: str, ranked: Sequence[Candidate]) -> Computed | None:
    """The total of, the ratio between or the difference of the ranker's best figure and the
    first of its next few of the same currency, what it counts, and another value; None when
    there are no two. For a total, a best figure the text calls a total answers by itself
    (None here), and a larger one called so is not added to a part; for a difference, a
    figure the text states as the change."""
    ranked = [c for c in ranked if c.features.get("sent_overlap", 0.0) > 0.0]
    if not ranked:
        return None
    first = ranked[0]
    if (how == "sum" and _stated_total(first)) or (
        how == "difference" and _stated_change(first, kind)
    ):
        return None
    text_a = span_text(kind, first.sentence.text, first.span)
    a = _figure(kind, text_a)
    if a is None or a[1] <= 0:
        return None
    for c in ranked[1 : 1 + SECOND_WITHIN]:
        if c.features.get("counts", 1.0) != first.features.get("counts", 1.0):
            continue  # "30 wardens" and "4 boats" count different things
        text_b = span_text(kind, c.sentence.text, c.span)
        b = _figure(kind, text_b)
        if b is None or b[0] != a[0] or b[1] <= 0 or b[1] == a[1]:
            continue
        if how == "difference":
            if _stated_change(c, kind):  # the text states the change: it is the answer
                return Computed(span_text(kind, c.sentence.text, c.span), (c,), kind)
            gap = abs(a[1] - b[1])
            if kind == "percent":
                return Computed(f"{gap:g} percentage points", (first, c), "number")
            return Computed(_say_figure(a[0], gap), (first, c), kind)
        if how == "sum":
            if b[1] > a[1] and _stated_total(c):
                continue  # the whole, not another part
            qual = _QUALIFIER.search(text_a) or _QUALIFIER.search(text_b)
            total = _say_figure(a[0], a[1] + b[1])
            text = f"{qual.group().lower()} {total}" if qual else total
            return Computed(text, (first, c), kind)
        r = max(a[1], b[1]) / min(a[1], b[1])
        if r < 1.1:
            return None
        n = str(round(r)) if r >= 3 else f"{r:.1f}".rstrip("0").rstrip(".")
        return Computed(f"about {n} times", (first, c))
    return None
