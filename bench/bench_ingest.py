"""Ingest benchmark: each stage of casebook beside the bare library call it wraps.

Prints, in one run on this machine:
  - bare ``pypdf`` text extraction vs our parse + structure + chunk (target ≤ 5 s and
    ≤ 1.5× the bare extraction),
  - bare ``nlp.pipe`` vs entity extraction (target ≤ 10 s),
  - bare ``SentenceTransformer.encode`` of the chunk texts vs a full ingest, parse to
    stored vectors, into a fresh index (target ≤ 20 s).
Ratios show the pipeline's own overhead; the machine is shared, so read them together.

Usage: python bench/bench_ingest.py [PDF] [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from casebook.config import offline

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PDF = ROOT / "sources" / "casebooks" / "moin-casebook-2024.pdf"


def timed(fn: Callable[[], object], repeat: int = 1) -> tuple[float, object]:
    """Median wall time of ``repeat`` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def best_of_alternating(
    fns: dict[str, Callable[[], object]], rounds: int
) -> dict[str, tuple[float, float]]:
    """Best (wall, CPU) seconds of each function over ``rounds`` rounds that run them in
    turn. Why: the machine is shared; alternating exposes every function to the same load,
    the best run is the least disturbed, and CPU time (``time.process_time``) barely
    depends on the load at all."""
    best: dict[str, tuple[float, float]] = {}
    for _ in range(rounds):
        for name, fn in fns.items():
            w0, c0 = time.perf_counter(), time.process_time()
            fn()
            wall, cpu = time.perf_counter() - w0, time.process_time() - c0
            old = best.get(name, (wall, cpu))
            best[name] = (min(old[0], wall), min(old[1], cpu))
    return best


def row(name: str, seconds: float, base: float | None = None, target: float | None = None) -> None:
    ratio = f"{seconds / base:6.2f}×" if base else "       "
    goal = f"target ≤ {target:g} s {'ok' if seconds <= target else 'MISSED'}" if target else ""
    print(f"  {name:44} {seconds:8.2f} s  {ratio}  {goal}")


REV2_PDF = ROOT.parent / "shared" / "corpus" / "moin-casebook-2024-rev2.pdf"


def new_edition(base_pdf: Path, models: Path, rev2: Path = REV2_PDF) -> None:
    """A revised edition after the base one, each ingest a cold `casebook ingest` process.

    Targets (issue #6): the re-ingest embeds ≤ 10% of the chunks and takes ≤ 20% of the
    full ingest's time. The ONNX query model is copied in first so that neither run
    pays its one-time export.
    """
    import json
    import shutil
    import subprocess
    import sys

    if not rev2.exists():
        print(f"new edition: skipped ({rev2} not found)")
        return
    print(f"new edition — {rev2.name} after {base_pdf.name} (cold CLI processes)")
    with tempfile.TemporaryDirectory(prefix="casebook-bench-ed-") as tmp:
        idx = Path(tmp) / "idx"
        idx.mkdir()
        if models.is_dir():
            shutil.copytree(models, idx / "models")

        def cli_ingest(pdf: Path) -> tuple[float, dict]:
            t0 = time.perf_counter()
            out = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "casebook.cli",
                    "ingest",
                    str(pdf),
                    "--index",
                    str(idx),
                    "--json",
                ],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            return time.perf_counter() - t0, json.loads(out)["documents"][0]

        full, a = cli_ingest(base_pdf)
        row("full ingest (fresh index)", full)
        print(f"  {a['chunks']} chunks, {a['embedded']} embedded, {a['reused']} reused")
        again, b = cli_ingest(rev2)
        row(f"re-ingest of the new edition ({b['edition']})", again, full, target=0.2 * full)
        share = b["embedded"] / max(1, b["chunks"])
        verdict = "ok" if share <= 0.10 else "MISSED"
        print(
            f"  {b['chunks']} chunks, {b['embedded']} embedded ({share:.1%}, target ≤ 10% "
            f"{verdict}), {b['reused']} reused; entities: {b['entities_reused']} reused, "
            f"{b['entities_extracted']} extracted; time ratio {again / full:.1%} (target ≤ 20%)"
        )


def main() -> None:
    offline()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pdf", nargs="?", type=Path, default=DEFAULT_PDF)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--parse-only", action="store_true", help="stop after parse + structure + chunk"
    )
    args = ap.parse_args()

    import pypdf

    from pipeline.chunks import chunk_structure
    from pipeline.structure import detect_structure
    from sources import load

    print(f"casebook ingest benchmark — {args.pdf.name}")
    rounds = max(args.repeat, 3)
    print(f"parse + structure + chunk (best of {rounds} alternating rounds; wall and CPU)")
    best = best_of_alternating(
        {
            "bare": lambda: [p.extract_text() for p in pypdf.PdfReader(args.pdf).pages],
            "load": lambda: load(args.pdf),
            "total": lambda: chunk_structure(detect_structure(load(args.pdf))),
        },
        rounds,
    )
    (bare, bare_cpu), (parse, parse_cpu) = best["bare"], best["load"]
    (total, total_cpu), structure = best["total"], detect_structure(load(args.pdf))
    chunk_t, chunks = timed(lambda: chunk_structure(structure), args.repeat)
    print(f"  {'':44} {'wall':>8}    {'ratio':>6}   {'CPU':>8}    {'ratio':>6}")
    for name, (w, c) in (
        ("bare pypdf extract_text (all pages)", (bare, bare_cpu)),
        ("sources.load (layout, labels, headers)", (parse, parse_cpu)),
        ("parse + structure + chunk", (total, total_cpu)),
    ):
        print(f"  {name:44} {w:8.2f} s  {w / bare:6.2f}×  {c:8.2f} s  {c / bare_cpu:6.2f}×")
    row("chunk_structure alone (tokenizer-measured)", chunk_t)
    row("parse + structure + chunk", total, target=5)
    verdict = "ok" if total <= 1.5 * bare and total_cpu <= 1.5 * bare_cpu else "MISSED"
    print(
        f"  {'ratio to bare pypdf (target ≤ 1.5×)':44} wall {total / bare:.2f}×, "
        f"CPU {total_cpu / bare_cpu:.2f}×  {verdict}"
    )
    words = len(structure.document.text.split())
    print(f"  {len(structure.document.pages)} pages, {words} words, {len(chunks)} chunks")
    if args.parse_only:
        return

    print("entities")
    from pipeline.entities import extract_entities, load_nlp

    load_t, nlp = timed(load_nlp)
    row("load spaCy model", load_t)
    texts = [c.text for c in chunks]
    pipe_t, _ = timed(lambda: list(nlp.pipe(texts, batch_size=32)))
    row("bare nlp.pipe over chunk texts", pipe_t)
    ent_t, ents = timed(lambda: extract_entities(chunks, nlp, document=structure.document))
    row("extract_entities (spaCy + rules + merging)", ent_t, pipe_t, target=10)
    print(f"  {len(ents)} entities, {words / ent_t:,.0f} words/s")

    print("embedding and full ingest")
    from sentence_transformers import SentenceTransformer

    from index.ingest import ingest
    from pipeline.tokenize import model_path

    model = SentenceTransformer(str(model_path()), device="cpu")
    embed_texts = [c.embed_text for c in chunks]
    enc_t, _ = timed(lambda: model.encode(embed_texts, batch_size=32, normalize_embeddings=True))
    row(f"bare SentenceTransformer.encode ({len(chunks)} chunks)", enc_t)
    with tempfile.TemporaryDirectory(prefix="casebook-bench-") as tmp:
        t0 = time.perf_counter()
        reports = ingest([args.pdf], Path(tmp) / "idx")
        full = time.perf_counter() - t0
        row("full ingest, parse to stored vectors", full, enc_t, target=20)
        r = reports[0]
        print(
            f"  {r.chunks} chunks, {r.embedded} embedded, {r.reused} reused "
            "(includes model load, sentence vectors, entities, ONNX export on first run)"
        )
        t0 = time.perf_counter()
        reports = ingest([args.pdf], Path(tmp) / "idx")
        row("re-ingest of the same file (nothing embedded)", time.perf_counter() - t0, full)
        new_edition(args.pdf, Path(tmp) / "idx" / "models")


if __name__ == "__main__":
    main()
