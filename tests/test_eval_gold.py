"""Gold file validation: problems are reported by line, valid lines still load."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eval.gold import GoldError, GoldItem, load_gold
from eval.run import EvalError, run_eval

DEV_GOLD = Path(__file__).resolve().parents[1] / "eval" / "gold" / "dev-qa.jsonl"
CORPUS = "The council adopted the plan in 2019. It will build 4,000 new homes by 2030."


def line(**over: Any) -> dict[str, Any]:
    d: dict[str, Any] = {
        "id": "q1",
        "question": "How many homes?",
        "answer": "4,000",
        "answer_type": "number",
        "accept": ["4000"],
        "case_id": "c",
        "evidence": ["It will build 4,000 new homes by 2030."],
        "style": "lexical",
        "evidence_pages": {"print": {"pdf_pages": [3], "page_labels": ["3"]}},
    }
    d.update(over)
    return d


def write(tmp_path: Path, rows: list[Any]) -> Path:
    path = tmp_path / "gold.jsonl"
    path.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n",
        encoding="utf-8",
    )
    return path


def test_dev_gold_validates_cleanly() -> None:
    items, problems = load_gold(DEV_GOLD, strict=True)
    assert problems == []
    assert len(items) == len({i.id for i in items}) > 0
    assert all(isinstance(i, GoldItem) for i in items)


def test_each_problem_reported_with_line_number_and_valid_lines_load(tmp_path: Path) -> None:
    missing = line(id="q3")
    del missing["question"]
    rows = [
        line(id="q1"),  # 1 ok
        "{not json",  # 2 bad JSON
        missing,  # 3 missing field
        line(id="q4", accept="4000"),  # 4 wrong type (str, not list)
        line(id="q1"),  # 5 duplicate id
        "",  # 6 blank: skipped
        line(id="q7", evidence=["Nothing of the sort appears anywhere in it."]),  # 7 not in corpus
        line(id="q8", answer="", answer_type="none", evidence=[]),  # 8 ok, unanswerable
        line(id="q9", evidence_pages={"print": {"pdf_pages": ["3"], "page_labels": ["3"]}}),
    ]
    items, problems = load_gold(write(tmp_path, rows), corpus_texts=[CORPUS])
    assert [i.id for i in items] == ["q1", "q8"]
    by_line = {p.line_no: p for p in problems}
    assert sorted(by_line) == [2, 3, 4, 5, 7, 9]
    assert "invalid JSON" in by_line[2].reason and by_line[2].id is None
    assert "missing field 'question'" in by_line[3].reason and by_line[3].id == "q3"
    assert by_line[4].reason.startswith("accept:")
    assert "duplicate id (first on line 1)" in by_line[5].reason
    assert "found in no document" in by_line[7].reason
    assert "evidence_pages.print.pdf_pages.0" in by_line[9].reason


def test_strict_raises_listing_problems(tmp_path: Path) -> None:
    path = write(tmp_path, [line(), line()])
    with pytest.raises(GoldError, match="line 2 \\(q1\\): duplicate id") as info:
        load_gold(path, strict=True)
    assert len(info.value.problems) == 1


def test_extra_fields_are_kept_and_semantics_checked(tmp_path: Path) -> None:
    rows = [
        line(id="a", difficulty="hard"),
        line(id="b", evidence=[]),  # answerable but no evidence
        line(id="c", answer_type="bogus"),
    ]
    items, problems = load_gold(write(tmp_path, rows))
    assert items[0].model_extra == {"difficulty": "hard"}
    assert [(p.line_no, p.id) for p in problems] == [(2, "b"), (3, "c")]
    assert "without evidence" in problems[0].reason


def test_evidence_matching_uses_the_passage_rule(tmp_path: Path) -> None:
    # 6 of the quote's 9 tokens occur in one run in the corpus: 67% >= 60%, so it is found
    rows = [line(evidence=["It will build 4,000 new homes, says the mayor"])]
    items, problems = load_gold(write(tmp_path, rows), corpus_texts=[CORPUS])
    assert problems == [] and len(items) == 1


def test_run_eval_times_calls_and_lists_problems(tmp_path: Path) -> None:
    path = write(tmp_path, [line(id="a"), "[]"])
    calls = []

    def answer_fn(question: str) -> dict[str, Any]:
        calls.append(question)
        return {
            "answer": "4000 homes",
            "abstained": False,
            "citations": [{"page_label": "3"}],
            "passages": [{"rank": 1, "text": CORPUS}],
        }

    m = run_eval(path, answer_fn, retrieval="hybrid")
    assert calls == ["How many homes?"]
    assert m["recall@1"] == 1 and m["answer_accuracy"] == 1 and m["page_accuracy"] == 1
    assert m["retrieval"] == "hybrid"
    assert m["problems"][0]["line_no"] == 2
    assert m["questions"][0]["latency_ms"] >= 0

    def broken(question: str) -> dict[str, Any]:
        raise RuntimeError("index missing")

    with pytest.raises(EvalError, match="question a failed: index missing"):
        run_eval(path, broken)
