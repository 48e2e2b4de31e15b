"""What a question asks for: its answer type, what it counts, what it pins down.

Read from the question's wording alone (wh-words and the nouns after them), never from
the passages: the same question gets the same reading over any casebook.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.asked import question_type as question_type  # moved down; re-exported
from qa.text import MULTI_NAME, NAME_WORD, NUMBER_IN_Q, STOP, YEAR, stem

_AUX = frozenset(("has", "have", "had", "did", "do", "does", "is", "are", "was", "were", "will"))
# Nouns that are plural without an -s: a count stops at them.
_PLURALS = frozenset(("people", "women", "men", "children", "staff", "personnel", "youth"))


def counted(question: str) -> str:
    """The words a "how many" (or "the number of") question counts, as asked ("local
    service points")."""
    m = re.search(r"\b(?:how many|number of) ((?:[\w'-]+ ?){1,4})", question.lower())
    words: list[str] = []
    for w in m.group(1).split() if m else []:
        if w in STOP or w in _AUX or w.endswith("ly"):
            break
        words.append(w)
        if w.endswith("s") or w in _PLURALS:
            break  # a count is of a plural noun ("members", "schools")
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
# Asked what was achieved or what is so now: a plan ("will reach 15%") does not answer it.
_ASKS_ACHIEVED = re.compile(r"\b(?:had|has|have)\b(?:\s+\w+){0,4}\s+\w+ed\b|\bactually\b", re.I)
_ASKS_NOW = re.compile(r"\b(?:today|current|currently|now|at present|so far|to date)\b", re.I)


def asks_actual(question: str, kind: str) -> bool:
    """Whether the question asks what was achieved or holds now (not what is planned)."""
    if kind == "target":
        return False
    return bool(_ASKS_ACHIEVED.search(question) or _ASKS_NOW.search(question))


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


# Words of a question that frame what is asked, not the thing itself: wh-words, auxiliaries,
# and the answer kinds ("which year", "what share", "how much money").
_FRAME_WORDS = frozenset(
    (
        "how",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "many",
        "much",
        "money",
        "year",
        "month",
        "date",
        "day",
        "share",
        "percentage",
        "proportion",
        "number",
        "amount",
        "sum",
        "roughly",
        "approximately",
        "exactly",
    )
)
_WORD = re.compile(r"[A-Za-z][\w'’-]*|\d[\d,.]*")


def _is_name(token: str, first: bool) -> bool:
    return (not first and token[:1].isupper()) or any(ch.isdigit() for ch in token)


@lru_cache(maxsize=256)
def asked_phrase(question: str, kind: str) -> str:
    """The thing a question asks of its subject, in its own words: "What is the yearly
    fee of X?" -> "yearly fee", "Who led the X?" -> "led", "In what year was X set
    up?" -> "set". The content words right after the question words, up to a name, a
    figure or a function word; when a name comes first, those right after the last name.
    "" for a question that asks nothing beyond its kind. How many X -> X."""
    if kind == "number":
        return counted(question)
    tokens = _WORD.findall(question)
    skip = STOP | _AUX | _FRAME_WORDS

    def run(toks: list[str], first_at: int) -> list[str]:
        out: list[str] = []
        for i, t in enumerate(toks):
            low = t.lower()
            if _is_name(t, i + first_at == 0):
                break
            if low in skip:
                if out:
                    break
                continue
            out.append(low)
            if len(out) == 3:
                break
        return out

    words = run(tokens, 0)
    if not words:
        names = [i for i, t in enumerate(tokens) if i and _is_name(t, False)]
        if names:
            words = run(tokens[names[-1] + 1 :], 1)
    return " ".join(words)
