"""Headings on documents typeset by other producers (typst, fpdf2, groff -ms), in the heading
conventions of real reports: recall ≥ 0.85, precision ≥ 0.80, first page right ≥ 0.90 with
the outline ignored, and a bookmarked PDF's structure following its outline exactly.

Seeds here are not the ones looked at while tuning (bench/score_headings.py --seeds 0-3).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.score_headings import BARS, score_doc, summarise
from eval.heading_docs import CONVENTIONS, HELDOUT, PRODUCERS, TUNE, available

SEED = 7


@pytest.fixture(scope="module")
def scored(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], dict]:
    have = [p for p in PRODUCERS if available(p)]
    if not {"typst", "fpdf2"} <= set(have):
        pytest.skip("typst and fpdf2 (dev dependencies) are needed to typeset the documents")
    folder: Path = tmp_path_factory.mktemp("heading-docs")
    return {(p, c): score_doc(p, c, SEED, folder) for p, c in TUNE + HELDOUT if p in have}


@pytest.mark.parametrize("half", ["tune", "heldout"])
def test_heading_bars_per_half(scored: dict, half: str) -> None:
    pairs = TUNE if half == "tune" else HELDOUT
    rows = [scored[k] for k in pairs if k in scored]
    total = summarise(rows)
    misses = {
        f"{p}-{c}": scored[(p, c)]["missed"] + scored[(p, c)]["extra"]
        for p, c in pairs
        if (p, c) in scored
    }
    for key, bar in BARS.items():
        assert total[key] >= bar, (key, total, misses)


@pytest.mark.parametrize("convention", CONVENTIONS)
def test_each_convention_found(scored: dict, convention: str) -> None:
    """No convention is lost altogether: over its producers, recall and precision ≥ 0.7."""
    rows = [r for (p, c), r in scored.items() if c == convention]
    total = summarise(rows)
    assert total["recall"] >= 0.7 and total["precision"] >= 0.7, (convention, total)


def test_two_columns(tmp_path: Path) -> None:
    """The same bars when typst and groff set the documents in two columns."""
    have = [p for p in ("typst", "groff") if available(p)]
    if "typst" not in have:
        pytest.skip("typst (a dev dependency) is needed")
    rows = [score_doc(p, c, SEED, tmp_path, columns=2) for p, c in TUNE + HELDOUT if p in have]
    total = summarise(rows)
    for key, bar in BARS.items():
        assert total[key] >= bar, (key, total)


def test_outline_followed_exactly(scored: dict) -> None:
    outlined = {k: r["outline_diffs"] for k, r in scored.items() if r["outline_diffs"] is not None}
    assert len(outlined) >= 12  # typst and fpdf2 write bookmarks for every heading
    assert not {k: d for k, d in outlined.items() if d}
