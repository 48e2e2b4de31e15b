"""Who wrote a case: the bylines structure detection found on its title page.

A question about authorship is answered from the document's structure, not from a
sentence: a case's title page names its authors, and the outline keeps them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pipeline.types import Citation
from qa.candidates import Sentence
from qa.corpus import part_info

ASKS_AUTHOR = re.compile(
    r"\bwho (?:wrote|authored|is the author of|are the authors of)\b|\bauthors? of\b", re.I
)


def authors_answer(
    question: str, sents: Sequence[Sentence], index: Any
) -> tuple[str, Citation] | None:
    """ "Who wrote the case on X": the bylines structure detection found on its title page."""
    if not ASKS_AUTHOR.search(question):
        return None
    for s in sents:
        chunk = s.hit.chunk
        part = part_info(index).get((chunk.doc_sha256, chunk.part), {})
        authors = part.get("authors") or []
        if not authors:
            continue
        names = authors[0] if len(authors) == 1 else f"{', '.join(authors[:-1])} and {authors[-1]}"
        byline = Citation(
            document=chunk.document,
            sha256=chunk.doc_sha256,
            case=chunk.case,
            section="title page",
            page_label=part["page_labels"][0],
            pdf_page=part["pdf_pages"][0],
            quote="; ".join(authors),
        )
        return names, byline
    return None
