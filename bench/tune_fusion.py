"""Measure RRF fusion settings (RRF constant, BM25 weight) on a gold set.

Retrieval only (no answers): for each setting, evidence recall@1/5 and MRR@10 over the
answerable questions, by question style. ``index.retrieve.RRF_FUSION`` (the previous
default) was set from this table on the dev set; the default hybrid is now the learned
linear fusion, fitted on generated queries by ``bench/fit_retrieval.py``.

Usage: python bench/tune_fusion.py [--gold eval/gold/dev-qa.jsonl] [--index DIR]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from casebook.config import offline

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    offline()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", type=Path, default=ROOT / "eval" / "gold" / "dev-qa.jsonl")
    ap.add_argument("--index", type=Path)
    args = ap.parse_args()

    from eval.gold import load_gold
    from eval.matching import passage_matches
    from index.engine import SearchEngine
    from index.ingest import ingest
    from index.retrieve import RRF_FUSION, FusionParams
    from sources import bundled_casebooks

    index_dir = args.index or Path(tempfile.mkdtemp(prefix="casebook-fusion-"))
    if not (index_dir / "catalog.sqlite").exists():
        ingest(bundled_casebooks(), index_dir)
    items = [it for it in load_gold(args.gold)[0] if it.answerable]
    grid = [
        FusionParams(rrf_k=k, dense_weight=1.0, lexical_weight=w)
        for k in (10, 30, 60)
        for w in (0.5, 1.0, 1.5, 2.0, 3.0)
    ]
    print(f"RRF as it was the default: {RRF_FUSION}")
    cols = ("rrf_k", "w_bm25", "R@1", "R@5", "MRR", "lexMRR", "paraMRR")
    print(" ".join(f"{c:>7}" for c in cols))
    with SearchEngine.open(index_dir) as engine:
        for params in grid:
            engine.fusion = params
            ranks: dict[str, list[float]] = {}
            r1 = r5 = 0
            for it in items:
                hits = engine.search(it.question, k=10)
                rank = next(
                    (h.rank for h in hits if passage_matches(h.chunk.text, it.evidence)), None
                )
                r1 += rank == 1
                r5 += rank is not None and rank <= 5
                ranks.setdefault(it.style, []).append(1 / rank if rank else 0.0)
                ranks.setdefault("all", []).append(1 / rank if rank else 0.0)

            def mrr(style: str, ranks: dict[str, list[float]] = ranks) -> float:
                v = ranks.get(style, [])
                return sum(v) / len(v) if v else 0.0

            n = len(items)
            print(
                f"{params.rrf_k:5.0f} {params.lexical_weight:6.1f} {r1 / n:5.2f} {r5 / n:5.2f} "
                f"{mrr('all'):5.2f} {mrr('lexical'):6.2f} {mrr('paraphrase'):7.2f}"
            )


if __name__ == "__main__":
    main()
