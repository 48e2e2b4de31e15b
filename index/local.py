"""The local folder backend: an index's vectors in a chromadb PersistentClient under
``<index>/chroma/`` (collection ``chunks``, cosine space), next to its catalog.

Why a backend: ``index.store.Index`` does the same catalog work whether its vectors
live here or on a Chroma server (``index.server``); only opening, the vector
collection and what a commit publishes differ (see ``index.backend.Backend``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from index.catalog import _SETTINGS_META_KEY, SCHEMA_VERSION
from index.errors import CasebookIndexError, IndexOpenError, IndexSettingsMismatch
from pipeline.types import Chunk

if TYPE_CHECKING:
    from index.backend import CatalogHost

T = TypeVar("T")
COLLECTION = "chunks"
CHROMA_DIR = "chroma"


class LocalFolder:
    """Vectors in ``<path>/chroma/``; the catalog in ``<path>`` is the only authority, so
    a commit is the catalog's own SQLite transaction and nothing is published."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self.settings: dict[str, Any] | None = None
        self._client: Any = None
        self._coll: Any = None

    def __repr__(self) -> str:
        return f"LocalFolder({str(self.path)!r})"

    def open(self, index: CatalogHost, wanted: dict[str, Any] | None) -> dict[str, Any]:
        """Open the catalog and (for writers) the vector store."""
        self.settings = index.open_catalog(wanted, readonly=self.readonly)
        if self.readonly:
            # Readers open chroma only if they need it: importing chromadb costs ~0.7 s,
            # half of a cold `ask`; the vector snapshot usually makes it unnecessary.
            if not (self.path / CHROMA_DIR).is_dir():
                raise IndexOpenError(
                    f"{self.path} has a catalog but no {CHROMA_DIR}/ vector store; "
                    "delete it and re-ingest"
                )
        else:
            self._open_chroma()
        return self.settings

    def collection(self) -> Any:
        """The chromadb collection (vectors + filter metadata), opened on first use."""
        if self._client is None:
            self._open_chroma()
        return self._coll

    def max_batch(self) -> int:
        self.collection()  # opens the client if needed
        return max(1, int(self._client.get_max_batch_size()))

    def vector_documents(self, chunks: Sequence[Chunk]) -> list[str] | None:
        """Nothing is stored with a local vector: the catalog holds the chunk."""
        return None

    def commit(self, index: CatalogHost, apply: Callable[[], T]) -> T:
        """Local writers are serialised by SQLite's write lock (``BEGIN IMMEDIATE``)."""
        return apply()

    def before_commit(
        self,
        tx: sqlite3.Connection,
        *,
        added: str | None = None,
        sentence_rows: Sequence[tuple[str, bytes]] = (),
        sentence_keys: Sequence[str] = (),
        removed: Sequence[str] = (),
    ) -> None:
        """Nothing to publish: the catalog transaction is the commit."""

    def after_commit(self, index: CatalogHost, removed: Sequence[str] = ()) -> None:
        """Clean-up once the commit is done: drop the removed editions' vectors."""
        for sha in removed:
            self.collection().delete(where={"doc_sha256": sha})

    def sync(self, index: CatalogHost) -> bool:
        """A folder's catalog is its own authority: never anything to fetch."""
        return False

    def close(self) -> None:
        """Release chroma's shared system (safe to call twice)."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def _open_chroma(self) -> None:
        import chromadb  # ~0.6 s; imported here so `import index.store` stays cheap
        from chromadb.config import Settings

        chroma_path = self.path / CHROMA_DIR
        if self.readonly and not chroma_path.is_dir():
            raise IndexOpenError(f"{self.path} has a catalog but no {CHROMA_DIR}/ vector store")
        settings_json = json.dumps(self.settings, sort_keys=True)
        try:
            self._client = chromadb.PersistentClient(
                path=str(chroma_path),
                settings=Settings(anonymized_telemetry=False, allow_reset=False),
            )
            names = {c.name for c in self._client.list_collections()}
            if COLLECTION in names:
                self._coll = self._client.get_collection(COLLECTION, embedding_function=None)
            elif self.readonly:
                raise IndexOpenError(f"{chroma_path} holds no {COLLECTION!r} collection")
            else:
                self._coll = self._client.create_collection(
                    COLLECTION,
                    configuration={"hnsw": {"space": "cosine"}},
                    metadata={_SETTINGS_META_KEY: settings_json, "schema_version": SCHEMA_VERSION},
                    embedding_function=None,
                )
        except CasebookIndexError:
            raise
        except Exception as exc:  # chromadb raises many unrelated types on a damaged store
            raise IndexOpenError(
                f"cannot open the vector store {chroma_path}: {type(exc).__name__}: {exc}"
            ) from exc
        coll_settings = (self._coll.metadata or {}).get(_SETTINGS_META_KEY)
        if coll_settings is None or json.loads(coll_settings) != self.settings:
            raise IndexSettingsMismatch(
                f"the vector store in {chroma_path} was built with other settings than its "
                f"catalog ({coll_settings} vs {settings_json}); delete {self.path} and re-ingest"
            )
