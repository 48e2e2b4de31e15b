"""Opening an index for a command or the app: read-only by default, the query engine on top,
and the bundled casebook ingested into an empty index on first use."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from casebook.config import default_index_dir
from casebook.errors import CasebookError
from casebook.progress import Heartbeat, heartbeat_every, progress_bar, stderr_is_tty


def open_index(index_dir: Path, chroma_url: str | None = None, *, create: bool = False) -> Any:
    from index.backend import open_index as open_store
    from index.settings import index_settings

    if not create and not chroma_url and not index_dir.exists():
        raise CasebookError(f"no index at {index_dir}: run `casebook ingest PATH` first")
    return open_store(index_dir, index_settings(), readonly=not create, chroma_url=chroma_url)


def open_engine(
    index_dir: Path, editions: Sequence[str] = (), chroma_url: str | None = None
) -> Any:
    """Open the index and the query model.

    Only the default index (the default folder, or a server's ``default`` index) is filled
    with the bundled casebook on first use: a folder or ``--index-name`` the user named
    that does not exist is a typo more often than a wish for the bundled casebook, so it
    is one line naming it, and only ``ingest`` creates an index.
    """
    from index.remote import DEFAULT_INDEX, index_name
    from index.store import SERVERS_DIR, EmptyServerIndex
    from qa.engine import Engine

    if chroma_url:
        try:
            return Engine.open(index_dir, editions=editions or None, chroma_url=chroma_url)
        except EmptyServerIndex as exc:
            if index_name() != DEFAULT_INDEX:
                raise CasebookError(str(exc)) from exc
            first_run_ingest(index_dir, chroma_url)
    elif not index_dir.exists() or all(p.name == SERVERS_DIR for p in index_dir.iterdir()):
        if index_dir.expanduser().resolve() != default_index_dir().resolve():
            raise CasebookError(
                f"no index at {index_dir}: build one with `casebook ingest PATH --index "
                f"{index_dir}` (only the default index gets the bundled casebook on first use)"
            )
        first_run_ingest(index_dir)
    engine = Engine.open(index_dir, editions=editions or None, chroma_url=chroma_url)
    if not engine.index.documents():
        engine.close()
        raise CasebookError(
            f"the index at {chroma_url or index_dir} holds no documents: run `casebook ingest PATH`"
        )
    return engine


def first_run_ingest(index_dir: Path, chroma_url: str | None = None) -> None:
    from index.ingest import ingest as run_ingest
    from sources import bundled_casebooks

    where = chroma_url or index_dir
    books = bundled_casebooks()
    if not books:
        raise CasebookError(f"the index at {where} is empty and no bundled casebook was found")
    click.echo(f"First run: ingesting the bundled casebook into {where} …", err=True)
    if stderr_is_tty():
        reports = run_ingest(
            books, index_dir, progress=progress_bar("embedding"), chroma_url=chroma_url
        )
    else:
        with Heartbeat("First run: ingesting", heartbeat_every()) as beat:
            reports = run_ingest(
                books,
                index_dir,
                on_file=beat.on_file,
                progress=beat.progress,
                chroma_url=chroma_url,
            )
    bad = [r for r in reports if r.status == "failed"]
    if bad:
        raise CasebookError("; ".join(f"{r.path}: {', '.join(r.errors)}" for r in bad))
