"""Scale benchmark (issue #7): ingest and query cost as the corpus grows to 50 casebooks.

Why: the one-casebook benchmarks cannot show costs that grow with the index (cache
rebuilds, catalog scans, dense search over every vector). This ingests distinct
generated casebooks (``bench/scale_corpus.py``) cumulatively into one index — copy 1,
then 2..10, then 11..50 — and prints side by side, per corpus size: ingest time per
page (the torch model load and the one-time ONNX export are timed apart, not in
batch 1), warm query latency p50/p95 (``Engine`` in a fresh process, ~50 questions),
a cold ``casebook ask``, peak memory of the ingest (this process plus its entity
helper, sampled from /proc; and ``ru_maxrss``), and the index size on disk.
Targets at 50 casebooks: time/page ≤ 1.3× the 1-casebook figure, warm p50 ≤ 100 ms,
peak memory ≤ 4 GiB. Writes ``bench/out/scale.json`` and ``bench/out/scale.png``.

Usage (from the project root):
  python bench/bench_scale.py [--sizes 1,10,50] [--quick] [--corpus-dir DIR]
                              [--index-dir DIR] [--keep] [--backend local|server|all]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/...` puts bench/, not the root, on sys.path
    sys.path.insert(0, str(ROOT))

from bench.scale_corpus import DEFAULT_CORPUS_DIR, build_corpus  # noqa: E402
from casebook.config import offline  # noqa: E402

OUT_DIR = ROOT / "bench" / "out"
GOLD = ROOT / "eval" / "gold" / "dev-qa.jsonl"
COLD_QUESTION = "How much has the national investment bank committed to projects?"
GENERIC_QUESTIONS = [
    "What is a mission-oriented approach?",
    "How much funding was committed to the missions?",
    "Who led the programme?",
    "What targets were set for 2030?",
    "When was the partnership board established?",
    "How many jobs were created?",
    "What share of the budget went to climate projects?",
    "Which city set up a mission team?",
    "What lessons did the government learn?",
    "How was progress measured?",
]
N_QUESTIONS = 50
RATIO_TARGET, P50_TARGET_MS, PEAK_TARGET_GIB = 1.3, 100.0, 4.0
GIB = 1024**3


def questions(n: int = N_QUESTIONS) -> list[str]:
    """Dev gold questions, topped up with generic ones, ``n`` in all."""
    gold = [json.loads(line)["question"] for line in GOLD.read_text().splitlines() if line.strip()]
    take = gold[: max(0, n - len(GENERIC_QUESTIONS))]
    return (take + GENERIC_QUESTIONS)[:n]


def pct(xs: Sequence[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def disk_bytes(path: Path) -> int:
    """Bytes allocated under ``path`` (what ``du`` counts; sparse files count what they use)."""
    total = 0
    for dirpath, _, files in os.walk(path):
        for f in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(dirpath, f)).st_blocks * 512
    return total


# --- memory ------------------------------------------------------------------------------------


def _rss(pid: int, field: str = "VmRSS") -> int:
    """A /proc status figure in bytes (``VmHWM``: the peak since exec, unlike ``ru_maxrss``,
    which a child inherits from the parent it was forked from)."""
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    return 0


def _descendants(root: int) -> list[int]:
    parent: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as fh:
                    parent[int(name)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                pass
    out, frontier = [], [root]
    while frontier:
        p = frontier.pop()
        kids = [c for c, pp in parent.items() if pp == p]
        out += kids
        frontier += kids
    return out


class TreeRss:
    """Samples the summed RSS of this process and its children (the entity helper).

    Why sampling: ``ru_maxrss`` is per process and never goes down, so it can neither
    add the helper's memory to ours nor give a per-batch figure.
    """

    def __init__(self, every: float = 0.25) -> None:
        self.every, self.peak, self.peak_children = every, 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.wait(self.every):
            kids = sum(_rss(p) for p in _descendants(me))
            self.peak = max(self.peak, _rss(me) + kids)
            self.peak_children = max(self.peak_children, kids)

    def reset(self) -> None:
        self.peak = self.peak_children = 0

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def cpu_seconds() -> float:
    """User + system CPU of this process and its waited-for children (the entity helper).

    Why beside wall time: the machine is shared, so wall time per page also measures
    the neighbours; CPU time per page is the steadier scale signal.
    """
    me, kids = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def maxrss_bytes(who: int) -> int:
    return resource.getrusage(who).ru_maxrss * 1024  # Linux reports KiB


# --- backends ----------------------------------------------------------------------------------


@dataclass
class LocalFolder:
    """The index as a local folder (``casebook --index DIR``): ingest, size and CLI flags."""

    path: Path
    name: str = "local folder"

    def ingest(self, paths: list[Path], *, embedder: Any, on_file: Callable[[Path], None]):
        from index.ingest import ingest

        return ingest(paths, self.path, embedder=embedder, on_file=on_file)

    def size_bytes(self) -> dict[str, int]:
        parts = {p.name: disk_bytes(p) for p in sorted(self.path.iterdir()) if p.is_dir()}
        parts["catalog.sqlite*"] = sum(
            disk_bytes(p) if p.is_dir() else os.lstat(p).st_blocks * 512
            for p in self.path.glob("catalog.sqlite*")
        )
        parts["total"] = disk_bytes(self.path)
        return parts

    def cli_args(self) -> list[str]:
        return ["--index", str(self.path)]

    @property
    def models_dir(self) -> Path:
        return self.path / "models"


def open_backend(kind: str, location: Path) -> LocalFolder | None:
    """The backend to benchmark, or None when the library does not offer it yet.

    A Chroma-server backend would return an object with the same four members,
    pointing ``ingest`` and the query worker at ``--chroma-url``.
    """
    if kind == "local":
        return LocalFolder(location)
    return None


# --- query side (runs in a fresh process) ------------------------------------------------------


def query_worker(index_dir: Path, n: int) -> None:
    """Warm latencies of ``Engine.ask``/``search`` in this (fresh) process; prints one JSON line."""
    from index.engine import Engine

    qs = questions(n)
    t0 = time.perf_counter()
    with Engine.open(index_dir) as engine:
        opened = time.perf_counter() - t0
        t0 = time.perf_counter()
        engine.ask("warm up: what is a mission?")
        first = time.perf_counter() - t0
        ask_ms, search_ms = [], []
        for q in qs:  # ask first: it pays for embedding the question itself
            t0 = time.perf_counter()
            engine.ask(q)
            ask_ms.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            engine.search(q + " ")  # a new string: no memoised query vector
            search_ms.append((time.perf_counter() - t0) * 1000)
        stats = {
            "documents": len(engine.index.documents()),
            "chunks": len(engine.index.vectors().ids),
        }
    print(
        json.dumps(
            {
                "open_s": opened,
                "first_ask_s": first,
                "ask_ms": ask_ms,
                "search_ms": search_ms,
                "maxrss": _rss(os.getpid(), "VmHWM"),
                **stats,
            }
        )
    )


def measure_queries(backend: LocalFolder, n: int) -> dict[str, Any]:
    """Warm latencies from a query-worker process, then one cold ``casebook ask``."""
    out = subprocess.run(
        [sys.executable, __file__, "--query-worker", str(backend.path), "--questions", str(n)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    res = json.loads(out.strip().splitlines()[-1])
    exe = str(Path(sys.executable).parent / "casebook")
    t0 = time.perf_counter()
    subprocess.run(
        [exe, "ask", COLD_QUESTION, *backend.cli_args(), "--json"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    res["cold_ask_s"] = time.perf_counter() - t0
    return res


# --- the run -----------------------------------------------------------------------------------


def run_local(args: argparse.Namespace, corpus: list[dict], index_dir: Path) -> dict[str, Any]:
    """Model load + ONNX export once, then the cumulative batches with their measurements."""
    from index.embed import query_embedder
    from index.ingest import LazyEmbedder

    backend = open_backend("local", index_dir)
    assert backend is not None
    rss = TreeRss()
    t0 = time.perf_counter()
    embedder = LazyEmbedder()
    embedder.embed(["warm up"])  # loads torch + sentence-transformers
    model_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    query_embedder(backend.models_dir)  # the export every first ingest pays; not per page
    onnx_export = time.perf_counter() - t0
    print(f"  model load {model_load:.1f} s, ONNX export {onnx_export:.1f} s (outside the batches)")

    rows: list[dict[str, Any]] = []
    done = 0
    for size in args.sizes:
        batch = corpus[done:size]
        starts: list[float] = []
        rss.reset()
        cpu0 = cpu_seconds()
        t0 = time.perf_counter()
        reports = backend.ingest(
            [Path(r["path"]) for r in batch],
            embedder=embedder,
            on_file=lambda _p, starts=starts: starts.append(time.perf_counter()),
        )
        wall = time.perf_counter() - t0
        cpu = cpu_seconds() - cpu0
        per_doc = [b - a for a, b in zip(starts, [*starts[1:], t0 + wall], strict=True)]
        bad = [r for r in reports if r.status != "ingested"]
        if bad:
            found = [(r.path, r.status, r.errors) for r in bad]
            raise SystemExit(f"unexpected ingest status: {found}")
        pages = sum(r.pages for r in reports)
        chunks = sum(r.chunks for r in reports)
        done = size
        q = measure_queries(backend, args.questions)
        if q["documents"] != size:
            raise SystemExit(f"{q['documents']} documents visible after {size} ingested (series?)")
        row = {
            "size": size,
            "batch_docs": len(batch),
            "batch_pages": pages,
            "batch_chunks": chunks,
            "embedded": sum(r.embedded for r in reports),
            "reused": sum(r.reused for r in reports),
            "total_pages": sum(r["pages"] for r in corpus[:size]),
            "total_chunks": q["chunks"],
            "batch_s": wall,
            "s_per_page": wall / pages,
            "ms_per_chunk": 1000 * wall / chunks,
            "batch_cpu_s": cpu,
            "cpu_s_per_page": cpu / pages,
            "per_doc_s": per_doc,
            "peak_tree_rss": rss.peak,
            "maxrss_self": maxrss_bytes(resource.RUSAGE_SELF),
            "peak_helper_rss": rss.peak_children,
            "disk": backend.size_bytes(),
            "query_p50_ms": statistics.median(q["ask_ms"]),
            "query_p95_ms": pct(q["ask_ms"], 0.95),
            "search_p50_ms": statistics.median(q["search_ms"]),
            "search_p95_ms": pct(q["search_ms"], 0.95),
            "query_open_s": q["open_s"],
            "query_first_ask_s": q["first_ask_s"],
            "query_maxrss": q["maxrss"],
            "cold_ask_s": q["cold_ask_s"],
            "ask_ms": q["ask_ms"],
        }
        rows.append(row)
        print(
            f"  {size:3} casebooks: +{len(batch)} in {wall:6.1f} s "
            f"({row['s_per_page']:.3f} s/page; per document first {per_doc[0]:.1f} s, "
            f"last {per_doc[-1]:.1f} s), query p50 {row['query_p50_ms']:.1f} ms",
            flush=True,
        )
    rss.close()
    return {"model_load_s": model_load, "onnx_export_s": onnx_export, "rows": rows}


def mib(b: float) -> str:
    return f"{b / 1024**2:,.0f} MiB"


def print_table(res: dict[str, Any]) -> dict[str, Any]:
    """The side-by-side table and the target verdicts (also returned for the JSON)."""
    rows = res["rows"]
    base = rows[0]["s_per_page"]
    cpu_base = rows[0]["cpu_s_per_page"]
    hdr = (
        f"  {'casebooks':>9} {'pages':>6} {'chunks':>7} {'s/page':>7} {'×1':>6} "
        f"{'cpu s/pg':>8} {'×1':>6} {'p50 ms':>7} {'p95 ms':>7} {'srch p50':>8} "
        f"{'cold ask':>8} {'peak RSS':>10} {'disk':>10}"
    )
    print(hdr)
    for r in rows:
        print(
            f"  {r['size']:>9} {r['total_pages']:>6} {r['total_chunks']:>7} "
            f"{r['s_per_page']:>7.3f} {r['s_per_page'] / base:>5.2f}× "
            f"{r['cpu_s_per_page']:>8.3f} {r['cpu_s_per_page'] / cpu_base:>5.2f}× "
            f"{r['query_p50_ms']:>7.1f} {r['query_p95_ms']:>7.1f} {r['search_p50_ms']:>8.1f} "
            f"{r['cold_ask_s']:>7.2f}s {mib(r['peak_tree_rss']):>10} {mib(r['disk']['total']):>10}"
        )
    print(
        "  s/page: batch wall time / batch pages (model load and ONNX export excluded); "
        "cpu s/pg: CPU time of ingest + entity helper / batch pages"
    )
    last = rows[-1]
    print(
        "  disk at the largest size: " + ", ".join(f"{k} {mib(v)}" for k, v in last["disk"].items())
    )
    print(
        f"  peak RSS = ingest process + entity helper, sampled; ingest ru_maxrss "
        f"{mib(last['maxrss_self'])}, helper peak {mib(last['peak_helper_rss'])}; "
        f"query process peak {mib(last['query_maxrss'])}"
    )
    ratio = last["s_per_page"] / base
    cpu_ratio = last["cpu_s_per_page"] / cpu_base
    peak = max(r["peak_tree_rss"] for r in rows)
    at = f"at {last['size']} casebooks" + ("" if last["size"] >= 50 else " (targets are for 50)")
    verdicts = {
        "ratio": (ratio, ratio <= RATIO_TARGET),
        "cpu_ratio": (cpu_ratio, cpu_ratio <= RATIO_TARGET),
        "p50_ms": (last["query_p50_ms"], last["query_p50_ms"] <= P50_TARGET_MS),
        "peak_gib": (peak / GIB, peak / GIB <= PEAK_TARGET_GIB),
    }

    def ok(flag: bool) -> str:
        return "ok" if flag else "MISSED"

    print(f"  targets {at}:")
    lines = [
        (f"time/page {ratio:.2f}× the 1-casebook figure", f"≤ {RATIO_TARGET}×", "ratio"),
        (f"CPU time/page {cpu_ratio:.2f}× (less noisy)", f"≤ {RATIO_TARGET}×", "cpu_ratio"),
        (f"warm query p50 {last['query_p50_ms']:.1f} ms", f"≤ {P50_TARGET_MS:g} ms", "p50_ms"),
        (f"peak memory {peak / GIB:.2f} GiB", f"≤ {PEAK_TARGET_GIB:g} GiB", "peak_gib"),
    ]
    for text, target, key in lines:
        print(f"    {text:42} target {target:9} {ok(verdicts[key][1])}")
    return {k: {"value": v, "ok": f} for k, (v, f) in verdicts.items()}


def plot(res: dict[str, Any], out: Path) -> None:
    """Two panels against corpus size: ingest s/page, and query p50/p95 (+ cold ask)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = res["rows"]
    x = [r["size"] for r in rows]
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.2))
    a.plot(x, [r["s_per_page"] for r in rows], "o-", label="ingest (batch wall / batch pages)")
    a.plot(x, [r["cpu_s_per_page"] for r in rows], "s--", label="ingest CPU s / page")
    base = rows[0]["s_per_page"]
    a.axhline(base * RATIO_TARGET, ls=":", c="grey", label=f"{RATIO_TARGET}× the 1-casebook figure")
    a.set_xlabel("casebooks in the index")
    a.set_ylabel("seconds per page")
    a.set_ylim(bottom=0)
    a.set_title("Ingest time per page")
    a.legend(fontsize=8)
    b.plot(x, [r["query_p50_ms"] for r in rows], "o-", label="warm ask p50")
    b.plot(x, [r["query_p95_ms"] for r in rows], "s--", label="warm ask p95")
    b.plot(x, [r["search_p50_ms"] for r in rows], "^:", label="warm search p50")
    b.plot(x, [r["cold_ask_s"] * 1000 for r in rows], "d-.", label="cold `casebook ask`")
    b.axhline(P50_TARGET_MS, ls=":", c="grey", label=f"p50 target {P50_TARGET_MS:g} ms")
    b.set_yscale("log")
    b.set_xlabel("casebooks in the index")
    b.set_ylabel("milliseconds")
    b.set_title("Query latency")
    b.legend(fontsize=8)
    for ax in (a, b):
        ax.set_xticks(x)
        ax.grid(alpha=0.3)
    fig.suptitle(f"casebook scale benchmark — local folder, {os.cpu_count()} CPUs (shared)")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)


def main() -> None:
    offline()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,10,50", help="cumulative corpus sizes (casebooks)")
    ap.add_argument("--quick", action="store_true", help="smoke run: sizes 1,3")
    ap.add_argument("--corpus-dir", type=Path, default=DEFAULT_CORPUS_DIR)
    ap.add_argument("--index-dir", type=Path, help="new or empty folder (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the index afterwards")
    ap.add_argument("--backend", choices=["local", "server", "all"], default="all")
    ap.add_argument("--questions", type=int, default=N_QUESTIONS)
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    ap.add_argument("--query-worker", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.query_worker:
        query_worker(args.query_worker, args.questions)
        return
    args.sizes = [1, 3] if args.quick else sorted({int(s) for s in args.sizes.split(",")})
    if args.sizes[0] != 1:
        args.sizes.insert(0, 1)  # the ratios are against one casebook

    corpus = build_corpus(args.sizes[-1], args.corpus_dir)
    pages = sum(r["pages"] for r in corpus)
    print(
        f"casebook scale benchmark — {len(corpus)} generated casebooks, {pages} pages "
        f"({pages / len(corpus):.0f} per casebook), sizes {args.sizes}, {os.cpu_count()} CPUs"
    )
    results: dict[str, Any] = {
        "sizes": args.sizes,
        "corpus_dir": str(args.corpus_dir),
        "corpus_pages": pages,
        "backends": {},
    }
    for kind in ("local", "server"):
        if args.backend not in (kind, "all"):
            continue
        if kind == "server":
            print("server backend: not available yet (the library has no --chroma-url)")
            results["backends"]["server"] = None
            continue
        index_dir = args.index_dir or Path(tempfile.mkdtemp(prefix="casebook-scale-"))
        if index_dir.exists() and any(index_dir.iterdir()):
            raise SystemExit(f"{index_dir} is not empty: the sizes are cumulative from nothing")
        print(f"local folder backend — index {index_dir}")
        try:
            res = run_local(args, corpus, index_dir)
            res["targets"] = print_table(res)
            res["index_dir"] = str(index_dir) if args.keep else None
            results["backends"]["local"] = res
            plot(res, args.out / "scale.png")
        finally:
            if not args.keep:
                shutil.rmtree(index_dir, ignore_errors=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "scale.json").write_text(json.dumps(results, indent=1))
    print(f"wrote {args.out / 'scale.json'} and {args.out / 'scale.png'}")


if __name__ == "__main__":
    main()
