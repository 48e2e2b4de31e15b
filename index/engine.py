"""The search side in one object: an open index, the query embedder and search.

Why an object: ``ask --batch``, ``eval`` and the benches search many questions with one
index and one model load. Answers are a layer above (``qa.engine.Engine`` adds ``ask``),
so nothing in ``index/`` imports ``qa/``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

import numpy as np

from index.backend import open_index
from index.retrieve import DEFAULT_FUSION, FusionParams, Mode
from index.retrieve import search as retrieve
from index.store import Index
from pipeline.types import Hit


class _Memo:
    """Remembers the last few single-text embeddings: search and answer share the question's."""

    def __init__(self, inner: Any, size: int = 32) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self._cache: dict[str, np.ndarray] = {}
        self._size = size

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) != 1:
            return self.inner.embed(texts)
        key = texts[0]
        if key not in self._cache:
            if len(self._cache) >= self._size:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = self.inner.embed([key])[0]
        return self._cache[key][None, :]


class SearchEngine:
    """Search over one index; the ONNX query model loads on first use."""

    def __init__(self, index: Index, fusion: FusionParams = DEFAULT_FUSION) -> None:
        self.index = index
        self.fusion = fusion
        self._embedder: Any = None

    @classmethod
    def open(
        cls,
        index_dir: Path,
        editions: Sequence[str] | None = None,
        *,
        chroma_url: str | None = None,
    ) -> Self:
        """Open read-only; ``editions`` (sha256 prefixes or labels) replace their series'
        current editions, e.g. to ask the edition a figure was quoted from.

        With ``chroma_url`` the index is the one on that Chroma server, read through a
        cache in ``index_dir`` that is brought up to date here (see ``index.server``).
        """
        from index.settings import index_settings

        index = open_index(Path(index_dir), index_settings(), readonly=True, chroma_url=chroma_url)
        try:
            index.set_editions(editions)
        except BaseException:
            index.close()
            raise
        return cls(index)

    @property
    def embedder(self) -> Any:
        if self._embedder is None:
            from index.embed import query_embedder

            self._embedder = _Memo(query_embedder(self.index.models_dir))
        return self._embedder

    def search(
        self,
        query: str,
        k: int = 10,
        *,
        case: str | None = None,
        document: str | None = None,
        mode: Mode = "hybrid",
    ) -> list[Hit]:
        embedder = None if mode == "bm25" else self.embedder
        return retrieve(
            self.index,
            query,
            k,
            embedder=embedder,
            case=case,
            document=document,
            mode=mode,
            fusion=self.fusion,
        )

    def document_texts(self) -> list[str]:
        """Each document's indexed text (its chunks in order), to check gold evidence against."""
        by_doc: dict[str, list[str]] = {}
        for c in self.index.chunks():
            by_doc.setdefault(c.doc_sha256, []).append(c.text)
        return ["\n\n".join(parts) for parts in by_doc.values()]

    def close(self) -> None:
        self.index.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
