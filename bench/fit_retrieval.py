"""Fit the hybrid ranking's weights on queries generated from the indexed text.

The pool (``bench/retrieval_pool.py``: sentences of the chunks, cut, paraphrased through
embedding neighbours, some naming their part) gives thousands of (query, target chunks)
pairs. The features are those the query path computes (``index.retrieve.query_features``);
the weights maximise MRR@10 + recall@5 on the pool by coordinate ascent, the BM25
weight fixed at 1 (the score's scale is free). Five folds over the sentences measure the pool
out of sample; starting from BM25 + dense, each other feature is kept only when it lifts
that 5-fold figure by more than ``MIN_GAIN``. No gold set is used to fit:
dev, probe and held-out A are printed beside the pool, each out of sample (held-out B and
``extra-qa.jsonl`` are reported only by ``bench/bench_page_bm25.py``, in aggregate).

Usage: python bench/fit_retrieval.py [--index DIR ...] [--per-sentence 3] [--seed 0] [--write]
(--write saves index/retrieval_weights.json). The shipped weights came from three indexes,
one per typesetting: the bundled casebook and ../shared/corpus/variants/*-{report,booklet}.pdf,
each ingested with `casebook ingest PDF --index DIR`.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from casebook.config import offline

ROOT = Path(__file__).resolve().parent.parent
GRID = (0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0)
TUNING_SETS = ("dev", "probe", "heldout-a")
MIN_GAIN = 0.005  # recall@5 + MRR@10 on the pool, 5-fold, a feature must add to be kept


def rrf_scores(
    x: np.ndarray, features: Sequence[str], k: float = 30.0, w_bm25: float = 2.0
) -> np.ndarray:
    """The old default (RRF of the dense and chunk-BM25 rankings, top 50 of each) as
    scores, from the same feature arrays."""
    out = np.zeros(x.shape[:2])
    for name, w in (("dense", 1.0), ("bm25", w_bm25)):
        col = x[:, :, list(features).index(name)]
        order = np.argsort(-col, axis=1, kind="stable")[:, :50]
        for q in range(x.shape[0]):
            top = order[q]
            if name == "bm25":
                top = top[col[q, top] > 0]
            out[q, top] += w / (k + np.arange(1, len(top) + 1))
    return out


def first_ranks(scores: np.ndarray, relevant: np.ndarray) -> np.ndarray:
    """1-based rank of the best-scored relevant chunk of each query (row)."""
    best = np.where(relevant, scores, -np.inf).max(axis=1)
    return 1 + (np.where(relevant, -np.inf, scores) > best[:, None]).sum(axis=1)


def objective(ranks: np.ndarray) -> tuple[float, float]:
    """(recall@5, MRR@10)."""
    return float((ranks <= 5).mean()), float(np.where(ranks <= 10, 1.0 / ranks, 0.0).mean())


def fit(
    x: np.ndarray, rel: np.ndarray, features: Sequence[str], use: Sequence[str], passes: int = 3
) -> dict[str, float]:
    """Coordinate ascent over ``GRID`` for the features in ``use`` (bm25 fixed at 1)."""
    w = {f: (1.0 if f == "bm25" else 0.0) for f in features}

    def score(wd: dict[str, float]) -> float:
        vec = np.array([wd[f] for f in features], dtype=np.float32)
        r5, mrr = objective(first_ranks(x @ vec, rel))
        return mrr + r5

    best = score(w)
    for _ in range(passes):
        changed = False
        for f in use:
            if f == "bm25":
                continue
            for v in GRID:
                trial = {**w, f: v}
                s = score(trial)
                if s > best + 1e-9:
                    best, w, changed = s, trial, True
        if not changed:
            break
    return w


def main() -> None:
    offline()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--index",
        type=Path,
        action="append",
        help="an index to generate queries from (repeat: e.g. other typesettings); the "
        "gold sets are measured on the first",
    )
    ap.add_argument("--per-sentence", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--write", action="store_true", help="save index/retrieval_weights.json")
    args = ap.parse_args()

    from bench.retrieval_pool import generate
    from eval.gold import load_gold
    from eval.metrics import passage_matches
    from index.engine import SearchEngine
    from index.fusion import FEATURES, WEIGHTS_FILE
    from index.ingest import ingest
    from index.retrieve import RRF_FUSION, query_features
    from sources import bundled_casebooks

    index_dirs = args.index or [Path(tempfile.mkdtemp(prefix="casebook-fit-"))]
    if not (index_dirs[0] / "catalog.sqlite").exists():
        ingest(bundled_casebooks(), index_dirs[0])

    def pool_arrays(engine: SearchEngine) -> tuple[list, np.ndarray, np.ndarray]:
        """The generated queries of one index, their features and target masks."""
        index = engine.index
        lex = index.lexical()
        by_id = index.chunks_by_id(lex.ids)
        chunks = [by_id[i] for i in lex.ids]
        rows = np.arange(len(chunks))
        pool = generate(
            chunks,
            engine.embedder.inner.embed,
            per_sentence=args.per_sentence,
            seed=args.seed,
            labels=index.part_labels_for(chunks),
        )
        qvecs = engine.embedder.inner.embed([p.query for p in pool])
        x = np.stack(
            [
                query_features(index, p.query, qv, rows).matrix
                for p, qv in zip(pool, qvecs, strict=True)
            ]
        )
        rel = np.zeros((len(pool), len(chunks)), dtype=bool)
        for i, p in enumerate(pool):
            rel[i, list(p.targets)] = True
        return pool, x, rel

    t0 = time.perf_counter()
    parts = []
    sources: list[str] = []
    for d in index_dirs:
        with SearchEngine.open(d) as engine:
            parts.append(pool_arrays(engine))
            sources += [Path(str(doc["path"])).name for doc in engine.index.documents()]
    # one array over all indexes: rows missing from a smaller index score far below any
    width = max(x.shape[1] for _, x, _ in parts)
    pool = [p for ps, _, _ in parts for p in ps]
    x = np.concatenate(
        [
            np.pad(x, ((0, 0), (0, width - x.shape[1]), (0, 0)), constant_values=-1e3)
            for _, x, _ in parts
        ]
    )
    rel = np.concatenate([np.pad(r, ((0, 0), (0, width - r.shape[1]))) for _, _, r in parts])
    n_chunks = sum(r.shape[1] for _, _, r in parts)
    print(
        f"pool: {len(pool)} queries from {n_chunks} chunks of {len(index_dirs)} index(es) "
        f"({time.perf_counter() - t0:.0f} s); styles: "
        + ", ".join(
            f"{s} {sum(p.style == s for p in pool)}" for s in sorted({p.style for p in pool})
        )
    )
    with SearchEngine.open(index_dirs[0]) as engine:
        index = engine.index
        lex = index.lexical()
        by_id = index.chunks_by_id(lex.ids)
        chunks = [by_id[i] for i in lex.ids]
        rows = np.arange(len(chunks))

        def gold_features(name: str) -> tuple[np.ndarray, np.ndarray]:
            items = [
                it
                for it in load_gold(ROOT / "eval" / "gold" / f"{name}-qa.jsonl")[0]
                if it.answerable
            ]
            vecs = engine.embedder.inner.embed([it.question for it in items])
            gx = np.stack(
                [
                    query_features(index, it.question, v, rows).matrix
                    for it, v in zip(items, vecs, strict=True)
                ]
            )
            grel = np.array(
                [[passage_matches(c.text, it.evidence) for c in chunks] for it in items]
            )
            return gx, grel

        gold = {name: gold_features(name) for name in TUNING_SETS}

        def rrf_ranks(name: str) -> np.ndarray:
            items = [
                it
                for it in load_gold(ROOT / "eval" / "gold" / f"{name}-qa.jsonl")[0]
                if it.answerable
            ]
            engine.fusion = RRF_FUSION
            out = []
            for it in items:
                hits = engine.search(it.question, k=10)
                out.append(
                    next((h.rank for h in hits if passage_matches(h.chunk.text, it.evidence)), 99)
                )
            return np.array(out)

        def row(label: str, w: dict[str, float] | None, folds: str = "") -> None:
            cells = [f"{label:34s}", f"{folds:>11s}"]
            pooled = []
            for name in TUNING_SETS:
                if w is None:
                    ranks = rrf_ranks(name)
                else:
                    gx, grel = gold[name]
                    ranks = first_ranks(gx @ np.array([w[f] for f in FEATURES]), grel)
                pooled.append(ranks)
                cells.append("{:.2f} / {:.2f}".format(*objective(ranks)))
            cells.append("{:.3f} / {:.3f}".format(*objective(np.concatenate(pooled))))
            print("  ".join(cells))

        # folds by sentence: the same sentence in another typesetting stays in its fold
        fold_of = np.array([zlib.crc32(p.sentence.encode()) % 5 for p in pool])

        def cross_validated(use: Sequence[str]) -> tuple[float, float]:
            ranks = np.zeros(len(pool), dtype=int)
            for k in range(5):
                train, test = fold_of != k, fold_of == k
                w = fit(x[train], rel[train], FEATURES, use)
                vec = np.array([w[f] for f in FEATURES], dtype=np.float32)
                ranks[test] = first_ranks(x[test] @ vec, rel[test])
            return objective(ranks)

        def gain(a: tuple[float, float], b: tuple[float, float]) -> float:
            return (a[0] + a[1]) - (b[0] + b[1])

        print(
            f"{'weights (recall@5 / MRR@10)':34s}  {'pool 5-fold':>11s}  "
            + "  ".join(f"{n:>11s}" for n in TUNING_SETS)
            + "  the three pooled"
        )
        pool_rrf = objective(first_ranks(rrf_scores(x, FEATURES), rel))
        row("RRF (old default, fitted on dev)", None, "{:.3f} / {:.3f}".format(*pool_rrf))
        # forward selection on the pool's 5-fold figure: a feature stays only if it lifts it
        use = ["bm25", "dense"]
        base = cross_validated(use)
        row("bm25 + dense", fit(x, rel, FEATURES, use), "{:.3f} / {:.3f}".format(*base))
        for f in FEATURES:
            if f in use:
                continue
            trial = cross_validated([*use, f])
            kept = gain(trial, base) > MIN_GAIN
            row(
                f"{'+' if kept else '(+)'} {f}{'' if kept else ' (dropped)'}",
                fit(x, rel, FEATURES, [*use, f]),
                "{:.3f} / {:.3f}".format(*trial),
            )
            if kept:
                use, base = [*use, f], trial
        chosen = fit(x, rel, FEATURES, use)
        print("kept:", use, "; fitted on the whole pool:", {f: v for f, v in chosen.items() if v})
        if args.write:
            r5, mrr = objective(first_ranks(x @ np.array([chosen[f] for f in FEATURES]), rel))
            WEIGHTS_FILE.write_text(
                json.dumps(
                    {
                        "weights": {f: v for f, v in chosen.items() if v},
                        "command": "python bench/fit_retrieval.py "
                        + " ".join(f"--index {d}" for d in index_dirs)
                        + " --write  (one index per typesetting; see the script's docstring)",
                        "fitted_on": f"{len(pool)} generated queries from {n_chunks} chunks of "
                        f"{', '.join(sources)} (seed {args.seed}); no gold set",
                        "kept": use,
                        "pool_recall@5": round(r5, 3),
                        "pool_mrr@10": round(mrr, 3),
                    },
                    indent=1,
                )
                + "\n"
            )
            print(f"wrote {WEIGHTS_FILE}")


if __name__ == "__main__":
    main()
