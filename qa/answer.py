"""Extractive answers: the span (or sentence) in the top passages that answers, or none.

No language model and no hand-set weights: the question's type (``qa.question``) says
what kind of span to look for, ``qa.candidates`` proposes spans of that type in the
sentences of the top passages, ``qa.features`` describes each, and ``qa.scorer`` ranks
them and decides whether the best one is right often enough to answer, with weights
and a cut-off learned on a generated pool (``bench/train_answers.py``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from pipeline.types import Answer, Hit
from qa import scorer
from qa.arithmetic import (
    Computed,
    asks_combined,
    asks_elapsed,
    combined,
    elapsed,
    elapsed_between,
    two_events,
)
from qa.bylines import authors_answer
from qa.candidates import (
    TYPED,
    Candidate,
    Sentence,
    sentence_candidates,
    sentences,
    span_text,
    target_clause,
    typed_candidates,
)
from qa.citations import citations
from qa.corpus import idf, section_size
from qa.features import lacking, sentence_features, span_features, unknown_words
from qa.question import asked_name_kind, asks_now, question_type

__all__ = ["TYPED", "answer_question", "question_type"]


def _similarities(question: str, texts: list[str], embedder: Any, index: Any) -> np.ndarray:
    """Cosine of the question to each sentence; sentence vectors come from the index."""
    stored = index.sentence_vectors(texts) if index is not None else {}
    missing = [t for t in dict.fromkeys(texts) if t not in stored]
    qv = embedder.embed([question])[0]  # the engine memoises it from the search
    if missing:
        stored.update(zip(missing, embedder.embed(missing), strict=True))
    if not texts:
        return np.zeros(0, dtype=np.float32)
    return np.stack([stored[t] for t in texts]) @ qv


def candidates_for(
    question: str, hits: Sequence[Hit], *, embedder: Any, index: Any = None, kind: str = ""
) -> tuple[str, list[Sentence], list[Candidate]]:
    """The question's type (or ``kind``), the sentences read and every candidate with its
    features."""
    kind = kind or question_type(question)
    sents = sentences(list(hits))
    if not sents:
        return kind, [], []
    qterms = idf(index, question)
    sims = _similarities(question, [s.text for s in sents], embedder, index)
    sentence_features(question, kind, sents, sims, qterms, index)
    cands = typed_candidates(kind, sents, index) if kind in TYPED else sentence_candidates(sents)
    span_features(question, kind, cands, qterms, embedder, index)
    return kind, sents, cands


def _grounding(c: Candidate) -> float:
    """1 unless the evidence lacks what the question pins down (figures, years, names)."""
    f = c.features
    return float(
        (1.0 - f["figures_missing"])
        * (1.0 - f["names_missing"])
        * (1.0 - 0.5 * f["full_name_missing"])
    )


def _ranked(model: scorer.Model, kind: str, cands: list[Candidate]) -> np.ndarray:
    """Score the candidates with the kind's ranker; the scores, in the candidates' order."""
    scores = model.ranker_for(kind)([c.features for c in cands]) if cands else np.zeros(0)
    for c, s in zip(cands, scores, strict=True):
        c.score = float(s)
    return scores


def _best_first(cands: list[Candidate]) -> list[Candidate]:
    """The candidates best first (ties: the longer span)."""
    return sorted(cands, key=lambda c: (-round(c.score, 6), -(c.span[1] - c.span[0])))


def _computed_answer(
    question: str,
    hits: list[Hit],
    kind: str,
    compute: Callable[[Callable[[str], list[Candidate]]], Computed | None],
    *,
    embedder: Any,
    index: Any,
    model: scorer.Model,
    threshold: float | None,
    trace: list[Candidate] | None,
) -> Answer | None:
    """A figure computed from two the passages state (``qa.arithmetic``): ``compute`` reads
    the ``kind`` candidates best first, for the question or for a clause of it (one event
    of two); None when it finds no two."""
    _, _, cands = candidates_for(question, hits, embedder=embedder, index=index, kind=kind)
    scores = _ranked(model, kind, cands)

    whole = {c.where: c.score for c in cands}

    def ranked_for(asked: str) -> list[Candidate]:
        """Best first for the question, or for a clause of it: the clause's score plus the
        question's (the clause says which event, the question whose)."""
        if asked == question:
            return _best_first(cands)
        _, _, own = candidates_for(asked, hits, embedder=embedder, index=index, kind=kind)
        _ranked(model, kind, own)
        for c in own:
            c.score += whole.get(c.where, 0.0)
        return _best_first(own)

    got = compute(ranked_for)
    if got is None:
        return None
    # each operand as the whole question scored it (its confidence and grounding are the
    # question's, not its clause's), cited first the one the whole question ranks higher
    as_asked = {c.where: c for c in cands}
    operands = [as_asked.get(c.where, c) for c in got.operands]
    operands.sort(key=lambda c: -whole.get(c.where, float("-inf")))
    got = replace(got, operands=tuple(operands))
    if trace is not None:
        trace.extend(cands)
    choice = model.choice_features(scores, kind)
    p = model.p_right({**got.operands[0].features, **choice})
    # what the operands' passages lack between them: each may hold one event's names
    lack = [lacking(question, kind, c, index) for c in got.operands]
    missing = [m for m in lack[0] if all(m in other for other in lack[1:])]
    # Not the model's cut-off: its abstainer was fitted on single spans and reads a figure
    # that is one operand of a computation as a wrong answer (its confidence is still
    # reported). It abstains when the operands' passages between them lack a name the
    # question states, or under a cut-off the caller sets.
    abstain = any(m["what"] in ("name", "unknown_name") for m in missing) or (
        threshold is not None and p < threshold
    )
    return Answer(
        question=question,
        answer="" if abstain else got.text,
        abstained=abstain,
        citations=[] if abstain else citations([c.sentence for c in got.operands]),
        hits=hits if abstain else answer_first(hits, got.operands[0].sentence.hit),
        answer_type=got.answer_type,
        confidence=p,
        support=choice["share"],
        grounding=min(_grounding(c) for c in got.operands),
        missing=missing,
    )


def _elapsed(question: str, unit: str, rank: Callable[[str], list[Candidate]]) -> Computed | None:
    """The time between the two events the question names, each event's date ranked for
    its own clause ("When <clause>?"); else the question's best date and its next."""
    if events := two_events(question):
        got = elapsed_between(unit, *(rank(f"When {e}?") for e in events))
        if got is not None:
            return got
    return elapsed(question, unit, rank(question))


def _arithmetic(question: str, hits: list[Hit], **kw: Any) -> Answer | None:
    """The answer of a question asking for a figure two stated ones give, if it is one."""
    if unit := asks_elapsed(question):
        return _computed_answer(
            question, hits, "date", lambda rank: _elapsed(question, unit, rank), **kw
        )
    kind = question_type(question)
    if how := asks_combined(question, kind):
        figures = ("percent", "amount", "number")
        if how == "ratio":
            kinds: tuple[str, ...] = ("amount", "number")
        elif how == "difference" and re.search(r"(?i)\bpoints?\b", question):
            kinds = ("percent", "number")  # "by how many points": two shares, or scores
        elif how == "difference" and kind not in figures:
            kinds = figures  # a gap asked in words: the figures decide
        else:
            kinds = (kind,)
        for of in kinds:
            got = _computed_answer(
                question, hits, of, lambda rank, of=of: combined(how, of, rank(question)), **kw
            )
            if got is not None:
                return got
    return None


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", text.lower())


def _printed_in_full(ranked: list[Candidate], index: Any) -> Candidate:
    """The best candidate, or its twin (the same span in a sentence the same document prints
    twice with the same words) in a longer section.

    Why: a case's overview repeats sentences of its body word for word; the body is where
    the fact stands with its context, and where a reader checking the page looks."""
    best = ranked[0]
    words, span = _words(best.sentence.text), _words(best.text)
    twins = [
        c
        for c in ranked[1:]
        if c.sentence.hit.chunk.id != best.sentence.hit.chunk.id
        and c.sentence.hit.chunk.doc_sha256 == best.sentence.hit.chunk.doc_sha256
        and _words(c.sentence.text) == words
        and _words(c.text) == span
    ]
    if not twins:
        return best
    return max([best, *twins], key=lambda c: section_size(index, c.sentence.hit.chunk))


# A word that says the span it precedes no longer holds: "previously X and now Y".
_SUPERSEDED = re.compile(
    r"(?:\b(?:previously|formerly|former|until)\W+|\bex-)(?:\w+\W+){0,2}$", re.I
)


def _current(ranked: list[Candidate], question: str) -> list[Candidate]:
    """For a question about what holds now, the best candidate first that its sentence does
    not mark as superseded ("previously A and now B": B).

    Why: the ranker reads which words stand near a span, not the time the sentence gives
    each one; both names of such a sentence meet the question's words equally."""
    if not ranked or not asks_now(question):
        return ranked
    best = ranked[0]
    text = best.sentence.text
    if not _SUPERSEDED.search(text[max(0, best.span[0] - 40) : best.span[0]]):
        return ranked
    for c in ranked[1:]:
        if c.sentence is best.sentence and not _SUPERSEDED.search(
            text[max(0, c.span[0] - 40) : c.span[0]]
        ):
            return [c, *[x for x in ranked if x is not c]]
    return ranked


def answer_first(hits: Sequence[Hit], source: Hit) -> list[Hit]:
    """The passage the answer was read from first, the others in retrieval order.

    Why: the reader weighs every sentence of the top passages against the question (its
    type, figures, names), which the retriever cannot; when it answers, the passage it
    answered from is the best-supported evidence (README, "Answer-aware passage order")."""
    order = [source] + [h for h in hits if h is not source]
    return [
        replace(h, rank=i, retrieval_rank=h.retrieval_rank or h.rank)
        for i, h in enumerate(order, 1)
    ]


def answer_question(
    question: str,
    hits: Sequence[Hit],
    *,
    embedder: Any,
    index: Any = None,
    model: scorer.Model | None = None,
    threshold: float | None = None,
    trace: list[Candidate] | None = None,
) -> Answer:
    """The answer span, its citations, and whether to abstain; hits are returned as passages.

    ``threshold`` overrides the model's abstention cut-off (0 never abstains unless there
    is no candidate); ``trace``, if given, receives every scored candidate."""
    model = model or scorer.load()
    cut = model.threshold if threshold is None else threshold
    hits = list(hits)
    computed = _arithmetic(
        question,
        hits,
        embedder=embedder,
        index=index,
        model=model,
        threshold=threshold,
        trace=trace,
    )
    if computed is not None:
        return computed
    kind, sents, cands = candidates_for(question, hits, embedder=embedder, index=index)
    if kind == "actor" and asked_name_kind(question, kind) == "person":
        # asked who (a person, a post): a place the extractor typed is not one (a body is
        # left to the ranker: a country can fund, join or sign as one)
        cands = [c for c in cands if c.actor_type != "place"] or cands
    scores = _ranked(model, kind, cands)
    if trace is not None:
        trace.extend(cands)
    ranked = _current(_best_first(cands), question)
    order = list(dict.fromkeys(id(c.sentence) for c in ranked))
    by_id = {id(s): s for s in sents}
    seen = set(order)
    ranked_sents = [by_id[i] for i in order] + [s for s in sents if id(s) not in seen]
    # Authorship is read from the structure (a case's bylines), not scored as a span: it
    # is answered whenever the passages belong to a case with bylines, candidates or not.
    byline = authors_answer(question, ranked_sents, index)
    if byline is not None:
        names, cite = byline
        return Answer(
            question, names, False, [cite], hits, answer_type="actor", confidence=1.0, support=1.0
        )
    if not cands:
        missing = [{"what": "span", "text": kind}]
        return Answer(question, "", True, [], hits, answer_type=kind, missing=missing)
    best = ranked[0]
    cited = _printed_in_full(ranked, index)  # the same span, maybe where printed in full
    choice = model.choice_features(scores, kind)
    p = model.p_right({**best.features, **choice})
    if kind in TYPED:
        text = span_text(kind, best.sentence.text, best.span)
    elif kind == "target":
        text = target_clause(best.sentence.text)
    else:
        text = best.sentence.text
    off_subject = unknown_words(question, index)
    abstain = not text or p < cut or bool(off_subject)
    first = (best.sentence, cited.sentence)
    cites = citations(
        [cited.sentence] + [s for s in ranked_sents[:3] if all(s is not f for f in first)]
    )
    return Answer(
        question=question,
        answer="" if abstain else text,
        abstained=abstain,
        citations=[] if abstain else cites,
        hits=hits if abstain else answer_first(hits, cited.sentence.hit),
        answer_type=kind,
        confidence=p,
        support=choice["share"],
        grounding=_grounding(best),
        missing=lacking(question, kind, best, index)
        + ([] if text else [{"what": "span", "text": kind}])
        + ([{"what": "unknown_words", "text": ", ".join(off_subject)}] if off_subject else []),
    )
