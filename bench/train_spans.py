"""Learn the weights of the answer-span score from gold sets, and say whether they help.

A typed answer (amount, number, percent, date, actor, place) is the best-scoring candidate
span; its score is a weighted sum of named features (``SPAN_WEIGHTS`` in
``qa/answer.py``: the sentence's score, how close the question's words stand, whether it
counts what was asked, is a person when one is asked, …). This script collects every
candidate with its features over the gold questions, labels it by the gold matching rule,
and fits the weights by a listwise softmax (the right span should beat its rivals), with
an L2 pull towards the hand-set weights so that features the data says little about stay
where they were.

It prints top-1 accuracy (questions answered right / typed answerable questions) for the
hand-set and the learned weights: leave-one-set-out over the ``--train`` sets, and on the
``--test`` set, which plays no part in fitting. ``SPAN_WEIGHTS`` is set from the printed
weights only if the held-out figures improve. So far they have not: with some 80 questions
to learn from, the learned weights did worse than the hand-set ones when a set was left
out (dev 0.92 -> 0.88, probe 0.70 -> 0.60 at ``--l2 10``) and no better on held-out B.

Usage: python bench/train_spans.py [--index DIR] [--train FILE ...] [--test FILE]
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from casebook.config import offline

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "eval" / "gold"


@dataclass
class Question:
    gold: str
    qid: str
    x: np.ndarray  # candidates × features
    y: np.ndarray  # candidate is a right answer


def collect(engine: Any, golds: list[Path], names: list[str]) -> list[Question]:
    """Candidates and labels for every typed answerable question with at least one span."""
    from eval.gold import load_gold
    from eval.metrics import answer_correct
    from qa.answer import TYPED, answer_question, span_text

    out = []
    for gold in golds:
        for it in load_gold(gold)[0]:
            if not it.answerable or it.answer_type not in TYPED:
                continue
            spans: list = []
            a = answer_question(
                it.question,
                engine.search(it.question),
                embedder=engine.embedder,
                index=engine.index,
                threshold=-1.0,
                min_grounding=-1.0,
                spans_out=spans,
            )
            if not spans:
                continue
            x = np.array([[sp.features.get(n, 0.0) for n in names] for sp in spans])
            y = np.array(
                [
                    bool(
                        answer_correct(
                            it, span_text(a.answer_type, sp.sentence.text, sp.span), False
                        )
                    )
                    for sp in spans
                ]
            )
            out.append(Question(gold.name, it.id, x, y))
    return out


def top1(questions: list[Question], w: np.ndarray) -> float:
    """Share of questions whose best-scoring span is right (ties: the first listed)."""
    if not questions:
        return 0.0
    return sum(bool(q.y[int(np.argmax(q.x @ w))]) for q in questions) / len(questions)


def fit(questions: list[Question], prior: np.ndarray, l2: float, steps: int = 3000) -> np.ndarray:
    """Weights maximising the softmax probability of the right spans, pulled to ``prior``."""
    useful = [q for q in questions if q.y.any() and not q.y.all()]
    w = prior.copy()
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    lr, b1, b2 = 0.02, 0.9, 0.999
    for t in range(1, steps + 1):
        grad = 2 * l2 * (w - prior)
        for q in useful:
            z = q.x @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            pos = p * q.y
            grad -= (pos @ q.x) / pos.sum() - p @ q.x  # d/dw of -log sum_pos softmax
        grad /= max(1, len(useful))
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad**2
        w -= lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + 1e-8)
    return w


def main() -> None:
    offline()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, help="an index with the casebook (built if absent)")
    ap.add_argument("--train", type=Path, action="append")
    ap.add_argument("--test", type=Path, default=GOLD / "heldout-b-qa.jsonl")
    ap.add_argument("--l2", type=float, default=0.05)
    args = ap.parse_args()
    train = args.train or [
        GOLD / f for f in ("dev-qa.jsonl", "probe-qa.jsonl", "heldout-a-qa.jsonl")
    ]

    from index.engine import Engine
    from index.ingest import ingest
    from qa.answer import FEATURES, SPAN_WEIGHTS
    from sources import bundled_casebooks

    index_dir = args.index or Path(tempfile.mkdtemp(prefix="casebook-spans-"))
    if not (index_dir / "catalog.sqlite").exists():
        ingest(bundled_casebooks(), index_dir)
    names = list(FEATURES)
    prior = np.array([SPAN_WEIGHTS.get(n, 0.0) for n in names])
    with Engine.open(index_dir) as engine:
        qs = collect(engine, [*train, args.test], names)
    test = [q for q in qs if q.gold == args.test.name]
    fitted = [q for q in qs if q.gold != args.test.name]

    print(f"{'set':>20} {'questions':>9} {'hand':>6} {'learned':>8}   (learned on the others)")
    for g in train:
        rest = [q for q in fitted if q.gold != g.name]
        held = [q for q in fitted if q.gold == g.name]
        w = fit(rest, prior, args.l2)
        print(f"{g.name:>20} {len(held):>9} {top1(held, prior):>6.2f} {top1(held, w):>8.2f}")
    w = fit(fitted, prior, args.l2)
    print(f"{args.test.name:>20} {len(test):>9} {top1(test, prior):>6.2f} {top1(test, w):>8.2f}")
    print("\nlearned on all --train sets:")
    print("SPAN_WEIGHTS = {")
    for n, v in zip(names, w, strict=True):
        print(f'    "{n}": {v:.3f},')
    print("}")


if __name__ == "__main__":
    main()
