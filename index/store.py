"""The on-disk index: a SQLite catalog (the authority) plus a chromadb vector collection.

Layout under the index folder::

    catalog.sqlite   documents, chunks, index_meta (settings)   -- WAL mode
    chroma/          chromadb PersistentClient, collection "chunks", cosine space
    bm25/<key>/      cached BM25 index over the complete chunks (index.lexical)
    vectors/<key>/   cached matrix of the complete chunks' vectors (numpy dense search)
    models/          the ONNX query model cache (index.embed; the CLI passes it)

Why two stores: chroma gives filtered ANN search but keeps only scalar metadata
and has no multi-row transactions; the catalog holds the full ``Chunk`` records
and marks documents complete in one transaction. Vectors are written first and
the catalog commit comes last, so a crash mid-ingest leaves the previous state
answering; readers drop any chroma id that the catalog does not list under a
complete document.

Editions: a document (one file, by sha256) is an *edition* of a *series*. Exactly
one edition per series is current; readers see the current editions unless an
``Index.set_editions`` scope names others. The commit that makes a new edition
complete also makes it current (and its predecessor history), so there is no
moment at which a series has no visible edition. The BM25 and vector caches for
the new visible set are built *before* that commit, so readers never wait on (or
open) chroma after a switch.

Server mode: ``open_index(dir, settings, chroma_url=URL)`` returns an ``index.server.
ServerIndex``, this same facade over a cache of an index kept on a Chroma server; the
hooks ``_before_commit`` / ``_after_commit`` / ``_vector_documents`` are where it
publishes to the server.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.errors import CasebookIndexError
from pipeline.types import Chunk, Entity

if TYPE_CHECKING:
    from index.embed import Embedder
    from index.lexical import LexicalIndex

SCHEMA_VERSION = 2  # v2: series + editions (v1 catalogs are migrated on open)
COLLECTION = "chunks"
CATALOG_FILE = "catalog.sqlite"
CHROMA_DIR = "chroma"
BM25_DIR = "bm25"
MODELS_DIR = "models"
SERVERS_DIR = "servers"  # <index>/servers/<key>/: local caches of Chroma-server indexes
VECTORS_DIR = "vectors"
_SETTINGS_META_KEY = "casebook_settings"
_EMBED_BATCH = 64
_WHERE_IN_BATCH = 256
_DOC_COLUMNS = ("sha256", "title", "path", "kind", "pages", "parser", "ingested_at", "status")
_DOC_SELECT = (
    "SELECT d.sha256, d.title, d.path, d.kind, d.pages, d.parser, d.ingested_at, d.status, "
    "d.outline, d.extra, (SELECT COUNT(*) FROM chunks c WHERE c.doc_sha256 = d.sha256), "
    "d.series_id, s.name, d.edition_label, d.is_current "
    "FROM documents d LEFT JOIN series s ON s.id = d.series_id WHERE d.status = 'complete'"
)
CRASH_ENV = "CASEBOOK_TEST_CRASH_AT"  # tests: SIGKILL the process at a named point of an add


class IndexOpenError(CasebookIndexError):
    """The folder is missing, foreign or corrupt: it cannot be opened as a casebook index."""


class IndexSettingsMismatch(CasebookIndexError):
    """The index was built with other settings (model, chunking) than this run asks for."""


class ServerError(IndexOpenError):
    """The Chroma server cannot be reached, went away, or refused a request."""


class EmptyServerIndex(IndexOpenError):
    """The Chroma server is up but holds no casebook index yet (a reader cannot create one)."""


class FilterNoMatch(CasebookIndexError):
    """A --case / --document filter matched nothing in the index."""


class AmbiguousDocument(CasebookIndexError):
    """A sha256 prefix matched more than one document."""


def _crash_point(name: str) -> None:
    """Die here, uncleanly, if the crash test asks for it (``CASEBOOK_TEST_CRASH_AT=name``).

    Why in the product code: the kill tests must hit exact points between the vector
    write, the cache build and the catalog commit; a timer cannot.
    """
    if os.environ.get(CRASH_ENV) == name:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


_SCHEMA = """
CREATE TABLE IF NOT EXISTS index_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS series (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    sha256        TEXT PRIMARY KEY,
    title         TEXT NOT NULL,
    path          TEXT,
    kind          TEXT,
    pages         INTEGER,
    parser        TEXT,
    ingested_at   TEXT NOT NULL,
    status        TEXT NOT NULL,
    outline       TEXT,
    extra         TEXT,
    series_id     INTEGER REFERENCES series(id),
    edition_label TEXT,
    is_current    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS documents_series ON documents(series_id, is_current);
CREATE TABLE IF NOT EXISTS chunks (
    id           TEXT PRIMARY KEY,
    doc_sha256   TEXT NOT NULL REFERENCES documents(sha256) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    text_hash    TEXT NOT NULL,
    text         TEXT NOT NULL,
    document     TEXT NOT NULL,
    part_kind    TEXT NOT NULL,
    case_title   TEXT,
    part         TEXT NOT NULL,
    section_path TEXT NOT NULL,
    pdf_pages    TEXT NOT NULL,
    page_labels  TEXT NOT NULL,
    start_char   INTEGER NOT NULL,
    end_char     INTEGER NOT NULL,
    tokens       INTEGER NOT NULL,
    page_starts  TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_sha256, seq);
CREATE INDEX IF NOT EXISTS chunks_text_hash ON chunks(text_hash);
CREATE INDEX IF NOT EXISTS chunks_case ON chunks(case_title);
CREATE TABLE IF NOT EXISTS sentence_vectors (
    hash TEXT PRIMARY KEY,
    vec  BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS entities (
    doc_sha256  TEXT NOT NULL REFERENCES documents(sha256) ON DELETE CASCADE,
    chunk_id    TEXT NOT NULL,
    type        TEXT NOT NULL,
    text        TEXT NOT NULL,
    case_title  TEXT,
    section     TEXT,
    page_label  TEXT,
    pdf_page    INTEGER,
    span_start  INTEGER,
    span_end    INTEGER,
    attrs       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entities_doc ON entities(doc_sha256, type);
CREATE INDEX IF NOT EXISTS entities_chunk ON entities(chunk_id);
"""

_CHUNK_SELECT = (
    "SELECT c.id, c.text_hash, c.text, c.doc_sha256, c.document, c.part_kind, c.case_title, "
    "c.part, c.section_path, c.pdf_pages, c.page_labels, c.start_char, c.end_char, c.tokens, "
    "c.page_starts "
    "FROM chunks c JOIN documents d ON d.sha256 = c.doc_sha256 WHERE d.status = 'complete'"
)
_CURRENT = "d.is_current = 1"


def _put_entities(tx: sqlite3.Connection, sha: str, entities: Sequence[Entity]) -> None:
    """Replace the entity rows of document ``sha``."""
    tx.execute("DELETE FROM entities WHERE doc_sha256 = ?", (sha,))
    tx.executemany(
        "INSERT INTO entities(doc_sha256, chunk_id, type, text, case_title, section, "
        "page_label, pdf_page, span_start, span_end, attrs) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                sha,
                e.chunk_id,
                e.type,
                e.text,
                e.case,
                e.section,
                e.page_label,
                e.pdf_page,
                e.span[0],
                e.span[1],
                json.dumps(e.attrs, ensure_ascii=False, default=str),
            )
            for e in entities
        ],
    )


def sentence_hash(text: str) -> str:
    """Key of a sentence vector: the same sentence is embedded once per index."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _canonical(settings: dict[str, Any]) -> dict[str, Any]:
    """Settings as they round-trip through JSON, so tuples/lists etc. compare equal."""
    try:
        return json.loads(json.dumps(settings, sort_keys=True))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"index settings must be JSON-serialisable: {exc}") from exc


def _settings_diff(stored: dict[str, Any], wanted: dict[str, Any]) -> str:
    keys = sorted(set(stored) | set(wanted))
    parts = [
        f"{k}: index has {stored.get(k, '<unset>')!r}, this run uses {wanted.get(k, '<unset>')!r}"
        for k in keys
        if stored.get(k) != wanted.get(k)
    ]
    return "; ".join(parts)


def _insert_series(db: sqlite3.Connection, name: str, created_at: str | None = None) -> int:
    """A new series row named ``name`` (made unique with " (2)", " (3)" ...); its id."""
    base, n = name.strip() or "untitled", 1
    candidate = base
    while db.execute("SELECT 1 FROM series WHERE name = ?", (candidate,)).fetchone():
        n += 1
        candidate = f"{base} ({n})"
    cur = db.execute(
        "INSERT INTO series(name, created_at) VALUES (?, ?)",
        (candidate, created_at or datetime.now(UTC).isoformat(timespec="seconds")),
    )
    return int(cur.lastrowid or 0)


def _row_to_chunk(r: Sequence[Any]) -> Chunk:
    return Chunk(
        id=r[0],
        text_hash=r[1],
        text=r[2],
        doc_sha256=r[3],
        document=r[4],
        part_kind=r[5],
        case=r[6],
        part=r[7],
        section_path=json.loads(r[8]),
        pdf_pages=json.loads(r[9]),
        page_labels=json.loads(r[10]),
        start=r[11],
        end=r[12],
        tokens=r[13],
        page_starts=json.loads(r[14] or "[]"),
    )


def _input_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _batched(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def open_index(
    index_dir: Path,
    settings: dict[str, Any] | None,
    *,
    readonly: bool = False,
    chroma_url: str | None = None,
) -> Index:
    """The index in ``index_dir``, or with ``chroma_url`` the one on that Chroma server.

    Why one entry point: every command (and the benchmarks) opens an index the same way
    whether it lives in a folder or on a shared server. A server index keeps its local
    cache in ``index_dir/servers/<key>/`` (see ``index.server``).
    """
    if chroma_url:
        from index.server import ServerIndex

        return ServerIndex(chroma_url, Path(index_dir), settings, readonly=readonly)
    return Index(Path(index_dir), settings, readonly=readonly)


def _rows_fit(matrix: np.ndarray, sentences: np.ndarray, owner: np.ndarray) -> bool:
    """Whether sentence rows line up with chunk rows: same width, one owner per row,
    owners ascending and every chunk owning at least one row."""
    n = matrix.shape[0]
    return (
        sentences.shape[0] == owner.shape[0]
        and (n == 0 or sentences.shape[1:] == matrix.shape[1:])
        and (owner.size == 0 or (owner[0] == 0 and owner[-1] == n - 1))
        and bool(np.all(np.diff(owner) >= 0))
        and bool(np.all(np.diff(owner) <= 1))
    )


class VectorSnapshot:
    """The vectors of one exact set of complete chunks, row i = chunk ``ids[i]``, and of
    their sentences: ``sentences[j]`` belongs to chunk row ``owner[j]`` (owners ascending,
    every chunk with at least one row; a chunk without sentences is its own row).

    Why sentences: a chunk is ranked by its closest sentence. Measured on the dev and
    probe gold sets, that lifts hybrid MRR@10 from 0.89 / 0.77 to 0.92 / 0.82: one
    vector for a whole 200-token chunk blurs the one sentence a question is about.
    """

    def __init__(
        self,
        key: str,
        ids: list[str],
        matrix: np.ndarray,
        sentences: np.ndarray | None = None,
        owner: np.ndarray | None = None,
    ) -> None:
        self.key = key
        self.ids = ids
        self.matrix = matrix
        if (sentences is None) != (owner is None):
            raise ValueError("sentence rows need their owners, and owners their rows")
        self.sentences = matrix if sentences is None else sentences
        self.owner = np.arange(len(ids), dtype=np.int32) if owner is None else owner
        self.pos = {cid: i for i, cid in enumerate(ids)}
        # where each chunk's sentence rows begin (for a per-chunk max in one call)
        self._starts = np.flatnonzero(np.r_[True, self.owner[1:] != self.owner[:-1]])

    def save(self, dest: Path) -> None:
        """Atomic: write into a temp sibling folder, then rename it into place."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
        try:
            np.save(tmp / "vectors.npy", self.matrix.astype(np.float32, copy=False))
            np.save(tmp / "sentences.npy", self.sentences.astype(np.float32, copy=False))
            np.save(tmp / "owner.npy", self.owner.astype(np.int32, copy=False))
            (tmp / "ids.json").write_text(json.dumps(self.ids))
            if dest.exists():
                shutil.rmtree(dest)
            os.replace(tmp, dest)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def load(cls, src: Path, key: str, ids: list[str]) -> VectorSnapshot | None:
        """The snapshot at ``src`` if it holds exactly ``ids``; None if missing or stale."""
        if not (src / "ids.json").exists():
            return None
        try:
            stored = json.loads((src / "ids.json").read_text())
            matrix = np.load(src / "vectors.npy", mmap_mode="r")
            if not (src / "owner.npy").exists():
                return None  # cached before sentence rows: build it again
            sentences = np.load(src / "sentences.npy", mmap_mode="r")
            owner = np.load(src / "owner.npy")
        except (OSError, ValueError) as exc:
            warnings.warn(f"ignoring unreadable vector cache {src}: {exc}", stacklevel=2)
            return None
        if stored != ids or matrix.shape[0] != len(ids) or not _rows_fit(matrix, sentences, owner):
            return None
        return cls(key, ids, matrix, sentences, owner)

    def search(
        self, query_vec: np.ndarray, n: int, allowed: set[str] | None = None
    ) -> list[tuple[str, float]]:
        """Top ``n`` (id, cosine of its closest sentence) by exact dot products (rows and
        query are unit length)."""
        if not self.ids or n <= 0:
            return []
        q = np.asarray(query_vec, dtype=np.float32)
        per_sentence = np.asarray(self.sentences @ q, dtype=np.float32)
        sims = (
            np.maximum.reduceat(per_sentence, self._starts) if len(per_sentence) else per_sentence
        )
        if allowed is not None:
            rows = np.asarray(sorted(self.pos[i] for i in allowed if i in self.pos), dtype=int)
            if rows.size == 0:
                return []
        else:
            rows = np.arange(len(self.ids))
        cand = sims[rows]
        if len(rows) > n:
            top = np.argpartition(-cand, n - 1)[:n]
            rows, cand = rows[top], cand[top]
        order = np.lexsort((rows, -cand))
        return [(self.ids[int(rows[i])], float(cand[i])) for i in order]


class Index:
    """Facade over catalog + vectors (+ the cached BM25 index); see the module docstring.

    ``settings`` (model name, chunker settings, ...) is recorded when the index
    is created; opening with different settings raises ``IndexSettingsMismatch``.
    With ``readonly=True`` the index must exist, nothing is written except
    derived caches, and ``settings=None`` means "accept whatever is stored".
    """

    def __init__(
        self,
        path: Path,
        settings: dict[str, Any] | None,
        *,
        readonly: bool = False,
        models_dir: Path | None = None,
    ) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._models_dir = None if models_dir is None else Path(models_dir)
        if settings is None and not readonly:
            raise ValueError("settings are required to create or write an index")
        self._db: sqlite3.Connection | None = None
        self._decoded: dict[str, Chunk] = {}
        self._writes = 0
        self._visible_memo: tuple[Any, list[str], str] | None = None
        self._client: Any = None
        self._closed = False
        self._lexical: LexicalIndex | None = None
        self._lexical_key: str | None = None
        self._vectors: VectorSnapshot | None = None
        self._scope: list[str] | None = None  # explicit visible editions; None = current ones
        self._read_depth = 0
        try:
            self._open(None if settings is None else _canonical(settings))
        except BaseException:
            self.close()
            raise

    def _open(self, wanted: dict[str, Any] | None) -> None:
        """Open the catalog and (for writers) the vector store; subclasses open elsewhere."""
        self.settings = self._open_catalog(wanted)
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

    # ------------------------------------------------------------------ opening

    @property
    def catalog_path(self) -> Path:
        return self.path / CATALOG_FILE

    @property
    def models_dir(self) -> Path:
        """Where the CLI should keep the ONNX query model (``query_embedder(index.models_dir)``)."""
        return self._models_dir or self.path / MODELS_DIR

    @property
    def bm25_dir(self) -> Path:
        return self.path / BM25_DIR

    @property
    def vectors_dir(self) -> Path:
        return self.path / VECTORS_DIR

    @property
    def _catalog_readonly(self) -> bool:
        """Open the SQLite file read-only? (A server index's local cache is always written.)"""
        return self.readonly

    def _open_catalog(self, wanted: dict[str, Any] | None) -> dict[str, Any]:
        p, cat = self.path, self.catalog_path
        if p.exists() and not p.is_dir():
            raise IndexOpenError(f"{p} is a file, not an index folder")
        if self._catalog_readonly and not cat.exists():
            raise IndexOpenError(
                f"no casebook index at {p} (no {CATALOG_FILE}); build one with `casebook ingest`"
            )
        if not cat.exists() and p.exists():
            foreign = [c.name for c in p.iterdir() if c.name not in (MODELS_DIR, SERVERS_DIR)]
            if foreign:
                raise IndexOpenError(
                    f"{p} is not a casebook index: it holds {len(foreign)} other file(s) "
                    f"(e.g. {sorted(foreign)[0]!r}) but no {CATALOG_FILE}; "
                    "use an empty or new folder"
                )
        try:
            if self._catalog_readonly:
                db = sqlite3.connect(cat.as_uri() + "?mode=ro", uri=True, isolation_level=None)
            else:
                p.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(str(cat), isolation_level=None)
            self._db = db
            db.execute("PRAGMA busy_timeout = 5000")
            db.execute("PRAGMA foreign_keys = ON")
            if not self._catalog_readonly:
                db.execute("PRAGMA journal_mode = WAL")
                db.execute("PRAGMA synchronous = NORMAL")
            tables = {
                r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            if "index_meta" not in tables:
                if tables:
                    raise IndexOpenError(
                        f"{cat} is an SQLite file but not a casebook catalog "
                        f"(tables: {', '.join(sorted(tables))})"
                    )
                if self._catalog_readonly or wanted is None:
                    raise IndexOpenError(f"{cat} is empty: the index was never built")
                with self._tx() as tx:
                    for stmt in _SCHEMA.split(";"):
                        if stmt.strip():
                            tx.execute(stmt)
                    tx.executemany(
                        "INSERT INTO index_meta(key, value) VALUES (?, ?)",
                        [
                            ("schema_version", json.dumps(SCHEMA_VERSION)),
                            ("settings", json.dumps(wanted, sort_keys=True)),
                            ("created_at", json.dumps(datetime.now(UTC).isoformat())),
                        ],
                    )
                return wanted
            meta = dict(db.execute("SELECT key, value FROM index_meta").fetchall())
        except sqlite3.DatabaseError as exc:
            raise IndexOpenError(
                f"cannot read {cat}: {exc}; the catalog is corrupt or not SQLite — "
                "delete the index folder and re-ingest"
            ) from exc
        try:
            version = json.loads(meta["schema_version"])
            stored = json.loads(meta["settings"])
        except (KeyError, ValueError) as exc:
            raise IndexOpenError(f"{cat} has no readable index settings ({exc!r})") from exc
        if version == 1:
            self._migrate_v1()
        elif version != SCHEMA_VERSION:
            raise IndexOpenError(
                f"{p} uses catalog schema v{version}, this casebook reads v{SCHEMA_VERSION}; "
                "re-ingest into a new folder"
            )
        if wanted is not None and stored != wanted:
            raise IndexSettingsMismatch(
                f"the index at {p} was built with other settings "
                f"({_settings_diff(stored, wanted)}); "
                "re-ingest into a new index folder, or delete this one to rebuild it"
            )
        return stored

    def _migrate_v1(self) -> None:
        """v1 -> v2: every existing document becomes the one, current edition of its own series.

        A read-only open migrates too (through its own short-lived writable connection),
        so `casebook ask` keeps working on an index built before editions existed.
        """
        cat = self.catalog_path
        try:
            db = sqlite3.connect(str(cat), isolation_level=None)
        except sqlite3.Error as exc:
            raise IndexOpenError(
                f"{self.path} uses catalog schema v1 and cannot be upgraded here ({exc}); "
                "run `casebook ingest` on it once with write access"
            ) from exc
        try:
            db.execute("PRAGMA busy_timeout = 5000")
            db.execute("BEGIN IMMEDIATE")
            try:
                (raw,) = db.execute(
                    "SELECT value FROM index_meta WHERE key = 'schema_version'"
                ).fetchone()
                if json.loads(raw) == 1:  # another process may have just migrated it
                    db.execute(
                        "CREATE TABLE IF NOT EXISTS series (id INTEGER PRIMARY KEY "
                        "AUTOINCREMENT, name TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL)"
                    )
                    cols = {r[1] for r in db.execute("PRAGMA table_info(documents)")}
                    for col, decl in (
                        ("series_id", "INTEGER REFERENCES series(id)"),
                        ("edition_label", "TEXT"),
                        ("is_current", "INTEGER NOT NULL DEFAULT 0"),
                    ):
                        if col not in cols:
                            db.execute(f"ALTER TABLE documents ADD COLUMN {col} {decl}")
                    db.execute(
                        "CREATE INDEX IF NOT EXISTS documents_series "
                        "ON documents(series_id, is_current)"
                    )
                    docs = db.execute(
                        "SELECT sha256, title, ingested_at FROM documents "
                        "WHERE series_id IS NULL ORDER BY ingested_at, sha256"
                    ).fetchall()
                    for sha, title, at in docs:
                        sid = _insert_series(db, title, at)
                        db.execute(
                            "UPDATE documents SET series_id = ?, edition_label = 'ed. 1', "
                            "is_current = 1 WHERE sha256 = ?",
                            (sid, sha),
                        )
                    db.execute(
                        "UPDATE index_meta SET value = ? WHERE key = 'schema_version'",
                        (json.dumps(SCHEMA_VERSION),),
                    )
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise IndexOpenError(
                f"cannot upgrade the catalog {cat} to schema v{SCHEMA_VERSION}: {exc}"
            ) from exc
        finally:
            db.close()

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

    def close(self) -> None:
        """Release the SQLite connection and chroma's shared system (safe to call twice)."""
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._client is not None:
            self._client.close()
            self._client = None
        self._closed = True
        self._lexical = None
        self._vectors = None

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise IndexOpenError(f"the index at {self.path} is closed")
        return self._db

    @property
    def collection(self) -> Any:
        """The chromadb collection (vectors + filter metadata), opened on first use."""
        if self._closed:
            raise IndexOpenError(f"the index at {self.path} is closed")
        if self._client is None:
            self._open_chroma()
        return self._coll

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        self._writes += 1  # our own commits do not change PRAGMA data_version
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _check_writable(self) -> None:
        if self.readonly:
            raise CasebookIndexError(f"the index at {self.path} was opened read-only")

    def check_embedder(self, embedder: Embedder) -> None:
        """Refuse an embedder whose model or dimension differs from the index's."""
        model = self.settings.get("model")
        if model is not None and embedder.name != model:
            raise IndexSettingsMismatch(
                f"the index at {self.path} holds vectors of {model!r} but the embedder is "
                f"{embedder.name!r}; use the same model or re-ingest into a new folder"
            )
        dim = self.settings.get("dim")
        if dim is not None and embedder.dim != dim:
            raise IndexSettingsMismatch(
                f"the index at {self.path} holds {dim}-d vectors, the embedder makes "
                f"{embedder.dim}-d ones"
            )

    # ------------------------------------------------------------------ writing

    def add_document(
        self,
        meta: dict[str, Any],
        chunks: list[Chunk],
        embedder: Embedder,
        progress: Callable[[int, int], None] | None = None,
        *,
        embed_input: Callable[[Chunk], str] | None = None,
        sentences: Callable[[Chunk], list[tuple[int, int, str]]] | None = None,
        entities: Sequence[Entity] | Callable[[], Sequence[Entity]] = (),
        series: str | None = None,
        edition_label: str | None = None,
    ) -> dict[str, int]:
        """Store one document and its chunks; embed only texts without a stored vector.

        ``meta`` needs ``sha256`` and ``title``; ``path``, ``kind``, ``pages``,
        ``parser`` and ``outline`` (any JSON object) are optional, other keys are
        kept in ``extra``. Returns ``{"embedded", "reused", "duplicates"}``;
        ``duplicates`` counts chunks dropped because their id repeated within
        this document (identical text twice in one document).

        ``embed_input`` builds the string that is embedded (default: the chunk
        text), e.g. a "part › section" header plus the text; vectors are then
        reused by the hash of that string. It must be the same for every add
        to one index (record it in the settings).

        ``sentences`` splits a chunk into the sentences answers are picked from;
        their vectors are stored too (keyed by text hash, so unchanged sentences
        are never embedded twice) so that answering needs no embedding but the
        question's. ``entities`` replace the document's entities in the same
        transaction that makes the document visible; a callable is called just
        before that commit (so extraction can run alongside the embedding).

        The document becomes the current edition of ``series`` (a series name: an
        existing one, else a new series of that name; None: the series it already
        belongs to, else a new series named after its title), in that same
        transaction; the previous current edition stays as history.
        ``edition_label`` defaults to "ed. N".
        """
        self._check_writable()
        self.check_embedder(embedder)
        sha = meta.get("sha256")
        title = meta.get("title")
        if not sha or not title:
            raise ValueError("document meta needs 'sha256' and 'title'")
        unique: dict[str, Chunk] = {}
        for c in chunks:
            if c.doc_sha256 != sha:
                raise ValueError(
                    f"chunk {c.id} belongs to document {c.doc_sha256[:12]}, not {sha[:12]}"
                )
            unique.setdefault(c.id, c)
        todo = list(unique.values())
        duplicates = len(chunks) - len(todo)
        coll = self.collection
        ids = [c.id for c in todo]

        # 1. Which chunk ids already have a vector (a re-add, or a crashed earlier add)?
        present: set[str] = set()
        for batch in _batched(ids, _WHERE_IN_BATCH):
            present.update(coll.get(ids=list(batch), include=[])["ids"])
        missing = [c for c in todo if c.id not in present]

        # 2. Reuse vectors by hash of the embedded string (same paragraph in another edition).
        inputs = {c.id: c.text if embed_input is None else embed_input(c) for c in missing}
        ekey = {
            c.id: c.text_hash if embed_input is None else _input_hash(inputs[c.id]) for c in missing
        }
        by_hash: dict[str, np.ndarray] = {}
        hashes = sorted(set(ekey.values()))
        for batch in _batched(hashes, _WHERE_IN_BATCH):
            got = coll.get(
                where={"embed_hash": {"$in": list(batch)}}, include=["embeddings", "metadatas"]
            )
            for emb, md in zip(got["embeddings"], got["metadatas"], strict=True):
                by_hash.setdefault(md["embed_hash"], np.asarray(emb, dtype=np.float32))
        to_embed = [c for c in missing if ekey[c.id] not in by_hash]

        # 3. Embed the rest (one vector per distinct input).
        # Length-sorted so each batch pads little (the model's cost grows with the longest text).
        texts = sorted(
            {ekey[c.id]: inputs[c.id] for c in to_embed}.items(), key=lambda h: len(h[1])
        )
        total = len(texts)
        if progress is not None:
            progress(0, total)
        done = 0
        # Sentence spans inside each embedded string, for embedders that pool them in-pass.
        pooled: dict[str, np.ndarray] = {}
        span_map: dict[str, list[tuple[int, int, str]]] = {}
        if sentences is not None and hasattr(embedder, "embed_with_spans"):
            for c in to_embed:
                text_in = inputs[c.id]
                if text_in.endswith(c.text):
                    off = len(text_in) - len(c.text)
                    span_map[ekey[c.id]] = [(s + off, e + off, t) for s, e, t in sentences(c)]
        for batch in _batched(texts, _EMBED_BATCH):
            if span_map:
                vecs, span_vecs = embedder.embed_with_spans(
                    [t for _, t in batch],
                    [[(s, e) for s, e, _ in span_map.get(h, [])] for h, _ in batch],
                )
                for (h, _), svs in zip(batch, span_vecs, strict=True):
                    for (_, _, t), v in zip(span_map.get(h, []), svs, strict=True):
                        pooled.setdefault(sentence_hash(t), v)
            else:
                vecs = embedder.embed([t for _, t in batch])
            vecs = np.asarray(vecs, dtype=np.float32)
            if vecs.shape != (len(batch), embedder.dim):
                raise ValueError(
                    f"embedder {embedder.name} returned shape {vecs.shape}, "
                    f"expected ({len(batch)}, {embedder.dim})"
                )
            for (h, _), v in zip(batch, vecs, strict=True):
                by_hash[h] = v
            if progress is not None:
                done += len(batch)
                progress(done, total)
        # 3b. Sentence vectors for answer extraction, embedded once per distinct sentence.
        sent_rows, sent_keys = (
            self._embed_sentences(todo, sentences, embedder, pooled) if sentences else ([], [])
        )

        # 4. Vectors first (upsert: a retried crash overwrites its own orphans).
        _crash_point("before_vectors")
        if missing:
            self._upsert_vectors(
                missing, [by_hash[ekey[c.id]] for c in missing], [ekey[c.id] for c in missing]
            )
        _crash_point("after_vectors")

        # 5. The readers' caches for the chunk set that the commit will make visible, so
        # that after the switch no reader has to build them (or open chroma).
        self._prebuild_caches(sha, series, todo, sent_rows, meta.get("outline"))
        _crash_point("after_caches")

        # 6. Then the catalog, in one transaction: this is what makes the document visible
        # and, for a new edition, hides its predecessor at the same instant.
        ents = entities() if callable(entities) else entities
        old_ids = self._replace_document_rows(
            meta,
            todo,
            sent_rows,
            ents,
            series=series,
            edition_label=edition_label,
            sentence_keys=sent_keys,
        )
        _crash_point("after_commit")
        stale = sorted(old_ids - set(ids))
        for batch in _batched(stale, self._max_batch()):
            coll.delete(ids=list(batch))
        self._after_commit()
        self._lexical = self._vectors = None
        return {
            "embedded": len(to_embed),
            "reused": len(todo) - len(to_embed),
            "duplicates": duplicates,
        }

    def _max_batch(self) -> int:
        _ = self.collection  # opens the client if needed
        return max(1, int(self._client.get_max_batch_size()))

    def _upsert_vectors(
        self,
        chunks: list[Chunk],
        vectors: list[np.ndarray],
        embed_hashes: list[str] | None = None,
    ) -> None:
        metas: list[dict[str, Any]] = []
        for i, c in enumerate(chunks):
            md: dict[str, Any] = {
                "doc_sha256": c.doc_sha256,
                "text_hash": c.text_hash,
                "embed_hash": c.text_hash if embed_hashes is None else embed_hashes[i],
                "part_kind": c.part_kind,
            }
            if c.case is not None:
                md["case"] = c.case
            metas.append(md)
        docs = self._vector_documents(chunks)
        size = self._max_batch()
        for i in range(0, len(chunks), size):
            self.collection.upsert(
                ids=[c.id for c in chunks[i : i + size]],
                embeddings=np.stack(vectors[i : i + size]).astype(np.float32),
                metadatas=metas[i : i + size],
                **({} if docs is None else {"documents": docs[i : i + size]}),
            )

    def _vector_documents(self, chunks: Sequence[Chunk]) -> list[str] | None:
        """Text stored with each vector (None: nothing; a server index stores the chunk)."""
        return None

    def _before_commit(
        self,
        tx: sqlite3.Connection,
        *,
        added: str | None = None,
        sentence_rows: Sequence[tuple[str, bytes]] = (),
        sentence_keys: Sequence[str] = (),
        removed: Sequence[str] = (),
    ) -> None:
        """Called inside the catalog transaction, just before it commits.

        Why a hook: a server index publishes the new state to the server here, so the
        server's commit happens first and a failure rolls the local catalog back.
        """

    def _after_commit(self, removed: Sequence[str] = ()) -> None:
        """Clean-up once the commit is done: drop the removed editions' vectors."""
        for sha in removed:
            self.collection.delete(where={"doc_sha256": sha})

    def _embed_sentences(
        self,
        chunks: Sequence[Chunk],
        split: Callable[[Chunk], list[tuple[int, int, str]]],
        embedder: Embedder,
        pooled: dict[str, np.ndarray] | None = None,
    ) -> tuple[list[tuple[str, bytes]], list[str]]:
        """(hash, float32 bytes) rows for sentences with no stored vector yet, and the
        hashes of all the chunks' sentences (what a server index records per document).

        Vectors already pooled from the chunk pass are used as they are; only the
        rest (sentences of chunks whose vector was reused) are embedded alone.
        """
        pooled = pooled or {}
        wanted = {sentence_hash(t): t for c in chunks for _, _, t in split(c)}
        have: set[str] = set()
        keys = sorted(wanted)
        for batch in _batched(keys, 500):
            marks = ",".join("?" * len(batch))
            have.update(
                r[0]
                for r in self.db.execute(
                    f"SELECT hash FROM sentence_vectors WHERE hash IN ({marks})", list(batch)
                )
            )
        rows: list[tuple[str, bytes]] = [
            (h, np.asarray(pooled[h], dtype=np.float32).tobytes())
            for h in keys
            if h not in have and h in pooled
        ]
        todo = sorted(
            (h for h in keys if h not in have and h not in pooled), key=lambda h: len(wanted[h])
        )
        for batch in _batched(todo, _EMBED_BATCH * 2):
            vecs = np.asarray(embedder.embed([wanted[h] for h in batch]), dtype=np.float32)
            rows.extend((h, v.tobytes()) for h, v in zip(batch, vecs, strict=True))
        return rows, keys

    def sentence_vectors(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors of these sentences, by text (missing ones are absent)."""
        by_hash = {sentence_hash(t): t for t in texts}
        out: dict[str, np.ndarray] = {}
        keys = list(by_hash)
        for batch in _batched(keys, 500):
            marks = ",".join("?" * len(batch))
            for h, blob in self.db.execute(
                f"SELECT hash, vec FROM sentence_vectors WHERE hash IN ({marks})", list(batch)
            ):
                out[by_hash[h]] = np.frombuffer(blob, dtype=np.float32)
        return out

    def entities(
        self,
        *,
        types: Sequence[str] | None = None,
        cases: Sequence[str] | None = None,
        docs: Sequence[str] | None = None,
        chunk_ids: Sequence[str] | None = None,
    ) -> list[Entity]:
        """Entities of the visible documents, in document order, optionally filtered.

        ``docs`` names documents explicitly: then any complete edition may be read.
        """
        where, args = ("", []) if docs is not None else self._visible()
        sql = (
            "SELECT e.type, e.text, e.chunk_id, e.doc_sha256, d.title, e.case_title, e.section, "
            "e.page_label, e.pdf_page, e.span_start, e.span_end, e.attrs FROM entities e "
            "JOIN documents d ON d.sha256 = e.doc_sha256 WHERE d.status = 'complete'" + where
        )
        for column, values in (
            ("e.type", types),
            ("e.case_title", cases),
            ("e.doc_sha256", docs),
            ("e.chunk_id", chunk_ids),
        ):
            if values is not None:
                sql += f" AND {column} IN ({','.join('?' * len(values))})"
                args += list(values)
        sql += " ORDER BY d.ingested_at, e.rowid"
        return [
            Entity(
                type=r[0],
                text=r[1],
                chunk_id=r[2],
                doc_sha256=r[3],
                document=r[4],
                case=r[5],
                section=r[6] or "",
                page_label=r[7],
                pdf_page=r[8],
                span=(r[9], r[10]),
                attrs=json.loads(r[11]),
            )
            for r in self.db.execute(sql, args)
        ]

    def _replace_document_rows(
        self,
        meta: dict[str, Any],
        chunks: list[Chunk],
        sent_rows: Sequence[tuple[str, bytes]] = (),
        entities: Sequence[Entity] = (),
        *,
        series: str | None = None,
        edition_label: str | None = None,
        sentence_keys: Sequence[str] = (),
    ) -> set[str]:
        sha = meta["sha256"]
        known = {"sha256", "title", "path", "kind", "pages", "parser", "outline", "status"}
        extra = {k: v for k, v in meta.items() if k not in known}
        with self._tx() as tx:
            old = {r[0] for r in tx.execute("SELECT id FROM chunks WHERE doc_sha256 = ?", (sha,))}
            prev = tx.execute(
                "SELECT series_id, edition_label FROM documents WHERE sha256 = ?", (sha,)
            ).fetchone()
            sid = self._series_id(tx, series, prev[0] if prev else None)
            if sid is None:
                sid = _insert_series(tx, str(meta["title"]))
            label = edition_label or (prev[1] if prev and prev[0] == sid else None)
            label = self._unique_label(tx, sid, sha, label)
            tx.executemany(
                "INSERT OR IGNORE INTO sentence_vectors(hash, vec) VALUES (?, ?)", sent_rows
            )
            tx.execute("DELETE FROM chunks WHERE doc_sha256 = ?", (sha,))
            tx.execute("DELETE FROM documents WHERE sha256 = ?", (sha,))
            tx.execute("UPDATE documents SET is_current = 0 WHERE series_id = ?", (sid,))
            tx.execute(
                "INSERT INTO documents(sha256, title, path, kind, pages, parser, ingested_at, "
                "status, outline, extra, series_id, edition_label, is_current) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, 'complete', ?, ?, ?, ?, 1)",
                (
                    sha,
                    meta["title"],
                    None if meta.get("path") is None else str(meta["path"]),
                    meta.get("kind"),
                    meta.get("pages"),
                    meta.get("parser"),
                    datetime.now(UTC).isoformat(timespec="seconds"),
                    json.dumps(meta.get("outline")),
                    json.dumps(extra, default=str),
                    sid,
                    label,
                ),
            )
            tx.executemany(
                "INSERT INTO chunks(id, doc_sha256, seq, text_hash, text, document, part_kind, "
                "case_title, part, section_path, pdf_pages, page_labels, start_char, end_char, "
                "tokens, page_starts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        c.id,
                        c.doc_sha256,
                        seq,
                        c.text_hash,
                        c.text,
                        c.document,
                        c.part_kind,
                        c.case,
                        c.part,
                        json.dumps(c.section_path),
                        json.dumps(c.pdf_pages),
                        json.dumps(c.page_labels),
                        c.start,
                        c.end,
                        c.tokens,
                        json.dumps(c.page_starts),
                    )
                    for seq, c in enumerate(chunks)
                ],
            )
            _put_entities(tx, sha, entities)
            if prev and prev[0] is not None and prev[0] != sid:
                self._repair_series(tx, int(prev[0]))  # moved out of its old series
            self._before_commit(tx, added=sha, sentence_rows=sent_rows, sentence_keys=sentence_keys)
        return old

    def replace_entities(
        self, sha: str, entities: Sequence[Entity], extra: dict[str, Any] | None = None
    ) -> None:
        """Swap one document's entities (and set ``extra`` keys on it) in one transaction.

        Why: entities found by an older extractor would linger otherwise, since an
        unchanged file is not ingested again; its chunks and vectors stay as they are.
        """
        from pipeline.sentences import chunk_sentences

        self._check_writable()
        keys = sorted(
            {sentence_hash(t) for c in self.chunks(sha) for _, _, t in chunk_sentences(c)}
        )
        with self._tx() as tx:
            row = tx.execute("SELECT extra FROM documents WHERE sha256 = ?", (sha,)).fetchone()
            if row is None:
                raise KeyError(sha)
            merged = {**(json.loads(row[0]) if row[0] else {}), **(extra or {})}
            tx.execute(
                "UPDATE documents SET extra = ? WHERE sha256 = ?",
                (json.dumps(merged, default=str), sha),
            )
            _put_entities(tx, sha, entities)
            self._before_commit(tx, added=sha, sentence_keys=keys)
        self._after_commit()

    @staticmethod
    def _series_id(db: sqlite3.Connection, name: str | None, fallback: int | None) -> int | None:
        """The id of series ``name`` (None if it does not exist yet), else ``fallback``."""
        if name is None:
            return fallback
        row = db.execute(
            "SELECT id FROM series WHERE name = ? COLLATE NOCASE ORDER BY id", (name.strip(),)
        ).fetchone()
        if row is not None:
            return int(row[0])
        return _insert_series(db, name)

    @staticmethod
    def _unique_label(db: sqlite3.Connection, sid: int, sha: str, label: str | None) -> str:
        """``label`` (or "ed. N" for the N-th edition), made unique within its series."""
        taken = {
            str(r[0]).casefold()
            for r in db.execute(
                "SELECT edition_label FROM documents WHERE series_id = ? AND sha256 != ? "
                "AND edition_label IS NOT NULL",
                (sid, sha),
            )
        }
        n = len(taken) + 1
        label = (label or "").strip() or f"ed. {n}"
        candidate = label
        while candidate.casefold() in taken:
            candidate = f"{label} (ed. {n})" if not label.startswith("ed. ") else f"ed. {n}"
            n += 1
        return candidate

    def _visible_after(self, sha: str, series: str | None) -> list[str]:
        """The default-scope chunk ids once ``sha`` is stored as the current edition of
        ``series`` (same rules as ``_replace_document_rows``), without its new chunks."""
        docs = self.documents(all_editions=True)
        mine = next((d for d in docs if d["sha256"] == sha), None)
        sid = mine["series_id"] if mine else None
        if series is not None:
            folded = series.strip().casefold()
            sid = next((d["series_id"] for d in docs if str(d["series"]).casefold() == folded), -1)
        keep = [
            d["sha256"]
            for d in docs
            if d["current"] and d["sha256"] != sha and (sid is None or d["series_id"] != sid)
        ]
        ids: list[str] = []
        for batch in _batched(keep, 200):
            marks = ",".join("?" * len(batch))
            ids += [
                r[0]
                for r in self.db.execute(
                    f"SELECT id FROM chunks WHERE doc_sha256 IN ({marks})", list(batch)
                )
            ]
        return ids

    def _prebuild_caches(
        self,
        sha: str,
        series: str | None,
        chunks: Sequence[Chunk],
        sent_rows: Sequence[tuple[str, bytes]] = (),
        outline: Any = None,
    ) -> None:
        """Build and save the BM25 index and vector snapshot of the post-commit chunk set."""
        from index.lexical import LexicalIndex, chunk_set_key

        new = {c.id: c for c in chunks}
        ids = sorted({*self._visible_after(sha, series), *new})
        key = chunk_set_key(ids)

        def fetch(wanted: list[str]) -> dict[str, Chunk]:
            out = self.chunks_by_id([i for i in wanted if i not in new])
            out.update({i: new[i] for i in wanted if i in new})
            return out

        labels = partial(self.part_labels_for, pending={sha: outline})
        LexicalIndex.load_or_build(self.bm25_dir, key, ids, fetch, labels)
        if VectorSnapshot.load(self.vectors_dir / key, key, ids) is None:
            pending = {h: np.frombuffer(b, dtype=np.float32) for h, b in sent_rows}
            self._build_snapshot(key, ids, fetch, pending)

    def remove_document(self, sha: str) -> bool:
        """Delete one edition (sha256 or prefix) and all derived from it; False if absent."""
        self._check_writable()
        doc = self.get_document(sha)
        if doc is None:
            return False
        self.remove_editions([doc["sha256"]])
        return True

    def remove_series(self, name: str) -> dict[str, Any]:
        """Delete a series (name as in ``resolve_series``) with all its editions; returns it."""
        self._check_writable()
        found = self.resolve_series(name)
        self.remove_editions([d["sha256"] for d in found["editions"]], series_ids=[found["id"]])
        return found

    def remove_editions(self, shas: Sequence[str], *, series_ids: Sequence[int] = ()) -> None:
        """Delete these editions' catalog rows, entities, vectors and the caches.

        If a removed edition was current, the newest remaining edition of its series
        becomes current in the same transaction; a series left empty is deleted (as are
        ``series_ids``). Catalog first, so readers stop seeing it at once; vectors left
        behind by a crash in between are ignored by readers and deleted by a re-run.
        Sentence vectors are shared by text across editions and are kept.
        """
        self._check_writable()
        shas = list(shas)
        with self._tx() as tx:
            touched = set(series_ids)
            for sha in shas:
                row = tx.execute(
                    "SELECT series_id FROM documents WHERE sha256 = ?", (sha,)
                ).fetchone()
                if row is not None and row[0] is not None:
                    touched.add(int(row[0]))
                tx.execute("DELETE FROM entities WHERE doc_sha256 = ?", (sha,))
                tx.execute("DELETE FROM chunks WHERE doc_sha256 = ?", (sha,))
                tx.execute("DELETE FROM documents WHERE sha256 = ?", (sha,))
            for sid in touched:
                self._repair_series(tx, sid)
            self._before_commit(tx, removed=shas)
        self._after_commit(removed=shas)
        self._lexical = self._vectors = None
        from index.lexical import prune_cache

        prune_cache(self.bm25_dir, keep=None)
        prune_cache(self.vectors_dir, keep=None)

    @staticmethod
    def _repair_series(db: sqlite3.Connection, sid: int) -> None:
        """Give series ``sid`` a current edition (its newest) or delete it if it has none."""
        eds = db.execute(
            "SELECT sha256, is_current FROM documents WHERE series_id = ? AND status = 'complete' "
            "ORDER BY ingested_at DESC, rowid DESC",
            (sid,),
        ).fetchall()
        if not eds:
            db.execute("DELETE FROM series WHERE id = ?", (sid,))
        elif not any(cur for _, cur in eds):
            db.execute("UPDATE documents SET is_current = 1 WHERE sha256 = ?", (eds[0][0],))

    # ------------------------------------------------------------------ reading

    def _visible(self) -> tuple[str, list[str]]:
        """SQL (" AND ...", args) restricting ``d`` to the editions readers see."""
        if self._scope is None:
            return " AND " + _CURRENT, []
        return f" AND d.sha256 IN ({','.join('?' * len(self._scope))})", list(self._scope)

    @contextmanager
    def read_snapshot(self) -> Iterator[None]:
        """Run several reads against one consistent catalog state (re-entrant).

        Why: a query lists the visible chunk ids, ranks them, then fetches the
        chunks; if an ingest commits a new edition in between, the fetch would
        drop every hit of the old edition and return nothing. In WAL mode a read
        transaction pins the state it started with while the writer commits.
        """
        db = self.db
        own = self._read_depth == 0 and not db.in_transaction
        if own:
            db.execute("BEGIN")
        self._read_depth += 1
        try:
            yield
        finally:
            self._read_depth -= 1
            if own and db.in_transaction:
                db.execute("COMMIT")

    @property
    def editions_scope(self) -> list[str] | None:
        """The explicit visible editions (sha256s), or None for the current ones."""
        return None if self._scope is None else list(self._scope)

    def set_editions(self, names: Sequence[str] | None) -> list[dict[str, Any]]:
        """Read these editions instead of their series' current ones (None: back to current).

        Each name is a sha256 (prefix) or an edition label, see ``resolve_edition``.
        Other series stay at their current edition. Returns the chosen editions.
        """
        self._lexical = self._vectors = None
        if not names:
            self._scope = None
            return []
        chosen = [self.resolve_edition(n) for n in names]
        series = {d["series_id"] for d in chosen}
        if len(series) < len(chosen):
            raise FilterNoMatch("give at most one --edition per series")
        others = [
            d["sha256"]
            for d in self.documents(all_editions=True)
            if d["current"] and d["series_id"] not in series
        ]
        self._scope = sorted({*others, *(d["sha256"] for d in chosen)})
        return chosen

    def resolve_edition(self, name: str, series: str | None = None) -> dict[str, Any]:
        """The edition named by a sha256, a unique sha256 prefix, or a label (any case).

        ``series`` (a series name) narrows the search. Raises ``FilterNoMatch`` or
        ``AmbiguousDocument`` with the candidates in the message.
        """
        key = name.strip()
        if not key:
            raise FilterNoMatch("the edition name is empty")
        docs = self.documents(all_editions=True)
        if series is not None:
            sid = self.resolve_series(series)["id"]
            docs = [d for d in docs if d["series_id"] == sid]
        folded = key.casefold()
        by_label = [d for d in docs if str(d["label"] or "").casefold() == folded]
        by_sha = [d for d in docs if d["sha256"].startswith(folded)]
        matches = by_sha or by_label
        if len(matches) == 1:
            return matches[0]
        names = "; ".join(
            f"{d['sha256'][:12]} {d['label']!r} of {d['series']!r}" for d in (matches or docs)
        )
        if matches:
            raise AmbiguousDocument(f"{name!r} names several editions: {names}")
        raise FilterNoMatch(f"no edition has sha256 prefix or label {name!r}; editions: {names}")

    def resolve_series(self, name: str) -> dict[str, Any]:
        """The series whose name equals (case-insensitively) or uniquely contains ``name``."""
        all_series = self.series()
        folded = name.strip().casefold()
        exact = [s for s in all_series if s["name"].casefold() == folded]
        part = [s for s in all_series if folded and folded in s["name"].casefold()]
        matches = exact or part
        if len(matches) == 1:
            return matches[0]
        known = "; ".join(repr(s["name"]) for s in (matches or all_series)) or "none"
        if matches:
            raise AmbiguousDocument(f"{name!r} matches several series: {known}")
        raise FilterNoMatch(f"no series is named {name!r}; series: {known}")

    def series(self) -> list[dict[str, Any]]:
        """Every series with its editions (oldest first) and its current edition's sha256."""
        docs = self.documents(all_editions=True)
        out = []
        for sid, name, created in self.db.execute(
            "SELECT id, name, created_at FROM series ORDER BY created_at, id"
        ):
            eds = [d for d in docs if d["series_id"] == sid]
            current = next((d["sha256"] for d in eds if d["current"]), None)
            out.append(
                {
                    "id": sid,
                    "name": name,
                    "created_at": created,
                    "current": current,
                    "editions": eds,
                }
            )
        return out

    def text_hashes(self, doc_sha: str) -> set[str]:
        """The chunk text hashes of one stored document (any edition): its content fingerprint."""
        return {
            r[0]
            for r in self.db.execute(
                "SELECT text_hash FROM chunks WHERE doc_sha256 = ?", (doc_sha,)
            )
        }

    def entities_by_text_hash(self, doc_sha: str) -> dict[str, list[Entity]]:
        """A stored document's entities grouped by the ``text_hash`` of their chunk.

        Why: a new edition's unchanged chunk has the same text (and part/section), so its
        entities are the old ones re-pointed at the new chunk; no spaCy run needed.
        """
        out: dict[str, list[Entity]] = {}
        by_id = {c.id: c.text_hash for c in self.chunks(doc_sha)}
        for e in self.entities(docs=[doc_sha]):
            h = by_id.get(e.chunk_id)
            if h is not None:
                out.setdefault(h, []).append(e)
        return out

    def documents(self, *, all_editions: bool = False) -> list[dict[str, Any]]:
        """Visible documents (or every complete edition), oldest ingest first.

        Each has its outline, chunk count, ``series``, ``series_id``, edition ``label``
        and ``current`` flag besides the catalog columns and the ``extra`` keys.
        """
        where, args = ("", []) if all_editions else self._visible()
        rows = self.db.execute(
            _DOC_SELECT + where + " ORDER BY d.ingested_at, d.title", args
        ).fetchall()
        return [self._doc_row(r) for r in rows]

    @staticmethod
    def _doc_row(r: Sequence[Any]) -> dict[str, Any]:
        d: dict[str, Any] = json.loads(r[9]) if r[9] else {}
        d.update(dict(zip(_DOC_COLUMNS, r[:8], strict=True)))
        d["outline"] = json.loads(r[8]) if r[8] else None
        d["chunks"] = r[10]
        d["series_id"], d["series"], d["label"], d["current"] = r[11], r[12], r[13], bool(r[14])
        return d

    def get_document(
        self, sha_or_prefix: str, *, all_editions: bool = True
    ) -> dict[str, Any] | None:
        """The complete document whose sha256 equals or starts with the argument, else None.

        Looks at every edition (current or not) unless ``all_editions`` is False.
        Raises ``AmbiguousDocument`` when a prefix matches several documents.
        """
        key = sha_or_prefix.strip().lower()
        if not key:
            return None
        docs = self.documents(all_editions=all_editions)
        matches = [d for d in docs if d["sha256"].startswith(key)]
        if len(matches) > 1:
            names = ", ".join(f"{d['sha256'][:12]} ({d['title']})" for d in matches)
            raise AmbiguousDocument(f"{sha_or_prefix!r} matches several documents: {names}")
        return matches[0] if matches else None

    def chunks(self, doc_sha: str | None = None) -> list[Chunk]:
        """Chunks of complete documents (of one document if ``doc_sha`` is given), in order."""
        if doc_sha is None:
            where, args = self._visible()
            rows = self.db.execute(
                _CHUNK_SELECT + where + " ORDER BY d.ingested_at, d.sha256, c.seq", args
            ).fetchall()
        else:  # a named document: any complete edition (diff and reuse read history too)
            rows = self.db.execute(
                _CHUNK_SELECT + " AND c.doc_sha256 = ? ORDER BY c.seq", (doc_sha,)
            ).fetchall()
        return [_row_to_chunk(r) for r in rows]

    def chunks_by_id(self, ids: Iterable[str]) -> dict[str, Chunk]:
        """Visible chunks by id; ids not in the catalog or not visible are simply absent."""
        ids = list(dict.fromkeys(ids))
        out: dict[str, Chunk] = {}
        where, args = self._visible()
        for batch in _batched(ids, 500):
            marks = ",".join("?" * len(batch))
            sql = _CHUNK_SELECT + where + f" AND c.id IN ({marks})"
            for r in self.db.execute(sql, [*args, *batch]):
                # Ids are content hashes, so a decoded chunk never goes stale: memoise it.
                chunk = self._decoded.get(r[0])
                if chunk is None:
                    chunk = self._decoded[r[0]] = _row_to_chunk(r)
                out[r[0]] = chunk
        return out

    def state_key(self) -> str:
        """A key that changes whenever the catalog may have changed (documents, chunks or
        entities): for caches derived from it."""
        key = self._visible_set()[1]
        return f"{key}:{self.db.execute('PRAGMA data_version').fetchone()[0]}:{self._writes}"

    def complete_chunk_ids(self) -> list[str]:
        """Ids of all chunks readers may see, sorted (the BM25 cache is keyed on them)."""
        return list(self._visible_set()[0])

    def _visible_set(self) -> tuple[list[str], str]:
        """The visible chunk ids and their cache key, recomputed only when the catalog changed.

        Why: listing and hashing every visible id costs ~100 ms at 50 casebooks, and a
        query needs them twice (BM25 and vectors). SQLite's ``data_version`` moves when
        another connection commits; our own commits are counted in ``_writes``.
        """
        from index.lexical import chunk_set_key

        version = (
            self.db.execute("PRAGMA data_version").fetchone()[0],
            self._writes,
            None if self._scope is None else tuple(self._scope),
        )
        if self._visible_memo is None or self._visible_memo[0] != version:
            where, args = self._visible()
            ids = [
                r[0]
                for r in self.db.execute(
                    "SELECT c.id FROM chunks c JOIN documents d ON d.sha256 = c.doc_sha256 "
                    "WHERE d.status = 'complete'" + where + " ORDER BY c.id",
                    args,
                )
            ]
            self._visible_memo = (version, ids, chunk_set_key(ids))
        return self._visible_memo[1], self._visible_memo[2]

    def chunk_ids(
        self, *, cases: Sequence[str] | None = None, docs: Sequence[str] | None = None
    ) -> set[str]:
        """Ids of complete chunks in the given case titles and/or documents (exact values)."""
        where, args = self._visible()
        sql = (
            "SELECT c.id FROM chunks c JOIN documents d ON d.sha256 = c.doc_sha256 "
            "WHERE d.status = 'complete'" + where
        )
        if cases is not None:
            sql += f" AND c.case_title IN ({','.join('?' * len(cases))})"
            args += list(cases)
        if docs is not None:
            sql += f" AND c.doc_sha256 IN ({','.join('?' * len(docs))})"
            args += list(docs)
        return {r[0] for r in self.db.execute(sql, args)}

    def cases(self) -> list[str]:
        """Distinct case titles of the visible documents."""
        where, args = self._visible()
        return [
            r[0]
            for r in self.db.execute(
                "SELECT DISTINCT c.case_title FROM chunks c JOIN documents d "
                "ON d.sha256 = c.doc_sha256 WHERE d.status = 'complete'" + where + " "
                "AND c.case_title IS NOT NULL ORDER BY c.case_title",
                args,
            )
        ]

    def match_cases(self, query: str) -> list[str]:
        """Case titles containing ``query`` case-insensitively (``--case barcelona``)."""
        q = query.strip().casefold()
        return [t for t in self.cases() if q in t.casefold()]

    def match_documents(self, query: str) -> list[str]:
        """sha256s of documents whose sha starts with ``query`` or whose title contains it."""
        q = query.strip().casefold()
        return [
            d["sha256"]
            for d in self.documents()
            if d["sha256"].startswith(q) or q in str(d["title"]).casefold()
        ]

    def lexical(self) -> LexicalIndex:
        """The BM25 index over the complete chunks, loaded from (or built into) ``bm25/``."""
        from index.lexical import LexicalIndex

        ids, key = self._visible_set()
        if self._lexical is None or self._lexical_key != key:
            self._lexical = LexicalIndex.load_or_build(
                self.bm25_dir, key, ids, self.chunks_by_id, self.part_labels_for
            )
            self._lexical_key = key
        return self._lexical

    def part_labels_for(
        self, chunks: Sequence[Chunk], pending: Mapping[str, Any] | None = None
    ) -> dict[tuple[str, str], str]:
        """Part labels (``index.lexical.part_labels``) of the chunks' documents, from their
        stored outlines; ``pending`` holds outlines of documents not yet committed."""
        from index.lexical import part_labels

        shas = sorted({c.doc_sha256 for c in chunks})
        outlines = dict(pending or {})
        todo = [s for s in shas if s not in outlines]
        if todo:
            marks = ",".join("?" * len(todo))
            for sha, raw in self.db.execute(
                f"SELECT sha256, outline FROM documents WHERE sha256 IN ({marks})", todo
            ):
                outlines[sha] = json.loads(raw) if raw else None
        out: dict[tuple[str, str], str] = {}
        for sha in shas:
            out.update(part_labels(sha, outlines.get(sha)))
        return out

    def vectors(self) -> VectorSnapshot:
        """All complete chunks' vectors as one matrix, cached in ``vectors/<key>/``.

        Why: a reader can then rank by cosine with numpy and never import
        chromadb. Built from chroma (the vector store of record) when missing or stale.
        """
        ids, key = self._visible_set()
        if self._vectors is None or self._vectors.key != key:
            self._vectors = VectorSnapshot.load(self.vectors_dir / key, key, ids)
            if self._vectors is None:
                self._vectors = self._build_snapshot(key, ids)
        return self._vectors

    def _build_snapshot(
        self,
        key: str,
        ids: list[str],
        fetch: Callable[[list[str]], dict[str, Chunk]] | None = None,
        pending: dict[str, np.ndarray] | None = None,
    ) -> VectorSnapshot:
        """The snapshot of ``ids``; before a commit, ``fetch`` supplies chunks the catalog
        does not have yet and ``pending`` their sentence vectors (by sentence hash)."""
        from index.lexical import prune_cache

        dim = self.settings.get("dim")
        rows = self._cached_rows(set(ids))
        absent = [i for i in ids if i not in rows]
        # only a chunk missing from every cached snapshot needs chroma (and its import)
        for batch in _batched(absent, self._max_batch()) if absent else ():
            got = self.collection.get(ids=list(batch), include=["embeddings"])
            for cid, emb in zip(got["ids"], got["embeddings"], strict=True):
                rows[cid] = np.asarray(emb, dtype=np.float32)
        missing = [i for i in ids if i not in rows]
        if missing:
            raise IndexOpenError(
                f"{len(missing)} chunk(s) in the catalog have no vector in {CHROMA_DIR}/ "
                f"(e.g. {missing[0]}); the vector store is damaged — re-ingest"
            )
        width = dim if dim is not None else (len(next(iter(rows.values()))) if rows else 0)
        matrix = np.stack([rows[i] for i in ids]) if ids else np.zeros((0, width), np.float32)
        sentences, owner = self._sentence_rows(ids, matrix, fetch, pending or {})
        snap = VectorSnapshot(key, ids, matrix, sentences, owner)
        try:
            snap.save(self.vectors_dir / key)
            prune_cache(self.vectors_dir, keep=key)
        except OSError as exc:
            warnings.warn(
                f"could not cache vectors in {self.vectors_dir} ({exc}); "
                "each run will read them from chroma",
                stacklevel=2,
            )
        return snap

    def _sentence_rows(
        self,
        ids: list[str],
        matrix: np.ndarray,
        fetch: Callable[[list[str]], dict[str, Chunk]] | None,
        pending: dict[str, np.ndarray],
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each chunk's sentence vectors in chunk order, and the chunk row each belongs to;
        a chunk with no stored sentence vector is represented by its own vector."""
        from pipeline.sentences import chunk_sentences

        chunks = (fetch or self.chunks_by_id)(ids)
        texts = {i: [t for _, _, t in chunk_sentences(chunks[i])] for i in ids if i in chunks}
        stored = self.sentence_vectors([t for ts in texts.values() for t in ts])
        for ts in texts.values():
            for t in ts:
                if t not in stored and (v := pending.get(sentence_hash(t))) is not None:
                    stored[t] = v
        vecs: list[np.ndarray] = []
        owner: list[int] = []
        for row, cid in enumerate(ids):
            found = [stored[t] for t in texts.get(cid, []) if t in stored]
            vecs.extend(found or [matrix[row]])
            owner.extend([row] * max(1, len(found)))
        if not vecs:
            return matrix, np.zeros(0, dtype=np.int32)
        return np.stack(vecs).astype(np.float32), np.asarray(owner, dtype=np.int32)

    def _cached_rows(self, wanted: set[str]) -> dict[str, np.ndarray]:
        """Vectors of ``wanted`` chunks found in earlier snapshots under ``vectors/``.

        Why: a chunk id's vector never changes (ids hash the document and the text, and
        the embedded string is fixed by the settings), so a new snapshot needs from the
        vector store only the chunks the last ones lack; at 50 casebooks, and over HTTP
        to a Chroma server, re-reading every vector per ingested file is what costs.
        """
        out: dict[str, np.ndarray] = {}
        if not self.vectors_dir.is_dir():
            return out
        for snap in sorted(
            (d for d in self.vectors_dir.iterdir() if d.is_dir() and not d.name.startswith(".")),
            key=lambda d: d.stat().st_mtime,
            reverse=True,
        ):
            try:
                ids = json.loads((snap / "ids.json").read_text())
                matrix = np.load(snap / "vectors.npy", mmap_mode="r")
            except (OSError, ValueError):
                continue  # half-written or unreadable: the vector store has them
            if matrix.shape[0] != len(ids):
                continue
            for row, cid in enumerate(ids):
                if cid in wanted and cid not in out:
                    out[cid] = np.array(matrix[row], dtype=np.float32)
            if len(out) == len(wanted):
                break
        return out

    def warm(self) -> None:
        """Build the BM25 and vector caches now (call at the end of ingest, not on first ask)."""
        self.lexical()
        self.vectors()

    def stats(self) -> dict[str, Any]:
        """Counts for `casebook status`-style output."""
        docs = self.documents()
        return {
            "path": str(self.path),
            "documents": len(docs),
            "chunks": sum(d["chunks"] for d in docs),
            "vectors": self.collection.count(),
            "settings": self.settings,
        }
