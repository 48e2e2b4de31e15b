"""The server side of a shared index: addresses, named indexes, and the records of one
index on a Chroma server (collections, the commit chain, write leases).

One Chroma server holds several casebook indexes, each a *name* mapped onto a prefix
of three collections (``index_collections``); the name ``default`` keeps the names
casebook always used, so an existing server's index is the default one:

    <prefix>chunks     one row per chunk: its vector, the filter metadata, and the whole
                       chunk (text, pages, section path ...) as JSON in the document
    <prefix>sentences  one row per distinct sentence: its vector (keyed by text hash)
    <prefix>records    1-d dummy vectors; JSON documents:
                         doc:<sha256>:<nonce>  a document's catalog row, chunk ids in order,
                                               sentence hashes and entities (immutable)
                         commit:<N>            the state of generation N (a *head*)
                         head                  a copy of the newest head (a hint)
                         lease:<N>:<term>      who may commit generation N (index.lease)

**The commit is a compare-and-swap on the generation.** Chroma has no conditional write,
but ``add`` of an id that already exists is a no-op (the record keeps its first
content; chroma-core/chroma#1062) and one server applies a collection's writes in
order. So ``claim`` adds ``commit:<N+1>`` and reads it back: exactly one writer finds
its own commit there, every other one learns that generation N+1 is taken. The newest
state is the end of the chain ``commit:1, commit:2, …``; ``head`` only says where to
start looking (it is upserted after each claim and may lag, never lead). This rests
on that observed behaviour of a single-node Chroma 1.x server (tested with concurrent
writers in tests/test_server_leases.py), not on a documented guarantee.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from index.catalog import _SETTINGS_META_KEY, SCHEMA_VERSION, SERVERS_DIR, _batched, _settings_diff
from index.errors import (
    CasebookIndexError,
    EmptyServerIndex,
    IndexOpenError,
    IndexSettingsMismatch,
    ServerError,
)

CHUNKS = "casebook_chunks"  # the default index's collections (the names before named indexes)
SENTENCES = "casebook_sentences"
RECORDS = "casebook_records"
DEFAULT_INDEX = "default"
ENV_INDEX_NAME = "CASEBOOK_INDEX_NAME"
HEAD_ID = "head"
HEAD_FORMAT = 1
REQUEST_TIMEOUT = 10.0  # s: a first answer from the server (a hung one fails in this)
DATA_TIMEOUT = 120.0  # s: between bytes of a large transfer on a busy server
_CHAIN_STEP = 8  # commit records asked for at once when looking for the newest head
_GET_BATCH = 1000
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?")
_NAMED = re.compile(r"casebook\.(?P<name>[A-Za-z0-9_-]+)\.chunks")

_chosen_name: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "casebook_index_name", default=None
)


# ---------------------------------------------------------------------------- names


def index_name(name: str | None = None) -> str:
    """The index name to use: ``name``, else one set by ``using_index_name`` (the CLI's
    ``--index-name``), else ``$CASEBOOK_INDEX_NAME``, else ``default``. Checked here."""
    import os

    chosen = name or _chosen_name.get() or os.environ.get(ENV_INDEX_NAME) or DEFAULT_INDEX
    if not _NAME.fullmatch(chosen):
        raise ServerError(
            f"{chosen!r} is not an index name: use 1-63 letters, digits, '-' or '_', "
            "starting and ending with a letter or digit"
        )
    return chosen


@contextmanager
def using_index_name(name: str | None) -> Iterator[None]:
    """Open server indexes under ``name`` (None: leave the choice as it is) meanwhile.

    Why a context and not a parameter: the CLI's shared ``--index-name`` flag then
    reaches every command's ``open_index`` without threading it through each of them.
    """
    token = _chosen_name.set(name) if name else None
    try:
        yield
    finally:
        if token is not None:
            _chosen_name.reset(token)


def index_collections(name: str) -> tuple[str, str, str]:
    """(chunks, sentences, records) collection names of index ``name`` on a server."""
    if name == DEFAULT_INDEX:
        return CHUNKS, SENTENCES, RECORDS
    return f"casebook.{name}.chunks", f"casebook.{name}.sentences", f"casebook.{name}.records"


def name_of_collection(collection: str) -> str | None:
    """The index a chunks collection belongs to (None: not a casebook chunks collection)."""
    if collection == CHUNKS:
        return DEFAULT_INDEX
    m = _NAMED.fullmatch(collection)
    return m.group("name") if m and _NAME.fullmatch(m.group("name")) else None


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


def cache_dir(index_dir: Path, url: str, name: str = DEFAULT_INDEX) -> Path:
    """Where this machine caches index ``name`` of the server at ``url`` (the default
    index keeps the folder it always had)."""
    norm = normalise_url(url)
    host, port, _ = parse_url(norm)
    safe_host = re.sub(r"[^A-Za-z0-9.-]", "_", host)
    if name == DEFAULT_INDEX:
        key = hashlib.sha256(norm.encode()).hexdigest()[:12]
        return Path(index_dir) / SERVERS_DIR / f"{safe_host}-{port}-{key}"
    key = hashlib.sha256(f"{norm}#{name}".encode()).hexdigest()[:12]
    return Path(index_dir) / SERVERS_DIR / f"{safe_host}-{port}-{name}-{key}"


def where(url: str, name: str) -> str:
    """How messages name an index: the server, and the index unless it is the default."""
    return url if name == DEFAULT_INDEX else f"{url} (index {name!r})"


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


_TRANSIENT_TRIES = 5


def _transient(exc: BaseException) -> bool:
    """A server error that a moment later goes away: a collection another writer has just
    created has no vector segment on disk yet (chroma issue #4212). Every call retried on
    it is idempotent here (reads, and inserts of fixed ids that keep the first record)."""
    return "hnsw segment reader" in str(exc) and "Nothing found on disk" in str(exc)


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
            for attempt in range(_TRANSIENT_TRIES):
                try:
                    return attr(*args, **kwargs)
                except CasebookIndexError:
                    raise
                except Exception as exc:
                    if attempt + 1 < _TRANSIENT_TRIES and _transient(exc):
                        time.sleep(0.2 * 2**attempt)
                        continue
                    raise ServerError(_describe(self._url, exc)) from exc
            raise AssertionError("unreachable")

        return call


def empty(url: str, name: str = DEFAULT_INDEX) -> EmptyServerIndex:
    """The one-line error for an index the server does not hold, naming the ones it does
    (a mistyped ``--index-name`` is then seen at once)."""
    flag = "" if name == DEFAULT_INDEX else f" --index-name {name}"
    try:
        known = [i["name"] for i in list_indexes(url)]
    except CasebookIndexError:
        known = []
    return EmptyServerIndex(
        f"the Chroma server at {url} has no casebook index {name!r} (its indexes: "
        f"{', '.join(known) or 'none'}); "
        f"build one with `casebook ingest PATH --chroma-url {url}{flag}`"
    )


def check_settings(
    url: str,
    metadata: dict[str, Any] | None,
    wanted: dict[str, Any] | None,
    name: str = DEFAULT_INDEX,
) -> dict[str, Any]:
    """The settings the server's index was built with; refuse them if they differ."""
    chunks, sentences, records = index_collections(name)
    stored_json = (metadata or {}).get(_SETTINGS_META_KEY)
    if stored_json is None:
        raise IndexOpenError(
            f"the Chroma server at {url} has a {chunks!r} collection that casebook did not "
            "create (no index settings recorded); use another server"
        )
    stored = json.loads(stored_json) if isinstance(stored_json, str) else stored_json
    if wanted is not None and stored != wanted:
        raise IndexSettingsMismatch(
            f"the index on the Chroma server at {where(url, name)} was built with other "
            f"settings ({_settings_diff(stored, wanted)}); use another server or index name, "
            f"or delete its {chunks}, {sentences} and {records} collections to rebuild it"
        )
    return stored


def preflight(url: str, timeout: float = REQUEST_TIMEOUT) -> None:
    """One heartbeat with a deadline, before chromadb's client (which waits forever on a
    server that accepts connections and never answers)."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=timeout) as resp:
            resp.read()
    except urllib.error.HTTPError:
        return  # it answered: chromadb's client reports what it does not like
    except (urllib.error.URLError, OSError) as exc:
        raise _unreachable(url, exc, timeout) from exc


def _unreachable(url: str, exc: BaseException, timeout: float) -> ServerError:
    """One line for a plain HTTP call that got no answer: hung (timed out) or unreachable."""
    reason = getattr(exc, "reason", exc)
    if isinstance(reason, TimeoutError) or "timed out" in str(reason):
        return ServerError(
            f"the Chroma server at {url} accepted the connection but did not answer "
            f"within {timeout:.0f} s; is it hung or overloaded?"
        )
    return ServerError(
        f"cannot reach the Chroma server at {url} ({reason}); is it running "
        "(`chroma run --path DIR --host HOST --port PORT`) and is the URL right?"
    )


def probe(
    url: str,
    name: str = DEFAULT_INDEX,
    known: int | None = None,
    timeout: float = REQUEST_TIMEOUT,
) -> tuple[dict[str, Any] | None, Any] | None:
    """(settings or None if the server has no such index, newest head or None) in a few
    plain HTTP requests; None when the server's API is not the expected one (let
    chromadb decide). ``known``: the generation the caller holds (one request less).

    Why: a reader whose cache already holds the head needs nothing else from the server,
    and importing chromadb's client costs ~1 s, as much as the rest of a cold ``ask``.
    """
    import urllib.error
    import urllib.request

    base = f"{url}/api/v2/tenants/default_tenant/databases/default_database/collections"
    chunks_name, _, records_name = index_collections(name)

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
            raise _unreachable(url, exc, timeout) from exc
        except ValueError as exc:
            raise _Unexpected from exc

    try:
        chunks = call(f"/{chunks_name}")
        if chunks is None:
            return None, None
        settings = check_settings(url, chunks.get("metadata"), None, name)
        records = call(f"/{records_name}")
        if records is None:
            return None  # incomplete: the full client reports it

        def get(ids: list[str]) -> dict[str, str]:
            got = call(f"/{records['id']}/get", {"ids": ids, "include": ["documents"]})
            return dict(zip(got["ids"], got["documents"], strict=True))

        return settings, newest_head(get, known)
    except (_Unexpected, KeyError, TypeError, ValueError):
        return None


def commit_id(generation: int) -> str:
    return f"commit:{generation}"


def newest_head(get: Callable[[list[str]], dict[str, str]], known: int | None) -> Any:
    """The head at the end of the commit chain: start at the ``head`` hint (and at
    generation ``known``, which the caller may already hold), follow ``commit:N+1``.

    ``get`` fetches record documents by id (absent ids are left out).
    """
    asked = [HEAD_ID] + ([commit_id(known + i) for i in range(1, _CHAIN_STEP)] if known else [])
    docs = get(asked)
    requested = set(asked)
    head = json.loads(docs[HEAD_ID]) if HEAD_ID in docs else None
    if known:  # the hint may lag behind what the caller saw; the chain decides
        chained = [known + i for i in range(1, _CHAIN_STEP) if commit_id(known + i) in docs]
        if chained and (head is None or head["generation"] < max(chained)):
            head = json.loads(docs[commit_id(max(chained))])
    while True:
        gen = int(head["generation"]) if head else 0
        nxt = commit_id(gen + 1)
        if nxt not in docs:
            if nxt in requested:
                return head
            batch = [commit_id(gen + i) for i in range(1, _CHAIN_STEP + 1)]
            requested.update(batch)
            docs.update(get(batch))
            if nxt not in docs:
                return head
        head = json.loads(docs[nxt])


class _Unexpected(Exception):
    """The server answered, but not as a Chroma 1.x server does."""


class Missing(Exception):
    """Something the head names is not on the server (a concurrent remove, or damage)."""


# ---------------------------------------------------------------------------- one index


class Remote:
    """The three collections of one casebook index on a Chroma server."""

    def __init__(
        self, url: str, client: Any, colls: Sequence[Any], settings: dict, name: str
    ) -> None:
        self.url = url
        self.name = name
        self.client = client
        self.chunks, self.sentences, self.records = colls
        self.settings = settings
        self.max_batch = max(1, min(int(client.get_max_batch_size()), _GET_BATCH))

    @classmethod
    def connect(
        cls,
        url: str,
        wanted: dict[str, Any] | None,
        *,
        create: bool,
        name: str = DEFAULT_INDEX,
    ) -> Remote:
        """Connect, check the server's settings against ``wanted``; create the collections
        if there are none and ``create`` (a writer), else raise ``EmptyServerIndex``."""
        host, port, ssl = parse_url(url)
        url = normalise_url(url)
        preflight(url)
        try:
            import chromadb
            import httpx
            from chromadb.config import Settings

            inner = chromadb.HttpClient(
                host=host, port=port, ssl=ssl, settings=Settings(anonymized_telemetry=False)
            )
            session = getattr(getattr(inner, "_server", None), "_session", None)
            if session is not None:  # chromadb waits forever by default
                session.timeout = httpx.Timeout(DATA_TIMEOUT, connect=REQUEST_TIMEOUT)
            client = _Guarded(inner, url)
            client.heartbeat()
        except CasebookIndexError:
            raise
        except Exception as exc:  # HttpClient() itself probes the server
            raise ServerError(_describe(url, exc)) from exc
        names = index_collections(name)
        colls = [_get_collection(client, n) for n in names]
        if colls[0] is None:
            if not create or wanted is None:
                raise empty(url, name)
            colls = _create_collections(client, wanted, name)
        stored = check_settings(url, colls[0].metadata, wanted, name)
        missing = [n for n, c in zip(names, colls, strict=True) if c is None]
        if missing:
            raise IndexOpenError(
                f"the index on the Chroma server at {where(url, name)} is incomplete (no "
                f"{missing[0]!r} collection); delete its collections and re-ingest"
            )
        return cls(url, client, [_Guarded(c, url) for c in colls], stored, name)

    # head and commits

    def _docs(self, ids: list[str]) -> dict[str, str]:
        got = self.records.get(ids=ids, include=["documents"])
        return dict(zip(got["ids"], got["documents"], strict=True))

    def read_head(self, known: int | None = None) -> dict[str, Any] | None:
        """The newest committed state, or None for an index nothing was committed to yet."""
        head = newest_head(self._docs, known)
        if head is not None and head.get("format") != HEAD_FORMAT:
            raise IndexOpenError(
                f"the index on {where(self.url, self.name)} was written by another casebook "
                f"version (head format {head.get('format')!r}, this one reads {HEAD_FORMAT})"
            )
        return head

    def claim(self, head: dict[str, Any]) -> bool:
        """The commit: compare-and-swap generation ``head["generation"]``. True if this
        ``head`` now holds it; False if another writer's head got there first."""
        gen = int(head["generation"])
        body = json.dumps(head, ensure_ascii=False)
        self.records.add(  # a no-op when the id exists: the first writer keeps it
            ids=[commit_id(gen)],
            embeddings=np.ones((1, 1), np.float32),
            documents=[body],
            metadatas=[{"kind": "commit", "generation": gen}],
        )
        got = self._docs([commit_id(gen)])
        return commit_id(gen) in got and json.loads(got[commit_id(gen)])["commit"] == head["commit"]

    def put_head(self, head: dict[str, Any]) -> None:
        """The hint where readers start: one upsert of one record."""
        self.records.upsert(
            ids=[HEAD_ID],
            embeddings=np.ones((1, 1), np.float32),
            documents=[json.dumps(head, ensure_ascii=False)],
            metadatas=[{"kind": "head", "generation": int(head["generation"])}],
        )

    # leases (index.lease decides; these are the records)

    def leases(self, generation: int) -> list[dict[str, Any]]:
        """Every lease record taken for committing ``generation``."""
        got = self.records.get(
            where={"$and": [{"kind": "lease"}, {"generation": generation}]},
            include=["documents"],
        )
        return [json.loads(d) for d in got["documents"]]

    def add_lease(self, lease: dict[str, Any]) -> bool:
        """Take lease ``lease["id"]`` if nobody has (insert-if-absent, read back)."""
        self.records.add(
            ids=[lease["id"]],
            embeddings=np.ones((1, 1), np.float32),
            documents=[json.dumps(lease)],
            metadatas=[{"kind": "lease", "generation": int(lease["generation"])}],
        )
        got = self._docs([lease["id"]])
        return lease["id"] in got and json.loads(got[lease["id"]])["token"] == lease["token"]

    def put_lease(self, lease: dict[str, Any]) -> None:
        """Renew or release one's own lease record."""
        self.records.upsert(
            ids=[lease["id"]],
            embeddings=np.ones((1, 1), np.float32),
            documents=[json.dumps(lease)],
            metadatas=[{"kind": "lease", "generation": int(lease["generation"])}],
        )

    def drop_leases(self, up_to: int) -> None:
        """Delete the lease records of generations ``<= up_to`` (all committed)."""
        self.records.delete(where={"$and": [{"kind": "lease"}, {"generation": {"$lte": up_to}}]})

    # document records

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
            raise Missing(f"document record {absent[0]} is missing")
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
            raise Missing(f"chunk {absent[0]} is missing")
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
            raise Missing(f"{len(keys) - len(rows)} sentence vector(s) are missing")
        return rows


def list_indexes(url: str) -> list[dict[str, Any]]:
    """The casebook indexes on the server at ``url``: name, documents, generation, model.

    Why plain HTTP: it needs a listing and one head per index, nothing of the client.
    """
    url = normalise_url(url)
    preflight(url)
    import urllib.request

    base = f"{url}/api/v2/tenants/default_tenant/databases/default_database/collections"
    try:
        with urllib.request.urlopen(base + "?limit=100000", timeout=REQUEST_TIMEOUT) as resp:
            colls = json.loads(resp.read())
    except OSError as exc:
        raise ServerError(
            f"the Chroma server at {url} did not list its collections ({exc})"
        ) from exc
    out = []
    for c in sorted(colls, key=lambda c: c["name"]):
        name = name_of_collection(c["name"])
        if name is None:
            continue
        found = probe(url, name)
        if found is None or found[0] is None:
            continue
        settings, head = found
        docs = head["documents"] if head else []
        out.append(
            {
                "name": name,
                "documents": sum(1 for d in docs if d[3]),
                "editions": len(docs),
                "generation": head["generation"] if head else 0,
                "model": settings.get("model"),
                "collections": list(index_collections(name)),
            }
        )
    return out


def _get_collection(client: Any, name: str) -> Any:
    from chromadb.errors import NotFoundError

    try:
        return client._inner.get_collection(name, embedding_function=None)
    except NotFoundError:
        return None
    except Exception as exc:
        raise ServerError(_describe(client._url, exc)) from exc


def _create_collections(client: Any, settings: dict[str, Any], name: str) -> list[Any]:
    """Create the three collections; ``chunks`` last, as it marks the set as complete.

    A rival client creating them at the same moment is fine: whoever loses reads the
    winner's, and the settings check that follows compares with what the winner wrote.
    """
    chunks, sentences, records = index_collections(name)
    meta = {_SETTINGS_META_KEY: json.dumps(settings, sort_keys=True)}
    specs = [
        (records, {"hnsw": {"space": "l2"}}, {"casebook": "records", "index": name}),
        (sentences, {"hnsw": {"space": "ip"}}, {"casebook": "sentences", "index": name}),
        (chunks, {"hnsw": {"space": "ip"}}, {**meta, "schema_version": SCHEMA_VERSION}),
    ]
    out: dict[str, Any] = {}
    for coll, config, metadata in specs:
        found = _get_collection(client, coll)
        if found is None:
            try:
                found = client._inner.create_collection(
                    coll, configuration=config, metadata=metadata, embedding_function=None
                )
            except Exception as exc:
                found = _get_collection(client, coll)  # lost a race: use the winner's
                if found is None:
                    raise ServerError(_describe(client._url, exc)) from exc
        out[coll] = found
    return [out[chunks], out[sentences], out[records]]
