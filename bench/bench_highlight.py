"""How often a quote is found and highlighted on its page, on PDFs nobody tuned on.

For each PDF of the shared wild corpus and the re-typeset variants (and the revised
edition), sentences of six words or more are taken from what the reader in ``sources/``
extracted (hyphenation undone, lines joined), and ``sources.render`` must find each on its
page. Prints found / tried per file and in total.

With ``--index DIR`` (the bundled casebook ingested), also every question of each gold set
is asked and the first citation's highlight is checked against pypdf's positions of the
quote's lines, as the browser test does for a dozen dev questions: each box lies over a
line of the quote and covers at least 75% of them.

Usage: python bench/bench_highlight.py [--per-file 60] [--index DIR]
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from sources import load
from sources.errors import SourceError
from sources.render import PageRenderer

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-file", type=int, default=60)
    ap.add_argument("--index", type=Path, help="also check answers' highlights on this index")
    args = ap.parse_args()
    files = sorted((CORPUS / "wild").glob("*.pdf")) + sorted((CORPUS / "variants").glob("*.pdf"))
    files.append(CORPUS / "moin-casebook-2024-rev2.pdf")
    total_tried = total_found = 0
    for f in files:
        try:
            doc = load(f)
        except SourceError as e:
            print(f"  {f.name[:56]:56} not readable ({type(e).__name__})")
            continue
        renderer, tried, found = PageRenderer(), 0, 0
        for page in doc.pages:
            for block in page.blocks:
                sentences = re.split(r"(?<=[.!?])\s+", block.text)
                for s in [s for s in sentences if len(s.split()) >= 6][:2]:
                    tried += 1
                    found += bool(renderer.find(f, page.pdf_page, s))
            if tried >= args.per_file:
                break
        total_tried, total_found = total_tried + tried, total_found + found
        print(f"  {f.name[:56]:56} {found:4d} / {tried:<4d}")
    share = total_found / max(total_tried, 1)
    print(f"found and highlighted: {total_found} / {total_tried} sentences ({share:.1%})")
    if args.index:
        questions(args.index)


def questions(index_dir: Path) -> None:
    """Per gold set: answered questions whose first citation is highlighted on its quote."""
    import json

    from eval.highlight import overlaps, quote_lines
    from qa.engine import Engine
    from sources import bundled_casebooks

    pdf = bundled_casebooks()[0]
    doc, renderer = load(pdf), PageRenderer()
    gold = Path(__file__).resolve().parent.parent / "eval" / "gold"
    with Engine.open(index_dir) as engine:
        for name in ("dev", "probe", "heldout-a", "heldout-b"):
            lines = (gold / f"{name}-qa.jsonl").read_text().splitlines()
            n = good = 0
            for q in [json.loads(x)["question"] for x in lines if x.strip()]:
                a = engine.ask(q)
                if a.abstained:
                    continue
                c = a.citations[0]
                boxes = [b.to_list() for b in renderer.find(pdf, c.pdf_page, c.quote)]
                rects = quote_lines(doc, c.pdf_page, c.quote)
                n += 1
                good += bool(
                    boxes
                    and rects
                    and all(any(overlaps(b, r) for r in rects) for b in boxes)
                    and sum(any(overlaps(b, r) for b in boxes) for r in rects) >= 0.75 * len(rects)
                )
            print(f"  {name:10} first citation highlighted on its quote: {good} / {n}")


if __name__ == "__main__":
    main()
