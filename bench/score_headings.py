"""Heading recall/precision/pages on third-party-like PDFs (eval/heading_docs.py), per
producer and heading convention, typography alone (the outline ignored), and whether a
bookmarked PDF's structure follows its outline exactly.

    python bench/score_headings.py --half tune [--seeds 0-1] [-v]
    python bench/score_headings.py --half heldout

The documents are typeset at run time by typst, fpdf2 and groff -ms (producers missing on
this machine are skipped and named). ``tune`` and ``heldout`` are the two halves of the
producer x convention grid: improve on one, report the other.
"""

from __future__ import annotations

import argparse
import copy
import tempfile
from collections import defaultdict
from pathlib import Path

from eval.heading_docs import HELDOUT, TUNE, available, make_spec, render
from eval.headings import outline_exact, score_headings
from eval.typeset import parse_seeds
from pipeline.structure import detect_structure
from sources import load

BARS = {"recall": 0.85, "precision": 0.80, "page_right": 0.90}


def score_doc(producer: str, convention: str, seed: int, folder: Path, columns: int = 1) -> dict:
    """Typeset one document and score its headings (outline ignored) and its outline path."""
    spec = make_spec(producer, convention, seed, columns)
    pdf = render(spec, folder)
    doc = load(pdf)
    truth = [(h.printed, h.page) for h, _ in spec.items]
    plain = copy.deepcopy(doc)
    plain.outline = []
    out = score_headings(detect_structure(plain), truth, spec.title)
    out["outline_diffs"] = (
        outline_exact(detect_structure(doc), doc.outline) if doc.outline else None
    )
    return out


def summarise(rows: list[dict]) -> dict:
    """Micro-averaged figures over documents (each heading counts once)."""
    true = sum(r["true"] for r in rows)
    found = sum(r["found"] for r in rows)
    tp = sum(r["matched"] for r in rows)
    right = sum(round(r["page_right"] * r["matched"]) for r in rows)
    outlined = [r for r in rows if r["outline_diffs"] is not None]
    return {
        "docs": len(rows),
        "recall": tp / true if true else 0.0,
        "precision": tp / found if found else 0.0,
        "page_right": right / tp if tp else 0.0,
        "outline_exact": f"{sum(not r['outline_diffs'] for r in outlined)}/{len(outlined)}",
    }


def run(
    pairs: list[tuple[str, str]], seeds: list[int], verbose: bool = False, columns: int = 1
) -> dict:
    """Score every (producer, convention) pair over ``seeds``; print one line per pair."""
    by_pair: dict[tuple[str, str], list[dict]] = defaultdict(list)
    skipped = sorted({p for p, _ in pairs if not available(p)})
    with tempfile.TemporaryDirectory() as tmp:
        for producer, convention in pairs:
            if producer in skipped:
                continue
            for seed in seeds:
                r = score_doc(producer, convention, seed, Path(tmp), columns)
                by_pair[(producer, convention)].append(r)
                if verbose:
                    name = f"{producer}-{convention}-{seed}"
                    for k in ("missed", "extra", "wrong_page"):
                        if r[k]:
                            print(f"  {name} {k}: {r[k]}")
                    if r["outline_diffs"]:
                        print(f"  {name} outline: {r['outline_diffs'][:3]}")
    for (producer, convention), rows in by_pair.items():
        s = summarise(rows)
        print(
            f"{producer:6s} {convention:9s} docs {s['docs']} R {s['recall']:.2f} "
            f"P {s['precision']:.2f} page {s['page_right']:.2f} outline {s['outline_exact']}"
        )
    total = summarise([r for rows in by_pair.values() for r in rows])
    met = all(total[k] >= v for k, v in BARS.items())
    print(
        f"ALL    docs {total['docs']} R {total['recall']:.2f} P {total['precision']:.2f} "
        f"page {total['page_right']:.2f} outline {total['outline_exact']} "
        f"bars {'met' if met else 'NOT met'}"
        + (f" (skipped: {', '.join(skipped)})" if skipped else "")
    )
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--half", choices=["tune", "heldout", "all"], default="tune")
    ap.add_argument("--seeds", default="0-1")
    ap.add_argument("--columns", type=int, choices=[1, 2], default=1, help="2: two columns")
    ap.add_argument("-v", "--verbose", action="store_true", help="list the misses")
    args = ap.parse_args()
    pairs = {"tune": TUNE, "heldout": HELDOUT, "all": TUNE + HELDOUT}[args.half]
    if args.columns == 2:  # fpdf2 sets one column only
        pairs = [(p, c) for p, c in pairs if p != "fpdf2"]
    run(pairs, parse_seeds(args.seeds), args.verbose, args.columns)


if __name__ == "__main__":
    main()
