"""The kind of span a question asks for, read from its wording alone.

Why here, below both ``index/`` and ``qa/``: answering reads the kind to pick candidate
spans, and retrieval reads it for the ``typed`` feature (``index.typed``); ``index/`` must
not import ``qa/``, so the cue lives in the pipeline both already build on.
"""

from __future__ import annotations

import re

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
    return "text"
