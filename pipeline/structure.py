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
from pipeline.grid import mark_table_cells
from pipeline.offsets import assign_offsets
from pipeline.outline import Anchor, add_contents_tags, contents_anchors, outline_anchors
from pipeline.parts import assign_kinds, build_part, part_end_page, parts_from_outline
from pipeline.types import Block, Document, Part, Section, Structure, StructureSource
from pipeline.typography import Typography, measure_typography

__all__ = ["Typography", "detect_structure", "iter_sections", "measure_typography", "outline"]


def detect_structure(doc: Document) -> Structure:
    """Split a document into parts and sections; sets each block's ``kind``.

    What the document declares decides first: its bookmarks (parts, and sections when they
    nest), else a printed contents page (where parts begin), else typography alone.
    """
    for page in doc.pages:
        mark_table_cells(page)
    typo = _classify(doc, measure_typography(doc))
    floor = _declared_title_size(doc, typo)
    if floor is not None:
        typo = _classify(doc, measure_typography(doc, title_floor=floor))
    merge_quotes(doc)
    assign_offsets(doc)
    vocab = lowercase_vocabulary([doc.text])
    blocks = [b for page in doc.pages for b in page.blocks]
    typographic = _title_starts(blocks)

    source: StructureSource = "typography"
    starts = typographic
    titles: dict[int, str] = {}
    declared = outline_anchors(doc, blocks)
    if declared is not None:
        source = "outline"
        top = min(a.level for a in declared)
        if any(a.level > top for a in declared):
            parts = parts_from_outline(declared, blocks, doc, typo, vocab)
            assign_kinds(parts)
            return Structure(document=doc, parts=parts, source=source)
        for a in declared:
            if a.matched:
                blocks[a.index].kind = "title"  # a bookmark's printed title opens its part
        starts, titles = _declared_starts(declared, blocks, [])
    elif (listed := contents_anchors(doc, blocks)) is not None:
        source = "contents"
        starts, titles = _declared_starts(listed, blocks, typographic)
        parts = _parts_from_starts(starts, blocks, doc, typo, vocab)
        assign_kinds(parts)
        # A title-size block inside a listed case does not split it (the contents says where
        # the next part begins); unlisted parts between front-matter entries stay.
        inner = _inside_listed_cases(starts, titles, parts)
        starts = [s for s in starts if s not in inner]
    parts = _parts_from_starts(starts, blocks, doc, typo, vocab)
    for part, s in zip(parts, [s for s in starts if s < len(blocks)], strict=False):
        # A bookmark's title is the part's name; a contents entry names it only when no
        # title is printed on its first page (the printed one is complete and in case).
        printed = any(b.kind == "title" for b in part_blocks_on_first_page(part, blocks, s))
        if s in titles and (source == "outline" or not printed):
            part.title = titles[s]
    if source == "contents":
        add_contents_tags(parts, blocks)
    assign_kinds(parts)
    return Structure(document=doc, parts=parts, source=source)


def _classify(doc: Document, typo: Typography) -> Typography:
    for page in doc.pages:
        for b in page.blocks:
            b.kind = classify_block(b, typo)  # type: ignore[assignment]
    return typo


def _declared_title_size(doc: Document, typo: Typography) -> float | None:
    """The smallest size of the part titles a contents page or the bookmarks name, when
    typography took that size for the section-heading level (titles only moderately
    larger than body text, and more of them than of any heading style); else None."""
    if typo.heading is None:
        return None
    blocks = [b for page in doc.pages for b in page.blocks]
    declared = outline_anchors(doc, blocks)
    if declared is not None:
        top = min(a.level for a in declared)
        declared = [a for a in declared if a.level == top]
    else:
        declared = contents_anchors(doc, blocks)
    sizes = [_title_size(blocks, a.index, typo.body) for a in declared or [] if a.matched]
    sizes = [s for s in sizes if s > typo.body * 1.05]
    at_heading = sum(1 for s in sizes if abs(s - typo.heading) < 0.3)
    # Most blocks of the heading style must be declared titles: where titles are set
    # exactly like the section headings, the style stays the heading level.
    styled = sum(1 for b in blocks if b.kind == "heading" and abs(b.size - typo.heading) < 0.3)
    if len(sizes) < 2 or at_heading < 2 or at_heading * 2 < styled:
        return None
    return min(s for s in sizes if s >= typo.heading - 0.3)


def _title_size(blocks: list[Block], i: int, body: float) -> float:
    """The type size of the title an entry names: the matched block's, or when that is a
    short line at body size (a tag line matched), the next larger block's on its page."""
    for b in blocks[i : i + 3]:
        if b.pdf_page != blocks[i].pdf_page:
            break
        if b.size > body * 1.05:
            return round(b.size, 1)
    return round(blocks[i].size, 1)


def part_blocks_on_first_page(part: Part, blocks: list[Block], start: int) -> list[Block]:
    """The part's blocks on its first page (from its start block on)."""
    out = []
    for b in blocks[start:]:
        if b.pdf_page != blocks[start].pdf_page:
            break
        out.append(b)
    return out


def _title_starts(blocks: list[Block]) -> list[int]:
    """Where parts begin by typography: a title-size block, with the short lines set above it
    on its page (a tag, a kicker). A second part may begin on a page (mid-page) when a
    paragraph of running text separates it from the previous title."""
    starts: list[int] = []
    for i, b in enumerate(blocks):
        if b.kind != "title":
            continue
        if starts and blocks[starts[-1]].pdf_page == b.pdf_page:
            between = blocks[starts[-1] : i]
            if not any(_running_text(x) for x in between):
                continue  # the title of the part just opened, continued
        if starts and title_continues(blocks, i):
            continue
        starts.append(_walk_back(blocks, i))
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    return starts


def title_continues(blocks: list[Block], i: int) -> bool:
    """Whether the title block ``blocks[i]``, first on its page, carries on a title that a
    part opened mid-page (after running text) set at the foot of the previous page."""
    if i == 0 or blocks[i - 1].kind != "title" or blocks[i - 1].pdf_page == blocks[i].pdf_page:
        return False
    prev = blocks[i - 1]
    if abs(prev.size - blocks[i].size) > 0.3:
        return False
    before = [b for b in blocks[: i - 1] if b.pdf_page == prev.pdf_page]
    return any(_running_text(b) for b in before)


def _running_text(b: Block) -> bool:
    return b.kind in ("paragraph", "list_item") and len(b.text.split()) > 25


def _walk_back(blocks: list[Block], i: int) -> int:
    """Short label lines printed above a title on its page (a tag, a "CASE 3" kicker) open
    the part with it; the end of the previous part (a sentence, a caption, a list item,
    when a part starts mid-page) does not."""
    j = i
    while j > 0:
        prev = blocks[j - 1]
        text = prev.text.rstrip()
        if (
            prev.pdf_page != blocks[i].pdf_page
            or len(text.split()) > 12
            or prev.kind not in ("paragraph", "subheading")
            or text.endswith((".", "!", "?", ":", ";", ",", '"', "”", "’"))
        ):
            break
        j -= 1
    return j


def _declared_starts(
    anchors: list[Anchor], blocks: list[Block], typographic: list[int]
) -> tuple[list[int], dict[int, str]]:
    """Part starts from declared entries together with the typographic ones, and the
    declared title of each declared start."""
    starts: dict[int, str] = {}
    for a in anchors:
        if a.index < len(blocks):
            s = _walk_back(blocks, a.index) if a.matched else a.index
            starts.setdefault(s, a.title)
    return sorted({0, *starts, *typographic}), starts


def _inside_listed_cases(starts: list[int], listed: dict[int, str], parts: list[Part]) -> set[int]:
    """Typographic part starts that fall inside a listed case (not the last listed part,
    whose end the contents does not give)."""
    last = max(listed, default=-1)
    inner: set[int] = set()
    owner: Part | None = None
    for s, part in zip(starts, parts, strict=False):
        if s in listed:
            owner = part if s != last else None
        elif owner is not None and owner.kind == "case":
            inner.add(s)
    return inner


def _parts_from_starts(
    starts: list[int], blocks: list[Block], doc: Document, typo: Typography, vocab: set[str]
) -> list[Part]:
    parts: list[Part] = []
    starts = [s for s in starts if s < len(blocks)]
    for k, s in enumerate(starts):
        e = starts[k + 1] if k + 1 < len(starts) else len(blocks)
        part_blocks = blocks[s:e]
        if not part_blocks:
            continue
        first_page = part_blocks[0].pdf_page if k else 1
        last = part_end_page(blocks, e, doc)
        parts.append(build_part(part_blocks, first_page, max(first_page, last), typo, doc, vocab))
    return parts


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
        "structure_source": structure.source,
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
