"""The pipeline on a differently typeset copy of the casebook, built here from the manifest.

The project is judged on a copy we do not have: one column, other fonts, other running
header, page numbers at the top. ``eval/typeset.py`` re-typesets the manifest's blocks
that way with reportlab and records what it rendered; these tests read that PDF with the
project's own API and compare parts, sections, page labels and chunks with the truth.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

pytest.importorskip("reportlab")

from eval.structure import printed_pieces, table_labels
from eval.typeset import render_variant

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT.parent / "shared" / "corpus" / "moin-casebook-2024.manifest.json"

STYLES = ["single", "single-dash", "two-col-alt", "plain-headings"]


SPLIT_TABLE = (
    "known limit: a table that flows from one column into the next (two-column layout) "
    "is not reassembled into rows; its cells read as column text"
)


def _known_split_table(request, variant) -> None:
    if variant["style"] == "two-col-alt":
        request.applymarker(pytest.mark.xfail(reason=SPLIT_TABLE, strict=True))


def _norm(s: str) -> str:
    s = s.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", s).strip().lower()


def _alnum(s: str) -> str:
    return re.sub(r"[\W_]+", "", s.lower())


@pytest.fixture(scope="module", params=STYLES)
def variant(request, tmp_path_factory):
    if not MANIFEST.exists():
        pytest.skip(f"manifest not found at {MANIFEST}")
    from pipeline.chunks import chunk_structure
    from pipeline.structure import detect_structure
    from sources import load

    manifest = json.loads(MANIFEST.read_text())
    out = tmp_path_factory.mktemp("typeset") / f"casebook-{request.param}.pdf"
    t0 = time.perf_counter()
    truth = render_variant(manifest, out, style=request.param)
    t1 = time.perf_counter()
    doc = load(out)
    structure = detect_structure(doc)
    chunks = chunk_structure(structure)
    t2 = time.perf_counter()
    return {
        "style": request.param,
        "truth": truth,
        "doc": doc,
        "structure": structure,
        "chunks": chunks,
        "timing": (t1 - t0, t2 - t1),
    }


def _cases(v):
    found = [p for p in v["structure"].parts if p.kind == "case"]
    want = [p for p in v["truth"]["parts"] if p["kind"] == "case"]
    return found, want


def test_generation_is_fast(variant):
    render_s, _ = variant["timing"]
    assert render_s < 3.0, f"rendering took {render_s:.2f}s"
    assert variant["truth"]["page_count"] == variant["doc"].page_count


def test_six_cases_with_exact_pages(variant):
    found, want = _cases(variant)
    got = [(_norm(p.title), p.first_page, p.last_page) for p in found]
    exp = [(_norm(p["title"]), p["first_page"], p["last_page"]) for p in want]
    assert got == exp


def test_case_authors(variant):
    found, want = _cases(variant)
    assert len(found) == len(want) == 6
    got = {_norm(p.title): [_norm(a) for a in p.authors] for p in found}
    exp = {_norm(p["title"]): [_norm(a) for a in p["authors"]] for p in want}
    assert got == exp


def test_case_contributors(variant):
    found, want = _cases(variant)
    assert len(found) == len(want) == 6
    for p, w in zip(found, want, strict=True):
        if w["contributors"]:
            assert p.contributors, f"{w['title']}: no contributors found"
            name = re.search(r"[A-Z][a-z]+ [A-Z][a-z]+", w["contributors"]).group()
            assert name in p.contributors
        else:
            assert not p.contributors, f"{w['title']}: spurious contributors {p.contributors!r}"


def _section_match(variant):
    found, want = _cases(variant)
    by_title = {_norm(p.title): p for p in found}
    tp = n_true = n_pred = 0
    missed, extra, wrong_page = [], [], []
    for w in want:
        truth = [(_norm(s["heading"]), s["first_page"]) for s in w["sections"]]
        n_true += len(truth)
        p = by_title.get(_norm(w["title"]))
        pred = [(_norm(s.heading), s.first_page) for s in p.sections] if p else []
        n_pred += len(pred)
        pred_pages = dict(pred)
        for h, page in truth:
            if h in pred_pages:
                tp += 1
                if pred_pages[h] != page:
                    wrong_page.append((h, page, pred_pages[h]))
            else:
                missed.append(h)
        truth_set = {h for h, _ in truth}
        extra += [h for h, _ in pred if h not in truth_set]
    return tp, n_true, n_pred, missed, extra, wrong_page


def test_case_section_headings(variant):
    tp, n_true, n_pred, missed, extra, _ = _section_match(variant)
    recall = tp / n_true
    precision = tp / n_pred if n_pred else 0.0
    assert recall >= 0.95 and precision >= 0.90, (
        f"recall {recall:.2f} precision {precision:.2f}; missed {missed[:5]}; extra {extra[:8]}"
    )


def test_case_section_start_pages(variant):
    *_, wrong_page = _section_match(variant)
    assert not wrong_page, f"(heading, true page, found page): {wrong_page[:5]}"


def test_printed_page_labels(variant):
    got = [p.label for p in variant["doc"].pages]
    want = variant["truth"]["page_labels"]
    bad = [(i + 1, g, w) for i, (g, w) in enumerate(zip(got, want, strict=True)) if g != w]
    assert not bad, f"(pdf page, found, printed) {bad[:8]} ({len(bad)} of {len(want)} wrong)"


def test_no_running_lines_in_chunks(variant):
    truth = variant["truth"]
    # what each page prints: its paragraphs, its table rows and each cell of them (a table's
    # corner cell is a line of its own in the text, and may read like a running header)
    page_texts = {
        int(k): {_norm(t) for t in v} | {_norm(c) for t in v for c in t.split(" | ")}
        for k, v in truth["page_texts"].items()
    }
    distinctive = [
        *truth["footer_strings"],
        *(h for h in truth["header_strings"] if "·" in h or "—" in h),
    ]
    whole_lines = {_norm(h) for h in truth["header_strings"]}
    bad = []
    for c in variant["chunks"]:
        printed = set().union(*(page_texts.get(p, set()) for p in c.pdf_pages))
        for s in distinctive:
            if s in c.text:
                bad.append((c.pdf_pages, s))
        for line in c.text.split("\n"):
            ln = _norm(line)
            if (ln in whole_lines and ln not in printed) or re.fullmatch(
                r"[\W_]*\d{1,3}[\W_]*", ln
            ):
                bad.append((c.pdf_pages, line))
    assert not bad, f"running lines in chunks: {bad[:8]} ({len(bad)} in all)"


def test_no_running_lines_in_blocks(variant):
    """No block holds a line printed outside the body area (header, page number, footer)."""
    top, bottom = variant["truth"]["body_band"]
    bad = []
    for page in variant["doc"].pages:
        for b in page.blocks:
            for ln in b.lines:
                if ln.top < top or ln.top > bottom:
                    bad.append((page.pdf_page, round(ln.top), ln.text[:50]))
    assert not bad, f"(page, top, line) {bad[:8]} ({len(bad)} in all)"


def test_chunks_lie_on_cited_pages(request, variant):
    _known_split_table(request, variant)
    from pipeline.chunks import split_sentences

    page_texts = {int(k): v for k, v in variant["truth"]["page_texts"].items()}
    labels = table_labels(variant["doc"])
    bad = []
    for c in variant["chunks"]:
        hay = _alnum(" ".join(t for p in c.pdf_pages for t in page_texts.get(p, [])))
        for s, e in split_sentences(c.text):
            for piece in printed_pieces(c.text[s:e], labels):
                sent = _alnum(piece)
                if sent and sent not in hay:
                    bad.append((c.pdf_pages, c.text[s:e][:80]))
    n = len(variant["chunks"])
    assert not bad, f"{len(bad)} sentences not on their cited pages ({n} chunks): {bad[:6]}"


def test_chunk_page_labels_match_pages(variant):
    labels = variant["truth"]["page_labels"]
    bad = [
        (c.pdf_pages, c.page_labels)
        for c in variant["chunks"]
        if c.page_labels != [labels[p - 1] for p in c.pdf_pages]
    ]
    assert not bad, bad[:5]


@pytest.mark.parametrize(
    "row",
    [
        [
            "Lots of ideas funnelled down to a few ideas",
            "A portfolio of ideas that can generate a change movement",
        ],
        [
            "Bottom-up",
            "Progress upward from the lowest levels of a system",
            "Missions: A Beginner's Guide",
        ],
        [
            "Good Work for All Support Londoners into good jobs with a focus on sectors key to "
            "London's recovery.",
            "Skills Working to ensure Londoners have the right skills",
        ],
    ],
    ids=["gla-support", "terminology", "gla-missions"],
)
def test_table_rows_stay_rows(variant, row):
    want = [_norm(c) for c in row]
    # A row stays together: its cells in order on one line ("a | b"), or on consecutive
    # lines of one chunk, each cell with its labels ("a — B: b", "A: a" then "B: b").
    for c in variant["chunks"]:
        lines = [_norm(line) for line in c.text.split("\n")]
        for k in range(len(lines)):
            window = " \n ".join(lines[k : k + len(want)])
            pos = 0
            for cell in want:
                pos = window.find(cell, pos)
                if pos < 0:
                    break
                pos += len(cell)
            if pos >= 0:
                return
    raise AssertionError(f"no chunk holds the row {row!r} in order")
