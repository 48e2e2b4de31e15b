"""Table cells printed at body size: blocks on a baseline shared with other short cells.

Why: a table whose header row is set in bold at the size of running text looks, block by
block, like a run of sub-headings. A heading stands alone on its line; a cell shares its
baseline with other cells, and the row above or below it does too, at the same column
starts. Two-column running text also shares baselines, but its lines fill the column, so
a row counts only when a line beside the block is short.
"""

from __future__ import annotations

from collections import Counter
from itertools import pairwise

from pipeline.types import Line, Page


def _rows(lines: list[Line]) -> list[list[Line]]:
    rows: list[list[Line]] = []
    for ln in sorted(lines, key=lambda ln: (ln.top, ln.x0)):
        if rows and abs(rows[-1][0].top - ln.top) <= 0.4 * max(ln.size, rows[-1][0].size):
            rows[-1].append(ln)
        else:
            rows.append([ln])
    return rows


def _cell_row(row: list[Line], short: float, columns: list[float]) -> bool:
    """Several separate lines on one baseline, most of them short, not all at the starts of
    the page's text columns (short lines side by side in two columns are no table)."""
    if len(row) < 2:
        return False
    off_column = any(all(abs(ln.x0 - c) > 3 for c in columns) for ln in row)
    return off_column and sum(ln.x1 - ln.x0 < short for ln in row) >= len(row) - 1


def _aligned(a: list[Line], b: list[Line]) -> bool:
    """Two rows that start cells at (at least two of) the same places."""
    starts = [ln.x0 for ln in b]
    return sum(any(abs(ln.x0 - x) < 3 for x in starts) for ln in a) >= 2


def mark_table_cells(page: Page) -> None:
    """Set ``in_grid`` on blocks whose lines sit in rows of table cells."""
    lines = [ln for b in page.blocks for ln in b.lines]
    if len(lines) < 4:
        return
    width = (max(ln.x1 for ln in lines) - min(ln.x0 for ln in lines)) or 1.0
    rows = _rows(lines)
    # Text columns start where several long lines start.
    starts = Counter(round(ln.x0) for ln in lines if ln.x1 - ln.x0 > 0.35 * width)
    columns = [float(x) for x, n in starts.items() if n >= 3]
    short = 0.3 * width
    cells = [_cell_row(r, short, columns) for r in rows]
    grid: set[int] = set()
    for k, (a, b) in enumerate(pairwise(rows)):
        near = b[0].top - a[0].top <= 4 * max(a[0].size, b[0].size)
        if cells[k] and cells[k + 1] and near and _aligned(a, b):
            # Only the short lines are cells: a long line on the same baseline is running
            # text or a heading in the next column, beside a table in this one.
            grid.update(id(ln) for ln in (*a, *b) if ln.x1 - ln.x0 < short)
    if not grid:
        return
    for blk in page.blocks:
        if blk.kind != "table" and all(id(ln) in grid for ln in blk.lines):
            blk.in_grid = True
