"""BM25 over the catalog's complete chunks (bm25s), cached on disk per chunk set.

Why: dense vectors miss exact names, numbers and acronyms a policy reader
types ("EITC", "Vision Zero", "2001"); BM25 catches them. The index is derived
data, so it lives in ``<index>/bm25/<key>/`` where ``key`` hashes the sorted
complete chunk ids: any add/remove changes the key and triggers a rebuild,
and a reader never mixes a stale BM25 index with a newer catalog.

Tokens are lower-cased, English stop words (bm25s's built-in "en" list)
removed and a small suffix stemmer applied (PyStemmer is not installed and
nothing may be downloaded).

bm25s builds and saves the index (its eager BM25 score matrix, CSC). Queries
read those saved arrays and score with a few numpy lines instead of importing
bm25s, whose import pulls in scipy (~0.4 s) -- too much for a cold ``ask``.

Besides the chunks, the same folder holds BM25 indexes of each chunk's *parents*: its
section, its page and its part (case). A chunk loses the context its page or case
has ("the Bank" in a passage of a case titled after the bank's full name); the
parents' scores, mapped back to their chunks (``field_scores``), let hybrid retrieval
score the section, page or case and still cite the half-page chunk inside it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.types import Chunk

LEXICAL_VERSION = 9  # bump when tokenisation/stemming/levels change: invalidates cached indexes
TOKEN_PATTERN = r"(?u)\b\w\w+\b|\b\d\b"
_IDS_FILE = "chunk_ids.json"
# bm25s.stopwords.STOPWORDS_EN, copied so the query path need not import bm25s.
STOPWORDS_EN = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "if",
        "in",
        "into",
        "is",
        "it",
        "no",
        "not",
        "of",
        "on",
        "or",
        "such",
        "that",
        "the",
        "their",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "was",
        "will",
        "with",
    ]
)
_TOKEN_RE = re.compile(TOKEN_PATTERN)
_VOWEL = re.compile(r"[aeiouy]")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light English suffix stemmer (Porter steps 1 and 5 in spirit).

    Conservative on purpose: it must conflate "subsidies/subsidy",
    "taxes/taxed/tax" and "raise/raised/raising" without merging unrelated
    words. Stems need not be words ("raise" -> "rais").
    """
    w = word
    if len(w) <= 3 or not w.isalpha():
        return w
    if w.endswith("sses"):
        w = w[:-2]
    elif w.endswith("ies") and len(w) > 4:
        w = w[:-3] + "y"
    elif w.endswith(("xes", "ches", "shes")):
        w = w[:-2]
    elif w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if w.endswith("tion") and len(w) >= 8:
        w = w[:-3]  # operation -> operat, as operating -> operat: a deed and its doing
    for suffix in ("ingly", "edly", "ing", "ed"):
        if w.endswith(suffix) and _VOWEL.search(w[: -len(suffix)]) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
                w = w[:-1]  # running -> run, planned -> plan
            break
    else:
        if w.endswith("ly") and len(w) > 5:
            w = w[:-2]
    if len(w) > 4 and w.endswith("e"):
        w = w[:-1]  # raise/raised -> rais, regulate/regulated -> regulat
    if len(w) > 4 and w.endswith("ll"):
        w = w[:-1]  # install/installed -> instal
    return w


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Texts to lists of (lower-cased, stop-word-free, stemmed) terms, as BM25 sees them.

    Same steps as ``bm25s.tokenize(lower=True, stopwords="en", stemmer=...)``.
    """
    return [[stem(w) for w in _TOKEN_RE.findall(t.lower()) if w not in STOPWORDS_EN] for t in texts]


LEVELS = ("section", "page", "part")
# (document sha256, part title) -> the label its part is filed under (see ``part_labels``)
PartLabels = Mapping[tuple[str, str], str]


def part_labels(sha256: str, outline: Any) -> dict[tuple[str, str], str]:
    """The tag structure detection read above each part's title ("SECTOR | PLACE"), by part.

    Why: a question names the case it is about by its place or field more often than by its
    title, and a case's passages rarely repeat either; indexed with every chunk of the part,
    the tag routes such a question to its case. Read from the document's stored outline
    (``casebook cases``); empty when it has none.
    """
    out: dict[tuple[str, str], str] = {}
    parts = outline.get("parts") if isinstance(outline, dict) else None
    for part in parts or []:
        if isinstance(part, dict) and part.get("tag") and part.get("title"):
            out[(sha256, str(part["title"]))] = str(part["tag"])
    return out


# A table as the reader writes it: rows of cells between bars, or "row — column: cell"
# lines (pipeline/tables.py), the same row named on two lines or more.
_FIELD_LINE = re.compile(r"^(.{2,80}?) — [^:\n]{1,40}: ", re.M)


def is_table(text: str) -> bool:
    """Whether a chunk's text is table rows: two lines with cell bars, or one row's cells
    on two lines ("Fund A — Time frame: 2015" and "Fund A — Level: City")."""
    if sum(" | " in line for line in text.splitlines()) >= 2:
        return True
    rows: dict[str, int] = {}
    for m in _FIELD_LINE.finditer(text):
        rows[m.group(1)] = rows.get(m.group(1), 0) + 1
    return any(n >= 2 for n in rows.values())


def lexical_text(chunk: Chunk, labels: PartLabels | None = None) -> str:
    """What BM25 indexes for a chunk: its part's label, its part title and section path, then
    its text (``Chunk.embed_text`` under the label); a chunk of table rows is also indexed
    under the word "table", the kind by which people point at it ("as the table shows"), and
    a chunk of a table under the table's name (``Chunk.table_title``: its title line or
    corner label, printed once at its top, while the table runs on over several chunks)."""
    label = (labels or {}).get((chunk.doc_sha256, chunk.part))
    text = f"{label}\n{chunk.embed_text}" if label else chunk.embed_text
    if chunk.table_title:
        text = f"{chunk.table_title}\n{text}"
    return f"table\n{text}" if is_table(chunk.text) else text


def main_page(chunk: Chunk) -> int:
    """The PDF page that holds most of the chunk's text."""
    bounds = [0, *chunk.page_starts, len(chunk.text)]
    spans = [bounds[i + 1] - bounds[i] for i in range(min(len(chunk.pdf_pages), len(bounds) - 1))]
    if not spans:
        return chunk.pdf_pages[0] if chunk.pdf_pages else 0
    return chunk.pdf_pages[max(range(len(spans)), key=spans.__getitem__)]


def parent_groups(
    chunks: Sequence[Chunk], labels: PartLabels | None = None
) -> dict[str, tuple[list[str], np.ndarray]]:
    """Each level's parent texts and the parent row of every chunk, in ``chunks`` order.

    section: the heading path and every chunk under it; page: the part title (what a
    running header prints) and the chunks whose main page it is; part: the part title
    and all its chunks; each under its part's label. Parents never cross documents.
    """
    out: dict[str, tuple[list[str], np.ndarray]] = {}
    keyers: dict[str, Callable[[Chunk], tuple[object, ...]]] = {
        "section": lambda c: (c.doc_sha256, c.part, *c.section_path),
        "page": lambda c: (c.doc_sha256, main_page(c)),
        "part": lambda c: (c.doc_sha256, c.part),
    }
    for level, keyer in keyers.items():
        rows: dict[tuple[object, ...], int] = {}
        texts: list[str] = []
        owner = np.zeros(len(chunks), dtype=np.int32)
        for i, c in enumerate(chunks):
            key = keyer(c)
            if key not in rows:
                rows[key] = len(texts)
                head = " › ".join([c.part, *c.section_path]) if level == "section" else c.part
                label = (labels or {}).get((c.doc_sha256, c.part))
                texts.append(f"{label}\n{head}" if label else head)
            owner[i] = rows[key]
            texts[owner[i]] += "\n" + c.text
        out[level] = (texts, owner)
    return out


def chunk_set_key(ids: Iterable[str]) -> str:
    """Cache key of a set of chunk ids (order-insensitive) and the tokeniser version."""
    h = hashlib.sha256(f"lexical-v{LEXICAL_VERSION}\n".encode())
    for i in sorted(ids):
        h.update(i.encode() + b"\n")
    return h.hexdigest()[:20]


CACHE_SPARE = 3  # cached sets kept besides the live one
_TMP_GRACE_S = 600.0  # a younger ".key.*" temp folder may be another process's save in flight


def prune_cache(cache_dir: Path, keep: str | None, spare: int = CACHE_SPARE) -> None:
    """Delete cached indexes other than ``keep`` and the ``spare`` most recent others.

    ``keep=None`` deletes them all. Why spares: with editions, readers of an older
    edition and readers still on the pre-switch chunk set use other keys; deleting
    their cache under them would make them rebuild (and open chroma) mid-query.
    """
    if not cache_dir.is_dir():
        return
    import time

    now = time.time()
    others: list[tuple[float, Path]] = []
    for child in cache_dir.iterdir():
        if not child.is_dir() or child.name == keep:
            continue
        try:
            mtime = child.stat().st_mtime
        except OSError:
            continue
        if child.name.startswith("."):
            if now - mtime > _TMP_GRACE_S:
                shutil.rmtree(child, ignore_errors=True)
            continue
        others.append((mtime, child))
    others.sort(reverse=True)
    for _, child in others[spare if keep is not None else 0 :]:
        shutil.rmtree(child, ignore_errors=True)


class LexicalIndex:
    """Precomputed BM25 term scores (CSC: one column per term) plus each row's chunk id."""

    def __init__(
        self,
        ids: list[str],
        vocab: dict[str, int] | None = None,
        data: np.ndarray | None = None,
        indices: np.ndarray | None = None,
        indptr: np.ndarray | None = None,
    ) -> None:
        self.ids = ids
        self._pos = {cid: i for i, cid in enumerate(ids)}
        self._vocab = vocab or {}
        self._data = data if data is not None else np.zeros(0, dtype=np.float32)
        self._indices = indices if indices is not None else np.zeros(0, dtype=np.int32)
        self._indptr = indptr if indptr is not None else np.zeros(1, dtype=np.int64)
        # level name -> (BM25 index of the parent texts, parent row of each chunk row)
        self.levels: dict[str, tuple[LexicalIndex, np.ndarray]] = {}
        # saved levels not read yet: a query reads only the levels it weighs (cold start)
        self._saved_levels: dict[str, Path] = {}
        # per figure kind (``index.typed.KINDS``) and chunk row: does the chunk state one
        self.kinds: np.ndarray | None = None

    def level_names(self) -> set[str]:
        """The parent levels this index holds (loaded or not)."""
        return set(self.levels) | set(self._saved_levels)

    def level(self, name: str) -> tuple[LexicalIndex, np.ndarray] | None:
        """The parent level ``name`` (read from disk on first use), or None."""
        src = self._saved_levels.pop(name, None)
        if src is not None:
            owner = np.load(src.parent / f"owner-{name}.npy")
            if len(owner) != len(self.ids):
                raise ValueError(f"level {name!r} in {src.parent} does not line up with the chunks")
            self.levels[name] = (LexicalIndex.load(src), owner)
        return self.levels.get(name)

    def __len__(self) -> int:
        return len(self.ids)

    def doc_freq(self, word: str) -> int:
        """How many chunks contain ``word`` (as BM25 tokenises it; 0 for a stop word).

        Answer scoring weighs question words by rarity; reading it off the index avoids
        a pass over every chunk's text, which grew with the corpus.
        """
        counts = [
            int(self._indptr[j + 1] - self._indptr[j])
            for t in tokenize([word])[0]
            if (j := self._vocab.get(t)) is not None and j + 1 < len(self._indptr)
        ]
        return min(counts) if counts else 0

    @classmethod
    def build(
        cls, ids: list[str], texts: Sequence[str], *, k1: float = 1.5, b: float = 0.75
    ) -> LexicalIndex:
        """Index ``texts`` with Lucene BM25 (the scores ``bm25s`` computes, tested equal).

        Built with numpy rather than bm25s: importing bm25s pulls in scipy, a fixed cost
        of every ingest (it made a new edition's re-ingest miss its time budget).
        score(t, d) = idf(t) · tf / (tf + k1·(1 − b + b·|d|/avg|d|)),
        idf(t) = ln(1 + (N − df + 0.5) / (df + 0.5)).
        """
        if not ids:
            return cls([])
        docs = tokenize(texts)
        vocab: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        tfs: list[int] = []
        for i, doc in enumerate(docs):
            for term, tf in Counter(doc).items():
                rows.append(i)
                cols.append(vocab.setdefault(term, len(vocab)))
                tfs.append(tf)
        n_docs, n_terms = len(docs), len(vocab)
        lengths = np.array([len(d) for d in docs], dtype=np.float64)
        avg = lengths.mean() or 1.0
        r = np.array(rows, dtype=np.int64)
        c = np.array(cols, dtype=np.int64)
        tf = np.array(tfs, dtype=np.float64)
        df = np.bincount(c, minlength=n_terms).astype(np.float64)
        idf = np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5))
        data = idf[c] * tf / (tf + k1 * (1.0 - b + b * lengths[r] / avg))
        order = np.lexsort((r, c))  # column-major: one column per term, rows ascending
        indptr = np.concatenate([[0], np.cumsum(np.bincount(c, minlength=n_terms))])
        return cls(
            list(ids),
            vocab,
            data[order].astype(np.float32),
            r[order].astype(np.int32),
            indptr.astype(np.int64),
        )

    @classmethod
    def build_from_chunks(
        cls, ids: list[str], chunks: Sequence[Chunk], labels: PartLabels | None = None
    ) -> LexicalIndex:
        """The chunk index (over ``lexical_text``) plus its section, page and part levels."""
        from index.typed import stated_kinds

        idx = cls.build(ids, [lexical_text(c, labels) for c in chunks])
        idx.kinds = stated_kinds([c.text for c in chunks])
        for level, (texts, owner) in parent_groups(chunks, labels).items():
            idx.levels[level] = (cls.build([str(i) for i in range(len(texts))], texts), owner)
        return idx

    def save(self, dest: Path) -> None:
        """Write atomically: fill a temp sibling folder, then rename it into place."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
        try:
            np.save(tmp / "data.npy", self._data)
            np.save(tmp / "indices.npy", self._indices)
            np.save(tmp / "indptr.npy", self._indptr)
            if self.kinds is not None:
                np.save(tmp / "kinds.npy", self.kinds)
            (tmp / "vocab.json").write_text(json.dumps(self._vocab))
            for level in LEVELS:
                self.level(level)  # read any level not loaded yet: all are written
            for level, (parent, owner) in self.levels.items():
                parent.save(tmp / f"level-{level}")
                np.save(tmp / f"owner-{level}.npy", owner.astype(np.int32, copy=False))
            (tmp / _IDS_FILE).write_text(json.dumps(self.ids))  # written last: marks complete
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
        """Read a saved index with numpy only (no bm25s/scipy import)."""
        ids = json.loads((src / _IDS_FILE).read_text())
        idx = cls(
            ids,
            json.loads((src / "vocab.json").read_text()),
            np.load(src / "data.npy"),
            np.load(src / "indices.npy"),
            np.load(src / "indptr.npy"),
        )
        for level in LEVELS:
            if (src / f"level-{level}" / _IDS_FILE).exists():
                idx._saved_levels[level] = src / f"level-{level}"
        if (src / "kinds.npy").exists():
            idx.kinds = np.load(src / "kinds.npy")
        return idx

    @classmethod
    def load_or_build(
        cls,
        cache_dir: Path,
        key: str,
        ids: list[str],
        fetch: Callable[[list[str]], dict[str, Chunk]],
        labels: Callable[[Sequence[Chunk]], PartLabels] | None = None,
    ) -> LexicalIndex:
        """The cached index for ``key`` if present and sound, else build, save and prune.

        ``labels`` gives the part labels of the chunks to build from (``part_labels``); a
        document's labels are fixed by its content, so the chunk-set key still holds.
        """
        dest = cache_dir / key
        if (dest / _IDS_FILE).exists():
            try:
                idx = cls.load(dest)
                if (
                    sorted(idx.ids) == sorted(ids)
                    and idx.level_names() == set(LEVELS)
                    and idx.kinds is not None
                    and idx.kinds.shape[1] == len(idx.ids)
                ):
                    return idx
            except (OSError, ValueError, KeyError) as exc:
                warnings.warn(f"rebuilding unreadable BM25 cache {dest}: {exc}", stacklevel=2)
        chunks = fetch(ids)
        if len(chunks) != len(ids):
            # The catalog changed between listing and fetching; index what we got.
            ids = [i for i in ids if i in chunks]
        ordered = [chunks[i] for i in ids]
        idx = cls.build_from_chunks(ids, ordered, labels(ordered) if labels else None)
        if chunk_set_key(ids) == key:
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

    def scores(self, query: str | Sequence[str]) -> np.ndarray:
        """BM25 score of every row for ``query`` (a repeated query term counts again).

        ``query`` is a text or its terms, already tokenised.
        """
        n_terms = len(self._indptr) - 1
        terms = tokenize([query])[0] if isinstance(query, str) else query
        term_ids = [t for t in (self._vocab.get(w) for w in terms) if t is not None]
        out = np.zeros(len(self.ids), dtype=np.float32)
        for t in term_ids:
            if t < n_terms:
                lo, hi = self._indptr[t], self._indptr[t + 1]
                out[self._indices[lo:hi]] += self._data[lo:hi]  # rows unique per column
        return out

    def field_scores(self, query: str, levels: Iterable[str] = LEVELS) -> dict[str, np.ndarray]:
        """Per chunk row: its own BM25 score ("chunk") and its parents' at ``levels``
        ("section", "page", "part"; zeros for a level this index lacks)."""
        terms = tokenize([query])[0]
        out = {"chunk": self.scores(terms)}
        for level in levels:
            found = self.level(level)
            if found is not None:
                parent, owner = found
                out[level] = parent.scores(terms)[owner]
            else:
                out[level] = np.zeros(len(self.ids), dtype=np.float32)
        return out

    def stated(self, kind: str | None) -> np.ndarray:
        """Per chunk row, 1.0 when the chunk states a figure of ``kind`` (``index.typed``);
        zeros for None, an unknown kind or an index built without them."""
        from index.typed import KINDS

        if kind not in KINDS or self.kinds is None:
            return np.zeros(len(self.ids), dtype=np.float32)
        return self.kinds[KINDS.index(kind)]

    def search(
        self, query: str, k: int, allowed: set[str] | None = None
    ) -> list[tuple[str, float]]:
        """Top ``k`` (chunk id, BM25 score) with score > 0, restricted to ``allowed`` ids."""
        if not self.ids or k <= 0:
            return []
        scores = self.scores(query)
        if allowed is not None:
            mask = np.zeros(len(self.ids), dtype=bool)
            mask[[self._pos[i] for i in allowed if i in self._pos]] = True
            scores[~mask] = 0.0
        hits = np.flatnonzero(scores > 0)
        if len(hits) > k:
            hits = hits[np.argpartition(-scores[hits], k - 1)[:k]]
        # best first; ties by row order, so results are deterministic
        hits = hits[np.lexsort((hits, -scores[hits]))]
        return [(self.ids[int(i)], float(scores[i])) for i in hits]
