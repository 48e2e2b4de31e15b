"""Where the answer stage loses right answers that retrieval already delivered (an oracle).

    python bench/answer_oracle.py --index DIR --gold eval/gold/dev-qa.jsonl [--gold ...]
        [--pool-index DIR ...] [--per-group 60] [--model FILE] [-v]

For each answerable question every candidate the answer stage scored is judged with the
eval's own rule (``eval.metrics.answer_correct``), which tells where the right answer was
lost:

- ``right``: the answer is right;
- ``retrieval``: no passage read (top 7) holds the evidence and no candidate is right;
- ``candidates``: the evidence was read but no candidate is right (split by what the gold
  answer looks like: a year range, a figure with a qualifier, a list, a phrase, …; and
  ``typing`` when the question was read as another type than the answer's);
- ``rank/sentence``, ``rank/passage``, ``rank/other``: a right candidate exists and ranks
  below another, from the same sentence, another sentence of the same passage, or another
  passage;
- ``abstained``: the chosen candidate is right but the answer abstained.

Page accuracy: of the right answers, how many cite first a page that is not an evidence
page, and of those, how many have the same value stated on an evidence page among the
candidates (``page/elsewhere``).

``--pool-index`` runs the same on the questions ``bench/train_answers.py`` generates
(its held-out fifth only: out of sample for the shipped model), the label being the fact's
span. Gold sets are read for their counts only (``-v`` lists the studied sets' misses to
read for kinds; never run it on a held-out set).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from casebook.config import offline  # noqa: E402

offline()

from eval.gold import load_gold  # noqa: E402
from eval.matching import passage_matches  # noqa: E402
from eval.metrics import answer_correct  # noqa: E402
from qa import scorer  # noqa: E402
from qa.answer import answer_question  # noqa: E402
from qa.candidates import PASSAGES_READ, TYPED, span_text, target_clause  # noqa: E402
from qa.engine import Engine  # noqa: E402
from qa.question import question_type  # noqa: E402

CLASSES = (
    "right",
    "retrieval",
    "candidates",
    "rank/sentence",
    "rank/passage",
    "rank/other",
    "abstained",
)


def cand_text(kind: str, c) -> str:
    """The answer a candidate would give (as ``qa.answer`` says it)."""
    if kind in TYPED:
        return span_text(kind, c.sentence.text, c.span)
    if kind == "target":
        return target_clause(c.sentence.text)
    return c.sentence.text


def gold_shape(answer: str, kind: str) -> str:
    """What a gold answer looks like, to name a candidate gap's kind (read off its form)."""
    a = answer.strip()
    if re.search(r"\b(?:19|20)\d\d\s*(?:-|–|—|to)\s*(?:19|20)?\d\d\b", a):
        return "year-range"
    if kind in ("amount", "number", "percent"):
        if not re.search(r"\d", a):
            return "figure-in-words"
        if len(a.split()) > 3:
            return "figure+phrase"
        return "figure"
    if kind == "date":
        return "date-with-month" if re.search(r"[A-Za-z]{3,}", a) else "date"
    if re.search(r",| and | & ", a):
        return "list"
    if kind in ("actor", "place"):
        return "name-lower" if a[:1].islower() else "name"
    return "phrase"


def chosen_first(kind: str, trace: list) -> list:
    """The candidates in the order ``qa.answer`` ranks them (the chosen one first)."""
    return sorted(trace, key=lambda c: (-round(c.score, 6), -(c.span[1] - c.span[0])))


def _bucket(rank: int) -> str:
    """Where the first right candidate stands when another was chosen: 2, 3-5 or 6+."""
    return "2" if rank == 2 else "3-5" if rank <= 5 else "6+"


def where(top, right) -> str:
    """Where the chosen (wrong) candidate stands from the best right one."""
    if top.sentence is right.sentence:
        return "rank/sentence"
    if top.sentence.hit.chunk.id == right.sentence.hit.chunk.id:
        return "rank/passage"
    return "rank/other"


def lost(ranked: list, oks: list, read: bool, counts: Counter) -> str:
    """Why no right answer was chosen: a right candidate ranked lower (and where), the
    evidence never read, or no right candidate among those read."""
    if any(oks):
        counts[f"right-at:{_bucket(oks.index(True) + 1)}"] += 1
        return where(ranked[0], ranked[oks.index(True)])
    return "candidates" if read else "retrieval"


def answered(engine: Engine, question: str, model: scorer.Model | None) -> tuple[list, Any, list]:
    """The hits, the answer and every scored candidate of one question."""
    hits = engine.search(question, 10)
    trace: list = []
    ans = answer_question(
        question, hits, embedder=engine.embedder, index=engine.index, trace=trace, model=model
    )
    return hits, ans, trace


def classify_gold(
    engine: Engine, items, layout: str, verbose: bool, model: scorer.Model | None = None
) -> tuple[Counter, list]:
    counts: Counter = Counter()
    notes = []
    for it in items:
        if it.answerable and it.answer_type in ("text", "list"):
            continue
        hits, ans, trace = answered(engine, it.question, model)
        if not it.answerable:
            counts["unanswerable"] += 1
            counts["unanswerable-abstained"] += ans.abstained
            continue
        kind = ans.answer_type
        ranked = chosen_first(kind, trace)
        oks = [bool(answer_correct(it, cand_text(kind, c), False)) for c in ranked]
        read = any(passage_matches(h.chunk.text, it.evidence) for h in hits[:PASSAGES_READ])
        right = bool(answer_correct(it, ans.answer, ans.abstained))
        if right:
            cls = "right"
        elif oks and oks[0]:
            cls = "abstained"
        else:
            cls = lost(ranked, oks, read, counts)
        if cls == "candidates":
            shape = gold_shape(it.answer, it.answer_type)
            typing = kind != it.answer_type and not (
                {kind, it.answer_type} <= {"amount", "number", "percent"}
                or {kind, it.answer_type} <= {"actor", "place"}
            )
            counts["candidates:" + ("typing" if typing else shape)] += 1
        counts[cls] += 1
        if right:
            pages = it.page_labels(layout)
            first = ans.citations[0].page_label if ans.citations else None
            if pages and str(first) not in pages:
                counts["page/miss"] += 1
                same = [
                    c
                    for c, ok in zip(ranked, oks, strict=True)
                    if ok and str(c.sentence.hit.chunk.page_at(c.sentence.start)[1]) in pages
                ]
                if same:
                    counts["page/elsewhere"] += 1
                if verbose:
                    notes.append(
                        f"{it.id} [page] first={first} gold={pages} "
                        f"ranks={[i for i, c in enumerate(ranked) if c in same]}"
                    )
        if verbose and cls != "right":
            top = cand_text(kind, ranked[0]) if ranked else ""
            notes.append(f"{it.id} [{cls}] {kind}/{it.answer_type} gold={it.answer!r} top={top!r}")
    return counts, notes


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def classify_pool(
    indexes: list[Path], per_group: int, seed: int, model: scorer.Model | None = None
) -> Counter:
    """The same classes on train_answers.py's generated pool (held-out fifth)."""
    sys.path.insert(0, str(ROOT / "bench"))
    import train_answers as ta

    items = [it for it in ta.build_pool(indexes, per_group, seed) if ta.held_out(it)]
    counts: Counter = Counter()
    engines = {p.name: Engine.open(p) for p in indexes}
    try:
        for it in items:
            engine = engines[it.fact.group]
            hits, ans, trace = answered(engine, it.question, model)
            if not it.answerable:
                counts["unanswerable"] += 1
                counts["unanswerable-abstained"] += ans.abstained
                continue
            ranked = chosen_first(question_type(it.question), trace)
            oks = [bool(x) for x in ta.label(it, ranked)]
            read = any(h.chunk.id == it.fact.chunk_id for h in hits[:PASSAGES_READ])
            f = it.fact
            fact = _norm(f.sentence[f.span[0] - f.sent_start : f.span[1] - f.sent_start])
            if ranked and not oks[0] and fact and _norm(ranked[0].text) == fact:
                oks[0] = 1  # the same value, stated in another sentence: right too
                counts["same-value-elsewhere"] += 1
            if oks and oks[0]:
                cls = "abstained" if ans.abstained else "right"
            else:
                cls = lost(ranked, oks, read, counts)
            counts[cls] += 1
            counts[f"{cls}@{it.fact.kind}"] += 1
    finally:
        for e in engines.values():
            e.close()
    return counts


def table(name: str, counts: Counter) -> str:
    n = sum(counts[c] for c in CLASSES)
    cells = " ".join(f"{c}={counts[c]}" for c in CLASSES)
    extra = " ".join(
        f"{k}={v}" for k, v in sorted(counts.items()) if ":" in k or "/" in k[:5] or "-" in k
    )
    head = f"{name:28} n={n:3d} acc={counts['right'] / max(n, 1):.2f}"
    if counts["unanswerable"]:
        recall = counts["unanswerable-abstained"] / counts["unanswerable"]
        head += f" abstention recall={recall:.2f} (of {counts['unanswerable']})"
    return f"{head}  {cells}\n    {extra}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, help="the index the gold sets are asked of")
    ap.add_argument("--gold", type=Path, action="append", default=[])
    ap.add_argument("--layout", default="print", help="the gold's evidence-page layout")
    ap.add_argument("--pool-index", type=Path, action="append", default=[])
    ap.add_argument("--per-group", type=int, default=60)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--json", type=Path, help="write the counts here")
    ap.add_argument("--model", type=Path, help="an answer model file (default: the shipped one)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    model = scorer.load(str(args.model)) if args.model else None
    out: dict[str, dict] = {}
    if args.gold and args.index:
        with Engine.open(args.index) as engine:
            for g in args.gold:
                items, _ = load_gold(g)
                counts, notes = classify_gold(engine, items, args.layout, args.verbose, model)
                out[g.name] = dict(counts)
                print(table(g.name, counts))
                for line in notes:
                    print("   ", line)
    if args.pool_index:
        counts = classify_pool(args.pool_index, args.per_group, args.seed, model)
        out["pool"] = dict(counts)
        print(table("pool (held-out fifth)", counts))
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
