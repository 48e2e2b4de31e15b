"""A few general features of each candidate answer; ``qa.scorer`` weighs them with
weights learned on a generated pool (``bench/train_answers.py``), none set by hand.

Sentence features: cosine to the question, rarity-weighted word overlap, passage rank,
whether the figures, years and names the question states are in the evidence, a plan
offered for what was achieved. Span features: how close the question's rarer words
stand to the span, whether the extractor typed it as the kind of name asked for, what a
figure counts against what is asked, length.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from qa.candidates import Candidate, Sentence
from qa.corpus import aliases, part_tag, part_text, section_before, word_df
from qa.question import (
    FRAME,
    asked_name_kind,
    asks_actual,
    counted,
    head_noun,
    is_year,
    multi_names,
    name_words,
    stated_figures,
)
from qa.text import MONTHS, MULTI_NAME, PROSPECTIVE, STOP, TARGET_SHAPE, YEAR, stem, terms

SENTENCE_FEATURES = (
    "sim",  # cosine of the sentence to the question
    "sim_gap",  # that cosine minus the best sentence's (0 for the closest sentence)
    "overlap",  # share of the question's words (by rarity) in the sentence and its headings
    "sent_overlap",  # the same, in the sentence alone
    "rank",  # 1 / the passage's rank
    "figures_missing",  # share of the figures and years the question states not in the sentence
    "other_year",  # a year is asked, the sentence states another one
    "names_missing",  # share of the question's names (known to the index) not in the passage
    "names_unknown",  # share of the question's names found nowhere in the index
    "full_name_missing",  # a multi-word name of the question absent in full, initials, head noun
    "plan",  # asked what was achieved; the sentence states a plan
    "target_shape",  # asked for a target; the sentence has a level and a deadline
)
SPAN_FEATURES = (
    "typed",  # a span of the asked type (0: the whole sentence is the candidate)
    "ctx",  # how close the question's rarer words stand to the span
    "echo",  # the span only repeats the question's words
    "ner",  # the entity extractor typed it as a name
    "type_match",  # the extractor's type is the one asked (person, organisation, place)
    "counts",  # "how many X": a figure followed by X (1 when the question names no X)
    "unit_sim",  # cosine of what the figure counts to what is asked
    "month",  # a month is asked, the span has one
    "length",  # log(1 + words in the span)
)
FEATURES = SENTENCE_FEATURES + SPAN_FEATURES


def _proximity(text: str, span: tuple[int, int], qterms: dict[str, float]) -> dict[str, float]:
    """Each question term's closeness to a span (1 = adjacent, decaying with distance);
    what follows a figure ("540 jobs indirectly") counts more: it says what it is."""
    before = re.findall(r"[\w£€$%]+", text[: span[0]].lower())[::-1]
    after = re.findall(r"[\w£€$%]+", text[span[1] :].lower())
    best: dict[str, float] = {}
    for words, side in ((before, "left"), (after, "right")):
        for dist, w in enumerate(words[:25]):
            t = stem(w)
            if t in qterms:
                weight = 1.0 / (1.0 + 0.25 * dist)
                if side == "right" and dist <= 2:
                    weight *= 1.5
                best[t] = max(best.get(t, 0.0), weight)
    return best


_PRONOUN_START = re.compile(r"(?:It|Its|They|Their|This|These|He|She|His|Her)\b")
_PERSONAL_START = re.compile(r"(?:It|Its|They|Their|He|She|His|Her)\b")


def _subject_terms(s: Sentence, qterms: dict[str, float]) -> set[str]:
    """For a sentence that names its subject by a pronoun ("It opened in 2000"), the
    question's words in the sentences before it, back to the one that names "It"."""
    if not _PRONOUN_START.match(s.text):
        return set()
    before = re.split(r"(?<=[.!?])\s+", s.hit.chunk.text[: s.start].strip())
    subject: set[str] = set()
    for prev in reversed(before[-3:]):
        subject |= {t for t in terms(prev) if t in qterms}
        if not _PRONOUN_START.match(prev):
            break
    return subject


def _context(
    text: str,
    span: tuple[int, int],
    qterms: dict[str, float],
    near: dict[str, float],
    rivals: Sequence[dict[str, float]],
    forms: Sequence[str] = (),
) -> tuple[float, float]:
    """(context, echo): how much of the question the words near a span repeat, rarer and
    closer counting more, and less when a rival span stands as close; and how much of the
    question the span itself repeats."""
    total = sum(qterms.values()) or 1.0
    score = 0.0
    for t, f in near.items():
        rival = max((r.get(t, 0.0) for r in rivals), default=0.0)
        score += qterms[t] * (f - 0.5 * min(f, rival))
    inside = set(terms(text[span[0] : span[1]]))
    for form in forms:  # a short form repeats the question's full name as much
        inside |= set(terms(form))
    echo = sum(w for t, w in qterms.items() if t in inside) / total
    return score / total, echo


def _acronym_in(acronym: str, text: str) -> bool:
    """Whether ``text`` has the acronym as a word, or a name it abbreviates."""
    if re.search(rf"\b{re.escape(acronym)}s?\b", text):
        return True
    if len(acronym) < 2:
        return False
    for run in MULTI_NAME.finditer(text):
        initials = "".join(w[0] for w in run.group().split() if w[:1].isupper())
        if initials.upper().startswith(acronym.upper()):
            return True
    return False


def _misspelt_in(word: str, text: str) -> bool:
    """Whether ``text`` has ``word`` with two neighbouring letters swapped: typeset text has
    such slips, and a name is still the same name."""
    if len(word) < 4:
        return False
    for token in set(re.findall(rf"\b{re.escape(word[0])}\w{{{len(word) - 1}}}\b", text)):
        diff = [i for i, (a, b) in enumerate(zip(word, token, strict=True)) if a != b]
        if len(diff) == 2 and diff[1] == diff[0] + 1 and sorted(word) == sorted(token):
            return True
    return False


def _place_of(word: str) -> str:
    """The place a demonym is formed from, as a prefix ("kenyan" -> "keny"). A guess by
    suffix: other words ending so are shortened too, which only makes a name easier to find."""
    for suffix in ("ian", "ish", "ese", "an", "i"):
        root = word[: -len(suffix)]
        if word.endswith(suffix) and len(root) >= 4:
            return root[:-1] if root[-1] == root[-2] else root
    return word


def _name_present(word: str, raw: str, hay: str) -> bool:
    """Whether the passage has the question's name word; compatibility forms are one
    form ("CO₂" is "CO2", "ﬁ" is "fi")."""
    if not raw.isascii():
        raw = unicodedata.normalize("NFKC", raw)
        hay = raw.lower()
    word = unicodedata.normalize("NFKC", word)
    if word.isupper():
        return _acronym_in(word, raw)
    low = word.lower()
    forms = (low, _place_of(low))
    if any(re.search(rf"\b{re.escape(form)}", hay) for form in forms):
        return True
    # "the two P's" is the question's "two Ps": an apostrophe before a plural s is no letter
    if "s" in low and re.search(r"\w['’]s\b", hay):
        bare = re.sub(r"(?<=\w)['’](?=s\b)", "", hay)
        if any(re.search(rf"\b{re.escape(form)}", bare) for form in forms):
            return True
    return _misspelt_in(low, hay)


def _described_in_case(word: str, index: Any, chunk: Any) -> bool:
    """Whether ``word`` is a demonym ("Kenyan", "Flemish") whose place the passage's case
    names somewhere: such a word describes the subject ("the Kenyan port") rather than
    pinning a fact to this passage, so the case naming the place is enough. The place is a
    capitalised word of the case that starts with the demonym's root and is not the word
    itself ("Kenya" for "Kenyan"; "Nairobi" names a place, it is no demonym)."""
    if index is None or not hasattr(index, "chunks"):
        return False
    low = unicodedata.normalize("NFKC", word).lower()
    one = low[:-1] if low.endswith("s") and _place_of(low[:-1]) != low[:-1] else low
    root = _place_of(one)
    if root == one or len(root) < 4:
        return False
    text = part_text(index, chunk.doc_sha256, chunk.part)
    pattern = rf"\b{re.escape(root[0].upper() + root[1:])}\w{{0,4}}\b"
    return any(m.group().lower() not in (low, one) for m in re.finditer(pattern, text))


def _name_described(name: str, raw: str, index: Any, chunk: Any) -> bool:
    """A multi-word name whose last word is a demonym found in the case and whose other
    words the passage holds ("North Ruritanians" beside "North Ruritania")."""
    words = [w for w in name.split() if w[:1].isupper()]
    return _described_in_case(words[-1], index, chunk) and all(
        _name_present(w, raw, raw.lower()) for w in words[:-1]
    )


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


def _passage_names_text(chunk: Any, index: Any) -> str:
    """Where a passage's names are read: its case's label, part and section titles, its
    text, and its section's text before it (where "the mill" or "it" was first named)."""
    if index is None:
        return f"{chunk.part} {chunk.section} {chunk.text}"
    tag = part_tag(index, chunk.doc_sha256, chunk.part)
    return f"{tag} {chunk.part} {chunk.section} {chunk.text} {section_before(index, chunk)}"


def _figures_missing(question: str, s: Sentence) -> tuple[float, float]:
    """(share of the question's figures absent from the sentence, another year stated)."""
    figures = stated_figures(question)
    if not figures:
        return 0.0, 0.0
    chunk = s.hit.chunk
    titles = f"{chunk.document} {chunk.part} {chunk.section}"
    missing, other_year = 0, 0.0
    for n in figures:
        if re.search(rf"(?<![\d.,]){re.escape(n)}(?![\d])", s.text) or n in titles:
            continue
        missing += 1
        if is_year(n) and re.search(rf"\b{YEAR}\b", s.text):
            other_year = 1.0
    return missing / len(figures), other_year


def unknown_words(question: str, index: Any) -> list[str]:
    """The question's content words (figures and the answer type's frame words left out)
    that no indexed chunk holds, when they are at least three and two thirds of its words
    (a paraphrase may meet one or two words the text never uses: "spend" for "spent").

    Why: a question in another vocabulary than every indexed document's ("descale an
    espresso machine") is off their subject; no feature of one passage says so when the
    question names nothing, and the nearest sentence is then given as an answer."""
    if index is None:
        return []
    words = [
        w
        for w in dict.fromkeys(re.findall(r"[a-z][a-z0-9]+", FRAME.sub(" ", question.lower())))
        if w not in STOP
    ]
    unknown = [w for w in words if word_df(index, w)[0] == 0]
    return unknown if len(unknown) >= 3 and 3 * len(unknown) >= 2 * len(words) else []


def lacking(question: str, kind: str, c: Candidate, index: Any) -> list[dict[str, str]]:
    """What the chosen candidate's evidence lacks of what the question pins down, as
    ``{"what", "text"}`` records (the same tests as the sentence features), so that an
    abstention can say it in words (``casebook.wording``)."""
    s = c.sentence
    chunk = s.hit.chunk
    out: list[dict[str, str]] = []
    titles = f"{chunk.document} {chunk.part} {chunk.section}"
    for n in stated_figures(question):
        if re.search(rf"(?<![\d.,]){re.escape(n)}(?![\d])", s.text) or n in titles:
            continue
        other = is_year(n) and re.search(rf"\b{YEAR}\b", s.text)
        out.append({"what": "year" if other else "figure", "text": n})
    raw = _passage_names_text(chunk, index)
    for w in name_words(question):
        if not _name_present(w, raw, raw.lower()) and not _described_in_case(w, index, chunk):
            known = index is None or word_df(index, w.lower())[0] > 0
            out.append({"what": "name" if known else "unknown_name", "text": w})
    out += [
        {"what": "name", "text": n}
        for n in multi_names(question)
        if _name_absent(n, raw) and not _name_described(n, raw, index, chunk)
    ]
    if c.features.get("plan"):
        out.append({"what": "achieved", "text": ""})
    return out


def sentence_features(
    question: str,
    kind: str,
    sents: Sequence[Sentence],
    sims: np.ndarray,
    qterms: dict[str, float],
    index: Any,
) -> None:
    """Fill ``s.features`` for each sentence (see SENTENCE_FEATURES)."""
    total = sum(qterms.values()) or 1.0
    best = float(np.max(sims)) if len(sims) else 0.0
    names = name_words(question)
    known = {w: index is None or word_df(index, w.lower())[0] > 0 for w in names}
    full_names = multi_names(question)
    actual = asks_actual(question, kind)
    per_chunk: dict[str, tuple[float, float, float]] = {}
    for s, sim in zip(sents, sims, strict=True):
        chunk = s.hit.chunk
        header = set(terms(chunk.part + " " + chunk.section))
        # a sentence that names its subject by a personal pronoun has that subject's words
        words = set(terms(s.text))
        if _PERSONAL_START.match(s.text):
            words |= _subject_terms(s, qterms)
        s.sim = float(sim)
        if chunk.id not in per_chunk:
            raw = _passage_names_text(chunk, index)
            hay = raw.lower()
            absent = [
                w
                for w in names
                if not _name_present(w, raw, hay) and not _described_in_case(w, index, chunk)
            ]
            n_known = sum(known[w] for w in absent)
            per_chunk[chunk.id] = (
                n_known / len(names) if names else 0.0,
                (len(absent) - n_known) / len(names) if names else 0.0,
                float(
                    any(
                        _name_absent(n, raw) and not _name_described(n, raw, index, chunk)
                        for n in full_names
                    )
                ),
            )
        names_missing, names_unknown, full_missing = per_chunk[chunk.id]
        figures_missing, other_year = _figures_missing(question, s)
        prospective = bool(PROSPECTIVE.search(s.text) or TARGET_SHAPE.search(s.text))
        s.features = {
            "sim": s.sim,
            "sim_gap": s.sim - best,
            "overlap": sum(w for t, w in qterms.items() if t in words or t in header) / total,
            "sent_overlap": sum(w for t, w in qterms.items() if t in words) / total,
            "rank": 1.0 / max(1, s.hit.rank),
            "figures_missing": figures_missing,
            "other_year": other_year,
            "names_missing": names_missing,
            "names_unknown": names_unknown,
            "full_name_missing": full_missing,
            "plan": float(actual and prospective),
            "target_shape": float(kind == "target" and bool(TARGET_SHAPE.search(s.text))),
        }


def _noun_after(text: str, end: int) -> str:
    """The words naming what a figure counts: "25 members, elected…" -> "members"."""
    clause = re.split(r"[,.;:()–]", text[end : end + 40])[0]
    words: list[str] = []
    for w in re.findall(r"[A-Za-z][\w'-]*", clause)[:3]:
        if w.lower() in STOP:
            break
        words.append(w)
    return " ".join(words)


def _similarity_to(asked: str, embedder: Any) -> Callable[[str], float]:
    """Cosine between what the question counts and a noun phrase, memoised per question."""
    memo: dict[str, float] = {}
    qv: list[np.ndarray] = []

    def sim(phrase: str) -> float:
        if not phrase or not asked or embedder is None:
            return 0.0
        if phrase not in memo:
            if not qv:
                qv.append(embedder.embed([asked])[0])
            memo[phrase] = float(embedder.embed([phrase])[0] @ qv[0])
        return memo[phrase]

    return sim


_TYPE_OF_ASKED = {"person": ("person",), "org": ("organisation", "programme"), "place": ("place",)}


def span_features(
    question: str,
    kind: str,
    cands: Sequence[Candidate],
    qterms: dict[str, float],
    embedder: Any = None,
    index: Any = None,
) -> None:
    """Fill ``c.features`` for each candidate: its sentence's features and its own."""
    forms = aliases(index) if index is not None else {}
    head = head_noun(question) if kind == "number" else set()
    unit_sim = _similarity_to(" ".join(counted(question).split()[-1:]), embedder)
    asked = asked_name_kind(question, kind)
    wants_month = kind == "date" and bool(re.search(r"\bmonth\b", question, re.I))
    by_sentence: dict[int, list[Candidate]] = {}
    for c in cands:
        by_sentence.setdefault(id(c.sentence), []).append(c)
    for group in by_sentence.values():
        s = group[0].sentence
        typed = kind in ("amount", "percent", "date", "number", "actor", "place")
        near = {c.span: _proximity(s.text, c.span, qterms) for c in group} if typed else {}
        if typed and (subject := _subject_terms(s, qterms)):
            for sp, prox in near.items():
                dist = len(re.findall(r"[\w£€$%]+", s.text[: sp[0]]))
                for t in subject:
                    prox[t] = max(prox.get(t, 0.0), 1.0 / (1.0 + 0.25 * dist))
        for c in group:
            f = dict(s.features)
            text = c.text
            if typed:
                rivals = [
                    p for sp, p in near.items() if not (sp[0] < c.span[1] and c.span[0] < sp[1])
                ]
                ctx, echo = _context(
                    s.text,
                    c.span,
                    qterms,
                    near[c.span],
                    rivals,
                    forms.get(re.sub(r"(?i)^the\s+", "", text.strip(" .,;:")), ()),
                )
            else:
                ctx, echo = 0.0, 0.0
            # a count whose question does not say what it counts ("how long") has nothing
            # to contradict: it counts as asked
            counts, usim = (1.0, 1.0) if kind == "number" and not head else (0.0, 0.0)
            if head and typed:
                after = re.findall(r"[a-z]+", s.text[c.span[1] : c.span[1] + 40].lower())[:4]
                unit = {stem(w) for w in after} | {
                    stem(w) for w in re.findall(r"[a-z]+", text.lower())
                }
                if not head & unit and (not after or after[0] in STOP):
                    clause = re.split(r"[,;:()]", s.text[: c.span[0]])[-1]
                    unit |= {stem(w) for w in re.findall(r"[a-z]+", clause.lower())[-6:]}
                counts = float(bool(head & unit))
                usim = 1.0 if counts else unit_sim(_noun_after(s.text, c.span[1]))
            f.update(
                typed=float(typed),
                ctx=ctx,
                echo=echo,
                ner=float(c.actor_type is not None),
                type_match=float(asked is not None and c.actor_type in _TYPE_OF_ASKED[asked]),
                counts=counts,
                unit_sim=usim,
                month=float(wants_month and bool(re.search(rf"(?i)\b(?:{MONTHS})\b", text))),
                length=math.log1p(len(text.split())),
            )
            c.features = f
