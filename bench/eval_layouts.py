"""A gold set (dev by default) asked on each typesetting of the casebook, side by side.

    python bench/eval_layouts.py [--gold eval/gold/dev-qa.jsonl] [--layouts 2024,report]
        [--pdf journal=/path/to/other-typesetting.pdf] [--root /tmp/mine]

``--pdf NAME=PATH`` adds a typesetting (its ``.manifest.json`` beside it); ``--root`` is the
folder of the indexes (``ROOT/casebook-layout-<name>``, built once, reused when present).

Each PDF is ingested into its own index (delete it after a change to ingest) and the gold
set is run through ``casebook eval --json``. The gold's evidence pages are printed labels of
the 2024 PDF; for another typesetting they are
re-read from that typesetting's manifest (the labels of the manifest blocks that contain each
evidence quote), written to a copy of the gold file, so page accuracy means "the first
citation's printed page holds the evidence" in every layout.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
LAYOUTS = {
    "2024": CORPUS / "moin-casebook-2024.pdf",
    "report": CORPUS / "variants" / "moin-casebook-2024-report.pdf",
    "booklet": CORPUS / "variants" / "moin-casebook-2024-booklet.pdf",
}


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def _overlaps(quote: str, text: str) -> bool:
    q = quote.split()
    return bool(q) and (
        quote in text
        or (len(text.split()) >= 4 and text in quote)
        or " ".join(q[:8]) in text
        or " ".join(q[-8:]) in text
    )


def relabel(gold: Path, base: dict, manifest: dict, out: Path) -> tuple[int, int]:
    """Copy ``gold`` with each evidence page moved to ``manifest``'s typesetting.

    The manifests hold the same blocks (same ``index``): the blocks of the gold's own
    evidence pages in ``base`` (the 2024 manifest) that hold an evidence quote are looked up
    in ``manifest``, and their printed labels there become the evidence labels. Returns
    (questions with evidence pages, of them re-labelled)."""
    by_index = {b["index"]: b for b in manifest["blocks"]}
    base_blocks = [
        (_norm((b.get("printed_text") or b["text"]) + " " + (b.get("affiliation") or "")), b)
        for b in base["blocks"]
    ]
    n = done = 0
    lines = []
    for line in gold.read_text().splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        pages = item.get("evidence_pages") or {}
        ref = pages.get("print") or {}
        if ref.get("pdf_pages"):
            n += 1
            want = set(ref["pdf_pages"])
            labels: set[str] = set()
            pdf_pages: set[int] = set()
            for quote in item.get("evidence", []):
                q = _norm(quote)
                for text, b in base_blocks:
                    if want & set(b["pages"]) and _overlaps(q, text):
                        there = by_index[b["index"]]
                        labels.update(lb for lb in there["page_labels"] if lb)
                        pdf_pages.update(there["pages"])
            if labels:
                done += 1
                pages["print"] = {"pdf_pages": sorted(pdf_pages), "page_labels": sorted(labels)}
        lines.append(json.dumps(item, ensure_ascii=False))
    out.write_text("\n".join(lines) + "\n")
    return n, done


def run(args: list[str]) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    res = subprocess.run(
        [sys.executable, "-m", "casebook.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    if res.returncode not in (0, 1):
        raise SystemExit(f"casebook {' '.join(args)} failed: {res.stderr.strip()[-500:]}")
    return res.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gold", type=Path, default=ROOT / "eval" / "gold" / "dev-qa.jsonl")
    ap.add_argument("--layouts", default=",".join(LAYOUTS))
    ap.add_argument("--pdf", action="append", default=[], help="NAME=PATH: another typesetting")
    ap.add_argument("--root", type=Path, default=Path("/tmp"), help="folder of the indexes")
    args = ap.parse_args()
    names = args.layouts.split(",") if args.layouts else []
    for spec in args.pdf:
        name, _, path = spec.partition("=")
        LAYOUTS[name] = Path(path)
        names.append(name)
    rows = []
    for name in names:
        pdf = LAYOUTS[name]
        index = args.root / f"casebook-layout-{name}"
        if not (index / "catalog.sqlite").exists():
            run(["ingest", str(pdf), "--index", str(index)])
        gold = args.gold
        relabelled = "as written"
        if name != "2024":
            manifest = json.loads(pdf.with_suffix(".manifest.json").read_text())
            base = json.loads(LAYOUTS["2024"].with_suffix(".manifest.json").read_text())
            gold = args.root / f"casebook-layout-{name}-{args.gold.name}"
            n, done = relabel(args.gold, base, manifest, gold)
            relabelled = f"{done}/{n} re-labelled"
        out = json.loads(run(["eval", str(gold), "--index", str(index), "--json"]))
        m = out.get("metrics", out)
        rows.append((name, m, relabelled))
    keys = [
        "answer_accuracy",
        "page_accuracy",
        "recall@5",
        "mrr@10",
        "returned_mrr@10",
        "abstention_recall",
        "answerable_abstained",
    ]
    print(f"{'layout':10}" + "".join(f"{k:>22}" for k in keys) + "  evidence pages")
    for name, m, relabelled in rows:
        vals = "".join(f"{m.get(k) if m.get(k) is not None else float('nan'):22.2f}" for k in keys)
        print(f"{name:10}{vals}  {relabelled}")


if __name__ == "__main__":
    main()
