"""Experiment: a linear map of the question's vector (an embedding adapter), learned on
generated queries, before the dense score (max sentence cosine) is taken.

    python bench/fit_query_adapter.py --index DIR [--index DIR ...] [--sets dev,probe,...]

The pool is ``bench/retrieval_pool.generate`` (no gold set); the chunk vectors stay as
stored, only the query vector moves: q' = normalise((I + D) q). Folds by sentence; figures
printed: the pool's held-out fold (dense only, and fused with the shipped weights), then
each named gold set's recall@5 / MRR@10 fused, with and without the adapter.
"""

from __future__ import annotations

import argparse
import sys
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from casebook.config import offline  # noqa: E402

offline()

import torch  # noqa: E402

from bench.retrieval_pool import generate  # noqa: E402
from eval.gold import load_gold  # noqa: E402
from eval.metrics import passage_matches  # noqa: E402
from index.engine import SearchEngine  # noqa: E402
from index.fusion import FEATURES, fuse, load_weights  # noqa: E402
from index.retrieve import query_features  # noqa: E402


def ranks_of(scores: np.ndarray, rel: np.ndarray) -> np.ndarray:
    order = np.argsort(-scores, axis=1, kind="stable")
    hit = np.take_along_axis(rel, order, axis=1)
    return np.where(hit.any(1), hit.argmax(1) + 1, 99)


def figures(ranks: np.ndarray) -> str:
    return f"{np.mean(ranks <= 5):.3f} / {np.mean(np.where(ranks <= 10, 1.0 / ranks, 0)):.3f}"


class Data:
    def __init__(self, engine: SearchEngine, per_sentence: int, seed: int) -> None:
        index = engine.index
        self.index = index
        lex = index.lexical()
        snap = index.vectors()
        assert snap.ids == lex.ids
        by_id = index.chunks_by_id(lex.ids)
        self.chunks = [by_id[i] for i in lex.ids]
        self.rows = np.arange(len(self.chunks))
        self.sent = torch.tensor(np.asarray(snap.sentences, dtype=np.float32))
        self.owner = torch.tensor(np.asarray(snap.owner, dtype=np.int64))
        embed = engine.embedder.inner.embed
        self.pool = generate(
            self.chunks,
            embed,
            per_sentence=per_sentence,
            seed=seed,
            labels=index.part_labels_for(self.chunks),
        )
        self.q = np.asarray(embed([p.query for p in self.pool]), dtype=np.float32)
        self.rel = np.zeros((len(self.pool), len(self.chunks)), dtype=bool)
        for i, p in enumerate(self.pool):
            self.rel[i, list(p.targets)] = True
        self.fold = np.array([zlib.crc32(p.sentence.encode()) % 5 for p in self.pool])
        self.embed = embed

    def dense(self, q: torch.Tensor) -> torch.Tensor:
        """Per query, per chunk: the closest sentence's cosine."""
        s = q @ self.sent.T  # (n, sentences)
        out = torch.full((q.shape[0], len(self.chunks)), -1.0)
        idx = self.owner.expand(q.shape[0], -1)
        return out.scatter_reduce(1, idx, s, reduce="amax", include_self=True)


def adapt(d: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    v = q + q @ d.T
    return v / v.norm(dim=1, keepdim=True)


def train(datas: list[Data], test_fold: int, steps: int, l2: float, tau: float) -> torch.Tensor:
    d = torch.zeros(384, 384, requires_grad=True)
    opt = torch.optim.Adam([d], lr=1e-3)
    sets = []
    for data in datas:
        sel = data.fold != test_fold
        sets.append((data, torch.tensor(data.q[sel]), torch.tensor(data.rel[sel])))
    for _ in range(steps):
        opt.zero_grad()
        loss = torch.zeros(())
        for data, q, rel in sets:
            pick = torch.randint(0, q.shape[0], (256,))
            logits = data.dense(adapt(d, q[pick])) / tau
            r = rel[pick]
            pos = torch.logsumexp(logits.masked_fill(~r, -1e9), dim=1)
            loss = loss + (torch.logsumexp(logits, dim=1) - pos).mean()
        loss = loss + l2 * (d**2).sum()
        loss.backward()
        opt.step()
    return d.detach()


def fused_ranks(data: Data, queries: list[str], qv: np.ndarray, rel: np.ndarray) -> np.ndarray:
    w = load_weights()
    scores = np.stack(
        [
            fuse(query_features(data.index, q, v, data.rows).matrix, w)
            for q, v in zip(queries, qv, strict=True)
        ]
    )
    return ranks_of(scores, rel)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, action="append", required=True)
    ap.add_argument("--sets", default="dev,probe,heldout-a")
    ap.add_argument("--per-sentence", type=int, default=2)
    ap.add_argument("--steps", type=int, default=300)
    ap.add_argument("--l2", type=float, default=1e-2)
    ap.add_argument("--tau", type=float, default=0.05)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    torch.manual_seed(0)
    engines = [SearchEngine.open(p) for p in args.index]
    datas = [Data(e, args.per_sentence, 0) for e in engines]
    print(f"pool: {sum(len(d.pool) for d in datas)} queries", flush=True)
    d = train(datas, 0, args.steps, args.l2, args.tau)
    print(f"adapter: |D| = {float(d.norm()):.3f}")
    for data, path in zip(datas, args.index, strict=True):
        test = data.fold == 0
        q = torch.tensor(data.q[test])
        base = ranks_of(data.dense(q).numpy(), data.rel[test])
        new = ranks_of(data.dense(adapt(d, q)).numpy(), data.rel[test])
        queries = [p.query for p, t in zip(data.pool, test, strict=True) if t]
        fb = fused_ranks(data, queries, data.q[test], data.rel[test])
        fn = fused_ranks(data, queries, adapt(d, q).numpy(), data.rel[test])
        print(
            f"{path.name:10} pool held-out dense {figures(base)} -> {figures(new)}; "
            f"fused {figures(fb)} -> {figures(fn)}"
        )
    data = datas[0]
    for name in args.sets.split(","):
        gp = Path(name) if name.endswith(".jsonl") else ROOT / "eval/gold" / f"{name}-qa.jsonl"
        items = [it for it in load_gold(gp)[0] if it.answerable]
        qs = [it.question for it in items]
        qv = np.asarray(data.embed(qs), dtype=np.float32)
        rel = np.array(
            [[passage_matches(c.text, it.evidence) for c in data.chunks] for it in items]
        )
        b = fused_ranks(data, qs, qv, rel)
        n = fused_ranks(data, qs, adapt(d, torch.tensor(qv)).numpy(), rel)
        print(f"{gp.stem:18} fused {figures(b)} -> {figures(n)}")
    if args.out:
        np.save(args.out, d.numpy())
    _ = FEATURES


if __name__ == "__main__":
    main()
