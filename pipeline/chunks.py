"""Split sections into retrieval chunks that fit the embedding model's window.

A chunk holds consecutive sentences of one section (never across a section or case),
ends on a sentence boundary, and its text is exactly ``Document.text[start:end]`` so
that a citation can always be traced back to the page it came from. The embedding
and BM25 input is ``Chunk.embed_text``: the text under a short header naming its part
and section, and it is that string which must fit the model's 256 word pieces.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence

from pipeline.sentences import ChunkSettings, split_sentences
from pipeline.structure import iter_sections
from pipeline.tokenize import count_word_pieces
from pipeline.types import Block, Chunk, Part, Structure

Counter_ = Callable[[Sequence[str]], list[int]]


def _header(part: Part, path: list[str]) -> str:
    return " › ".join([part.title, *path])


def _hash(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()[:24]


def chunk_structure(
    structure: Structure,
    settings: ChunkSettings | None = None,
    counter: Counter_ = count_word_pieces,
) -> list[Chunk]:
    """All chunks of a document, in reading order."""
    settings = settings or ChunkSettings()
    doc = structure.document
    chunks: list[Chunk] = []
    for part in structure.parts:
        units: list[tuple[list[str], list[Block], bool]] = [([], part.blocks, bool(part.sections))]
        units += [(path, sec.blocks, bool(sec.subsections)) for path, sec in iter_sections(part)]
        for path, blocks, has_children in units:
            if blocks:
                chunks.extend(_chunk_unit(doc, part, path, blocks, has_children, settings, counter))
    return chunks


def _chunk_unit(
    doc, part: Part, path: list[str], blocks: list[Block], has_children: bool, settings, counter
) -> list[Chunk]:
    header = _header(part, path)
    if has_children and all(b.kind in ("heading", "subheading") for b in blocks):
        return []  # a heading alone: its words live on in the header of its subsections
    # Runs of blocks joined by a single space (a sentence broken across columns or pages).
    runs: list[list[Block]] = []
    for b in blocks:
        if runs and doc.text[runs[-1][-1].end : b.start] == " ":
            runs[-1].append(b)
        else:
            runs.append([b])
    # Sentences as absolute spans in doc.text, with the pages they lie on.
    sents: list[tuple[int, int, tuple[int, ...]]] = []
    for run in runs:
        base = run[0].start
        for s, e in split_sentences(doc.text[base : run[-1].end]):
            s, e = base + s, base + e
            pages = tuple(sorted({b.pdf_page for b in run if b.start < e and b.end > s}))
            sents.append((s, e, pages))
    if not sents:
        return []
    texts = [doc.text[s:e] for s, e, _ in sents]
    pieces = [max(0, n - 2) for n in counter(texts)]  # without [CLS]/[SEP]
    head_pieces = max(0, counter([header])[0] - 2) + 2  # header + [CLS]/[SEP]
    budget = settings.max_word_pieces - head_pieces - 1  # the newline after the header
    target = min(budget, settings.target_word_pieces - head_pieces)

    out: list[Chunk] = []
    group: list[int] = []
    used = 0

    def flush() -> None:
        nonlocal group, used
        if group:
            chunk = _make_chunk(doc, part, path, [sents[i] for i in group], counter, settings)
            out.append(_with_pages_and_tables(chunk, blocks))
        group, used = [], 0

    for i, n in enumerate(pieces):
        if n > budget:
            flush()
            out.extend(
                _with_pages_and_tables(c, blocks)
                for c in _split_long(doc, part, path, sents[i], budget, counter, settings)
            )
            continue
        if group and used + n > target:
            flush()
        group.append(i)
        used += n
    flush()
    return out


def _with_pages_and_tables(chunk: Chunk, blocks: list[Block]) -> Chunk:
    """Record where in the chunk's text each of its later pages begins, and the names of
    the tables its text lies in (a table split over chunks names itself once, at its top)."""
    names = [
        b.grid.name
        for b in blocks
        if b.grid is not None and b.start < chunk.end and chunk.start < b.end
    ]
    chunk.table_title = "\n".join(dict.fromkeys(n for n in names if n))
    starts = []
    for page in chunk.pdf_pages[1:]:
        first = min(
            (b.start for b in blocks if b.pdf_page == page and b.end > chunk.start),
            default=chunk.end,
        )
        starts.append(max(0, first - chunk.start))
    chunk.page_starts = starts
    return chunk


def _split_long(doc, part, path, sent, budget, counter, settings) -> list[Chunk]:
    """A sentence longer than the window is cut at word boundaries (the only non-sentence end)."""
    s, e, page = sent
    words = [(m.start() + s, m.end() + s) for m in re.finditer(r"\S+", doc.text[s:e])]
    out: list[Chunk] = []
    lo = 0
    while lo < len(words):
        # Shrink until the span fits: binary search on the word count.
        a, b = lo + 1, len(words)
        while a < b:
            mid = (a + b + 1) // 2
            if max(0, counter([doc.text[words[lo][0] : words[mid - 1][1]]])[0] - 2) <= budget:
                a = mid
            else:
                b = mid - 1
        hi = a
        out.append(
            _make_chunk(
                doc, part, path, [(words[lo][0], words[hi - 1][1], page)], counter, settings
            )
        )
        lo = hi
    return out


def _make_chunk(doc, part: Part, path: list[str], sents, counter, settings) -> Chunk:
    start, end = sents[0][0], sents[-1][1]
    text = doc.text[start:end]
    pages = sorted({p for _, _, ps in sents for p in ps})
    chunk = Chunk(
        id=_hash(doc.sha256, part.title, *path, str(start), text),
        text_hash=_hash(part.title, *path, text),
        text=text,
        doc_sha256=doc.sha256,
        document=doc.title,
        part_kind=part.kind,
        case=part.title if part.kind == "case" else None,
        part=part.title,
        section_path=list(path),
        pdf_pages=pages,
        page_labels=[doc.label_of(p) for p in pages],
        start=start,
        end=end,
    )
    chunk.tokens = counter([chunk.embed_text])[0]
    return chunk
