"""Progress on stderr: a rich bar on a terminal; nothing on stdout, which carries results."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from casebook.present import console


def stderr_is_tty() -> bool:
    return sys.stderr.isatty()


def status(msg: str) -> None:
    """A one-line status on a terminal's stderr (silent when stderr is a file or a pipe)."""
    if stderr_is_tty():
        click.echo(msg, err=True)


def progress_bar(label: str) -> Callable[[int, int], None]:
    """A rich progress bar on stderr, fed by (done, total) callbacks."""
    from rich.progress import Progress

    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in state:
            bar = Progress(transient=True, console=console(err=True))
            bar.start()
            state["bar"], state["task"] = bar, bar.add_task(label, total=total or 1)
        bar = state["bar"]
        bar.update(state["task"], completed=done, total=total or 1)
        if done >= total:
            bar.stop()
            state.clear()

    return update
