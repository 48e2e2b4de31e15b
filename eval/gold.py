"""Load and validate gold question files (JSONL, one question per line).

The format is described in ``eval/gold/README.md``. A broken line should not hide
the other 49: by default every problem is reported as a :class:`GoldProblem` with
its line number and the valid lines still load; ``strict=True`` turns any problem
into a :class:`GoldError`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from eval.matching import best_coverage, normalise_tokens

AnswerType = Literal[
    "amount",
    "number",
    "percent",
    "date",
    "target",
    "actor",
    "place",
    "list",
    "text",
    "none",
]

DEFAULT_LAYOUT = "print"  # the key of ``evidence_pages`` that page accuracy uses


class PageRef(BaseModel):
    """Where the evidence lies in one typesetting of the document."""

    model_config = ConfigDict(extra="allow", strict=True)

    pdf_pages: list[int] = Field(description="1-based PDF page indexes")
    page_labels: list[str | None] = Field(description="printed page labels")


class GoldItem(BaseModel):
    """One gold question. Unknown fields are kept so newer gold files still load."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True)

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    answer: str
    answer_type: AnswerType
    accept: list[str] = Field(default_factory=list)
    case_id: str
    evidence: list[str]
    style: str
    evidence_pages: dict[str, PageRef]

    @property
    def answerable(self) -> bool:
        """False for questions the document does not answer (scored on abstention)."""
        return self.answer_type != "none"

    def page_labels(self, layout: str = DEFAULT_LAYOUT) -> list[str]:
        """Printed page labels of the evidence in ``layout`` (empty when unknown)."""
        ref = self.evidence_pages.get(layout)
        if ref is None:
            return []
        return [label for label in ref.page_labels if label is not None]


@dataclass(frozen=True)
class GoldProblem:
    """A gold line that could not be used, or whose evidence cannot be found."""

    line_no: int  # 1-based line number in the file
    id: str | None  # the question id when it could be read
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line_no}" + (f" ({self.id})" if self.id else "")
        return f"{where}: {self.reason}"


class GoldError(ValueError):
    """The gold file has problems and strict loading was asked for."""

    def __init__(self, path: str | Path, problems: Sequence[GoldProblem]) -> None:
        self.problems = list(problems)
        listing = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{path}: {len(self.problems)} problem(s) in the gold file:\n{listing}")


def load_gold(
    path: str | Path,
    *,
    strict: bool = False,
    corpus_texts: list[str] | None = None,
) -> tuple[list[GoldItem], list[GoldProblem]]:
    """Read a gold JSONL file; return the valid items and every problem found.

    With ``corpus_texts`` (the full texts of the indexed documents) each evidence
    quote must also match some document under the passage-matching rule, which
    catches gold written against a different edition or a broken text layer.
    """
    path = Path(path)
    with path.open(encoding="utf-8") as fh:
        items, problems = parse_gold_lines(fh, corpus_texts=corpus_texts)
    if strict and problems:
        raise GoldError(path, problems)
    return items, problems


def parse_gold_lines(
    lines: Iterable[str],
    *,
    corpus_texts: list[str] | None = None,
) -> tuple[list[GoldItem], list[GoldProblem]]:
    """Validate gold lines (the I/O-free half of :func:`load_gold`)."""
    items: list[GoldItem] = []
    problems: list[GoldProblem] = []
    seen: dict[str, int] = {}
    corpus_tokens = [normalise_tokens(t) for t in corpus_texts] if corpus_texts else None
    if corpus_texts is not None and not corpus_texts:
        problems.append(GoldProblem(0, None, "corpus_texts is empty: evidence cannot be checked"))

    for line_no, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            data: Any = json.loads(raw)
        except json.JSONDecodeError as exc:
            problems.append(
                GoldProblem(line_no, None, f"invalid JSON: {exc.msg} (col {exc.colno})")
            )
            continue
        if not isinstance(data, dict):
            problems.append(
                GoldProblem(line_no, None, f"expected a JSON object, got {type(data).__name__}")
            )
            continue
        raw_id = data.get("id")
        qid = raw_id if isinstance(raw_id, str) else None
        try:
            item = GoldItem.model_validate(data)
        except ValidationError as exc:
            problems.append(GoldProblem(line_no, qid, _describe(exc)))
            continue
        if item.id in seen:
            problems.append(
                GoldProblem(line_no, item.id, f"duplicate id (first on line {seen[item.id]})")
            )
            continue
        seen[item.id] = line_no

        semantic = _check_semantics(item)
        if semantic:
            problems.append(GoldProblem(line_no, item.id, semantic))
            continue
        if corpus_tokens:
            missing = _missing_evidence(item, corpus_tokens)
            if missing:
                problems.extend(GoldProblem(line_no, item.id, reason) for reason in missing)
                continue
        items.append(item)
    return items, problems


def _describe(exc: ValidationError) -> str:
    """One line per pydantic error: where, and what was wrong."""
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"]) or "<line>"
        if err["type"] == "missing":
            parts.append(f"missing field {loc!r}")
        else:
            parts.append(f"{loc}: {err['msg']} (got {err.get('input')!r:.60})")
    return "; ".join(parts)


def _check_semantics(item: GoldItem) -> str | None:
    """Rules a schema cannot state: answerable questions need evidence to score retrieval."""
    if item.answerable and not item.evidence:
        return "answerable question without evidence quotes"
    if item.answerable and not any(normalise_tokens(q) for q in item.evidence):
        return "evidence quotes hold no letters or digits"
    if not item.answerable and item.evidence:
        return "unanswerable question (answer_type 'none') with evidence quotes"
    return None


def _missing_evidence(item: GoldItem, corpus_tokens: list[list[str]]) -> list[str]:
    """Reasons for each evidence quote that matches no document."""
    reasons = []
    for n, quote in enumerate(item.evidence, start=1):
        q_tokens = normalise_tokens(quote)
        best = max(best_coverage(q_tokens, doc) for doc in corpus_tokens)
        if not best.matches:
            reasons.append(
                f"evidence quote {n} found in no document "
                f"(best match {best.coverage:.0%} of its tokens): {quote[:60]!r}"
            )
    return reasons
