"""Passage matching: when a retrieved passage holds a gold evidence quote.

The rule of the gold README ("Matching a retrieved passage to the evidence"). Its own
module because both gold loading (which checks that every quote is in the corpus) and
scoring need it, and neither should import the other for it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from fractions import Fraction
from functools import lru_cache

MATCH_THRESHOLD = Fraction(3, 5)
"""A passage matches when the longest contiguous run of quote tokens it contains covers
at least 60% of the quote's tokens. A Fraction, so 3 of 5 tokens is exactly 60%."""

_TOKEN_RE = re.compile(r"[^\W_]+")  # runs of letters or digits (Unicode-aware)


@lru_cache(maxsize=8192)
def _tokens(text: str) -> tuple[str, ...]:
    return tuple(_TOKEN_RE.findall(unicodedata.normalize("NFKC", text).lower()))


def normalise_tokens(text: str) -> list[str]:
    """NFKC, lower case, every run of non-letters/digits is a separator; the README rule."""
    return list(_tokens(text))


@dataclass(frozen=True)
class Coverage:
    """The longest contiguous run of a quote's tokens found in a passage."""

    run: int  # tokens in the longest run
    n: int  # tokens in the quote

    @property
    def coverage(self) -> float:
        return self.run / self.n if self.n else 0.0

    @property
    def matches(self) -> bool:
        return self.n > 0 and Fraction(self.run, self.n) >= MATCH_THRESHOLD


@lru_cache(maxsize=4096)
def _token_set(tokens: tuple[str, ...]) -> frozenset[str]:
    return frozenset(tokens)


@lru_cache(maxsize=4096)
def _matcher(passage: tuple[str, ...]) -> SequenceMatcher:
    """One matcher per passage: its index of the passage (b2j) is built once."""
    sm: SequenceMatcher = SequenceMatcher(None, autojunk=False)
    sm.set_seq2(passage)
    return sm


def best_coverage(quote_tokens: Sequence[str], passage_tokens: Sequence[str]) -> Coverage:
    """Exact longest run of ``quote_tokens`` occurring contiguously in ``passage_tokens``."""
    quote, passage = tuple(quote_tokens), tuple(passage_tokens)
    if not quote or not passage:
        return Coverage(0, len(quote))
    present = _token_set(passage)
    if not any(t in present for t in quote):
        return Coverage(0, len(quote))
    sm = _matcher(passage)
    sm.set_seq1(quote)
    match = sm.find_longest_match(0, len(quote), 0, len(passage))
    return Coverage(match.size, len(quote))


def _could_match(quote: tuple[str, ...], present: frozenset[str]) -> bool:
    """Cheap bound: a run cannot be longer than the number of quote tokens present at all."""
    found = sum(1 for t in quote if t in present)
    return Fraction(found, len(quote)) >= MATCH_THRESHOLD


def passage_matches(passage_text: str, evidence_quotes: Iterable[str]) -> bool:
    """True when the passage holds >= 60% of some evidence quote as one contiguous run."""
    passage = _tokens(passage_text)
    if not passage:
        return False
    present = _token_set(passage)
    for quote_text in evidence_quotes:
        quote = _tokens(quote_text)
        if quote and _could_match(quote, present) and best_coverage(quote, passage).matches:
            return True
    return False


def passage_coverage(passage_text: str, evidence_quotes: Iterable[str]) -> float:
    """The best coverage of any quote by this passage, 0..1 (explains near misses)."""
    passage = _tokens(passage_text)
    return max((best_coverage(_tokens(q), passage).coverage for q in evidence_quotes), default=0.0)
