"""Candidate answers: the sentences of the top passages, and in them the spans of the
asked type (the entity extractor's names and money, figure and date patterns).

Candidates are only proposed here; ``qa.features`` describes them and ``qa.scorer``
ranks them with learned weights.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.lexicons import load as load_lexicon
from pipeline.quantities import CURRENCY_AFTER, NUMBER, PERCENT, QUAL_BEFORE, YEAR, find_money
from pipeline.sentences import is_quotable, split_sentences
from pipeline.types import Hit
from qa.corpus import known_actors
from qa.text import DATE, NAME, UNIT

PASSAGES_READ = 7
MAX_SENTENCES = 120
TYPED = ("amount", "percent", "date", "number", "actor", "place")


@dataclass
class Sentence:
    text: str
    hit: Hit
    start: int  # offset in the chunk text
    sim: float = 0.0
    features: dict[str, float] = field(default_factory=dict)


@dataclass
class Candidate:
    """A span (or, for untyped questions, a whole sentence) that may answer."""

    sentence: Sentence
    span: tuple[int, int]  # offsets in the sentence text
    actor_type: str | None = None  # for names: as typed by the extractor, if it knows
    features: dict[str, float] = field(default_factory=dict)
    score: float = 0.0

    @property
    def text(self) -> str:
        return self.sentence.text[self.span[0] : self.span[1]]

    @property
    def where(self) -> tuple[str, int, tuple[int, int]]:
        """(chunk id, sentence start, span): the same span when its passages are read again
        (each reading builds its own ``Sentence``)."""
        return self.sentence.hit.chunk.id, self.sentence.start, self.span


# A line that is only a person's name (a list of editors, a byline): what follows it
# (a role, an affiliation) is said of that person.
_NAME_LINE = re.compile(r"[A-Z][a-zà-ÿ'’-]+(?: [A-Z][a-zà-ÿ'’.-]*){1,3}")


def sentences(hits: Sequence[Hit]) -> list[Sentence]:
    """The quotable sentences of the top passages, a name line joined to the line under it."""
    out: list[Sentence] = []
    for h in hits[:PASSAGES_READ]:
        text = h.chunk.text
        pieces = split_sentences(text)
        i = 0
        while i < len(pieces):
            s, e = pieces[i]
            if i + 1 < len(pieces) and _NAME_LINE.fullmatch(text[s:e].strip()):
                e = pieces[i + 1][1]  # "Ann Lee" + "Head of the Network, UCL": one entry
                i += 1
            if is_quotable(text[s:e]):
                out.append(Sentence(text=text[s:e].strip(), hit=h, start=s))
            i += 1
    return out[:MAX_SENTENCES]


def pattern_spans(kind: str, text: str) -> list[tuple[int, int]]:
    """Spans of ``kind`` found by the figure, date and name patterns."""
    if kind == "amount":
        spans = []  # the extractor's money rules, the qualifier in front kept
        for f in find_money(text):
            if f.attrs.get("scale_shared"):
                continue  # "($2.64)" lacks the scale its figure shares: the answer is the whole
            q = QUAL_BEFORE.search(text[: f.start])
            spans.append((q.start() if q and q.group() else f.start, f.end))
        return spans
    if kind == "percent":
        return [m.span() for m in PERCENT.finditer(text)]
    if kind == "date":
        return [m.span() for m in DATE.finditer(text)]
    if kind == "number":
        spans = []
        for m in NUMBER.finditer(text):
            val = m.group().strip()
            if re.fullmatch(rf"{YEAR}", val):
                continue  # a year is not a count
            if yr := re.match(rf"({YEAR})\s?(?:-|–|—|to)\s?(?!{YEAR}\b)", val):
                # "from 620 in 2019 to 480": a year, then the count, not a range
                start = m.start() + val.index(yr.group(0)) + len(yr.group(0))
                spans.append((start, m.end()))
                continue
            if len(val) == 1 and not re.match(r" [a-z]", text[m.end() : m.end() + 2]):
                continue  # a lone digit not followed by a word numbers a list
            spans.append(m.span())
        return spans
    if kind in ("actor", "place"):
        spans = []
        for m in NAME.finditer(text):
            val = m.group()
            words = [w for w in val.split() if w[:1].isupper()]
            if len(words) >= 2 or re.fullmatch(r"[A-Z][A-Z0-9&]{1,9}", val):
                spans.append(m.span())
        return spans
    return []


def _actor_spans(index: Any, sents: Sequence[Sentence]) -> dict[int, dict[tuple[int, int], str]]:
    """Names found by the entity extractor at ingest (span -> actor type), per sentence."""
    if index is None or not hasattr(index, "entities"):
        return {}
    ids = list({s.hit.chunk.id for s in sents})
    by_chunk: dict[str, list[tuple[int, int, str]]] = {}
    for e in index.entities(types=["actor"], chunk_ids=ids):
        by_chunk.setdefault(e.chunk_id, []).append((*e.span, e.attrs.get("actor_type", "")))
    out: dict[int, dict[tuple[int, int], str]] = {}
    for s in sents:
        lo, hi = s.start, s.start + len(s.text)
        for a, b, kind in by_chunk.get(s.hit.chunk.id, []):
            if lo <= a and b <= hi:
                out.setdefault(id(s), {})[(a - lo, b - lo)] = kind
    return out


def _known_in(text: str, known: dict[str, str]) -> str | None:
    """The actor type of ``text`` if the index knows it as a whole: a known name, or a list
    of known people (titles and affiliations dropped). A known name inside a longer one
    ("Leeds" in "Leeds City Council") is not it."""
    core = re.sub(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]", "", text).strip(" .,;:'’")
    core = re.sub(r"^the\s+", "", core, flags=re.I)
    if core in known:
        return known[core]
    kinds = []
    for part in re.split(r",\s*|\s+and\s+|\s*&\s*", core):
        words = part.split()
        titles = load_lexicon("title_words")  # the entity rules' own list (pre-name titles)
        while words and (words[0].isupper() or words[0].rstrip("s.").lower() in titles):
            words = words[1:]
        kinds.append(known.get(" ".join(words)))
    return "person" if kinds and all(k == "person" for k in kinds) else None


def typed_candidates(kind: str, sents: Sequence[Sentence], index: Any) -> list[Candidate]:
    """Every span of the wanted type in ``sents``; names carry the extractor's actor type."""
    ents = _actor_spans(index, sents) if kind in ("actor", "place") else {}
    known = known_actors(index) if kind in ("actor", "place") and index is not None else {}
    out: list[Candidate] = []
    for s in sents:
        found = dict(ents.get(id(s), {}))
        spans = set(pattern_spans(kind, s.text)) | set(found)
        for a, b in sorted(spans):
            if kind in ("actor", "place") and CURRENCY_AFTER.match(s.text, b):
                continue  # "US" of "US$40 million" names a currency, not an actor
            actor_type = found.get((a, b))
            if actor_type is None and kind in ("actor", "place"):
                # a name pattern holding an NER name is that name, in full
                inner = [t for (x, y), t in found.items() if a <= x and y <= b]
                actor_type = inner[0] if inner else _known_in(s.text[a:b], known)
            out.append(Candidate(s, (a, b), actor_type))
    return out


def sentence_candidates(sents: Sequence[Sentence]) -> list[Candidate]:
    """For a question no span type answers: each sentence is a candidate."""
    return [Candidate(s, (0, len(s.text))) for s in sents]


def _balanced(text: str) -> str:
    """Brackets trimmed only where the span cut their pair off: "Alpha Homes (AH)" keeps
    its short form, "(from 2020" and "2.5 million)" lose theirs."""
    while text:
        if text[0] == "(" and text.count("(") > text.count(")"):
            text = text[1:].strip(" ,;:.")
        elif text[-1] == ")" and text.count(")") > text.count("("):
            text = text[:-1].strip(" ,;:.")
        elif text[0] == "(" and text[-1] == ")" and "(" not in text[1:-1]:
            text = text[1:-1].strip(" ,;:.")  # "(2020)": the span is all in brackets
        elif text[0] == ")" or text[-1] == "(":
            text = text.strip("()").strip(" ,;:.")
        else:
            return text
    return text


def span_text(kind: str, sentence: str, span: tuple[int, int]) -> str:
    """The answer a span gives: trimmed, and a count with what it counts ("540 jobs")."""
    a, b = span
    if kind == "number" and (unit := UNIT.match(sentence, b)):
        b = unit.end()
    text = re.sub(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+(?=\W*$)", "", sentence[a:b])  # a footnote mark
    text = _balanced(text.strip(" ,;:."))
    if kind in ("actor", "place"):
        text = re.sub(
            r"^(?:The|In|At|By|For|From|With|And)\s+",
            lambda m: "the " if m.group().strip() == "The" else "",
            text,
        )
    return text


def target_clause(sentence: str) -> str:
    """The clause of a sentence that states a level and a deadline, else the sentence."""
    clauses = re.split(r"(?<=[;:])\s+|,\s+(?=(?:and|while|which|but)\b)", sentence)
    for c in clauses:
        if re.search(
            rf"\bby (?:the end of )?{YEAR}\b|\bin \d+ years\b|\bwithin\b", c
        ) and re.search(r"\d|net.zero|doubl", c):
            return c.strip(" ;:,.")
    return sentence
