"""The document's type sizes: body, section heading and part title, measured from its blocks."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from pipeline.types import Block, Document


@dataclass(frozen=True)
class Typography:
    """The document's levels, measured from its blocks."""

    body: float
    heading: float | None  # top-level section heading size
    title: float  # the smallest part-title size
    body_family: str = ""
    heading_family: str | None = None  # set when headings stand out by family, not size
    heading_caps: bool = False  # headings set in capitals at about body size
    heading_italic: bool = False  # headings set in italics at about body size


def all_caps(b: Block) -> bool:
    """A short line in capitals ("WHAT WE LEARNED"): a heading style at body size."""
    letters = [c for c in b.text if c.isalpha()]
    return len(letters) >= 4 and b.text.isupper() and len(b.text.split()) <= 20


def _prominent(b: Block, body: float, body_family: str) -> bool:
    """Set apart from running text: larger, or bold and a little larger, or bold in another
    family (headings set at body size in a sans beside a serif text)."""
    if b.italic or b.kind == "table" or len(b.text.split()) > 30:
        return False
    if b.size >= body * 1.2:
        return True
    if b.bold and b.size > body * 1.04:
        return True
    if all_caps(b) and b.size >= body * 0.95:
        return True
    return bool(b.bold and b.family and body_family and b.family != body_family)


def measure_typography(doc: Document, title_floor: float | None = None) -> Typography:
    """Body, section-heading and part-title levels of this document.

    Body = the size (and family) of most text. The section-heading level is the most
    frequent style among prominent short blocks; part titles are prominent sizes clearly
    above it (≥ 1.12×), so a title only moderately larger than headings still counts.
    ``title_floor``: the smallest size of the part titles the document declares (its
    contents or bookmarks name them); that size and larger are titles, never headings.
    """
    chars: Counter[float] = Counter()
    fams: Counter[str] = Counter()
    for page in doc.pages:
        for b in page.blocks:
            if b.kind != "table":
                chars[round(b.size, 1)] += len(b.text)
                fams[b.family] += len(b.text)
    body = chars.most_common(1)[0][0] if chars else 10.0
    body_family = fams.most_common(1)[0][0] if fams else ""
    heads: Counter[tuple[float, str | None, bool]] = Counter()
    spread: dict[tuple[float, str | None, bool], set[int]] = {}
    for page in doc.pages:
        for b in page.blocks:
            if _prominent(b, body, body_family):
                # Family and capitals are part of the level only where they are what sets
                # the block apart from running text.
                near_body = b.size <= body * 1.04
                fam = b.family if near_body and b.family != body_family else None
                caps = near_body and not b.bold and all_caps(b)
                heads[(round(b.size, 1), fam, caps)] += 1
                spread.setdefault((round(b.size, 1), fam, caps), set()).add(b.pdf_page)
    # A heading level heads text on several pages; a style found on one page only (a list
    # of names on a credits page) is not the document's heading level.
    min_pages = min(3, max(1, len(doc.pages) // 2))
    heads = Counter(
        {
            k: n
            for k, n in heads.items()
            if len(spread[k]) >= min_pages and (title_floor is None or k[0] < title_floor - 0.3)
        }
    )
    heading, heading_family, heading_caps = None, None, False
    heading_italic = False
    if heads:
        key = max(heads, key=lambda k: (heads[k], -k[0]))
        if heads[key] >= 2:
            heading, heading_family, heading_caps = key
    italic = _italic_heads(doc, body)
    floor = title_floor
    if heading is not None and italic >= 1.5 * heads[(heading, heading_family, heading_caps)]:
        # The larger style opens a part once in a while (a title); the italic lines at body
        # size, several to each of them, are the section headings.
        # (A style at body size, such as a tag line in capitals, is no title.)
        if heading > body * 1.05:
            floor = min(floor or heading, heading)
        heading, heading_family, heading_caps = None, None, False
    if heading is None and italic >= 2:
        # No larger or bolder level: short italic lines at body size that open running
        # text are the section headings (a journal's run of questions).
        heading, heading_italic = body, True
    title_floor = floor
    title = max(heading * 1.12, body * 1.3) if heading else body * 1.6
    if title_floor is not None:
        title = min(title, title_floor - 0.3)
    return Typography(
        body, heading, title, body_family, heading_family, heading_caps, heading_italic
    )


def italic_head(b: Block, body: float) -> bool:
    """A short italic line at body size that is not a sentence: the shape of an italic heading."""
    text = b.text.strip()
    return (
        b.italic
        and not b.bold
        and b.kind != "table"
        and abs(b.size - body) < 0.3
        and len(text.split()) <= 20
        and sum(c.isalpha() for c in text) >= 3
        and not text.endswith((".", ",", ";"))
        and text[:1] not in "\"“'‘«("
        and len(b.lines) <= 3
    )


def _italic_heads(doc: Document, body: float) -> int:
    """How many italic heading-shaped lines open running text (the next block is plain
    text at body size) on at least three pages (fewer in a short document)."""
    pages: set[int] = set()
    count = 0
    for page in doc.pages:
        for b, nxt in zip(page.blocks, page.blocks[1:], strict=False):
            if (
                italic_head(b, body)
                and not nxt.italic
                and abs(nxt.size - body) < 0.3
                and len(nxt.text.split()) > 12
            ):
                count += 1
                pages.add(page.pdf_page)
    return count if len(pages) >= min(3, max(1, len(doc.pages) // 2)) else 0
