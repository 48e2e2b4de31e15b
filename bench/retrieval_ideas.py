"""Retrieval ideas measured on the generated pool first, then on dev / probe / held-out A.

Why a script of its own: issue 12 asks for retrieval ahead of whole-page BM25 with passages
of at most half a page, and each idea below had to be judged the way the shipped weights
were (``bench/fit_retrieval.py``: fitted on queries generated from the indexed text, five
folds by sentence, no gold set). The script keeps the measurement reproducible. Only
``typed`` lifted the pool and the gold sets together and is in the query path
(``index/typed.py``); the others are not.

Ideas, each a feature added to the shipped BM25 + dense fusion (forward selection, the
gain is the pool's 5-fold recall@5 + MRR@10):

- ``bm25_local``: the chunk's BM25 with IDF and mean length taken over its own part (case)
  only. A question names its case (its place or programme) and the chunk
  that repeats the case's name wins over the one holding the fact; within the case those
  words are common, so their local IDF is low (hierarchical retrieval: route by the part,
  rank by what is rare inside it). ``bm25_local_section``: the same within the section.
- ``bm25_sentence``: the BM25 of the chunk's best sentence (as dense uses its best sentence).
- ``dense_page`` / ``dense_section``: the best sentence cosine on the chunk's page / section
  (the dense side of page- or section-level retrieval, the BM25 side being
  ``bm25_page`` / ``bm25_section`` of ``index.fusion``).
- hierarchical: the section's BM25 routes and the case-local BM25 ranks the chunks, in place
  of the chunk's own BM25.
- ``typed``: the chunk states a figure of the kind the question asks for (``index.typed``;
  shipped: the pool's queries for a sentence with a figure ask for its kind,
  ``bench/retrieval_pool.py``).

Then: BM25's k1 / b over a grid (the fusion refitted at each point), and overlapping
sentence windows of at most ``--window`` words (half a median page) as the unit instead of
the chunk, ranked with the shipped weights (dense: the window's best sentence) and with
overlapping windows dropped below the first, measured on the gold sets only (the pool's
targets are chunks). Only per-set figures are printed, never a question.

Usage: python bench/retrieval_ideas.py --index DIR [--index DIR ...] [--window 170]
  (e.g. the bundled casebook and its report and booklet typesettings, one index each)
"""

from __future__ import annotations

import argparse
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from casebook.config import offline

ROOT = Path(__file__).resolve().parent.parent
SETS = ("dev", "probe", "heldout-a")
BASE = ("bm25", "dense")
IDEAS = ("bm25_local", "bm25_local_section", "bm25_sentence", "dense_page", "dense_section")
NAMES = (*BASE, *IDEAS, "bm25_section", "typed")  # section: the hierarchical variant
GRID_K1_B = ((1.5, 0.75), (0.9, 0.4), (0.9, 0.75), (1.2, 0.5), (2.0, 0.75), (1.5, 0.9))


@dataclass
class Corpus:
    """One index's chunks, sentence vectors, pool and gold questions (embedded once)."""

    name: str
    chunks: list
    lexical_texts: list[str]
    sentence_vecs: np.ndarray
    sentence_owner: np.ndarray
    sentences: list[str]
    labels: dict
    pool: list
    pool_vecs: np.ndarray
    gold: dict[str, tuple[list[str], list[list[str]], np.ndarray]]


def load(index_dir: Path, per_sentence: int, seed: int) -> Corpus:
    """Generate the pool and embed it and the gold questions."""
    from bench.retrieval_pool import generate
    from eval.gold import load_gold
    from index.engine import SearchEngine
    from index.lexical import lexical_text
    from pipeline.sentences import chunk_sentences

    with SearchEngine.open(index_dir) as engine:
        index = engine.index
        lex = index.lexical()
        snap = index.vectors()
        if snap.ids != lex.ids:
            raise SystemExit(f"{index_dir}: vector and BM25 rows differ; rebuild the index")
        by_id = index.chunks_by_id(lex.ids)
        chunks = [by_id[i] for i in lex.ids]
        labels = index.part_labels_for(chunks)
        embed = engine.embedder.inner.embed
        pool = generate(chunks, embed, per_sentence=per_sentence, seed=seed, labels=labels)
        gold = {}
        for s in SETS:
            items = [it for it in load_gold(ROOT / "eval" / "gold" / f"{s}-qa.jsonl")[0]]
            items = [it for it in items if it.answerable]
            qs = [it.question for it in items]
            gold[s] = (qs, [list(it.evidence) for it in items], np.asarray(embed(qs)))
        sentences = [t for c in chunks for _, _, t in chunk_sentences(c)]
        owner = np.asarray(snap.owner)
        if len(sentences) != len(owner):
            raise SystemExit(f"{index_dir}: sentence vectors do not line up with the sentences")
        return Corpus(
            index_dir.name,
            chunks,
            [lexical_text(c, labels) for c in chunks],
            np.asarray(snap.sentences),
            owner,
            sentences,
            labels,
            pool,
            np.asarray(embed([p.query for p in pool])),
            gold,
        )


def _norm(v: np.ndarray) -> np.ndarray:
    top = float(v.max()) if len(v) else 0.0
    return v / top if top > 0 else v


def _groups(chunks: Sequence, key: Callable[[Any], object]) -> np.ndarray:
    rows: dict[object, int] = {}
    return np.array([rows.setdefault(key(c), len(rows)) for c in chunks])


class Featurizer:
    """The features of ``NAMES`` for every chunk of one corpus, BM25 at (k1, b)."""

    def __init__(self, corpus: Corpus, k1: float = 1.5, b: float = 0.75) -> None:
        from index.lexical import LexicalIndex, main_page, parent_groups
        from index.typed import stated_kinds

        c = corpus
        ids = [ch.id for ch in c.chunks]
        self.c = c
        self.lex = LexicalIndex.build(ids, c.lexical_texts, k1=k1, b=b)
        self.page = _groups(c.chunks, lambda ch: (ch.doc_sha256, main_page(ch)))
        self.section = _groups(c.chunks, lambda ch: (ch.doc_sha256, ch.part, *ch.section_path))
        part = _groups(c.chunks, lambda ch: (ch.doc_sha256, ch.part))
        self.local = {}
        for level, owner in (("part", part), ("section", self.section)):
            self.local[level] = [
                (
                    rows,
                    LexicalIndex.build(
                        [ids[r] for r in rows], [c.lexical_texts[r] for r in rows], k1=k1, b=b
                    ),
                )
                for g in range(owner.max() + 1)
                if len(rows := np.flatnonzero(owner == g))
            ]
        self.sent_lex = LexicalIndex.build(
            [str(i) for i in range(len(c.sentences))], c.sentences, k1=k1, b=b
        )
        texts, self.section_owner = parent_groups(c.chunks, c.labels)["section"]
        self.section_lex = LexicalIndex.build(
            [str(i) for i in range(len(texts))], texts, k1=k1, b=b
        )
        self.kinds = stated_kinds([ch.text for ch in c.chunks])
        self.starts = np.flatnonzero(np.r_[True, c.sentence_owner[1:] != c.sentence_owner[:-1]])

    def __call__(self, queries: Sequence[str], vecs: np.ndarray) -> np.ndarray:
        from index.lexical import tokenize
        from index.typed import KINDS, asked_kind

        n = len(self.c.chunks)
        x = np.zeros((len(queries), n, len(NAMES)), dtype=np.float32)
        cos = vecs @ self.c.sentence_vecs.T
        for q, text in enumerate(queries):
            terms = tokenize([text])[0]
            dense = np.maximum.reduceat(cos[q], self.starts)
            x[q, :, 0] = _norm(self.lex.scores(terms))
            x[q, :, 1] = dense
            for j, level in enumerate(("part", "section")):
                v = np.zeros(n, dtype=np.float32)
                for rows, li in self.local[level]:
                    v[rows] = li.scores(terms)
                x[q, :, 2 + j] = _norm(v)
            best = np.zeros(n, dtype=np.float32)
            np.maximum.at(best, self.c.sentence_owner, self.sent_lex.scores(terms))
            x[q, :, 4] = _norm(best)
            for j, owner in enumerate((self.page, self.section)):
                top = np.full(owner.max() + 1, -1.0, dtype=np.float32)
                np.maximum.at(top, owner, dense)
                x[q, :, 5 + j] = top[owner]
            x[q, :, 7] = _norm(self.section_lex.scores(terms)[self.section_owner])
            kind = asked_kind(text)
            if kind is not None:
                x[q, :, 8] = self.kinds[KINDS.index(kind)]
        return x


def arrays(corpora: Sequence[Corpus], k1: float, b: float) -> tuple:
    """Pool features, targets and folds over all corpora (padded), and gold per corpus."""
    from eval.metrics import passage_matches

    xs, rels, folds, gold = [], [], [], {}
    for c in corpora:
        feat = Featurizer(c, k1, b)
        pool = c.pool
        xs.append(feat([p.query for p in pool], c.pool_vecs))
        rel = np.zeros((len(pool), len(c.chunks)), dtype=bool)
        for i, p in enumerate(pool):
            rel[i, list(p.targets)] = True
        rels.append(rel)
        folds.append(np.array([zlib.crc32(p.sentence.encode()) % 5 for p in pool]))
        for s, (qs, ev, vecs) in c.gold.items():
            grel = np.array([[passage_matches(ch.text, e) for ch in c.chunks] for e in ev])
            gold[(c.name, s)] = (feat(qs, vecs), grel)
    width = max(x.shape[1] for x in xs)
    x = np.concatenate(
        [np.pad(a, ((0, 0), (0, width - a.shape[1]), (0, 0)), constant_values=-1e3) for a in xs]
    )
    rel = np.concatenate([np.pad(r, ((0, 0), (0, width - r.shape[1]))) for r in rels])
    return x, rel, np.concatenate(folds), gold


def windows(c: Corpus, max_words: float, stride: int = 2) -> list[list[int]]:
    """Overlapping runs of sentences within a section, each at most ``max_words`` words,
    starting every ``stride`` sentences."""
    by_section: dict[tuple, list[int]] = {}
    for j, o in enumerate(c.sentence_owner):
        ch = c.chunks[o]
        by_section.setdefault((ch.doc_sha256, ch.part, *ch.section_path), []).append(j)
    out: list[list[int]] = []
    for js in by_section.values():
        for a in range(0, len(js), stride):
            unit, words = [], 0
            for j in js[a:]:
                n = len(c.sentences[j].split())
                if unit and words + n > max_words:
                    break
                unit.append(j)
                words += n
            out.append(unit)
            if unit[-1] == js[-1]:
                break
    return out


def window_ranks(c: Corpus, max_words: float, weights: dict[str, float]) -> dict[str, np.ndarray]:
    """Per gold set, the rank of the first window holding the evidence (overlaps dropped)."""
    from eval.metrics import passage_matches
    from index.lexical import LexicalIndex

    units = windows(c, max_words)
    texts = [" ".join(c.sentences[j] for j in u) for u in units]
    heads = [
        " › ".join(
            [c.chunks[c.sentence_owner[u[0]]].part, *c.chunks[c.sentence_owner[u[0]]].section_path]
        )
        for u in units
    ]
    lex = LexicalIndex.build(
        [str(i) for i in range(len(units))],
        [f"{h}\n{t}" for h, t in zip(heads, texts, strict=True)],
    )
    out = {}
    for s, (qs, ev, vecs) in c.gold.items():
        ranks = []
        for q, e, v in zip(qs, ev, vecs, strict=True):
            cos = c.sentence_vecs @ v
            score = weights["bm25"] * _norm(lex.scores(q)) + weights["dense"] * np.array(
                [cos[u].max() for u in units]
            )
            seen: set[int] = set()
            picked: list[int] = []
            for k in np.argsort(-score, kind="stable"):
                if seen.isdisjoint(units[k]):
                    picked.append(int(k))
                    seen.update(units[k])
                    if len(picked) == 10:
                        break
            ranks.append(
                next((r for r, k in enumerate(picked, 1) if passage_matches(texts[k], e)), 99)
            )
        out[s] = np.array(ranks)
    return out


def main() -> None:
    offline()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, action="append", required=True)
    ap.add_argument("--per-sentence", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--window", type=float, default=170.0, help="words: half a median page")
    ap.add_argument("--skip-grid", action="store_true", help="stop before the k1/b grid")
    args = ap.parse_args()

    from bench.fit_retrieval import first_ranks, fit, objective
    from index.fusion import load_weights

    t0 = time.perf_counter()
    corpora = [load(d, args.per_sentence, args.seed) for d in args.index]
    print(f"pool: {sum(len(c.pool) for c in corpora)} queries ({time.perf_counter() - t0:.0f} s)")

    def vec(w: dict[str, float]) -> np.ndarray:
        return np.array([w.get(f, 0.0) for f in NAMES], dtype=np.float32)

    def gold_cells(gold: dict, w: dict[str, float]) -> str:
        cells, pooled = [], []
        for (name, s), (gx, grel) in gold.items():
            r = first_ranks(gx @ vec(w), grel)
            pooled.append(r)
            cells.append(f"{name}/{s} {objective(r)[0]:.2f}/{objective(r)[1]:.2f}")
        allr = np.concatenate(pooled)
        return "  ".join(cells) + "  | all {:.3f}/{:.3f}".format(*objective(allr))

    def cross_validated(
        x: np.ndarray, rel: np.ndarray, folds: np.ndarray, use: list[str]
    ) -> tuple[float, float]:
        ranks = np.zeros(len(x), dtype=int)
        for k in range(5):
            tr, te = folds != k, folds == k
            w = fit(x[tr], rel[tr], NAMES, use)
            ranks[te] = first_ranks(x[te] @ vec(w), rel[te])
        return objective(ranks)

    x, rel, folds, gold = arrays(corpora, 1.5, 0.75)
    shipped = dict(load_weights())
    print(
        "pool, shipped weights (of the features here): recall@5 {:.3f}, MRR@10 {:.3f}".format(
            *objective(first_ranks(x @ vec(shipped), rel))
        )
    )
    base = cross_validated(x, rel, folds, list(BASE))
    print(f"{'feature set':28s} pool 5-fold   gain    fitted weights -> gold (recall@5/MRR@10)")
    print(
        f"{'bm25 + dense':28s} {base[0]:.3f}/{base[1]:.3f}  {'':6s}  "
        + gold_cells(gold, fit(x, rel, NAMES, list(BASE)))
    )
    for idea in (*IDEAS, "typed"):
        use = [*BASE, idea]
        cv = cross_validated(x, rel, folds, use)
        w = fit(x, rel, NAMES, use)
        print(
            f"{'+ ' + idea:28s} {cv[0]:.3f}/{cv[1]:.3f}  {sum(cv) - sum(base):+.3f}  "
            f"{ {f: v for f, v in w.items() if v} } {gold_cells(gold, w)}",
            flush=True,
        )
    # hierarchical: the section's BM25 routes, the case-local BM25 ranks inside it (in place
    # of the chunk's global BM25: columns swapped, as ``fit`` holds "bm25" at weight 1)
    swap = [NAMES.index("bm25_local"), NAMES.index("bm25")]

    def swapped(a: np.ndarray) -> np.ndarray:
        a = a.copy()
        a[..., swap] = a[..., swap[::-1]]
        return a

    xs = swapped(x)
    gs = {key: (swapped(gx), grel) for key, (gx, grel) in gold.items()}
    use = ["bm25", "dense", "bm25_section"]
    cv = cross_validated(xs, rel, folds, use)
    w = fit(xs, rel, NAMES, use)
    print(
        f"{'hierarchical (see above)':28s} {cv[0]:.3f}/{cv[1]:.3f}  {sum(cv) - sum(base):+.3f}  "
        f"{ {f: v for f, v in w.items() if v} } {gold_cells(gs, w)}",
        flush=True,
    )
    if args.skip_grid:
        return
    for k1, b in GRID_K1_B[1:]:
        xk, relk, fk, goldk = arrays(corpora, k1, b)
        cv = cross_validated(xk, relk, fk, list(BASE))
        w = fit(xk, relk, NAMES, list(BASE))
        print(
            f"{f'BM25 k1={k1} b={b}':28s} {cv[0]:.3f}/{cv[1]:.3f}  {sum(cv) - sum(base):+.3f}  "
            f"{ {f: v for f, v in w.items() if v} } {gold_cells(goldk, w)}",
            flush=True,
        )
    cells, pooled = [], []
    for c in corpora:
        for s, r in window_ranks(c, args.window, shipped).items():
            pooled.append(r)
            cells.append(f"{c.name}/{s} {objective(r)[0]:.2f}/{objective(r)[1]:.2f}")
    print(
        f"sentence windows ≤ {args.window:.0f} words, shipped weights: "
        + "  ".join(cells)
        + "  | all {:.3f}/{:.3f}".format(*objective(np.concatenate(pooled)))
    )


if __name__ == "__main__":
    main()
