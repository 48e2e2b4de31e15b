"""The web app's latency beside the CLI's, on the bundled casebook, in one run.

Over the dev questions: per-answer time of a warm `casebook ask --batch` (time between its
output lines), beside a warm `casebook serve` answering `GET /api/ask` (target median
≤ 50 ms) and rendering each first citation's page image with the quote highlighted (first
request, target median ≤ 300 ms; then the same image again, from the app's cache).

Usage: python bench/bench_serve.py [--index DIR]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

from casebook.config import offline

ROOT = Path(__file__).resolve().parent.parent


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[float, bytes]:
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as r:
        body = r.read()
    return (time.perf_counter() - t0) * 1000, body


def batch_ms(index_dir: Path, questions: list[str]) -> list[float]:
    """Per-answer wall time of one `ask --batch` process, from the gaps between its lines."""
    lines = "".join(
        json.dumps({"id": str(i), "question": q}) + "\n" for i, q in enumerate(questions)
    )
    lines = json.dumps({"id": "warm", "question": "warm up"}) + "\n" + lines
    proc = subprocess.Popen(
        [sys.executable, "-m", "casebook.cli", "ask", "--batch", "-", "--index", str(index_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    proc.stdin.write(lines)
    proc.stdin.close()
    stamps = [time.perf_counter() for _ in proc.stdout]
    proc.wait()
    return [(b - a) * 1000 for a, b in itertools.pairwise(stamps)]


def row(name: str, xs: list[float], target: float | None = None) -> str:
    med = statistics.median(xs)
    goal = f"  target ≤ {target:.0f} ms " + ("ok" if med <= target else "MISSED") if target else ""
    return f"  {name:44} median {med:7.1f} ms   p95 {pct(xs, 0.95):7.1f} ms   n={len(xs)}{goal}"


def main() -> None:
    offline()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path)
    args = ap.parse_args()

    from eval.gold import load_gold
    from index.ingest import ingest
    from sources import bundled_casebooks

    index_dir = args.index or Path(tempfile.mkdtemp(prefix="casebook-bench-"))
    if not (index_dir / "catalog.sqlite").exists():
        ingest(bundled_casebooks(), index_dir)
    questions = [it.question for it in load_gold(ROOT / "eval" / "gold" / "dev-qa.jsonl")[0]]

    cli = batch_ms(index_dir, questions)

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "casebook.cli", "serve", "--index", str(index_dir)]
    server = subprocess.Popen(
        [*cmd, "--port", str(port)],
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        for _ in range(300):
            try:
                get(url + "/api/cases")
                break
            except OSError:
                time.sleep(0.2)
        get(url + "/api/ask?q=warm+up")
        api, pages, cached, urls = [], [], [], []
        for q in questions:
            ms, body = get(f"{url}/api/ask?q={quote(q)}")
            api.append(ms)
            cites = json.loads(body)["citations"]
            if cites:
                urls.append(cites[0]["page_url"])
        for u in urls:
            ms, body = get(url + u)
            assert body[:4] == b"\x89PNG"
            pages.append(ms)
            cached.append(get(url + u)[0])
    finally:
        server.terminate()
        server.wait(timeout=30)

    print(f"warm latency over {len(questions)} dev questions (bundled casebook)")
    print(row("ask --batch (per answer, one process)", cli))
    print(row("GET /api/ask (answer JSON + page_url)", api, 50))
    print(row("GET page image, quote highlighted (first)", pages, 300))
    print(row("GET the same page image again (cached)", cached))


if __name__ == "__main__":
    main()
