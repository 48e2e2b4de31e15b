"""Whole-page BM25 (no model) beside the tool's retrieval, on every question set.

The baseline is what a plain script would do: ``bm25s`` over each PDF page's raw text
(pypdf ``extract_text``, running headers included), English stop words, no stemmer, no
model. A page *matches* a question when it holds evidence under the gold README's rule
(``eval.metrics.passage_matches``, the same matcher as for the tool's passages). The tool
is measured with ``SearchEngine.search``: the default hybrid (learned linear fusion,
``index/retrieval_weights.json``), RRF of the same dense and BM25 rankings (the previous
default's fusion; before part labels joined the BM25 text it was exactly the previous
default), dense only, BM25 only, and BM25 over
the chunks' bare text (without the part title and section path above it). "hybrid as
pages" is the default hybrid's chunk ranking read as a ranking of pages (each chunk's main
page, first occurrence kept) and matched on the same page texts as page BM25: the tool as a
page retriever, so that the unit's size and the ranking can be told apart. Only
per-set figures are printed (recall@5 / MRR@10 over answerable questions), never a
question, so the held-out sets can be reported without being looked into.

The tool cites chunks; the last lines compare their size with a page's (the
issue's bound: a cited passage is at most half a page).

Usage: python bench/bench_page_bm25.py [--index DIR] [--pdf PDF] [--sets dev,probe,...]
  (--index/--pdf: e.g. an index of another typesetting and that PDF)
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from casebook.config import offline

ROOT = Path(__file__).resolve().parent.parent
SETS = {
    "dev": ROOT / "eval" / "gold" / "dev-qa.jsonl",
    "probe": ROOT / "eval" / "gold" / "probe-qa.jsonl",
    "heldout-a": ROOT / "eval" / "gold" / "heldout-a-qa.jsonl",
    "heldout-b": ROOT / "eval" / "gold" / "heldout-b-qa.jsonl",
    "extra": ROOT.parent / "shared" / "gold" / "extra-qa.jsonl",
    "heldout-c": ROOT / "eval" / "gold" / "heldout-c-qa.jsonl",
    "heldout-d": ROOT / "eval" / "gold" / "heldout-d-qa.jsonl",
    "heldout-e": ROOT / "eval" / "gold" / "heldout-e-qa.jsonl",
    "heldout-f": ROOT / "eval" / "gold" / "heldout-f-qa.jsonl",
    "studied-g": ROOT / "eval" / "gold" / "studied-g-qa.jsonl",
    "studied-h": ROOT / "eval" / "gold" / "studied-h-qa.jsonl",
    "heldout-j": ROOT / "eval" / "gold" / "heldout-j-qa.jsonl",
    "heldout-i": ROOT / "eval" / "gold" / "heldout-i-qa.jsonl",
    "heldout-k": ROOT / "eval" / "gold" / "heldout-k-qa.jsonl",
}
CASEBOOK = ROOT / "sources" / "casebooks" / "moin-casebook-2024.pdf"


def first_match(ranked: Sequence[str], evidence: Sequence[str]) -> int | None:
    """1-based rank of the first text matching the evidence, among the top 10."""
    from eval.metrics import passage_matches

    return next((r for r, t in enumerate(ranked[:10], 1) if passage_matches(t, evidence)), None)


def figures(ranks: Sequence[int | None]) -> tuple[float, float]:
    """(recall@5, MRR@10)."""
    n = len(ranks) or 1
    r5 = sum(1 for r in ranks if r is not None and r <= 5) / n
    mrr = sum(1.0 / r for r in ranks if r is not None and r <= 10) / n
    return r5, mrr


def page_bm25(pdf: Path) -> tuple[list[str], Callable[[str], list[str]]]:
    """Page texts and a ranker: question -> the top 10 pages' texts (score > 0)."""
    import bm25s
    from pypdf import PdfReader

    pages = [p.extract_text() or "" for p in PdfReader(pdf).pages]
    model = bm25s.BM25()
    model.index(bm25s.tokenize(pages, stopwords="en", show_progress=False), show_progress=False)

    def rank(question: str) -> list[str]:
        tokens = bm25s.tokenize([question], stopwords="en", show_progress=False)
        if not tokens.vocab:
            return []
        docs, scores = model.retrieve(tokens, k=min(10, len(pages)), show_progress=False)
        return [pages[d] for d, s in zip(docs[0], scores[0], strict=True) if s > 0]

    return pages, rank


def main() -> None:
    offline()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path)
    ap.add_argument("--pdf", type=Path, default=CASEBOOK)
    ap.add_argument(
        "--sets", default=",".join(SETS), help="comma-separated, of: " + ", ".join(SETS)
    )
    args = ap.parse_args()
    wanted = [s.strip() for s in args.sets.split(",") if s.strip()]
    unknown = set(wanted) - set(SETS)
    if unknown:
        ap.error(f"unknown sets {sorted(unknown)}; known: {', '.join(SETS)}")

    from eval.gold import load_gold
    from index.engine import SearchEngine
    from index.ingest import ingest
    from index.lexical import LexicalIndex, main_page
    from index.retrieve import DEFAULT_FUSION, RRF_FUSION

    index_dir = args.index or Path(tempfile.mkdtemp(prefix="casebook-pagebm25-"))
    if not (index_dir / "catalog.sqlite").exists():
        ingest([args.pdf], index_dir)
    pages, rank_pages = page_bm25(args.pdf)

    methods = (
        "page BM25",
        "hybrid",
        "hybrid as pages",
        "hybrid RRF",
        "dense",
        "BM25",
        "BM25 bare text",
    )
    print(f"{args.pdf.name}: recall@5 / MRR@10 over answerable questions")
    print(f"{'set':10s} {'n':>3s}  " + "  ".join(f"{m:>16s}" for m in methods), flush=True)
    table: dict[str, list[tuple[float, float]]] = {m: [] for m in methods}
    with SearchEngine.open(index_dir) as engine:

        def tool(question: str, mode: str, fusion: object = DEFAULT_FUSION) -> list[str]:
            engine.fusion = fusion  # type: ignore[assignment]
            return [h.chunk.text for h in engine.search(question, k=10, mode=mode)]  # type: ignore[arg-type]

        # the chunks' BM25 without the part title and section path above their text
        chunks = engine.index.chunks()
        bare = LexicalIndex.build([c.id for c in chunks], [c.text for c in chunks])
        text_of = {c.id: c.text for c in chunks}

        def as_pages(question: str) -> list[str]:
            """The hybrid ranking's pages, best first (PDF pages are 1-based)."""
            engine.fusion = DEFAULT_FUSION
            order: list[int] = []
            for h in engine.search(question, k=40):
                p = main_page(h.chunk)
                if p not in order:
                    order.append(p)
            return [pages[p - 1] for p in order[:10] if 0 < p <= len(pages)]

        runs: dict[str, Callable[[str], list[str]]] = {
            "page BM25": rank_pages,
            "hybrid": lambda q: tool(q, "hybrid"),
            "hybrid as pages": as_pages,
            "hybrid RRF": lambda q: tool(q, "hybrid", RRF_FUSION),
            "dense": lambda q: tool(q, "dense"),
            "BM25": lambda q: tool(q, "bm25"),
            "BM25 bare text": lambda q: [text_of[i] for i, _ in bare.search(q, 10)],
        }
        for name in wanted:
            path = SETS[name]
            if not path.exists():
                print(f"{name:10s}  (missing: {path})")
                continue
            items = [it for it in load_gold(path)[0] if it.answerable]
            cells = []
            for m in methods:
                r5, mrr = figures([first_match(runs[m](it.question), it.evidence) for it in items])
                table[m].append((r5, mrr))
                cells.append(f"{r5:.2f} / {mrr:.2f}")
            print(f"{name:10s} {len(items):3d}  " + "  ".join(f"{c:>16s}" for c in cells))
        cells = []
        for m in methods:
            r5s, mrrs = [a for a, _ in table[m]], [b for _, b in table[m]]
            cells.append(f"{max(r5s) - min(r5s):.2f} / {max(mrrs) - min(mrrs):.2f}" if r5s else "")
        print(f"{'spread':10s} {'':3s}  " + "  ".join(f"{c:>16s}" for c in cells))
        words = [len(c.text.split()) for c in chunks]
    # pages of text (a picture page prints only its running header: under 50 words)
    page_words = sorted(n for p in pages if (n := len(p.split())) >= 50)
    page = statistics.median(page_words)
    print(
        f"cited passages: at most {max(words)} words (median {statistics.median(words):.0f}); "
        f"a page of text: median {page:.0f} words; longest passage / median page: "
        f"{max(words) / page:.2f}"
    )


if __name__ == "__main__":
    main()
