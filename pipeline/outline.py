"""What the document declares about its own structure: its bookmarks, or a printed contents page.

Why first: a PDF outline or a contents page is the author's own statement of where each
part begins, whatever the typesetting. Each declared entry is anchored to the block that
prints its title on the stated page (or the page's first block when the title is not
printed there). An outline whose entries run backwards through the pages does not
describe the reading order and is not used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from pipeline.numbering import split_number
from pipeline.tables import table_rows
from pipeline.types import Block, Document, Line, Part

# Headings of a printed contents page (the words publishers use for it).
CONTENTS_HEADING = re.compile(
    r"^(table of contents|contents|index|in this (book|report|issue|casebook)|"
    r"inhalt|inhaltsverzeichnis|sommaire|table des matières|índice|indice)$",
    re.I,
)
_LEADER = re.compile(r"^(.*?\S)\s*(?:[.·…_ ]{2,}|\s)\s*(\S+)$")


@dataclass(frozen=True)
class Anchor:
    """A declared entry tied to the block where it starts."""

    title: str
    level: int
    pdf_page: int  # the page the entry names
    index: int  # into the document's blocks, in reading order
    matched: bool  # a block on the page prints the title


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", split_number(text)[1].lower()).split())


def _matches(block_text: str, title: str) -> bool:
    b, t = _norm(block_text), _norm(title)
    if not b or not t:
        return False
    if b == t or b.startswith(t):
        return True
    # A title printed over several blocks, or a contents entry that adds a tag line.
    return (t.startswith(b) or b in t) and len(b) >= 0.5 * len(t)


def anchor(entries: list[tuple[str, int, int]], blocks: list[Block]) -> list[Anchor] | None:
    """Anchors for (title, pdf_page, level) entries in order; None when the pages go backwards."""
    if not entries or any(b.pdf_page < a.pdf_page for a, b in pairwise(blocks)):
        return None
    pages = [p for _, p, _ in entries]
    if any(b < a for a, b in pairwise(pages)):
        return None
    first_on: dict[int, int] = {}
    for i, b in enumerate(blocks):
        first_on.setdefault(b.pdf_page, i)
    out: list[Anchor] = []
    prev = 0
    for title, page, level in entries:
        hit = next(
            (
                i
                for i in range(max(prev, first_on.get(page, len(blocks))), len(blocks))
                if blocks[i].pdf_page == page and _matches(blocks[i].text, title)
            ),
            None,
        )
        if hit is None:
            later = [i for p, i in first_on.items() if p >= page]
            hit_at = max(prev, min(later)) if later else len(blocks)
            out.append(Anchor(title, level, page, hit_at, False))
        else:
            out.append(Anchor(title, level, page, hit, True))
            prev = hit
    return out


def outline_anchors(doc: Document, blocks: list[Block]) -> list[Anchor] | None:
    """The PDF's bookmarks anchored in the text; None without a usable outline."""
    if len(doc.outline) < 2:
        return None
    return anchor([(e.title, e.pdf_page, e.level) for e in doc.outline], blocks)


def contents_anchors(doc: Document, blocks: list[Block]) -> list[Anchor] | None:
    """Part starts read off a printed contents page: titles with printed page labels."""
    pages_of: dict[str, int] = {}
    for page in doc.pages:
        if page.label is not None:
            pages_of.setdefault(page.label, page.pdf_page)
    if not pages_of:
        return None
    for i, b in enumerate(blocks):
        if not CONTENTS_HEADING.match(b.text.strip()) or (b.kind == "paragraph" and not b.bold):
            continue
        lines = [ln for c in blocks[i + 1 :] if c.pdf_page == b.pdf_page for ln in c.lines]
        # The entries read in the lines' order, and by their position on the page with the
        # label on an entry's first line or on its last; the reading whose titles are
        # printed on the pages they name wins.
        best: tuple[tuple[int, int], list[Anchor]] | None = None
        page_words = {p.pdf_page: set(_norm(p.text).split()) for p in doc.pages}
        for entries in (
            _contents_entries([ln.text for ln in lines], pages_of),
            _entries_by_position(lines, pages_of, label_first=True),
            _entries_by_position(lines, pages_of, label_first=False),
        ):
            pages = [p for _, p in entries]
            if (
                len(entries) < 3
                or any(p <= b.pdf_page for p in pages)
                or any(y < x for x, y in pairwise(pages))
            ):
                continue
            found = anchor([(t, p, 1) for t, p in entries], blocks)
            # A contents page that does not fit this printing (its titles are not on the
            # pages it names) is not trusted.
            if not found or sum(a.matched for a in found) < 0.75 * len(found):
                continue
            score = (sum(a.matched for a in found), _words_on_pages(found, page_words))
            if best is None or score > best[0]:
                best = (score, found)
        if best is not None:
            return best[1]
    return None


def _words_on_pages(found: list[Anchor], page_words: dict[int, set[str]]) -> int:
    """How well entries read whole: their title words printed on the pages they name, less
    the words that are not (a line of the next entry read into this one)."""
    score = 0
    for a in found:
        for w in _norm(a.title).split():
            score += 1 if w in page_words.get(a.pdf_page, set()) else -1
    return score


def _label_token(text: str, pages_of: dict[str, int]) -> tuple[str, str] | None:
    """(label, the rest of the line) when a contents line prints a page label alone, before
    its text ("12 Title", arabic only) or after it ("Title …… 12")."""
    toks = text.split()
    if not toks:
        return None
    if len(toks) == 1:
        return (toks[0], "") if toks[0] in pages_of else None
    if toks[0] in pages_of and not toks[0].isalpha():
        return toks[0], " ".join(toks[1:])
    m = _LEADER.match(text.strip())
    if m and m.group(2) in pages_of and not m.group(1).endswith(("|", ",")):
        return m.group(2), m.group(1).rstrip(" .·…_")
    return None


def _entries_by_position(
    lines: list[Line], pages_of: dict[str, int], label_first: bool
) -> list[tuple[str, int]]:
    """(title, pdf_page) from where a contents page's lines sit: each printed label owns the
    lines from its own height down to the next label's (``label_first``), or up from it to
    the previous label's. An entry's text is read column by column (a tag column, then the
    title's lines), so entries set over several lines and columns read whole."""
    marks = [(ln, tok) for ln in lines if (tok := _label_token(ln.text, pages_of))]
    if len(marks) < 3:
        return []
    marks.sort(key=lambda m: m[0].top)
    tops = [m[0].top for m in marks]
    tol = 2.0
    owned: list[list[tuple[float, float, str]]] = [[] for _ in marks]
    for ln in lines:
        if any(ln is m[0] for m in marks):
            continue
        if label_first:
            k = max((j for j, t in enumerate(tops) if ln.top >= t - tol), default=None)
        else:
            k = min((j for j, t in enumerate(tops) if ln.top <= t + tol), default=None)
        if k is not None:
            owned[k].append((ln.x0, ln.top, ln.text))
    entries: list[tuple[str, int]] = []
    for (ln, (label, rest)), own in zip(marks, owned, strict=True):
        if rest:
            own.append((ln.x0 + 1e-3, ln.top, rest))
        # Columns by left edge (within a few points), each read top to bottom.
        own.sort(key=lambda o: (round(o[0] / 4), o[1]))
        title = " ".join(t for _, _, t in own).strip()
        if title:
            entries.append((title, pages_of[label]))
    return entries


def _contents_entries(lines: list[str], pages_of: dict[str, int]) -> list[tuple[str, int]]:
    """(title, pdf_page) from contents lines in any of the usual forms: "Title …… 12",
    "12 Title", or a label on its own line with the title on the lines after it."""
    entries: list[tuple[str, int]] = []
    pending: tuple[list[str], int] | None = None  # a label alone, waiting for its title lines

    def close() -> None:
        if pending and pending[0]:
            entries.append((" ".join(pending[0]), pending[1]))

    for raw in lines:
        line = raw.strip()
        m = _LEADER.match(line)
        first, _, rest = line.partition(" ")
        if line in pages_of:
            close()
            pending = ([], pages_of[line])
        elif m and m.group(2) in pages_of and not m.group(1).endswith(("|", ",")):
            close()
            pending = None
            entries.append((m.group(1).rstrip(" ."), pages_of[m.group(2)]))
        elif first in pages_of and rest and not first.isalpha():
            close()
            pending = None
            entries.append((rest, pages_of[first]))
        elif pending is not None:
            pending[0].append(line)
    close()
    return entries


def contents_tags(blocks: list[Block]) -> list[tuple[str, str]]:
    """(title, tag) from the rows of a contents table printed "label | tag … | title": the
    labels ("SECTOR | PLACE") a part is filed under, which one printing sets above each case
    title and another only in its contents."""
    out: list[tuple[str, str]] = []
    for i, b in enumerate(blocks):
        if not CONTENTS_HEADING.match(b.text.strip()) or (b.kind == "paragraph" and not b.bold):
            continue
        for c in blocks[i + 1 :]:
            if c.pdf_page != b.pdf_page:
                break
            for row in table_rows(c) if c.kind == "table" else []:
                cells = [x.strip() for x in row.split(" | ")]
                if len(cells) >= 3 and all(cells):
                    out.append((cells[-1], " | ".join(cells[1:-1])))
    return out


def add_contents_tags(parts: list[Part], blocks: list[Block]) -> None:
    """Give each part the tag its contents entry prints, beside a kicker printed above its
    title ("CASE 3 · HEALTH | CITY"); a tag already printed there is kept as it is."""
    tags = contents_tags(blocks)
    for part in parts:
        for title, tag in tags:
            if not (_matches(part.title, title) or _matches(title, part.title)):
                continue
            if part.tag is None:
                part.tag = tag
            elif _norm(tag) not in _norm(part.tag):
                part.tag = f"{part.tag} · {tag}"
            break
