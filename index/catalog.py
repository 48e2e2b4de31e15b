"""The SQLite catalog: the authority on which documents, chunks, sentence vectors,
entities, series and editions exist, and which of them readers see.

Layout under an index folder (a local one, or a server index's cache)::

    catalog.sqlite   documents, chunks, index_meta (settings)   -- WAL mode
    bm25/<key>/      cached BM25 index over the visible chunks (index.caches)
    vectors/<key>/   cached matrix of the visible chunks' vectors (index.caches)
    models/          the ONNX query model cache (index.embed; the CLI passes it)
    chroma/          a local folder's vector store (index.local)

Editions: a document (one file, by sha256) is an *edition* of a *series*. Exactly
one edition per series is current; readers see the current editions unless an
``Index.set_editions`` scope names others.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from index.errors import AmbiguousDocument, FilterNoMatch, IndexOpenError, IndexSettingsMismatch
from pipeline.types import Chunk, Entity

SCHEMA_VERSION = 2  # v2: series + editions (v1 catalogs are migrated on open)
CATALOG_FILE = "catalog.sqlite"
MODELS_DIR = "models"
SERVERS_DIR = "servers"  # <index>/servers/<key>/: local caches of Chroma-server indexes
_SETTINGS_META_KEY = "casebook_settings"
_DOC_COLUMNS = ("sha256", "title", "path", "kind", "pages", "parser", "ingested_at", "status")
_DOC_SELECT = (
    "SELECT d.sha256, d.title, d.path, d.kind, d.pages, d.parser, d.ingested_at, d.status, "
    "d.outline, d.extra, (SELECT COUNT(*) FROM chunks c WHERE c.doc_sha256 = d.sha256), "
    "d.series_id, s.name, d.edition_label, d.is_current "
    "FROM documents d LEFT JOIN series s ON s.id = d.series_id WHERE d.status = 'complete'"
)
CRASH_ENV = "CASEBOOK_TEST_CRASH_AT"  # tests: SIGKILL the process at a named point of an add


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
    page_starts  TEXT NOT NULL DEFAULT '[]',
    table_title  TEXT NOT NULL DEFAULT ''
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
    "c.page_starts, c.table_title "
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
        table_title=r[15] or "",
    )


def _input_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _batched(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class Catalog:
    """The catalog side of ``index.store.Index``: opening, migrating, and every read.

    Why a mixin: the catalog's reads (documents, chunks, series, entities, the visible
    set) are one job and most of the index's code; ``Index`` adds writing, the caches
    and a vector backend on top. Needs ``path``, ``_db``, ``_scope``, ``_writes``,
    ``_decoded``, ``_visible_memo``, ``_read_depth``, ``_lexical`` and ``_vectors``.
    """

    path: Path
    _db: sqlite3.Connection | None
    _scope: list[str] | None
    _writes: int
    _decoded: dict[str, Chunk]
    _visible_memo: tuple[Any, list[str], str] | None
    _read_depth: int
    _lexical: Any
    _vectors: Any

    @property
    def catalog_path(self) -> Path:
        return self.path / CATALOG_FILE

    def open_catalog(self, wanted: dict[str, Any] | None, *, readonly: bool) -> dict[str, Any]:
        """Open (or create, with ``wanted`` settings) the SQLite catalog in ``self.path``;
        the settings it was built with. ``readonly`` opens the file read-only (a local
        reader); a server index's cache is always written."""
        p, cat = self.path, self.catalog_path
        if p.exists() and not p.is_dir():
            raise IndexOpenError(f"{p} is a file, not an index folder")
        if readonly and not cat.exists():
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
            if readonly:
                db = sqlite3.connect(cat.as_uri() + "?mode=ro", uri=True, isolation_level=None)
            else:
                p.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(str(cat), isolation_level=None)
            self._db = db
            db.execute("PRAGMA busy_timeout = 5000")
            db.execute("PRAGMA foreign_keys = ON")
            if not readonly:
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
                if readonly or wanted is None:
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

    @property
    def catalog_is_open(self) -> bool:
        return self._db is not None

    def close_catalog(self) -> None:
        """Release the SQLite connection (safe to call twice)."""
        if self._db is not None:
            self._db.close()
            self._db = None

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            raise IndexOpenError(f"the index at {self.path} is closed")
        return self._db

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
        """Case titles the query names (``--case barcelona``, ``--case "south africa"``):
        a part of the title, or title and tag words, case and accents ignored."""
        from index.case_match import match_case_titles

        tags = {
            p["title"]: p.get("tag")
            for d in self.documents()
            for p in (d.get("outline") or {}).get("parts", [])
            if p.get("kind") == "case"
        }
        return match_case_titles(query, ((t, tags.get(t)) for t in self.cases()))

    def match_documents(self, query: str) -> list[str]:
        """sha256s of documents whose sha starts with ``query`` or whose title contains it."""
        q = query.strip().casefold()
        return [
            d["sha256"]
            for d in self.documents()
            if d["sha256"].startswith(q) or q in str(d["title"]).casefold()
        ]
