"""The index: a SQLite catalog (the authority) plus a vector store, behind one facade.

``Index`` is the catalog's reads (``index.catalog``), the readers' caches
(``index.caches``) and the writes below, over a ``Backend`` (``index.backend``) that
keeps the vectors: a chromadb folder beside the catalog (``index.local``) or a Chroma
server whose index the catalog caches (``index.server``). Open one with
``index.backend.open_index``.

Why two stores: chroma gives filtered ANN search but keeps only scalar metadata
and has no multi-row transactions; the catalog holds the full ``Chunk`` records
and marks documents complete in one transaction. Vectors are written first and
the catalog commit comes last, so a crash mid-ingest leaves the previous state
answering; readers drop any chroma id that the catalog does not list under a
complete document.

The commit that makes a new edition complete also makes it current (and its
predecessor history), so there is no moment at which a series has no visible
edition. The BM25 and vector caches for the new visible set are built *before* that
commit, so readers never wait on (or open) chroma after a switch.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.caches import BM25_DIR, Caches
from index.catalog import (
    CATALOG_FILE,
    CRASH_ENV,
    MODELS_DIR,
    SCHEMA_VERSION,
    SERVERS_DIR,
    _batched,
    _canonical,
    _crash_point,
    _input_hash,
    _insert_series,
    _put_entities,
    sentence_hash,
)
from index.errors import (
    AmbiguousDocument,
    CasebookIndexError,
    EmptyServerIndex,
    FilterNoMatch,
    IndexOpenError,
    IndexSettingsMismatch,
    ServerError,
)
from index.local import CHROMA_DIR, COLLECTION, LocalFolder
from index.vectors import VECTORS_DIR, VectorSnapshot
from pipeline.types import Chunk, Entity

if TYPE_CHECKING:
    from index.backend import Backend
    from index.embed import Embedder
    from index.lexical import LexicalIndex

__all__ = [  # the names other modules have always imported from here
    "BM25_DIR",
    "CATALOG_FILE",
    "CHROMA_DIR",
    "COLLECTION",
    "CRASH_ENV",
    "MODELS_DIR",
    "SCHEMA_VERSION",
    "SERVERS_DIR",
    "VECTORS_DIR",
    "AmbiguousDocument",
    "CasebookIndexError",
    "EmptyServerIndex",
    "FilterNoMatch",
    "Index",
    "IndexOpenError",
    "IndexSettingsMismatch",
    "ServerError",
    "VectorSnapshot",
    "sentence_hash",
]
_EMBED_BATCH = 64
_WHERE_IN_BATCH = 256


class Index(Caches):
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
        backend: Backend | None = None,
    ) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self.backend: Backend = backend or LocalFolder(self.path, readonly=readonly)
        self._models_dir = None if models_dir is None else Path(models_dir)
        if settings is None and not readonly:
            raise ValueError("settings are required to create or write an index")
        self._db: sqlite3.Connection | None = None
        self._decoded: dict[str, Chunk] = {}
        self._writes = 0
        self._visible_memo: tuple[Any, list[str], str] | None = None
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
        """Open the catalog and the vector store, as the backend does it."""
        self.settings = self.backend.open(self, wanted)

    def __repr__(self) -> str:
        return f"Index({self.backend!r})"

    @property
    def models_dir(self) -> Path:
        """Where the CLI should keep the ONNX query model (``query_embedder(index.models_dir)``)."""
        return self._models_dir or self.path / MODELS_DIR

    def close(self) -> None:
        """Release the SQLite connection and chroma's shared system (safe to call twice)."""
        self.close_catalog()
        self.backend.close()
        self._closed = True
        self._lexical = None
        self._vectors = None

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def collection(self) -> Any:
        """The chromadb collection (vectors + filter metadata), opened on first use."""
        if self._closed:
            raise IndexOpenError(f"the index at {self.path} is closed")
        return self.backend.collection()

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

    def forget_derived(self) -> None:
        """Drop what was derived from the catalog in memory (it changed underneath)."""
        self._lexical = self._vectors = None
        self._decoded.clear()
        self.__dict__.pop("_answer_memo", None)

    def sync(self) -> bool:
        """Bring the catalog to the backend's latest state (a server's head); True if it
        changed. A local folder is its own authority: always False."""
        changed = self.backend.sync(self)
        if changed:
            self.forget_derived()
        return changed

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One catalog write transaction (``BEGIN IMMEDIATE`` … ``COMMIT``; rollback on error)."""
        with self._tx() as tx:
            yield tx

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
        synced = self.state_key()

        def commit() -> None:
            # A server backend may have brought in another writer's commit (a rebase):
            # the caches are then built again for the new set; nothing is embedded again.
            if self.state_key() != synced:
                self._prebuild_caches(sha, series, todo, sent_rows, meta.get("outline"))
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

        self.backend.commit(self, commit)
        self._lexical = self._vectors = None
        return {
            "embedded": len(to_embed),
            "reused": len(todo) - len(to_embed),
            "duplicates": duplicates,
        }

    def _max_batch(self) -> int:
        return self.backend.max_batch()

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
        docs = self.backend.vector_documents(chunks)
        size = self._max_batch()
        for i in range(0, len(chunks), size):
            self.collection.upsert(
                ids=[c.id for c in chunks[i : i + size]],
                embeddings=np.stack(vectors[i : i + size]).astype(np.float32),
                metadatas=metas[i : i + size],
                **({} if docs is None else {"documents": docs[i : i + size]}),
            )

    def _before_commit(self, tx: sqlite3.Connection, **published: Any) -> None:
        """Called inside the catalog transaction, just before it commits.

        Why a hook: a server index publishes the new state to the server here, so the
        server's commit happens first and a failure rolls the local catalog back.
        """
        self.backend.before_commit(tx, **published)

    def _after_commit(self, removed: Sequence[str] = ()) -> None:
        """Clean-up once the commit is done (the removed editions' vectors, ...)."""
        self.backend.after_commit(self, removed)

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
                "tokens, page_starts, table_title) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                        c.table_title,
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

        def commit() -> None:
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

        self.backend.commit(self, commit)

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

        def commit() -> None:
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

        self.backend.commit(self, commit)
        self._lexical = self._vectors = None
        from index.lexical import prune_cache

        prune_cache(self.bm25_dir, keep=None)
        prune_cache(self.vectors_dir, keep=None)

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
