"""Structure on randomised re-typesettings of the casebook (eval/typeset.py), per style.

    python bench/score_typesets.py --seeds 0-7 [--byline end] [-v]

Each seed draws a typesetting (family, size ratios, weights, colour, byline form, heading
numbering, kicker, label position, roman front matter, mid-page case starts); the line per
seed names what was drawn and how structure detection scored against the rendering's truth.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from eval.typeset import parse_seeds, random_look, score_look

MANIFEST = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
MANIFEST = MANIFEST / "moin-casebook-2024.manifest.json"


def score_seed(manifest: dict, seed: int, folder: Path, **fixed: str) -> tuple[dict, dict]:
    """Render one randomised typesetting and score structure detection on it."""
    look = random_look(seed, **fixed)
    scores, _, _ = score_look(manifest, look, folder / f"random-{seed}.pdf")
    return look.__dict__, scores


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", default="0-7")
    ap.add_argument("--byline", default=None, help="pin the byline form")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    manifest = json.loads(MANIFEST.read_text())
    fixed = {"byline": args.byline} if args.byline else {}
    with tempfile.TemporaryDirectory() as tmp:
        for seed in parse_seeds(args.seeds):
            look, s = score_seed(manifest, seed, Path(tmp), **fixed)
            drawn = {
                k: look[k]
                for k in ("byline", "number_pos", "numbered", "kicker", "mid_page", "roman_front")
            }
            drawn["ratios"] = (
                round(look["heading"] / look["body"], 2),
                round(look["title"] / look["heading"], 2),
                "plain" if look["plain_headings"] else "bold",
            )
            print(
                f"seed {seed:3d} cases {s['cases_exact']}/6 (found {s['cases_found']}) "
                f"R {s['section_recall']:.2f} P {s['section_precision']:.2f} "
                f"labels wrong {len(s['labels_wrong'])} authors missing "
                f"{len(s['authors_missing'])} furniture {len(s['furniture_in_chunks'])} "
                f"off-page {len(s['chunk_pieces_off_page'] + s['chunk_pieces_nowhere'])}  {drawn}"
            )
            if args.verbose:
                for k in (
                    "case_pages",
                    "want_pages",
                    "labels_wrong",
                    "authors_missing",
                    "furniture_in_chunks",
                    "chunk_pieces_off_page",
                    "chunk_pieces_nowhere",
                ):
                    print(f"   {k}: {s[k][:8]}")


if __name__ == "__main__":
    main()
