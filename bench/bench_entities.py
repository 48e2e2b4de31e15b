"""Bench entity extraction on the real pipeline's chunks: speed next to bare ``nlp.pipe``, scores.

The casebook is read, structured and chunked exactly as ``casebook ingest`` does
(``index.ingest.prepare``).  Gold parts (``front``, ``snib``, ...) are labels of the gold file
only, so each is mapped to the case whose chunks contain most of that part's own gold strings
(target evidence, amount texts, actor mentions); ``front`` is the chunks with
``part_kind == "front"``.  Nothing here or in the library names a case.

The rules were written from general English and from reading the cases that have no gold
(``--show`` prints what is found in any case, for judging by reading); every gold part is
therefore out of sample, and figures are printed per part.  The "typed" rows give the share of
recalled gold actors whose type (person, organisation, place, programme) agrees with the gold
(columns: share, recalled, of them typed right).

Speed is the issue's bar: extraction over the real chunks against a bare ``nlp.pipe`` over the
same texts, in the same run, each timed ``--repeat`` times alternately (best of each).

``--compare`` also scores the manifest stand-in chunks that ``tests/test_entities.py`` uses, to
show what the real chunker changes.  ``--check`` exits 1 when a quality or speed bar is missed.

Example:
    .venv/bin/python bench/bench_entities.py --compare
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eval.entities import load_gold, manifest_chunks, norm, score_entities
from pipeline.entities import extract_entities, load_nlp
from pipeline.types import Chunk, Entity

ROOT = Path(__file__).resolve().parents[1]
PDF = ROOT / "sources" / "casebooks" / "moin-casebook-2024.pdf"
MANIFEST = ROOT.parent / "shared" / "corpus" / "moin-casebook-2024.manifest.json"
GOLD = ROOT.parent / "shared" / "gold" / "dev-entities.json"
FRONT = "front"
# The bars: (recall, precision) per type; None = no bar.
BARS: dict[str, tuple[float, float | None]] = {
    "amounts": (0.95, 0.90),
    "targets": (0.85, 0.80),
    "actors": (0.90, 0.80),
}
MAX_RATIO = 1.2  # extraction time / bare nlp.pipe time


def gold_strings(part: dict[str, Any]) -> list[str]:
    """What a gold part quotes from the casebook: the strings that locate it in the chunks."""
    out = [t["evidence"] for t in part.get("targets", []) if t.get("evidence")]
    out += [a["text"] for a in part.get("amounts", [])]
    out += [m for a in part.get("actors", []) for m in a.get("mentions", [])]
    return [s for s in (norm(x) for x in out) if len(s) >= 3]


def map_parts(chunks: Sequence[Chunk], gold: dict[str, Any]) -> dict[str, tuple[str, int, int]]:
    """Gold part -> (case title, gold strings found in it, strings tried), one case per part.

    Parts are assigned greedily by how many of their strings a case's text contains, so two
    parts never claim the same case.
    """
    texts: dict[str, list[str]] = defaultdict(list)
    for c in chunks:
        if c.case:
            texts[c.case].append(c.text)
    case_text = {case: " " + norm(" ".join(ts)) + " " for case, ts in texts.items()}
    scored: list[tuple[int, str, str, int]] = []
    for part, g in gold.items():
        if part == FRONT:
            continue
        strings = gold_strings(g)
        for case, text in case_text.items():
            hits = sum(1 for s in strings if f" {s} " in text)
            scored.append((hits, part, case, len(strings)))
    out: dict[str, tuple[str, int, int]] = {}
    for hits, part, case, n in sorted(scored, key=lambda x: -x[0]):
        if part in out or any(case == c for c, _, _ in out.values()):
            continue
        out[part] = (case, hits, n)
    return out


def part_lookup(chunks: Sequence[Chunk], gold: dict[str, Any]) -> tuple[dict[str, str], str]:
    """Chunk id -> gold part for the real chunks, and a printable account of the mapping."""
    mapping = map_parts(chunks, gold)
    by_case = {case: part for part, (case, _, _) in mapping.items()}
    part_of: dict[str, str] = {}
    for c in chunks:
        if c.part_kind == "front":
            part_of[c.id] = FRONT
        elif c.case in by_case:
            part_of[c.id] = by_case[c.case]
    lines = [f"  {FRONT:10} <- chunks with part_kind == 'front'"]
    for part, (case, hits, n) in mapping.items():
        lines.append(f"  {part:10} <- {case!r} ({hits}/{n} gold strings found)")
    return part_of, "\n".join(lines)


def _fmt(v: float | None) -> str:
    return "  -  " if v is None else f"{v:.3f}"


def time_extraction(
    chunks: Sequence[Chunk], nlp: Any, batch_size: int, document: Any = None, repeat: int = 1
) -> tuple[list[Entity], float, float]:
    """(entities, bare nlp.pipe seconds, full extraction seconds), best of ``repeat``
    alternating runs so that load from other processes falls on both alike."""
    bare, full = float("inf"), float("inf")
    ents: list[Entity] = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _doc in nlp.pipe([c.text for c in chunks], batch_size=batch_size):
            pass
        bare = min(bare, time.perf_counter() - t0)
        t0 = time.perf_counter()
        ents = extract_entities(chunks, nlp, batch_size=batch_size, document=document)
        full = min(full, time.perf_counter() - t0)
    return ents, bare, full


def score_table(
    runs: dict[str, tuple[list[Entity], Callable[[Entity], str | None]]], gold: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Score each run and print one row per type × part with a column pair per run."""
    scores = {name: score_entities(ents, gold, part) for name, (ents, part) in runs.items()}
    head = "".join(f" {name + ' R':>13} {name + ' P':>13} {'gold':>5} {'pred':>5}" for name in runs)
    print(f"\n{'type':8} {'part':10}{head}")
    for etype in BARS:
        for p in [*gold, "all"]:
            row = f"{etype:8} {p:10}"
            for s in scores.values():
                cell = s[etype][p]
                row += (
                    f" {_fmt(cell['recall']):>13} {_fmt(cell['precision']):>13}"
                    f" {cell['gold']:5d} {cell['predicted']:5d}"
                )
            print(row)
    for p in [*gold, "all"]:
        row = f"{'typed':8} {p:10}"
        for s in scores.values():
            cell = s["actors"][p]
            acc = _fmt(cell["type_accuracy"])
            row += f" {acc:>13} {'':>13} {cell['recalled']:5d} {cell['typed']:5d}"
        print(row)
    return scores


def check_bars(scores: dict[str, Any], ratio: float) -> list[str]:
    """The bars the issue sets, as failure messages (empty when all are met)."""
    fails = []
    for etype, (min_r, min_p) in BARS.items():
        s = scores[etype]["all"]
        if s["recall"] is not None and s["recall"] < min_r:
            fails.append(f"{etype} recall {s['recall']:.3f} < {min_r}")
        if min_p is not None and s["precision"] is not None and s["precision"] < min_p:
            fails.append(f"{etype} precision {s['precision']:.3f} < {min_p}")
    if ratio > MAX_RATIO:
        fails.append(f"extraction {ratio:.2f}x a bare nlp.pipe > {MAX_RATIO}x")
    return fails


def show_case(ents: Sequence[Entity], case_part: str) -> None:
    """Print the targets and actors found in the case whose title contains ``case_part``."""
    sel = [e for e in ents if e.case and case_part.lower() in e.case.lower()]
    print(f"\n=== {case_part}: targets")
    for e in sel:
        if e.type == "target":
            a = e.attrs
            print(f"  p{e.page_label} [{a['deadline']} | {a['value']} | {a['horizon']}] {e.text}")
    names: dict[str, set[str]] = defaultdict(set)
    kinds: dict[str, str] = {}
    for e in sel:
        if e.type == "actor":
            names[e.attrs["name"]].add(e.text)
            kinds[e.attrs["name"]] = e.attrs["actor_type"]
    print(f"=== {case_part}: {len(names)} actors")
    for n in sorted(names):
        print(f"  {kinds[n]:12} {n}  <- {sorted(names[n] - {n})}")


def main() -> None:
    """Time extraction on the real chunks and print per-type, per-part recall and precision."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pdf", type=Path, default=PDF)
    ap.add_argument("--gold", type=Path, default=GOLD)
    ap.add_argument("--manifest", type=Path, default=MANIFEST)
    ap.add_argument("--compare", action="store_true", help="Also score the manifest stand-ins.")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--check", action="store_true", help="Exit 1 when a bar is missed.")
    ap.add_argument("--repeat", type=int, default=2, help="Timed runs of each (best counts).")
    ap.add_argument(
        "--show", action="append", default=[], help="Print a case's targets and actors (repeat)."
    )
    ap.add_argument(
        "--misses",
        action="append",
        default=[],
        metavar="PART",
        help="List the gold items of this part that were missed (repeat; only parts whose "
        "items you may read).",
    )
    args = ap.parse_args()

    from index.ingest import prepare

    gold = load_gold(args.gold)
    t0 = time.perf_counter()
    prep = prepare(args.pdf)
    prep_s = time.perf_counter() - t0
    chunks = prep.chunks
    t0 = time.perf_counter()
    nlp = load_nlp()
    load_s = time.perf_counter() - t0
    list(nlp.pipe(["warm up"]))
    words = sum(len(c.text.split()) for c in chunks)
    ents, bare_s, full_s = time_extraction(
        chunks, nlp, args.batch_size, document=prep.structure.document, repeat=args.repeat
    )

    print(f"{args.pdf.name}: read+structure+chunk {prep_s:.2f} s, spaCy load {load_s:.2f} s")
    print(f"{len(chunks)} real chunks, {words} words")
    print(f"bare nlp.pipe   {bare_s:6.2f} s  {words / bare_s:8.0f} words/s")
    print(f"extract         {full_s:6.2f} s  {words / full_s:8.0f} words/s")
    print(f"ratio           {full_s / bare_s:6.2f}x (bar {MAX_RATIO}x)")
    print("entities by type:", dict(Counter(e.type for e in ents)))

    part_of, account = part_lookup(chunks, gold)
    print("gold parts -> real chunks:\n" + account)
    runs: dict[str, tuple[list[Entity], Callable[[Entity], str | None]]] = {
        "real": (ents, lambda e: part_of.get(e.chunk_id))
    }
    if args.compare:
        mchunks, mpart = manifest_chunks(args.manifest, doc_sha256="bench")
        mwords = sum(len(c.text.split()) for c in mchunks)
        ments, mbare, mfull = time_extraction(mchunks, nlp, args.batch_size)
        print(
            f"manifest: {len(mchunks)} chunks, {mwords} words; bare {mbare:.2f} s, "
            f"extract {mfull:.2f} s"
        )
        runs["manifest"] = (ments, lambda e: mpart.get(e.chunk_id))
    scores = score_table(runs, gold)
    for name, s in scores.items():
        if not args.misses:
            break
        print(f"\nmisses ({name}):")
        for p, misses in s["misses"].items():
            if p not in args.misses:
                continue
            for m in misses:
                print(f"  {p}: {m}")
    for case_part in args.show:
        show_case(ents, case_part)
    fails = check_bars(scores["real"], full_s / bare_s)
    print("\nbars:", "all met" if not fails else "; ".join(fails))
    if args.check and fails:
        sys.exit(1)


if __name__ == "__main__":
    main()
