"""Query-path benchmark: cold `ask`-like start, warm query latency, ingest embedding cost.

Run:  .venv/bin/python bench/bench_query.py [--chunks-jsonl FILE] [--n 400] [--keep DIR]

Why: a cold ``casebook ask`` must finish within ~1.5 s wall, which only holds
if the query path never imports torch; this measures exactly that path in a
fresh interpreter, next to warm latency and the ingest embedding cost.
Chunks come from ``--chunks-jsonl`` (one ``Chunk.to_dict()`` per line, e.g.
dumped from the real casebooks) or are synthesised.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from index.testing import make_chunk, sha  # noqa: E402
from pipeline.types import Chunk  # noqa: E402

PLACES = [
    "Barcelona",
    "Estonia",
    "Rwanda",
    "Singapore",
    "Chile",
    "Mexico",
    "Finland",
    "Bogotá",
    "Copenhagen",
    "Sweden",
    "Kenya",
    "Brazil",
    "India",
    "Portugal",
    "Ireland",
    "Japan",
]
TOPICS = [
    "congestion pricing",
    "pension reform",
    "community health workers",
    "cash transfers",
    "housing first",
    "bus rapid transit",
    "digital identity",
    "road safety",
    "flood defence",
    "plastic bag levy",
    "drug decriminalisation",
    "forest payments",
]
FACTS = [
    "The programme reached {n} thousand households within {y} years.",
    "Costs were {n} million dollars, financed by the national budget and donors.",
    "Critics argued that {t} in {p} shifted risk onto the poorest residents.",
    "An evaluation found a {n} percent change in the main outcome after {y} years.",
    "Officials in {p} negotiated with unions before scaling {t} nationally.",
]
QUERIES = [
    "How much did the {t} programme in {p} cost?",
    "What did the evaluation of {t} find?",
    "Who opposed {t} in {p} and why?",
    "How many households did {p} reach?",
    "{p} {t} outcomes",
]


def synthetic_chunks(n: int) -> list[Chunk]:
    """n chunk texts of 3-6 sentences each, spread over cases named '<place> <topic>'."""
    doc_sha = sha("synthetic casebook")
    out = []
    for i in range(n):
        p, t = PLACES[i % len(PLACES)], TOPICS[(i // len(PLACES)) % len(TOPICS)]
        sents = [
            f"{p} introduced {t} in {1980 + i % 40}.",
            *(
                FACTS[(i + j) % len(FACTS)].format(n=(i * 7 + j) % 97 + 3, y=j + 2, t=t, p=p)
                for j in range(2 + i % 4)
            ),
        ]
        out.append(
            make_chunk(
                " ".join(sents),
                doc_sha,
                document="Synthetic Casebook",
                case=f"{p} {t.title()}",
                page=i // 4 + 1,
                start=i * 400,
            )
        )
    return out


def load_chunks(path: Path) -> list[Chunk]:
    with path.open() as fh:
        return [Chunk(**json.loads(line)) for line in fh if line.strip()]


def queries(n: int) -> list[str]:
    return [
        QUERIES[i % len(QUERIES)].format(p=PLACES[(i * 3) % len(PLACES)], t=TOPICS[i % len(TOPICS)])
        for i in range(n)
    ]


COLD = """
import time
t0 = time.perf_counter()
from pathlib import Path
from index.store import Index
from index.embed import query_embedder
from index.retrieve import search
t1 = time.perf_counter()
ix = Index(Path({path!r}), None, readonly=True)
emb = query_embedder(ix.models_dir)
t2 = time.perf_counter()
hits = search(ix, {query!r}, 10, embedder=emb)
t3 = time.perf_counter()
import sys
assert not {{'torch', 'chromadb', 'bm25s'}} & set(sys.modules)
print(f"{{t1-t0:.3f}} {{t2-t1:.3f}} {{t3-t2:.3f}} {{len(hits)}}")
"""


def cold_runs(path: Path, query: str, repeat: int) -> list[tuple[float, list[str]]]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        res = subprocess.run(
            [sys.executable, "-c", COLD.format(path=str(path), query=query)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        out.append((time.perf_counter() - t, res.stdout.split()))
    return out


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chunks-jsonl", type=Path, help="real chunks, one Chunk dict per line")
    ap.add_argument("--n", type=int, default=400, help="synthetic chunk count")
    ap.add_argument("--keep", type=Path, help="build the index here instead of a temp dir")
    ap.add_argument("--cold-repeat", type=int, default=3)
    args = ap.parse_args()

    from index.embed import SentenceTransformerEmbedder, query_embedder
    from index.retrieve import search
    from index.store import Index
    from pipeline.tokenize import MODEL_NAME

    chunks = load_chunks(args.chunks_jsonl) if args.chunks_jsonl else synthetic_chunks(args.n)
    texts = [c.text for c in chunks]
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="casebook-bench-"))
    ix_path = workdir / "index"
    print(f"chunks: {len(chunks)}   index: {ix_path}")

    t = time.perf_counter()
    st = SentenceTransformerEmbedder()
    t_load = time.perf_counter() - t

    # Bare sentence-transformers encode vs our ingest path, same texts.
    st._model.encode(texts[:8])  # warm-up
    t = time.perf_counter()
    st._model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
    t_bare = time.perf_counter() - t
    t = time.perf_counter()
    st.embed(texts)
    t_embed = time.perf_counter() - t

    settings = {"model": MODEL_NAME, "dim": st.dim, "bench": True}
    docs: dict[str, list[Chunk]] = {}
    for c in chunks:
        docs.setdefault(c.doc_sha256, []).append(c)
    t = time.perf_counter()
    with Index(ix_path, settings) as ix:
        for doc_sha, cs in docs.items():
            ix.add_document({"sha256": doc_sha, "title": cs[0].document}, cs, st)
        t_ingest = time.perf_counter() - t
        t = time.perf_counter()
        ix.warm()  # what `casebook ingest` should do last: build BM25 + vector caches
        t_bm25 = time.perf_counter() - t
        t = time.perf_counter()
        again = sum(
            ix.add_document({"sha256": s, "title": cs[0].document}, cs, st)["embedded"]
            for s, cs in docs.items()
        )
        t_reingest = time.perf_counter() - t
        t = time.perf_counter()
        onnx = query_embedder(ix.models_dir)
        t_export = time.perf_counter() - t
        t = time.perf_counter()
        onnx.embed(texts)
        t_onnx = time.perf_counter() - t

        qs = queries(50)
        runs = {
            "hybrid": ("hybrid", "snapshot"),
            "dense": ("dense", "snapshot"),
            "bm25": ("bm25", "snapshot"),
            "hybrid/chroma": ("hybrid", "chroma"),
            "dense/chroma": ("dense", "chroma"),
        }
        warm: dict[str, list[float]] = {name: [] for name in runs}
        for name, (mode, backend) in runs.items():
            search(ix, qs[0], 10, embedder=onnx, mode=mode, dense_backend=backend)  # warm-up
            for q in qs:
                t = time.perf_counter()
                search(ix, q, 10, embedder=onnx, mode=mode, dense_backend=backend)
                warm[name].append((time.perf_counter() - t) * 1000)
        t_q = []
        for q in qs:
            t = time.perf_counter()
            onnx.embed([q])
            t_q.append((time.perf_counter() - t) * 1000)

    cold = cold_runs(ix_path, qs[1], args.cold_repeat)

    print("\n== embedding (same texts) ==")
    print(f"  ST model load                       {t_load:7.2f} s")
    print(f"  bare SentenceTransformer.encode     {t_bare:7.2f} s")
    print(f"  SentenceTransformerEmbedder.embed   {t_embed:7.2f} s")
    print(f"  Index.add_document (embed+store)    {t_ingest:7.2f} s")
    print(f"  BM25 + vector caches               {t_bm25:7.2f} s")
    print(f"  re-ingest same docs (embedded {again})  {t_reingest:7.2f} s")
    print(f"  OnnxEmbedder.embed (batch 32)       {t_onnx:7.2f} s")
    print(f"  ONNX export (0 if cached)           {t_export:7.2f} s")
    print("\n== warm query, 50 queries, k=10 ==")
    for mode, xs in warm.items():
        print(f"  {mode:7s} median {statistics.median(xs):6.1f} ms   p95 {pct(xs, 0.95):6.1f} ms")
    print(f"  query embed only median {statistics.median(t_q):6.1f} ms")
    print("\n== cold `ask` path in a fresh interpreter (wall) ==")
    for wall, (imp, opn, qry, n) in cold:
        print(
            f"  total {wall:5.2f} s   imports {imp} s  open+model {opn} s  query {qry} s  hits {n}"
        )


if __name__ == "__main__":
    main()
