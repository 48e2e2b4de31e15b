"""Bench entity extraction on the whole casebook: speed next to bare ``nlp.pipe``, and scores.

Chunks are built from the corpus manifest as a stand-in for the chunker.

Example:
    .venv/bin/python bench/bench_entities.py
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eval.entities import load_gold, manifest_chunks, score_entities
from pipeline.entities import extract_entities, load_nlp

MANIFEST = "/work/shared/corpus/moin-casebook-2024.manifest.json"
GOLD = "/work/shared/gold/dev-entities.json"


def _fmt(v: float | None) -> str:
    return "  -  " if v is None else f"{v:.3f}"


def main() -> None:
    """Time extraction and print per-type, per-part recall and precision."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--manifest", default=MANIFEST)
    ap.add_argument("--gold", default=GOLD)
    ap.add_argument("--batch-size", type=int, default=32)
    args = ap.parse_args()

    chunks, part = manifest_chunks(args.manifest, doc_sha256="bench")
    words = sum(len(c.text.split()) for c in chunks)
    t0 = time.perf_counter()
    nlp = load_nlp()
    load_s = time.perf_counter() - t0
    list(nlp.pipe(["warm up"]))

    t0 = time.perf_counter()
    for _ in nlp.pipe([c.text for c in chunks], batch_size=args.batch_size):
        pass
    bare_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    ents = extract_entities(chunks, nlp, batch_size=args.batch_size)
    full_s = time.perf_counter() - t0

    print(f"model load      {load_s:6.2f} s")
    print(f"{len(chunks)} chunks, {words} words")
    print(f"bare nlp.pipe   {bare_s:6.2f} s  {words / bare_s:8.0f} words/s")
    print(f"extract         {full_s:6.2f} s  {words / full_s:8.0f} words/s")
    print("entities by type:", dict(Counter(e.type for e in ents)))

    scores = score_entities(ents, load_gold(args.gold), lambda e: part.get(e.chunk_id))
    print(f"\n{'type':8} {'part':10} {'recall':>7} {'prec':>7} {'gold':>5} {'pred':>5}")
    for etype in ("amounts", "targets", "actors"):
        for p, s in scores[etype].items():
            print(
                f"{etype:8} {p:10} {_fmt(s['recall']):>7} {_fmt(s['precision']):>7} "
                f"{s['gold']:5d} {s['predicted']:5d}"
            )
    print("\nmisses:")
    for p, misses in scores["misses"].items():
        for m in misses:
            print(f"  {p}: {m}")


if __name__ == "__main__":
    main()
