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


class Heartbeat:
    """A progress line on stderr every ``every`` seconds while a long step runs, for a
    stderr that is a file or a pipe (CI logs, ``2> log``), where a bar draws nothing.

    Why a thread: the first stages of an ingest (reading, spaCy) report no progress of
    their own, and a log that stays silent for a minute looks like a hang.
    """

    def __init__(self, what: str, every: float = 5.0) -> None:
        import threading

        self.what, self.every = what, every
        self.state = "starting"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._t0 = 0.0

    def _run(self) -> None:
        import time

        while not self._stop.wait(self.every):
            click.echo(f"{self.what}: {time.monotonic() - self._t0:.0f} s, {self.state}", err=True)

    def on_file(self, path: Any) -> None:
        self.state = f"reading {path}"

    def progress(self, done: int, total: int) -> None:
        self.state = f"embedded {done}/{total} chunks"

    def __enter__(self) -> Heartbeat:
        import time

        self._t0 = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def heartbeat_every() -> float:
    """Seconds between progress lines (env ``CASEBOOK_PROGRESS_EVERY``; 5 by default)."""
    import os

    try:
        return max(0.05, float(os.environ.get("CASEBOOK_PROGRESS_EVERY", "5")))
    except ValueError:
        return 5.0
