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

from index.entity_worker import EntityWorker
from index.settings import CHUNK_SETTINGS, EMBED_DIM, index_settings
from pipeline.chunks import chunk_structure
from pipeline.entities import EXTRACTOR_VERSION, align_actor_names, rebase_entities
from pipeline.sentences import chunk_sentences
from pipeline.structure import detect_structure, outline
from pipeline.tokenize import MODEL_NAME
from pipeline.types import Chunk, Entity, Structure
from sources import SourceError, discover, load

log = logging.getLogger(__name__)

SERIES_OVERLAP = 0.5  # share of a file's chunk texts found in a series' current edition
SERIES_OVERLAP_SAME_TITLE = 0.2  # ... enough when the titles also match
ONNX_MAX_TEXTS = 64  # embed up to this many chunks with the ONNX model (no torch import)


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
            "path": str(Path(doc.path).resolve()),  # the app renders pages from any folder
            "kind": doc.kind,
            "pages": doc.page_count,
            "parser": doc.parser,
            "outline": outline(self.structure),
            "extractor": EXTRACTOR_VERSION,
        }


@dataclass
class DocReport:
    """What happened to one file, as printed by ``casebook ingest --json``."""

    path: str
    status: str = "failed"  # ingested | unchanged | refreshed | checked | failed
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
        return self._load().embed_with_spans(texts, spans)

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
    series: str | None = None,
    new_series: bool = False,
    chroma_url: str | None = None,
) -> list[DocReport]:
    """Ingest every file under ``paths`` into the index at ``index_dir``.

    With ``chroma_url`` the index is the one on that Chroma server (created there if
    it has none) and ``index_dir`` holds this machine's cache of it.

    With ``dry_run`` the files are read, checked and chunked but nothing is written
    (the index is not even opened). A document already in the index is left as is.

    A file that is a new edition of an indexed series (see ``recognise_series``;
    ``series`` names the series instead, ``new_series`` forces a series of its own)
    becomes that series' current edition: unchanged chunks reuse their vectors and
    entities, only new or changed chunks are embedded and run through spaCy.
    """
    if series is not None and new_series:
        raise ValueError("give either a series name or new_series, not both")
    reports: list[DocReport] = []
    index = None
    lazy = embedder or LazyEmbedder()
    # spaCy loads in a worker process while the first PDF is read (see index.entity_worker)
    worker = EntityWorker(start=not dry_run and index_dir is not None)
    try:
        if chroma_url and not dry_run and index_dir is not None:
            # A wrong URL or a refused model should fail before minutes of parsing.
            from index.backend import open_index

            index = open_index(index_dir, index_settings(), chroma_url=chroma_url)
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
            except MemoryError:
                raise
            except Exception as e:
                log.warning("%s: %s", path, e, exc_info=True)
                detail = " ".join(str(e).split())[:160] or type(e).__name__
                report.errors.append(f"could not be processed ({type(e).__name__}: {detail})")
                continue
            _fill(report, prep)
            if dry_run or index_dir is None:
                report.status = "checked"
                continue
            if index is None:
                from index.backend import open_index

                index = open_index(index_dir, index_settings(), chroma_url=chroma_url)
            existing = index.get_document(prep.structure.document.sha256)
            if existing and existing.get("status") == "complete":
                report.status = "unchanged"
                report.reused = report.chunks
                report.series, report.edition = existing["series"], existing["label"]
                if existing.get("extractor") != EXTRACTOR_VERSION:
                    # found by older rules: extract again, keep chunks, vectors and edition
                    found = _entities(index, prep, None, prep.chunks, report, worker)()
                    index.replace_entities(
                        existing["sha256"], found, {"extractor": EXTRACTOR_VERSION}
                    )
                    report.status = "refreshed"
                continue
            name, prev = recognise_series(index, prep, series=series, new_series=new_series)
            prev_hashes = index.text_hashes(prev["sha256"]) if prev else set()
            changed = [c for c in prep.chunks if c.text_hash not in prev_hashes]
            if (
                isinstance(lazy, LazyEmbedder)
                and not lazy.loaded
                and len(changed) <= ONNX_MAX_TEXTS
            ):
                lazy.onnx_dir = index.models_dir
            entities = _entities(index, prep, prev, changed, report, worker)
            label = edition_label(
                prep.structure.document.title,
                [d["title"] for d in _editions_of(index, name, prev)],
            )
            counts = index.add_document(
                prep.meta,
                prep.chunks,
                lazy,
                progress=progress,
                embed_input=lambda c: c.embed_text,
                sentences=chunk_sentences,
                entities=entities,
                series=name,
                edition_label=label,
            )
            report.embedded, report.reused = counts["embedded"], counts["reused"]
            stored = index.get_document(prep.structure.document.sha256) or {}
            report.series, report.edition = stored.get("series"), stored.get("label")
            report.previous = prev["sha256"] if prev else None
            report.status = "ingested"
        if index is not None:
            index.warm()  # BM25 and vector caches now, not on the first question
        if index is not None and isinstance(lazy, LazyEmbedder) and lazy.loaded:
            # torch is loaded already: export the query model now so the first ask is fast.
            from index.embed import onnx_file_for, query_embedder

            if not onnx_file_for(index.models_dir).exists():
                query_embedder(index.models_dir)
    finally:
        worker.close()
        if index is not None:
            index.close()
    return reports


def _norm_title(title: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", title.casefold())).strip()


def _titles_related(a: str, b: str) -> bool:
    """One title starts with the other (``X`` and ``X — Revised edition``)."""
    na, nb = _norm_title(a), _norm_title(b)
    return bool(na and nb) and (na.startswith(nb) or nb.startswith(na))


def recognise_series(
    index: Any, prep: Prepared, *, series: str | None = None, new_series: bool = False
) -> tuple[str | None, dict[str, Any] | None]:
    """(series name for ``add_document``, the series' current edition) for a new file.

    ``series`` is taken as given (a new series if no such name); ``new_series`` gives
    (None, None): a series of its own. Otherwise the file continues the series whose
    current edition shares the most chunk texts with it, if that share is at least
    ``SERIES_OVERLAP`` (or ``SERIES_OVERLAP_SAME_TITLE`` when one title extends the
    other); else it starts a new series.
    """
    if new_series:
        return None, None
    all_series = index.series()
    if series is not None:
        folded = series.strip().casefold()
        for s in all_series:
            if s["name"].casefold() == folded:
                cur = next((d for d in s["editions"] if d["current"]), None)
                return s["name"], cur
        return series.strip(), None
    hashes = {c.text_hash for c in prep.chunks}
    title = prep.structure.document.title
    best: tuple[float, str, dict[str, Any]] | None = None
    for s in all_series:
        cur = next((d for d in s["editions"] if d["current"]), None)
        if cur is None:
            continue
        overlap = len(hashes & index.text_hashes(cur["sha256"])) / max(1, len(hashes))
        related = _titles_related(title, cur["title"]) or _titles_related(title, s["name"])
        needed = SERIES_OVERLAP_SAME_TITLE if related else SERIES_OVERLAP
        if overlap >= needed and (best is None or overlap > best[0]):
            best = (overlap, s["name"], cur)
    if best is None:
        return None, None
    return best[1], best[2]


def _editions_of(index: Any, name: str | None, prev: dict[str, Any] | None) -> list[dict]:
    if name is None:
        return []
    folded = name.casefold()
    for s in index.series():
        if s["name"].casefold() == folded:
            return s["editions"]
    return [prev] if prev else []


_EDITION_WORDS = re.compile(
    r"\b((?:(?:first|second|third|fourth|fifth|revised|updated|new|expanded|"
    r"\d+(?:st|nd|rd|th))\s+)+edition|edition\s+\d+|ed\.\s*\d+)\b",
    re.IGNORECASE,
)


def edition_label(title: str, earlier_titles: Iterable[str] = ()) -> str | None:
    """A short name for an edition: what its title adds to an earlier edition's title
    ("Revised edition"), else an "... edition" phrase in the title, else None ("ed. N").
    """
    for old in earlier_titles:
        if old and title != old and _norm_title(title).startswith(_norm_title(old)):
            # the extra words, found by skipping as many word characters as the old title has
            n = len(re.findall(r"\w", old))
            pos = 0
            for m in re.finditer(r"\w", title):
                n -= 1
                if n == 0:
                    pos = m.end()
                    break
            extra = title[pos:].strip(" \t—–-:;,|/")
            short = re.sub(r"\s*\([^)]*\)", "", extra).strip(" —–-:;,")
            extra = short or extra
            if 0 < len(extra) <= 60:
                return extra
    m = _EDITION_WORDS.search(title)
    return m.group(1) if m else None


def _entities(
    index: Any,
    prep: Prepared,
    prev: dict[str, Any] | None,
    changed: list[Chunk],
    report: DocReport,
    worker: EntityWorker,
) -> Callable[[], list[Entity]]:
    """The new edition's entities, as a callable joined at commit time.

    Chunks unchanged since ``prev`` get its entities re-pointed at them; the others
    are extracted in a worker process (``EntityJob``) while the parent embeds.
    """
    doc = prep.structure.document
    if prev is None or prev.get("extractor") != EXTRACTOR_VERSION:
        # nothing to reuse, or entities found by older rules: extract them all
        job, reused = worker.submit(prep.chunks, doc), []
    else:
        job = worker.submit(changed, doc, vocab_from=prep.chunks)
        old = index.entities_by_text_hash(prev["sha256"])
        changed_ids = {c.id for c in changed}
        reused = [
            e
            for c in prep.chunks
            if c.id not in changed_ids
            for e in rebase_entities(old.get(c.text_hash, []), c, doc)
        ]

    def finish() -> list[Entity]:
        fresh = job.result()
        if reused:
            fresh = align_actor_names(fresh, reused)
        report.entities_reused, report.entities_extracted = len(reused), len(fresh)
        return sorted([*reused, *fresh], key=lambda e: (e.chunk_id, e.span))

    return finish
