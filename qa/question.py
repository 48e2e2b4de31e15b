"""What a question asks for: its answer type, what it counts, what it pins down.

Read from the question's wording alone (wh-words and the nouns after them), never from
the passages: the same question gets the same reading over any casebook.
"""

from __future__ import annotations

import re
from functools import lru_cache

from qa.text import MULTI_NAME, NAME_WORD, NUMBER_IN_Q, STOP, YEAR, stem

_ACTOR_NOUNS = (
    r"organi[sz]ations?|bod(?:y|ies)|agenc(?:y|ies)|ministr(?:y|ies)|departments?|groups?|"
    r"persons?|people|ngos?|compan(?:y|ies)|institutions?|teams?|offices?|banks?|donors?|"
    r"partners?|funders?|universit(?:y|ies)|councils?|authorit(?:y|ies)|firms?|mayors?|"
    r"ministers?|leaders?|officials?|experts?|professors?|researchers?|actors?|entit(?:y|ies)|"
    r"units?|taskforces?|boards?|committees?|"
    r"economists?|scholars?|academics?|authors?|writers?|presidents?|directors?|chairs?|"
    r"heads?|politicians?|councillors?|secretar(?:y|ies)|governors?"
)


# Words between "which/what" and a noun that make the noun the subject, not the thing
# asked for: "what must a firm pledge" asks about a pledge, not a firm.
_NOT_MODIFIER = (
    r"(?!(?:must|did|does|do|is|are|was|were|can|could|should|will|would|has|have|had|may|might)\b)"
)


def question_type(question: str) -> str:
    """The kind of span the question asks for."""
    q = question.lower().strip()
    if re.search(
        r"\bhow much\b|\bwhat (?:\w+ )?(?:amount|sum|budget|funding|investment|total|"
        r"increase|contribution|return|value|cost|price|saving|savings|revenue|wage|salary|"
        r"pay|allowance|fee)s?\b",
        q,
    ) and re.search(
        r"\b(?:money|fund|funding|budget|invest|paid|pay|spend|spent|cost|capital|"
        r"financ|£|€|\$|rand|euro|pound|dollar|gdp|committed|raised|grant|"
        r"loan|revenue|price|worth|wage|salar|allowance|fee)",
        q,
    ):
        return "amount"
    if re.search(
        r"^(?:what|which) (?:is|was|are|were) (?:the )?(?:[\w'’-]+ ){0,4}"
        r"(?:budget|cost|costs|funding|price|spending|investment|grant|loan|revenue|fees?|"
        r"wages?|salar(?:y|ies))\b",
        q,
    ):
        return "amount"
    if re.search(
        r"\b(?:percentage|per ?cent|what share|what proportion|what fraction|"
        r"(?:what|which) (?:\w+ ){0,3}rate)\b",
        q,
    ):
        return "percent"
    if re.search(
        r"\b(?:target|goal|aim|aims|ambition|pledge|seeking|hope|hopes|expect|expects|aspire|"
        r"set to|planned to)\b",
        q,
    ) and re.search(r"\b(?:by|what|which|how many|how much|level)\b", q):
        return "target"
    if re.search(
        r"^(?:when|by when)\b|\b(?:what|which|in which|in what) "
        r"(?:year|month|date|time ?frame|period)\b|\bsince when\b",
        q,
    ):
        return "date"
    if re.search(r"\bhow (?:many|long)\b|\bwhat (?:was |is )?(?:the )?(?:\w+ )?number of\b", q):
        return "number"
    if re.search(
        rf"^who\b|\bwho\b|\bwhose\b|\b(?:which|what) (?:{_NOT_MODIFIER}\w+ ){{0,2}}"
        rf"(?:{_ACTOR_NOUNS})\b|"
        r"\bwhat is the name\b|\bname of\b",
        q,
    ):
        return "actor"
    if re.search(r"^where\b|\bwhich (?:city|country|region|place|town|province)\b", q):
        return "place"
    return "text"


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


@lru_cache(maxsize=256)
def name_words(question: str) -> tuple[str, ...]:
    """The capitalised words of a question that name something (not its first word)."""
    first = question.split()[0] if question.split() else ""
    out = []
    for m in NAME_WORD.finditer(question):
        word = re.sub(r"['’]s$", "", m.group())
        if m.start() == 0 or word == first or word.lower() in STOP:
            continue
        out.append(word)
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
