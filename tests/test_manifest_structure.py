"""Structure of every typesetting that ships with a manifest, compared with that manifest.

The same casebook in four printings (the 2024 PDF, its revised edition, an A4 report and an
A5 booklet, ``../shared/corpus/variants/``): each must give 6 cases with exact first and last
PDF pages, section recall ≥ 0.95 and precision ≥ 0.90, exact printed labels on every page,
no header/footer text in any chunk, every chunk on the pages it cites, and every author.
"""

from __future__ import annotations

import json

import pytest

from eval.structure import score_structure
from tests.conftest import CORPUS

PDFS = {
    "2024": CORPUS / "moin-casebook-2024.pdf",
    "rev2": CORPUS / "moin-casebook-2024-rev2.pdf",
    "report": CORPUS / "variants" / "moin-casebook-2024-report.pdf",
    "booklet": CORPUS / "variants" / "moin-casebook-2024-booklet.pdf",
}


@pytest.fixture(scope="module", params=sorted(PDFS))
def scored(request) -> dict:
    pdf = PDFS[request.param]
    manifest_path = pdf.with_suffix(".manifest.json")
    if not pdf.exists() or not manifest_path.exists():
        pytest.skip(f"{pdf} or its manifest not found")
    from pipeline.chunks import chunk_structure
    from pipeline.structure import detect_structure
    from sources import load

    structure = detect_structure(load(pdf))
    return score_structure(
        structure, chunk_structure(structure), json.loads(manifest_path.read_text())
    )


def test_six_cases_with_exact_first_and_last_pages(scored):
    assert scored["cases_found"] == scored["cases_true"] == 6, scored["case_pages"]
    assert scored["cases_exact"] == 6, scored["case_pages"]


def test_section_recall_and_precision(scored):
    r, p = scored["section_recall"], scored["section_precision"]
    assert r >= 0.95 and p >= 0.90, (
        r,
        p,
        scored["sections_missed"][:5],
        scored["sections_extra"][:5],
    )


def test_printed_labels_exact_on_every_page(scored):
    assert not scored["labels_wrong"], scored["labels_wrong"][:8]


def test_no_furniture_in_chunks(scored):
    assert not scored["furniture_in_chunks"], scored["furniture_in_chunks"][:5]


def test_chunks_lie_on_the_pages_they_cite(scored):
    assert scored["chunk_pieces"] > 500
    assert not scored["chunk_pieces_off_page"], scored["chunk_pieces_off_page"][:5]


def test_authors_of_each_case_found(scored):
    assert not scored["authors_missing"], scored["authors_missing"]
    assert not scored["authors_extra"], scored["authors_extra"]
