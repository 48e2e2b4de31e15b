"""Ingest orchestration: files -> documents -> structure -> chunks (-> entities) -> index.

Why here: it is the one place that writes the store, so it lives in ``index/``; the
CLI only calls ``ingest`` and prints the reports. Bad files never stop a run: each
gets its one-line reason in its report and the others are still ingested.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.answer import chunk_sentences
from pipeline.chunks import ChunkSettings, chunk_structure
from pipeline.entities import align_actor_names, extract_entities, rebase_entities
from pipeline.structure import detect_structure, outline
from pipeline.tokenize import MODEL_NAME
from pipeline.types import Chunk, Structure
from sources import SourceError, discover, load

log = logging.getLogger(__name__)

EMBED_DIM = 384
CHUNK_SETTINGS = ChunkSettings()
SERIES_OVERLAP = 0.5  # share of a file's chunk texts found in a series' current edition
SERIES_OVERLAP_SAME_TITLE = 0.2  # ... enough when the titles also match
ONNX_MAX_TEXTS = 64  # embed up to this many chunks with the ONNX model (no torch import)


def index_settings(chunk_settings: ChunkSettings = CHUNK_SETTINGS) -> dict[str, Any]:
    """What an index records and later insists on: the model and how chunks were made."""
    return {
        "model": MODEL_NAME,
        "dim": EMBED_DIM,
        "embed_input": "part › section header + chunk text",
        "sentence_vectors": True,
        **chunk_settings.fingerprint(),
    }


@dataclass
class Prepared:
    """A document run through sources and pipeline, ready to store."""

    structure: Structure
    chunks: list[Chunk]

    @property
    def meta(self) -> dict[str, Any]:
        doc = self.structure.document
        return {
            "sha256": doc.sha256,
            "title": doc.title,
            "path": doc.path,
            "kind": doc.kind,
            "pages": doc.page_count,
            "parser": doc.parser,
            "outline": outline(self.structure),
        }


@dataclass
class DocReport:
    """What happened to one file, as printed by ``casebook ingest --json``."""

    path: str
    status: str = "failed"  # ingested | unchanged | checked | failed
    sha256: str | None = None
    title: str | None = None
    pages: int = 0
    cases: int = 0
    sections: int = 0
    chunks: int = 0
    embedded: int = 0
    reused: int = 0
    series: str | None = None
    edition: str | None = None  # the edition label
    previous: str | None = None  # sha256 of the edition this one replaced as current
    entities_reused: int = 0
    entities_extracted: int = 0
    errors: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def prepare(path: str | Path, password: str | None = None) -> Prepared:
    """Read, structure and chunk one file (no index involved: also what --dry-run does)."""
    structure = detect_structure(load(path, password=password))
    return Prepared(structure=structure, chunks=chunk_structure(structure, CHUNK_SETTINGS))


def _fill(report: DocReport, prep: Prepared) -> None:
    doc = prep.structure.document
    cases = [p for p in prep.structure.parts if p.kind == "case"]
    report.sha256, report.title, report.pages = doc.sha256, doc.title, doc.page_count
    report.cases = len(cases)
    report.sections = sum(len(p.sections) for p in prep.structure.parts)
    report.chunks = len(prep.chunks)
    report.errors.extend(doc.warnings)


class LazyEmbedder:
    """Loads sentence-transformers (and torch) only when something really needs embedding."""

    name = MODEL_NAME
    dim = EMBED_DIM

    def __init__(self) -> None:
        self._inner: Any = None
        self.onnx_dir: Path | None = None  # set: use the exported ONNX model if it is there

    def _load(self) -> Any:
        if self._inner is None:
            from index.embed import onnx_file_for

            if self.onnx_dir is not None and onnx_file_for(self.onnx_dir).exists():
                # A few changed chunks of a new edition: the ONNX twin gives the same
                # vectors without torch's ~4 s import (it is ~2x slower per text).
                from index.embed import OnnxEmbedder

                self._inner = OnnxEmbedder(onnx_file_for(self.onnx_dir))
            else:
                from index.embed import SentenceTransformerEmbedder

                self._inner = SentenceTransformerEmbedder()
        return self._inner

    def embed(self, texts):  # -> np.ndarray
        return self._load().embed(texts)

    def embed_with_spans(self, texts, spans):  # -> (np.ndarray, list[list[np.ndarray]])
        inner = self._load()
        if hasattr(inner, "embed_with_spans"):
            return inner.embed_with_spans(texts, spans)
        # An embedder without in-pass pooling: embed the span texts on their own.
        flat = [t[s:e] for t, sp in zip(texts, spans, strict=True) for s, e in sp]
        flat_vecs = list(inner.embed(flat)) if flat else []
        out, i = [], 0
        for sp in spans:
            out.append(flat_vecs[i : i + len(sp)])
            i += len(sp)
        return inner.embed(texts), out

    @property
    def loaded(self) -> bool:
        return self._inner is not None


def ingest(
    paths: Iterable[str | Path],
    index_dir: Path | None,
    *,
    password: str | None = None,
    dry_run: bool = False,
    embedder: Any = None,
    on_file: Callable[[Path], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[DocReport]:
    """Ingest every file under ``paths`` into the index at ``index_dir``.

    With ``dry_run`` the files are read, checked and chunked but nothing is written
    (the index is not even opened). A document already in the index is left as is.
    """
    reports: list[DocReport] = []
    index = None
    lazy = embedder or LazyEmbedder()
    try:
        for path in discover(paths):
            if on_file is not None:
                on_file(path)
            report = DocReport(path=str(path))
            reports.append(report)
            try:
                prep = prepare(path, password=password)
            except SourceError as e:
                report.errors.append(e.message)
                continue
            except OSError as e:
                report.errors.append(f"cannot read file ({e.strerror or e})")
                continue
            _fill(report, prep)
            if dry_run or index_dir is None:
                report.status = "checked"
                continue
            if index is None:
                from index.store import Index

                index = Index(index_dir, index_settings())
            existing = index.get_document(prep.structure.document.sha256)
            if existing and existing.get("status") == "complete":
                report.status = "unchanged"
                report.reused = report.chunks
                continue
            counts = index.add_document(
                prep.meta,
                prep.chunks,
                lazy,
                progress=progress,
                embed_input=lambda c: c.embed_text,
                sentences=chunk_sentences,
                entities=extract_entities(prep.chunks, document=prep.structure.document),
            )
            report.embedded, report.reused = counts["embedded"], counts["reused"]
            report.status = "ingested"
        if index is not None:
            index.warm()  # BM25 and vector caches now, not on the first question
        if index is not None and isinstance(lazy, LazyEmbedder) and lazy.loaded:
            # torch is loaded already: export the query model now so the first ask is fast.
            from index.embed import onnx_file_for, query_embedder

            if not onnx_file_for(index.models_dir).exists():
                query_embedder(index.models_dir)
    finally:
        if index is not None:
            index.close()
    return reports
