"""Whether a text is English, told by its share of English function words.

Why: the entity rules read English grammar and capitalisation, and the answer pool asks
English questions; a German thesis or Latin filler would give noise to both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_WORDS_RE = re.compile(r"[A-Za-z]+")
# English prose: 0.3-0.6 of its words are function words; German about 0.07
MIN_ENGLISH_SHARE = 0.15


def english_share(texts: Iterable[str], min_words: int = 50) -> float | None:
    """Share of the words that are English function words (spaCy's stop list); None when
    there are fewer than ``min_words`` words to tell by."""
    from spacy.lang.en.stop_words import STOP_WORDS

    words = [w.lower() for t in texts for w in _WORDS_RE.findall(t)]
    if len(words) < min_words:
        return None
    return sum(w in STOP_WORDS for w in words) / len(words)


def reads_as_english(texts: Iterable[str], min_words: int = 50) -> bool:
    """True when the texts read as English; too short a text to tell counts as English."""
    share = english_share(texts, min_words)
    return share is None or share >= MIN_ENGLISH_SHARE
