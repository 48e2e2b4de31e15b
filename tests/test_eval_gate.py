"""The quality gate: every question set we have, on the bundled casebook, must not regress.

Floors sit a few points under what was measured when they were set (see README,
"Quality"); a change that drops below them fails CI. Time is not gated here.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from casebook.cli import main
from eval.report import fmt
from eval.run import run_eval
from tests.conftest import ROOT, SHARED

GOLD = ROOT / "eval" / "gold" / "dev-qa.jsonl"
SETS = {  # every question set we have; none is fitted on (see README, "Answers")
    "dev": GOLD,
    "probe": ROOT / "eval" / "gold" / "probe-qa.jsonl",
    "heldout-a": ROOT / "eval" / "gold" / "heldout-a-qa.jsonl",
    "heldout-b": ROOT / "eval" / "gold" / "heldout-b-qa.jsonl",
    "extra": SHARED / "gold" / "extra-qa.jsonl",
    "heldout-c": ROOT / "eval" / "gold" / "heldout-c-qa.jsonl",
    "heldout-d": ROOT / "eval" / "gold" / "heldout-d-qa.jsonl",
    "heldout-e": ROOT / "eval" / "gold" / "heldout-e-qa.jsonl",
    "heldout-f": ROOT / "eval" / "gold" / "heldout-f-qa.jsonl",
    "studied-g": ROOT / "eval" / "gold" / "studied-g-qa.jsonl",
    "studied-h": ROOT / "eval" / "gold" / "studied-h-qa.jsonl",
    "heldout-j": ROOT / "eval" / "gold" / "heldout-j-qa.jsonl",
    "heldout-i": ROOT / "eval" / "gold" / "heldout-i-qa.jsonl",
    "heldout-k": ROOT / "eval" / "gold" / "heldout-k-qa.jsonl",
}
# A few points under the figures measured when they were set (README, "Quality").
_KEYS = ("recall@5", "mrr@10", "answer_accuracy", "abstention_recall")
FLOORS = {
    name: dict(zip(_KEYS, floors, strict=True))
    for name, floors in {
        "dev": (0.95, 0.90, 0.74, 0.50),
        "probe": (0.88, 0.75, 0.69, 0.65),
        "heldout-a": (0.88, 0.76, 0.58, 0.70),
        "heldout-b": (0.90, 0.80, 0.57, 0.80),
        # Extra's abstention recall fell from 0.62 to 0.46 when the typed retrieval feature and
        # the table reader joined the answer model fitted before them (README, "Answers").
        "extra": (0.90, 0.78, 0.64, 0.40),
        "heldout-c": (0.94, 0.85, 0.79, 0.45),
        "heldout-d": (0.90, 0.82, 0.63, 0.60),
        "heldout-e": (0.90, 0.77, 0.55, 0.50),
        "heldout-f": (0.88, 0.82, 0.63, 0.25),
        "studied-g": (0.90, 0.82, 0.67, 0.45),
        "studied-h": (0.95, 0.91, 0.70, 0.35),
        "heldout-j": (0.93, 0.88, 0.66, 0.40),
        "heldout-i": (0.88, 0.82, 0.63, 0.35),
        "heldout-k": (0.92, 0.88, 0.66, 0.45),
    }.items()
}
# Probe's ceiling went from 0.07 to 0.10 when the abstainer stopped reading the wording: it
# refuses 2 more of its 45 answerable questions and 5 more of its 15 unanswerable ones
# (docs/history.md, "Answers on every question set"); the abstention floors rose with it.
CEILINGS = {
    "dev": {"answerable_abstained": 0.05},
    "probe": {"answerable_abstained": 0.10},
    "heldout-a": {"answerable_abstained": 0.08},
    "heldout-b": {"answerable_abstained": 0.05},
    "extra": {"answerable_abstained": 0.09},
    "heldout-c": {"answerable_abstained": 0.12},
    "heldout-d": {"answerable_abstained": 0.11},
    "heldout-e": {"answerable_abstained": 0.12},
    "heldout-f": {"answerable_abstained": 0.10},
    "studied-g": {"answerable_abstained": 0.10},
    "studied-h": {"answerable_abstained": 0.09},
    "heldout-j": {"answerable_abstained": 0.10},
    "heldout-i": {"answerable_abstained": 0.10},
    "heldout-k": {"answerable_abstained": 0.10},
}


@pytest.mark.parametrize("name", list(SETS))
def test_gold_quality_floors(engine, name):
    gold = SETS[name]
    if not gold.exists():
        pytest.skip(f"{gold} not found")
    metrics = run_eval(gold, lambda q: engine.ask(q).to_dict())
    floors, ceilings = FLOORS[name], CEILINGS[name]
    got = {k: metrics[k] for k in (*floors, *ceilings)}
    assert all(got[k] >= floor for k, floor in floors.items()), got
    assert all(got[k] <= ceiling for k, ceiling in ceilings.items()), got
    assert not metrics["problems"]


def test_eval_cli_report_matches_json(real_index, tmp_path):
    report = tmp_path / "report"
    res = CliRunner().invoke(
        main, ["eval", str(GOLD), "--index", str(real_index), "--json", "--report", str(report)]
    )
    assert res.exit_code == 0, res.output
    metrics = json.loads(res.stdout)
    html = (report / "index.html").read_text()
    for key in ("recall@5", "mrr@10", "answer_accuracy", "abstention_f1"):
        assert fmt(metrics[key], key) in html, key
    assert (report / "recall_at_k.png").stat().st_size > 1000
