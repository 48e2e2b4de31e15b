"""Citations: each quoted sentence with its case, section and the printed page it is on."""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.types import Citation
from qa.candidates import Sentence


def citations(sents: Sequence[Sentence]) -> list[Citation]:
    """One citation per distinct sentence, in order; the page is the one the quote starts on."""
    out: list[Citation] = []
    seen: set[tuple[str, str]] = set()
    for s in sents:
        c = s.hit.chunk
        key = (c.id, s.text)
        if key in seen:
            continue
        seen.add(key)
        page, label = c.page_at(s.start)
        out.append(
            Citation(
                document=c.document,
                sha256=c.doc_sha256,
                case=c.case,
                section=c.section,
                page_label=label,
                pdf_page=page,
                quote=s.text,
                chunk_id=c.id,
            )
        )
    return out
