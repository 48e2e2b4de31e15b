"""Find parts (front matter, cases, back matter) and their sections from the text itself.

Nothing here knows this casebook: levels come from the document's own typography.
Running text sets the body size; a section heading is the most common bold size
clearly above it; a part title is markedly larger still; sub-headings are short bold
lines at about body size. A part is a case when its title page names authors and it has
a section heading, or when it holds three or more section headings.
"""

from __future__ import annotations

from pipeline.blocks import classify_block, merge_quotes
from pipeline.bylines import lowercase_vocabulary
from pipeline.offsets import assign_offsets
from pipeline.parts import assign_kinds, build_part
from pipeline.types import Document, Part, Section, Structure
from pipeline.typography import Typography, measure_typography

__all__ = ["Typography", "detect_structure", "iter_sections", "measure_typography", "outline"]


def detect_structure(doc: Document) -> Structure:
    """Split a document into parts and sections; sets each block's ``kind``."""
    typo = measure_typography(doc)
    for page in doc.pages:
        for b in page.blocks:
            b.kind = classify_block(b, typo)  # type: ignore[assignment]
    merge_quotes(doc)
    assign_offsets(doc)
    vocab = lowercase_vocabulary([doc.text])

    blocks = [b for page in doc.pages for b in page.blocks]
    # Part starts: the first title-size block of a page (consecutive title blocks join).
    starts: list[int] = []
    for i, b in enumerate(blocks):
        if b.kind != "title" or (starts and blocks[starts[-1]].pdf_page == b.pdf_page):
            continue
        # Short lines printed above the title on its page (a tag, a label) open the part.
        j = i
        while (
            j > 0 and blocks[j - 1].pdf_page == b.pdf_page and len(blocks[j - 1].text.split()) <= 12
        ):
            j -= 1
        starts.append(j)
    if not starts or starts[0] != 0:
        starts.insert(0, 0)

    parts: list[Part] = []
    for k, s in enumerate(starts):
        e = starts[k + 1] if k + 1 < len(starts) else len(blocks)
        part_blocks = blocks[s:e]
        if not part_blocks:
            continue
        first_page = part_blocks[0].pdf_page if k else 1
        last_page = (blocks[e].pdf_page - 1) if e < len(blocks) else doc.page_count
        last = max(first_page, last_page)
        parts.append(build_part(part_blocks, first_page, last, typo, doc, vocab))
    assign_kinds(parts)
    return Structure(document=doc, parts=parts)


def iter_sections(part: Part) -> list[tuple[list[str], Section]]:
    """Every section of a part with its heading path, depth first."""
    out: list[tuple[list[str], Section]] = []

    def walk(sec: Section, path: list[str]) -> None:
        here = [*path, sec.heading]
        out.append((here, sec))
        for sub in sec.subsections:
            walk(sub, here)

    for s in part.sections:
        walk(s, [])
    return out


def outline(structure: Structure) -> dict:
    """The document's parts and sections as the stable JSON of ``casebook cases --json``."""
    doc = structure.document

    def pages(first: int, last: int) -> dict:
        return {
            "pdf_pages": [first, last],
            "page_labels": [doc.label_of(first), doc.label_of(last)],
        }

    def section(sec: Section) -> dict:
        return {
            "heading": sec.heading,
            "number": sec.number,
            **pages(sec.first_page, sec.last_page),
            "subsections": [section(s) for s in sec.subsections],
        }

    return {
        "sha256": doc.sha256,
        "title": doc.title,
        "path": doc.path,
        "pages": doc.page_count,
        "parser": doc.parser,
        "parts": [
            {
                "kind": p.kind,
                "title": p.title,
                "authors": p.authors,
                "tag": p.tag,
                "contributors": p.contributors,
                **pages(p.first_page, p.last_page),
                "sections": [section(s) for s in p.sections],
            }
            for p in structure.parts
        ],
    }
