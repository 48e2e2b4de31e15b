"""The quality gate: the dev gold set and our probe set on the bundled casebook must not regress.

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
from tests.conftest import ROOT

GOLD = ROOT / "eval" / "gold" / "dev-qa.jsonl"
PROBE = ROOT / "eval" / "gold" / "probe-qa.jsonl"  # ours, written apart from the code
FLOORS = {
    GOLD: {
        "recall@5": 0.93,
        "mrr@10": 0.88,
        "answer_accuracy": 0.85,
        "abstention_recall": 0.85,
        "abstention_f1": 0.85,
    },
    PROBE: {
        "recall@5": 0.83,
        # 0.78 measured with the learned fusion (0.82 with the RRF that was set on dev and
        # probe); the floor sits a few points under, as for the other figures
        "mrr@10": 0.75,
        "answer_accuracy": 0.70,
        "abstention_recall": 0.73,
        "abstention_f1": 0.70,
    },
}
CEILINGS = {GOLD: {"answerable_abstained": 0.05}, PROBE: {"answerable_abstained": 0.09}}


@pytest.mark.parametrize("gold", [GOLD, PROBE], ids=["dev", "probe"])
def test_gold_quality_floors(engine, gold):
    metrics = run_eval(gold, lambda q: engine.ask(q).to_dict())
    floors, ceilings = FLOORS[gold], CEILINGS[gold]
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
