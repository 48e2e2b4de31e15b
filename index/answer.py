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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from index.lexical import stem
from pipeline.sentences import is_quotable, split_sentences
from pipeline.types import Answer, Citation, Hit

# When to abstain, measured with `python bench/calibrate_answers.py` (the best abstention
# recall minus share of answerable questions abstained, over the dev gold set pooled with
# our probe set, with at most 5% of the dev set's answerable questions abstained); not
# hand-picked. An answer needs grounding ≥ GROUNDING_MIN (the evidence has what the
# question pins down) and support × grounding ≥ ABSTAIN_THRESHOLD.
ABSTAIN_THRESHOLD = 0.280
GROUNDING_MIN = 0.693
PASSAGES_READ = 7
MAX_SENTENCES = 120
GROUNDING_RANK = 0.4
# A span's features (see ``_typed_spans``) and its score, their weighted sum.
FEATURES = (
    "sentence",  # the sentence's score: cosine and word overlap to the question, grounding
    "ctx",  # how close the question's rarer words stand to the span
    "counts",  # a number of what "how many" asks for
    "ner",  # a name the extractor found
    "person",  # a person, asked for a person
    "org_type",  # an organisation, asked for one
    "org_head",  # "which body": a name with "Office", "Council", …
    "month",  # a month, asked for one
    "plan",  # asked what was achieved, the sentence states a plan
    "now",  # "now X", asked for the current one
    "before",  # "previously X", asked for the current one
    "narrowed",  # a figure of a narrower measure ("youth unemployment")
    "sim",  # the sentence's cosine to the question
    "overlap",  # the share of the question's words (by rarity) in the sentence and headings
    "rank",  # 1 / the passage's rank
    "unit_sim",  # cosine of what the figure counts to what is asked
    "length",  # log(1 + words in the span)
)
SPAN_WEIGHTS = {
    "sentence": 1.0,
    "ctx": 0.6,
    "counts": 0.25,
    "ner": 0.1,
    "person": 0.15,
    "org_type": 0.05,
    "org_head": 0.15,
    "month": 0.15,
    "plan": -0.15,
    "now": 0.1,
    "before": -0.1,
    "narrowed": -0.1,
}
# Cosines between what a question counts and what a figure counts (all-MiniLM-L6-v2):
# paraphrases ("people" ~ "participants" 0.65, "staff" ~ "employees" 0.72) sit above
# SAME_KIND, other things ("women" ~ "service centres" 0.2) below OTHER_KIND.
SAME_KIND = 0.5
OTHER_KIND = 0.3

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
QUAL = (
    r"(?:(?:over|more than|almost|nearly|around|about|approximately|up to|at least|some|"
    r"a further|an additional|additional)\s+)?"
)
NUM = r"\d[\d,.\s]*\d|\d"
_QUAL_BEFORE = re.compile(rf"{QUAL}$", re.I)
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
    rf"(?<![\w.,/£€$¥₹-]){QUAL}(?:(?:{NUM})(?:\s?(?:million|billion|thousand|m|bn)\b)?|\b(?:{WORDNUM})\b)"
    rf"(?:\s?(?:-|–|—|to)\s?(?:{NUM}))?(?![\w%])(?!\s?(?:per\s?cent|percent)\b)",
    re.I,
)
UNIT = re.compile(
    r"(?:[\s-](?!(?:and|or|in|of|to|by|the|a|an|for|from|with|per|each|at|on|as|than)\b)"
    r"[a-z][\w'-]*){1,2}",
    re.I,
)
NAME = re.compile(
    r"(?:the\s)?(?:[A-Z][\w'’.&-]*|[A-Z]{2,})(?:\s(?:(?:of|for|and|the|de|la|del|at|on|&)\s)*"
    r"(?:[A-Z][\w'’.&-]*|\([A-Z][\w]*\)))*"
)


_ACTOR_NOUNS = (
    r"organi[sz]ations?|bod(?:y|ies)|agenc(?:y|ies)|ministr(?:y|ies)|departments?|groups?|"
    r"persons?|people|ngos?|compan(?:y|ies)|institutions?|teams?|offices?|banks?|donors?|"
    r"partners?|funders?|universit(?:y|ies)|councils?|authorit(?:y|ies)|firms?|mayors?|"
    r"ministers?|leaders?|officials?|experts?|professors?|researchers?|actors?|entit(?:y|ies)|"
    r"units?|taskforces?|boards?|committees?|part of (?:the )?\w+ government|"
    r"economists?|scholars?|academics?|authors?|writers?|presidents?|directors?|chairs?|"
    r"heads?|politicians?|councillors?|secretar(?:y|ies)|governors?"
)


# Words between "which/what" and a noun that make the noun the subject, not the thing
# asked for: "what must a company commit to" asks about a commitment, not a company.
_NOT_MODIFIER = (
    r"(?!(?:must|did|does|do|is|are|was|were|can|could|should|will|would|has|have|had|may|might)\b)"
)


def question_type(question: str) -> str:
    """The kind of span the question asks for."""
    q = question.lower().strip()
    if re.search(
        r"\bhow much\b|\bwhat (?:\w+ )?(?:amount|sum|budget|funding|investment|total|boost|"
        r"increase|contribution|return|value|cost|price|saving|savings|revenue|wage|salary|"
        r"pay|stipend|allowance|fee)s?\b",
        q,
    ) and re.search(
        r"\b(?:money|fund|funding|budget|invest|paid|pay|spend|spent|cost|capital|"
        r"financ|£|€|\$|rand|euro|pound|dollar|gdp|output|boost|committed|raised|grant|"
        r"loan|revenue|price|worth|wage|salar|stipend|allowance|fee)",
        q,
    ):
        return "amount"
    if re.search(
        r"^(?:what|which) (?:is|was|are|were) (?:the )?(?:[\w'’-]+ ){0,4}"
        r"(?:budget|cost|costs|funding|price|spending|investment|grant|loan|revenue|fees?|"
        r"wages?|salar(?:y|ies)|stipends?)\b",
        q,
    ):
        return "amount"
    if re.search(
        r"\b(?:percentage|per ?cent|what share|what proportion|what fraction|"
        r"(?:what|which) (?:\w+ ){0,3}rate)\b",
        q,
    ):
        return "percent"
    if re.search(
        r"\b(?:target|goal|aim|aims|ambition|pledge|seeking|hope|hopes|expect|expects|aspire|"
        r"supposed to|meant to|set to|planned to)\b",
        q,
    ) and re.search(r"\b(?:by|what|which|how many|how much|level)\b", q):
        return "target"
    if re.search(
        r"^(?:when|by when)\b|\b(?:what|which|in which|in what) "
        r"(?:year|month|date|time ?frame|period)\b|\bsince when\b",
        q,
    ):
        return "date"
    if re.search(r"\bhow (?:many|long)\b|\bwhat (?:was |is )?(?:the )?(?:\w+ )?number of\b", q):
        return "number"
    if re.search(
        rf"^who\b|\bwho\b|\bwhose\b|\b(?:which|what) (?:{_NOT_MODIFIER}\w+ ){{0,2}}"
        rf"(?:{_ACTOR_NOUNS})\b|"
        r"\bwhat is the name\b|\bname of\b|\bwhich part of\b",
        q,
    ):
        return "actor"
    if re.search(r"^where\b|\bwhich (?:city|country|region|place|town|province)\b", q):
        return "place"
    return "text"


def _head_noun(question: str) -> set[str]:
    """What a "how many X" question counts: its noun, the last word ("young *assistants*"),
    stemmed, to prefer numbers of that thing."""
    return {_stem(w) for w in _counted(question).split()[-1:]}


_AUX = frozenset(("has", "have", "had", "did", "do", "does", "is", "are", "was", "were", "will"))


_PLURALS = frozenset(("people", "women", "men", "children", "staff", "personnel", "youth"))


def _counts_of(text: str, nouns: set[str]) -> bool:
    """Whether a figure in ``text`` is followed (within three words) by one of ``nouns``."""
    for m in NUMBER.finditer(text):
        after = re.findall(r"[a-z]+", text[m.end() : m.end() + 40].lower())[:3]
        if nouns & {_stem(w) for w in after}:
            return True
    return False


def _counted(question: str) -> str:
    """The words a "how many" question counts, as asked ("local one-stop service points")."""
    m = re.search(r"\bhow many ((?:[\w'-]+ ?){1,4})", question.lower())
    words: list[str] = []
    for w in m.group(1).split() if m else []:
        if w in STOP or w in _AUX or w.endswith("ly"):
            break
        words.append(w)
        if w.endswith("s") or w in _PLURALS:
            break  # a count is of a plural: "representatives (sit on …)"
    return " ".join(words)


def _terms(text: str) -> list[str]:
    return [_stem(w) for w in re.findall(r"[a-z0-9£€$%]+", text.lower()) if w not in STOP]


# One stemmer for retrieval and answers: "operating" and "operates" meet in BM25 and in
# the words counted near a span alike.
_stem = stem


@dataclass
class _Sentence:
    text: str
    hit: Hit
    start: int  # offset in the chunk text
    sim: float = 0.0
    overlap: float = 0.0
    score: float = 0.0


def _memo(index: Any, name: str, build: Callable[[], Any]) -> Any:
    """``build()``, kept on the index until what it holds changes (a new edition, a removal)."""
    state = getattr(index, "state_key", None)
    key = state() if state is not None else None
    memo = getattr(index, "_answer_memo", None)
    if memo is None:
        memo = {}
        if index is not None:
            index._answer_memo = memo
    if name not in memo or memo[name][0] != key:
        memo[name] = (key, build())
    return memo[name][1]


def _df_cache(index: Any) -> tuple[dict[str, int], int]:
    """Term document frequencies from the chunks themselves (for indexes without BM25)."""

    def build() -> tuple[dict[str, int], int]:
        chunks = index.chunks() if index is not None else []
        df: dict[str, int] = {}
        for c in chunks:
            for t in set(_terms(c.embed_text)):
                df[t] = df.get(t, 0) + 1
        return df, max(1, len(chunks))

    return _memo(index, "df", build)


def _word_df(index: Any, word: str) -> tuple[int, int]:
    """(chunks containing ``word``, all chunks), read off the BM25 index when there is one."""
    lexical = getattr(index, "lexical", None)
    if lexical is not None:
        lex = lexical()
        return lex.doc_freq(word), max(1, len(lex))
    df, n = _df_cache(index)
    return df.get(_stem(word.lower()), 0), n


# The words that say what kind of answer is wanted ("in which month and year"), not what
# it is about: a sentence is no closer to the question for containing "year".
_FRAME = re.compile(
    r"\b(?:which|what)\s+(?:(?:month|year|date|day|period|time ?frame|percentage|share|"
    r"proportion|fraction|number|amount|sum)(?:\s+and\s+(?:month|year|day))?)\b"
)


def _idf(index: Any, question: str) -> dict[str, float]:
    """Rarity of each question term (keyed by its stem) among the indexed chunks."""
    out: dict[str, float] = {}
    for w in re.findall(r"[a-z0-9£€$%]+", _FRAME.sub(" ", question.lower())):
        if w in STOP or (key := _stem(w)) in out:
            continue
        df, n = _word_df(index, w)
        out[key] = math.log(1 + n / (1 + df))
    return out


def _candidates(hits: Sequence[Hit]) -> list[_Sentence]:
    out: list[_Sentence] = []
    for h in hits[:PASSAGES_READ]:
        text = h.chunk.text
        pieces = split_sentences(text)
        i = 0
        while i < len(pieces):
            s, e = pieces[i]
            if i + 1 < len(pieces) and _NAME_LINE.fullmatch(text[s:e].strip()):
                e = pieces[i + 1][1]  # "Ann Lee" + "Head of the Network, UCL": one entry
                i += 1
            if is_quotable(text[s:e]):
                out.append(_Sentence(text=text[s:e].strip(), hit=h, start=s))
            i += 1
    return out[:MAX_SENTENCES]


# A line that is only a person's name (a list of editors, a byline): what follows it
# (a role, an affiliation) is said of that person.
_NAME_LINE = re.compile(r"[A-Z][a-zà-ÿ'’-]+(?: [A-Z][a-zà-ÿ'’.-]*){1,3}")


def _spans(kind: str, text: str) -> list[tuple[int, int]]:
    if kind == "amount":
        from pipeline.quantities import find_money  # the extractor's money rules, one copy

        spans = []
        for f in find_money(text):
            q = _QUAL_BEFORE.search(text[: f.start])  # keep "over", "an additional", …
            spans.append((q.start() if q and q.group() else f.start, f.end))
        return spans
    if kind == "percent":
        return [m.span() for m in PERCENT.finditer(text)]
    if kind == "date":
        return [m.span() for m in DATE.finditer(text)]
    if kind == "number":
        spans = []
        for m in NUMBER.finditer(text):
            val = m.group().strip()
            if re.fullmatch(rf"{YEAR}", val):
                continue  # a year is not a count
            if len(val) == 1 and not re.match(r" [a-z]", text[m.end() : m.end() + 2]):
                continue  # a lone digit not followed by a word ("4 pillars") numbers a list
            spans.append(m.span())
        return spans
    if kind in ("actor", "place"):
        spans = []
        for m in NAME.finditer(text):
            val = m.group()
            words = [w for w in val.split() if w[:1].isupper()]
            if len(words) >= 2 or re.fullmatch(r"[A-Z][A-Z0-9&]{1,9}", val):
                spans.append(m.span())
        return spans
    return []


def _proximity(text: str, span: tuple[int, int], qterms: dict[str, float]) -> dict[str, float]:
    """Each question term's closeness to a span (1 = adjacent, decaying with distance)."""
    before = re.findall(r"[\w£€$%]+", text[: span[0]].lower())[::-1]
    after = re.findall(r"[\w£€$%]+", text[span[1] :].lower())
    best: dict[str, float] = {}
    for words, side in ((before, "left"), (after, "right")):
        for dist, w in enumerate(words[:25]):
            t = _stem(w)
            if t in qterms:
                weight = 1.0 / (1.0 + 0.25 * dist)
                if side == "right" and dist <= 2:
                    weight *= 1.5  # "540 jobs indirectly": what follows a figure says what it is
                best[t] = max(best.get(t, 0.0), weight)
    return best


def _context_score(
    text: str,
    span: tuple[int, int],
    qterms: dict[str, float],
    rivals: Sequence[dict[str, float]] = (),
    best: dict[str, float] | None = None,
) -> float:
    """How much of the question the words near a span repeat: rarer and closer count more.

    A term's weight decays with its distance in words from the span, and counts less
    when another candidate in the same sentence stands as close to it: of "1,300 jobs
    directly and 540 jobs indirectly", only "indirectly" tells the two apart.
    """
    best = _proximity(text, span, qterms) if best is None else best
    total = sum(qterms.values()) or 1.0
    near = 0.0
    for t, f in best.items():
        rival = max((r.get(t, 0.0) for r in rivals), default=0.0)
        near += qterms[t] * (f - 0.5 * min(f, rival))
    inside = set(_terms(text[span[0] : span[1]]))
    # A span that only repeats the question is not an answer.
    echo = sum(w for t, w in qterms.items() if t in inside) / total
    return near / total - 0.7 * echo


def span_text(kind: str, sentence: str, span: tuple[int, int]) -> str:
    """The answer a span gives: trimmed, and a count with what it counts ("540 jobs")."""
    a, b = span
    if kind == "number" and (unit := UNIT.match(sentence, b)):
        b = unit.end()
    return _trim_answer(kind, sentence[a:b])


def _trim_answer(kind: str, text: str) -> str:
    text = re.sub(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+(?=\W*$)", "", text)  # a footnote mark is not part of it
    text = text.strip(" ,;:.()")
    if kind in ("actor", "place"):
        text = re.sub(
            r"^(?:The|In|At|By|For|From|With|And)\s+",
            lambda m: "the " if m.group().strip() == "The" else "",
            text,
        )
    return text


TYPED = ("amount", "percent", "date", "number", "actor", "place")


@dataclass
class _Span:
    sentence: _Sentence
    span: tuple[int, int]
    context: float
    score: float
    counts_asked: bool | None = None  # for "how many X": is it a number of X?
    actor_type: str | None = None  # for names: as typed by the extractor, if it knows
    unit_sim: float | None = None  # how alike the counted noun and the asked one are
    features: dict[str, float] | None = None  # what the score is a weighted sum of


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


_ORG_HEAD = re.compile(
    r"\b(?:Office|Department|Ministry|Agency|Secretariat|Council|Authority|Board|Commission|"
    r"Unit|Fund|Bank|Institute|Foundation|Taskforce|Committee|Cabinet|Government|Division|"
    r"Directorate|Bureau|Service|Corporation|Company|Observatory|Network|University)\b"
)
_ASKS_ORG = re.compile(
    r"\b(?:which|what) (?:\w+ ){0,2}(?:ministry|department|body|agency|office|organi[sz]ation|"
    r"institution|group|team|company|bank|authority|council|part of)\b",
    re.I,
)
_ASKS_PERSON = re.compile(
    r"^who\b|\bwhose\b|\bwhich (?:person|minister|mayor|official|leader)", re.I
)
# Questions only a person answers: "whose work", "which economist", "who led / chaired".
_ONLY_PERSON = re.compile(
    r"\bwhose (?:\w+ )?(?:work|works|idea|ideas|research|book|books|theory|thinking|"
    r"scholarship|writing|writings|concept|principles|framework|term|label)\b|"
    r"\b(?:which|what) (?:\w+ )?(?:person|people|minister|mayor|official|leader|"
    r"economist|scholar|academic|author|writer|president|director|chair|head|politician|"
    r"councillor|secretary|governor)s?\b|^who (?:led|leads|heads|headed|chaired|chairs|"
    r"founded|wrote|coined|directed|directs)\b|^who (?:is|was|became|becomes) (?:the )?(?:\w+ )?"
    r"(?:mayor|minister|president|director|chair|head|leader|secretary|governor)\b",
    re.I,
)


_PRONOUN_START = re.compile(r"(?:It|Its|They|Their|This|These|He|She|His|Her)\b")


def _subject_terms(s: _Sentence, qterms: dict[str, float]) -> set[str]:
    """For a sentence that names its subject by a pronoun ("It was established in 2000"),
    the question's words in the sentences before it, back to the one that names "It"."""
    if not _PRONOUN_START.match(s.text):
        return set()
    before = re.split(r"(?<=[.!?])\s+", s.hit.chunk.text[: s.start].strip())
    subject: set[str] = set()
    for prev in reversed(before[-3:]):
        subject |= {t for t in _terms(prev) if t in qterms}
        if not _PRONOUN_START.match(prev):
            break
    return subject


def _typed_spans(
    kind: str,
    sents: Sequence[_Sentence],
    qterms: dict[str, float],
    question: str,
    index: Any,
    embedder: Any = None,
) -> list[_Span]:
    """Every span of the wanted type in the best sentences, scored by sentence and context."""
    head = _head_noun(question) if kind == "number" else set()
    kind_of = _same_kind(" ".join(_counted(question).split()[-1:]), embedder) if head else None
    ents = _actor_spans(index, sents) if kind in ("actor", "place") else {}
    known = _known_actors(index) if kind in ("actor", "place") else {}
    wants_org = kind == "actor" and bool(_ASKS_ORG.search(question))
    wants_person = kind == "actor" and bool(_ASKS_PERSON.search(question))
    only_person = kind == "actor" and bool(_ONLY_PERSON.search(question))
    wants_month = kind == "date" and "month" in question.lower()
    # "today", "had achieved": a plan ("will reach 15%") is not the state asked about.
    wants_actual = bool(_ASKS_ACHIEVED.search(question) or _ASKS_NOW.search(question))
    qlow = question.lower()
    asked_initials = {  # "the Northern Housing Board" is also "NHB"
        "".join(w[0] for w in n.group().split() if w[:1].isupper()).lower()
        for n in _MULTI_NAME.finditer(question)
    }
    out: list[_Span] = []
    for s in sents:
        found = dict(ents.get(id(s), {}))
        spans = set(_spans(kind, s.text)) | set(found)
        for a, b in list(spans):
            # A name pattern that contains an NER name is that name, in full ("the Prime
            # Minister's Office" rather than the NER's "Minister's Office").
            inner = [t for (x, y), t in found.items() if a <= x and y <= b and (x, y) != (a, b)]
            if inner and (a, b) not in found:
                found[(a, b)] = inner[0]
            elif (a, b) not in found and (kind_known := _known_in(s.text[a:b], known)):
                found[(a, b)] = kind_known
        near = {sp: _proximity(s.text, sp, qterms) for sp in spans}
        if subject := _subject_terms(s, qterms):
            # "It was established in 2000": the words naming "It" stand at the start
            for sp, prox in near.items():
                dist = len(re.findall(r"[\w£€$%]+", s.text[: sp[0]]))
                for t in subject:
                    prox[t] = max(prox.get(t, 0.0), 1.0 / (1.0 + 0.25 * dist))
        for span in spans:
            text = s.text[span[0] : span[1]]
            bare = re.sub(r"^the ", "", text.lower().strip(" .,"))
            if kind in ("actor", "place") and (bare in qlow or bare in asked_initials):
                continue  # naming what the question already names answers nothing
            rivals = [p for sp, p in near.items() if not _overlaps(sp, span)]
            ctx = _context_score(s.text, span, qterms, rivals, near[span])
            f: dict[str, float] = {"sentence": s.score, "ctx": ctx}
            counts, unit_sim = None, None
            if head:
                after = re.findall(r"[a-z]+", s.text[span[1] : span[1] + 40].lower())[:4]
                unit = {_stem(w) for w in after} | {
                    _stem(w) for w in re.findall(r"[a-z]+", text.lower())
                }
                if not head & unit and (not after or after[0] in STOP):
                    # "units are expected to exceed 15,000": the counted noun came first.
                    clause = re.split(r"[,;:()]", s.text[: span[0]])[-1]
                    unit |= {_stem(w) for w in re.findall(r"[a-z]+", clause.lower())[-6:]}
                counts = bool(head & unit)
                if not counts and kind_of is not None:
                    # "25 members" for "how many representatives": the same kind of thing?
                    unit_sim = kind_of(_noun_after(s.text, span[1]))
                    counts = unit_sim is not None and unit_sim >= SAME_KIND
                f["counts"] = float(counts)  # "how many jobs": a number of jobs
            actor_type = found.get(span)
            f["ner"] = float(actor_type is not None)  # the NER model agrees this is a name
            # a person, or (when only a person can answer) a name shaped like one
            f["person"] = float(
                wants_person
                and (
                    actor_type == "person"
                    or (only_person and actor_type is None and _person_like(text, None))
                )
            )
            f["org_type"] = float(wants_org and actor_type in ("organisation", "programme"))
            # "which ministry/body" is answered by an office, not a project
            f["org_head"] = float(wants_org and bool(_ORG_HEAD.search(text)))
            f["month"] = float(wants_month and bool(re.search(rf"(?i)\b(?:{MONTHS})\b", text)))
            # "today", "had achieved": a plan is not the state asked about; "previously X
            # and now Y": the current one is the one said to be now
            f["plan"] = float(
                wants_actual and bool(_PROSPECTIVE.search(s.text) or _TARGET_SHAPE.search(s.text))
            )
            lead = s.text[max(0, span[0] - 30) : span[0]].lower()
            f["now"] = float(
                wants_actual
                and bool(re.search(r"\b(?:now|currently|today|at present)\b[^,;]*$", lead))
            )
            f["before"] = float(
                wants_actual
                and not f["now"]
                and bool(re.search(r"\b(?:previously|formerly|former|then|once)\b[^,;]*$", lead))
            )
            # "youth unemployment above 50%" answers a narrower question
            f["narrowed"] = float(
                kind in ("percent", "number", "amount") and _narrowed(s.text, span, qterms)
            )
            f.update(
                sim=s.sim,
                overlap=s.overlap,
                rank=1.0 / s.hit.rank,
                unit_sim=unit_sim or 0.0,
                length=math.log1p(len(text.split())),
            )
            score = sum(w * f.get(k, 0.0) for k, w in SPAN_WEIGHTS.items())
            out.append(_Span(s, span, ctx, score, counts, actor_type, unit_sim, f))
    # Ties go to the longer span: the full name over a part of it.
    return sorted(out, key=lambda c: (-round(c.score, 3), -(c.span[1] - c.span[0])))


_TITLES = frozenset(
    [
        "Professor",
        "Prof",
        "Dr",
        "Mayor",
        "Councillor",
        "Minister",
        "President",
        "Sir",
        "Dame",
        "Mr",
        "Mrs",
        "Ms",
        "Director",
        "Chair",
    ]
)


def _known_in(text: str, known: dict[str, str]) -> str | None:
    """The actor type of ``text`` if the index knows it as a whole: a known name, or a list
    of known people ("Professors Ann Lee and Bo Ng", titles and affiliations dropped).
    A known name inside a longer one ("Leeds" in "Leeds City Council") is not it."""
    core = re.sub(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]", "", text).strip(" .,;:'’")
    core = re.sub(r"^the\s+", "", core, flags=re.I)
    if core in known:
        return known[core]
    kinds = []
    for part in re.split(r",\s*|\s+and\s+|\s*&\s*", core):
        words = part.split()
        while words and (words[0].isupper() or words[0].rstrip("s.") in _TITLES):
            words = words[1:]  # "ABC Professors Ann Lee" -> "Ann Lee"
        kinds.append(known.get(" ".join(words)))
    return "person" if kinds and all(k == "person" for k in kinds) else None


_ROLE_HOLDER = re.compile(
    r"(?:the\s+)?(?:(?:Prime|First|Deputy|Chief)\s+)?(?:Mayor|Minister|President|Premier|"
    r"Governor|Chancellor|Secretary|Chair|Director|Executive)\b(?:\s+of\b|$)"
)


def _person_like(text: str, actor_type: str | None) -> bool:
    """Whether a name may be a person's: typed so by the extractor, or untyped and shaped
    like one (two to four capitalised words, no "Council", no acronym)."""
    if _ROLE_HOLDER.match(text.strip()):
        return True  # "the Mayor of Leeds": a person, by office
    if actor_type is not None:
        return actor_type == "person"
    words = re.sub(r"^the ", "", text.strip(" .,;:")).split()
    return (
        2 <= len(words) <= 4
        and all(w[:1].isupper() and not w.isupper() for w in words)
        and not _ORG_HEAD.search(text)
        and not _ROLE_WORD.search(text)
    )


# Words of a job title, not of a name: "Research Fellow", "Programme Lead".
_ROLE_WORD = re.compile(
    r"\b(?:Fellow|Director|Co-director|Head|Officer|Manager|Lead|Chair|Adviser|Advisor|"
    r"Secretary|Minister|Professor|Researcher|Associate|Coordinator|Deputy|Chief|Assistant)\b"
)


def _noun_after(text: str, end: int) -> str:
    """The words naming what a figure counts: "25 members, elected…" -> "members"."""
    clause = re.split(r"[,.;:()–]", text[end : end + 40])[0]
    words: list[str] = []
    for w in re.findall(r"[A-Za-z][\w'-]*", clause)[:3]:
        if w.lower() in STOP or w.lower() in _AUX:
            break
        words.append(w)
    return " ".join(words)


def _same_kind(asked: str, embedder: Any) -> Callable[[str], float | None] | None:
    """A function giving the cosine between what the question counts and a noun phrase
    ("representatives" ~ "members" 0.62; "women" ~ "service centres" 0.2), memoised."""
    if not asked or embedder is None:
        return None
    memo: dict[str, float | None] = {}
    qv: list[np.ndarray] = []

    def sim(phrase: str) -> float | None:
        if not phrase:
            return None
        if phrase not in memo:
            if not qv:
                qv.append(embedder.embed([asked])[0])
            memo[phrase] = float(embedder.embed([phrase])[0] @ qv[0])
        return memo[phrase]

    return sim


def _narrowed(text: str, span: tuple[int, int], qterms: dict[str, float]) -> bool:
    """Whether the words just before a figure qualify a question word the question does not.

    "…35.3% in 2021, with youth unemployment above 50%": for "what was the unemployment
    rate", the 50% belongs to youth unemployment, a narrower measure than the one asked.
    """
    words = re.findall(r"[a-z][\w'-]*", text[max(0, span[0] - 60) : span[0]].lower())[-4:]
    for i in range(1, len(words)):
        # the measure ends right before the figure, or before a linking word ("above")
        linked = i == len(words) - 1 or (i == len(words) - 2 and words[-1] in _LINKING)
        if _stem(words[i]) in qterms and linked:
            prev = words[i - 1]
            return prev not in STOP and _stem(prev) not in qterms and len(prev) > 2
    return False


_LINKING = frozenset(
    ("above", "below", "over", "under", "of", "at", "is", "was", "reached", "hit", "to", "stood")
)


def _actor_spans(index: Any, sents: Sequence[_Sentence]) -> dict[int, dict[tuple[int, int], str]]:
    """Names found by the entity extractor at ingest (span -> actor type), per sentence."""
    if index is None or not hasattr(index, "entities"):
        return {}
    ids = list({s.hit.chunk.id for s in sents})
    by_chunk: dict[str, list[tuple[int, int, str]]] = {}
    for e in index.entities(types=["actor"], chunk_ids=ids):
        by_chunk.setdefault(e.chunk_id, []).append((*e.span, e.attrs.get("actor_type", "")))
    out: dict[int, dict[tuple[int, int], str]] = {}
    for s in sents:
        lo, hi = s.start, s.start + len(s.text)
        for a, b, kind in by_chunk.get(s.hit.chunk.id, []):
            if lo <= a and b <= hi:
                out.setdefault(id(s), {})[(a - lo, b - lo)] = kind
    return out


_TARGET_SHAPE = re.compile(
    rf"(?i)(?:\d|net[ -]zero|doubl|halv|tripl|all\b|every\b).*?\b(?:by|until|before|no later than)"
    rf" (?:the end of )?{YEAR}\b|\bby {YEAR}\b.*?\d"
)


def answer_question(
    question: str,
    hits: Sequence[Hit],
    *,
    embedder: Any,
    index: Any = None,
    threshold: float = ABSTAIN_THRESHOLD,
    min_grounding: float = GROUNDING_MIN,
    spans_out: list[_Span] | None = None,
) -> Answer:
    """The answer span, its citations, and whether to abstain; hits are returned as passages.

    ``spans_out``, if given, receives every candidate span with its features (for
    ``bench/train_spans.py``)."""
    kind = question_type(question)
    hits = list(hits)
    if not hits:
        return Answer(question, "", True, [], hits, answer_type=kind)
    sents = _candidates(hits)
    if not sents:
        return Answer(question, "", True, [], hits, answer_type=kind)
    qterms = _idf(index, question)
    sims = _similarities(question, [s.text for s in sents], embedder, index)
    total = sum(qterms.values()) or 1.0
    for s, sim in zip(sents, sims, strict=True):
        header = set(_terms(s.hit.chunk.part + " " + s.hit.chunk.section))
        words = set(_terms(s.text))
        s.sim = float(sim)
        s.overlap = sum(w for t, w in qterms.items() if t in words or t in header) / total
        s.score = 0.6 * s.sim + 0.4 * s.overlap - 0.02 * (s.hit.rank - 1)
    if kind == "target":
        counted = _head_noun(question)
        for s in sents:
            if _TARGET_SHAPE.search(s.text):
                s.score += 0.08  # a level and a deadline: the shape of a target
            if counted and _counts_of(s.text, counted):
                s.score += 0.08  # "how many people … by 2030": a figure of people
    for s in sents:
        # A sentence without the names and figures the question pins down is about
        # something else, however close its wording: rank it down, not just doubt it.
        s.score *= 1.0 - GROUNDING_RANK * (1.0 - _grounding(question, s, index, kind))
    ranked = sorted(sents, key=lambda s: -s.score)
    chosen = ranked[0]
    answer_text = chosen.text
    context = None
    byline = _authors_answer(question, ranked, index)
    if byline is not None:
        names, cite = byline
        return Answer(
            question, names, False, [cite], hits, answer_type="actor", confidence=1.0, support=1.0
        )
    computed = _arithmetic(question, kind, ranked[:8])
    unit_missing, not_person = 0.0, False
    if computed is not None:
        answer_text, chosen = computed
        context = 1.0
    elif kind in TYPED:
        spans = _typed_spans(kind, ranked[:8], qterms, question, index, embedder)
        if not spans and kind == "amount" and _CHANGE_BY.search(question):
            # "by how much did rent controls reduce rents": a share answers it too
            spans = _typed_spans("percent", ranked[:8], qterms, question, index, embedder)
            kind = "percent" if spans else kind
        if spans_out is not None:
            spans_out.extend(spans)
        if not spans and kind in ("amount", "percent", "date", "number"):
            answer_text = ""  # asked for a figure or a date, and the passages hold none
        if spans:
            top = spans[0]
            chosen, context = top.sentence, top.context
            if top.counts_asked is False:
                other = top.unit_sim is not None and top.unit_sim < OTHER_KIND
                unit_missing = 0.5 if other else 0.7
            not_person = kind == "actor" and bool(_ONLY_PERSON.search(question))
            a, b = top.span
            of = re.search(r"\s+of\s+", chosen.text[a:b]) if not_person else None
            if of and _person_like(chosen.text[a : a + of.start()], None):
                # "Councillor Ann Lee of Leeds City Council": the person, not the council
                b = a + of.start()
                top.actor_type = "person"
            not_person = not_person and not _person_like(chosen.text[a:b], top.actor_type)
            # "which country" answered with a person or an organisation
            not_person = not_person or (kind == "place" and top.actor_type not in (None, "place"))
            answer_text = span_text(kind, chosen.text, (a, b))
    elif kind == "target":
        answer_text = _target_clause(chosen.text)
    support = _confidence(chosen, kind, context)
    grounding = _grounding(question, chosen, index, kind)
    if unit_missing:
        grounding *= unit_missing  # "how many women" answered with a number of centres
    if not_person:
        grounding *= 0.5  # "who chaired it" answered with a board, a place or a programme
    confidence = support * grounding
    abstain = not answer_text or grounding < min_grounding or confidence < threshold
    cites = _citations([chosen] + [s for s in ranked[:3] if s is not chosen])
    return Answer(
        question=question,
        answer="" if abstain else answer_text,
        abstained=abstain,
        citations=[] if abstain else cites,
        hits=hits,
        answer_type=kind,
        confidence=confidence,
        support=support,
        grounding=grounding,
    )


_CHANGE_BY = re.compile(
    r"\bhow much\b.*\b(?:reduc|increas|cut|rais|lower|grow|grew|rose|rise|fell|fall|drop)", re.I
)
_CHANGE_Q = re.compile(
    r"\bby how (?:much|many)\b.*\b(?:grow|grew|increase|rise|rose|fall|fell|drop|decline|"
    r"decrease|change|expand|shrink)",
    re.I,
)
_SUM_Q = re.compile(
    r"\b(?:adding up|add(?:ed)? up|added together|combined|altogether|sum of)\b", re.I
)
_FROM_TO = re.compile(
    rf"\bfrom\s+(?P<a>{NUM})(?P<ua>\s+[a-z][\w-]*)?[^.;]{{0,80}}?\bto\s+(?P<b>{NUM})"
    rf"(?P<ub>\s+[a-z][\w-]*)?",
    re.I,
)


def _arithmetic(
    question: str, kind: str, sents: Sequence[_Sentence]
) -> tuple[str, _Sentence] | None:
    """Answers the text states only in parts: a change ("from 7,642 units to 11,737 units")
    or a total ("adding up" several stated amounts). Triggered only by the question's wording."""
    from pipeline.quantities import find_money, parse_number

    if _CHANGE_Q.search(question):
        for s in sents:
            m = _FROM_TO.search(s.text)
            if not m:
                continue
            try:
                a, b = parse_number(m.group("a")), parse_number(m.group("b"))
            except ValueError:
                continue
            unit = (m.group("ub") or m.group("ua") or "").strip()
            diff = abs(b - a)
            shown = f"{diff:,.0f}" if diff == int(diff) else f"{diff:,.2f}".rstrip("0")
            return f"{shown} {unit}".strip(), s
    if _SUM_Q.search(question) and kind in ("amount", "number", "target"):
        years = set(_NUMBER_IN_Q.findall(question))
        seen: set[str] = set()
        found: list[tuple[Any, _Sentence]] = []
        for s in sents:
            if s.text in seen or not all(y in s.text for y in years):
                continue
            seen.add(s.text)
            found += [(m, s) for m in find_money(s.text)]
        currencies = {m.attrs.get("currency") for m, _ in found}
        if len(found) >= 2 and len(currencies) == 1:
            low = sum(m.attrs["low"] for m, _ in found)
            high = sum(m.attrs.get("high") or m.attrs["low"] for m, _ in found)
            cur = currencies.pop()
            text = _money_text(low, cur)
            if high != low:
                text += f" - {_money_text(high, cur)}"
            return text, found[0][1]
    return None


def _money_text(value: float, currency: str | None) -> str:
    symbol = {"GBP": "£", "EUR": "€", "USD": "$", "ZAR": "R"}.get(currency or "", "")
    for scale, word in ((1e9, "billion"), (1e6, "million"), (1e3, "thousand")):
        if value >= scale:
            return f"{symbol}{value / scale:g} {word}" + ("" if symbol else f" {currency or ''}")
    return f"{symbol}{value:,.0f}"


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


def _target_clause(sentence: str) -> str:
    """The clause of a sentence that states a level and a deadline, else the sentence."""
    clauses = re.split(r"(?<=[;:])\s+|,\s+(?=(?:and|while|which|but)\b)", sentence)
    for c in clauses:
        if re.search(
            rf"\bby (?:the end of )?{YEAR}\b|\bin \d+ years\b|\bwithin\b", c
        ) and re.search(r"\d|net.zero|doubl", c):
            return c.strip(" ;:,.")
    return sentence


_LEADER = frozenset(
    _stem(w) for w in ("head", "leader", "lead", "led", "chair", "director", "president", "charge")
)
# A time unit and the words that state a rate in it: one table for questions and evidence.
_RATES = {
    "hour": r"\b(?:per|an?|each) hour\b|\bhourly\b",
    "day": r"\b(?:per|a|each) day\b|\bdaily\b",
    "week": r"\b(?:per|a|each) week\b|\bweekly\b",
    "month": r"\b(?:per|a|each) month\b|\bmonthly\b",
    "year": r"\b(?:per|a|each) (?:year|annum)\b|\b(?:yearly|annual|annually)\b",
}


@lru_cache(maxsize=256)
def _rate_unit(text: str) -> str | None:
    """The time unit a rate in ``text`` is stated in ("wage per hour" -> "hour"), if any."""
    return next((u for u, pattern in _RATES.items() if re.search(pattern, text, re.I)), None)


_TIME_WORDS = ("current", "currently", "now", "today", "present")
_ROLE_Q = re.compile(
    r"^(?:who|which person) (?:is|was|are|were|has been|served as) (?:the |a |an )?"
    r"(?P<role>(?:[\w-]+ ){0,2}[\w-]+) (?:of|at|for|in)\b",
    re.I,
)
_ASKS_ACHIEVED = re.compile(
    r"\b(?:had|has|have)\b(?:\s+\w+){0,4}\s+(?:achieved|reached|recruited|delivered|created|"
    r"spent|built|issued|hired|trained|raised|secured|received|completed)\b|\bactually\b",
    re.I,
)
_ASKS_NOW = re.compile(r"\b(?:today|current|currently|now|at present|so far|to date)\b", re.I)
_PROSPECTIVE = re.compile(
    r"\b(?:will|shall|aims? to|aiming to|(?:is|are) expected to|plans? to|intends? to|"
    r"seeks? to|target(?:s|ed)? (?:of|to)|goal (?:of|to|is)|"
    r"(?:challenge|aim|ambition|objective|mission|plan) is to)\b",
    re.I,
)
_NAME_WORD = re.compile(r"\b(?:[A-Z][\w'’-]*[a-zà-ÿ][\w'’-]*|[A-Z]{2,}s?)\b")
_NUMBER_IN_Q = re.compile(r"(?<![\w-])\d[\d,.]*\d(?![\w-])|(?<![\w-])\d(?![\w-])")


def _grounding(question: str, s: _Sentence, index: Any = None, kind: str | None = None) -> float:
    """Discount an answer whose evidence lacks what the question pins down.

    A figure or year the question states ("recruited by 2023") must be in the chosen
    sentence, and every capitalised name word of the question (not its first word)
    somewhere in the passage or its headings: a question about "UN funding" is not
    answered by a sentence about city funding. A name word found nowhere in the index
    costs less: it may be the asker's own wording ("the Colombian capital").
    """
    factor, unknown = 1.0, 1.0
    kind = kind or question_type(question)
    chunk = s.hit.chunk
    titles = f"{chunk.document} {chunk.part} {chunk.section}".lower()
    for m in _NUMBER_IN_Q.finditer(question):
        n = m.group()
        if re.search(rf"(?<![\d.,]){re.escape(n.rstrip('.,'))}(?![\d])", s.text):
            continue
        # "the 2030 Policy Casebook": a number that is part of the title the passage is under.
        prev = re.findall(r"[\w-]+", question[: m.start()].lower())[-1:]
        after = re.findall(r"[\w-]+", question[m.end() :].lower())[:1]
        if n in titles and any(w in titles.split() for w in prev + after if w not in STOP):
            continue
        # Stating another year ("in 2023 alone" for "in 2022") is a surer miss.
        other_year = re.fullmatch(YEAR, n) and re.search(rf"\b{YEAR}\b", s.text)
        factor *= 0.35 if other_year else 0.5
        break
    unit = _rate_unit(question)
    if unit and not re.search(_RATES[unit], s.text, re.I):
        factor *= 0.5  # "wage per hour" is not answered by a sum per month
    role = _ROLE_Q.search(question)
    if role:
        words = {_stem(w) for w in role.group("role").lower().split() if w not in STOP}
        if words & _LEADER:  # "the head of", "in charge of" are said as chair, led by, …
            words |= _LEADER
        said = set(_terms(s.text))
        if words and not words & said:
            factor *= 0.5  # "who is the chief executive": the evidence must name that role
        # … and whose: "the head of a2i" is not the head of another body named beside it
        of = {_stem(w) for w in re.findall(r"[\w'-]+", question[role.end() :].lower())}
        of -= STOP | {_stem(w) for w in _TIME_WORDS}
        if of and not of & (said | set(_terms(f"{chunk.part} {chunk.section}"))):
            factor *= 0.5
    asks_actual = _ASKS_ACHIEVED.search(question) or _ASKS_NOW.search(question)
    asks_actual = asks_actual and kind != "target"  # "what target is it now for": a plan
    if asks_actual and (_PROSPECTIVE.search(s.text) or _TARGET_SHAPE.search(s.text)):
        factor *= 0.6  # asked what was achieved; the evidence states what is planned
    tag = _part_tags(index).get((chunk.doc_sha256, chunk.part), "")
    if kind == "actor" and _category_missing(question, s.text):
        factor *= 0.5  # "which NGOs": the evidence must speak of NGOs
    heading = f"{tag} {chunk.part} {chunk.section}"
    if _name_missing(question, s, heading):
        factor *= 0.5  # the Fund's participants are not the programme's
    if _leader_of_other(question, s.text):
        factor *= 0.5  # "who led the taskforce" is not answered by the board's chair
    raw = f"{heading} {chunk.text}"
    hay = raw.lower()
    first = question.split()[0] if question.split() else ""
    for m in _NAME_WORD.finditer(question):
        word = re.sub(r"['’]s$", "", m.group())
        if m.start() == 0 or word == first or word.lower() in STOP:
            continue
        low = word.lower()
        if word.isupper():
            if _acronym_in(word, raw):
                continue
        elif any(
            re.search(rf"\b{re.escape(form)}", hay) for form in (low, _place_of(low))
        ) or _misspelt_in(low, hay):
            continue  # at a word's start: "Fund" ~ "funding", not "UN" ~ "fund"
        if index is not None and _word_df(index, word.lower())[0] == 0:
            unknown = 0.8  # never in the casebooks: a paraphrase, or a subject they lack
        else:
            factor *= 0.45  # the casebooks know it, but not here: evidence about something else
            break
    return factor * unknown


_WHICH = re.compile(
    rf"\b(?P<wh>which|what) (?:{_NOT_MODIFIER}[\w-]+ ){{0,2}}?(?P<noun>{_ACTOR_NOUNS})\b", re.I
)
# Kinds of actor a question may name loosely: any office or body can answer them.
_GENERIC_ACTOR = re.compile(
    r"organi[sz]ations?|bod(?:y|ies)|agenc(?:y|ies)|ministr(?:y|ies)|departments?|groups?|"
    r"institutions?|entit(?:y|ies)|offices?|units?|part|authorit(?:y|ies)|councils?|teams?|"
    r"persons?|people|actors?"
)


def _category_missing(question: str, sentence: str) -> bool:
    """Whether "which X" names a specific kind of actor (NGOs, donors, universities), or an
    acronym of whose it is ("which UN body"), that the sentence never mentions: then its
    names are actors of some other kind."""
    m = _WHICH.search(question)
    if not m:
        return False
    # "which UN body": a name before the noun says whose body it is
    for word in re.findall(r"\b[A-Z][\w'’-]*", question[m.end("wh") : m.start("noun")]):
        if word.isupper() and not _acronym_in(word, sentence):
            return True
    noun = m.group("noun").lower().split()[0]
    if _GENERIC_ACTOR.fullmatch(noun):
        return False
    return _stem(noun) not in set(_terms(sentence))


_MULTI_NAME = re.compile(r"\b[A-Z][\w'’-]*(?:\s+(?:of|for|and|the)?\s*[A-Z][\w'’-]*)+\b")


def _name_missing(question: str, s: _Sentence, heading: str) -> bool:
    """Whether a multi-word name of the question ("the Green Jobs Fund") is absent
    from the passage and its headings, in full, by its initials and by its head noun
    ("the Fund"): then the passage is about something else, though it shares its words."""
    near = f"{heading} {s.hit.chunk.text}"
    return any(_name_absent(name, near) for name in _question_names(question))


@lru_cache(maxsize=256)
def _question_names(question: str, start: int = 1) -> tuple[str, ...]:
    """The multi-word names of a question from offset ``start`` (not its first word);
    cached, since every candidate sentence is checked against them."""
    names = []
    for m in _MULTI_NAME.finditer(question, start):
        name = re.sub(r"['’]s$", "", m.group())
        if len([w for w in name.split() if w[:1].isupper()]) >= 2:
            names.append(name)
    return tuple(names)


def _name_absent(name: str, text: str) -> bool:
    """Whether ``text`` lacks ``name`` in full, by its initials and by its head noun."""
    words = [w for w in name.split() if w[:1].isupper()]
    initials = "".join(w[0] for w in words)
    head = words[-1]
    return not (
        name.lower() in text.lower()
        or re.search(rf"\b{initials}s?\b", text)
        or re.search(rf"(?i)\b{re.escape(head)}\b", text)
        or _misspelt_in(head.lower(), text.lower())
    )


_LED = re.compile(
    r"^who (?:led|leads|heads|headed|chaired|chairs|co-chairs|founded|directed|directs|runs|ran)\b",
    re.I,
)


def _leader_of_other(question: str, sentence: str) -> bool:
    """ "Who led the Green Taskforce": the sentence naming a leader must name what was
    led, or the person is some other body's chair."""
    m = _LED.match(question)
    names = _question_names(question, m.end()) if m else []
    return bool(names) and _name_absent(names[0], sentence)


def _acronym_in(acronym: str, text: str) -> bool:
    """Whether ``text`` has the acronym as a word, or a name it abbreviates ("UN" for
    "United Nations Development Programme"; "of", "for", "and" are skipped)."""
    if re.search(rf"\b{re.escape(acronym)}s?\b", text):
        return True
    if len(acronym) < 2:
        return False
    for run in _MULTI_NAME.finditer(text):
        initials = "".join(w[0] for w in run.group().split() if w[:1].isupper())
        if initials.upper().startswith(acronym.upper()):
            return True
    return False


def _misspelt_in(word: str, text: str) -> bool:
    """Whether ``text`` has ``word`` with two neighbouring letters swapped ("Kahn" for
    "Khan"): typeset text has such slips, and a name is still the same name."""
    if len(word) < 4:
        return False
    for token in set(re.findall(rf"\b{re.escape(word[0])}\w{{{len(word) - 1}}}\b", text)):
        diff = [i for i, (a, b) in enumerate(zip(word, token, strict=True)) if a != b]
        if len(diff) == 2 and diff[1] == diff[0] + 1 and sorted(word) == sorted(token):
            return True
    return False


def _place_of(word: str) -> str:
    """The place a demonym is formed from, as a prefix: "pakistani" -> "pakistan",
    "kenyan" -> "keny(a)", "scottish" -> "scot". A guess by suffix: other words ending
    so are shortened too ("morgan" -> "morg"), which only makes a name easier to find."""
    for suffix in ("ian", "ish", "ese", "an", "i"):
        stem = word[: -len(suffix)]
        if word.endswith(suffix) and len(stem) >= 4:
            return stem[:-1] if stem[-1] == stem[-2] else stem  # "scott-ish" -> "scot"
    return word


def _part_info(index: Any) -> dict[tuple[str, str], dict[str, Any]]:
    """Each part's outline entry (tag, authors, …), by (document sha256, part title)."""

    def build() -> dict[tuple[str, str], dict[str, Any]]:
        parts = {}
        documents = getattr(index, "documents", None)
        for doc in documents() if documents is not None else []:
            for part in (doc.get("outline") or {}).get("parts", []):
                parts[(doc["sha256"], part["title"])] = part
        return parts

    return _memo(index, "parts", build)


def _known_actors(index: Any) -> dict[str, str]:
    """Every name and mention the extractor typed anywhere in the index -> its actor type.

    The NER model misses a name in one sentence ("ABC Professors Ann Lee⁴") that it
    found in others; answers may still know it for a person.
    """

    def build() -> dict[str, str]:
        known: dict[str, str] = {}
        for e in index.entities(types=["actor"]) if hasattr(index, "entities") else []:
            kind = e.attrs.get("actor_type", "")
            for name in (e.attrs.get("name", e.text), *e.attrs.get("mentions", [])):
                if kind and len(name) >= 4:
                    known.setdefault(name, kind)
        return known

    return _memo(index, "actors", build)


def _part_tags(index: Any) -> dict[tuple[str, str], str]:
    """The tag printed with each part (e.g. "HOUSING | CITY"), by (document, part title).

    A case's place or sector is often only in its tag: a question naming the country
    should not count as unmatched by a passage of that country's case.
    """
    return {k: p["tag"] for k, p in _part_info(index).items() if p.get("tag")}


_ASKS_AUTHOR = re.compile(
    r"\bwho (?:wrote|authored|is the author of|are the authors of)\b|\bauthors? of\b", re.I
)


def _authors_answer(
    question: str, sents: Sequence[_Sentence], index: Any
) -> tuple[str, Citation] | None:
    """ "Who wrote the case on X": the bylines structure detection found on its title page."""
    if not _ASKS_AUTHOR.search(question):
        return None
    for s in sents:
        chunk = s.hit.chunk
        part = _part_info(index).get((chunk.doc_sha256, chunk.part), {})
        authors = part.get("authors") or []
        if not authors:
            continue
        names = authors[0] if len(authors) == 1 else f"{', '.join(authors[:-1])} and {authors[-1]}"
        byline = Citation(
            document=chunk.document,
            sha256=chunk.doc_sha256,
            case=chunk.case,
            section="title page",
            page_label=part["page_labels"][0],
            pdf_page=part["pdf_pages"][0],
            quote="; ".join(authors),
        )
        return names, byline
    return None


def _confidence(s: _Sentence, kind: str, context: float | None) -> float:
    """A 0..1 belief that the chosen sentence (and span) answers the question."""
    conf = 0.55 * max(0.0, s.sim) + 0.45 * s.overlap
    if kind in TYPED:
        # No span of the wanted type, or one far from the question's words: doubt.
        conf = 0.5 * conf if context is None else conf + 0.3 * min(0.0, context - 0.1)
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
        page, label = c.page_at(s.start)
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
