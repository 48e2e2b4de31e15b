"""Words and patterns shared by question typing, candidates and features.

Why one module: the question and the evidence must be read with the same tokeniser,
stemmer and figure patterns, or "operating" in a question never meets "operates" in
a sentence. The figure patterns (numbers, percents, money, years) live in
``pipeline.quantities``, one copy for the extractor and the answerer.
"""

from __future__ import annotations

import re

from index.lexical import stem
from pipeline.lexicons import load as load_lexicon
from pipeline.quantities import YEAR

STOP = load_lexicon("function_words")  # in pipeline/: the question typer reads it too

MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
DATE = re.compile(
    rf"(?:(?:\d{{1,2}}\s)?(?:{MONTHS})\.?\s{YEAR}|{YEAR}\s?(?:-|–|—|to)\s?(?:{YEAR}|now|present|ongoing)|{YEAR})",
    re.I,
)
UNIT = re.compile(
    r"(?:[\s-](?!(?:and|or|in|of|to|by|the|a|an|for|from|with|per|each|at|on|as|than)\b)"
    r"[a-z][\w'-]*){1,2}",
    re.I,
)
NAME = re.compile(
    r"(?:the\s)?(?:[A-Z][\w'’.&-]*|[A-Z]{2,})(?:\s(?:(?:of|for|and|the|de|la|del|at|on|&)\s)*"
    r"(?:[A-Z][\w'’.&-]*|\([A-Z][\w]*\)))*"
)
# A figure a question states: "in 2022", "the 25 members".
NUMBER_IN_Q = re.compile(r"(?<![\w-])\d[\d,.]*\d(?![\w-])|(?<![\w-])\d(?![\w-])")
# A capitalised word that is a name, not a sentence start: "Fund", "UN", "SNIBs".
NAME_WORD = re.compile(r"\b(?:[A-Z][\w'’-]*[a-zà-ÿ][\w'’-]*|[A-Z]{2,}s?)\b")
MULTI_NAME = re.compile(r"\b[A-Z][\w'’-]*(?:\s+(?:of|for|and|the)?\s*[A-Z][\w'’-]*)+\b")
# Statements of what will be: a plan is not what was achieved.
PROSPECTIVE = re.compile(
    r"\b(?:will|shall|aims? to|aiming to|(?:is|are) expected to|plans? to|intends? to|"
    r"seeks? to|target(?:s|ed)? (?:of|to)|goal (?:of|to|is)|"
    r"(?:challenge|aim|ambition|objective|mission|plan) is to)\b",
    re.I,
)
TARGET_SHAPE = re.compile(
    rf"(?i)(?:\d|net[ -]zero|doubl|halv|tripl|all\b|every\b).*?\b(?:by|until|before|no later than)"
    rf" (?:the end of )?{YEAR}\b|\bby {YEAR}\b.*?\d"
)


def terms(text: str) -> list[str]:
    """The stems of a text's words, function words left out."""
    return [stem(w) for w in re.findall(r"[a-z0-9£€$%]+", text.lower()) if w not in STOP]


def words_of(text: str) -> list[str]:
    return re.findall(r"[\w£€$%]+", text.lower())
