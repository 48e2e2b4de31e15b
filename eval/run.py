"""Run the question-answering function over a gold file and score it.

The CLI calls :func:`run_eval`, then ``eval.report.write_report`` /
``render_terminal`` and ``eval.metrics.compare``. Nothing here knows how answers
are made: ``answer_fn`` is any callable from question to ``Answer.to_dict()``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from eval.gold import DEFAULT_LAYOUT, load_gold
from eval.metrics import evaluate

AnswerFn = Callable[[str], Mapping[str, Any]]


class EvalError(RuntimeError):
    """The answer function failed on a gold question."""


def run_eval(
    gold_path: str | Path,
    answer_fn: AnswerFn,
    *,
    k: int = 10,
    retrieval: str | Mapping[str, Any] | None = None,
    strict: bool = False,
    corpus_texts: list[str] | None = None,
    layout: str = DEFAULT_LAYOUT,
) -> dict[str, Any]:
    """Answer every gold question, timing each call, and return the metrics dict.

    ``retrieval`` describes the retrieval set-up (e.g. ``"hybrid"`` or a dict of
    settings); it is copied into the metrics as ``retrieval`` so two runs can be
    told apart, and has no effect on scoring. Gold problems (see
    ``eval.gold.load_gold``) are listed under ``problems``; with ``strict`` they
    raise instead. An exception from ``answer_fn`` stops the run as an
    :class:`EvalError` naming the question: a half-scored run would mislead.
    """
    items, problems = load_gold(gold_path, strict=strict, corpus_texts=corpus_texts)
    answers: list[dict[str, Any]] = []
    latencies: list[float] = []
    for item in items:
        start = time.perf_counter()
        try:
            result = answer_fn(item.question)
        except Exception as exc:
            raise EvalError(f"answering gold question {item.id} failed: {exc}") from exc
        latencies.append((time.perf_counter() - start) * 1000)
        answer = dict(result)
        answer["id"] = item.id  # the answer function does not know gold ids
        answers.append(answer)
    metrics = evaluate(items, answers, latencies, k=k, layout=layout)
    metrics["gold_path"] = str(gold_path)
    metrics["retrieval"] = dict(retrieval) if isinstance(retrieval, Mapping) else retrieval
    metrics["problems"] = [asdict(p) for p in problems]
    return metrics
