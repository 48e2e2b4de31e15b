"""All block texts laid out as one string, so chunks and citations can use character offsets."""

from __future__ import annotations

from pipeline.types import Block, Document


def continues(a: Block, b: Block) -> bool:
    """Whether ``b`` carries on the sentence ``a`` broke off (at a column or page end)."""
    return (
        a.kind == "paragraph"
        and b.kind == "paragraph"
        and abs(a.size - b.size) < 0.3
        and a.bold == b.bold
        and a.italic == b.italic
        and not a.text.rstrip().endswith((".", "!", "?", ":", '"', "”", "’"))
        and b.text[:1].islower()
    )


def assign_offsets(doc: Document) -> None:
    """Lay out all block texts as one string so chunks can cite character offsets.

    Blocks are separated by a blank line, except a block that continues a sentence
    broken by a column or page end, which follows after a single space.
    """
    parts: list[str] = []
    pos = 0
    prev: Block | None = None
    for page in doc.pages:
        for block in page.blocks:
            if prev is not None:
                sep = " " if continues(prev, block) else "\n\n"
                parts.append(sep)
                pos += len(sep)
            block.start, block.end = pos, pos + len(block.text)
            parts.append(block.text)
            pos = block.end
            prev = block
    doc.text = "".join(parts)
