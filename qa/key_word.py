"""What the chosen answer's evidence lacks of the question's own subject matter: the rarest
of the question's plain words (neither a name nor a figure) that its passage never uses, or
uses away from the answer's sentence.

Why: the abstainer otherwise sees the rarity-weighted overlap, in which one key word missing
among many present ones hardly moves; a question about the right case asking for something
the case never states (a budget, a founding year) is answered with another figure of the
asked type. Names and figures have features of their own (``qa.features``). A word counts
present when the passage has it by stem or has a word close to it in the embedding space
(the index's embedder, the words alone, cosine >= ``NEAR``), so a paraphrase is no absence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from qa.candidates import Candidate, Sentence
from qa.corpus import idf, part_tag
from qa.text import STOP, stem, terms

GAP_FEATURES = (
    "key_missing",  # rarity of the rarest plain question word the passage and its headings lack
    "key_far",  # the same, of one the passage has but not the answer's sentence or headings
)
# The cosine at which the training pool lets a word stand in for another (the paraphrases
# of ``bench/train_answers.py``, NEAR_MIN): the same closeness counts as present here.
NEAR = 0.45
_TOKEN = re.compile(r"[A-Za-z0-9£€$%]+")
_WORD = re.compile(r"[a-z]{3,}")
_VECS: dict[str, dict[str, np.ndarray]] = {}  # embedder -> word -> vector, for the process


def key_words(question: str, qterms: dict[str, float]) -> dict[str, str]:
    """The question's plain words by stem -> the word as asked: not a function word, a
    name (capitalised past the first word), a figure, or a word naming the asked type
    (those are not in ``qterms``, see ``qa.corpus.idf``)."""
    out: dict[str, str] = {}
    for m in _TOKEN.finditer(question):
        w = m.group()
        low = w.lower()
        if not low.isalpha() or len(low) < 3 or low in STOP:
            continue
        if m.start() > 0 and w[:1].isupper():
            continue
        t = stem(low)
        if t in qterms and t not in out:
            out[t] = low
    return out


def _vectors(words: Sequence[str], embedder: Any) -> dict[str, np.ndarray]:
    inner = getattr(embedder, "inner", embedder)
    table = _VECS.setdefault(getattr(inner, "name", type(inner).__name__), {})
    todo = [w for w in dict.fromkeys(words) if w not in table]
    for i in range(0, len(todo), 256):
        batch = todo[i : i + 256]
        table.update(zip(batch, inner.embed(batch), strict=True))
    return table


def _close(word: str, pool: set[str], embedder: Any) -> set[str]:
    """The words of ``pool`` within ``NEAR`` of ``word`` in the embedding space."""
    if embedder is None or not pool:
        return set()
    others = sorted(pool)
    vecs = _vectors([word, *others], embedder)
    sims = np.stack([vecs[w] for w in others]) @ vecs[word]
    return {w for w, s in zip(others, sims, strict=True) if s >= NEAR}


def gap_features(
    question: str, cands: Sequence[Candidate], index: Any, embedder: Any = None
) -> None:
    """Add ``GAP_FEATURES`` to each candidate's features (see the module docstring)."""
    qterms = idf(index, question)
    keys = key_words(question, qterms)
    top = max(qterms.values(), default=0.0)
    per_chunk: dict[str, tuple[set[str], dict[str, set[str]]]] = {}
    per_sentence: dict[int, dict[str, float]] = {}
    for c in cands:
        s: Sentence = c.sentence
        if id(s) not in per_sentence:
            chunk = s.hit.chunk
            if chunk.id not in per_chunk:
                tag = part_tag(index, chunk.doc_sha256, chunk.part) if index is not None else ""
                head = f"{tag} {chunk.part} {chunk.section}"
                words = set(_WORD.findall(f"{head} {chunk.text}".lower())) - STOP
                stems = set(terms(f"{head} {chunk.text}"))
                # each key word's forms in the passage: itself by stem, or a close word
                forms = {
                    t: ({w for w in words if stem(w) == t} if t in stems else set())
                    | _close(w, words, embedder)
                    for t, w in keys.items()
                }
                head_words = set(_WORD.findall(head.lower()))
                per_chunk[chunk.id] = (head_words, forms)
            head_words, forms = per_chunk[chunk.id]
            near = head_words | set(_WORD.findall(s.text.lower()))
            missing = [qterms[t] for t, f in forms.items() if not f]
            far = [qterms[t] for t, f in forms.items() if f and not f & near]
            per_sentence[id(s)] = {
                "key_missing": max(missing, default=0.0) / top if top else 0.0,
                "key_far": max(far, default=0.0) / top if top else 0.0,
            }
        c.features.update(per_sentence[id(s)])
