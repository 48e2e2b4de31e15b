"""The ``ask --batch`` protocol: JSON lines ``{id, question}`` in, one JSON answer per line out.

A malformed line is reported on stderr with its line number; the others still run and the
exit code is 2 at the end. Answers are written as each line arrives (stdin may stream).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from casebook.errors import EXIT_INPUT, CasebookError


def ask_batch(engine: Any, fh: Any, **kw: Any) -> None:
    """Answer every line of ``fh`` with ``engine.ask(question, **kw)``; exit 2 if any was bad."""
    bad = 0
    try:
        bad = answer_lines(engine, fh, **kw)
    except UnicodeDecodeError as e:
        raise CasebookError(f"{getattr(fh, 'name', 'batch')}: not UTF-8 text ({e.reason})") from e
    if bad:
        sys.exit(EXIT_INPUT)


def answer_lines(engine: Any, fh: Any, **kw: Any) -> int:
    """Answer each JSON line as it arrives (stdin streams); returns the count of bad lines."""
    bad = 0
    for n, line in enumerate(fh, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            q = item["question"]
            if not isinstance(q, str) or not q.strip():
                raise ValueError("empty question")
        except (ValueError, KeyError, TypeError) as e:
            bad += 1
            click.echo(f"casebook: {getattr(fh, 'name', 'batch')}: line {n}: {e}", err=True)
            continue
        answer = engine.ask(q, **kw)
        answer.id = item.get("id")
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False), nl=True)
        sys.stdout.flush()
    return bad
