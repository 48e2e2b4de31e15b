"""BM25 over the catalog's complete chunks (bm25s), cached on disk per chunk set.

Why: dense vectors miss exact names, numbers and acronyms a policy reader
types ("EITC", "Vision Zero", "2001"); BM25 catches them. The index is derived
data, so it lives in ``<index>/bm25/<key>/`` where ``key`` hashes the sorted
complete chunk ids: any add/remove changes the key and triggers a rebuild,
and a reader never mixes a stale BM25 index with a newer catalog.

Tokens are lower-cased, English stop words (bm25s built-in list) removed and
a small suffix stemmer applied (PyStemmer is not installed and nothing may be
downloaded).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from pipeline.types import Chunk

LEXICAL_VERSION = 1  # bump when tokenisation/stemming changes: invalidates cached indexes
TOKEN_PATTERN = r"(?u)\b\w\w+\b|\b\d\b"
_IDS_FILE = "chunk_ids.json"
_VOWEL = re.compile(r"[aeiouy]")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light English suffix stemmer (Porter step 1 in spirit): plurals, -ed, -ing, -ly.

    Conservative on purpose: it must conflate "subsidies/subsidy" and
    "taxes/taxed/taxing/tax" without merging unrelated words.
    """
    w = word
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith("xes") or w.endswith("ches") or w.endswith("shes"):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    for suffix in ("ingly", "edly", "ing", "ed"):
        if w.endswith(suffix) and _VOWEL.search(w[: -len(suffix)]) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]  # running -> run, planned -> plan
            elif w.endswith(("at", "bl", "iz")):
                w += "e"  # regulated -> regulate, enabled -> enable
            break
    else:
        if w.endswith("ly") and len(w) > 5:
            w = w[:-2]
    return w


def _stem_all(words: list[str]) -> list[str]:
    return [stem(w) for w in words]


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Texts to lists of (lower-cased, stop-word-free, stemmed) terms, as BM25 sees them."""
    import bm25s

    return bm25s.tokenize(
        list(texts),
        lower=True,
        token_pattern=TOKEN_PATTERN,
        stopwords="en",
        stemmer=_stem_all,
        return_ids=False,
        show_progress=False,
    )


def chunk_set_key(ids: Iterable[str]) -> str:
    """Cache key of a set of chunk ids (order-insensitive) and the tokeniser version."""
    h = hashlib.sha256(f"lexical-v{LEXICAL_VERSION}\n".encode())
    for i in sorted(ids):
        h.update(i.encode() + b"\n")
    return h.hexdigest()[:20]


def prune_cache(cache_dir: Path, keep: str | None) -> None:
    """Delete cached BM25 indexes other than ``keep`` (all of them when ``keep`` is None)."""
    if not cache_dir.is_dir():
        return
    for child in cache_dir.iterdir():
        if child.name != keep and child.is_dir():
            shutil.rmtree(child, ignore_errors=True)


class LexicalIndex:
    """A bm25s index plus the chunk id of each of its rows."""

    def __init__(self, retriever: object | None, ids: list[str]) -> None:
        self._retriever = retriever
        self.ids = ids
        self._pos = {cid: i for i, cid in enumerate(ids)}

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def build(cls, ids: list[str], texts: Sequence[str]) -> LexicalIndex:
        """Index ``texts`` (row i is chunk ``ids[i]``)."""
        if not ids:
            return cls(None, [])
        import bm25s

        retriever = bm25s.BM25()
        retriever.index(tokenize(texts), show_progress=False)
        return cls(retriever, list(ids))

    def save(self, dest: Path) -> None:
        """Write atomically: build in a temp sibling folder, then rename into place."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
        try:
            if self._retriever is not None:
                self._retriever.save(str(tmp))  # type: ignore[attr-defined]
            (tmp / _IDS_FILE).write_text(json.dumps(self.ids))
            try:
                os.replace(tmp, dest)
            except OSError:
                if not (dest / _IDS_FILE).exists():  # lost a race to another writer: fine
                    raise
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def load(cls, src: Path) -> LexicalIndex:
        ids = json.loads((src / _IDS_FILE).read_text())
        if not ids:
            return cls(None, [])
        import bm25s

        return cls(bm25s.BM25.load(str(src), mmap=False), ids)

    @classmethod
    def load_or_build(
        cls,
        cache_dir: Path,
        key: str,
        ids: list[str],
        fetch: Callable[[list[str]], dict[str, Chunk]],
    ) -> LexicalIndex:
        """The cached index for ``key`` if present and sound, else build, save and prune."""
        dest = cache_dir / key
        if (dest / _IDS_FILE).exists():
            try:
                idx = cls.load(dest)
                if sorted(idx.ids) == sorted(ids):
                    return idx
            except (OSError, ValueError, KeyError) as exc:
                warnings.warn(f"rebuilding unreadable BM25 cache {dest}: {exc}", stacklevel=2)
        chunks = fetch(ids)
        if len(chunks) != len(ids):
            # The catalog changed between listing and fetching; index what we got.
            ids = [i for i in ids if i in chunks]
        idx = cls.build(ids, [chunks[i].text for i in ids])
        if ids and chunk_set_key(ids) == key:
            try:
                if dest.exists():
                    shutil.rmtree(dest)
                idx.save(dest)
                prune_cache(cache_dir, keep=key)
            except OSError as exc:
                warnings.warn(
                    f"could not cache the BM25 index in {cache_dir} ({exc}); "
                    "it will be rebuilt on each run",
                    stacklevel=2,
                )
        return idx

    def search(
        self, query: str, k: int, allowed: set[str] | None = None
    ) -> list[tuple[str, float]]:
        """Top ``k`` (chunk id, BM25 score) with score > 0, restricted to ``allowed`` ids."""
        if self._retriever is None or k <= 0:
            return []
        terms = tokenize([query])
        if not terms or not terms[0]:
            return []
        n = len(self.ids)
        mask = None
        if allowed is not None:
            mask = np.zeros(n, dtype=np.float32)
            rows = [self._pos[i] for i in allowed if i in self._pos]
            if not rows:
                return []
            mask[rows] = 1.0
        res = self._retriever.retrieve(  # type: ignore[attr-defined]
            terms, k=min(k, n), weight_mask=mask, show_progress=False, n_threads=1
        )
        out = []
        for row, score in zip(res.documents[0], res.scores[0], strict=True):
            if score > 0:
                out.append((self.ids[int(row)], float(score)))
        return out
