"""Pages as images, with a quoted sentence highlighted where it is printed.

Why pypdfium2: it renders like a PDF viewer does and reports each character's box, so a
quote found in the page's text maps to rectangles on the image. The quote is the index's
text (hyphenation undone, lines joined), so it is matched to the page word by word, not
character by character. Coordinates returned are PDF points from the page's top-left,
like ``pipeline.types.Line``.
"""

from __future__ import annotations

import difflib
import io
import re
import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.tables import CELL_SEP, LABEL_SEP
from sources.errors import SourceError

HIGHLIGHT = (255, 214, 0)  # multiplied onto the page: text stays black, paper turns yellow
_LOCK = threading.Lock()  # pdfium is not thread-safe


@dataclass(frozen=True)
class Box:
    """A rectangle in PDF points from the page's top-left corner."""

    x0: float
    top: float
    x1: float
    bottom: float

    def to_list(self) -> list[float]:
        return [round(self.x0, 2), round(self.top, 2), round(self.x1, 2), round(self.bottom, 2)]


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class PageRenderer:
    """Keeps a few PDFs open and renders their pages; one lock around pdfium."""

    def __init__(self, keep: int = 4) -> None:
        self._docs: OrderedDict[str, Any] = OrderedDict()
        self._words: dict[tuple[str, int], tuple[list[str], list[Box], tuple[float, float]]] = {}
        self._keep = keep

    def _doc(self, path: str | Path) -> Any:
        import pypdfium2 as pdfium

        key = str(path)
        if key not in self._docs:
            try:
                self._docs[key] = pdfium.PdfDocument(key)
            except (pdfium.PdfiumError, OSError) as e:
                raise SourceError(f"{path}: cannot be opened for rendering ({e})") from e
            while len(self._docs) > self._keep:
                self._docs.popitem(last=False)[1].close()
        self._docs.move_to_end(key)
        return self._docs[key]

    def page_count(self, path: str | Path) -> int:
        with _LOCK:
            return len(self._doc(path))

    def words(
        self, path: str | Path, pdf_page: int
    ) -> tuple[list[str], list[Box], tuple[float, float]]:
        """The page's words (folded) with their boxes, and the page size in points."""
        key = (str(path), pdf_page)
        if key not in self._words:
            with _LOCK:
                page = self._doc(path)[pdf_page - 1]
                width, height = page.get_size()
                if page.get_rotation():
                    # character boxes are in the unrotated page's space: no highlight rather
                    # than one in the wrong place
                    page.close()
                    self._words[key] = ([], [], (width, height))
                    return self._words[key]
                tp = page.get_textpage()
                n = tp.count_chars()
                text = tp.get_text_range(0, n) if n else ""
                if len(text) != n:  # not one character per index: read them one by one
                    text = "".join(tp.get_text_range(i, 1) or " " for i in range(n))
                words, boxes = [], []
                for m in re.finditer(r"\w+", text):
                    rects = [tp.get_charbox(i) for i in range(m.start(), m.end())]
                    rects = [r for r in rects if r[2] > r[0] or r[3] > r[1]]
                    if not rects:
                        continue
                    x0 = min(r[0] for r in rects)
                    x1 = max(r[2] for r in rects)
                    low = min(r[1] for r in rects)
                    high = max(r[3] for r in rects)
                    words.append(_fold(m.group()))
                    boxes.append(Box(x0, height - high, x1, height - low))
                tp.close()
                page.close()
            self._words[key] = (words, boxes, (width, height))
        return self._words[key]

    def find(self, path: str | Path, pdf_page: int, quote: str) -> list[Box]:
        """Rectangles (one per printed line) covering ``quote`` on the page; [] if not found.

        The quote's words are aligned with the page's; the longest run of matched words
        (gaps of a few words allowed: hyphenated or re-joined words) is highlighted.
        """
        # A table cell is quoted with its labels ("row — column: cell"), printed in the
        # header row and first column: highlight the cell.
        row, sep, rest = quote.partition(LABEL_SEP)
        if sep and CELL_SEP in rest:
            cell = rest.split(CELL_SEP, 1)[1]
            # a cell of a few words may be printed in other rows too: anchor it by its row
            parts = (cell,) if len(cell.split()) >= 4 else (f"{row} {cell}", cell)
            for part in parts:
                if found := self.find(path, pdf_page, part):
                    return found
        words, boxes, _ = self.words(path, pdf_page)
        want = [_fold(w) for w in re.findall(r"\w+", quote)]
        if not want or not words:
            return []
        sm = difflib.SequenceMatcher(None, words, want, autojunk=False)
        pairs = [(a + k, b + k) for a, b, size in sm.get_matching_blocks() for k in range(size)]
        runs: list[list[tuple[int, int]]] = []
        for i, j in pairs:
            if runs and i - runs[-1][-1][0] <= 4:
                runs[-1].append((i, j))
            else:
                runs.append([(i, j)])
        best = max(runs, key=len, default=[])
        if len(best) < min(3, len(want)) or len(best) < 0.5 * len(want):
            return []
        # Ties go to the earliest occurrence, so the quote's first or last words may have
        # been matched elsewhere on the page: extend the run word by word where it stands.
        first, last = _extend(words, want, best[0], -1), _extend(words, want, best[-1], 1)
        return _lines(boxes[first : last + 1])

    def png(
        self, path: str | Path, pdf_page: int, *, width: int = 900, boxes: list[Box] = ()
    ) -> bytes:
        """The page rendered ``width`` pixels wide, ``boxes`` highlighted, as PNG bytes."""
        from PIL import Image, ImageChops

        with _LOCK:
            doc = self._doc(path)
            if not 0 < pdf_page <= len(doc):
                raise SourceError(f"{path}: no page {pdf_page} (it has {len(doc)})")
            page = doc[pdf_page - 1]
            scale = width / page.get_size()[0]
            image = page.render(scale=scale).to_pil().convert("RGB")
            page.close()
        for b in boxes:
            pad = 1.5
            area = tuple(
                round(v * scale) for v in (b.x0 - pad, b.top - pad, b.x1 + pad, b.bottom + pad)
            )
            region = image.crop(area)
            tint = Image.new("RGB", region.size, HIGHLIGHT)
            image.paste(ImageChops.multiply(region, tint), area[:2])
        out = io.BytesIO()
        image.save(out, "PNG", compress_level=1)
        return out.getvalue()


def _extend(words: list[str], want: list[str], at: tuple[int, int], step: int) -> int:
    """From the matched pair ``at`` (page word, quote word), walk outwards (``step`` -1 or
    1) while the page and the quote agree, a word split by a hyphen ("transfor-", "mation")
    counting as one; returns the outermost page word."""
    i, j = at
    while True:
        ni, nj = i + step, j + step
        if not (0 <= nj < len(want) and 0 <= ni < len(words)):
            return i
        if words[ni] == want[nj]:
            i, j = ni, nj
            continue
        far = ni + step
        if not 0 <= far < len(words):
            return i
        pair = words[far] + words[ni] if step < 0 else words[ni] + words[far]
        if pair != want[nj]:
            return i
        i, j = far, nj


def _lines(boxes: list[Box]) -> list[Box]:
    """Merge word boxes into one rectangle per printed line (same baseline, side by side)."""
    merged: list[Box] = []
    for b in boxes:
        last = merged[-1] if merged else None
        height = b.bottom - b.top
        same_line = (
            last is not None
            and abs(last.bottom - b.bottom) < 0.5 * height
            and -2 <= b.x0 - last.x1 < 3 * height
        )
        if same_line:
            merged[-1] = Box(last.x0, min(last.top, b.top), b.x1, max(last.bottom, b.bottom))
        else:
            merged.append(b)
    return merged
