"""Sentence splitting and chunk settings: what both ingest and the query path need.

Kept apart from ``pipeline.chunks`` (which imports structure detection and so pypdf) so
that answering a question imports none of the PDF machinery.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pipeline.tokenize import MAX_WORD_PIECES

# Sentence ends: ., ! or ? (optionally closed by a quote or bracket) before a capital, digit,
# opening quote or bullet. Abbreviations and initials are protected below.
_SENT_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9•])")
_ABBREV = re.compile(
    r"(?:\b(?:e\.g|i\.e|etc|vs|Mr|Mrs|Ms|Dr|Prof|St|No|Vol|pp|cf|al|Inc|Ltd|Co|Jr|Sr|approx)\.|\b[A-Z]\.)$"
)


@dataclass(frozen=True)
class ChunkSettings:
    """Recorded in the index: an index built with other settings is refused."""

    max_word_pieces: int = MAX_WORD_PIECES
    target_word_pieces: int = 200  # pack up to this; never exceed max_word_pieces
    # 3: chunks record where each later page starts (page_starts); 4: tables print their
    # corner cell once, and chunks record the tables they lie in (table_title)
    version: int = 4

    def fingerprint(self) -> dict[str, int]:
        return {
            "max_word_pieces": self.max_word_pieces,
            "target_word_pieces": self.target_word_pieces,
            "chunker_version": self.version,
        }


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) in ``text``; newlines (table rows) also end sentences."""
    spans: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text):
        base = line.start()
        seg = line.group()
        start = 0
        for m in _SENT_END.finditer(seg):
            if _ABBREV.search(seg[: m.start()]):
                continue
            end = m.start() + len(m.group().rstrip())  # keep closing quotes/brackets
            if seg[start:end].strip():
                spans.append((base + start, base + end))
            start = m.end()
        if seg[start:].strip():
            spans.append((base + start, base + len(seg.rstrip())))
    return spans


def is_quotable(piece: str) -> bool:
    """Whether an answer may quote this: not a heading phrased as a question, no fragment."""
    piece = piece.strip()
    return len(piece) >= 8 and not piece.endswith("?")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences an answer may quote."""
    return [(s, e) for s, e in split_sentences(text) if is_quotable(text[s:e])]


def chunk_sentences(chunk: Any) -> list[tuple[int, int, str]]:
    """(start, end, text) of each sentence of a chunk: ingest stores a vector for each, and
    dense search ranks a chunk by its best sentence."""
    return [(s, e, chunk.text[s:e].strip()) for s, e in sentence_spans(chunk.text)]
