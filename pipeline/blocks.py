"""The role of each block (heading, sub-heading, title, quote, caption, footnote, list item)."""

from __future__ import annotations

import re

from pipeline.types import Block, Document
from pipeline.typography import Typography, all_caps, italic_head

QUOTE_OPEN = "\"“'‘«"
_FOOTNOTE = re.compile(r"^([0-9]{1,3}|[¹²³⁴⁵⁶⁷⁸⁹⁰]+)\s*\S")
_CAPTION = re.compile(r"^(figure|fig\.|table|source|photo|image|chart|graph)s?\b", re.I)


def classify_block(b: Block, typo: Typography) -> str:
    kind = _classify(b, typo)
    if b.in_grid and kind in ("title", "heading", "subheading"):
        return "paragraph"  # a table cell at body size (pipeline.grid), never a heading
    return kind


def _classify(b: Block, typo: Typography) -> str:
    text = b.text
    words = len(text.split())
    if b.kind == "table":
        return "table"
    if b.size >= typo.title and words <= 40 and not b.italic:
        return "title"
    if typo.heading_italic:
        return "heading" if italic_head(b, typo.body) else _minor(b, typo, text, words)
    if (
        typo.heading
        and abs(b.size - typo.heading) < 0.3
        and (
            (all_caps(b) and not b.bold)
            if typo.heading_caps
            else (b.bold or b.size >= typo.body * 1.2)
        )
        and (typo.heading_family is None or b.family == typo.heading_family)
        and not b.italic
        and words <= 30
    ):
        return "heading"
    return _minor(b, typo, text, words)


def _minor(b: Block, typo: Typography, text: str, words: int) -> str:
    """Roles below the fixed heading levels: a further heading style the document uses
    (``Typography.styles``), quote, caption, footnote, list item, sub-heading."""
    styled = typo.style_level(b)
    if styled and words <= 18:
        return "heading" if styled == 1 else "subheading"
    if b.italic and b.size > typo.body * 1.1 and text[:1] in QUOTE_OPEN:
        return "quote"
    if b.italic and (b.size < typo.body or _CAPTION.match(text)) and words <= 60:
        return "caption"
    if b.size < typo.body * 0.85 and _FOOTNOTE.match(text):
        return "footnote"
    if text[:2] in {"• ", "◦ ", "▪ ", "– ", "- ", "* ", "● ", "○ ", "‣ "}:
        return "list_item"
    if (
        b.bold
        and typo.body * 0.9 <= b.size <= typo.body * 1.15 + 0.01
        and words <= 25
        and not text.endswith((",", ";"))
    ):
        return "subheading"
    return "paragraph"


def merge_quotes(doc: Document) -> None:
    """Keep a pull quote and the attribution printed under it together, as one block."""
    for page in doc.pages:
        merged: list[Block] = []
        for b in page.blocks:
            prev = merged[-1] if merged else None
            if (
                prev is not None
                and prev.kind == "quote"
                and b.kind not in ("heading", "title")
                and len(b.text.split()) <= 20
                and not b.italic
                and b.size < prev.size
                and abs(b.x0 - prev.x0) < 4
            ):
                prev.text = f"{prev.text} — {b.text}"
                prev.lines = prev.lines + b.lines
                continue
            merged.append(b)
        page.blocks = merged
