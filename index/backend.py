"""Where an index's vectors live and how a commit is published: one interface, two
backends, and the factory every command opens an index through.

``index.local.LocalFolder`` keeps vectors in a chromadb folder beside the catalog;
``index.server.ServerBackend`` keeps everything on a Chroma server and the catalog
is a local cache of it. ``index.store.Index`` does the catalog, cache and write work
for both and calls its backend only through ``Backend`` below. Why: the two used to
be a class and its subclass in modules importing each other; now neither
``index.store`` nor ``index.server`` imports the other, only this factory knows both.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol, TypeVar

from index.catalog import MODELS_DIR
from index.store import Index
from pipeline.types import Chunk

T = TypeVar("T")


class CatalogHost(Protocol):
    """What a backend may ask of the index it serves (its catalog)."""

    path: Path
    readonly: bool

    @property
    def db(self) -> sqlite3.Connection: ...

    @property
    def catalog_is_open(self) -> bool: ...

    def open_catalog(self, wanted: dict[str, Any] | None, *, readonly: bool) -> dict[str, Any]: ...

    def close_catalog(self) -> None: ...

    def transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

    def forget_derived(self) -> None: ...


class Backend(Protocol):
    """The vector store of record and the commit protocol of one index.

    ``open`` opens the catalog through the host (and, for a server, brings it to the
    server's state); ``commit`` runs one write (a server takes its write lease and
    rebases first, and retries a lost race); ``before_commit`` runs inside the catalog
    transaction and publishes it (a failure rolls the transaction back);
    ``after_commit`` cleans up.
    """

    readonly: bool

    def open(self, index: CatalogHost, wanted: dict[str, Any] | None) -> dict[str, Any]: ...

    def collection(self) -> Any: ...

    def max_batch(self) -> int: ...

    def vector_documents(self, chunks: Sequence[Chunk]) -> list[str] | None: ...

    def commit(self, index: CatalogHost, apply: Callable[[], T]) -> T: ...

    def before_commit(
        self,
        tx: sqlite3.Connection,
        *,
        added: str | None = None,
        sentence_rows: Sequence[tuple[str, bytes]] = (),
        sentence_keys: Sequence[str] = (),
        removed: Sequence[str] = (),
    ) -> None: ...

    def after_commit(self, index: CatalogHost, removed: Sequence[str] = ()) -> None: ...

    def sync(self, index: CatalogHost) -> bool: ...

    def close(self) -> None: ...


def open_index(
    index_dir: Path,
    settings: dict[str, Any] | None,
    *,
    readonly: bool = False,
    chroma_url: str | None = None,
    index_name: str | None = None,
    wait: float | None = None,
) -> Index:
    """The index in ``index_dir``, or with ``chroma_url`` the one on that Chroma server.

    Why one entry point: every command (and the benchmarks) opens an index the same way
    whether it lives in a folder or on a shared server. A server index keeps its local
    cache in ``index_dir/servers/<key>/`` (see ``index.server``). ``index_name`` picks one
    of the server's indexes (default: ``index.remote.index_name()``); ``wait`` bounds how
    long a writer queues for the server's write lease (default: ``index.lease``).
    """
    if chroma_url:
        from index.remote import index_name as resolve_name
        from index.server import ServerBackend, cache_dir

        name = resolve_name(index_name)
        return Index(
            cache_dir(index_dir, chroma_url, name),
            settings,
            readonly=readonly,
            models_dir=Path(index_dir) / MODELS_DIR,
            backend=ServerBackend(chroma_url, readonly=readonly, name=name, wait=wait),
        )
    return Index(Path(index_dir), settings, readonly=readonly)
