"""Where the tool's retrieval misses lie: at chunk boundaries, or in the choice of chunk?

Why: read as pages, the hybrid ranking reaches recall@5 0.97-1.00 where the chunks it cites
reach 0.93-0.95; two misses in three have the right case on top and the wrong chunk of it.
One explanation is the chunk's edges: evidence split between two consecutive chunks (no
chunk holds 60% of the quote as one run, the gold README's rule) or a chunk whose best
sentence sits at its edge. This script counts, per question set (answerable questions):

- ``chunk-reachable``: some chunk of the index matches the evidence at all; ``straddle``:
  none does but two consecutive chunks of one section together do;
- ``right page``: among the misses at 5, those whose top 5 holds a chunk on a page of the
  evidence (right case, wrong chunk); then how many have the evidence's case (part) in the
  top 5, and at which rank the first matching chunk comes;
- the hybrid's recall@5 / MRR@10 over chunks, then over **windows** replacing each hit: the
  run of consecutive sentences of the hit's section, at most as many words as the index's
  longest chunk (so passages are no longer than today), centred on one sentence: the
  section's sentence closest to the question (``section``), the hit's own closest sentence
  (``own``), or, as an upper bound, any centre that holds the evidence (``oracle``). Hits
  whose windows overlap a higher one's are merged into it, so the top 5 stay distinct.

On the generated pool (``bench/retrieval_pool.py``: one query per sentence, its targets the
chunks holding that sentence) the same figures tell whether a sentence at a chunk's edge is
found less often. Only per-set figures are printed, never a question.

Usage: python bench/straddle.py --index DIR [--sets dev,probe,heldout-a] [--pool N]
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `python bench/...` puts bench/, not the root, on sys.path

from casebook.config import offline  # noqa: E402

BINS = ((6, 10), (11, 30), (31, 100), (101, 101))  # ranks of a miss's first matching chunk


@dataclass
class Sent:
    row: int  # row in the sentence-vector matrix
    chunk: int  # row of its chunk
    text: str
    words: int


def sections(
    chunks: Sequence, sentences: Sequence[str], owner: np.ndarray
) -> tuple[dict[tuple, list[Sent]], list[tuple]]:
    """Each section's sentences in reading order, and each chunk's section key."""
    key_of = [(c.doc_sha256, c.part, *c.section_path) for c in chunks]
    by_chunk: dict[int, list[Sent]] = {}
    for j, (o, t) in enumerate(zip(owner, sentences, strict=True)):
        by_chunk.setdefault(int(o), []).append(Sent(j, int(o), t, len(t.split())))
    out: dict[tuple, list[Sent]] = {}
    for i in sorted(range(len(chunks)), key=lambda i: (key_of[i], chunks[i].start)):
        out.setdefault(key_of[i], []).extend(by_chunk.get(i, []))
    return out, key_of


def window(sents: list[Sent], centre: int, max_words: int) -> tuple[int, int]:
    """[a, b) of the sentences around ``centre``, grown alternately after and before it
    while the words stay within ``max_words``."""
    a, b, used = centre, centre + 1, sents[centre].words
    grew = True
    while grew:
        grew = False
        if b < len(sents) and used + sents[b].words <= max_words:
            used += sents[b].words
            b += 1
            grew = True
        if a > 0 and used + sents[a - 1].words <= max_words:
            a -= 1
            used += sents[a].words
            grew = True
    return a, b


def main() -> None:
    offline()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--sets", default="dev,probe,heldout-a")
    ap.add_argument("--pool", type=int, default=600, help="pool queries to rank (0: none)")
    args = ap.parse_args()

    from bench.bench_page_bm25 import figures
    from bench.retrieval_pool import generate
    from eval.gold import load_gold
    from eval.metrics import passage_matches
    from index.engine import SearchEngine
    from pipeline.sentences import chunk_sentences

    with SearchEngine.open(args.index) as engine:
        index = engine.index
        lex = index.lexical()
        snap = index.vectors()
        by_id = index.chunks_by_id(lex.ids)
        chunks = [by_id[i] for i in lex.ids]
        row_of = {c.id: i for i, c in enumerate(chunks)}
        sentences = [t for c in chunks for _, _, t in chunk_sentences(c)]
        owner = np.asarray(snap.owner)
        svecs = np.asarray(snap.sentences)
        secs, key_of = sections(chunks, sentences, owner)
        pos = {s.row: (k, i) for k, ss in secs.items() for i, s in enumerate(ss)}
        max_words = max(len(c.text.split()) for c in chunks)
        embed = engine.embedder.embed

        def ranked(q: str, qv: np.ndarray, how: str, evidence: Callable[[str], bool]) -> list[bool]:
            """Whether each of the top 10 passages (chunks or merged windows) matches."""
            hits = engine.search(q, k=30)
            if how == "chunk":
                return [evidence(h.chunk.text) for h in hits[:10]]
            cos = svecs @ qv
            out: list[bool] = []
            taken: dict[tuple, list[tuple[int, int]]] = {}
            for h in hits:
                r = row_of[h.chunk.id]
                ss = secs[key_of[r]]
                if not ss:
                    continue
                if how == "oracle":
                    spans = [window(ss, c, max_words) for c in range(len(ss))]
                    good = [
                        sp for sp in spans if evidence(" ".join(s.text for s in ss[sp[0] : sp[1]]))
                    ]
                    own = [pos[s.row][1] for s in ss if s.chunk == r]
                    centre = own[len(own) // 2] if own else 0
                    span = good[0] if good else window(ss, centre, max_words)
                else:
                    cand = [i for i, s in enumerate(ss) if how == "section" or s.chunk == r]
                    if not cand:
                        continue
                    centre = max(cand, key=lambda i: cos[ss[i].row])
                    span = window(ss, centre, max_words)
                prev = taken.setdefault(key_of[r], [])
                if any(a < span[1] and span[0] < b for a, b in prev):
                    continue  # merged into a higher window
                prev.append(span)
                out.append(evidence(" ".join(s.text for s in ss[span[0] : span[1]])))
                if len(out) == 10:
                    break
            return out

        def first(flags: list[bool]) -> int | None:
            return next((i for i, f in enumerate(flags, 1) if f), None)

        print(f"{args.index}: longest chunk {max_words} words; recall@5 / MRR@10")
        hows = ("chunk", "own", "section", "oracle")
        print(
            f"{'set':10s} {'n':>4s} {'reach':>5s} {'strad':>5s} {'miss5':>5s} {'rpage':>5s}  "
            + "  ".join(f"{h:>11s}" for h in hows)
        )
        for name in [s.strip() for s in args.sets.split(",") if s.strip()]:
            items = [it for it in load_gold(ROOT / "eval" / "gold" / f"{name}-qa.jsonl")[0]]
            items = [it for it in items if it.answerable]
            qv = np.asarray(embed([it.question for it in items]))
            reach = strad = miss5 = rpage = rcase = 0
            later: list[int] = []  # a miss's first matching chunk's rank in the top 100
            ranks: dict[str, list[int | None]] = {h: [] for h in hows}
            for it, v in zip(items, qv, strict=True):
                ev = lambda t, e=it.evidence: passage_matches(t, e)  # noqa: E731
                good_rows = [i for i, c in enumerate(chunks) if ev(c.text)]
                if good_rows:
                    reach += 1
                else:
                    for ss in secs.values():
                        rows = sorted({s.chunk for s in ss}, key=lambda i: chunks[i].start)
                        if any(
                            ev(chunks[a].text + " " + chunks[b].text)
                            for a, b in itertools.pairwise(rows)
                        ):
                            strad += 1
                            break
                for h in hows:
                    ranks[h].append(first(ranked(it.question, v, h, ev)))
                r = ranks["chunk"][-1]
                if r is None or r > 5:
                    miss5 += 1
                    pages = {p for i in good_rows for p in chunks[i].pdf_pages}
                    deep = engine.search(it.question, k=100)
                    top = deep[:5]
                    if pages & {p for h in top for p in h.chunk.pdf_pages}:
                        rpage += 1
                    if {chunks[i].part for i in good_rows} & {h.chunk.part for h in top}:
                        rcase += 1
                    later.append(next((k for k, h in enumerate(deep, 1) if ev(h.chunk.text)), 101))
            cells = "  ".join(f"{a:.2f} / {b:.2f}" for a, b in (figures(ranks[h]) for h in hows))
            print(
                f"{name:10s} {len(items):4d} {reach:5d} {strad:5d} {miss5:5d} {rpage:5d}  {cells}"
            )
            if miss5:
                bins = [sum(1 for r in later if lo <= r <= hi) for lo, hi in BINS]
                print(
                    f"  misses at 5: right case in the top 5 {rcase}/{miss5}; first matching "
                    "chunk at rank "
                    + ", ".join(
                        f"{lo}-{hi}: {n}" if hi <= 100 else f">100: {n}"
                        for (lo, hi), n in zip(BINS, bins, strict=True)
                    )
                )

        if args.pool:
            labels = index.part_labels_for(chunks)
            pool = generate(
                chunks, engine.embedder.inner.embed, per_sentence=1, seed=0, labels=labels
            )
            step = max(1, len(pool) // args.pool)
            pool = pool[::step][: args.pool]
            pv = np.asarray(embed([p.query for p in pool]))
            edge = {True: [0, 0], False: [0, 0]}  # at edge -> [n, missed at 5]
            ranks = {h: [] for h in hows}
            for p, v in zip(pool, pv, strict=True):
                ev = lambda t, s=p.sentence: passage_matches(t, [s])  # noqa: E731
                for h in hows:
                    ranks[h].append(first(ranked(p.query, v, h, ev)))
                own = [t for _, _, t in chunk_sentences(chunks[p.chunk_row])]
                if len(own) < 3:
                    continue  # a chunk of one or two sentences has no inside
                at_edge = any(passage_matches(t, [p.sentence]) for t in (own[0], own[-1]))
                r = ranks["chunk"][-1]
                edge[at_edge][0] += 1
                edge[at_edge][1] += int(r is None or r > 5)
            cells = "  ".join(f"{a:.2f} / {b:.2f}" for a, b in (figures(ranks[h]) for h in hows))
            print(f"{'pool':10s} {len(pool):4d} {'':5s} {'':5s} {'':5s} {'':5s}  {cells}")
            for k, (n, m) in edge.items():
                where = "first or last" if k else "inner"
                print(
                    f"  pool, {where} sentence of a chunk of 3+: {n} queries, "
                    f"{m / max(n, 1):.3f} missed at 5"
                )


if __name__ == "__main__":
    main()
