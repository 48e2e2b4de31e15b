"""Metrics on tiny hand-made cases whose right values are known."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from eval.gold import GoldItem, load_gold
from eval.metrics import (
    HEADLINE,
    REL_TOL,
    answer_correct,
    compare,
    evaluate,
    normalise_tokens,
    parse_amount,
    passage_matches,
    regressions,
)
from eval.report import fmt, render_terminal, write_report

DEV_GOLD = Path(__file__).resolve().parents[1] / "eval" / "gold" / "dev-qa.jsonl"
FILLER = "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor. "


def gold(
    answer: str = "x",
    answer_type: str = "text",
    *,
    id: str = "g1",
    evidence: list[str] | None = None,
    accept: list[str] | None = None,
    case_id: str = "c1",
    style: str = "lexical",
    pages: list[str] | None = None,
) -> GoldItem:
    if evidence is None:
        evidence = [] if answer_type == "none" else ["alpha beta gamma delta epsilon"]
    labels = pages if pages is not None else ([] if answer_type == "none" else ["16"])
    return GoldItem.model_validate(
        {
            "id": id,
            "question": f"question {id}?",
            "answer": answer,
            "answer_type": answer_type,
            "accept": accept or [],
            "case_id": case_id,
            "evidence": evidence,
            "style": style,
            "evidence_pages": {
                "print": {"pdf_pages": [int(p) for p in labels], "page_labels": labels}
            },
        }
    )


def answer(
    id: str,
    passages: list[str],
    *,
    text: str = "",
    abstained: bool = False,
    cite_page: str | None = "16",
) -> dict[str, Any]:
    citations = (
        []
        if cite_page is None
        else [
            {
                "document": "D",
                "sha256": "s",
                "case": "c",
                "section": "s",
                "page_label": cite_page,
                "pdf_page": 1,
                "quote": "q",
            }
        ]
    )
    return {
        "id": id,
        "question": "?",
        "answer": text,
        "abstained": abstained,
        "answer_type": "text",
        "citations": citations,
        "passages": [
            {"rank": r, "score": 1 / r, "text": t, "case": "c", "page_labels": ["16"]}
            for r, t in enumerate(passages, start=1)
        ],
    }


# --- normalisation and passage matching ------------------------------------------------


def test_normalise_tokens_nfkc_lower_and_separators() -> None:
    assert normalise_tokens("185,000 – 225,000 tCO₂e (Ⅸ)") == [
        "185",
        "000",
        "225",
        "000",
        "tco2e",
        "ix",
    ]
    assert normalise_tokens("Metròpolis_BCN") == ["metròpolis", "bcn"]


def test_passage_matches_at_exactly_60_percent_and_not_at_59() -> None:
    quote = [f"w{i}" for i in range(100)]
    q = " ".join(quote)
    assert passage_matches(FILLER + " ".join(quote[:60]) + " " + FILLER, [q])
    assert not passage_matches(FILLER + " ".join(quote[:59]) + " " + FILLER, [q])
    # 60 tokens present but split in two runs of 30: no match (the run must be contiguous)
    split = " ".join(quote[:30]) + " zz " + " ".join(quote[30:60])
    assert not passage_matches(split, [q])


def test_passage_matches_any_quote_and_ignores_case_and_punctuation() -> None:
    quotes = ["nothing like this here at all", "The Bank committed £662 million, in total."]
    assert passage_matches("... the bank COMMITTED £662-million in total!", quotes)
    assert not passage_matches("", quotes)
    assert not passage_matches("some text", [])


def test_three_of_five_tokens_is_sixty_percent() -> None:
    assert passage_matches("b c d", ["a b c d e"])  # 3/5 exactly: no float rounding
    assert not passage_matches("b c", ["a b c d e"])


# --- retrieval metrics -----------------------------------------------------------------


def test_hit_at_rank_3_gives_mrr_one_third() -> None:
    g = gold(evidence=["alpha beta gamma delta epsilon"])
    a = answer("g1", [FILLER, FILLER, "x alpha beta gamma delta epsilon y", FILLER])
    m = evaluate([g], [a], [10.0])
    assert m["recall@1"] == 0
    assert m["recall@3"] == 1
    assert m["recall@5"] == 1
    assert m["mrr@10"] == pytest.approx(1 / 3, abs=1e-4)
    assert m["questions"][0]["rank"] == 3


def test_miss_explains_best_coverage_and_page() -> None:
    g = gold(evidence=["a b c d e f g h i j"], pages=["16"])
    a = answer("g1", ["a b c d x"], cite_page="15")
    m = evaluate([g], [a], [1.0])
    row = m["questions"][0]
    assert row["rank"] is None and row["page_ok"] is False
    assert "evidence not in top 10; best passage matched 40% of quote tokens" in row["why"]
    assert "first citation on p. 15, evidence on p. 16" in row["why"]


def test_right_passage_wrong_page_is_explained() -> None:
    g = gold(evidence=["a b c d e"], pages=["16"])
    passages = [FILLER] * 6 + ["a b c d e"]
    m = evaluate([g], [answer("g1", passages, cite_page="15")], [1.0])
    assert (
        "right passage at rank 7 but first citation on p. 15, evidence on p. 16"
        in (m["questions"][0]["why"])
    )
    assert m["page_accuracy"] == 0


def test_passages_are_ordered_by_rank_and_cut_at_k() -> None:
    g = gold(evidence=["a b c d e"])
    a = answer("g1", [FILLER, "a b c d e"])
    a["passages"].reverse()  # given out of order: rank 2 first
    assert evaluate([g], [a], [1.0])["questions"][0]["rank"] == 2
    assert evaluate([g], [a], [1.0], k=1)["recall@1"] == 0


def test_retrieval_is_scored_in_the_retrievers_order_and_the_returned_order_apart() -> None:
    # the reader moved the retriever's third passage (the evidence) to the top
    g = gold(evidence=["alpha beta gamma delta epsilon"])
    a = answer("g1", ["x alpha beta gamma delta epsilon y", FILLER, FILLER, FILLER])
    for p, was in zip(a["passages"], (3, 1, 2, 4), strict=True):
        p["retrieval_rank"] = was
    m = evaluate([g], [a], [1.0])
    assert (m["recall@1"], m["mrr@10"]) == (0, pytest.approx(1 / 3, abs=1e-4))
    assert (m["returned_recall@1"], m["returned_mrr@10"]) == (1, 1)
    row = m["questions"][0]
    assert (row["rank"], row["returned_rank"]) == (3, 1)
    # the reader moved the retriever's 5th passage (the evidence) to 6th: still found at 5
    c = answer("g1", [FILLER] * 5 + ["x alpha beta gamma delta epsilon y"])
    for p, was in zip(c["passages"], (1, 2, 3, 4, 6, 5), strict=True):
        p["retrieval_rank"] = was
    m = evaluate([g], [c], [1.0], k=5)
    assert (m["recall@5"], m["questions"][0]["returned_rank"]) == (1, None)
    # no retrieval_rank (older answers, other tools): both orders are the returned one
    b = answer("g1", [FILLER, "x alpha beta gamma delta epsilon y"])
    m = evaluate([g], [b], [1.0])
    assert m["mrr@10"] == m["returned_mrr@10"] == 0.5


def test_answers_are_matched_by_id_and_unanswerable_left_out_of_retrieval() -> None:
    g1 = gold(id="a", evidence=["a b c d e"])
    g2 = gold(id="b", answer="", answer_type="none")
    answers = [answer("b", [FILLER], abstained=True), answer("a", ["a b c d e"])]
    m = evaluate([g1, g2], answers, [5.0, 7.0])
    assert m["recall@1"] == 1 and m["n_questions"] == 2
    assert [q["latency_ms"] for q in m["questions"]] == [7.0, 5.0]


# --- abstention ------------------------------------------------------------------------


def test_abstention_precision_recall_f1_on_a_2x2() -> None:
    # gold unanswerable: u1 u2 u3; answerable: a1 a2 a3 a4.
    # tool abstains on u1 u2 (TP=2), a1 (FP=1); answers u3 (FN=1); TN = a2 a3 a4 = 3.
    items = [gold(id=f"u{i}", answer="", answer_type="none") for i in (1, 2, 3)] + [
        gold(id=f"a{i}", evidence=["a b c d e"]) for i in (1, 2, 3, 4)
    ]
    abstain = {"u1", "u2", "a1"}
    answers = [answer(g.id, ["a b c d e"], abstained=g.id in abstain) for g in items]
    m = evaluate(items, answers, [1.0] * len(items))
    assert m["abstention_counts"] == {"tp": 2, "fp": 1, "fn": 1, "tn": 3}
    assert m["abstention_precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["abstention_recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["abstention_f1"] == pytest.approx(2 / 3, abs=1e-4)
    assert m["answerable_abstained"] == 0.25  # a1 of a1..a4
    rows = {q["id"]: q for q in m["questions"]}
    assert rows["u3"]["why"] == "answered unanswerable question"
    assert "abstained on answerable question" in rows["a1"]["why"]


# --- numbers and amounts ---------------------------------------------------------------


def one(text: str) -> tuple[float, float, str | None, bool]:
    (m,) = parse_amount(text)
    return (m.low, m.high, m.currency, m.percent)


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("£662 million", 662e6, "GBP"),
        ("£662m", 662e6, "GBP"),
        ("662,000,000 GBP", 662e6, "GBP"),
        ("R7,5 billion", 7.5e9, "ZAR"),
        ("7.5 billion rand", 7.5e9, "ZAR"),
        ("R7.5bn", 7.5e9, "ZAR"),
        ("€1.35 billion", 1.35e9, "EUR"),
        ("$30 billion", 30e9, "USD"),
        ("R42 billion", 42e9, "ZAR"),
        ("over 100 million", 100e6, None),
        ("3 thousand", 3e3, None),
        ("5k", 5e3, None),
        ("2 mn", 2e6, None),
        ("1 trillion", 1e12, None),
        ("three", 3, None),
        ("twenty-five", 25, None),
        ("a quarter of a million", 250_000, None),
    ],
)
def test_parse_amount_values(text: str, value: float, currency: str | None) -> None:
    low, high, cur, _ = one(text)
    assert low == pytest.approx(value) and high == pytest.approx(value)
    assert cur == currency


def test_parse_amount_percent_qualifier_and_counts() -> None:
    assert one("35.3%")[0] == pytest.approx(35.3) and one("35.3%")[3]
    assert one("70 per cent")[3]
    assert parse_amount("over 1.7 million")[0].qualifier == "over"
    assert [m.low for m in parse_amount("three national and three city governments")] == [3, 3]
    assert parse_amount("tCO2e emissions") == []  # digits inside a word are not figures


def test_parse_amount_ranges() -> None:
    assert one("£800 million - £1 billion") == (800e6, 1e9, "GBP", False)
    assert one("£800m to £1bn") == (800e6, 1e9, "GBP", False)
    assert one("£1.6-2 billion") == (pytest.approx(1.6e9), 2e9, "GBP", False)
    assert one("between 10 and 15%") == (10, 15, None, True)
    assert one("500,000 to 1 million")[:2] == (500_000, 1e6)  # scale not copied past the high end


def test_range_answers_need_both_ends() -> None:
    g = gold("£800 million - £1 billion", "amount")
    assert answer_correct(g, "between £0.8bn and £1,000 million", False)
    assert not answer_correct(g, "£800 million", False)
    assert not answer_correct(g, "£800 million - £1.2 billion", False)


def test_tolerance_admits_rescaling_not_rounding() -> None:
    """REL_TOL is 0.1%: re-expressed figures match, figures rounded to 2 digits do not."""
    assert REL_TOL == 0.001
    g = gold("£662 million", "amount")
    assert answer_correct(g, "£0.662 billion", False)  # exact
    assert answer_correct(g, "£662.5m", False)  # 0.08% off: admitted
    assert not answer_correct(g, "£0.66 billion", False)  # 0.30% off: not admitted
    assert not answer_correct(g, "£663m", False)  # 0.15% off
    assert not answer_correct(g, "€662 million", False)  # currencies differ
    assert answer_correct(g, "662 million", False)  # no currency stated: value decides


def test_counts_must_be_exact() -> None:
    g = gold("4,095 units", "number")
    assert answer_correct(g, "4095", False)
    assert not answer_correct(g, "4,094 units", False)
    assert not answer_correct(g, "14,095", False)


def test_decimal_comma_amount_answer() -> None:
    g = gold("R7.5 billion", "amount")
    assert answer_correct(g, "R7,5 billion", False)
    assert answer_correct(g, "7 500 000 000 rand".replace(" ", "\u202f", 3), False)
    assert not answer_correct(g, "R7 billion", False)


def test_number_words_and_percent() -> None:
    assert answer_correct(gold("three national and three city", "number"), "3 and 3", False)
    p = gold("70%", "percent")
    assert answer_correct(p, "seventy per cent", False)
    assert not answer_correct(p, "70 days", False)  # a percent needs a percent sign or word


# --- other answer types ----------------------------------------------------------------


def test_dates_compare_years() -> None:
    g = gold("September 2017", "date")
    assert answer_correct(g, "in 2017", False)
    assert answer_correct(g, "Sept. 2017", False)
    assert not answer_correct(g, "September 2018", False)
    r = gold("2020 - 2025", "date")
    assert answer_correct(r, "from 2020 to 2025", False)
    assert not answer_correct(r, "2020", False)


def test_actor_containment_is_case_and_punctuation_insensitive() -> None:
    g = gold("the Governor's Office", "actor", accept=["GO"])
    assert answer_correct(g, "It was THE GOVERNOR'S OFFICE.", False)
    assert answer_correct(g, "the go", False)
    assert not answer_correct(g, "the Governor", False)
    assert not answer_correct(g, "", False)


def test_target_key_number_and_year() -> None:
    g = gold("31 million residents to receive grants digitally by 2027", "target")
    assert answer_correct(g, "31,000,000 people paid digitally by 2027", False)
    assert not answer_correct(g, "31 million people by 2028", False)
    assert not answer_correct(g, "20 million people by 2022", False)


def test_unanswerable_and_unjudged_types() -> None:
    none = gold("", "none")
    assert answer_correct(none, "", True) is True
    assert answer_correct(none, "£5m", False) is False
    assert answer_correct(gold("a phrase", "text"), "anything", False) is None
    assert answer_correct(gold("a; b", "list"), "", True) is None
    assert answer_correct(gold("£5m", "amount"), "£5m", True) is False  # abstained


# --- the whole dict, compare, speed and report -----------------------------------------


def test_evaluate_keys_groups_and_json() -> None:
    items = [
        gold(id="a", case_id="x", style="lexical", answer="2017", answer_type="date"),
        gold(id="b", case_id="y", style="paraphrase", answer="", answer_type="none"),
    ]
    answers = [
        answer("a", ["alpha beta gamma delta epsilon"], text="2017"),
        answer("b", [FILLER], abstained=True),
    ]
    m = evaluate(items, answers, [100.0, 300.0])
    for name in (*HEADLINE, "by_case", "by_style", "by_answer_type", "n_questions", "questions"):
        assert name in m
    assert m["answer_accuracy"] == 1 and m["page_accuracy"] == 1
    assert m["latency_p50_ms"] == 200.0 and m["latency_p95_ms"] == 290.0
    assert m["by_case"]["x"]["n"] == 1 and m["by_case"]["y"]["recall@1"] is None
    assert m["by_style"]["paraphrase"]["abstention_recall"] == 1
    assert set(m["questions"][0]) >= {
        "id", "question", "style", "case_id", "answer_type", "gold_answer",
        "predicted_answer", "abstained", "rank", "page_ok", "answer_ok", "why",
    }  # fmt: skip
    json.dumps(m)


def test_compare_and_regressions() -> None:
    a = {"recall@1": 0.5, "mrr@10": 0.6, "latency_p50_ms": 100.0}
    b = {"recall@1": 0.4, "mrr@10": 0.7, "latency_p50_ms": 300.0}
    rows = {r[0]: r for r in compare(a, b)}
    assert rows["recall@1"] == ("recall@1", 0.5, 0.4, -0.1)
    assert rows["abstention_f1"] == ("abstention_f1", None, None, None)
    assert regressions(a, b) == ["recall@1"]
    assert regressions(a, b, tolerance=0.2) == []


def _dev_run() -> tuple[list[GoldItem], list[dict[str, Any]]]:
    items, problems = load_gold(DEV_GOLD)
    assert not problems
    answers = []
    for n, g in enumerate(items):
        quote = g.evidence[0] if g.evidence else ""
        passages = [FILLER * 3 + str(i) for i in range(10)]
        if quote and n % 3:
            passages[n % 10] = FILLER + quote + " " + FILLER
        answers.append(answer(g.id, passages, text=g.answer, abstained=not g.answerable))
    return items, answers


def test_fifty_questions_score_well_under_a_second() -> None:
    items, answers = _dev_run()
    start = time.perf_counter()
    m = evaluate(items, answers, [1.0] * len(answers))
    assert time.perf_counter() - start < 0.5
    assert m["n_questions"] == len(items)
    # every typed gold answer is judged right when given back verbatim
    assert all(q["answer_ok"] in (True, None) for q in m["questions"])


def test_report_and_terminal(tmp_path: Path) -> None:
    from rich.console import Console

    items, answers = _dev_run()
    m = evaluate(items, answers, [float(i) for i in range(len(answers))])
    path = write_report(m, tmp_path)
    page = path.read_text(encoding="utf-8")
    assert 'src="data:image/png;base64,' in page and "http" not in page.split("<body>")[1][:2000]
    headline = page.split('<table class="headline">')[1].split("</table>")[0]
    for name in HEADLINE:  # the report shows the JSON's numbers, in the JSON's rounding
        assert f'<td class="v">{fmt(m[name], name)}</td><td><code>{name}</code>' in headline
    assert (tmp_path / "recall_at_k.png").stat().st_size > 1000
    console = Console(record=True, width=120)
    render_terminal(m, console)
    assert "recall@1" in console.export_text()


def test_gold_loading_does_not_import_scoring():
    """No import cycle: gold files load with the matching rule alone."""
    import subprocess
    import sys

    code = "import sys, eval.gold; print('eval.metrics' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
