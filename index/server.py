"""A casebook index on a Chroma server (``--chroma-url``), queried through a local cache.

Why this shape: the server is the one shared authority, but the query path (numpy dense
search, numpy BM25, extractive answers over stored sentence vectors) must stay local and
fast. So everything the SQLite catalog holds is also on the server, in three collections:

    casebook_chunks     one row per chunk: its vector, the filter metadata, and the whole
                        chunk (text, pages, section path ...) as JSON in the document
    casebook_sentences  one row per distinct sentence: its vector (keyed by text hash)
    casebook_records    1-d dummy vectors; JSON documents:
                          doc:<sha256>:<nonce>  a document's catalog row, its chunk ids in
                                                order, its sentence hashes and its entities
                          head                  THE commit record (below)

The **head** names, for generation N, the series and every edition with its label,
``is_current`` flag, ingest time and document record. Writers put vectors, sentences and
the document record first and upsert the head last; a single-record upsert is atomic,
so the head is the commit point. A client or server that dies before it leaves the head
(and so every reader) on the old state; what was written before is invisible and a
retry reuses or overwrites it. Document records are immutable (a new nonce per ingest),
so a reader can cache them. Vector collections use inner-product space: our vectors are
unit length already, and unlike cosine space the server returns them bit-exact, so
every machine ranks with identical numbers.

Each machine keeps a cache per server in ``<index>/servers/<host>-<port>-<hash>/``: an
ordinary catalog + BM25/vector snapshots (an ``index.store.Index`` over this backend).
Opening checks the head (one request) and, if its commit differs from the cache's, brings
the cache to it in one SQLite transaction: editions whose record is unchanged are kept, new
ones are fetched.
Two machines syncing the same head hold the same catalog, hence give the same answers.

One writer at a time per server: a writer checks just before its head upsert that the
head is still the one it synced from and fails cleanly otherwise (the window between
that check and the upsert is not locked).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
import uuid
import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import numpy as np

from index.catalog import (
    _SETTINGS_META_KEY,
    SCHEMA_VERSION,
    SERVERS_DIR,
    _batched,
    _crash_point,
    _settings_diff,
)
from index.errors import (
    CasebookIndexError,
    EmptyServerIndex,
    IndexOpenError,
    IndexSettingsMismatch,
    ServerError,
)
from pipeline.types import Chunk

if TYPE_CHECKING:
    from index.backend import CatalogHost

CHUNKS = "casebook_chunks"
SENTENCES = "casebook_sentences"
RECORDS = "casebook_records"
HEAD_ID = "head"
HEAD_FORMAT = 1
_GET_BATCH = 1000
_SYNC_ATTEMPTS = 3
_META_COMMIT = "server_commit"
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
)
_ENTITY_COLUMNS = (
    "chunk_id, type, text, case_title, section, page_label, pdf_page, span_start, span_end, attrs"
)


# ---------------------------------------------------------------------------- addresses


def parse_url(url: str) -> tuple[str, int, bool]:
    """(host, port, ssl) of ``http(s)://HOST[:PORT]``; ``ServerError`` for anything else."""
    parts = urlsplit(url.strip())
    bad = ServerError(f"{url!r} is not a Chroma server URL; expected http://HOST:PORT")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad
    try:
        port = parts.port
    except ValueError:
        raise bad from None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise bad
    return (
        parts.hostname,
        port or (443 if parts.scheme == "https" else 8000),
        (parts.scheme == "https"),
    )


def normalise_url(url: str) -> str:
    """The URL in one spelling (scheme://host:port), so one server gets one cache."""
    host, port, ssl = parse_url(url)
    return f"{'https' if ssl else 'http'}://{host.lower()}:{port}"


def cache_dir(index_dir: Path, url: str) -> Path:
    """Where this machine caches the index of the server at ``url``."""
    norm = normalise_url(url)
    host, port, _ = parse_url(norm)
    key = hashlib.sha256(norm.encode()).hexdigest()[:12]
    return Path(index_dir) / SERVERS_DIR / f"{re.sub(r'[^A-Za-z0-9.-]', '_', host)}-{port}-{key}"


def _describe(url: str, exc: BaseException) -> str:
    """One line for a failed server call: unreachable, gone, or the server's own error."""
    import httpx

    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if isinstance(exc, httpx.ConnectError) or "Could not connect" in text:
        return (
            f"cannot reach the Chroma server at {url} ({text}); is it running "
            "(`chroma run --path DIR --host HOST --port PORT`) and is the URL right?"
        )
    if isinstance(exc, httpx.TimeoutException):
        return f"the Chroma server at {url} did not answer in time ({text})"
    if isinstance(exc, httpx.TransportError):
        return f"the connection to the Chroma server at {url} broke ({text}); nothing was committed"
    return f"the Chroma server at {url} refused a request: {type(exc).__name__}: {text}"


class _Guarded:
    """A chroma object whose calls raise ``ServerError`` (with URL and reason) on failure.

    Why: ``Index`` calls the collection in many places; wrapping it once keeps each of
    them a one-line CLI error instead of an httpx or chromadb traceback.
    """

    def __init__(self, inner: Any, url: str) -> None:
        self._inner, self._url = inner, url

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return attr(*args, **kwargs)
            except CasebookIndexError:
                raise
            except Exception as exc:
                raise ServerError(_describe(self._url, exc)) from exc

        return call


def _empty(url: str) -> EmptyServerIndex:
    return EmptyServerIndex(
        f"the Chroma server at {url} holds no casebook index yet; "
        f"build one with `casebook ingest PATH --chroma-url {url}`"
    )


def _check_settings(
    url: str, metadata: dict[str, Any] | None, wanted: dict[str, Any] | None
) -> dict[str, Any]:
    """The settings the server's index was built with; refuse them if they differ."""
    stored_json = (metadata or {}).get(_SETTINGS_META_KEY)
    if stored_json is None:
        raise IndexOpenError(
            f"the Chroma server at {url} has a {CHUNKS!r} collection that casebook did not "
            "create (no index settings recorded); use another server"
        )
    stored = json.loads(stored_json)
    if wanted is not None and stored != wanted:
        raise IndexSettingsMismatch(
            f"the index on the Chroma server at {url} was built with other settings "
            f"({_settings_diff(stored, wanted)}); use another server, or delete its "
            f"{CHUNKS}, {SENTENCES} and {RECORDS} collections to rebuild it"
        )
    return stored


def probe(url: str, timeout: float = 30.0) -> tuple[dict[str, Any] | None, Any] | None:
    """(settings or None if the server has no index, head or None) in three plain HTTP
    requests; None when the server's API is not the expected one (let chromadb decide).

    Why: a reader whose cache already holds the head needs nothing else from the server,
    and importing chromadb's client costs ~1 s, as much as the rest of a cold ``ask``.
    """
    import urllib.error
    import urllib.request

    base = f"{url}/api/v2/tenants/default_tenant/databases/default_database/collections"

    def call(path: str, body: dict[str, Any] | None = None) -> Any:
        req = urllib.request.Request(
            base + path,
            data=None if body is None else json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="GET" if body is None else "POST",
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise _Unexpected from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ServerError(
                f"cannot reach the Chroma server at {url} ({reason}); is it running "
                "(`chroma run --path DIR --host HOST --port PORT`) and is the URL right?"
            ) from exc
        except ValueError as exc:
            raise _Unexpected from exc

    try:
        chunks = call(f"/{CHUNKS}")
        if chunks is None:
            return None, None
        settings = _check_settings(url, chunks.get("metadata"), None)
        records = call(f"/{RECORDS}")
        if records is None:
            return None  # incomplete: the full client reports it
        got = call(f"/{records['id']}/get", {"ids": [HEAD_ID], "include": ["documents"]})
        return settings, (json.loads(got["documents"][0]) if got["ids"] else None)
    except (_Unexpected, KeyError, TypeError, ValueError):
        return None


class _Unexpected(Exception):
    """The server answered, but not as a Chroma 1.x server does."""


class _Missing(Exception):
    """Something the head names is not on the server (a concurrent remove, or damage)."""


# ---------------------------------------------------------------------------- the server side


class Remote:
    """The three collections of one casebook index on a Chroma server."""

    def __init__(self, url: str, client: Any, colls: dict[str, Any], settings: dict) -> None:
        self.url = url
        self.client = client
        self.chunks, self.sentences, self.records = (colls[n] for n in (CHUNKS, SENTENCES, RECORDS))
        self.settings = settings
        self.max_batch = max(1, min(int(client.get_max_batch_size()), _GET_BATCH))

    @classmethod
    def connect(cls, url: str, wanted: dict[str, Any] | None, *, create: bool) -> Remote:
        """Connect, check the server's settings against ``wanted``; create the collections
        if there are none and ``create`` (a writer), else raise ``EmptyServerIndex``."""
        host, port, ssl = parse_url(url)
        url = normalise_url(url)
        try:
            import chromadb
            from chromadb.config import Settings

            client = _Guarded(
                chromadb.HttpClient(
                    host=host, port=port, ssl=ssl, settings=Settings(anonymized_telemetry=False)
                ),
                url,
            )
            client.heartbeat()
        except CasebookIndexError:
            raise
        except Exception as exc:  # HttpClient() itself probes the server
            raise ServerError(_describe(url, exc)) from exc
        colls = {n: _get_collection(client, n) for n in (CHUNKS, SENTENCES, RECORDS)}
        if colls[CHUNKS] is None:
            if not create or wanted is None:
                raise _empty(url)
            colls = _create_collections(client, wanted)
        stored = _check_settings(url, colls[CHUNKS].metadata, wanted)
        missing = [n for n, c in colls.items() if c is None]
        if missing:
            raise IndexOpenError(
                f"the index on the Chroma server at {url} is incomplete (no {missing[0]!r} "
                "collection); delete its casebook_* collections and re-ingest"
            )
        return cls(url, client, {n: _Guarded(c, url) for n, c in colls.items()}, stored)

    # head and records

    def read_head(self) -> dict[str, Any] | None:
        """The committed state, or None for an index nothing was committed to yet."""
        got = self.records.get(ids=[HEAD_ID], include=["documents"])
        if not got["ids"]:
            return None
        head = json.loads(got["documents"][0])
        if head.get("format") != HEAD_FORMAT:
            raise IndexOpenError(
                f"the index on {self.url} was written by another casebook version "
                f"(head format {head.get('format')!r}, this one reads {HEAD_FORMAT})"
            )
        return head

    def put_head(self, head: dict[str, Any]) -> None:
        """The commit: one upsert of one record."""
        self.records.upsert(
            ids=[HEAD_ID],
            embeddings=np.ones((1, 1), np.float32),
            documents=[json.dumps(head, ensure_ascii=False)],
            metadatas=[{"kind": "head", "generation": int(head["generation"])}],
        )

    def put_record(self, rid: str, sha: str, body: dict[str, Any]) -> None:
        self.records.upsert(
            ids=[rid],
            embeddings=np.ones((1, 1), np.float32),
            documents=[json.dumps(body, ensure_ascii=False)],
            metadatas=[{"kind": "document", "sha256": sha}],
        )

    def get_records(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for batch in _batched(list(ids), self.max_batch):
            got = self.records.get(ids=list(batch), include=["documents"])
            for rid, doc in zip(got["ids"], got["documents"], strict=True):
                out[rid] = json.loads(doc)
        absent = [i for i in ids if i not in out]
        if absent:
            raise _Missing(f"document record {absent[0]} is missing")
        return out

    def record_ids(self, sha: str) -> list[str]:
        """Every stored record of one document (committed or orphaned by a crash)."""
        return list(self.records.get(where={"sha256": sha}, include=[])["ids"])

    def delete_records(self, ids: Sequence[str]) -> None:
        for batch in _batched(list(ids), self.max_batch):
            self.records.delete(ids=list(batch))

    # chunks and sentences

    def get_chunks(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for batch in _batched(list(ids), self.max_batch):
            got = self.chunks.get(ids=list(batch), include=["documents"])
            for cid, doc in zip(got["ids"], got["documents"], strict=True):
                if doc:
                    out[cid] = json.loads(doc)
        absent = [i for i in ids if i not in out]
        if absent:
            raise _Missing(f"chunk {absent[0]} is missing")
        return out

    def put_sentences(self, rows: Sequence[tuple[str, bytes]]) -> None:
        for batch in _batched(list(rows), self.max_batch):
            self.sentences.upsert(
                ids=[h for h, _ in batch],
                embeddings=np.stack([np.frombuffer(v, dtype=np.float32) for _, v in batch]),
            )

    def get_sentences(self, keys: Sequence[str]) -> list[tuple[str, bytes]]:
        rows: list[tuple[str, bytes]] = []
        for batch in _batched(list(keys), self.max_batch):
            got = self.sentences.get(ids=list(batch), include=["embeddings"])
            for h, emb in zip(got["ids"], got["embeddings"], strict=True):
                rows.append((h, np.asarray(emb, dtype=np.float32).tobytes()))
        if len(rows) != len(keys):
            raise _Missing(f"{len(keys) - len(rows)} sentence vector(s) are missing")
        return rows


def _get_collection(client: Any, name: str) -> Any:
    from chromadb.errors import NotFoundError

    try:
        return client._inner.get_collection(name, embedding_function=None)
    except NotFoundError:
        return None
    except Exception as exc:
        raise ServerError(_describe(client._url, exc)) from exc


def _create_collections(client: Any, settings: dict[str, Any]) -> dict[str, Any]:
    """Create the three collections; ``chunks`` last, as it marks the set as complete.

    A rival client creating them at the same moment is fine: whoever loses reads the
    winner's, and the settings check that follows compares with what the winner wrote.
    """
    meta = {_SETTINGS_META_KEY: json.dumps(settings, sort_keys=True)}
    specs = [
        (RECORDS, {"hnsw": {"space": "l2"}}, {"casebook": "records"}),
        (SENTENCES, {"hnsw": {"space": "ip"}}, {"casebook": "sentences"}),
        (CHUNKS, {"hnsw": {"space": "ip"}}, {**meta, "schema_version": SCHEMA_VERSION}),
    ]
    out: dict[str, Any] = {}
    for name, config, metadata in specs:
        found = _get_collection(client, name)
        if found is None:
            try:
                found = client._inner.create_collection(
                    name, configuration=config, metadata=metadata, embedding_function=None
                )
            except Exception as exc:
                found = _get_collection(client, name)  # lost a race: use the winner's
                if found is None:
                    raise ServerError(_describe(client._url, exc)) from exc
        out[name] = found
    return out


# ---------------------------------------------------------------------------- the index


class ServerBackend:
    """An index on a Chroma server. Reads run on a local cache catalog synced from the
    server's head at open; writes go to the server, head last, then to the cache.

    The ``index.store.Index`` it serves lives in ``<index>/servers/<key>/`` (the cache)
    and keeps the ONNX query model in ``<index>/models/`` (shared with any local index
    there). ``readonly`` forbids writing to the server; the cache is always writable.
    """

    def __init__(self, url: str, *, readonly: bool = False) -> None:
        self.url = normalise_url(url)
        self.readonly = readonly
        self.settings: dict[str, Any] | None = None
        self._remote: Remote | None = None
        self._closed = False
        self._gc: list[str] = []  # records to delete once the head no longer names them
        self._gc_docs: list[str] = []  # documents whose orphaned records to look for

    def __repr__(self) -> str:
        return f"ServerBackend({self.url!r})"

    @property
    def remote(self) -> Remote:
        """The server connection (made on first use: readers with a current cache never
        need it)."""
        if self._closed:
            raise IndexOpenError(f"the index on {self.url} is closed")
        if self._remote is None:
            self._remote = Remote.connect(self.url, self.settings, create=not self.readonly)
        return self._remote

    def open(self, index: CatalogHost, wanted: dict[str, Any] | None) -> dict[str, Any]:
        """Open the cache; bring it to the server's head unless it holds it already."""
        quick = probe(self.url) if self.readonly else None
        if quick is not None:
            settings, head = quick
            if settings is None:
                raise _empty(self.url)
            checked = _check_settings_value(self.url, settings, wanted)
            self.settings = self._open_cache(index, checked)
            if (head["commit"] if head else None) == _meta(index.db, _META_COMMIT):
                return self.settings  # the cache holds the head: no client, no further requests
        self._remote = Remote.connect(self.url, wanted, create=not self.readonly)
        if not index.catalog_is_open:
            self.settings = self._open_cache(index, self._remote.settings)
        assert self.settings is not None
        self.sync(index)
        return self.settings

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
            head = self.remote.read_head()
            commit = head["commit"] if head else None
            if commit == _meta(index.db, _META_COMMIT):
                return False
            try:
                with index.transaction() as tx:
                    if _meta(tx, _META_COMMIT) != commit:  # another process may have synced
                        self._apply_head(tx, head)
            except _Missing as exc:
                if commit in tried:
                    raise IndexOpenError(
                        f"the index on the Chroma server at {self.url} is damaged: {exc}, "
                        "though the head names it; re-ingest into a fresh server"
                    ) from None
                tried.add(commit)
                continue
            index.forget_derived()
            return True
        raise ServerError(
            f"the index on the Chroma server at {self.url} kept changing while it was read; "
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
                "tokens, page_starts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [_chunk_row(cid, seq, chunk_rows[cid]) for seq, cid in enumerate(rec["chunks"])],
            )
            tx.executemany(
                f"INSERT INTO entities(doc_sha256, {_ENTITY_COLUMNS}) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(sha, *e) for e in rec["entities"]],
            )
        tx.executemany("INSERT OR IGNORE INTO sentence_vectors(hash, vec) VALUES (?, ?)", sent_rows)
        _set_meta(tx, _META_COMMIT, head["commit"] if head else None)
        _set_meta(tx, _META_RECORDS, want)

    # ------------------------------------------------------------------ writing: publish

    def vector_documents(self, chunks: Sequence[Chunk]) -> list[str] | None:
        """The whole chunk goes with its vector: the server must hold the catalog too."""
        return [
            json.dumps({f: getattr(c, f) for f in _CHUNK_FIELDS}, ensure_ascii=False)
            for c in chunks
        ]

    @contextmanager
    def writing(self, index: CatalogHost) -> Iterator[None]:
        """One commit to the server (see ``before_commit``)."""
        yield

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
        head = remote.read_head()
        if (head["commit"] if head else None) != base:
            raise ServerError(
                f"the index on the Chroma server at {self.url} was changed by another client "
                "while this command ran; nothing was committed — run the command again"
            )
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
        remote.put_head(new_head)
        _crash_point("after_head")
        _set_meta(tx, _META_COMMIT, new_head["commit"])
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
    url: str, stored: dict[str, Any], wanted: dict[str, Any] | None
) -> dict[str, Any]:
    meta = {_SETTINGS_META_KEY: json.dumps(stored)}
    return _check_settings(url, meta, wanted)


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
    )
