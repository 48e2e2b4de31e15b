"""Calibrate the abstention threshold of `casebook ask` on a gold question set.

Runs every gold question with abstention switched off, records the answer's confidence,
and picks the threshold that maximises abstention F1 while abstaining on at most
``--max-false`` of the answerable questions (default 5%). The chosen value is printed;
``index.answer.ABSTAIN_THRESHOLD`` is set from it (by hand, with the figures in the
commit), so the threshold is measured, not picked.

Usage: python bench/calibrate_answers.py [--gold eval/gold/dev-qa.jsonl] [--index DIR]
"""

from __future__ import annotations

import argparse
import tempfile
from itertools import pairwise
from pathlib import Path

from casebook.config import offline

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    offline()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", type=Path, default=ROOT / "eval" / "gold" / "dev-qa.jsonl")
    ap.add_argument("--index", type=Path, help="an index with the casebook (built if absent)")
    ap.add_argument("--max-false", type=float, default=0.05)
    args = ap.parse_args()

    from eval.gold import load_gold
    from eval.metrics import answer_correct
    from index.answer import ABSTAIN_THRESHOLD, answer_question
    from index.engine import Engine
    from index.ingest import ingest
    from sources import bundled_casebooks

    index_dir = args.index or Path(tempfile.mkdtemp(prefix="casebook-calib-"))
    if not (index_dir / "catalog.sqlite").exists():
        ingest(bundled_casebooks(), index_dir)
    items, _ = load_gold(args.gold)
    rows: list[tuple[float, bool, bool | None]] = []
    with Engine.open(index_dir) as engine:
        for it in items:
            hits = engine.search(it.question)
            a = answer_question(
                it.question, hits, embedder=engine.embedder, index=engine.index, threshold=-1.0
            )
            negative = not it.answerable
            ok = None if negative else answer_correct(it, a.answer, False)
            rows.append((a.confidence, negative, ok))

    n_neg = sum(1 for _, neg, _ in rows if neg)
    n_pos = len(rows) - n_neg
    confs = sorted({c for c, _, _ in rows})
    cuts = [0.0] + [(a + b) / 2 for a, b in pairwise(confs)] + [1.01]
    best = None
    head = ("threshold", "abst_P", "abst_R", "abst_F1", "false_abst", "acc_kept")
    print(" ".join(f"{h:>9}" for h in head))
    for t in cuts:
        abst = [(neg, ok) for c, neg, ok in rows if c < t]
        kept = [ok for c, neg, ok in rows if c >= t and not neg and ok is not None]
        tp = sum(1 for neg, _ in abst if neg)
        p = tp / len(abst) if abst else 0.0
        r = tp / n_neg if n_neg else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        false = (len(abst) - tp) / n_pos if n_pos else 0.0
        acc = sum(kept) / len(kept) if kept else 0.0
        print(f"{t:9.3f} {p:6.2f} {r:6.2f} {f1:7.2f} {false:10.2%} {acc:8.2f}")
        if false <= args.max_false and (best is None or f1 > best[1]):
            best = (t, f1, r, false)
    if best:
        print(
            f"\nchosen threshold {best[0]:.3f}: abstention F1 {best[1]:.2f}, recall {best[2]:.2f}, "
            f"answerable abstained {best[3]:.1%} (current ABSTAIN_THRESHOLD = {ABSTAIN_THRESHOLD})"
        )


if __name__ == "__main__":
    main()
