"""The same entities whatever the layout: the 2024 casebook against its other typesettings.

Each PDF is read, structured, chunked and extracted exactly as ``casebook ingest`` does.  An
entity is keyed by its type and normalised value (amount: currency, low, high; number and
percent: value; target: deadline and content words; actor: canonical name) and by the
manifest block whose text holds it (blocks are the same, in the same order, in every
typesetting's manifest), so a key means "this value, said at this place in the text".

Reported per typesetting, next to the 2024 PDF:
- overlap: keys found in both / keys found in either (Jaccard), per type;
- labels: share of entities whose printed page label is one the typesetting's manifest
  prints for that block (labels themselves differ by layout: i, ii, ... or 1 from the cover).

Example:
    .venv/bin/python bench/bench_entity_layouts.py
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from eval.entities import norm
from pipeline.entities import extract_entities, load_nlp
from pipeline.types import Entity

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
PDFS = [
    CORPUS / "moin-casebook-2024.pdf",
    CORPUS / "variants" / "moin-casebook-2024-report.pdf",
    CORPUS / "variants" / "moin-casebook-2024-booklet.pdf",
]
TYPES = ("amount", "number", "percent", "target", "actor")


def value_key(e: Entity) -> tuple[Any, ...]:
    """What an entity says, without where or how it is printed."""
    a = e.attrs
    if e.type == "amount":
        return (
            a.get("currency"),
            round(float(a.get("low", 0))),
            round(float(a.get("high", 0))),
        )
    if e.type in {"number", "percent"}:
        return (round(float(a.get("value", 0)), 4),)
    if e.type == "target":
        return (a.get("deadline"), " ".join(sorted(set(norm(e.text).split()))))
    return (norm(str(a.get("name", e.text))),)


class BlockIndex:
    """Finds the manifest block that holds a piece of text (normalised, first match)."""

    def __init__(self, manifest: dict[str, Any]) -> None:
        self.blocks = manifest["blocks"]
        self.texts = [" " + norm(b["text"]) + " " for b in self.blocks]

    def find(self, text: str) -> int | None:
        t = " " + norm(text) + " "
        if len(t.strip()) < 2:
            return None
        for i, bt in enumerate(self.texts):
            if t in bt:
                return i
        return None


def run_pdf(pdf: Path, nlp: Any) -> tuple[list[Entity], dict[str, str], dict[str, Any], float]:
    """Entities of one PDF through the real pipeline, chunk texts, its manifest, seconds."""
    from index.ingest import prepare

    prep = prepare(pdf)
    t0 = time.perf_counter()
    ents = extract_entities(prep.chunks, nlp, document=prep.structure.document)
    secs = time.perf_counter() - t0
    manifest = json.loads(pdf.with_suffix(".manifest.json").read_text(encoding="utf-8"))
    return ents, {c.id: c.text for c in prep.chunks}, manifest, secs


def context(e: Entity, chunk_text: str, width: int = 50) -> str:
    """The entity with the whole words around it on its line: enough to find its block."""
    s, t = e.span
    line_s = chunk_text.rfind("\n", 0, s) + 1
    line_e = chunk_text.find("\n", t)
    line_e = len(chunk_text) if line_e == -1 else line_e
    a = line_s if s - line_s <= width else chunk_text.find(" ", s - width, s) + 1 or s
    b = line_e if line_e - t <= width else max(t, chunk_text.rfind(" ", t, t + width))
    return chunk_text[a:b]


def keyed(
    ents: list[Entity], texts: dict[str, str], blocks: BlockIndex
) -> tuple[dict[str, set[Any]], dict[str, float]]:
    """(type -> {(value key, block)}, type -> share of entities with a right page label)."""
    keys: dict[str, set[Any]] = defaultdict(set)
    right: dict[str, list[bool]] = defaultdict(list)
    for e in ents:
        b = blocks.find(context(e, texts[e.chunk_id]))
        if b is None:
            b = blocks.find(e.text)
        keys[e.type].add((value_key(e), b))
        if b is not None:
            right[e.type].append(e.page_label in blocks.blocks[b]["page_labels"])
    return keys, {t: sum(v) / len(v) for t, v in right.items() if v}


def main() -> None:
    """Extract every typesetting and print overlap and label accuracy per type."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pdfs", nargs="*", type=Path, default=PDFS)
    ap.add_argument("--diffs", type=int, default=8, help="Differences listed per type.")
    args = ap.parse_args()
    nlp = load_nlp()
    results = {}
    for pdf in args.pdfs:
        ents, texts, manifest, secs = run_pdf(pdf, nlp)
        keys, labels = keyed(ents, texts, BlockIndex(manifest))
        results[pdf.name] = (keys, labels)
        print(f"{pdf.name}: {len(ents)} entities in {secs:.1f} s")
    base_name = args.pdfs[0].name
    base, _ = results[base_name]
    print(f"\n{'typesetting':40} {'type':8} {'overlap':>8} {'both':>5} {'only base':>9} "
          f"{'only this':>9} {'labels ok':>9}")  # fmt: skip
    for name, (keys, labels) in results.items():
        for t in TYPES:
            a, b = base.get(t, set()), keys.get(t, set())
            union = a | b
            jac = len(a & b) / len(union) if union else 1.0
            lab = labels.get(t)
            print(
                f"{name:40} {t:8} {jac:8.3f} {len(a & b):5d} {len(a - b):9d} {len(b - a):9d} "
                f"{'-' if lab is None else f'{lab:.3f}':>9}"
            )
    for name, (keys, _labels) in results.items():
        if name == base_name:
            continue
        for t in ("target", "actor"):
            for k in sorted(base.get(t, set()) ^ keys.get(t, set()), key=str)[: args.diffs]:
                side = "only base" if k in base.get(t, set()) else "only this"
                print(f"  {name} {t} {side}: {k}")


if __name__ == "__main__":
    main()
