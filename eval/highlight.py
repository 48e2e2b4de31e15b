"""Where a quote is printed on its page per pypdf: the independent check of a highlight.

The app highlights with pypdfium2's character boxes; this places the quote with the
lines the PDF reader in ``sources/`` reads (pypdf's text positions), so the two come
from different libraries. A measuring tool for ``tests/test_web.py`` and
``bench/bench_highlight.py``; nothing at run time uses it.
"""

from __future__ import annotations

import difflib
import unicodedata
from typing import Any


def _alnum(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in folded if ch.isalnum())


def quote_lines(doc: Any, pdf_page: int, quote: str) -> list[tuple[float, float, float, float]]:
    """Rectangles (x0, top, x1, bottom; points from the top-left) of the pypdf lines that
    print ``quote``: the page's lines are joined (letters and digits only), the quote is
    aligned with them, and the lines under the aligned stretch are returned."""
    q = _alnum(quote)
    lines = [ln for block in doc.pages[pdf_page - 1].blocks for ln in block.lines]
    joined, owner = [], []
    for i, ln in enumerate(lines):
        s = _alnum(ln.text)
        joined.append(s)
        owner += [i] * len(s)
    text = "".join(joined)
    sm = difflib.SequenceMatcher(None, text, q, autojunk=False)
    blocks = sorted((b for b in sm.get_matching_blocks() if b.size >= 4), key=lambda b: -b.size)
    if not blocks:
        return []
    lo, hi = blocks[0].a, blocks[0].a + blocks[0].size
    for b in sorted(blocks[1:], key=lambda b: abs(b.a - blocks[0].a)):
        if b.a + b.size >= lo - 40 and b.a <= hi + 40:  # beside what is aligned so far
            lo, hi = min(lo, b.a), max(hi, b.a + b.size)
    rects = []
    for i in sorted({owner[k] for k in range(lo, hi)}):
        ln = lines[i]  # Line.top is the baseline's distance from the page top (pypdf's y)
        rects.append((ln.x0, ln.top - 0.8 * ln.size, ln.x1, ln.top + 0.2 * ln.size))
    return rects


def overlaps(box: Any, line: Any, slack: float = 1.0) -> bool:
    """Whether a highlight box and a pypdf line rectangle overlap. pypdf's right edge is
    estimated from glyph widths without a justified line's stretched spaces, so the line
    is taken a little wider (12% of its width) to the right."""
    right = line[2] + 0.12 * (line[2] - line[0]) + slack
    return (
        box[0] < right
        and line[0] < box[2] + slack
        and box[1] < line[3] + slack
        and line[1] < box[3] + slack
    )
