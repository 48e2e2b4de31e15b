"""Domain types handed from stage to stage: sources -> pipeline -> index -> eval.

Page numbers are 1-based PDF page numbers everywhere (``pdf_page``), next to the
*printed* page label (``page_label``), which is what a reader cites and may be
``None`` when the page prints no number.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

BlockKind = Literal[
    "paragraph",
    "heading",
    "subheading",
    "title",
    "author",
    "list_item",
    "quote",
    "caption",
    "footnote",
    "table",
    "other",
]
PartKind = Literal["front", "case", "back"]


@dataclass(frozen=True)
class Line:
    """One visual line of text with the style cues structure detection needs."""

    text: str
    x0: float
    x1: float  # estimated right edge
    top: float  # distance from the page top, in points
    size: float
    bold: bool = False
    italic: bool = False
    font: str = ""  # the font family, without subset prefix and style ("DejaVuSans")
    color: str = ""  # fill colour "#rrggbb"; "" for black and greys


@dataclass
class TableGrid:
    """A table's cells as read (``pipeline/tables.py``) and where each sits in its block's text.

    ``rows`` are oriented with records as rows (``transposed`` when printed the other way);
    ``cells`` are (row, column, start, end), ``labels`` the (start, end) of each repeated
    header label and ``records`` the (start, end) of each record's own line (its cells in
    order), as offsets into ``Block.text``.
    """

    rows: list[list[str]]
    header_row: bool
    header_col: bool
    transposed: bool
    text: str
    cells: list[tuple[int, int, int, int]] = field(default_factory=list)
    labels: list[tuple[int, int]] = field(default_factory=list)
    records: list[tuple[int, int]] = field(default_factory=list)
    oriented: bool = True  # the cells showed which axis holds the records
    bold: list[list[bool | None]] | None = None  # how each cell is set, as printed
    title: str = ""  # a title line printed just above the table (``tables.read_titles``)

    @property
    def corner(self) -> str:
        """The corner cell, which labels the row labels ("" without both header row and
        header column)."""
        return self.rows[0][0] if self.header_row and self.header_col and self.rows else ""

    @property
    def name(self) -> str:
        """What the table is called by: its title line and its corner label, one a line.

        A table with column labels only has no corner: its header row labels columns and is
        said once, at its top (repeated on each of its chunks it lowered MRR@10 on a held-out
        set in the report typesetting, 0.866 -> 0.860).
        """
        return "\n".join(dict.fromkeys(t for t in (self.title, self.corner) if t))


@dataclass
class Block:
    """A paragraph-like run of lines on one page (lines joined, hyphenation undone)."""

    text: str
    pdf_page: int
    lines: list[Line] = field(default_factory=list)
    kind: BlockKind = "paragraph"
    start: int = 0  # character offsets in Document.text
    end: int = 0
    in_grid: bool = False  # a table cell printed at body size (pipeline.grid): never a heading
    grid: TableGrid | None = None  # a table's cells and labels (kind "table")

    @property
    def size(self) -> float:
        """The block's dominant font size (by characters)."""
        if not self.lines:
            return 0.0
        weights: dict[float, int] = {}
        for ln in self.lines:
            weights[ln.size] = weights.get(ln.size, 0) + len(ln.text)
        return max(weights, key=lambda s: weights[s])

    @property
    def bold(self) -> bool:
        chars = sum(len(ln.text) for ln in self.lines) or 1
        return sum(len(ln.text) for ln in self.lines if ln.bold) / chars > 0.6

    @property
    def italic(self) -> bool:
        chars = sum(len(ln.text) for ln in self.lines) or 1
        return sum(len(ln.text) for ln in self.lines if ln.italic) / chars > 0.6

    @property
    def family(self) -> str:
        """The block's dominant font family (by characters); "" when unknown."""
        weights: dict[str, int] = {}
        for ln in self.lines:
            weights[ln.font] = weights.get(ln.font, 0) + len(ln.text)
        return max(weights, key=lambda f: weights[f]) if weights else ""

    @property
    def color(self) -> str:
        """The block's dominant fill colour (by characters); "" for black and greys."""
        weights: dict[str, int] = {}
        for ln in self.lines:
            weights[ln.color] = weights.get(ln.color, 0) + len(ln.text)
        return max(weights, key=lambda c: weights[c]) if weights else ""

    @property
    def x0(self) -> float:
        return min((ln.x0 for ln in self.lines), default=0.0)

    @property
    def top(self) -> float:
        return min((ln.top for ln in self.lines), default=0.0)


@dataclass
class Page:
    """One PDF page after header/footer removal, in reading order."""

    pdf_page: int  # 1-based
    label: str | None  # printed page label, None when none is printed
    blocks: list[Block] = field(default_factory=list)
    width: float = 0.0
    height: float = 0.0

    @property
    def text(self) -> str:
        return "\n\n".join(b.text for b in self.blocks)


@dataclass(frozen=True)
class OutlineEntry:
    """One bookmark of the PDF's outline, as plain data (sources/ reads it, pipeline/ uses it)."""

    title: str
    pdf_page: int  # 1-based
    level: int  # 1 = top level


@dataclass
class Document:
    """A parsed source file: pages plus the provenance an index needs to refuse mixing."""

    path: str
    sha256: str
    title: str
    pages: list[Page]
    parser: str  # e.g. "pypdf 5.1.0"
    kind: Literal["pdf", "text"] = "pdf"
    text: str = ""  # all blocks joined; Block.start/end index into it
    warnings: list[str] = field(default_factory=list)
    outline: list[OutlineEntry] = field(default_factory=list)  # bookmarks, pre-order

    @property
    def page_count(self) -> int:
        return len(self.pages)

    def label_of(self, pdf_page: int) -> str | None:
        return self.pages[pdf_page - 1].label if 0 < pdf_page <= len(self.pages) else None


@dataclass
class Section:
    """A heading and what lies under it, up to the next heading of the same or higher level."""

    heading: str
    level: int  # 1 = top-level section of a part, 2 = sub-heading, ...
    first_page: int
    last_page: int
    blocks: list[Block] = field(default_factory=list)
    subsections: list[Section] = field(default_factory=list)
    number: str | None = None  # the printed number ("2.3"), split off the heading


@dataclass
class Part:
    """Front matter, a case, or back matter, found from the text itself."""

    kind: PartKind
    title: str
    first_page: int
    last_page: int
    authors: list[str] = field(default_factory=list)
    tag: str | None = None  # e.g. a sector tag printed above a case title
    contributors: str | None = None
    blocks: list[Block] = field(default_factory=list)  # text before the first section
    sections: list[Section] = field(default_factory=list)


StructureSource = Literal["outline", "contents", "typography"]


@dataclass
class Structure:
    document: Document
    parts: list[Part]
    source: StructureSource = "typography"  # which signal decided the parts


@dataclass
class Chunk:
    """The unit that is embedded, retrieved and cited."""

    id: str  # hash of (document sha256, part, section path, start, text): stable across runs
    text_hash: str  # hash of (part, section path, text): the same passage in another edition
    text: str
    doc_sha256: str
    document: str  # document title
    part_kind: PartKind
    case: str | None  # case title, None outside cases
    part: str  # part title (case title or front/back part title)
    section_path: list[str]
    pdf_pages: list[int]
    page_labels: list[str | None]
    start: int  # character offsets in Document.text
    end: int
    tokens: int = 0  # word pieces as counted by the embedding model's tokenizer
    page_starts: list[int] = field(default_factory=list)  # text offset where pdf_pages[i+1] starts
    # the name (``TableGrid.name``) of each table the text lies in, one a line: a table split
    # over chunks is said once, at its top, yet each chunk is found by it (index/lexical.py)
    table_title: str = ""

    @property
    def section(self) -> str:
        return " › ".join(self.section_path)

    @property
    def embed_text(self) -> str:
        """What is embedded and indexed for BM25: the text under its part and section names.

        The header lets a passage be found by what it is about ("the Barcelona case",
        "lessons learned") even when its sentences never say so.
        """
        return "\n".join([" › ".join([self.part, *self.section_path]), self.text])

    def page_at(self, offset: int) -> tuple[int, str | None]:
        """The PDF page and printed label of the text at ``offset`` in this chunk.

        A chunk may run over a page break; a citation must name the page its quote is on.
        """
        i = sum(1 for start in self.page_starts if start <= offset)
        i = min(i, len(self.pdf_pages) - 1)
        if i < 0:
            return 0, None
        return self.pdf_pages[i], self.page_labels[i]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


EntityType = Literal["amount", "number", "percent", "target", "actor", "date"]


@dataclass
class Entity:
    """A typed span found in a chunk, tied to its case and page."""

    type: EntityType
    text: str
    chunk_id: str
    doc_sha256: str
    document: str
    case: str | None
    section: str
    page_label: str | None
    pdf_page: int
    span: tuple[int, int]  # character offsets in the chunk text
    attrs: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["span"] = list(self.span)
        attrs = d.pop("attrs")
        d.update(attrs)
        return d


@dataclass
class Hit:
    """A retrieved chunk with its fused score and per-retriever ranks.

    ``rank`` is the place it is returned at; ``retrieval_rank`` the retriever's own place,
    set when the reader reorders the hits (``qa.answer.answer_first``), else None."""

    chunk: Chunk
    score: float
    rank: int = 0
    dense_rank: int | None = None
    lexical_rank: int | None = None
    retrieval_rank: int | None = None


@dataclass
class Citation:
    document: str
    sha256: str
    case: str | None
    section: str
    page_label: str | None
    pdf_page: int
    quote: str
    chunk_id: str = ""


@dataclass
class Answer:
    question: str
    answer: str
    abstained: bool
    citations: list[Citation]
    hits: list[Hit]
    id: str | None = None
    answer_type: str = "text"
    confidence: float = 0.0  # support × grounding
    support: float = 0.0  # how closely the evidence matches the question's words and sense
    grounding: float = 1.0  # 1 unless the evidence lacks what the question pins down
    # what the evidence lacks, as {"what", "text"} (a "figure" "2022", a "name" "EU", …)
    missing: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "answer_type": self.answer_type,
            "confidence": round(self.confidence, 4),
            "support": round(self.support, 4),
            "grounding": round(self.grounding, 4),
            "missing": self.missing,
            "citations": [asdict(c) for c in self.citations],
            "passages": [hit_to_dict(h) for h in self.hits],
        }


def hit_to_dict(h: Hit) -> dict[str, Any]:
    c = h.chunk
    return {
        "rank": h.rank,
        "retrieval_rank": h.retrieval_rank or h.rank,
        "score": round(h.score, 6),
        "text": c.text,
        "document": c.document,
        "sha256": c.doc_sha256,
        "case": c.case,
        "section": c.section,
        "page_labels": c.page_labels,
        "pdf_pages": c.pdf_pages,
        "chunk_id": c.id,
    }
