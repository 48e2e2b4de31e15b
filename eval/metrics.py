"""Scoring against gold: answer checking and the metrics dict (passage matching is
``eval.matching``).

Pure functions, no I/O. The matching and scoring rules are those of the gold README
(``/work/shared/gold/README.md``, summarised in ``eval/gold/README.md``); where it
leaves a choice open, the choice is stated here next to the constant that holds it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eval.gold import GoldItem
from eval.matching import (  # noqa: F401  (re-exported: scoring reads passages by this rule)
    MATCH_THRESHOLD,
    Coverage,
    _tokens,
    best_coverage,
    normalise_tokens,
    passage_coverage,
    passage_matches,
)

# --------------------------------------------------------------------------------------
# Numbers, amounts, percentages
# --------------------------------------------------------------------------------------

REL_TOL = 0.001
"""Relative tolerance when comparing two values: |a - b| <= 0.1% of the larger.

It absorbs float noise and re-expression in another scale ("£1.35 billion" =
"£1,350 million", "£662m" = "£662.4m" at 0.06%) but not rounding to fewer
significant figures: "£0.66 billion" is 0.30% off "£662 million" and does NOT
match. (At 0.5% it would, which is why the tolerance is 0.1%.)

Whole-number counts without a currency or % sign ("4,095 units", "540 jobs") must
be equal: a count off by one is a wrong count, whatever its size.
"""

CURRENCY_SYMBOLS = {
    "us$": "USD",
    "a$": "AUD",
    "c$": "CAD",
    "nz$": "NZD",
    "r$": "BRL",
    "£": "GBP",
    "€": "EUR",
    "$": "USD",
    "¥": "JPY",
    "₹": "INR",
    "৳": "BDT",
    "tk": "BDT",
    "tk.": "BDT",
    "r": "ZAR",  # only directly before a digit, e.g. "R42 billion"
}
CURRENCY_WORDS = {
    "gbp": "GBP",
    "eur": "EUR",
    "usd": "USD",
    "zar": "ZAR",
    "bdt": "BDT",
    "cop": "COP",
    "inr": "INR",
    "jpy": "JPY",
    "rand": "ZAR",
    "pound": "GBP",
    "pounds": "GBP",
    "sterling": "GBP",
    "euro": "EUR",
    "euros": "EUR",
    "dollar": "USD",
    "dollars": "USD",
    "taka": "BDT",
    "peso": "COP",
    "pesos": "COP",
}
SCALES = {
    "thousand": 1e3,
    "k": 1e3,
    "lakh": 1e5,
    "million": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "crore": 1e7,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
}
_ONES = [
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen"),
    *("eighteen", "nineteen"),
]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_WORD_VALUE = {w: i for i, w in enumerate(_ONES)} | {w: 20 + 10 * i for i, w in enumerate(_TENS)}

_QUALIFIERS = (
    "more than",
    "over",
    "at least",
    "almost",
    "nearly",
    "about",
    "around",
    "approximately",
    "some",
    "up to",
    "less than",
    "under",
)

_PREFIX = (
    r"Tk\.?\s?(?=\d)|US\$|A\$|C\$|NZ\$|R\$|£|€|\$|¥|₹|৳|R(?=\d)"
    r"|(?:GBP|EUR|USD|ZAR|BDT|COP|INR|JPY)\s?"
)
_NUMBER = (
    r"\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)"  # 1,234,567.8
    r"|\d{1,3}(?:\.\d{3}){2,}(?!\d)"  # 1.234.567
    r"|\d+,\d{1,2}(?!\d)"  # decimal comma: 7,5
    r"|\d+(?:\.\d+)?"
    r"|\.\d+"
)
_SCALE = (
    r"\s*(?:thousand|million|billion|trillion|lakh|crore|mn|bn|tn)(?![^\W\d_])"
    r"|(?:k|m|b)(?![^\W\d_])"  # single letters only when attached: "£4.6m", "$30B"
)
_PERCENT = r"\s*(?:%|per\s?cent\b|pc\b)"
_SUFFIX = r"\s*(?:" + "|".join(sorted(CURRENCY_WORDS, key=len, reverse=True)) + r")\b"
_QUANTITY_RE = re.compile(
    rf"(?<![\w.,])(?P<cur>{_PREFIX})?(?P<num>{_NUMBER})(?P<scale>{_SCALE})?"
    rf"(?P<pct>{_PERCENT})?(?P<cur2>{_SUFFIX})?",
    re.IGNORECASE,
)
_THIN_GROUP_RE = re.compile(r"(?<=\d)[\u00a0\u2009\u202f](?=\d{3}(?!\d))")  # "7 500 000"
_RANGE_SEP_RE = re.compile(r"^\s*(?:-|–|—|to|until|and)\s*$", re.IGNORECASE)
_BETWEEN_RE = re.compile(r"\b(?:between|from)\s*$", re.IGNORECASE)
_QUALIFIER_RE = re.compile(r"\b(" + "|".join(_QUALIFIERS) + r")\s*$", re.IGNORECASE)

_W = r"(?:" + "|".join(_TENS) + r")(?:[- ](?:" + "|".join(_ONES[1:10]) + r"))?|" + "|".join(_ONES)
_WORD_NUMBER_RE = re.compile(rf"\b(?P<w>{_W})\b(?P<h>\s+hundred\b)?", re.IGNORECASE)
_FRACTION_RE = re.compile(
    r"\b(?:(?P<half>half)|(?:a\s+)?(?P<quarter>quarter)\s+of|(?:a\s+)?(?P<third>third)\s+of)"
    r"\s+an?\s+(?=thousand|million|billion|hundred)",
    re.IGNORECASE,
)
_A_SCALE_RE = re.compile(r"\b(?:an?|one)\s+(?=(?:thousand|million|billion|hundred)\b)", re.I)
_DOZEN_RE = re.compile(r"\ban?\s+dozen\b", re.IGNORECASE)


@dataclass(frozen=True)
class Money:
    """A figure read from text: a value or a range, with its currency or percent sign.

    Bare counts are ``Money`` without a currency (one type keeps comparison simple).
    ``qualifier`` ("over", "at least", ...) is kept for display but ignored when
    comparing: "over 100 million" and "100 million" state the same figure.
    """

    low: float
    high: float
    currency: str | None = None  # ISO 4217 code
    percent: bool = False
    qualifier: str | None = None
    text: str = ""

    @property
    def is_range(self) -> bool:
        return self.low != self.high


def _words_to_digits(text: str) -> str:
    """Rewrite number words as digits so one regex reads both ("three" -> "3")."""
    text = _DOZEN_RE.sub("12", text)
    text = _FRACTION_RE.sub(
        lambda m: "0.5 " if m["half"] else ("0.25 " if m["quarter"] else "0.333 "), text
    )
    text = _A_SCALE_RE.sub("1 ", text)

    def word(m: re.Match[str]) -> str:
        parts = re.split(r"[- ]", m["w"].lower())
        value = sum(_WORD_VALUE[p] for p in parts)
        return str(value * 100 if m["h"] else value)

    text = _WORD_NUMBER_RE.sub(word, text)
    return re.sub(r"\b(\d+)\s+hundred\b", lambda m: str(int(m[1]) * 100), text, flags=re.I)


def _number_value(raw: str) -> float:
    if re.fullmatch(r"\d+,\d{1,2}", raw):
        return float(raw.replace(",", "."))
    if re.fullmatch(r"\d{1,3}(?:\.\d{3}){2,}", raw):
        return float(raw.replace(".", ""))
    return float(raw.replace(",", ""))


@dataclass
class _Raw:
    start: int
    end: int
    value: float
    scale: float | None
    currency: str | None
    percent: bool
    qualifier: str | None


def _scan(text: str) -> list[_Raw]:
    found = []
    for m in _QUANTITY_RE.finditer(text):
        cur = None
        if m["cur"]:
            cur = CURRENCY_SYMBOLS.get(m["cur"].strip().lower()) or CURRENCY_WORDS.get(
                m["cur"].strip().lower()
            )
        if m["cur2"]:
            cur = cur or CURRENCY_WORDS[m["cur2"].strip().lower()]
        scale = SCALES[m["scale"].strip().lower()] if m["scale"] else None
        qual = _QUALIFIER_RE.search(text[max(0, m.start() - 20) : m.start()])
        found.append(
            _Raw(
                start=m.start(),
                end=m.end(),
                value=_number_value(m["num"]),
                scale=scale,
                currency=cur,
                percent=bool(m["pct"]),
                qualifier=qual[1].lower() if qual else None,
            )
        )
    return found


def parse_amount(text: str) -> list[Money]:
    """Every figure in ``text``, scale words applied and ranges joined.

    "£662 million" = "£662m" = "662,000,000 GBP"; "R7,5 billion" is 7.5e9 ZAR (a comma
    before one or two digits is a decimal comma); "£800 million - £1 billion" and
    "£1.6-2bn" are ranges (a missing scale, currency or % on the low end is taken
    from the high end); "three" is 3, "a quarter of a million" 250,000.
    """
    text = _THIN_GROUP_RE.sub("", text)  # before NFKC turns thin spaces into plain ones
    prepared = _words_to_digits(unicodedata.normalize("NFKC", text))
    raws = _scan(prepared)
    out: list[Money] = []
    i = 0
    while i < len(raws):
        lo = raws[i]
        hi = None
        if i + 1 < len(raws):
            between = prepared[lo.end : raws[i + 1].start]
            if _RANGE_SEP_RE.match(between) and (
                between.strip().lower() != "and" or _BETWEEN_RE.search(prepared[: lo.start])
            ):
                hi = raws[i + 1]
        if hi is None:
            v = lo.value * (lo.scale or 1)
            out.append(
                Money(v, v, lo.currency, lo.percent, lo.qualifier, prepared[lo.start : lo.end])
            )
            i += 1
            continue
        hi_v = hi.value * (hi.scale or 1)
        lo_v = lo.value * (lo.scale or 1)
        if lo.scale is None and hi.scale is not None and lo.value * hi.scale <= hi_v:
            lo_v = lo.value * hi.scale
        out.append(
            Money(
                min(lo_v, hi_v),
                max(lo_v, hi_v),
                lo.currency or hi.currency,
                lo.percent or hi.percent,
                lo.qualifier,
                prepared[lo.start : hi.end],
            )
        )
        i += 2
    return out


def values_close(a: float, b: float, rel_tol: float = REL_TOL) -> bool:
    """Equal within :data:`REL_TOL` of the larger magnitude."""
    return math.isclose(a, b, rel_tol=rel_tol, abs_tol=1e-9)


def _is_count(m: Money) -> bool:
    return m.currency is None and not m.percent and m.low.is_integer() and m.high.is_integer()


def money_matches(gold: Money, predicted: Money, *, need_percent: bool = False) -> bool:
    """Same value (or same range ends); currencies must agree when both state one."""
    if gold.currency and predicted.currency and gold.currency != predicted.currency:
        return False
    if (need_percent or gold.percent) and not predicted.percent:
        return False
    if _is_count(gold) and _is_count(predicted):
        return gold.low == predicted.low and gold.high == predicted.high
    return values_close(gold.low, predicted.low) and values_close(gold.high, predicted.high)


_YEAR_RE = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d|21\d\d)(?!\d)")


def years(text: str) -> set[int]:
    """Four-digit years (1500-2199) in ``text``."""
    return {int(y) for y in _YEAR_RE.findall(text)}


# --------------------------------------------------------------------------------------
# Answer correctness (README: "Scoring an answer")
# --------------------------------------------------------------------------------------


def contains_normalised(haystack: str, needle: str) -> bool:
    """Token-wise containment after the README normalisation ("70" is not in "170")."""
    h, n = _tokens(haystack), _tokens(needle)
    if not n:
        return False
    if len(n) > len(h):
        return False
    first = n[0]
    return any(h[i] == first and h[i : i + len(n)] == n for i in range(len(h) - len(n) + 1))


def _contains_any(predicted: str, item: GoldItem) -> bool:
    return any(contains_normalised(predicted, s) for s in (item.answer, *item.accept) if s)


def _values_match(gold_text: str, predicted: str, need_percent: bool) -> bool:
    """Every figure of the gold answer appears among the predicted figures."""
    gold_values = parse_amount(gold_text)
    if not gold_values:
        return False
    pred_values = parse_amount(predicted)
    return all(
        any(money_matches(g, p, need_percent=need_percent) for p in pred_values)
        for g in gold_values
    )


def _target_key_matches(gold_text: str, predicted: str) -> bool:
    """A target is right when its level (first non-year figure) and deadline year are given."""
    gold_years = years(gold_text)
    key = next(
        (
            m
            for m in parse_amount(gold_text)
            if not (m.low == m.high and int(m.low) in gold_years and m.low.is_integer())
        ),
        None,
    )
    if key is None:
        return False
    if not gold_years <= years(predicted):
        return False
    return any(money_matches(key, p) for p in parse_amount(predicted))


def answer_correct(gold_item: GoldItem, predicted_answer: str, abstained: bool) -> bool | None:
    """Right, wrong, or None when the README judges the type on retrieval only.

    Unanswerable: right iff abstained. ``text``/``list``: None. Amounts, numbers,
    percentages: when both sides state figures, every figure of the answer (or of one
    ``accept``) must be among the predicted ones (within :data:`REL_TOL`, currency
    equal when both state one, % required for percent questions); otherwise
    normalised containment of the answer or an ``accept``. Dates: containment, else the
    gold years must all be stated. Actors, places, targets: containment; targets also
    when the key figure and the year are stated.
    """
    if not gold_item.answerable:
        return abstained
    kind = gold_item.answer_type
    if kind in ("text", "list"):
        return None
    if abstained or not predicted_answer.strip():
        return False
    if kind in ("amount", "number", "percent"):
        # Figures on both sides decide; containment is the fallback when either has none,
        # so "€662 million" is not right for "£662 million" merely by containing "662 million".
        golds = [g for g in (gold_item.answer, *gold_item.accept) if g and parse_amount(g)]
        if golds and parse_amount(predicted_answer):
            need_percent = kind == "percent"
            return any(_values_match(g, predicted_answer, need_percent) for g in golds)
        return _contains_any(predicted_answer, gold_item)
    if _contains_any(predicted_answer, gold_item):
        return True
    if kind == "date":
        gold_years = years(gold_item.answer)
        return bool(gold_years) and gold_years <= years(predicted_answer)
    if kind == "target":
        return _target_key_matches(gold_item.answer, predicted_answer)
    return False  # actor, place: containment only


# --------------------------------------------------------------------------------------
# The metrics dict
# --------------------------------------------------------------------------------------

RECALL_KS = (1, 3, 5, 10)
HEADLINE = (
    "recall@1",
    "recall@3",
    "recall@5",
    "recall@10",
    "mrr@10",
    "returned_recall@1",
    "returned_mrr@10",
    "page_accuracy",
    "answer_accuracy",
    "abstention_precision",
    "abstention_recall",
    "abstention_f1",
    "answerable_abstained",
    "latency_p50_ms",
    "latency_p95_ms",
)
LOWER_IS_BETTER = frozenset({"answerable_abstained", "latency_p50_ms", "latency_p95_ms"})
_PASSAGE_TEXT_CHARS = 1500  # passages kept per question for the report, cut to this


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 4) if den else None


def _percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default), without importing numpy."""
    if not values:
        return None
    s = sorted(values)
    pos = (len(s) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return round(s[lo] + (s[hi] - s[lo]) * (pos - lo), 1)


def summarise(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Headline metrics over per-question rows (as made by :func:`evaluate`)."""
    answerable = [r for r in rows if r["answerable"]]
    out: dict[str, Any] = {"n": len(rows), "n_answerable": len(answerable)}
    for at in RECALL_KS:
        hits = sum(1 for r in answerable if r["rank"] is not None and r["rank"] <= at)
        out[f"recall@{at}"] = _ratio(hits, len(answerable))
    rr = sum(1 / r["rank"] for r in answerable if r["rank"] is not None and r["rank"] <= 10)
    out["mrr@10"] = _ratio(rr, len(answerable))
    # the same in the order ask returns the passages (the answer's passage first)
    ret = [r.get("returned_rank", r["rank"]) for r in answerable]
    out["returned_recall@1"] = _ratio(sum(1 for x in ret if x == 1), len(answerable))
    out["returned_mrr@10"] = _ratio(
        sum(1 / x for x in ret if x is not None and x <= 10), len(answerable)
    )
    paged = [r for r in answerable if r["page_ok"] is not None]
    out["page_accuracy"] = _ratio(sum(r["page_ok"] for r in paged), len(paged))
    judged = [r for r in answerable if r["answer_ok"] is not None]
    out["answer_accuracy"] = _ratio(sum(r["answer_ok"] for r in judged), len(judged))
    tp = sum(1 for r in rows if r["abstained"] and not r["answerable"])
    fp = sum(1 for r in rows if r["abstained"] and r["answerable"])
    fn = sum(1 for r in rows if not r["abstained"] and not r["answerable"])
    tn = len(rows) - tp - fp - fn
    out["abstention_precision"] = _ratio(tp, tp + fp)
    out["abstention_recall"] = _ratio(tp, tp + fn)
    out["abstention_f1"] = _ratio(2 * tp, 2 * tp + fp + fn)
    # The other side of abstaining: the share of answerable questions left unanswered.
    out["answerable_abstained"] = _ratio(fp, len(answerable))
    out["abstention_counts"] = {"tp": tp, "fp": fp, "fn": fn, "tn": tn}
    lat = [r["latency_ms"] for r in rows if r["latency_ms"] is not None]
    out["latency_p50_ms"] = _percentile(lat, 50)
    out["latency_p95_ms"] = _percentile(lat, 95)
    return out


def _group(rows: Sequence[Mapping[str, Any]], key: str) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[str(r[key])].append(r)
    return {name: summarise(members) for name, members in sorted(groups.items())}


def _align(gold_items: Sequence[GoldItem], answers: Sequence[Mapping[str, Any]]) -> list[int]:
    """Index into ``answers`` per gold item: by id when the ids cover the gold, else by position."""
    by_id: dict[Any, int] = {}
    for i, a in enumerate(answers):
        if a.get("id") is not None:
            by_id.setdefault(a["id"], i)
    if by_id and all(g.id in by_id for g in gold_items):
        return [by_id[g.id] for g in gold_items]
    if len(answers) != len(gold_items):
        raise ValueError(
            f"{len(answers)} answers for {len(gold_items)} gold questions, "
            "and the answers' ids do not cover the gold ids"
        )
    return list(range(len(answers)))


def _ordered_passages(
    answer: Mapping[str, Any], k: int, key: str = "rank"
) -> list[Mapping[str, Any]]:
    """The top ``k`` passages as returned (``rank``) or as the retriever ranked them
    (``retrieval_rank``, which falls back to ``rank`` when absent)."""
    passages = list(answer.get("passages") or [])
    if all(isinstance(p.get(key, p.get("rank")), int | float) for p in passages):
        passages.sort(key=lambda p: p.get(key, p.get("rank")))  # stable: ties keep order
    return passages[:k]


def _page_str(label: Any) -> str:
    return "?" if label is None else str(label)


def _explain(
    item: GoldItem,
    *,
    k: int,
    n_passages: int,
    rank: int | None,
    best: float,
    citations: Sequence[Mapping[str, Any]],
    page_ok: bool | None,
    abstained: bool,
    answer_ok: bool | None,
    gold_pages: Sequence[str],
) -> str:
    """A short reason for each way a question was missed ("" when nothing was)."""
    why: list[str] = []
    if not item.answerable:
        return "" if abstained else "answered unanswerable question"
    if not n_passages:
        why.append("no passages retrieved")
    elif rank is None:
        why.append(f"evidence not in top {k}; best passage matched {best:.0%} of quote tokens")
    if page_ok is False:
        gold_p = ", ".join(gold_pages)
        first = _page_str(citations[0].get("page_label")) if citations else None
        if first is None:
            why.append(f"no citation (evidence on p. {gold_p})")
        elif rank is not None:
            why.append(
                f"right passage at rank {rank} but first citation on p. {first}, "
                f"evidence on p. {gold_p}"
            )
        else:
            why.append(f"first citation on p. {first}, evidence on p. {gold_p}")
    if abstained:
        why.append("abstained on answerable question")
    elif answer_ok is False:
        why.append(f"wrong answer: expected {item.answer!r}")
    return "; ".join(why)


def _question_row(
    item: GoldItem, answer: Mapping[str, Any], latency_ms: float | None, k: int, layout: str
) -> dict[str, Any]:
    passages = _ordered_passages(answer, k)
    retrieved = _ordered_passages(answer, k, "retrieval_rank")
    abstained = bool(answer.get("abstained", False))
    predicted = str(answer.get("answer") or "")
    citations = list(answer.get("citations") or [])
    quotes = [_tokens(q) for q in item.evidence] if item.answerable else []
    # each passage of either top k, judged once (a passage the reader moved below k may be
    # in the retriever's top k)
    judged: dict[int, tuple[bool, float]] = {}
    for p in (*passages, *retrieved):
        if id(p) not in judged:
            covs = [best_coverage(q, _tokens(str(p.get("text") or ""))) for q in quotes]
            judged[id(p)] = (
                any(c.matches for c in covs),
                max((c.coverage for c in covs), default=0.0),
            )
    best = max((judged[id(p)][1] for p in passages), default=0.0)
    # retrieval is scored in the retriever's order; the order returned (the answer's
    # passage first) is scored apart, so that retrievers stay comparable
    rank = next((pos for pos, p in enumerate(retrieved, 1) if judged[id(p)][0]), None)
    returned_rank = next((pos for pos, p in enumerate(passages, 1) if judged[id(p)][0]), None)
    kept = [
        {
            "rank": pos,
            "retrieval_rank": p.get("retrieval_rank", pos),
            "score": p.get("score"),
            "case": p.get("case"),
            "section": p.get("section"),
            "page_labels": p.get("page_labels"),
            "matched": judged[id(p)][0],
            "coverage": round(judged[id(p)][1], 3),
            "text": str(p.get("text") or "")[:_PASSAGE_TEXT_CHARS],
        }
        for pos, p in enumerate(passages, start=1)
    ]
    gold_pages = item.page_labels(layout)
    page_ok = None
    if item.answerable and gold_pages:
        page_ok = bool(citations) and _page_str(citations[0].get("page_label")) in gold_pages
    answer_ok = answer_correct(item, predicted, abstained)
    why = _explain(
        item,
        k=k,
        n_passages=len(passages),
        rank=rank,
        best=best,
        citations=citations,
        page_ok=page_ok,
        abstained=abstained,
        answer_ok=answer_ok,
        gold_pages=gold_pages,
    )
    return {
        "id": item.id,
        "question": item.question,
        "style": item.style,
        "case_id": item.case_id,
        "answer_type": item.answer_type,
        "answerable": item.answerable,
        "gold_answer": item.answer,
        "gold_pages": gold_pages,
        "predicted_answer": predicted,
        "abstained": abstained,
        "rank": rank,
        "returned_rank": returned_rank,
        "best_coverage": round(best, 3),
        "page_ok": page_ok,
        "answer_ok": answer_ok,
        "first_citation_page": citations[0].get("page_label") if citations else None,
        "latency_ms": None if latency_ms is None else round(latency_ms, 1),
        "why": why,
        "passages": kept,
    }


def evaluate(
    gold_items: Sequence[GoldItem],
    answers: Sequence[Mapping[str, Any]],
    latencies_ms: Sequence[float] | None = None,
    k: int = 10,
    *,
    layout: str = "print",
) -> dict[str, Any]:
    """Score answers against gold; one JSON-able dict for the report and regression checks.

    ``answers`` are ``Answer.to_dict()`` dicts, matched to gold by ``id`` (or by
    position when ids are absent); ``latencies_ms`` follows the order of ``answers``.
    Retrieval and page metrics use answerable questions only; unanswerable ones
    count in the abstention metrics. ``layout`` picks ``evidence_pages[layout]``.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if latencies_ms is not None and len(latencies_ms) != len(answers):
        raise ValueError(f"{len(latencies_ms)} latencies for {len(answers)} answers")
    rows = [
        _question_row(g, answers[i], None if latencies_ms is None else latencies_ms[i], k, layout)
        for g, i in zip(gold_items, _align(gold_items, answers), strict=True)
    ]
    metrics = summarise(rows)
    del metrics["n"]
    metrics.update(
        {
            "k": k,
            "layout": layout,
            "n_questions": len(rows),
            "by_case": _group(rows, "case_id"),
            "by_style": _group(rows, "style"),
            "by_answer_type": _group(rows, "answer_type"),
            "questions": rows,
        }
    )
    return metrics


def compare(
    a: Mapping[str, Any], b: Mapping[str, Any], names: Iterable[str] = HEADLINE
) -> list[tuple[str, float | None, float | None, float | None]]:
    """Headline metrics of two runs side by side: (name, a, b, b - a); None when missing."""
    out = []
    for name in names:
        va, vb = a.get(name), b.get(name)
        delta = round(vb - va, 4) if va is not None and vb is not None else None
        out.append((name, va, vb, delta))
    return out


def regressions(
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    *,
    tolerance: float = 0.0,
    names: Iterable[str] = HEADLINE,
) -> list[str]:
    """Names of headline metrics that got worse from ``a`` to ``b`` by more than tolerance.

    Latencies are always left out: they vary with the machine, not the code.
    """
    worse = []
    for name, _va, _vb, delta in compare(a, b, names):
        if delta is None or name in LOWER_IS_BETTER:
            continue
        if delta < -tolerance:
            worse.append(name)
    return worse
