"""Answer-aware passage order against the retriever's order: recall@1/5 and MRR@10.

Why: ``casebook ask`` returns the passage its answer came from first
(``qa.answer.answer_first``). Whether that helps is measured here on the generated retrieval
pool (``bench/retrieval_pool.py``: one query per sentence, its targets the chunks holding
that sentence) and on gold question sets given as files (answerable questions; a passage
matches under the gold README's rule). Only per-set figures are printed, never a question.

Usage: python bench/answer_order.py --index DIR [--n 800] [SET.jsonl ...]
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from casebook.config import offline

offline()

from bench.retrieval_pool import generate  # noqa: E402
from eval.gold import load_gold  # noqa: E402
from eval.metrics import passage_matches  # noqa: E402
from qa.engine import Engine  # noqa: E402


def first_rank(order: list[str], good: set[str]) -> int | None:
    """1-based rank of the first relevant chunk in the top 10 (None: not there)."""
    return next((r for r, cid in enumerate(order[:10], 1) if cid in good), None)


def figures(ranks: Iterable[int | None]) -> str:
    """recall@1, recall@5 and MRR@10 of a list of first ranks."""
    rs = list(ranks)
    n = max(len(rs), 1)
    r1 = sum(r == 1 for r in rs if r) / n
    r5 = sum(r <= 5 for r in rs if r) / n
    mrr = sum(1 / r for r in rs if r) / n
    return f"r@1 {r1:.3f} r@5 {r5:.3f} mrr@10 {mrr:.3f}"


def orders(engine: Engine, question: str) -> tuple[list[str], list[str]]:
    """Chunk ids in the retriever's order and in the order ``ask`` returns them."""
    retrieved = [h.chunk.id for h in engine.search(question, 10)]
    answered = [h.chunk.id for h in engine.ask(question, 10).hits]
    return retrieved, answered


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--n", type=int, default=800, help="pool queries (a random sample)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("sets", nargs="*", type=Path)
    args = ap.parse_args()
    with Engine.open(args.index) as engine:
        index = engine.index
        lex = index.lexical()
        by_id = index.chunks_by_id(lex.ids)
        chunks = [by_id[i] for i in lex.ids]
        pool = generate(
            chunks,
            engine.embedder.inner.embed,
            per_sentence=1,
            seed=args.seed,
            labels=index.part_labels_for(chunks),
        )
        random.Random(args.seed).shuffle(pool)
        rows: list[tuple[str, list[tuple[str, set[str]]]]] = [
            (
                f"pool ({min(args.n, len(pool))})",
                [(p.query, {chunks[t].id for t in p.targets}) for p in pool[: args.n]],
            )
        ]
        for path in args.sets:
            items = [g for g in load_gold(path)[0] if g.answerable]
            good = [
                (g.question, {c.id for c in chunks if passage_matches(c.text, g.evidence)})
                for g in items
            ]
            rows.append((path.stem, good))
        for name, questions in rows:
            before, after = [], []
            for question, good in questions:
                retrieved, answered = orders(engine, question)
                before.append(first_rank(retrieved, good))
                after.append(first_rank(answered, good))
            print(f"{name:24} retriever {figures(before)} | ask {figures(after)}", flush=True)


if __name__ == "__main__":
    main()
