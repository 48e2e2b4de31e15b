"""Answering benchmark on the bundled casebook: cold `casebook ask` and warm `--batch` latency.

Prints, in one run: the wall time of a cold `casebook ask` in a new process (target ≤ 1.5 s),
beside the bare interpreter start and the imports alone; and the per-question latency of warm
answers over the dev gold questions (target median ≤ 30 ms), beside search alone.

Usage: python bench/bench_ask.py [--index DIR] [--cold-repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from casebook.config import offline

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "When was the LPB in London formed?"


def wall(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t0


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def warm_latencies(engine: Any, questions: list[str]) -> tuple[list[float], list[float]]:
    """(ask ms, search ms) per question on an open, warmed engine; shared with
    ``bench/bench_scale.py`` so both measure the same thing."""
    ask_ms, search_ms = [], []
    for q in questions:  # ask first: it must pay for embedding the question itself
        t0 = time.perf_counter()
        engine.ask(q)
        ask_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        engine.search(q + " ")  # a new string: no memoised query vector
        search_ms.append((time.perf_counter() - t0) * 1000)
    return ask_ms, search_ms


def main() -> None:
    offline()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path)
    ap.add_argument("--cold-repeat", type=int, default=3)
    args = ap.parse_args()

    from index.ingest import ingest
    from sources import bundled_casebooks

    index_dir = args.index or Path(tempfile.mkdtemp(prefix="casebook-bench-"))
    if not (index_dir / "catalog.sqlite").exists():
        ingest(bundled_casebooks(), index_dir)

    exe = str(Path(sys.executable).parent / "casebook")
    print("cold start (new process, index present)")
    runs = {
        "bare python -c pass": [sys.executable, "-c", "pass"],
        "imports of the query path": [
            sys.executable,
            "-c",
            "import casebook.cli, qa.engine, onnxruntime",
        ],
        "casebook ask (cold)": [exe, "ask", QUESTION, "--index", str(index_dir), "--json"],
    }
    for name, cmd in runs.items():
        times = [wall(cmd) for _ in range(args.cold_repeat)]
        goal = "  target ≤ 1.5 s " + ("ok" if statistics.median(times) <= 1.5 else "MISSED")
        print(
            f"  {name:32} median {statistics.median(times):6.3f} s"
            f"{goal if name.startswith('casebook') else ''}"
        )

    from eval.gold import load_gold
    from qa.engine import Engine

    questions = [it.question for it in load_gold(ROOT / "eval" / "gold" / "dev-qa.jsonl")[0]]
    with Engine.open(index_dir) as engine:
        engine.ask("warm up")
        ask_ms, search_ms = warm_latencies(engine, questions)
    print(f"warm, {len(questions)} dev questions")
    for name, xs in (("search (hybrid) only", search_ms), ("ask (search + answer)", ask_ms)):
        med = statistics.median(xs)
        goal = f"  target median ≤ 30 ms {'ok' if med <= 30 else 'MISSED'}" if "ask" in name else ""
        print(f"  {name:32} median {med:6.1f} ms  p95 {pct(xs, 0.95):6.1f} ms{goal}")
    print(json.dumps({"index": str(index_dir)}))


if __name__ == "__main__":
    main()
