"""Package layering: ``index/`` (storage, retrieval) sits below ``qa/`` (answers).

Why: retrieval used to reach up into ``qa.question`` for the question's kind, which ties
the index to the answer code (and to its import time). The shared cue lives in
``pipeline.asked``; this test fails if any module of ``index/`` imports ``qa`` again,
at the top or inside a function (the object that searches and answers is
``qa.engine.Engine``, a ``SearchEngine`` of ``index/`` with ``ask`` added).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_packages(path: Path) -> set[str]:
    """Top-level package of every import statement in ``path`` (nested ones too)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            out |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.add(node.module.split(".")[0])
    return out


def test_index_does_not_import_qa() -> None:
    offenders = sorted(
        str(p.relative_to(ROOT))
        for p in (ROOT / "index").glob("*.py")
        if "qa" in imported_packages(p)
    )
    assert offenders == []


def test_scan_sees_a_nested_import(tmp_path: Path) -> None:
    src = tmp_path / "m.py"
    src.write_text("def f():\n    from qa.question import question_type\n")
    assert imported_packages(src) == {"qa"}


def test_question_type_is_one_function() -> None:
    """``qa.question`` re-exports the cue it moved down; both read questions alike."""
    from pipeline.asked import question_type
    from qa.question import question_type as qa_question_type

    assert qa_question_type is question_type
    assert question_type("How many staff were hired?") == "number"
