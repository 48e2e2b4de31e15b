"""Tables from line geometry: where they are, their cell grid, and the text they are read as.

Why a module of its own: a table's meaning is in its pairs — a cell, the label of its row and
the label of its column. Read row by row as running text, a cell loses its labels, the same
table printed transposed (cases as columns instead of rows) reads as a different text, and a
bold header row looks like a heading. Here a table is found from where its lines sit (a run
of baselines holding several aligned cells), its header row and header column from how they
are set (bold or capitals against plain body cells, short labels in the first column), and
it is read as one line per cell: ``<row label> — <column label>: <cell>``, records along the
axis whose cells are *not* alike (the attributes are the axis whose cells share a kind:
all dates, all ticks, all long text), so both printings give the same lines. A table with
column labels only prints them once and then its rows; one without labels stays rows.

No pypdf here: ``sources/`` hands in the page's lines and its line-joining function.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Callable
from itertools import pairwise

from pipeline.types import Block, Line, TableGrid

Join = Callable[[list[str]], str]

LABEL_SEP = " — "  # between a row's label and the column label
CELL_SEP = ": "  # between the column label and the cell
ROW_SEP = " | "  # cells of a row when the table has no row labels to pair them with
MAX_LABEL_WORDS = 12  # a row label is a short name, not a sentence
_MARK = re.compile(r"^[\W_]{1,2}$|^[xX]$")  # ✓, ✗, •, x, –: a tick column
_SENTENCE_END = re.compile(r"[.;:!?]$")
# A cell of a table of text or figures holds a word or a figure of three characters or more;
# a displayed formula set with spaces ("n + 1", "∂x", "{") does not.
_WORDY = re.compile(r"[^\W\d_]{3}|\d[\d,.]{2}")


# --- detection ---------------------------------------------------------------------------


def rows_by_baseline(lines: list[Line]) -> list[list[Line]]:
    """Lines grouped by baseline (within half a line height), top to bottom, left to right."""
    rows: list[list[Line]] = []
    for ln in sorted(lines, key=lambda ln: (ln.top, ln.x0)):
        if rows and abs(rows[-1][0].top - ln.top) <= 0.5 * ln.size:
            rows[-1].append(ln)
        else:
            rows.append([ln])
    return rows


_NOTE_MARKS = set("¹²³⁴⁵⁶⁷⁸⁹⁰")  # a line opened by a superscript figure is a note


def find_tables(lines: list[Line], body: float, join: Join) -> tuple[list[Block], list[Line]]:
    """Tables on one page: (table blocks with their grid and read text, the remaining lines).

    Two kinds of evidence, because a table set in running-text type must not swallow a
    two-column page: in type smaller than the body, a run of baselines that each hold at
    least two separate cells (cells that wrap are gathered back by column and rows split
    where the vertical gap exceeds the table's line pitch); at body size, a run of at least
    three baselines of short cells, most holding three or more, columns found as the x ranges
    no cell crosses.
    """
    tables: list[Block] = []
    used: set[int] = set()
    for grid_rows, region in _small_type_grids(lines, body):
        if block := _table_block(grid_rows, region, join):
            tables.append(block)
            used.update(id(ln) for ln in region)
    rest = [ln for ln in lines if id(ln) not in used]
    for grid_rows, region in _body_size_grids(rest):
        if block := _table_block(grid_rows, region, join):
            tables.append(block)
            used.update(id(ln) for ln in region)
    return tables, [ln for ln in lines if id(ln) not in used]


def _small_type_grids(lines: list[Line], body: float):
    """Grids set smaller than the body text (cells anchored at the first row's cell starts)."""
    small = [ln for ln in lines if ln.size < body - 0.3]
    rows = rows_by_baseline(small)
    if len(rows) < 2:
        return
    runs: list[list[int]] = [[0]]
    for i in range(1, len(rows)):
        size = rows[i - 1][0].size
        if rows[i][0].top - rows[i - 1][0].top <= 3.2 * size:
            runs[-1].append(i)
        else:
            runs.append([i])
    for run in runs:
        multi = [i for i in run if len({round(ln.x0 / 3) for ln in rows[i]}) >= 2]
        if not multi:
            continue
        first = multi[0]
        size = statistics.median(ln.size for ln in rows[first])
        anchors = sorted({ln.x0 for ln in rows[first]})
        # A column left of the first row's cells (an empty top-left corner) counts when
        # its cells start at one x on two rows or more; other lines left of the table
        # (another column of the page) do not.
        starts = [round(ln.x0) for i in multi for ln in rows[i]]
        for i in multi[1:]:
            for ln in rows[i]:
                far = all(abs(ln.x0 - a) > 5 * size for a in anchors)
                if far and (ln.x0 > anchors[0] or starts.count(round(ln.x0)) >= 2):
                    anchors = sorted([*anchors, ln.x0])
        if len(multi) < (2 if len(anchors) >= 3 else 3):
            continue
        marks = sum(ln.text[:1] in _NOTE_MARKS for r in rows[first : run[-1] + 1] for ln in r)
        if marks >= 2:
            continue  # numbered notes set in columns side by side, not a table
        left = anchors[0] - 2  # lines left of the table (another column) are not in it
        region = [[ln for ln in r if ln.x0 >= left] for r in rows[first : run[-1] + 1]]
        region = [r for r in region if r]
        yield _split_rows(region, anchors, size), [ln for r in region for ln in r]


def _body_size_grids(lines: list[Line]):
    """Grids of short cells at any size: three or more baselines of several cells each."""
    rows = rows_by_baseline(lines)
    k = 0
    while k < len(rows):
        j = k
        while j < len(rows):
            if j > k and rows[j][0].top - rows[j - 1][0].top > 3.2 * rows[j][0].size:
                break
            # a short line alone on its baseline continues a wrapped cell of the row above
            wrap = j > k and len(rows[j]) == 1 and len(rows[j][0].text.split()) <= 4
            if not (_grid_row(rows[j]) or wrap):
                break
            j += 1
        # a last line alone is a wrapped cell only when it sits as close as lines within a row
        tight = min((b[0].top - a[0].top for a, b in pairwise(rows[k:j])), default=0.0)
        while j > k + 1 and len(rows[j - 1]) == 1:
            if rows[j - 1][0].top - rows[j - 2][0].top <= 1.3 * tight and len(rows[j - 2]) >= 2:
                break
            j -= 1
        run = rows[k:j]
        grid_rows = [r for r in run if len(r) >= 2]
        cells = [ln.text for r in grid_rows for ln in r]
        if (
            len(grid_rows) >= 3
            and sum(len(r) >= 3 for r in grid_rows) * 2 >= len(grid_rows)
            and sum(bool(_WORDY.search(c)) for c in cells) >= 0.7 * len(cells)
        ):
            size = statistics.median(ln.size for r in run for ln in r)
            bounds = _column_bounds(run[1:], size)
            if len(bounds) >= 2:
                anchors = [a for a, _ in bounds]
                yield _split_rows(run, anchors, size), [ln for r in run for ln in r]
            k = j
        else:
            k = max(j, k + 1)


def _grid_row(row: list[Line]) -> bool:
    """A baseline that could be a table row: two or more short cells, none a sentence."""
    if len(row) < 2:
        return False
    row = sorted(row, key=lambda ln: ln.x0)
    gaps = [b.x0 - a.x1 for a, b in pairwise(row)]
    return (
        min(gaps) >= 0.8 * max(ln.size for ln in row)
        and statistics.median(len(ln.text.split()) for ln in row) <= 5
        and not any(len(ln.text.split()) > 8 for ln in row)
    )


def _column_bounds(rows: list[list[Line]], size: float) -> list[tuple[float, float]]:
    """Columns as the x ranges the cells cover, split where no cell crosses a gap of 0.5 em."""
    spans = sorted((ln.x0, ln.x1) for r in rows for ln in r)
    out: list[list[float]] = []
    for a, b in spans:
        if out and a <= out[-1][1] + 0.5 * size:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _split_rows(
    region: list[list[Line]], anchors: list[float], size: float, by_cells: bool = False
) -> list[list[list[Line]]]:
    """Baselines into table rows, cells by column: a new row after a gap wider than the
    line pitch, or (``by_cells``: rows of one-line cells) at every baseline of two cells."""
    gaps = [b[0].top - a[0].top for a, b in pairwise(region)]

    def column(ln: Line) -> int:
        return max((c for c, a in enumerate(anchors) if a <= ln.x0 + 2), default=0)

    # The line pitch: how far apart the lines of one column are. Not measured across
    # columns: a cell set in the middle of its row (a corner label beside a wrapped header)
    # sits half a pitch off the lines beside it, and that half gap split every row.
    tops: dict[int, list[float]] = {}
    for r in region:
        for ln in r:
            tops.setdefault(column(ln), []).append(ln.top)
    steps = [b - a for t in tops.values() for a, b in pairwise(sorted(t))]
    pitch = min((g for g in steps if g > 0.5 * size), default=size * 1.2)
    starts = [0] + [k + 1 for k, g in enumerate(gaps) if g > 1.3 * pitch]
    if by_cells or len(starts) < 2:  # rows as tight as the lines in a cell
        starts = [k for k, r in enumerate(region) if k == 0 or len(r) >= 2]
    rows: list[list[list[Line]]] = []
    for k, r in enumerate(region):
        if k in starts:
            rows.append([[] for _ in anchors])
        for ln in r:
            rows[-1][column(ln)].append(ln)
    return [[sorted(c, key=lambda ln: ln.top) for c in row] for row in rows]


# --- reading ------------------------------------------------------------------------------


def _table_block(rows: list[list[list[Line]]], region: list[Line], join: Join) -> Block | None:
    texts = [[join([ln.text for ln in c]) for c in row] for row in rows]
    keep = [k for k, row in enumerate(texts) if any(row)]
    if len(keep) < 2:
        return None
    rows = [rows[k] for k in keep]
    texts = [texts[k] for k in keep]
    bold = [[_bold(c) for c in row] for row in rows]
    grid = read_grid(texts, bold)
    return Block(text=grid.text, pdf_page=0, lines=region, kind="table", grid=grid)


def _bold(cell: list[Line]) -> bool | None:
    chars = sum(len(ln.text) for ln in cell)
    if not chars:
        return None
    return sum(len(ln.text) for ln in cell if ln.bold) / chars > 0.6


def read_grid(cells: list[list[str]], bold: list[list[bool | None]] | None = None) -> TableGrid:
    """A grid of cell texts (rows of columns; "" for an empty cell) read as a table.

    ``bold`` (same shape; None for an empty cell) says how each cell is set: a header row or
    column is told apart from the body by weight or by capitals, and a first column of short
    distinct names is the row labels of a table that has column labels.
    """
    width = max(len(r) for r in cells)
    cells = [[c.strip() for c in r] + [""] * (width - len(r)) for r in cells]
    if bold is None:
        bold = [[None] * width for _ in cells]
    bold = [list(b) + [None] * (width - len(b)) for b in bold]
    header_row = _header_row(cells, bold)
    header_col = _header_col(cells, bold, header_row)
    transposed = sure = False
    if header_row and header_col:
        lead = _rows_alike(cells) - _columns_alike(cells)
        sure = abs(lead) > 0.1
        if lead > 0.1:
            cells, transposed = _flip(cells), True
    grid = _linearise(cells, header_row, header_col, transposed)
    grid.oriented = sure or not (header_row and header_col)
    grid.bold = bold
    return grid


def read_titles(blocks: list[Block]) -> None:
    """Set ``grid.title`` of each table that a title line is printed just above: the block
    before it on the page, one short line set bold or in capitals that is no sentence, close
    above the table's first row and overlapping it across the page. Why: the table's cells
    are read line by line with their labels, and the title is the one thing they all belong
    to."""
    for prev, b in pairwise(blocks):
        if b.grid is None or prev.grid is not None or len(prev.lines) != 1:
            continue
        ln, text = prev.lines[0], prev.text.strip()
        caps = text == text.upper() and any(ch.isalpha() for ch in text)
        if (
            not text
            or len(text.split()) > MAX_LABEL_WORDS
            or _SENTENCE_END.search(text)
            or not (prev.bold or caps)
        ):
            continue
        gap = b.top - ln.top
        right = max(x.x1 for x in b.lines)
        if 0 < gap <= 3 * max(ln.size, b.size) and ln.x0 < right and ln.x1 > b.x0:
            b.grid.title = text


def follow_continued(blocks: list[Block]) -> None:
    """Read a table continued on the next page as its first part: without its header row
    printed again (the first block of its page, as many columns), it takes that header;
    with it, and when its own cells do not tell which axis holds the records (a page of
    ticks alone), it keeps the first part's orientation."""
    prev: Block | None = None
    for k, b in enumerate(blocks):
        g = b.grid
        if g is None:
            continue
        p = prev.grid if prev is not None else None
        if prev is None or p is None or b.pdf_page != prev.pdf_page + 1:
            prev = b
            continue
        first_on_page = all(c.pdf_page == prev.pdf_page for c in blocks[blocks.index(prev) + 1 : k])
        head, cells = _printed(p)[0], _printed(g)
        if p.header_row and not g.header_row and first_on_page and len(head) == len(cells[0]):
            bold = [[True] * len(head), *_printed_bold(g)]
            g = read_grid([head, *cells], bold)
        if (
            not g.oriented
            and g.header_row
            and g.header_col
            and p.transposed != g.transposed
            and _printed(g)[0] == head
        ):
            g = _linearise(_printed(g) if g.transposed else _flip(g.rows), True, True, p.transposed)
        if not g.title and g.header_row and _printed(g)[0] == head and first_on_page:
            g.title = p.title  # its title line is printed above the first part only
        if g is not b.grid:
            g.oriented = True
            g.bold = b.grid.bold if g.bold is None else g.bold
            b.grid, b.text = g, g.text
        prev = b


def _flip(rows: list[list[str]]) -> list[list[str]]:
    return [list(c) for c in zip(*rows, strict=True)]


def _printed(grid: TableGrid) -> list[list[str]]:
    """The grid as printed (rows as on the page)."""
    return _flip(grid.rows) if grid.transposed else grid.rows


def _printed_bold(grid: TableGrid) -> list[list[bool | None]]:
    rows = _printed(grid)
    return grid.bold or [[None] * len(r) for r in rows]


def _header_row(cells: list[list[str]], bold: list[list[bool | None]]) -> bool:
    """The first row labels the columns: set bold (or in capitals) where the body is not."""
    if len(cells) < 2 or sum(bool(c) for c in cells[0]) < 2:
        return False
    start = 1 if len(cells[0]) > 1 else 0  # the first column may be bold row labels
    head = [b for b in bold[0][start:] if b is not None]
    body = [b for r in bold[1:] for b in r[start:] if b is not None]
    if head and body and all(head) and sum(body) <= 0.3 * len(body):
        return True
    caps = [c for c in cells[0][start:] if c]
    body_caps = [c for r in cells[1:] for c in r[start:] if c and any(ch.isalpha() for ch in c)]
    return (
        all(c == c.upper() and any(ch.isalpha() for ch in c) for c in caps)
        and bool(body_caps)
        and sum(c == c.upper() for c in body_caps) <= 0.3 * len(body_caps)
    )


def _header_col(cells: list[list[str]], bold: list[list[bool | None]], header_row: bool) -> bool:
    """The first column labels the rows: short distinct names, bold where the body is not,
    or (in a table of three or more columns whose first row labels them) any short names."""
    if len(cells[0]) < 2:
        return False
    body = cells[1:] if header_row else cells
    firsts = [r[0] for r in body]
    if (
        len(body) < 2
        or not all(firsts)
        or len(set(firsts)) < len(firsts)
        or any(_SENTENCE_END.search(f) for f in firsts)
        or all(_kind(f) == "number" for f in firsts)  # a contents page's numbers
    ):
        return False
    first_bold = [r[0] for r in (bold[1:] if header_row else bold)]
    rest_bold = [b for r in (bold[1:] if header_row else bold) for b in r[1:] if b is not None]
    if all(first_bold) and rest_bold and sum(rest_bold) <= 0.3 * len(rest_bold):
        return True
    short = all(len(f.split()) <= MAX_LABEL_WORDS for f in firsts)
    return short and header_row and len(cells[0]) >= 3


def _kind(cell: str) -> str:
    if not cell:
        return ""
    if _MARK.match(cell):
        return "mark"
    words = cell.split()
    if any(ch.isdigit() for ch in cell) and len(words) <= 4:
        return "number"
    return "short" if len(words) <= 3 else "long"


def _alike(lines: list[list[str]]) -> float:
    """How much the cells along each line share a kind (mean share of the modal kind)."""
    shares = []
    for line in lines:
        kinds = [_kind(c) for c in line if c]
        if len(kinds) >= 2:
            shares.append(max(kinds.count(k) for k in set(kinds)) / len(kinds))
    return sum(shares) / len(shares) if shares else 0.0


def _columns_alike(cells: list[list[str]]) -> float:
    body = [r[1:] for r in cells[1:]]
    return _alike([list(c) for c in zip(*body, strict=True)]) if body and body[0] else 0.0


def _rows_alike(cells: list[list[str]]) -> float:
    return _alike([r[1:] for r in cells[1:]])


def _linearise(
    cells: list[list[str]], header_row: bool, header_col: bool, transposed: bool
) -> TableGrid:
    """One line per cell with its labels (after the record's own line when rows are labelled);
    rows as ``a | b`` when the table has no labels."""
    out: list[str] = []
    pos = 0
    spans: list[tuple[int, int, int, int]] = []
    labels: list[tuple[int, int]] = []
    records: list[tuple[int, int]] = []

    def emit(parts: list[tuple[str, int, int] | tuple[str, None, None]]) -> None:
        nonlocal pos
        if out:
            pos += 1  # the newline
        line = ""
        for text, r, c in parts:
            if r is None:
                line += text
                continue
            start = pos + len(line)
            line += text
            if r < 0:
                labels.append((start, start + len(text)))
            else:
                spans.append((r, c, start, start + len(text)))  # type: ignore[arg-type]
        out.append(line)
        pos += len(line)

    body_start = 1 if header_row else 0
    # Column labels without row labels: the labels once, then each row with its cells
    # together (repeating long column labels on every cell would outweigh the cells).
    rows_only = header_row and not header_col
    if rows_only:
        head: list = []
        for c, v in enumerate(cells[0]):
            head += [(ROW_SEP, None, None)] if c else []
            head.append((v, -1, c) if v else ("", None, None))
        emit(head)
    elif header_row and header_col and cells[0][0]:
        # The corner cell once, on its own line: it names the row labels ("Name", "Country")
        # and no cell line repeats it (each repeats its row and column labels).
        emit([(cells[0][0], -1, 0)])
    for r in range(body_start, len(cells)):
        row = cells[r]
        if header_row and row == cells[0]:
            continue  # the header printed again (a table continued)
        first = 1 if header_col else 0
        if not header_row or rows_only:
            if header_col:
                rest = [(c, v) for c, v in enumerate(row[1:], 1) if v]
                parts: list = [(row[0], -1, 0)] if row[0] else []
                if rest and row[0]:
                    parts.append((CELL_SEP, None, None))
                for k, (c, v) in enumerate(rest):
                    if k:
                        parts.append((ROW_SEP, None, None))
                    parts.append((v, r, c))
                if parts:  # a label without cells (a group of rows) is kept too
                    emit(parts)
                continue
            filled = [(c, v) for c, v in enumerate(row) if v]
            last = max(c for c, _ in filled) if filled else -1
            parts = []
            for c in range(last + 1):
                if c:
                    parts.append((ROW_SEP, None, None))
                parts.append((row[c], r, c) if row[c] else ("", None, None))
            if filled:
                emit(parts)
            continue
        if header_col:
            # The record as one line too, its cells in order: what a reader quotes of a row
            # (whichever way the table was printed), beside the cells with their labels.
            emit([(ROW_SEP.join(v for v in row if v), None, None)])
            records.append((pos - len(out[-1]), pos))
        for c in range(first, len(row)):
            if not row[c]:
                continue
            parts = []
            if header_col and row[0]:
                parts += [(row[0], -1, 0), (LABEL_SEP, None, None)]
            if cells[0][c]:
                parts += [(cells[0][c], -1, c), (CELL_SEP, None, None)]
            parts.append((row[c], r, c))
            emit(parts)
    return TableGrid(
        rows=cells,
        header_row=header_row,
        header_col=header_col,
        transposed=transposed,
        text="\n".join(out),
        cells=spans,
        labels=labels,
        records=records,
    )


def _printed_rows(grid: TableGrid) -> list[str]:
    return [ROW_SEP.join(r).rstrip(" |") for r in _printed(grid)]


def table_rows(block: Block) -> list[str]:
    """A table's rows as ``a | b`` lines, as printed (bylines and contents read rows)."""
    return block.text.split("\n") if block.grid is None else _printed_rows(block.grid)
