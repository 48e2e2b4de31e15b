"""Hybrid retrieval: dense + BM25, fused by learned weights.

The default hybrid score is linear over a few per-chunk features (``index.fusion``),
weights fitted on queries generated from the indexed text. Reciprocal rank fusion of
the dense and chunk-BM25 rankings (two knobs: the constant ``k`` and a weight per
retriever) is kept as ``FusionParams(weights=None)`` for comparison (``bench/``).
The catalog is the authority: any candidate whose id is not a chunk of a complete
document is dropped before ranking.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from index.fusion import feature_matrix, fuse, load_weights, sentence_max
from index.lexical import LEVELS
from index.store import FilterNoMatch, Index
from index.typed import asked_kind
from pipeline.types import Hit

if TYPE_CHECKING:
    from index.embed import Embedder

Mode = Literal["hybrid", "dense", "bm25"]
DenseBackend = Literal["snapshot", "chroma"]
RRF_K = 60.0
CANDIDATES = 50


@dataclass(frozen=True)
class FusionParams:
    """Knobs for hybrid search: learned linear ``weights`` (``index.fusion``), or, when
    ``weights`` is None, RRF with ``rrf_k`` and the two retrievers' weights."""

    rrf_k: float = RRF_K
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    candidates: int = CANDIDATES  # taken from each retriever before RRF fusion
    weights: tuple[tuple[str, float], ...] | None = None


# RRF as it was measured with `python bench/tune_fusion.py` on the dev gold set (BM25 at twice
# the dense weight, k=30); kept for comparison in bench/.
RRF_FUSION = FusionParams(rrf_k=30.0, lexical_weight=2.0)
# The default: weights fitted by `python bench/fit_retrieval.py` on generated queries.
DEFAULT_FUSION = FusionParams(rrf_k=30.0, lexical_weight=2.0, weights=load_weights())


def rrf_fuse(
    rankings: Mapping[str, Sequence[str]],
    weights: Mapping[str, float] | None = None,
    k: float = RRF_K,
) -> list[tuple[str, float]]:
    """Reciprocal rank fusion: score(d) = Σ_r w_r / (k + rank_r(d)), ranks 1-based.

    ``rankings`` maps a retriever name to its ids, best first. Ties break on
    the best single rank, then the id, so the output is deterministic.
    """
    scores: dict[str, float] = {}
    best: dict[str, int] = {}
    for name, ids in rankings.items():
        w = 1.0 if weights is None else weights.get(name, 1.0)
        for rank, cid in enumerate(ids, start=1):
            scores[cid] = scores.get(cid, 0.0) + w / (k + rank)
            best[cid] = min(best.get(cid, rank), rank)
    return sorted(scores.items(), key=lambda kv: (-kv[1], best[kv[0]], kv[0]))


def _resolve_filters(
    index: Index, case: str | None, document: str | None
) -> tuple[list[str] | None, list[str] | None]:
    """Turn user filters into exact case titles / document shas, or raise FilterNoMatch."""
    cases = docs = None
    if case is not None:
        cases = index.match_cases(case)
        if not cases:
            known = index.cases()
            hint = ", ".join(known[:8]) + (" …" if len(known) > 8 else "")
            raise FilterNoMatch(
                f"no case matches {case!r} (title, tag or place); cases: {hint or 'none'}"
            )
    if document is not None:
        docs = index.match_documents(document)
        if not docs:
            titles = ", ".join(f"{d['title']} ({d['sha256'][:8]})" for d in index.documents())
            raise FilterNoMatch(
                f"no document sha256 starts with or title contains {document!r}; "
                f"documents: {titles or 'none'}"
            )
    return cases, docs


def _where(cases: list[str] | None, docs: list[str] | None) -> dict[str, Any] | None:
    clauses: list[dict[str, Any]] = []
    if cases is not None:
        clauses.append({"case": {"$in": cases}})
    if docs is not None:
        clauses.append({"doc_sha256": {"$in": docs}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def dense_candidates(
    index: Index,
    query_vec: np.ndarray,
    n: int,
    where: dict[str, Any] | None = None,
) -> list[tuple[str, float]]:
    """(chunk id, cosine similarity) from chroma, best first (ids unchecked against catalog)."""
    coll = index.collection
    total = coll.count()
    if total == 0 or n <= 0:
        return []
    res = coll.query(
        query_embeddings=np.asarray(query_vec, dtype=np.float32).reshape(1, -1),
        n_results=min(n, total),
        where=where,
        include=["distances"],
    )
    ids = res["ids"][0]
    dists = res["distances"][0]
    return [(cid, 1.0 - float(d)) for cid, d in zip(ids, dists, strict=True)]


def search(
    index: Index,
    query: str,
    k: int = 10,
    *,
    embedder: Embedder | None,
    case: str | None = None,
    document: str | None = None,
    mode: Mode = "hybrid",
    fusion: FusionParams = DEFAULT_FUSION,
    dense_backend: DenseBackend = "snapshot",
) -> list[Hit]:
    """Top ``k`` chunks for ``query``, optionally within a case / document.

    ``case`` matches case titles case-insensitively by substring; ``document``
    matches a sha256 prefix or a title substring. Scores are the fused score
    (hybrid: linear over BM25 and dense, ``index.fusion``), cosine similarity (dense) or
    BM25 score (bm25). Raises
    ``FilterNoMatch`` when a filter matches nothing.

    ``dense_backend="snapshot"`` ranks each chunk by the exact cosine of its closest
    sentence, over the cached vector matrices (no chromadb import: keeps a cold ``ask``
    fast); ``"chroma"`` asks the chroma HNSW index of whole-chunk vectors with a
    ``where`` filter (kept for the benchmarks; the two agree on chunks stored without
    sentence vectors). The learned linear fusion needs every chunk's score, so with
    ``"chroma"`` a hybrid search fuses the two candidate lists by RRF instead.
    """
    if mode not in ("hybrid", "dense", "bm25"):
        raise ValueError(f"unknown search mode {mode!r}; use hybrid, dense or bm25")
    if not query.strip() or k <= 0:
        return []
    # One catalog snapshot for the whole query: an edition switch committed mid-query
    # must not make the candidates (old edition) vanish at the fetch (new edition).
    with index.read_snapshot():
        return _search(index, query, k, embedder, case, document, mode, fusion, dense_backend)


def _search(
    index: Index,
    query: str,
    k: int,
    embedder: Embedder | None,
    case: str | None,
    document: str | None,
    mode: Mode,
    fusion: FusionParams,
    dense_backend: DenseBackend,
) -> list[Hit]:
    cases, docs = _resolve_filters(index, case, document)
    n_cand = max(fusion.candidates, k)
    filtered = cases is not None or docs is not None
    allowed = index.chunk_ids(cases=cases, docs=docs) if filtered else None

    if mode == "hybrid" and fusion.weights is not None and dense_backend == "snapshot":
        return _search_linear(index, query, k, embedder, allowed, fusion.weights)

    dense: list[tuple[str, float]] = []
    if mode in ("hybrid", "dense"):
        if embedder is None:
            raise ValueError(f"mode {mode!r} needs an embedder")
        index.check_embedder(embedder)
        qv = embedder.embed([query])[0]
        if dense_backend == "chroma":
            dense = dense_candidates(index, qv, n_cand, _where(cases, docs))
        else:
            dense = index.vectors().search(qv, n_cand, allowed)

    lexical: list[tuple[str, float]] = []
    if mode in ("hybrid", "bm25"):
        lexical = index.lexical().search(query, n_cand, allowed)

    # The catalog decides what exists: drop orphan vectors and not-yet-complete docs.
    chunks = index.chunks_by_id([cid for cid, _ in dense] + [cid for cid, _ in lexical])
    dense = [(cid, s) for cid, s in dense if cid in chunks]
    lexical = [(cid, s) for cid, s in lexical if cid in chunks]
    d_rank = {cid: r for r, (cid, _) in enumerate(dense, start=1)}
    l_rank = {cid: r for r, (cid, _) in enumerate(lexical, start=1)}

    if mode == "dense":
        ranked = dense
    elif mode == "bm25":
        ranked = lexical
    else:
        ranked = rrf_fuse(
            {"dense": [c for c, _ in dense], "lexical": [c for c, _ in lexical]},
            {"dense": fusion.dense_weight, "lexical": fusion.lexical_weight},
            fusion.rrf_k,
        )
    return [
        Hit(
            chunk=chunks[cid],
            score=float(score),
            rank=rank,
            dense_rank=d_rank.get(cid),
            lexical_rank=l_rank.get(cid),
        )
        for rank, (cid, score) in enumerate(ranked[:k], start=1)
    ]


@dataclass(frozen=True)
class QueryFeatures:
    """What the linear fusion sees for one query: per chunk row of ``index.lexical().ids``,
    the BM25 fields and dense cosines, and the feature matrix of ``rows``."""

    fields: dict[str, np.ndarray]
    dense: np.ndarray
    matrix: np.ndarray


def query_features(
    index: Index,
    query: str,
    query_vec: np.ndarray,
    rows: np.ndarray,
    levels: Sequence[str] = LEVELS,
) -> QueryFeatures:
    """The features of ``rows`` for ``query`` (``bench/fit_retrieval.py`` fits on exactly
    these); parent ``levels`` left out stay zero (their weight is zero)."""
    lex = index.lexical()
    snap = index.vectors()
    dense = sentence_max(snap.sentences, snap.owner, query_vec)
    if snap.ids != lex.ids:  # both list the visible chunks; align if they ever differ
        at = np.array([snap.pos.get(cid, -1) for cid in lex.ids])
        dense = np.where(at >= 0, dense[at], -1.0)
    fields = lex.field_scores(query, levels)
    fields["typed"] = lex.stated(asked_kind(query))
    return QueryFeatures(fields, dense, feature_matrix(fields, dense, rows))


def _search_linear(
    index: Index,
    query: str,
    k: int,
    embedder: Embedder | None,
    allowed: set[str] | None,
    weights: tuple[tuple[str, float], ...],
) -> list[Hit]:
    """Score every allowed chunk by the learned linear fusion; the top ``k`` that the
    catalog still holds, best first (ties by row order)."""
    if embedder is None:
        raise ValueError("mode 'hybrid' needs an embedder")
    index.check_embedder(embedder)
    qv = np.asarray(embedder.embed([query])[0], dtype=np.float32)
    lex = index.lexical()
    if allowed is None:
        rows = np.arange(len(lex.ids))
    else:
        rows = np.array(sorted(i for i, cid in enumerate(lex.ids) if cid in allowed), dtype=int)
    if rows.size == 0:
        return []
    used = {f for f, w in weights if w}
    levels = [lv for lv in LEVELS if f"bm25_{lv}" in used]
    feats = query_features(index, query, qv, rows, levels)
    fields, dense = feats.fields, feats.dense
    scores = fuse(feats.matrix, weights)
    order = np.lexsort((rows, -scores))
    # rank within each retriever, for the Hit (1-based; BM25 only where it scored)
    d_order = rows[np.lexsort((rows, -dense[rows]))]
    d_rank = {int(r): i for i, r in enumerate(d_order, start=1)}
    lex_rows = rows[fields["chunk"][rows] > 0]
    l_order = lex_rows[np.lexsort((lex_rows, -fields["chunk"][lex_rows]))]
    l_rank = {int(r): i for i, r in enumerate(l_order, start=1)}
    hits: list[Hit] = []
    want = max(k, 1)
    start = 0
    while len(hits) < want and start < len(order):
        batch = order[start : start + 2 * want]
        start += len(batch)
        chunks = index.chunks_by_id([lex.ids[int(rows[i])] for i in batch])
        for i in batch:
            row = int(rows[i])
            chunk = chunks.get(lex.ids[row])
            if chunk is None:  # not (or no longer) a chunk of a complete document
                continue
            hits.append(
                Hit(
                    chunk=chunk,
                    score=float(scores[i]),
                    rank=len(hits) + 1,
                    dense_rank=d_rank.get(row),
                    lexical_rank=l_rank.get(row),
                )
            )
            if len(hits) == want:
                break
    return hits
