"""The readers' caches of an index: the BM25 index and the vector snapshot of the
visible chunks, saved under ``bm25/<key>/`` and ``vectors/<key>/`` by chunk-set key.

Why their own job: they are derived (rebuilt from the catalog and the vector store
whenever missing or stale), and a writer builds them for the post-commit chunk set
*before* its commit, so that after a switch no reader waits on (or opens) chroma.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.catalog import Catalog, _batched, sentence_hash
from index.errors import IndexOpenError
from index.local import CHROMA_DIR
from index.vectors import VECTORS_DIR, VectorSnapshot
from pipeline.types import Chunk

if TYPE_CHECKING:
    from index.lexical import LexicalIndex

BM25_DIR = "bm25"


class Caches(Catalog):
    """The cache side of ``index.store.Index``, over its catalog reads; the vectors of
    chunks no snapshot holds come from ``collection`` (the backend's vector store)."""

    path: Path
    settings: dict[str, Any]
    _lexical: LexicalIndex | None
    _lexical_key: str | None
    _vectors: VectorSnapshot | None
    collection: Any

    def _max_batch(self) -> int:
        raise NotImplementedError

    @property
    def bm25_dir(self) -> Path:
        return self.path / BM25_DIR

    @property
    def vectors_dir(self) -> Path:
        return self.path / VECTORS_DIR

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
