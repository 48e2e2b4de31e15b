"""Structure figures per typesetting, side by side: ``python bench/score_structure.py [PDF...]``.

Each PDF is compared with the ``.manifest.json`` beside it (eval/structure.py). Without
arguments: the 2024 PDF, the rev2 PDF and the variant(s) named by --variants.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from eval.structure import score_structure
from pipeline.chunks import chunk_structure
from pipeline.structure import detect_structure
from sources import load

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
DEFAULT = [
    CORPUS / "moin-casebook-2024.pdf",
    CORPUS / "moin-casebook-2024-rev2.pdf",
    CORPUS / "variants" / "moin-casebook-2024-report.pdf",
]


def score_pdf(pdf: Path) -> dict:
    """Parse, structure and chunk one PDF and score it against its manifest."""
    manifest = json.loads(pdf.with_suffix(".manifest.json").read_text())
    t0 = time.perf_counter()
    structure = detect_structure(load(pdf))
    chunks = chunk_structure(structure)
    out = score_structure(structure, chunks, manifest)
    out["seconds"] = round(time.perf_counter() - t0, 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("pdfs", nargs="*", type=Path)
    ap.add_argument("-v", "--verbose", action="store_true", help="list the misses")
    args = ap.parse_args()
    for pdf in args.pdfs or DEFAULT:
        s = score_pdf(pdf)
        print(
            f"{pdf.name:40s} source={s['structure_source']} cases {s['cases_exact']}/"
            f"{s['cases_true']} (found {s['cases_found']}) sections R {s['section_recall']:.2f}"
            f" P {s['section_precision']:.2f} labels {s['labels_exact']}/{s['labels_total']}"
            f" furniture {len(s['furniture_in_chunks'])} off-page "
            f"{len(s['chunk_pieces_off_page'])}/{s['chunk_pieces']} authors "
            f"{s['authors_found']}/{s['authors_total']} (+{len(s['authors_extra'])})"
            f" {s['seconds']}s"
        )
        if args.verbose:
            for k in (
                "case_pages",
                "sections_missed",
                "sections_extra",
                "labels_wrong",
                "furniture_in_chunks",
                "chunk_pieces_off_page",
                "authors_missing",
                "authors_extra",
            ):
                print(f"  {k}: {s[k][:12] if isinstance(s[k], list) else s[k]}")


if __name__ == "__main__":
    main()
