"""Calibrate when `casebook ask` abstains, on gold question sets.

An answer is withheld when its evidence lacks something the question pins down
(``grounding`` below ``GROUNDING_MIN``: another year, another programme's name, a
number of something else) or when it matches the question poorly overall
(``support × grounding`` below ``ABSTAIN_THRESHOLD``). Two numbers, because the two
failures look different: a near-miss ("jobs in 2022" against "in 2023 alone") matches
closely but is ungrounded; a paraphrase is grounded but shares few words.

Runs every gold question with abstention switched off, records support and grounding,
and searches both cut-offs for the best abstention recall minus share of answerable
questions abstained (Youden's J) over all the ``--gold`` files pooled (default: the dev
set and our own probe set), then the best answer accuracy, keeping at most ``--max-false``
(default 5%) of the first file's answerable questions abstained (the dev set, which the
bar is set on). Among equal outcomes it takes the highest confidence cut-off, the
midpoint between two observed values, so off-topic questions are still refused. The
chosen values are printed with the figures per set; ``qa.answer`` is set from them
in a commit that quotes them.

Usage: python bench/calibrate_answers.py [--gold FILE ...] [--index DIR]
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from casebook.config import offline

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Row:
    gold: str
    negative: bool
    ok: bool | None
    empty: bool
    support: float
    grounding: float

    def abstains(self, g_min: float, t_min: float) -> bool:
        return self.empty or self.grounding < g_min or self.support * self.grounding < t_min


def figures(rows: list[Row], g_min: float, t_min: float) -> tuple[float, float, float]:
    """(abstention recall, share of answerable abstained, answer accuracy) at the cut-offs."""
    neg = [r for r in rows if r.negative]
    pos = [r for r in rows if not r.negative]
    judged = [r for r in pos if r.ok is not None]
    recall = sum(r.abstains(g_min, t_min) for r in neg) / max(1, len(neg))
    false = sum(r.abstains(g_min, t_min) for r in pos) / max(1, len(pos))
    acc = sum(bool(r.ok) and not r.abstains(g_min, t_min) for r in judged) / max(1, len(judged))
    return recall, false, acc


def cuts(values: set[float], geometric: bool = False) -> list[float]:
    """0 and the midpoints between consecutive observed values. Grounding is a product of
    factors, so its cut-offs are geometric midpoints (never one of the factors' values)."""
    v = sorted(values)
    mid = (lambda a, b: (a * b) ** 0.5) if geometric else (lambda a, b: (a + b) / 2)
    return [0.0] + [mid(a, b) for a, b in pairwise(v)]


def main() -> None:
    offline()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--gold",
        type=Path,
        action="append",
        help="gold set(s); default eval/gold/dev-qa.jsonl and eval/gold/probe-qa.jsonl",
    )
    ap.add_argument("--index", type=Path, help="an index with the casebook (built if absent)")
    ap.add_argument("--max-false", type=float, default=0.05)
    args = ap.parse_args()

    from eval.gold import load_gold
    from eval.metrics import answer_correct
    from index.engine import Engine
    from index.ingest import ingest
    from qa.answer import ABSTAIN_THRESHOLD, GROUNDING_MIN, answer_question
    from sources import bundled_casebooks

    index_dir = args.index or Path(tempfile.mkdtemp(prefix="casebook-calib-"))
    if not (index_dir / "catalog.sqlite").exists():
        ingest(bundled_casebooks(), index_dir)
    golds = args.gold or [ROOT / "eval" / "gold" / n for n in ("dev-qa.jsonl", "probe-qa.jsonl")]
    rows: list[Row] = []
    with Engine.open(index_dir) as engine:
        for gold in golds:
            for it in load_gold(gold)[0]:
                hits = engine.search(it.question)
                a = answer_question(
                    it.question,
                    hits,
                    embedder=engine.embedder,
                    index=engine.index,
                    threshold=-1.0,
                    min_grounding=-1.0,
                )
                ok = answer_correct(it, a.answer, False) if it.answerable else None
                rows.append(
                    Row(gold.name, not it.answerable, ok, not a.answer, a.support, a.grounding)
                )

    first = [r for r in rows if r.gold == golds[0].name]
    best: tuple[tuple[float, float, float], float, float] | None = None
    for g_min in cuts({r.grounding for r in rows}, geometric=True):
        for t_min in cuts({r.support * r.grounding for r in rows}):
            if figures(first, g_min, t_min)[1] > args.max_false:
                continue
            recall, false, acc = figures(rows, g_min, t_min)
            key = (round(recall - false, 6), acc, t_min)
            if best is None or key > best[0]:
                best = (key, g_min, t_min)
    if best is None:
        raise SystemExit(f"no cut-offs abstain on ≤ {args.max_false:.0%} of {golds[0].name}")
    _, g_min, t_min = best
    print(
        f"chosen GROUNDING_MIN = {g_min:.3f}, ABSTAIN_THRESHOLD = {t_min:.3f} "
        f"(now {GROUNDING_MIN}, {ABSTAIN_THRESHOLD})"
    )
    print(f"{'set':>16} {'questions':>9} {'abst_recall':>11} {'answerable_abst':>15} {'acc':>5}")
    for name in [*dict.fromkeys(r.gold for r in rows), "all"]:
        part = [r for r in rows if name in ("all", r.gold)]
        recall, false, acc = figures(part, g_min, t_min)
        print(f"{name:>16} {len(part):>9} {recall:>11.2f} {false:>15.1%} {acc:>5.2f}")


if __name__ == "__main__":
    main()
