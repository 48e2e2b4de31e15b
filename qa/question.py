"""What a question asks for: its answer type, what it counts, what it pins down.

Read from the question's wording alone (wh-words and the nouns after them), never from
the passages: the same question gets the same reading over any casebook.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.asked import phrase_kind
from pipeline.asked import question_type as question_type  # moved down; re-exported
from qa.text import MULTI_NAME, NAME_WORD, NUMBER_IN_Q, STOP, YEAR, stem

_AUX = frozenset(("has", "have", "had", "did", "do", "does", "is", "are", "was", "were", "will"))
# Nouns that are plural without an -s: a count stops at them.
_PLURALS = frozenset(("people", "women", "men", "children", "staff", "personnel", "youth"))


def counted(question: str) -> str:
    """The words a "how many" (or "the number of") question counts, as asked ("local
    service points").

    A word in -ly is part of a name when capitalised ("Harbour Assembly delegates"); before
    the noun, a lower-case one is left out ("newly built homes"), and the phrase must then
    end in a plural ("how many currently operate" counts nothing said); after it, it ends it
    ("nurses currently staff")."""
    m = re.search(r"\b(?:how many|number of) ((?:[\w'-]+ ?){1,4})", question, re.I)
    words: list[str] = []
    skipped = False
    for raw in m.group(1).split() if m else []:
        w = raw.lower()
        if w in STOP or w in _AUX:
            break
        if w.endswith("ly") and not raw[:1].isupper():
            if words:
                break
            skipped = True
            continue
        words.append(w)
        if w.endswith("s") or w in _PLURALS:
            break  # a count is of a plural noun ("members", "schools")
    if skipped and not (words and (words[-1].endswith("s") or words[-1] in _PLURALS)):
        return ""
    return " ".join(words)


def head_noun(question: str) -> set[str]:
    """The stem of what a "how many X" question counts: the last word of X."""
    return {stem(w) for w in counted(question).split()[-1:]}


ASKS_PERSON = re.compile(
    r"^who\b|\bwhose\b|\bwhich (?:person|minister|mayor|official|leader)", re.I
)
ASKS_ORG = re.compile(
    r"\b(?:which|what) (?:\w+ ){0,2}(?:ministry|department|body|agency|office|organi[sz]ation|"
    r"institution|group|team|company|bank|authority|council|part of)\b",
    re.I,
)


def asked_name_kind(question: str, kind: str) -> str | None:
    """The kind of name a question asks for: "person", "org", "place" or None (unsaid).

    "Who", "which person" and "which body/department/…" (``ASKS_ORG``) say it first; else
    the noun phrase opening the question: a post ("which treasurer", "which
    economist") asks for a person, a body ("which unit", "which borough council") for an
    organisation (``pipeline.asked.phrase_kind``)."""
    if kind == "place":
        return "place"
    if ASKS_PERSON.search(question):
        return "person"
    if ASKS_ORG.search(question):
        return "org"
    named = phrase_kind(question)
    return named if named in ("person", "org") else None


# Asked what was achieved or what is so now: a plan ("will reach 15%") does not answer it.
_ASKS_ACHIEVED = re.compile(r"\b(?:had|has|have)\b(?:\s+\w+){0,4}\s+\w+ed\b|\bactually\b", re.I)
_ASKS_NOW = re.compile(r"\b(?:today|current|currently|now|so far|at present|to date)\b", re.I)


def asks_actual(question: str, kind: str) -> bool:
    """Whether the question asks what was achieved or holds now (not what is planned)."""
    if kind == "target":
        return False
    return bool(_ASKS_ACHIEVED.search(question) or _ASKS_NOW.search(question))


def asks_now(question: str) -> bool:
    """Whether the question asks what holds now ("who currently chairs …")."""
    return bool(_ASKS_NOW.search(question))


def stated_figures(question: str) -> list[str]:
    """The figures and years the question states ("in 2022", "its 25 members")."""
    return [m.group().rstrip(".,") for m in NUMBER_IN_Q.finditer(question)]


def is_year(figure: str) -> bool:
    return bool(re.fullmatch(YEAR, figure))


# A word of letters and digits ("a2i", "G20") names something, whatever its case: no
# common word is spelt so.
_CODE_NAME = re.compile(r"\b[A-Za-z]+\d[A-Za-z\d]*\b")


@lru_cache(maxsize=256)
def name_words(question: str) -> tuple[str, ...]:
    """The capitalised words of a question that name something (not its first word), and
    its words of letters and digits."""
    first = question.split()[0] if question.split() else ""
    out = []
    for m in NAME_WORD.finditer(question):
        word = re.sub(r"['’]s$", "", m.group())
        if m.start() == 0 or word == first or word.lower() in STOP:
            continue
        out.append(word)
    for m in _CODE_NAME.finditer(question):
        if m.start() and len(m.group()) >= 3 and not any(m.group() in w for w in out):
            out.append(m.group())
    return tuple(out)


@lru_cache(maxsize=256)
def multi_names(question: str, start: int = 1) -> tuple[str, ...]:
    """The multi-word names of a question from offset ``start`` (not its first word)."""
    names = []
    for m in MULTI_NAME.finditer(question, start):
        name = re.sub(r"['’]s$", "", m.group())
        if len([w for w in name.split() if w[:1].isupper()]) >= 2:
            names.append(name)
    return tuple(names)


# The words that say what kind of answer is wanted ("in which year"), not what
# it is about: a sentence is no closer to the question for containing "year".
FRAME = re.compile(
    r"\b(?:which|what)\s+(?:(?:month|year|date|day|period|time ?frame|percentage|share|"
    r"proportion|fraction|number|amount|sum)(?:\s+and\s+(?:month|year|day))?)\b"
)
