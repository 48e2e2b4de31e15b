"""A pool of retrieval queries generated from the indexed text, each with its target chunks.

Why: the hybrid ranking's weights must be learned from data nobody wrote questions for,
and judged on the gold sets afterwards. A query is made from one sentence of a chunk,
the way a reader asks about it:

- the answer is left out: figures and years are dropped;
- only some of its words are kept: a contiguous window of its words ("window") or a
  handful of its content words ("bag");
- most are paraphrased: each content word is, with probability 1/2, swapped for its
  nearest neighbour in the embedding space among the index's own words (another stem,
  cosine ≥ ``NEIGHBOUR_MIN``);
- most add context, as a reader names the case a question is about while the sentence
  says "the Bank" or "the city": a few words of the part's title or label, of the section's
  headings, or of the other chunks of its section or page;
- half lose the sentence's two rarest words (a reader seldom knows the text's own term);
- a question word opens it: for a sentence that states a figure, the question for that
  figure's kind ("when" for a year, "how many" for a number; ``index.typed``), as a reader
  asks for the figure left out; else a generic one.

A target is every chunk that holds the sentence under the gold sets' matching rule
(``eval.metrics.passage_matches``), so an overlap between chunks is not a miss.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from eval.metrics import passage_matches
from index.lexical import STOPWORDS_EN, PartLabels, main_page, stem
from index.typed import KINDS, PATTERNS
from pipeline.sentences import chunk_sentences
from pipeline.types import Chunk

NEIGHBOUR_MIN = 0.6
PARAPHRASED = 0.6  # share of queries whose words are swapped for neighbours
WITH_CONTEXT = 0.7  # share of queries that also name the part or the section's subject
WITHOUT_RAREST = 0.5  # share of queries that lose the sentence's two rarest words
# Generic openings of a question (no gold wording): what a query begins with.
OPENERS = ("what", "how", "which", "who", "when", "why", "where", "what is", "how did")
# A reader's opening for a figure of each kind (generic forms; ``qa.question`` reads them
# as that kind).
TYPED_OPENERS = {
    "amount": "how much money",
    "percent": "what percentage",
    "date": "when",
    "number": "how many",
}
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")
_FIGURE = re.compile(r"\d")


@dataclass(frozen=True)
class PoolQuery:
    query: str
    targets: frozenset[int]  # chunk rows that hold the sentence
    chunk_row: int  # the row the sentence was taken from
    sentence: str  # the sentence's words (folds for cross-validation group by it)
    style: str  # window|bag, +unterm, +paraphrase, +context, +typed


def _content(word: str) -> bool:
    return len(word) > 2 and word.lower() not in STOPWORDS_EN


Embed = Callable[[Sequence[str]], np.ndarray]


def neighbours(words: Sequence[str], embed: Embed) -> dict[str, str]:
    """Each word's nearest other word of another stem in the embedding space (cosine ≥
    ``NEIGHBOUR_MIN``); words with none are left out."""
    words = sorted(set(words))
    if not words:
        return {}
    vecs = np.asarray(embed(words), dtype=np.float32)
    sims = vecs @ vecs.T
    out: dict[str, str] = {}
    stems = [stem(w) for w in words]
    for i, w in enumerate(words):
        order = np.argsort(-sims[i])
        for j in order[:8]:
            if j != i and stems[j] != stems[i] and sims[i, j] >= NEIGHBOUR_MIN:
                out[w] = words[j]
                break
    return out


def generate(
    chunks: Sequence[Chunk],
    embed: Embed,
    *,
    per_sentence: int = 3,
    seed: int = 0,
    paraphrase: bool = True,
    labels: PartLabels | None = None,
) -> list[PoolQuery]:
    """``per_sentence`` queries from every sentence of eight words or more.

    ``paraphrase=False`` skips the neighbour words (and embedding the vocabulary: fast,
    for tests)."""
    rng = random.Random(seed)
    sentences: list[tuple[int, list[str], str | None]] = [
        (row, _WORD.findall(t), next((k for k in KINDS if PATTERNS[k].search(t)), None))
        for row, c in enumerate(chunks)
        for _, _, t in chunk_sentences(c)
        if len(t.split()) >= 8
    ]
    vocab = [w.lower() for _, ws, _ in sentences for w in ws if _content(w)]
    near = neighbours(vocab, embed) if paraphrase else {}
    texts = [c.text for c in chunks]
    by_parent: dict[tuple[object, ...], list[int]] = {}
    for row, c in enumerate(chunks):
        by_parent.setdefault((c.doc_sha256, c.part, *c.section_path), []).append(row)
        by_parent.setdefault((c.doc_sha256, main_page(c)), []).append(row)
    around = [
        sorted(
            {j for j in by_parent[(c.doc_sha256, c.part, *c.section_path)] if j != row}
            | {j for j in by_parent[(c.doc_sha256, main_page(c))] if j != row}
        )
        for row, c in enumerate(chunks)
    ]
    df: dict[str, int] = {}
    for t in texts:
        for w in {stem(w.lower()) for w in _WORD.findall(t)}:
            df[w] = df.get(w, 0) + 1
    out: list[PoolQuery] = []
    if not sentences:
        return out
    for row, words, kind in sentences:
        sentence_text = " ".join(words)
        targets = frozenset(
            i for i, t in enumerate(texts) if i == row or passage_matches(t, [sentence_text])
        )
        words = [w for w in words if not _FIGURE.search(w)]
        for _ in range(per_sentence):
            style = rng.choice(("window", "bag"))
            if style == "window":
                n = rng.randint(6, 14)
                start = rng.randint(0, max(0, len(words) - n))
                picked = words[start : start + n]
            else:
                content = [w for w in words if _content(w)]
                n = min(len(content), rng.randint(3, 8))
                keep = sorted(rng.sample(range(len(content)), n))
                picked = [content[i] for i in keep]
            if rng.random() < WITHOUT_RAREST:
                # a reader rarely knows the text's own term for what is asked about
                rarest = sorted(
                    (w for w in picked if _content(w)), key=lambda w: df.get(stem(w.lower()), 0)
                )
                drop = set(rarest[:2])
                picked = [w for w in picked if w not in drop] or picked
                style += "+unterm"
            if near and rng.random() < PARAPHRASED:
                style += "+paraphrase"
                picked = [
                    near.get(w.lower(), w) if _content(w) and rng.random() < 0.5 else w
                    for w in picked
                ]
            if rng.random() < WITH_CONTEXT:
                # what a reader adds about where the fact sits: the case's name (its part
                # title) or what the section is about (its headings, other sentences)
                c = chunks[row]
                u = rng.random()
                if u < 0.4:  # the case's title or the label it is filed under
                    source = c.part + " " + (labels or {}).get((c.doc_sha256, c.part), "")
                elif u < 0.7:
                    source = " ".join(c.section_path)
                else:  # what the text around it (its section, its page) says
                    source = " ".join(texts[j] for j in around[row])
                context = [w for w in _WORD.findall(source) if _content(w)]
                if context:
                    style += "+context"
                    picked += rng.sample(context, min(len(context), rng.randint(1, 3)))
            opener = rng.choice(OPENERS)
            if kind is not None:
                opener, style = TYPED_OPENERS[kind], style + "+typed"
            query = " ".join([opener, *picked])
            out.append(PoolQuery(query, targets, row, sentence_text, style))
    return out
