"""A part (front matter, case, back matter): its title, bylines, sections and kind."""

from __future__ import annotations

import re
from itertools import pairwise

from pipeline.bylines import ABOUT_AUTHORS, authors_at_end, authors_from_blocks
from pipeline.numbering import depth, split_number
from pipeline.outline import Anchor
from pipeline.types import Block, Document, Part, Section
from pipeline.typography import Typography

_NAME = re.compile(
    r"^[A-ZÀ-Þ][\w'’.-]+(?: (?:[A-ZÀ-Þ][\w'’.-]+|de|da|van|von|der|del|la|le|y|di))+$"
)


def build_part(
    blocks: list[Block],
    first_page: int,
    last_page: int,
    typo: Typography,
    doc: Document,
    vocab: set[str] | None = None,
) -> Part:
    """One part from its blocks: tag, title, authors and the tree of its sections.

    ``vocab`` holds the words the document prints in lower case (see ``pipeline.bylines``).
    """
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
        i < len(blocks)
        and blocks[i].kind == "title"
        and (
            blocks[i].pdf_page == blocks[0].pdf_page
            # a title broken over a page end carries on at the top of the next page
            or (
                title_blocks
                and blocks[i].pdf_page == title_blocks[-1].pdf_page + 1
                and blocks[i - 1] is title_blocks[-1]
                and abs(blocks[i].size - title_blocks[-1].size) < 0.3
                and not any(b.pdf_page == blocks[i].pdf_page for b in blocks[:i])
            )
        )
    ):
        if title_blocks and _numbered_below(blocks[i], title_blocks):
            blocks[i].kind = "heading"  # "1 Scope" under the title: the first section
            break
        title_blocks.append(blocks[i])
        i += 1
    # The title proper is set in the largest size; smaller title-size lines are subtitles.
    top = max((b.size for b in title_blocks), default=0.0)
    title = " ".join(b.text for b in title_blocks if b.size >= top - 0.5) or doc.title
    rest = blocks[i:]

    _mark_name_lines(rest)
    authors, contributors = _authors(rest, blocks[i - 1].pdf_page if i else first_page, vocab)
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
        number, heading = split_number(b.text)
        if b.kind == "heading" and depth(number) > level:
            level = depth(number)  # "2.3" nests under "2" whatever its type size
        if b.kind != "heading":
            heading = b.text  # a numbered sub-heading is an item of a list ("1. …"): kept
        sec = Section(
            heading=heading,
            level=level,
            first_page=b.pdf_page,
            last_page=b.pdf_page,
            number=number,
        )
        sec.blocks.append(b)
        while current and current[-1].level >= level:
            current.pop()
        if current:
            current[-1].subsections.append(sec)
        else:
            part.sections.append(sec)
        current.append(sec)
    _finish(part, vocab)
    return part


def _numbered_below(b: Block, title_blocks: list[Block]) -> bool:
    """A numbered line set smaller than the title above it opens a section, not a subtitle."""
    return split_number(b.text)[0] is not None and b.size < min(t.size for t in title_blocks) - 0.5


def _finish(part: Part, vocab: set[str] | None) -> None:
    """Section page ranges; authors from an "About the authors" section when none opened it."""
    for sec in part.sections:
        _close_pages(sec)
    if not part.authors:
        about = _about_authors(part)
        if about:
            part.authors, contributors = authors_at_end(about, vocab or set())
            part.contributors = part.contributors or contributors


def _about_authors(part: Part) -> list[Block]:
    """The blocks under the part's last "About the authors" heading or sub-heading (a
    section, a sub-section nested in the last one, or a bold label line), up to the next
    heading."""
    flat: list[Block] = list(part.blocks)

    def walk(sec: Section) -> None:
        flat.extend(sec.blocks)
        for sub in sec.subsections:
            walk(sub)

    for sec in part.sections:
        walk(sec)
    starts = [
        k
        for k, b in enumerate(flat)
        if (b.kind in ("heading", "subheading") or b.bold)
        and len(b.text.split()) <= 4
        and ABOUT_AUTHORS.match(b.text.strip())
    ]
    if not starts:
        return []
    out: list[Block] = []
    for b in flat[starts[-1] + 1 :]:
        if b.kind in ("heading", "subheading", "title"):
            break
        out.append(b)
    return out


def _close_pages(sec: Section) -> tuple[int, int]:
    pages = [b.pdf_page for b in sec.blocks]
    for sub in sec.subsections:
        pages.extend(_close_pages(sub))
    if pages:
        sec.first_page, sec.last_page = min(pages), max(pages)
    return sec.first_page, sec.last_page


def part_end_page(blocks: list[Block], end: int, doc: Document) -> int:
    """The last page of a part whose blocks stop before ``blocks[end]``: the page before
    the next part's, or that same page when the next part starts mid-page."""
    if end >= len(blocks):
        return doc.page_count
    nxt = blocks[end].pdf_page
    return nxt if end > 0 and blocks[end - 1].pdf_page == nxt else nxt - 1


def parts_from_outline(
    anchors: list[Anchor],
    blocks: list[Block],
    doc: Document,
    typo: Typography,
    vocab: set[str],
) -> list[Part]:
    """Parts and nested sections exactly as the bookmarks declare them.

    Top-level bookmarks are parts; deeper ones are sections at their depth below it. Text
    before the first bookmark is a part of its own, read by typography.
    """
    top = min(a.level for a in anchors)
    tops = [k for k, a in enumerate(anchors) if a.level == top]
    parts: list[Part] = []
    first = anchors[tops[0]].index
    if first > 0:
        end = part_end_page(blocks, first, doc)
        parts.append(build_part(blocks[:first], 1, max(1, end), typo, doc, vocab))
    for n, k in enumerate(tops):
        a = anchors[k]
        nxt = tops[n + 1] if n + 1 < len(tops) else len(anchors)
        end = anchors[nxt].index if nxt < len(anchors) else len(blocks)
        children = anchors[k + 1 : nxt]
        body = a.index + 1 if a.matched and a.index < end else a.index
        if body > a.index:
            blocks[a.index].kind = "title"
        intro_end = children[0].index if children else end
        part = Part(
            kind="front",
            title=a.title,
            first_page=a.pdf_page,
            last_page=max(a.pdf_page, part_end_page(blocks, end, doc)),
            blocks=blocks[body:intro_end],
        )
        _mark_name_lines(part.blocks)
        part.authors, part.contributors = _authors(part.blocks, a.pdf_page, vocab)
        stack: list[Section] = []
        for m, c in enumerate(children):
            c_end = children[m + 1].index if m + 1 < len(children) else end
            level = c.level - top
            number, heading = split_number(c.title)
            sec = Section(heading, level, c.pdf_page, c.pdf_page, number=number)
            sec.blocks = blocks[max(c.index, body) : c_end]
            if c.matched and sec.blocks and sec.blocks[0] is blocks[c.index]:
                blocks[c.index].kind = "heading" if level == 1 else "subheading"
            while stack and stack[-1].level >= level:
                stack.pop()
            (stack[-1].subsections if stack else part.sections).append(sec)
            stack.append(sec)
        _finish(part, vocab)
        parts.append(part)
    return parts


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


def _authors(
    blocks: list[Block], title_page: int, vocab: set[str] | None
) -> tuple[list[str], str | None]:
    """Bylines between the title and the first heading (on the title page or the next: an
    author table may run over the page end), and a "with contributions from" note."""
    opening: list[Block] = []
    contributors = None
    for b in blocks:
        if b.pdf_page > title_page + 1 or b.kind == "heading" or len(opening) >= 12:
            break
        if re.match(r"^with contributions? (from|by)", b.text, re.I):
            contributors = re.sub(r"^with contributions? (from|by):?\s*", "", b.text, flags=re.I)
        else:
            opening.append(b)
    return authors_from_blocks(opening, vocab or set()), contributors


def _clean_title(title: str) -> str:
    return re.sub(r"\s+", " ", title).strip()


def _has_running_text(sec: Section) -> bool:
    return any(
        b.kind in ("paragraph", "list_item") and len(b.text.split()) > 25 for b in sec.blocks
    ) or any(_has_running_text(s) for s in sec.subsections)


def assign_kinds(parts: list[Part]) -> None:
    """Cases name authors or hold several sections; others are front or back matter."""
    for p in parts:
        # A section counts when it is headed and holds running text (not a list of names).
        headed = sum(
            1
            for s in p.sections
            if s.blocks and s.blocks[0].kind == "heading" and _has_running_text(s)
        )
        if (p.authors and headed >= 1) or headed >= 3:
            p.kind = "case"
    case_idx = [i for i, p in enumerate(parts) if p.kind == "case"]
    if not case_idx:
        return
    for i, p in enumerate(parts):
        if p.kind != "case":
            p.kind = "front" if i < case_idx[0] else "back"
