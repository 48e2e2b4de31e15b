"""Scale benchmark (issue #7): ingest and query cost as the corpus grows to 50 casebooks.

Why: the one-casebook benchmarks cannot show costs that grow with the index (cache
rebuilds, catalog scans, dense search over every vector). This ingests distinct
generated casebooks (``bench/scale_corpus.py``) cumulatively into one index — copy 1,
then 2..10, then 11..50 — and prints side by side, per corpus size: ingest time per
page (the torch model load and the one-time ONNX export are timed apart, not in
batch 1), warm query latency p50/p95 (``Engine`` in a fresh process, ~50 questions),
a cold ``casebook ask``, peak memory of the ingest (this process plus its entity
helper, sampled from /proc; and ``ru_maxrss``), and the index size on disk (without
``models/``, the ONNX query model, which is the same at every size).
Targets at 50 casebooks: time/page ≤ 1.3× the 1-casebook figure, warm p50 ≤ 100 ms,
peak memory ≤ 4 GiB. Writes ``bench/out/scale.json`` and ``bench/out/scale.png``.

Backends: ``local`` is an index folder (``--index DIR``); ``server`` starts its own
``chroma run`` on a free loopback port over a temp ``--path``, ingests and asks through
``--chroma-url`` (cache in ``DIR/servers/``), adds the server process to the memory and
CPU figures and its ``--path`` folder to the disk figure, and stops it at the end.
``all`` runs each in its own process (clean memory figures); a single backend replaces
its entry in ``scale.json`` and keeps the other's, and the plot shows every entry.

Usage (from the project root):
  python bench/bench_scale.py [--sizes 1,10,50] [--quick] [--corpus-dir DIR]
                              [--index-dir DIR] [--keep] [--backend local|server|all]
  python bench/bench_scale.py --plot-only       # redraw scale.png from scale.json
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

from bench.bench_ask import warm_latencies  # noqa: E402
from bench.scale_corpus import DEFAULT_CORPUS_DIR, build_corpus  # noqa: E402
from casebook.config import offline  # noqa: E402

OUT_DIR = ROOT / "bench" / "out"
GOLD = ROOT / "eval" / "gold" / "dev-qa.jsonl"
COLD_QUESTION = "What sum of money has the investment bank put into projects?"
GENERIC_QUESTIONS = [
    "What is a mission-oriented approach?",
    "How much money went to the missions?",
    "Who led the programme?",
    "What targets were set for 2030?",
    "when was the LPB set up",
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
    """Samples the summed RSS of this process and its children (the entity helper, and
    with the server backend the ``chroma run`` process, counted apart as ``server``).

    Why sampling: ``ru_maxrss`` is per process and never goes down, so it can neither
    add the helper's memory to ours nor give a per-batch figure. Read the peaks with
    ``snapshot()`` right after the ingest: later the query worker is a child too.
    """

    def __init__(self, server_pid: Callable[[], int | None] = lambda: None, every=0.25) -> None:
        self.every, self.server_pid = every, server_pid
        self.reset()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.wait(self.every):
            kids = _descendants(me)
            spid = self.server_pid()
            server = {spid, *_descendants(spid)} if spid else set()
            own = _rss(me)
            helper = sum(_rss(p) for p in kids if p not in server)
            srv = sum(_rss(p) for p in server)
            self.peak = max(self.peak, own + helper + srv)
            self.peak_children = max(self.peak_children, helper)
            self.peak_server = max(self.peak_server, srv)
            self.peak_self = max(self.peak_self, own)

    def reset(self) -> None:
        self.peak = self.peak_children = self.peak_server = self.peak_self = 0

    def snapshot(self) -> dict[str, int]:
        return {
            "peak_tree_rss": self.peak,
            "peak_self_rss": self.peak_self,
            "peak_helper_rss": self.peak_children,
            "peak_server_rss": self.peak_server,
        }

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


def proc_cpu_seconds(pid: int | None) -> float:
    """User + system CPU of a process we do not wait for (the Chroma server) and its
    descendants, from /proc; 0 for None or a process that is gone."""
    if not pid:
        return 0.0
    total = 0
    for p in [pid, *_descendants(pid)]:
        with contextlib.suppress(OSError, IndexError, ValueError), open(f"/proc/{p}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15)
    return total / os.sysconf("SC_CLK_TCK")


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


def _index_parts(path: Path) -> dict[str, int]:
    """Disk use of an index folder by part; ``total`` leaves out ``models/`` (the ONNX
    query model, ~86 MiB, the same for every corpus size and both backends)."""
    parts = {p.name: disk_bytes(p) for p in sorted(path.iterdir()) if p.is_dir()}
    parts["catalog.sqlite*"] = sum(
        disk_bytes(p) if p.is_dir() else os.lstat(p).st_blocks * 512
        for p in path.glob("catalog.sqlite*")
    )
    parts["total"] = disk_bytes(path) - parts.get("models", 0)
    return parts


@dataclass
class LocalFolder:
    """The index as a local folder (``casebook --index DIR``): ingest, size and CLI flags."""

    path: Path
    name: str = "local folder"
    chroma_url: str | None = None

    def ingest(self, paths: list[Path], *, embedder: Any, on_file: Callable[[Path], None]):
        from index.ingest import ingest

        return ingest(paths, self.path, embedder=embedder, on_file=on_file)

    def size_bytes(self) -> dict[str, int]:
        return _index_parts(self.path)

    def cli_args(self) -> list[str]:
        return ["--index", str(self.path)]

    @property
    def models_dir(self) -> Path:
        return self.path / "models"

    @property
    def server_pid(self) -> int | None:
        return None

    def close(self) -> None:
        pass


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ChromaServer:
    """The index on a Chroma server the bench runs itself: ``chroma run`` on a free
    loopback port over ``<location>/chroma-db``; ``<location>/casebook`` is this
    machine's casebook folder (the server cache under ``servers/`` and ``models/``).

    Mirrors ``tests/conftest.py``'s ``ChromaServer`` (not imported: that one reports
    through pytest). ``close()`` stops the server; call it in a ``finally``.
    """

    name = "Chroma server"

    def __init__(self, location: Path, timeout: float = 120.0) -> None:
        self.db_path = location / "chroma-db"
        self.path = location / "casebook"
        self.path.mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
        self.chroma_url = f"http://127.0.0.1:{self.port}"
        self.log = location / "chroma-run.log"
        exe = Path(sys.executable).parent / "chroma"
        if not exe.exists():
            raise SystemExit(f"the chroma server binary is missing: {exe} (pip install chromadb)")
        with open(self.log, "ab") as log:
            self.proc: subprocess.Popen | None = subprocess.Popen(
                [str(exe), "run", "--path", str(self.db_path), *self._where()],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
            )
        t0 = time.monotonic()
        while not self.alive():
            if self.proc.poll() is not None:
                code = self.proc.returncode
                self.proc = None
                raise SystemExit(f"chroma run exited with {code}; see {self.log}")
            if time.monotonic() - t0 > timeout:
                self.close()
                raise SystemExit(f"chroma run did not answer on {self.chroma_url} in {timeout} s")
            time.sleep(0.2)
        self.start_s = time.monotonic() - t0

    def _where(self) -> list[str]:
        return ["--host", "127.0.0.1", "--port", str(self.port)]

    def alive(self) -> bool:
        import urllib.request

        try:
            with urllib.request.urlopen(self.chroma_url + "/api/v2/heartbeat", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=20)
        self.proc = None

    @property
    def server_pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def ingest(self, paths: list[Path], *, embedder: Any, on_file: Callable[[Path], None]):
        from index.ingest import ingest

        return ingest(
            paths, self.path, chroma_url=self.chroma_url, embedder=embedder, on_file=on_file
        )

    def size_bytes(self) -> dict[str, int]:
        """The server's ``--path`` folder plus this machine's cache of it (``models/``
        listed apart, not in ``total``, as for the local folder)."""
        from index.server import cache_dir

        server = disk_bytes(self.db_path)
        cache = _index_parts(cache_dir(self.path, self.chroma_url))
        return {
            "server --path": server,
            **{f"cache {k}": v for k, v in cache.items() if k != "total"},
            "models": disk_bytes(self.models_dir),
            "total": server + cache["total"],
        }

    def cli_args(self) -> list[str]:
        return ["--index", str(self.path), "--chroma-url", self.chroma_url]

    @property
    def models_dir(self) -> Path:
        return self.path / "models"


Backend = LocalFolder | ChromaServer


def open_backend(kind: str, location: Path) -> Backend:
    """The backend to benchmark in ``location`` (a new or empty folder); for ``server``
    this starts the Chroma server, so ``close()`` it in a ``finally``."""
    if kind == "local":
        return LocalFolder(location)
    if kind == "server":
        return ChromaServer(location)
    raise ValueError(kind)


# --- query side (runs in a fresh process) ------------------------------------------------------


def query_worker(index_dir: Path, n: int, chroma_url: str | None = None) -> None:
    """Warm latencies of ``Engine.ask``/``search`` in this (fresh) process; prints one JSON line."""
    from qa.engine import Engine

    qs = questions(n)
    t0 = time.perf_counter()
    with Engine.open(index_dir, chroma_url=chroma_url) as engine:
        opened = time.perf_counter() - t0
        t0 = time.perf_counter()
        engine.ask("warm up: what is a mission?")
        first = time.perf_counter() - t0
        ask_ms, search_ms = warm_latencies(engine, qs)
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


def _run(cmd: list[str]) -> str:
    """stdout of ``cmd``; on failure its stderr tail in the error (not just the exit code)."""
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        raise SystemExit(f"{' '.join(cmd[:4])} ... exited with {done.returncode}:\n{tail}")
    return done.stdout


def measure_queries(backend: Backend, n: int) -> dict[str, Any]:
    """Warm latencies from a query-worker process, then one cold ``casebook ask``."""
    url = ["--chroma-url", backend.chroma_url] if backend.chroma_url else []
    cmd = [sys.executable, __file__, "--query-worker", str(backend.path), "--questions", str(n)]
    res = json.loads(_run([*cmd, *url]).strip().splitlines()[-1])
    exe = str(Path(sys.executable).parent / "casebook")
    t0 = time.perf_counter()
    _run([exe, "ask", COLD_QUESTION, *backend.cli_args(), "--json"])
    res["cold_ask_s"] = time.perf_counter() - t0
    return res


# --- the run -----------------------------------------------------------------------------------


def run_backend(args: argparse.Namespace, corpus: list[dict], backend: Backend) -> dict[str, Any]:
    """Model load + ONNX export once, then the cumulative batches with their measurements."""
    from index.embed import query_embedder
    from index.ingest import LazyEmbedder

    rss = TreeRss(lambda: backend.server_pid)
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
        server_cpu0 = proc_cpu_seconds(backend.server_pid)
        cpu0 = cpu_seconds()
        t0 = time.perf_counter()
        reports = backend.ingest(
            [Path(r["path"]) for r in batch],
            embedder=embedder,
            on_file=lambda _p, starts=starts: starts.append(time.perf_counter()),
        )
        wall = time.perf_counter() - t0
        client_cpu = cpu_seconds() - cpu0
        server_cpu = proc_cpu_seconds(backend.server_pid) - server_cpu0
        cpu = client_cpu + server_cpu
        mem = rss.snapshot()  # now: the query worker below is a child too
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
            "batch_server_cpu_s": server_cpu,
            "cpu_s_per_page": cpu / pages,
            "per_doc_s": per_doc,
            **mem,
            "maxrss_self": maxrss_bytes(resource.RUSAGE_SELF),
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
            f"({row['s_per_page']:.3f} s/page, CPU {row['cpu_s_per_page']:.3f} s/page; "
            f"per document first {per_doc[0]:.1f} s, last {per_doc[-1]:.1f} s), "
            f"query p50 {row['query_p50_ms']:.1f} ms, cold ask {row['cold_ask_s']:.2f} s",
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
    print(f"  {res['name']}:")
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
    server = any(r.get("peak_server_rss") for r in rows)
    print(
        "  s/page: batch wall time / batch pages (model load and ONNX export excluded); "
        "cpu s/pg: CPU time of ingest + entity helper"
        + (" + Chroma server" if server else "")
        + " / batch pages"
    )
    last = rows[-1]
    print(
        "  disk at the largest size (total without models/): "
        + ", ".join(f"{k} {mib(v)}" for k, v in last["disk"].items())
    )
    print(
        "  peak RSS = ingest process + entity helper"
        + (" + Chroma server" if server else "")
        + f", sampled; at the largest size: ingest {mib(last['peak_self_rss'])} "
        f"(ru_maxrss {mib(last['maxrss_self'])}), helper {mib(last['peak_helper_rss'])}"
        + (f", server {mib(last['peak_server_rss'])}" if server else "")
        + f"; query process peak {mib(last['query_maxrss'])}"
    )
    if server:
        print(
            "  server CPU per batch: "
            + ", ".join(f"{r['size']}: {r['batch_server_cpu_s']:.0f} s" for r in rows)
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


BACKEND_STYLE = {"local": ("tab:blue", "o"), "server": ("tab:orange", "s")}


def plot(backends: dict[str, Any], out: Path) -> None:
    """Three panels against corpus size, one colour per backend: ingest s/page (wall and
    CPU), warm ask p50/p95, and the cold ``casebook ask``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import LogLocator, NullFormatter, ScalarFormatter

    fig, (a, b, c) = plt.subplots(1, 3, figsize=(15, 4.8))
    sizes: set[int] = set()
    for kind, res in backends.items():
        if not res:
            continue
        colour, marker = BACKEND_STYLE.get(kind, ("tab:green", "^"))
        rows, name = res["rows"], res["name"]
        x = [r["size"] for r in rows]
        sizes.update(x)
        a.plot(x, [r["s_per_page"] for r in rows], marker + "-", c=colour, label=f"{name}: wall")
        a.plot(
            x,
            [r["cpu_s_per_page"] for r in rows],
            marker + "--",
            c=colour,
            mfc="none",
            label=f"{name}: CPU",
        )
        a.axhline(
            rows[0]["s_per_page"] * RATIO_TARGET,
            ls=":",
            c=colour,
            alpha=0.7,
            label=f"{name}: {RATIO_TARGET}× its 1-casebook wall",
        )
        b.plot(x, [r["query_p50_ms"] for r in rows], marker + "-", c=colour, label=f"{name}: p50")
        b.plot(
            x,
            [r["query_p95_ms"] for r in rows],
            marker + "--",
            c=colour,
            mfc="none",
            label=f"{name}: p95",
        )
        c.plot(x, [r["cold_ask_s"] for r in rows], marker + "-", c=colour, label=name)
    b.axhline(P50_TARGET_MS, ls=":", c="grey", label=f"p50 target {P50_TARGET_MS:g} ms")
    a.set_ylabel("seconds per page")
    a.set_title("Ingest time per page (batch / its pages)")
    b.set_ylabel("milliseconds (log scale)")
    b.set_yscale("log")
    b.yaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))
    b.yaxis.set_major_formatter(ScalarFormatter())
    b.yaxis.set_minor_formatter(NullFormatter())
    b.set_title("Warm `Engine.ask` latency")
    c.set_ylabel("seconds")
    c.set_title("Cold `casebook ask` (new process)")
    for ax in (a, b, c):
        ax.set_xlabel("casebooks in the index")
        ax.set_xticks(sorted(sizes))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    a.set_ylim(bottom=0)
    c.set_ylim(bottom=0)
    fig.suptitle(f"casebook scale benchmark — {os.cpu_count()} CPUs (shared machine)")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)


def run_one(args: argparse.Namespace, corpus: list[dict], kind: str) -> dict[str, Any]:
    """One backend from nothing in a new folder; the server (if any) stopped at the end."""
    location = args.index_dir or Path(tempfile.mkdtemp(prefix=f"casebook-scale-{kind}-"))
    if location.exists() and any(location.iterdir()):
        raise SystemExit(f"{location} is not empty: the sizes are cumulative from nothing")
    location.mkdir(parents=True, exist_ok=True)
    backend: Backend | None = None
    try:
        backend = open_backend(kind, location)
        where = f"index {backend.path}"
        if backend.chroma_url:
            where = f"server {backend.chroma_url} (--path {backend.db_path}), cache in {where}"
        print(f"{backend.name} backend — {where}", flush=True)
        res = {"name": backend.name, "sizes": args.sizes}
        res |= run_backend(args, corpus, backend)
        if backend.chroma_url:
            res["server_start_s"] = backend.start_s
        res["targets"] = print_table(res)
        res["index_dir"] = str(location) if args.keep else None
        res["finished_at"] = time.strftime("%Y-%m-%d %H:%M:%S")
        return res
    finally:
        if backend is not None:
            backend.close()  # stops the Chroma server
        if not args.keep:
            shutil.rmtree(location, ignore_errors=True)


def main() -> None:
    offline()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1,10,50", help="cumulative corpus sizes (casebooks)")
    ap.add_argument("--quick", action="store_true", help="smoke run: sizes 1,3")
    ap.add_argument("--corpus-dir", type=Path, default=DEFAULT_CORPUS_DIR)
    ap.add_argument(
        "--index-dir",
        type=Path,
        help="new or empty folder (default: a temp dir); "
        "with --backend all, one subfolder per backend",
    )
    ap.add_argument("--keep", action="store_true", help="keep the index afterwards")
    ap.add_argument(
        "--backend",
        choices=["local", "server", "all"],
        default="all",
        help="one backend updates its entry in OUT/scale.json and keeps the other's",
    )
    ap.add_argument("--questions", type=int, default=N_QUESTIONS)
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    ap.add_argument("--plot-only", action="store_true", help="redraw OUT/scale.png from its JSON")
    ap.add_argument("--query-worker", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--chroma-url", help=argparse.SUPPRESS)  # for the query worker
    args = ap.parse_args()
    if args.query_worker:
        query_worker(args.query_worker, args.questions, args.chroma_url)
        return
    json_out = args.out / "scale.json"
    if args.plot_only:
        plot(json.loads(json_out.read_text())["backends"], args.out / "scale.png")
        print(f"wrote {args.out / 'scale.png'}")
        return
    if args.backend == "all":
        # One process per backend: a fresh ru_maxrss and heap each, so neither backend's
        # memory figure carries what the other left behind.
        for kind in ("local", "server"):
            cmd = [sys.executable, __file__, "--backend", kind, "--sizes", args.sizes]
            cmd += ["--corpus-dir", str(args.corpus_dir), "--out", str(args.out)]
            cmd += ["--questions", str(args.questions)]
            cmd += ["--quick"] * args.quick + ["--keep"] * args.keep
            if args.index_dir:
                cmd += ["--index-dir", str(args.index_dir / kind)]
            subprocess.run(cmd, cwd=ROOT, check=True)
        print(f"wrote {json_out} and {args.out / 'scale.png'} (both backends)")
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
    results: dict[str, Any] = {"corpus_dir": str(args.corpus_dir), "backends": {}}
    with contextlib.suppress(OSError, ValueError):
        old = json.loads(json_out.read_text())
        if isinstance(old.get("backends"), dict) and old.get("corpus_dir") == str(args.corpus_dir):
            kept = {k: v for k, v in old["backends"].items() if v and "name" in v}
            results["backends"] |= kept
            for k, v in kept.items():
                if k != args.backend:
                    print(f"  keeping the {k} results of {v.get('finished_at')} from {json_out}")
    results["backends"][args.backend] = run_one(args, corpus, args.backend)
    results["backends"] = {k: results["backends"][k] for k in sorted(results["backends"])}
    args.out.mkdir(parents=True, exist_ok=True)
    json_out.write_text(json.dumps(results, indent=1))
    plot(results["backends"], args.out / "scale.png")
    print(f"wrote {json_out} and {args.out / 'scale.png'}", flush=True)


if __name__ == "__main__":
    main()
