"""Tables read from line geometry (pipeline/tables.py), on randomised renderings and the casebook.

Each random table (eval/typeset.py ``random_table``) draws invented records against
attributes of several kinds, printed with records as rows or as columns, ruled or not, its
labels bold or in capitals, in small type or at body size, with 3–8 columns. Every cell must
come out on one line with its two labels ("<record> — <attribute>: <value>"), and no label or
cell may become a section heading. The seeds here were not used while developing (that used
0–79 in a throwaway script).
"""

from __future__ import annotations

import re
import unicodedata

import pytest

from pipeline.tables import follow_continued, read_grid, table_rows
from pipeline.types import Block
from tests.conftest import CASEBOOK, CORPUS, need_shared


def _squash(text: str) -> str:
    # narrow cells make the renderer break words ("infra structure"): compare without spaces
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _read_random(tmp_path, seed: int):
    pytest.importorskip("reportlab")
    from eval.typeset import random_table, render_table
    from pipeline.structure import detect_structure
    from sources import load

    spec = random_table(seed)
    pdf = tmp_path / f"table-{seed}.pdf"
    render_table(spec, pdf)
    doc = load(pdf)
    return spec, doc, detect_structure(doc)


def _check_random(tmp_path, seed: int) -> None:
    spec, doc, structure = _read_random(tmp_path, seed)
    tables = [b for p in doc.pages for b in p.blocks if b.kind == "table"]
    # one table, or one per page when it runs on (its header is not printed again there)
    assert len(tables) == len({b.pdf_page for b in tables}) >= 1, [b.text[:80] for b in tables]
    text = "\n".join(b.text for b in tables)
    lines = {_squash(line) for line in text.split("\n")}
    up = str.upper if spec["caps"] else str
    missing = [
        (r, a, v)
        for (r, a), v in spec["cells"].items()
        if _squash(f"{up(r)} — {up(a)}: {v}") not in lines
    ]
    assert not missing, (spec, missing[:3], text[:400])
    assert tables[0].pdf_page == 1
    # no label or cell is a heading: the only heading is the page's own
    labels = {_squash(up(x)) for x in [*spec["records"], *spec["attributes"]]}
    headings = [
        s.heading for part in structure.parts for s in part.sections if _squash(s.heading) in labels
    ]
    titles = [p.title for p in structure.parts if _squash(p.title) in labels]
    assert not headings and not titles, (headings, titles)


@pytest.mark.parametrize("seed", range(300, 312))
def test_random_tables_keep_cells_with_their_labels(tmp_path, seed):
    _check_random(tmp_path, seed)


@pytest.mark.slow
def test_more_random_tables(tmp_path):
    """60 more seeds, most of them right. Known limit: a table that runs on to the next page
    with a single wrapped row there, its header not printed again (1 of these 60): one row
    cannot show whether a second line is a new row or the same cell wrapped."""
    failed = []
    for seed in range(312, 372):
        try:
            _check_random(tmp_path, seed)
        except AssertionError as e:
            failed.append((seed, str(e)[:200]))
    assert len(failed) <= 2, failed


# --- the grid reader on its own -------------------------------------------------------------

RECORDS = [
    ["Name", "Years", "Level", "Aim", "Uses links"],
    ["Alder Fund", "2001 - 2004", "City", "Build more homes for rent in every district", "✓"],
    ["Birch Office", "2010 - now", "National", "Train staff to test and learn quickly", ""],
    ["Cedar Lab", "1999 - 2003", "City", "Open services to citizens on their phones", "✓"],
]
BOLD = [[True] * 5] + [[True, False, False, False, False] for _ in RECORDS[1:]]


def _transpose(rows):
    return [list(c) for c in zip(*rows, strict=True)]


def test_a_table_and_its_transpose_read_the_same():
    plain = read_grid(RECORDS, BOLD)
    flipped = read_grid(_transpose(RECORDS), _transpose(BOLD))
    assert plain.header_row and plain.header_col and not plain.transposed
    assert flipped.transposed
    assert plain.text.split("\n") == flipped.text.split("\n")
    assert "Birch Office — Years: 2010 - now" in plain.text.split("\n")
    assert "Birch Office — Uses links" not in plain.text  # empty cells are left out


def test_cell_and_label_spans_point_into_the_text():
    g = read_grid(RECORDS, BOLD)
    for r, c, start, end in g.cells:
        assert g.text[start:end] == g.rows[r][c]
    assert {g.text[s:e] for s, e in g.labels} >= {"Alder Fund", "Years", "Aim"}


def test_a_table_without_labels_stays_rows():
    rows = [["6", "About us"], ["8", "Introduction"], ["12", "BANKING | SCOTLAND"]]
    g = read_grid(rows, [[False, False]] * 3)
    assert not g.header_row and not g.header_col
    assert g.text.split("\n")[0] == "6 | About us"


def test_a_continued_table_keeps_its_first_parts_orientation():
    flipped = _transpose(RECORDS)
    first = read_grid(flipped, _transpose(BOLD))
    ticks = [["Name", "Alder Fund", "Birch Office", "Cedar Lab"], ["Uses tools", "✓", "✓", ""]]
    ticks.append(["Uses funds", "", "✓", "✓"])
    rest = read_grid(ticks, [[True] * 4] + [[True, False, False, False]] * 2)
    assert not rest.transposed  # ticks alone do not tell which axis holds the records
    blocks = [Block(first.text, 1, kind="table", grid=first)]
    blocks.append(Block(rest.text, 2, kind="table", grid=rest))
    follow_continued(blocks)
    assert blocks[1].grid is not None and blocks[1].grid.transposed
    assert "Birch Office — Uses funds: ✓" in blocks[1].text.split("\n")
    assert table_rows(blocks[1])[0].startswith("Name | Alder Fund")


def test_a_table_run_on_to_the_next_page_takes_its_header():
    first = read_grid(RECORDS[:3], BOLD[:3])
    more = [["Dogwood Desk", "2015 - 2019", "City", "Keep rents low for young people", "✓"]]
    more.append(["Elm Works", "2020 - now", "National", "Fund repairs of old homes", ""])
    rest = read_grid(more, [[True, False, False, False, False]] * 2)
    assert not rest.header_row
    blocks = [Block(first.text, 1, kind="table", grid=first)]
    blocks.append(Block(rest.text, 2, kind="table", grid=rest))
    follow_continued(blocks)
    assert "Elm Works — Aim: Fund repairs of old homes" in blocks[1].text.split("\n")


# --- the casebook -------------------------------------------------------------------------


def _pairs(pdf) -> set[str]:
    from sources import load

    doc = load(pdf)
    return {
        re.sub(r"[^\w—:]+", "", line.lower())
        for p in doc.pages
        for b in p.blocks
        if b.kind == "table" and b.grid is not None and b.grid.header_col
        for line in b.text.split("\n")
    }


def test_the_casebook_tables_read_alike_in_another_typesetting():
    """The report prints this grid transposed (cases as columns): the same lines."""
    need_shared()
    report = CORPUS / "variants" / "moin-casebook-2024-report.pdf"
    ours, theirs = _pairs(CASEBOOK), _pairs(report)
    assert len(ours) > 50
    assert len(ours & theirs) >= 0.9 * len(ours), sorted(ours - theirs)[:5]
