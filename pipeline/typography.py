"""The document's type sizes: body, section heading and part title, measured from its blocks."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from pipeline.types import Document


@dataclass(frozen=True)
class Typography:
    """The document's size levels, measured from its blocks."""

    body: float
    heading: float | None  # top-level section heading size
    title: float  # the smallest part-title size


def measure_typography(doc: Document) -> Typography:
    """Body, section-heading and part-title sizes of this document."""
    chars: Counter[float] = Counter()
    for page in doc.pages:
        for b in page.blocks:
            if b.kind != "table":
                chars[round(b.size, 1)] += len(b.text)
    body = chars.most_common(1)[0][0] if chars else 10.0
    # Bold, non-italic, short blocks above body size are heading candidates, counted by block.
    heads: Counter[float] = Counter()
    for page in doc.pages:
        for b in page.blocks:
            # Bold above body size, or clearly larger even if not bold (some typesettings
            # mark headings by size alone).
            prominent = (b.bold and b.size > body * 1.15) or b.size >= body * 1.3
            if prominent and not b.italic and len(b.text.split()) <= 30:
                heads[round(b.size, 1)] += 1
    heading = None
    if heads:
        # The most frequent heading size; part titles are the rarer, larger ones.
        heading = max(heads, key=lambda s: (heads[s], -s))
        if heads[heading] < 2:
            heading = None
    title = heading * 1.3 if heading else body * 1.6
    return Typography(body=body, heading=heading, title=title)
