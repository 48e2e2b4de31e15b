"""Test doubles for the index stage: a deterministic fake embedder and a Chunk factory.

Why here and not in tests/: eval and the CLI tests need the same doubles to
exercise orchestration without loading a 90 MB model.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from pipeline.types import Chunk, Entity, PartKind

_WORD = re.compile(r"\w+")


class FakeEmbedder:
    """Hashed bag-of-words vectors: deterministic, instant, and texts sharing words are close.

    Records every text it embeds (``calls``) so tests can assert what was re-embedded.
    """

    def __init__(self, dim: int = 64, name: str = "fake-hash-64") -> None:
        self.dim = dim
        self.name = name
        self.calls: list[str] = []

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            self.calls.append(text)
            for w in _WORD.findall(text.lower()):
                h = int.from_bytes(hashlib.blake2b(w.encode(), digest_size=8).digest(), "little")
                out[row, h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
            if not out[row].any():
                out[row, 0] = 1.0
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def make_chunk(
    text: str,
    doc_sha256: str,
    *,
    document: str = "Test Casebook",
    case: str | None = None,
    part_kind: PartKind = "case",
    section_path: Sequence[str] = ("Background",),
    page: int = 1,
    start: int = 0,
) -> Chunk:
    """A hand-made Chunk: id = hash(doc sha, text), text_hash = hash(text) (simpler than the
    chunker's, which also hashes part, section path and offset; tests only need uniqueness)."""
    return Chunk(
        id=sha(doc_sha256 + "\0" + text)[:32],
        text_hash=sha(text)[:32],
        text=text,
        doc_sha256=doc_sha256,
        document=document,
        part_kind=part_kind,
        case=case,
        part=case or document,
        section_path=list(section_path),
        pdf_pages=[page],
        page_labels=[str(page)],
        start=start,
        end=start + len(text),
        tokens=len(text.split()),
    )


def amount_entity(c: Chunk, span: tuple[int, int], attrs: dict) -> Entity:
    """An amount entity of ``c`` at ``span`` (page "1"), as the store keeps one."""
    text = c.text[span[0] : span[1]]
    return Entity(
        "amount", text, c.id, c.doc_sha256, c.document, c.case, c.section, "1", 1, span, attrs
    )


def money_entities(chunks: Sequence[Chunk]) -> list[Entity]:
    """A stand-in for the extractor: each "£N million" / "€N million" as an amount entity."""
    out = []
    for c in chunks:
        for m in re.finditer(r"([£€])(\d+) million", c.text):
            value = float(m.group(2)) * 1e6
            currency = "GBP" if m.group(1) == "£" else "EUR"
            out.append(
                amount_entity(c, m.span(), {"currency": currency, "low": value, "high": value})
            )
    return out
