"""Extractive answers: pick the sentence and the span in the top passages that answer.

No language model: the question's expected answer type (amount, number, percent,
date, actor, place, target, text) decides what kind of span to look for; sentences
are ranked by their similarity to the question (the same embedding model, plus
word overlap weighted by rarity), and spans of the wanted type by how much of the
question their neighbourhood repeats. When nothing scores well enough the answer
abstains and the nearest passages are still returned.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from pipeline.chunks import split_sentences
from pipeline.types import Answer, Citation, Hit

# Calibrated on the dev gold set (see `bench/calibrate_answers.py`); not hand-picked.
ABSTAIN_THRESHOLD = 0.5
PASSAGES_READ = 5
MAX_SENTENCES = 48

STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "at",
        "by",
        "for",
        "from",
        "with",
        "and",
        "or",
        "but",
        "if",
        "then",
        "than",
        "that",
        "this",
        "these",
        "those",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "do",
        "does",
        "did",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "much",
        "many",
        "it",
        "its",
        "their",
        "there",
        "they",
        "them",
        "he",
        "she",
        "his",
        "her",
        "we",
        "our",
        "you",
        "your",
        "i",
        "as",
        "into",
        "about",
        "over",
        "under",
        "after",
        "before",
        "between",
        "during",
        "s",
        "not",
        "no",
        "can",
        "could",
        "would",
        "should",
        "will",
        "may",
        "might",
        "must",
        "also",
        "such",
        "any",
        "each",
        "other",
        "more",
        "most",
        "some",
        "own",
        "same",
        "so",
        "very",
        "just",
    ]
)
MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
QUAL = r"(?:(?:over|more than|almost|nearly|around|about|approximately|up to|at least|some|a further|an additional|additional)\s+)?"
SCALE = r"(?:\s?(?:million|billion|trillion|thousand|bn|mn|m|k)\b)?"
NUM = r"\d[\d,.\s]*\d|\d"
CUR_PRE = r"(?:US\$|£|€|\$|¥|₹|R(?=\s?\d)|(?:USD|GBP|EUR|ZAR|CHF|INR)\s?)"
CUR_WORD = r"(?:pounds|euros?|dollars|rand|usd|gbp|eur|zar)"
MONEY = re.compile(
    rf"{QUAL}{CUR_PRE}\s?(?:{NUM})(?:\s?\([^)]{{1,15}}\))?{SCALE}"
    rf"(?:\s?(?:-|–|—|to)\s?{CUR_PRE}?\s?(?:{NUM}){SCALE})?"
    rf"|{QUAL}(?:{NUM}){SCALE}\s{CUR_WORD}\b",
    re.I,
)
PERCENT = re.compile(rf"{QUAL}(?:{NUM})\s?(?:%|per\s?cent\b|percent\b)", re.I)
YEAR = r"(?:1[89]\d\d|20\d\d)"
DATE = re.compile(
    rf"(?:(?:\d{{1,2}}\s)?(?:{MONTHS})\.?\s{YEAR}|{YEAR}\s?(?:-|–|—|to)\s?(?:{YEAR}|now|present|ongoing)|{YEAR})",
    re.I,
)
WORDNUM = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    "forty|fifty|hundred|dozen"
)
NUMBER = re.compile(
    rf"{QUAL}(?:(?:{NUM})(?:\s?(?:million|billion|thousand|m|bn)\b)?|\b(?:{WORDNUM})\b)"
    rf"(?:\s?(?:-|–|—|to)\s?(?:{NUM}))?(?:[\s-](?:[a-z][\w'-]*)){{0,3}}",
    re.I,
)
NAME = re.compile(
    r"(?:the\s)?(?:[A-Z][\w'’.&-]*|[A-Z]{2,})(?:\s(?:(?:of|for|and|the|de|la|del|at|on|&)\s)*"
    r"(?:[A-Z][\w'’.&-]*|\([A-Z][\w]*\)))*"
)


def question_type(question: str) -> str:
    """The kind of span the question asks for."""
    q = question.lower().strip()
    if re.search(r"\bhow much\b|\bwhat (?:amount|sum|budget|funding|investment|total)\b", q):
        if re.search(
            r"\b(?:money|fund|funding|budget|invest|paid|pay|spend|spent|cost|capital|"
            r"financ|£|€|\$|rand|euro|pound|dollar|gdp|output|boost|committed|raised)",
            q,
        ):
            return "amount"
    if re.search(
        r"\b(?:percentage|per ?cent|what share|what proportion|what rate|what fraction)\b", q
    ):
        return "percent"
    if re.search(
        r"\b(?:target|goal|aim|ambition|pledge|seeking|hope|expect|aspire)\b", q
    ) and re.search(r"\b(?:by|what|which|how many|how much|level)\b", q):
        return "target"
    if re.search(
        r"^(?:when|by when)\b|\b(?:what|which|in which|in what) (?:year|month|date|time ?frame|period)\b",
        q,
    ):
        return "date"
    if re.search(r"\bhow (?:many|long)\b", q):
        return "number"
    if re.search(
        r"^who\b|\bwho\b|\bwhose\b|\bwhich (?:organi[sz]ation|body|agency|ministry|department|"
        r"group|person|minister|mayor|company|part of|institution|team|office|bank|"
        r"national ministry|municipal body)|\bwhat is the name\b|\bname of\b",
        q,
    ):
        return "actor"
    if re.search(r"^where\b|\bwhich (?:city|country|region|place|town|province)\b", q):
        return "place"
    return "text"


def _terms(text: str) -> list[str]:
    return [_stem(w) for w in re.findall(r"[a-z0-9£€$%]+", text.lower()) if w not in STOP]


def _stem(w: str) -> str:
    for suf in ("ies", "ing", "ed", "es", "s", "ly"):
        if len(w) > len(suf) + 3 and w.endswith(suf):
            return w[: -len(suf)]
    return w


@dataclass
class _Sentence:
    text: str
    hit: Hit
    start: int  # offset in the chunk text
    sim: float = 0.0
    overlap: float = 0.0
    score: float = 0.0


def _idf(index: Any, terms: set[str]) -> dict[str, float]:
    """Rarity of each question term among the indexed chunks (cached per index)."""
    cache = getattr(index, "_answer_df", None)
    if cache is None:
        chunks = index.chunks() if index is not None else []
        df: dict[str, int] = {}
        for c in chunks:
            for t in set(_terms(c.text)):
                df[t] = df.get(t, 0) + 1
        cache = (df, max(1, len(chunks)))
        if index is not None:
            index._answer_df = cache
    df, n = cache
    return {t: math.log(1 + n / (1 + df.get(t, 0))) for t in terms}


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences an answer may quote: not headings phrased as questions, not fragments."""
    out = []
    for s, e in split_sentences(text):
        piece = text[s:e].strip()
        if len(piece) >= 8 and not piece.endswith("?"):
            out.append((s, e))
    return out


def chunk_sentences(chunk: Any) -> list[str]:
    """The sentence texts of a chunk (ingest stores a vector for each)."""
    return [chunk.text[s:e].strip() for s, e in sentence_spans(chunk.text)]


def _candidates(hits: Sequence[Hit]) -> list[_Sentence]:
    out: list[_Sentence] = []
    for h in hits[:PASSAGES_READ]:
        for s, e in sentence_spans(h.chunk.text):
            out.append(_Sentence(text=h.chunk.text[s:e].strip(), hit=h, start=s))
    return out[:MAX_SENTENCES]


def _spans(kind: str, text: str) -> list[tuple[int, int]]:
    if kind == "amount":
        return [m.span() for m in MONEY.finditer(text)]
    if kind == "percent":
        return [m.span() for m in PERCENT.finditer(text)]
    if kind == "date":
        return [m.span() for m in DATE.finditer(text)]
    if kind == "number":
        spans = []
        for m in NUMBER.finditer(text):
            val = m.group().strip()
            if re.fullmatch(rf"{YEAR}(?:\s.*)?", val) and not re.search(r"\d,\d", val):
                continue  # a year is not a count
            spans.append(m.span())
        return spans
    if kind in ("actor", "place"):
        spans = []
        for m in NAME.finditer(text):
            val = m.group()
            words = val.split()
            if m.start() == 0 and len(words) == 1:
                continue  # a capitalised sentence opener
            if len(val) > 2:
                spans.append(m.span())
        return spans
    return []


def _context_score(
    text: str, span: tuple[int, int], qterms: dict[str, float], window: int = 60
) -> float:
    """How much of the question the words around a span repeat (weighted by rarity)."""
    left = text[max(0, span[0] - window) : span[0]]
    right = text[span[1] : span[1] + window]
    near = set(_terms(left + " " + right))
    inside = set(_terms(text[span[0] : span[1]]))
    total = sum(qterms.values()) or 1.0
    got = sum(w for t, w in qterms.items() if t in near)
    # A span that only repeats the question is not an answer.
    echo = sum(w for t, w in qterms.items() if t in inside) / total
    return got / total - 0.5 * echo


def _trim_answer(kind: str, text: str) -> str:
    text = text.strip(" ,;:.()")
    if kind in ("actor", "place"):
        text = re.sub(
            r"^(?:The|In|At|By|For|From|With|And)\s+",
            lambda m: "the " if m.group().strip() == "The" else "",
            text,
        )
    return text


def answer_question(
    question: str,
    hits: Sequence[Hit],
    *,
    embedder: Any,
    index: Any = None,
    threshold: float = ABSTAIN_THRESHOLD,
) -> Answer:
    """The answer span, its citations, and whether to abstain; hits are returned as passages."""
    kind = question_type(question)
    hits = list(hits)
    if not hits:
        return Answer(question, "", True, [], hits, answer_type=kind)
    sents = _candidates(hits)
    qset = set(_terms(question))
    qterms = _idf(index, qset)
    sims = _similarities(question, [s.text for s in sents], embedder, index)
    total = sum(qterms.values()) or 1.0
    for s, sim in zip(sents, sims, strict=True):
        header = set(_terms(s.hit.chunk.part + " " + s.hit.chunk.section))
        words = set(_terms(s.text))
        s.sim = float(sim)
        s.overlap = sum(w for t, w in qterms.items() if t in words or t in header) / total
        s.score = 0.6 * s.sim + 0.4 * s.overlap - 0.02 * (s.hit.rank - 1)
    ranked = sorted(sents, key=lambda s: -s.score)
    best = ranked[0]
    answer_text = best.text
    chosen = best
    found_span = False
    if kind in ("amount", "percent", "date", "number", "actor", "place"):
        cands: list[tuple[float, _Sentence, tuple[int, int]]] = []
        for s in ranked[:8]:
            for span in _spans(kind, s.text):
                ctx = _context_score(s.text, span, qterms)
                cands.append((s.score + 0.5 * ctx, s, span))
        if cands:
            score, chosen, span = max(cands, key=lambda c: c[0])
            answer_text = _trim_answer(kind, chosen.text[span[0] : span[1]])
            found_span = bool(answer_text)
    elif kind == "target":
        answer_text = _target_clause(best.text)
    confidence = _confidence(chosen, kind, found_span)
    abstain = confidence < threshold
    cites = _citations([chosen] + [s for s in ranked[:3] if s is not chosen])
    return Answer(
        question=question,
        answer="" if abstain else answer_text,
        abstained=abstain,
        citations=[] if abstain else cites,
        hits=hits,
        answer_type=kind,
        confidence=confidence,
    )


def _similarities(question: str, texts: list[str], embedder: Any, index: Any) -> np.ndarray:
    """Cosine of the question to each sentence; sentence vectors come from the index."""
    stored = index.sentence_vectors(texts) if index is not None else {}
    missing = [t for t in dict.fromkeys(texts) if t not in stored]
    vecs = embedder.embed([question, *missing])
    stored.update(zip(missing, vecs[1:], strict=True))
    qv = vecs[0]
    if not texts:
        return np.zeros(0, dtype=np.float32)
    return np.stack([stored[t] for t in texts]) @ qv


def _target_clause(sentence: str) -> str:
    """The clause of a sentence that states a level and a deadline, else the sentence."""
    clauses = re.split(r"(?<=[;:])\s+|,\s+(?=(?:and|while|which|but)\b)", sentence)
    for c in clauses:
        if re.search(
            rf"\bby (?:the end of )?{YEAR}\b|\bin \d+ years\b|\bwithin\b", c
        ) and re.search(r"\d|net.zero|doubl", c):
            return c.strip(" ;:,.")
    return sentence


def _confidence(s: _Sentence, kind: str, found_span: bool) -> float:
    """A 0..1 belief that the chosen sentence answers the question."""
    conf = 0.55 * max(0.0, s.sim) + 0.45 * s.overlap
    if kind in ("amount", "percent", "date", "number", "actor", "place") and not found_span:
        conf *= 0.5
    return float(np.clip(conf, 0.0, 1.0))


def _citations(sents: Sequence[_Sentence]) -> list[Citation]:
    out: list[Citation] = []
    seen: set[tuple[str, str]] = set()
    for s in sents:
        c = s.hit.chunk
        key = (c.id, s.text)
        if key in seen:
            continue
        seen.add(key)
        page, label = _page_of(c, s.start)
        out.append(
            Citation(
                document=c.document,
                sha256=c.doc_sha256,
                case=c.case,
                section=c.section,
                page_label=label,
                pdf_page=page,
                quote=s.text,
                chunk_id=c.id,
            )
        )
    return out


def _page_of(chunk: Any, offset: int) -> tuple[int, str | None]:
    """The page a sentence lies on: chunks record pages in order; split by blank-line blocks."""
    if len(chunk.pdf_pages) == 1:
        return chunk.pdf_pages[0], chunk.page_labels[0]
    # Which page: proportion of the chunk's text before the sentence, as a fallback
    # when the chunk spans pages (rare: at most two pages).
    frac = offset / max(1, len(chunk.text))
    i = min(len(chunk.pdf_pages) - 1, int(frac * len(chunk.pdf_pages)))
    return chunk.pdf_pages[i], chunk.page_labels[i]
