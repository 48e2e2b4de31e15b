"""The kind of span a question asks for, read from its wording alone.

Why here, below both ``index/`` and ``qa/``: answering reads the kind to pick candidate
spans, and retrieval reads it for the ``typed`` feature (``index.typed``); ``index/`` must
not import ``qa/``, so the cue lives in the pipeline both already build on.
"""

from __future__ import annotations

import re
from functools import cache

from pipeline.lexicons import load as load_lexicon

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
        r"(?:year|month|date|time ?frame|period)(?:s(?!\s+(?:of|old)\b))?\b|\bsince when\b",
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
    # Not typed further by the noun phrase after "which" (``phrase_kind``): measured on the
    # studied sets, typing 7 more of their questions right cost answers (held-out A 0.65 →
    # 0.59, G 0.62 → 0.60, H 0.72 → 0.71), a sentence holding the fact being right more often
    # than the span chosen in it (docs/tried.md).
    return "text"


# The nouns that say what kind of answer the noun phrase after "which"/"what" asks for.
_PHRASE_NOUNS = {
    "date": ("year", "month", "date", "period", "span", "timeframe", "deadline"),
    "percent": ("percentage", "share", "proportion", "fraction", "rate"),
    "number": ("number", "population", "ranking", "rank", "count", "headcount"),
    "amount": ("amount", "sum", "budget", "funding", "investment", "cost", "price", "spending",
               "wage", "salary", "fee", "grant", "loan"),
    "place": ("city", "country", "region", "place", "town", "province", "district", "borough",
              "neighbourhood", "neighborhood", "municipality", "county", "village", "capital"),
}  # fmt: skip
# "Which"/"what" opening the question, after a preposition ("in which", "from which") or
# after a comma: not a relative "which" inside it ("the date by which the fund …").
_WH_PHRASE = re.compile(
    r"(?:^|,\s*)(?:[a-z]+\s+){0,2}?(?:which|what)\s+(?:(?:is|was|are|were)\s+the\s+|of\s+the\s+)?"
    r"((?:[\w'’-]+[,;:?]?\s+){0,4}[\w'’-]+)"
)
_DETERMINERS = frozenset(("the", "a", "an", "its", "their", "his", "her", "this", "these", "those"))


def _noun_kind(word: str) -> str | None:
    """The kind a noun asks for: a date, percent, number, amount or place noun, a post or a
    body (an actor: the entity rules' own lists); None for any other word."""
    for form in dict.fromkeys((word, re.sub(r"ies$", "y", word), re.sub(r"e?s$", "", word))):
        for kind, nouns in _PHRASE_NOUNS.items():
            if form in nouns:
                return kind
        if form in _posts():
            return "person"
        if form in _bodies():
            return "org"
    return None


def phrase_kind(question: str) -> str | None:
    """What the noun phrase after "which"/"what" names, as a kind: "date", "percent",
    "number", "amount", "place", or "person"/"org" (an actor); None when it names none.

    Its head is the possessor when it has one ("which city's plan" asks for a city), else
    the last of its nouns that names a kind ("what closing month", "which borough council").
    The phrase ends at a function word or a comma ("which fund, once …"), and before a word
    followed by a determiner, a verb ("which unit audits the levy")."""
    m = _WH_PHRASE.search(question.lower().strip())
    if m is None:
        return None
    words = m.group(1).split()
    found = None
    for i, raw in enumerate(words):
        word = raw.rstrip(",;:?")
        if word in _function_words():
            if word == "of" and found == "date" and words[i - 1].endswith("s"):
                return None  # "what years of service": a length, not a date
            break
        if i and i + 1 < len(words) and words[i + 1] in _DETERMINERS:
            break  # "chairs the board": a verb and its object
        possessive = re.sub(r"['’]s$", "", word)
        kind = _noun_kind(possessive)
        if possessive != word:
            return kind
        found = kind or found
        if raw != word:
            break  # a comma ends the phrase
    return found


@cache
def _posts() -> frozenset[str]:
    """Nouns naming a post a person holds (not the titles before a name: "former")."""
    return load_lexicon("role_nouns")


@cache
def _bodies() -> frozenset[str]:
    return load_lexicon("org_heads")


@cache
def _function_words() -> frozenset[str]:
    return load_lexicon("function_words")
