"""The same entities whatever the typesetting (slow: three PDFs through the real pipeline).

The report and booklet typesettings of the 2024 casebook print the same text in other layouts;
amounts and targets must come out the same, and each entity's printed page label must be one
the typesetting's manifest prints for the text block that holds it.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from pipeline.entities import load_nlp

CORPUS = Path("/work/shared/corpus")
BENCH = Path(__file__).resolve().parents[1] / "bench" / "bench_entity_layouts.py"
VARIANTS = ["variants/moin-casebook-2024-report.pdf", "variants/moin-casebook-2024-booklet.pdf"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (CORPUS / VARIANTS[0]).exists(), reason="corpus variants not present"),
]


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("bench_entity_layouts", BENCH)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def keyed() -> dict[str, tuple[dict[str, set[Any]], dict[str, float]]]:
    bench, nlp = _bench(), load_nlp()
    out = {}
    for name in ["moin-casebook-2024.pdf", *VARIANTS]:
        ents, texts, manifest, _secs = bench.run_pdf(CORPUS / name, nlp)
        out[name] = bench.keyed(ents, texts, bench.BlockIndex(manifest))
    return out


@pytest.mark.parametrize("variant", VARIANTS)
def test_same_amounts_and_targets_in_every_layout(keyed: dict[str, Any], variant: str) -> None:
    base, _ = keyed["moin-casebook-2024.pdf"]
    other, _ = keyed[variant]
    assert other["amount"] == base["amount"]
    assert other["target"] == base["target"]
    both = base["actor"] & other["actor"]
    assert len(both) / len(base["actor"] | other["actor"]) >= 0.8


@pytest.mark.parametrize("variant", ["moin-casebook-2024.pdf", *VARIANTS])
def test_printed_page_labels_follow_the_layout(keyed: dict[str, Any], variant: str) -> None:
    _, labels = keyed[variant]
    assert labels["amount"] == 1.0
    assert labels["target"] >= 0.8 and labels["actor"] >= 0.8
