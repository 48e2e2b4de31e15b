"""Targets: goal statements with a level and/or a deadline, not past achievements."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pipeline.quantities import _QUALIFIER_BEFORE_RE, _Found, _tokens_in

_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December|"
    "Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
_DEADLINE_RE = re.compile(
    r"\b(?:by|before|no later than|until the end of)\s+"
    r"(?:the\s+(?:end|middle|start|beginning)\s+of\s+|(?:end|mid|early|late)[\s-]+|the\s+year\s+)?"
    rf"(?:(?:{_MONTHS})\s+|Q[1-4]\s+)?(?P<year>(?:19|20)\d\d)\b"
    r"|\bby\s+(?:its|their|the)\s+[\w\s-]{1,30}?\bin\s+(?P<year2>(?:19|20)\d\d)\b",
    re.I,
)
_NUMWORDS = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|a"
_HORIZON_RE = re.compile(
    r"\b(?:in|within|over)\s+(?:the\s+next\s+|the\s+coming\s+|less\s+than\s+|under\s+)?"
    rf"(?:\d+|{_NUMWORDS})\s+(?:years?|months?|decades?)\b"
    r"|\b(?:in|within|over)\s+the\s+(?:next|coming)\s+(?:decade|year|few\s+years)\b",
    re.I,
)
_LEVEL_WORD_RE = re.compile(
    r"\bnet[\s-]zero\b|\bcarbon[\s-]neutral(?:ity)?\b|\b(?:doubl|tripl|quadrupl|halv)(?:e|es|ed|ing)\b"
    r"|\bzero\s+(?:emissions|waste|deaths|poverty|hunger)\b",
    re.I,
)
# Words that put a sentence in a goal context.
_INTENT = {
    "target", "targets", "targeted", "targeting", "aim", "aims", "aimed", "aiming",
    "goal", "goals", "objective", "objectives", "mission", "missions", "ambition", "ambitions",
    "vision", "commitment", "commitments", "commit", "commits", "committed", "committing",
    "pledge", "pledges", "pledged", "intend", "intends", "intended", "seek", "seeks",
    "strive", "strives", "expected", "expects", "envisage", "envisages", "promise", "promises",
    "promised", "vow", "vows", "vowed", "plans", "planned", "aspiration", "aspirations",
    "will", "shall",
}  # fmt: skip
# Verbs that state the level to reach, when used as infinitive/gerund/imperative.
_ACHIEVE = {
    "reach", "reaching", "achieve", "achieving", "ensure", "ensuring", "double", "doubling",
    "halve", "halving", "triple", "tripling", "become", "becoming", "reduce", "reducing",
    "cut", "cutting", "increase", "increasing", "deliver", "delivering", "create", "creating",
    "exceed", "exceeding", "hit", "meet", "meeting", "raise", "raising", "provide",
    "providing", "build", "building", "extend", "extending", "harness", "harnessing",
    "transform", "transforming", "eliminate", "eliminating", "end", "ending", "lift", "lifting",
}  # fmt: skip
_FINITE_TAGS = {"VBD", "VBZ", "VBP", "MD"}
_CLAUSE_CUT_RE = re.compile(
    r"\s+by\s+\w+ing\b|\s+through\s+\w+ing\b|[;(]|\s[–—]\s|,\s+(?:which|who|while|but)\b"
)
_SEG_SPLIT_RE = re.compile(r":\s+|;\s*|\n\s*\n|\s\|\s|\n(?=\s*[•▪●◦\-–]\s)")
_STOP_LEADING_RE = re.compile(r"^[\s\"'“”‘’(•▪●◦\-–—]+")


def _segments(doc: Any) -> list[tuple[int, int]]:
    """Sentences cut further at colons, semicolons, table cells and blank lines."""
    out: list[tuple[int, int]] = []
    text = doc.text  # Doc.text is rebuilt from tokens on every access
    for sent in doc.sents:
        s0, e0 = sent.start_char, sent.end_char
        pos = s0
        for m in _SEG_SPLIT_RE.finditer(text, s0, e0):
            if m.start() > pos:
                out.append((pos, m.start()))
            pos = m.end()
        if e0 > pos:
            out.append((pos, e0))
    return [(s, e) for s, e in out if text[s:e].strip()]


def _is_past(toks: Sequence[Any]) -> bool:
    """True when the clause reports what happened rather than what is aimed at."""
    finite = [t for t in toks if t.tag_ in _FINITE_TAGS and t.dep_ != "amod"]
    if not finite:
        return False
    if any(t.tag_ == "MD" and t.lower_ in {"will", "shall", "would", "'ll"} for t in finite):
        return False
    if any(t.lower_ in {"expected", "set", "due", "going", "planned"} and t.i + 1 < len(t.doc)
           and t.doc[t.i + 1].lower_ == "to" for t in toks):  # fmt: skip
        return False
    roots = [t for t in toks if t.dep_ == "ROOT"] or finite[:1]
    root = roots[0]
    nxt = root.doc[root.i + 1].lower_ if root.i + 1 < len(root.doc) else ""
    if root.lower_ in _INTENT and root.pos_ == "VERB" and nxt == "to":
        return False
    subj_goal = any(c.dep_ in {"nsubj", "nsubjpass"} and c.lower_ in _INTENT for c in root.children)
    if subj_goal:
        return False
    if root.tag_ == "VBD":
        return True
    aux = [c for c in root.children if c.dep_ in {"aux", "auxpass"}]
    if root.tag_ == "VBN" and any(a.lower_ in {"has", "have", "had", "was", "were"} for a in aux):
        return True
    return bool(root.tag_ in {"VBZ", "VBP"} and any(t.tag_ == "VBD" for t in finite[:1]))


def _governed_by(doc: Any, level: _Found, triggers: Sequence[Any]) -> bool:
    """True when a trigger word governs the level ("reach at least 15% ...")."""
    span = _tokens_in(doc, level.start, level.end)
    if span is None:
        return False
    trig = {t.i for t in triggers}
    return any(tok.i in trig or any(a.i in trig for a in tok.ancestors) for tok in span)


def find_targets(doc: Any, levels: Sequence[_Found]) -> list[_Found]:
    """Goal statements: a level and/or a deadline in a goal context, not past achievements."""
    text = doc.text
    out: list[_Found] = []
    for s0, e0 in _segments(doc):
        lead = _STOP_LEADING_RE.match(text, s0)
        if lead:
            s0 = lead.end()
        seg_text = text[s0:e0]
        span = _tokens_in(doc, s0, e0)
        if span is None or len(span) < 2:
            continue
        toks = [t for t in span if not t.is_space]
        dl = _DEADLINE_RE.search(seg_text)
        hz = _HORIZON_RE.search(seg_text)
        seg_levels = [f for f in levels if s0 <= f.start and f.end <= e0]
        for m in _LEVEL_WORD_RE.finditer(seg_text):
            seg_levels.append(_Found("level", s0 + m.start(), s0 + m.end(), {}))
        seg_levels.sort(key=lambda f: f.start)
        finite = [t for t in toks if t.tag_ in _FINITE_TAGS and t.dep_ != "amod"]
        verbless = not finite
        intent = [t for t in toks if t.lower_ in _INTENT]
        achieve = [
            t for t in toks
            if t.lower_ in _ACHIEVE and t.tag_ in {"VB", "VBG"}
            and not (t.tag_ == "VBG" and t.dep_ in {"amod", "compound"})
        ]  # fmt: skip
        triggers = sorted(intent + achieve, key=lambda t: t.i)
        first_trigger = triggers[0].idx if triggers else None
        levels_after = [
            f for f in seg_levels if first_trigger is not None and f.start > first_trigger
        ]
        governed = [f for f in levels_after if _governed_by(doc, f, triggers)]
        if _is_past(toks):
            continue
        deadline = int(dl.group("year") or dl.group("year2")) if dl else None
        if not (
            (dl and (intent or achieve or verbless))
            or (hz and seg_levels and triggers)
            or (not dl and governed)
        ):
            continue
        # The short clause: where the goal starts and where it ends.
        lead_dl = dl is not None and dl.start() < 3
        first = toks[0]
        start = s0
        if lead_dl:
            comma = text.find(",", s0 + dl.end(), e0)
            start = comma + 1 if comma != -1 and comma - (s0 + dl.end()) < 3 else s0 + dl.end()
        elif verbless and first.tag_ in {"VBG", "VB"}:
            start = s0
        elif levels_after or seg_levels:
            lv = (levels_after or seg_levels)[0]
            start = lv.start
            q = _QUALIFIER_BEFORE_RE.search(text[max(s0, lv.start - 20) : lv.start])
            if q:
                start = lv.start - len(text[max(s0, lv.start - 20) : lv.start]) + q.start()
            near = [t for t in achieve if 0 < start - (t.idx + len(t.text)) <= 12]
            if near:
                start = near[-1].idx
        else:
            verb_after_intent = [
                t for t in toks
                if t.tag_ in {"VBG", "VB"} and t.i >= 2 and doc[t.i - 1].lower_ in {"of", "to"}
                and doc[t.i - 2].lower_ in _INTENT
            ]  # fmt: skip
            if verb_after_intent:
                start = verb_after_intent[0].idx
        end = e0
        marker = dl if dl and not lead_dl else (hz if hz else None)
        if marker is not None and s0 + marker.end() > start:
            end = s0 + marker.end()
        else:
            cut = _CLAUSE_CUT_RE.search(
                text, max(start, seg_levels[-1].end if seg_levels else start), e0
            )
            if cut:
                end = cut.start()
        clause = text[start:end].strip().rstrip(".,:;!?\"'”’ ").strip()
        if len(clause) < 3:
            continue
        cs = text.find(clause, start)
        lv = seg_levels[0] if seg_levels else None
        value = text[lv.start : lv.end] if lv else None
        unit = None
        if lv is not None:
            unit = lv.attrs.get("currency") or lv.attrs.get("unit")
        metric = clause
        for piece in (value, dl.group(0) if dl else None, hz.group(0) if hz else None):
            if piece:
                metric = metric.replace(piece, " ")
        metric = re.sub(r"\s+", " ", metric).strip(" ,.-–") or None
        statement = re.sub(r"\s+", " ", text[s0:e0]).strip()
        out.append(
            _Found(
                "target",
                cs,
                cs + len(clause),
                {
                    "metric": metric,
                    "value": value,
                    "unit": unit,
                    "deadline": deadline,
                    "horizon": hz.group(0) if hz else None,
                    "statement": statement,
                },
            )
        )
    return out
