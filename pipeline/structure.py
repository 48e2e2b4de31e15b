"""Find parts (front matter, cases, back matter) and their sections from the text itself.

Nothing here knows this casebook: levels come from the document's own typography.
Running text sets the body size; a section heading is the most common bold size
clearly above it; a part title is markedly larger still; sub-headings are short bold
lines at about body size. A part is a case when its title page names authors and it has
a section heading, or when it holds three or more section headings.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from pipeline.types import Block, Document, Part, Section, Structure
from sources.pdf import assign_offsets

QUOTE_OPEN = "\"“'‘«"
_FOOTNOTE = re.compile(r"^([0-9]{1,3}|[¹²³⁴⁵⁶⁷⁸⁹⁰]+)\s*\S")
_CAPTION = re.compile(r"^(figure|fig\.|table|source|photo|image|chart|graph)s?\b", re.I)
_NAME = re.compile(
    r"^[A-ZÀ-Þ][\w'’.-]+(?: (?:[A-ZÀ-Þ][\w'’.-]+|de|da|van|von|der|del|la|le|y|di))+$"
)


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


def _classify(b: Block, typo: Typography) -> str:
    text = b.text
    words = len(text.split())
    if b.kind == "table":
        return "table"
    if b.size >= typo.title and words <= 40 and not b.italic:
        return "title"
    if (
        typo.heading
        and abs(b.size - typo.heading) < 0.3
        and (b.bold or b.size >= typo.body * 1.3)
        and not b.italic
        and words <= 30
    ):
        return "heading"
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


def _merge_quotes(doc: Document) -> None:
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


def detect_structure(doc: Document) -> Structure:
    """Split a document into parts and sections; sets each block's ``kind``."""
    typo = measure_typography(doc)
    for page in doc.pages:
        for b in page.blocks:
            b.kind = _classify(b, typo)  # type: ignore[assignment]
    _merge_quotes(doc)
    assign_offsets(doc)

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
        parts.append(_build_part(part_blocks, first_page, max(first_page, last_page), typo, doc))
    _assign_kinds(parts)
    return Structure(document=doc, parts=parts)


def _build_part(
    blocks: list[Block], first_page: int, last_page: int, typo: Typography, doc: Document
) -> Part:
    # Short lines printed above the title on its page (a tag such as "SECTOR | PLACE")
    # opened the part; the title is the run of title-size blocks that follows them.
    i = 0
    while i < len(blocks) and blocks[i].kind != "title" and blocks[i].pdf_page == first_page:
        i += 1
    if i == len(blocks) or blocks[i].kind != "title":
        i = 0
    tag = " · ".join(b.text for b in blocks[:i]) or None
    title_blocks: list[Block] = []
    while (
        i < len(blocks) and blocks[i].kind == "title" and blocks[i].pdf_page == blocks[0].pdf_page
    ):
        title_blocks.append(blocks[i])
        i += 1
    # The title proper is set in the largest size; smaller title-size lines are subtitles.
    top = max((b.size for b in title_blocks), default=0.0)
    title = " ".join(b.text for b in title_blocks if b.size >= top - 0.5) or doc.title
    rest = blocks[i:]

    _mark_name_lines(rest)
    authors, contributors = _authors(rest, first_page)
    part = Part(
        kind="front",
        title=_clean_title(title),
        first_page=first_page,
        last_page=last_page,
        authors=authors,
        tag=tag,
        contributors=contributors,
    )
    levels = {"heading": 1, "subheading": 2}
    if not any(b.kind == "heading" for b in rest):
        levels = {"subheading": 1}
    current: list[Section] = []  # stack of open sections by level
    for b in rest:
        level = levels.get(b.kind)
        if level is None or (level == 2 and not current):
            if level == 2 and not current:
                # A sub-heading before any section heading opens a section of its own.
                level = 1
            else:
                target = current[-1].blocks if current else part.blocks
                target.append(b)
                continue
        sec = Section(heading=b.text, level=level, first_page=b.pdf_page, last_page=b.pdf_page)
        sec.blocks.append(b)
        while current and current[-1].level >= level:
            current.pop()
        if current:
            current[-1].subsections.append(sec)
        else:
            part.sections.append(sec)
        current.append(sec)
    for sec in part.sections:
        _close_pages(sec)
    return part


def _close_pages(sec: Section) -> tuple[int, int]:
    pages = [b.pdf_page for b in sec.blocks]
    for sub in sec.subsections:
        pages.extend(_close_pages(sub))
    sec.first_page, sec.last_page = min(pages), max(pages)
    return sec.first_page, sec.last_page


def _mark_name_lines(blocks: list[Block]) -> None:
    """A short bold personal name followed by a short plain line (an affiliation) is a byline."""
    for b, nxt in pairwise(blocks):
        text = b.text.strip()
        if (
            b.bold
            and b.kind in ("subheading", "paragraph")
            and 2 <= len(text.split()) <= 5
            and _NAME.match(text)
            and not nxt.bold
            and nxt.pdf_page == b.pdf_page
            and len(nxt.text.split()) <= 20
            and abs(nxt.x0 - b.x0) < 3
        ):
            b.kind = "author"


def _authors(blocks: list[Block], title_page: int) -> tuple[list[str], str | None]:
    """Bylines on the part's title page, and a "with contributions from" note."""
    authors: list[str] = []
    contributors = None
    for b in blocks:
        if b.pdf_page != title_page or b.kind == "heading":
            break
        if b.kind == "author":
            authors.append(b.text.strip())
        elif re.match(r"^with contributions? (from|by)", b.text, re.I):
            contributors = re.sub(r"^with contributions? (from|by):?\s*", "", b.text, flags=re.I)
    return authors, contributors


def _clean_title(title: str) -> str:
    return re.sub(r"\s+", " ", title).strip()


def _assign_kinds(parts: list[Part]) -> None:
    """Cases name authors or hold several sections; others are front or back matter."""
    for p in parts:
        headed = sum(1 for s in p.sections if s.blocks and s.blocks[0].kind == "heading")
        if (p.authors and headed >= 1) or headed >= 3:
            p.kind = "case"
    case_idx = [i for i, p in enumerate(parts) if p.kind == "case"]
    if not case_idx:
        return
    for i, p in enumerate(parts):
        if p.kind != "case":
            p.kind = "front" if i < case_idx[0] else "back"


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
