"""The document's type sizes: body, section heading and part title, measured from its blocks."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from pipeline.numbering import split_number
from pipeline.types import Block, Document

# (size, bold, italic, family when not the body's, colour, capitals)
StyleKey = tuple[float, bool, bool, str, str, bool]
_BULLETS = ("•", "◦", "▪", "–", "-", "*", "●", "○", "‣")


def style_key(b: Block, body_family: str) -> StyleKey:
    """What a reader sees of a block's type: size, weight, slant, family, colour, capitals."""
    fam = b.family if b.family != body_family else ""
    return (round(b.size, 1), b.bold, b.italic, fam, b.color, all_caps(b))


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
    # Further heading styles read from the document (italic, another family, a colour, a
    # size between levels): style key -> 1 (section heading) or 2 (sub-heading).
    styles: tuple[tuple[StyleKey, int], ...] = ()

    def style_level(self, b: Block) -> int:
        """The heading level of a block's style among ``styles``; 0 when it is not one."""
        key = style_key(b, self.body_family)
        return next((lvl for k, lvl in self.styles if k == key), 0)


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
    numbers: Counter[tuple[float, str | None, bool]] = Counter()
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
                numbers[(round(b.size, 1), fam, caps)] += split_number(b.text)[0] is not None
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
        # A style that the document numbers ("1.2 …", "3. …") on most of its blocks is its
        # section headings, ahead of a more frequent unnumbered one (run-in labels in capitals).
        numbered = {k for k in heads if heads[k] >= 2 and numbers[k] >= 0.5 * heads[k]}
        key = max(numbered or heads, key=lambda k: (heads[k], -k[0]))
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
    base = Typography(
        body, heading, title, body_family, heading_family, heading_caps, heading_italic
    )
    return replace(base, styles=_heading_styles(doc, base))


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


def _standalone(b: Block) -> bool:
    """A short line standing alone, as a heading does: not a sentence, a cell or an item."""
    text = b.text.strip()
    return (
        1 <= len(text.split()) <= 18
        and len(b.lines) <= 2
        and not b.in_grid
        and b.kind != "table"
        and not text.endswith((".", ",", ";", ":", ")"))
        and not text.startswith(_BULLETS)
        and (text[:1].isupper() or text[:1].isdigit())
    )


def _opens_content(blocks: list[Block], i: int) -> bool:
    """Block ``i`` is running text (a paragraph of some length) or a table."""
    if i >= len(blocks):
        return False
    b = blocks[i]
    return len(b.text.split()) >= 15 or b.kind == "table" or b.in_grid


def _heading_styles(doc: Document, typo: Typography) -> tuple[tuple[StyleKey, int], ...]:
    """Styles other than running text's that the document uses (almost) only for short lines
    standing alone before running text (or a table): headings set apart by slant, family, colour,
    capitals or an intermediate size, whatever their weight or size.

    A style is a level when at least two blocks use it and ≥ 80% of its blocks are such
    lines; the most prominent styles (size, then weight) rank first. Styles the fixed levels
    already read (the section heading, part titles) are left to them.
    """
    body = typo.body
    blocks = [b for page in doc.pages for b in page.blocks]
    total: Counter[StyleKey] = Counter()
    heads: Counter[StyleKey] = Counter()
    for i, b in enumerate(blocks):
        if b.kind == "table" or b.in_grid:
            continue
        key = style_key(b, typo.body_family)
        total[key] += 1
        if not _standalone(b):
            continue
        if _opens_content(blocks, i + 1) or (
            i + 1 < len(blocks)
            and _standalone(blocks[i + 1])
            and style_key(blocks[i + 1], typo.body_family) != key
            and _opens_content(blocks, i + 2)
        ):
            # Before running text or a table, or before a sub-heading that is (a list of
            # names and roles alternating two styles is neither).
            heads[key] += 1
    out: list[tuple[StyleKey, int]] = []
    ranked = sorted(heads, key=lambda k: (-k[0], not k[1], not k[5], k[4] == "", k[3] == ""))
    top_done = typo.heading is not None
    for key in ranked:
        size, bold, italic, fam, colour, caps = key
        distinct = size > body * 1.04 or bold or italic or fam or colour or caps
        if (
            not distinct
            or size < body - 0.25  # not smaller than running text (a box, a note)
            or size >= typo.title
            or heads[key] < 2
            or heads[key] < 0.8 * total[key]
        ):
            continue
        if typo.heading is not None:
            level = 1 if size > typo.heading + 0.3 else 2
        else:
            level = 2 if top_done else 1
            top_done = True
        out.append((key, level))
    return tuple(out)
