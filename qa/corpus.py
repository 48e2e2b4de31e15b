"""What answers read from the index besides the passages: word rarity, typed names, parts.

Each table is built once per index state and kept on the index object, so a batch of
questions pays for it once and a new edition rebuilds it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from qa.question import FRAME
from qa.text import STOP, stem, terms


def memo(index: Any, name: str, build: Callable[[], Any]) -> Any:
    """``build()``, kept on the index until what it holds changes (a new edition, a removal)."""
    state = getattr(index, "state_key", None)
    key = state() if state is not None else None
    table = getattr(index, "_answer_memo", None)
    if table is None:
        table = {}
        if index is not None:
            index._answer_memo = table
    if name not in table or table[name][0] != key:
        table[name] = (key, build())
    return table[name][1]


def _df_cache(index: Any) -> tuple[dict[str, int], int]:
    """Term document frequencies from the chunks themselves (for indexes without BM25)."""

    def build() -> tuple[dict[str, int], int]:
        chunks = index.chunks() if index is not None else []
        df: dict[str, int] = {}
        for c in chunks:
            for t in set(terms(c.embed_text)):
                df[t] = df.get(t, 0) + 1
        return df, max(1, len(chunks))

    return memo(index, "df", build)


def word_df(index: Any, word: str) -> tuple[int, int]:
    """(chunks containing ``word``, all chunks), read off the BM25 index when there is one."""
    lexical = getattr(index, "lexical", None)
    if lexical is not None:
        lex = lexical()
        return lex.doc_freq(word), max(1, len(lex))
    df, n = _df_cache(index)
    return df.get(stem(word.lower()), 0), n


def idf(index: Any, question: str) -> dict[str, float]:
    """Rarity of each question term (keyed by its stem) among the indexed chunks; the words
    naming the answer type ("which year") are left out."""
    out: dict[str, float] = {}
    for w in re.findall(r"[a-z0-9£€$%]+", FRAME.sub(" ", question.lower())):
        if w in STOP or (key := stem(w)) in out:
            continue
        df, n = word_df(index, w)
        out[key] = math.log(1 + n / (1 + df))
    return out


def part_info(index: Any) -> dict[tuple[str, str], dict[str, Any]]:
    """Each part's outline entry (tag, authors, pages), by (document sha256, part title)."""

    def build() -> dict[tuple[str, str], dict[str, Any]]:
        parts = {}
        documents = getattr(index, "documents", None)
        for doc in documents() if documents is not None else []:
            for part in (doc.get("outline") or {}).get("parts", []):
                parts[(doc["sha256"], part["title"])] = part
        return parts

    return memo(index, "parts", build)


def part_tag(index: Any, doc_sha256: str, part: str) -> str:
    """The tag printed with a part ("HOUSING | CITY"): a case's place is often only there."""
    return part_info(index).get((doc_sha256, part), {}).get("tag") or ""


def known_actors(index: Any) -> dict[str, str]:
    """Every name and mention the extractor typed anywhere in the index -> its actor type.

    The NER model misses a name in one sentence that it found in others; answers may
    still know it for a person.
    """

    def build() -> dict[str, str]:
        known: dict[str, str] = {}
        for e in index.entities(types=["actor"]) if hasattr(index, "entities") else []:
            kind = e.attrs.get("actor_type", "")
            for name in (e.attrs.get("name", e.text), *e.attrs.get("mentions", [])):
                if kind and len(name) >= 4:
                    known.setdefault(name, kind)
        return known

    return memo(index, "actors", build)


def aliases(index: Any) -> dict[str, tuple[str, ...]]:
    """Every name and mention the extractor merged under one actor -> all of that actor's
    forms ("HMB" -> the full name and "HMB"): a short form says what its full name says."""

    def build() -> dict[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {}
        for e in index.entities(types=["actor"]) if hasattr(index, "entities") else []:
            forms = tuple(
                dict.fromkeys((e.attrs.get("name", e.text), *e.attrs.get("mentions", [])))
            )
            if len(forms) > 1:
                for f in forms:
                    out[f] = tuple(dict.fromkeys((*out.get(f, ()), *forms)))
        return out

    return memo(index, "aliases", build)


def part_text(index: Any, doc_sha256: str, part: str) -> str:
    """The text of every chunk of one part (a case): what the case says at all."""

    def build() -> dict[tuple[str, str], str]:
        texts: dict[tuple[str, str], list[str]] = {}
        for c in index.chunks() if index is not None else []:
            texts.setdefault((c.doc_sha256, c.part), []).append(c.text)
        return {k: " ".join(v) for k, v in texts.items()}

    return memo(index, "part_text", build).get((doc_sha256, part), "")


# How far back a passage's section is read for the names it refers back to: about two
# pages (a section of a long document without headings would otherwise be all of it).
SECTION_BEFORE_CHARS = 6000


def section_before(index: Any, chunk: Any) -> str:
    """The text of the section ``chunk`` belongs to, up to that chunk (at most
    ``SECTION_BEFORE_CHARS``): where the names it refers back to ("the mill", "it") were
    written out."""

    def build() -> tuple[dict[tuple[str, str, str], str], dict[str, tuple[str, str, str, int]]]:
        texts: dict[tuple[str, str, str], list[str]] = {}
        where: dict[str, tuple[str, str, str, int]] = {}
        for c in index.chunks() if hasattr(index, "chunks") else []:
            key = (c.doc_sha256, c.part, c.section)
            parts = texts.setdefault(key, [])
            where[c.id] = (*key, sum(len(t) + 1 for t in parts))  # one string per section
            parts.append(c.text)
        return {k: " ".join(v) for k, v in texts.items()}, where

    sections, where = memo(index, "section_before", build)
    if chunk.id not in where:
        return ""
    *key, offset = where[chunk.id]
    end = max(0, offset - 1)
    return sections[tuple(key)][max(0, end - SECTION_BEFORE_CHARS) : end]


def section_size(index: Any, chunk: Any) -> int:
    """Characters of the section a chunk belongs to (every chunk of it); 0 without an index."""

    def build() -> dict[tuple[str, str, str], int]:
        size: dict[tuple[str, str, str], int] = {}
        for c in index.chunks() if hasattr(index, "chunks") else []:
            key = (c.doc_sha256, c.part, c.section)
            size[key] = size.get(key, 0) + len(c.text)
        return size

    return memo(index, "section_size", build).get((chunk.doc_sha256, chunk.part, chunk.section), 0)
