"""A casebook index on a Chroma server (``--chroma-url``), queried through a local cache.

Why this shape: the server is the one shared authority, but the query path (numpy dense
search, numpy BM25, extractive answers over stored sentence vectors) must stay local and
fast. So everything the SQLite catalog holds is also on the server, in three collections
per named index (``index.remote``: their layout, and the commit chain).

A **head** names, for generation N, the series and every edition with its label,
``is_current`` flag, ingest time and document record. Document records are immutable (a
new nonce per ingest), so a reader can cache them. Vector collections use inner-product
space: our vectors are unit length already, and unlike cosine space the server returns
them bit-exact, so every machine ranks with identical numbers.

**Writing.** A writer embeds and uploads its chunk vectors first (content-addressed:
invisible until a head names them). Then it takes the index's write lease
(``index.lease``; it queues behind another writer, for up to ``wait`` seconds), brings
its cache to the newest head (a *rebase*: the other writer's documents arrive, its own
vectors and embeddings are reused as they are), writes sentences and its document record,
and commits by compare-and-swap on the generation (``Remote.claim``). Should that fail
(its lease was taken over while it stalled) it rebases and tries again. A writer that
dies before the claim leaves every reader on the head before it; what it wrote is
invisible, a retry reuses it, and its lease expires.

**Reading.** Each machine keeps a cache per server and index in
``<index>/servers/<host>-<port>[-<name>]-<hash>/``: an ordinary catalog + BM25/vector
snapshots (an ``index.store.Index`` over this backend). Opening looks for the newest head
(one request when the cache is current) and, if it differs from the cache's, brings the
cache to it in one SQLite transaction: editions whose record is unchanged are kept, new
ones are fetched. Readers never wait for a lease and only ever see a claimed head. Two
machines syncing the same head hold the same catalog, hence give the same answers.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import sys
import time
import uuid
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from index.catalog import _batched, _crash_point
from index.errors import IndexOpenError, IndexSettingsMismatch, ServerError
from index.lease import LeaseTimeout, acquire, lease_seconds, wait_seconds
from index.remote import (
    DEFAULT_INDEX,
    HEAD_FORMAT,
    RECORDS,
    Missing,
    Remote,
    cache_dir,
    check_settings,
    empty,
    normalise_url,
    parse_url,
    probe,
    where,
)
from pipeline.types import Chunk

if TYPE_CHECKING:
    from index.backend import CatalogHost

__all__ = [
    "RECORDS",
    "LeaseTimeout",
    "ServerBackend",
    "cache_dir",
    "normalise_url",
    "parse_url",
]
T = TypeVar("T")
_SYNC_ATTEMPTS = 3
_META_COMMIT = "server_commit"
_META_GENERATION = "server_generation"
_META_RECORDS = "server_records"
_CHUNK_FIELDS = (
    "doc_sha256",
    "text_hash",
    "text",
    "document",
    "part_kind",
    "case",
    "part",
    "section_path",
    "pdf_pages",
    "page_labels",
    "start",
    "end",
    "tokens",
    "page_starts",
    "table_title",
)
_ENTITY_COLUMNS = (
    "chunk_id, type, text, case_title, section, page_label, pdf_page, span_start, span_end, attrs"
)


class _LostRace(ServerError):
    """Another writer's head took the generation this commit was for: rebase, retry."""


def _tell(message: str) -> None:
    print(f"casebook: {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------- the index


class ServerBackend:
    """An index on a Chroma server. Reads run on a local cache catalog synced from the
    server's head at open; writes go to the server, head last, then to the cache.

    The ``index.store.Index`` it serves lives in ``<index>/servers/<key>/`` (the cache)
    and keeps the ONNX query model in ``<index>/models/`` (shared with any local index
    there). ``readonly`` forbids writing to the server; the cache is always writable.
    """

    def __init__(
        self,
        url: str,
        *,
        readonly: bool = False,
        name: str = DEFAULT_INDEX,
        wait: float | None = None,
        on_wait: Callable[[str], None] = _tell,
    ) -> None:
        self.url = normalise_url(url)
        self.name = name
        self.readonly = readonly
        self.wait = wait_seconds(wait)
        self.on_wait = on_wait
        self.settings: dict[str, Any] | None = None
        self._remote: Remote | None = None
        self._closed = False
        self._gc: list[str] = []  # records to delete once the head no longer names them
        self._gc_docs: list[str] = []  # documents whose orphaned records to look for

    def __repr__(self) -> str:
        return f"ServerBackend({self.url!r}, name={self.name!r})"

    @property
    def remote(self) -> Remote:
        """The server connection (made on first use: readers with a current cache never
        need it)."""
        if self._closed:
            raise IndexOpenError(f"the index on {where(self.url, self.name)} is closed")
        if self._remote is None:
            self._remote = Remote.connect(
                self.url, self.settings, create=not self.readonly, name=self.name
            )
        return self._remote

    def open(self, index: CatalogHost, wanted: dict[str, Any] | None) -> dict[str, Any]:
        """Open the cache; bring it to the server's head unless it holds it already."""
        known = self._cached_generation(index)
        quick = probe(self.url, self.name, known) if self.readonly else None
        if quick is not None:
            settings, head = quick
            if settings is None:
                raise empty(self.url, self.name)
            checked = _check_settings_value(self.url, settings, wanted, self.name)
            self.settings = self._open_cache(index, checked)
            if (head["commit"] if head else None) == _meta(index.db, _META_COMMIT):
                return self.settings  # the cache holds the head: no client, no further requests
        self._remote = Remote.connect(self.url, wanted, create=not self.readonly, name=self.name)
        if not index.catalog_is_open:
            self.settings = self._open_cache(index, self._remote.settings)
        assert self.settings is not None
        self.sync(index)
        return self.settings

    @staticmethod
    def _cached_generation(index: CatalogHost) -> int | None:
        """The generation the cache holds, read before it is opened (None: unknown)."""
        cat = index.path / "catalog.sqlite"
        if not cat.exists():
            return None
        try:
            db = sqlite3.connect(cat.as_uri() + "?mode=ro", uri=True)
            try:
                return _meta(db, _META_GENERATION)
            finally:
                db.close()
        except sqlite3.Error:
            return None  # opening the cache will say what is wrong with it

    def collection(self) -> Any:
        return self.remote.chunks

    def max_batch(self) -> int:
        return self.remote.max_batch

    def _open_cache(self, index: CatalogHost, settings: dict[str, Any]) -> dict[str, Any]:
        """The cache catalog; one that cannot be used (other settings, damaged) is rebuilt."""
        try:
            return index.open_catalog(settings, readonly=False)
        except (IndexOpenError, IndexSettingsMismatch) as exc:
            index.close_catalog()
            if not index.path.is_dir():
                raise
            warnings.warn(f"rebuilding the server cache {index.path}: {exc}", stacklevel=3)
            shutil.rmtree(index.path)
            return index.open_catalog(settings, readonly=False)

    def close(self) -> None:
        self._remote = None
        self._closed = True

    # ------------------------------------------------------------------ reading: sync

    def sync(self, index: CatalogHost) -> bool:
        """Bring the cache to the server's head; True if it changed.

        Everything the head names is immutable or content-addressed, so a fetch can only
        miss something if a writer removed it after we read the head: then read the new
        head and start again.
        """
        tried: set[str | None] = set()
        for _ in range(_SYNC_ATTEMPTS):
            head = self.remote.read_head(_meta(index.db, _META_GENERATION))
            commit = head["commit"] if head else None
            if commit == _meta(index.db, _META_COMMIT):
                generation = head["generation"] if head else None
                if _meta(index.db, _META_GENERATION) != generation:  # a cache from before
                    with index.transaction() as tx:
                        _set_meta(tx, _META_GENERATION, generation)
                return False
            try:
                with index.transaction() as tx:
                    if _meta(tx, _META_COMMIT) != commit:  # another process may have synced
                        self._apply_head(tx, head)
            except Missing as exc:
                if commit in tried:
                    raise IndexOpenError(
                        f"the index on the Chroma server at {where(self.url, self.name)} is "
                        f"damaged: {exc}, though the head names it; re-ingest into a fresh server"
                        "though the head names it; re-ingest into a fresh server"
                    ) from None
                tried.add(commit)
                continue
            index.forget_derived()
            return True
        raise ServerError(
            f"the index on the Chroma server at {where(self.url, self.name)} kept changing "
            "while it was read; "
            "try again"
        )

    def _apply_head(self, tx: sqlite3.Connection, head: dict[str, Any] | None) -> None:
        """Make the cache catalog equal to ``head`` (inside the caller's transaction)."""
        tx.execute("PRAGMA defer_foreign_keys = ON")  # series are rewritten below
        docs: list[list[Any]] = head["documents"] if head else []
        want = {d[0]: d[5] for d in docs}
        have = _meta(tx, _META_RECORDS) or {}
        local = {r[0] for r in tx.execute("SELECT sha256 FROM documents")}
        keep = {s for s in local if s in want and have.get(s) == want[s]}
        new = [d for d in docs if d[0] not in keep]
        # Fetch first: a missing piece aborts before anything local changes.
        records = self.remote.get_records([d[5] for d in new])
        chunk_rows = self.remote.get_chunks([c for r in records.values() for c in r["chunks"]])
        wanted_sents = sorted({h for r in records.values() for h in r["sentences"]})
        known: set[str] = set()
        for batch in _batched(wanted_sents, 500):
            marks = ",".join("?" * len(batch))
            known.update(
                r[0]
                for r in tx.execute(
                    f"SELECT hash FROM sentence_vectors WHERE hash IN ({marks})", list(batch)
                )
            )
        sent_rows = self.remote.get_sentences([h for h in wanted_sents if h not in known])

        for sha in sorted(local - keep):
            for table, col in (("entities", "doc_sha256"), ("chunks", "doc_sha256")):
                tx.execute(f"DELETE FROM {table} WHERE {col} = ?", (sha,))
            tx.execute("DELETE FROM documents WHERE sha256 = ?", (sha,))
        tx.execute("DELETE FROM series")
        tx.executemany(
            "INSERT INTO series(id, name, created_at) VALUES (?, ?, ?)",
            [tuple(s) for s in (head["series"] if head else [])],
        )
        for sha, sid, label, current, at, rid in docs:
            if sha in keep:
                tx.execute(
                    "UPDATE documents SET series_id = ?, edition_label = ?, is_current = ?, "
                    "ingested_at = ? WHERE sha256 = ?",
                    (sid, label, int(current), at, sha),
                )
                continue
            rec = records[rid]
            tx.execute(
                "INSERT INTO documents(sha256, title, path, kind, pages, parser, ingested_at, "
                "status, outline, extra, series_id, edition_label, is_current) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    sha,
                    rec["title"],
                    rec["path"],
                    rec["kind"],
                    rec["pages"],
                    rec["parser"],
                    at,
                    rec["status"],
                    rec["outline"],
                    rec["extra"],
                    sid,
                    label,
                    int(current),
                ),
            )
            tx.executemany(
                "INSERT INTO chunks(id, doc_sha256, seq, text_hash, text, document, part_kind, "
                "case_title, part, section_path, pdf_pages, page_labels, start_char, end_char, "
                "tokens, page_starts, table_title) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [_chunk_row(cid, seq, chunk_rows[cid]) for seq, cid in enumerate(rec["chunks"])],
            )
            tx.executemany(
                f"INSERT INTO entities(doc_sha256, {_ENTITY_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(sha, *e) for e in rec["entities"]],
            )
        tx.executemany("INSERT OR IGNORE INTO sentence_vectors(hash, vec) VALUES (?, ?)", sent_rows)
        _set_meta(tx, _META_COMMIT, head["commit"] if head else None)
        _set_meta(tx, _META_GENERATION, head["generation"] if head else None)
        _set_meta(tx, _META_RECORDS, want)

    # ------------------------------------------------------------------ writing: publish

    def vector_documents(self, chunks: Sequence[Chunk]) -> list[str] | None:
        """The whole chunk goes with its vector: the server must hold the catalog too."""
        return [
            json.dumps({f: getattr(c, f) for f in _CHUNK_FIELDS}, ensure_ascii=False)
            for c in chunks
        ]

    def commit(self, index: CatalogHost, apply: Callable[[], T]) -> T:
        """Run ``apply`` (one catalog transaction, which calls ``before_commit``, and its
        clean-up) as one commit to the server: under the write lease, rebased on the
        newest head, retried on a lost compare-and-swap until ``wait`` runs out."""
        deadline = time.monotonic() + self.wait
        while True:
            lease = acquire(
                self.remote, deadline, ttl=lease_seconds(), on_wait=self.on_wait, wait=self.wait
            )
            committed = False
            try:
                self.sync(index)  # rebase: the newest head's documents join the cache
                if (_meta(index.db, _META_GENERATION) or 0) + 1 != lease.generation:
                    # a head came in between: that lease is for a generation now taken
                    raise _LostRace("another writer committed first")
                result = apply()
                committed = True
                return result
            except _LostRace:
                if time.monotonic() >= deadline:
                    raise ServerError(
                        f"the index on the Chroma server at {where(self.url, self.name)} "
                        f"kept changing for {self.wait:.0f} s; nothing was committed — run "
                        "the command again"
                    ) from None
            finally:
                with contextlib.suppress(ServerError):  # unreachable: the lease expires alone
                    lease.finish() if committed else lease.release()

    def before_commit(
        self,
        tx: sqlite3.Connection,
        *,
        added: str | None = None,
        sentence_rows: Sequence[tuple[str, bytes]] = (),
        sentence_keys: Sequence[str] = (),
        removed: Sequence[str] = (),
    ) -> None:
        """Publish the transaction's outcome: sentences and the document record, then the
        head. Any failure raises, and the caller's local transaction rolls back."""
        remote = self.remote
        base = _meta(tx, _META_COMMIT)
        head = remote.read_head(_meta(tx, _META_GENERATION))
        if (head["commit"] if head else None) != base:
            raise _LostRace("another writer committed first")
        records: dict[str, str] = dict(_meta(tx, _META_RECORDS) or {})
        gc: list[str] = []
        if added is not None:
            remote.put_sentences(sentence_rows)
            rid = f"doc:{added}:{uuid.uuid4().hex[:16]}"
            remote.put_record(rid, added, _record_body(tx, added, sentence_keys))
            if added in records:
                gc.append(records[added])
            records[added] = rid
        gc += [records.pop(sha) for sha in removed if sha in records]
        new_head = {
            "format": HEAD_FORMAT,
            "commit": uuid.uuid4().hex,
            "parent": base,
            "generation": (head["generation"] if head else 0) + 1,
            "settings": self.settings,
            "series": [list(r) for r in tx.execute("SELECT id, name, created_at FROM series")],
            "documents": [
                [sha, sid, label, bool(cur), at, records[sha]]
                for sha, sid, label, cur, at in tx.execute(
                    "SELECT sha256, series_id, edition_label, is_current, ingested_at "
                    "FROM documents WHERE status = 'complete' ORDER BY rowid"
                )
            ],
        }
        _crash_point("before_head")
        if not remote.claim(new_head):  # the compare-and-swap on the generation
            raise _LostRace("another writer committed first")
        remote.put_head(new_head)
        _crash_point("after_head")
        _set_meta(tx, _META_COMMIT, new_head["commit"])
        _set_meta(tx, _META_GENERATION, new_head["generation"])
        _set_meta(tx, _META_RECORDS, records)
        self._gc = gc
        self._gc_docs = [*([added] if added is not None else []), *removed]

    def after_commit(self, index: CatalogHost, removed: Sequence[str] = ()) -> None:
        """Delete what the new head no longer names: removed editions' vectors, replaced
        records, and records orphaned by earlier crashed ingests of the same documents."""
        for sha in removed:
            self.remote.chunks.delete(where={"doc_sha256": sha})
        gc, docs = self._gc, self._gc_docs
        self._gc, self._gc_docs = [], []
        named = set((_meta(index.db, _META_RECORDS) or {}).values())
        for sha in docs:
            gc += self.remote.record_ids(sha)
        gc = [r for r in dict.fromkeys(gc) if r not in named]
        if gc:
            self.remote.delete_records(gc)


# ---------------------------------------------------------------------------- helpers


def _check_settings_value(
    url: str, stored: dict[str, Any], wanted: dict[str, Any] | None, name: str
) -> dict[str, Any]:
    return check_settings(url, {"casebook_settings": stored}, wanted, name)


def _meta(db: sqlite3.Connection, key: str) -> Any:
    row = db.execute("SELECT value FROM index_meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else json.loads(row[0])


def _set_meta(db: sqlite3.Connection, key: str, value: Any) -> None:
    db.execute(
        "INSERT OR REPLACE INTO index_meta(key, value) VALUES (?, ?)",
        (key, json.dumps(value, sort_keys=True)),
    )


def _record_body(tx: sqlite3.Connection, sha: str, sentence_keys: Iterable[str]) -> dict:
    """A document's catalog row, chunk ids in order, sentence hashes and entities, as the
    transaction is about to commit them (so the record equals what this cache holds)."""
    cols = ("title", "path", "kind", "pages", "parser", "status", "outline", "extra")
    row = tx.execute(f"SELECT {', '.join(cols)} FROM documents WHERE sha256 = ?", (sha,)).fetchone()
    return {
        "sha256": sha,
        **dict(zip(cols, row, strict=True)),
        "chunks": [
            r[0]
            for r in tx.execute("SELECT id FROM chunks WHERE doc_sha256 = ? ORDER BY seq", (sha,))
        ],
        "sentences": sorted(set(sentence_keys)),
        "entities": [
            list(r)
            for r in tx.execute(
                f"SELECT {_ENTITY_COLUMNS} FROM entities WHERE doc_sha256 = ? ORDER BY rowid",
                (sha,),
            )
        ],
    }


def _chunk_row(cid: str, seq: int, c: dict[str, Any]) -> tuple[Any, ...]:
    return (
        cid,
        c["doc_sha256"],
        seq,
        c["text_hash"],
        c["text"],
        c["document"],
        c["part_kind"],
        c["case"],
        c["part"],
        json.dumps(c["section_path"]),
        json.dumps(c["pdf_pages"]),
        json.dumps(c["page_labels"]),
        c["start"],
        c["end"],
        c["tokens"],
        json.dumps(c.get("page_starts", [])),
        c.get("table_title", ""),
    )
