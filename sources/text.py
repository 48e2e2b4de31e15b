"""Plain-text sources and the line-joining rules shared with the PDF reader."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.offsets import assign_offsets
from pipeline.types import Block, Document, Line, Page
from sources import TEXT_SUFFIXES
from sources.errors import EmptyFileError, NoTextError, UnsupportedFileError
from sources.joining import join_lines, sha256_bytes

__all__ = ["join_lines", "read_text"]


def read_text(path: str | Path) -> Document:
    """A UTF-8 text file as a one-page document; blank lines separate paragraphs."""
    path = Path(path)
    if path.suffix.lower() not in TEXT_SUFFIXES:
        raise UnsupportedFileError(path)
    data = path.read_bytes()
    if not data:
        raise EmptyFileError(path)
    text = data.decode("utf-8", errors="replace")
    paras = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    if not paras:
        raise NoTextError(path, "only whitespace")
    blocks: list[Block] = []
    for para in paras:
        raw_lines = [ln for ln in para.splitlines() if ln.strip()]
        heading = re.match(r"^\s{0,3}(#{1,6})\s+(.*)$", raw_lines[0])
        if heading and len(raw_lines) == 1:
            size = 20.0 - 2 * len(heading.group(1))
            body, bold = heading.group(2).strip(), True
        else:
            size, body, bold = 10.0, join_lines(raw_lines), False
        line = Line(body, 0.0, 0.0, 0.0, size, bold)
        blocks.append(Block(text=body, pdf_page=1, lines=[line]))
    title = next((b.text for b in blocks if b.lines[0].bold), blocks[0].text[:120])
    page = Page(pdf_page=1, label=None, blocks=blocks)
    doc = Document(
        path=str(path),
        sha256=sha256_bytes(data),
        title=title,
        pages=[page],
        parser="text",
        kind="text",
    )
    assign_offsets(doc)
    return doc
