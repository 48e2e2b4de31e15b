"""Targets from the grammar of commitments: a level and/or a time the text commits to.

A *target* is a sentence, list item or table cell that commits someone to a level by a
time.  The commitment is read from the parse, not from a list of verbs: a future modal
("will reach"), a verb of intention with a to-infinitive ("aims to halve"), a goal noun
("a target of 40%", "the mission is to ..."), "be to" ("is to provide"), a fronted
deadline over a present clause ("By 2030, every home has ..."), an obligation with a
minimum ("must create at least 1,000 jobs"), or a non-finite headline ("100% broadband
coverage in 2030", "Every pupil to own a laptop", "Deliver ... within five years").
Clauses that report what happened (past tense, perfect) are not targets.  The word lists
read here are closed classes of English grammar, kept in ``pipeline/lexicons``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from pipeline.lexicons import load
from pipeline.quantities import _QUALIFIER_BEFORE_RE, _Found, _tokens_in, doc_text

GOAL_NOUNS = load("goal_nouns")

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
_GOAL_NOUNS = GOAL_NOUNS
_INTENT_VERBS = load("intent_verbs")
_DEONTIC = load("deontic_verbs")
_GOAL_SETTING = load("goal_setting_verbs")
_FUTURE_MODALS = {"will", "shall", "'ll", "wo"}  # "wo" is spaCy's token of "won't"
_TITLE_JOINERS = {"for", "and", "of", "the", "&", "a", "an", "to", "in", "on"}
_BE_FORMS = {"is", "are", "am", "be", "'s", "'re"}
_PAST_AUX = {"has", "have", "had", "was", "were", "'ve", "'d"}
_FINITE_TAGS = {"VBD", "VBZ", "VBP", "MD"}
# A minimum the text sets: "at least 1,000 jobs", "a minimum of 30%".
_THRESHOLD_RE = re.compile(
    r"\b(?:at\s+least|a\s+minimum\s+of|no\s+(?:fewer|less)\s+than|not\s+less\s+than)\s*$", re.I
)
# A level named by a standard rather than a figure: "to meet the national guidelines".
_STANDARD_RE = re.compile(
    r"\b(?:meet|meets|meeting|reach|reaching|achieve|achieving|comply\s+with|complying\s+with)"
    r"\s+(?:[\w'’.-]+\s+){0,6}?(?:guidelines?|standards?|limits?|levels?|thresholds?)\b",
    re.I,
)
_CLAUSE_CUT_RE = re.compile(
    r"\s+by\s+\w+ing\b|\s+through\s+\w+ing\b|[;(]|\s[–—]\s|,\s+(?:which|who|while|but)\b"
)
# cut at colons, semicolons, blank lines, table cells ("a | b"), bullets
_SEG_SPLIT_RE = re.compile(r":\s+|;\s*|\n\s*\n|\s?\|\s|\n(?=\s*[•▪●◦\-–]\s)")
_TABLE_SPLIT_RE = re.compile(r":\s+|;\s*|\n|\s?\|\s")  # in a table every line is a row
_STOP_LEADING_RE = re.compile(r"^[\s\"'“”‘’(•▪●◦\-–—]+(?:and\s+|or\s+)?")


def _segments(doc: Any) -> list[tuple[int, int]]:
    """Sentences cut further at colons, semicolons, table cells, blank lines and list bullets
    (``doc.user_data["bullets"]``: where the text had a bullet the parse reads as a space; a
    typesetting may run a list's items on one line)."""
    out: list[tuple[int, int]] = []
    text = doc_text(doc)
    split = _TABLE_SPLIT_RE if " | " in text else _SEG_SPLIT_RE
    bullets = doc.user_data.get("bullets") or ()
    for sent in doc.sents:
        s0, e0 = sent.start_char, sent.end_char
        cuts = [(m.start(), m.end()) for m in split.finditer(text, s0, e0)]
        cuts += [(b, b + 1) for b in bullets if s0 <= b < e0]
        pos = s0
        for a, b in sorted(cuts):
            if a > pos:
                out.append((pos, a))
            pos = max(pos, b)
        if e0 > pos:
            out.append((pos, e0))
    return [(s, e) for s, e in out if text[s:e].strip()]


def _anchors(toks: Sequence[Any]) -> set[int]:
    """Indices of the words that carry a commitment in this clause (from the parse).

    A level or deadline whose head chain reaches one of them is committed to: the verb of a
    future modal, a verb of intention and its infinitive, a goal noun (and the verb it is
    the subject of), the infinitive of "be to".
    """
    out: set[int] = set()
    for t in toks:
        low = t.lower_
        if t.tag_ == "MD" and low in _FUTURE_MODALS:
            out.add(t.head.i)
        elif low in _INTENT_VERBS and t.pos_ in {"VERB", "AUX", "ADJ"} and _to_verb(t):
            out.add(t.i)  # "aims to halve", "is set to", "committed to reaching"
        elif low in _GOAL_NOUNS and t.pos_ in {"NOUN", "PROPN"}:
            out.add(t.i)
            if t.dep_ in {"nsubj", "nsubjpass"}:
                out.add(t.head.i)  # "the goal is to ...", "Its mission is ..."
        elif (
            (t.tag_ == "VB" or (t.tag_ == "VBN" and any(c.dep_ == "auxpass" for c in t.children)))
            and t.dep_ in {"xcomp", "ccomp"}
            and t.head.lower_ in _BE_FORMS
            and any(c.dep_ == "aux" and c.lower_ == "to" for c in t.children)
        ):
            out.add(t.i)  # "The city is to provide ..."
    return out


def _to_verb(t: Any) -> bool:
    """True when ``t`` takes an infinitive or "to" + gerund ("aims to cut", "committed to
    cutting")."""
    for c in t.children:
        if c.dep_ in {"xcomp", "ccomp"} and c.tag_ == "VB":
            return True
        if (
            c.dep_ == "prep"
            and c.lower_ in {"to", "towards"}
            # a gerund the tagger calls a noun ("committed to training 400 nurses")
            and any(
                g.tag_ == "VBG" or (g.dep_ in {"pobj", "pcomp"} and g.lower_.endswith("ing"))
                for g in c.children
            )
        ):
            return True
    return False


def _finite(toks: Sequence[Any]) -> list[Any]:
    """Finite verbs of a clause (a bullet sign the tagger calls a verb is none)."""
    return [t for t in toks if t.tag_ in _FINITE_TAGS and t.is_alpha and t.dep_ != "amod"]


def _nonfinite_head(toks: Sequence[Any]) -> bool:
    """True for a headline whose main words are not a finite verb: a noun phrase
    ("100% broadband coverage by 2030"), "X to do Y", "Do Y", "Doing Y"."""
    ids = {t.i for t in toks}
    # a figure may head the phrase ("40% of homes with ... by 2030" hangs from "%")
    words = [t for t in toks if t.is_alpha or t.like_num or t.text == "%"]
    tops = [t for t in words if t.head.i not in ids or t.head.i == t.i]
    if not tops:
        return False
    if not any(t.tag_ in _FINITE_TAGS for t in tops):
        return True
    first = next((t for t in toks if t.is_alpha), None)
    return first is not None and first.tag_ == "VB" and first.i == toks[0].i  # imperative


def _is_past(toks: Sequence[Any], anchors: set[int]) -> bool:
    """True when the clause reports what happened rather than what is aimed at."""
    finite = _finite(toks)
    if not finite:
        return False
    if any(t.tag_ == "MD" and t.lower_ in _FUTURE_MODALS | {"would"} for t in finite):
        return False
    # the clause's own head: its ROOT, else the word that attaches it to the rest of the
    # sentence ("Education: 10 million learners to ..." hangs from "Education"), so a
    # participle the tagger calls past ("associated skills") does not make it a report
    ids = {t.i for t in toks}
    roots = (
        [t for t in toks if t.dep_ == "ROOT"]
        or [t for t in toks if t.is_alpha and t.head.i not in ids]
        or finite[:1]
    )
    root = roots[0]
    if root.i in anchors and root.lower_ not in _BE_FORMS | {"was", "were"}:
        return False  # "aimed to", "has committed to" report a commitment, still a target
    if any(c.dep_ in {"nsubj", "nsubjpass"} and c.lower_ in _GOAL_NOUNS for c in root.children):
        return False  # "The goal was to reach ... by 2021"
    if root.lower_ in _GOAL_SETTING and any(
        c.dep_ in {"dobj", "nsubjpass"} and c.lower_ in _GOAL_NOUNS for c in root.children
    ):
        return False  # "The city set a target of 500 homes by 2030": set, not met
    if any(
        t.lower_ in _INTENT_VERBS
        and t.tag_ == "VBG"
        and (t.head.i == root.i or (t.head.dep_ == "prep" and t.head.head.i == root.i))
        for t in toks
    ):
        return False  # "The city started by committing to ...": a commitment, told as begun
    if root.tag_ == "VBD":
        # reported speech: "X plans to build ..., said Y" tells what X is committed to
        return not any(
            c.dep_ == "ccomp" and any(t.i in anchors for t in c.subtree) for c in root.children
        )
    aux = [c for c in root.children if c.dep_ in {"aux", "auxpass"}]
    if root.tag_ == "VBN" and any(a.lower_ in _PAST_AUX for a in aux):
        return True
    return bool(root.tag_ in {"VBZ", "VBP"} and any(t.tag_ == "VBD" for t in finite[:1]))


def _reaches(doc: Any, start: int, end: int, marks: set[int]) -> bool:
    """True when the span is what a commitment word aims at: a word of the span, or one it
    depends on, is one of ``marks``, reached as its object or complement.  The subject of a
    commitment ("100% of firms have committed to ...") and the count of goals themselves
    ("its 9 missions") are not its level."""
    span = _tokens_in(doc, start, end)
    if span is None:
        return False
    for tok in span:
        if tok.i in marks:
            return True
        node = tok
        while node.head.i != node.i:
            head = node.head
            if head.i in marks:
                if node.dep_ in {"nsubj", "nsubjpass", "csubj"}:
                    break
                if node.dep_ in {"nummod", "quantmod", "compound"} and head.lower_ in _GOAL_NOUNS:
                    break
                return True
            node = head
    return False


def _obliged(doc: Any, start: int, end: int) -> bool:
    """True when a minimum is set by an obligation: "had to create at least 1,000 jobs"."""
    span = _tokens_in(doc, start, end)
    if span is None:
        return False
    for tok in span:
        for a in tok.ancestors:
            if a.lower_ in _DEONTIC or a.lower_ in _INTENT_VERBS:
                return True
            if any(c.lower_ in _DEONTIC and c.dep_ in {"aux", "aux:pass"} for c in a.children):
                return True
    return False


def find_targets(
    doc: Any, levels: Sequence[_Found], goal_spans: Sequence[tuple[int, int]] = ()
) -> list[_Found]:
    """Commitments to a level and/or by a time, in prose, list items and table cells.

    ``goal_spans`` are parts of the text the document presents as goals (the cells of a
    table column headed "Missions", "Objectives", ...): a statement there is a target even
    without a level or a time."""
    text = doc_text(doc)
    out: list[_Found] = []
    for s0, e0 in _segments(doc):
        lead = _STOP_LEADING_RE.match(text, s0)
        if lead:
            s0 = lead.end()
        seg_text = text[s0:e0]
        dl = _DEADLINE_RE.search(seg_text)
        hz = _HORIZON_RE.search(seg_text)
        seg_levels = [f for f in levels if s0 <= f.start and f.end <= e0]
        for m in _LEVEL_WORD_RE.finditer(seg_text):
            seg_levels.append(_Found("level", s0 + m.start(), s0 + m.end(), {}))
        standard = _STANDARD_RE.search(seg_text)
        presented = any(a <= s0 and e0 <= b for a, b in goal_spans)
        if not (dl or hz or seg_levels or standard or presented):
            continue  # no time and no level: nothing to commit to (and no tokens to read)
        seg_levels.sort(key=lambda f: f.start)
        span = _tokens_in(doc, s0, e0)
        if span is None or len(span) < 2:
            continue
        toks = [t for t in span if not t.is_space]
        if not toks:
            continue
        anchors = _anchors(toks)
        headline = _nonfinite_head(toks)
        # a deadline written in front of its clause: "By 2025, every home has ..." (a title
        # may stand before it, a verb may not)
        fronted = (
            dl is not None
            and re.match(r"\s*,", seg_text[dl.end() :]) is not None
            and all(
                t.is_title or t.lower_ in _TITLE_JOINERS or not t.is_alpha
                for t in toks
                if t.idx < s0 + dl.start()
            )
        )
        fronted_clause = fronted and not _is_past(
            [t for t in toks if t.idx >= s0 + dl.end()], anchors
        )
        thresholds = [
            f for f in seg_levels
            if _THRESHOLD_RE.search(text[max(s0, f.start - 25) : f.start])
            and _obliged(doc, f.start, f.end)
        ]  # fmt: skip
        if _is_past(toks, anchors) and not thresholds:
            continue
        governed = [f for f in seg_levels if _reaches(doc, f.start, f.end, anchors)]
        deadline = int(dl.group("year") or dl.group("year2")) if dl else None
        committed = bool(anchors) or headline or fronted_clause
        if not (
            (dl and committed)
            or (hz and seg_levels and (anchors or headline))
            or governed
            or thresholds
            or (standard and (anchors or headline or _starts_with_verb(toks)))
            or (presented and len(toks) >= 4)
        ):
            continue
        if standard and not seg_levels:
            seg_levels = [_Found("level", s0 + standard.start(), s0 + standard.end(), {})]
        found = _clause(doc, s0, e0, dl, hz, seg_levels, governed or thresholds, anchors, fronted)
        if found is None:
            continue
        found.attrs["deadline"] = deadline
        out.append(found)
        out += _further_steps(text, s0, seg_text, seg_levels, found)
    out += _aimed_levels(text, levels, out)
    return out


# a goal word written before a level as its modifier: "of the targeted 40 ferries", "the
# target 40%": the level is a goal the text names, whatever the clause reports of it
_AIMED_WORDS = sorted(GOAL_NOUNS | {"targeted"}, key=len, reverse=True)
_AIMED_BEFORE_RE = re.compile(
    rf"\b(?:the|its|their|our|his|her|a|an)\s+(?:{'|'.join(_AIMED_WORDS)})\s+$", re.I
)


def _aimed_levels(text: str, levels: Sequence[_Found], found: Sequence[_Found]) -> list[_Found]:
    """Levels a goal word modifies ("only 12 of the targeted 40 ferries were built"), not
    already inside a target. No deadline: a year after it may date the report ("... of its
    targeted 3,000 homes by 2021"), not the goal."""
    out: list[_Found] = []
    for lv in levels:
        if lv.type == "level" or any(f.start <= lv.start < f.end for f in found):
            continue
        pre = _AIMED_BEFORE_RE.search(text, max(0, lv.start - 30), lv.start)
        if pre is None:
            continue
        end = lv.end
        unit = lv.attrs.get("unit")
        if unit and text.startswith(f" {unit}", end):
            end += len(unit) + 1
        attrs = {
            "metric": unit,
            "value": text[lv.start : lv.end],
            "unit": lv.attrs.get("currency") or unit,
            "deadline": None,
            "horizon": None,
            "statement": text[pre.start() : end],
        }
        out.append(_Found("target", pre.start(), end, attrs))
    return out


# a level, then a few words and its deadline: "32% by the end of 2026"
_STEP_GAP_RE = re.compile(r"\s*(?:[^\W\d]+\s+){0,3}")
# what joins two steps of one list: "..., and 32% by ...", "and then to 32% by ..."
_STEP_JOIN_RE = re.compile(r"\s*[,;]?\s*(?:(?:and|or)\s+)?(?:then\s+)?(?:(?:to|by|at)\s+)?")


def _further_steps(
    text: str, s0: int, seg_text: str, seg_levels: Sequence[_Found], found: _Found
) -> list[_Found]:
    """The later steps of a list of levels, each with its own deadline, that the committed
    clause opens: "milestones were set, 40% by 2022 and 32% by 2026" commits to two levels
    by two years, and one target holds one deadline."""
    steps: list[tuple[_Found, Any]] = []
    for dl in _DEADLINE_RE.finditer(seg_text):
        start = s0 + dl.start()
        before = [f for f in seg_levels if f.end <= start and f.type != "level"]
        if not before or not _STEP_GAP_RE.fullmatch(text[before[-1].end : start]):
            continue
        lv = before[-1]
        if steps and (
            steps[-1][0] is lv
            or not _STEP_JOIN_RE.fullmatch(text[s0 + steps[-1][1].end() : lv.start])
        ):
            break  # not a list of steps: stop at the first gap
        steps.append((lv, dl))
    if len(steps) < 2 or not found.start <= steps[0][0].start < found.end:
        return []
    out = []
    for lv, dl in steps[1:]:
        end = s0 + dl.end()
        attrs = {
            **found.attrs,
            "value": text[lv.start : lv.end],
            "unit": lv.attrs.get("currency") or lv.attrs.get("unit"),
            "deadline": int(dl.group("year") or dl.group("year2")),
            "horizon": None,
        }
        out.append(_Found("target", lv.start, end, attrs))
    return out


def _starts_with_verb(toks: Sequence[Any]) -> bool:
    """A list item that opens with a verb ("Improving ...", "Reduce ..."): an aim stated."""
    first = next((t for t in toks if t.is_alpha), None)
    return first is not None and first.tag_ in {"VB", "VBG"}


def _clause(
    doc: Any,
    s0: int,
    e0: int,
    dl: Any,
    hz: Any,
    seg_levels: Sequence[_Found],
    governed: Sequence[_Found],
    anchors: set[int],
    fronted: bool,
) -> _Found | None:
    """The short goal clause of a segment, with metric, value, unit, horizon, statement."""
    text = doc_text(doc)
    start = s0
    if fronted:
        start = s0 + dl.end()
        comma = text.find(",", start, e0)
        if comma != -1 and comma - start < 3:
            start = comma + 1
    elif dl is not None and dl.start() < 3:
        start = s0 + dl.end()
    elif governed or seg_levels:
        lv = (governed or seg_levels)[0]
        start = lv.start
        q = _QUALIFIER_BEFORE_RE.search(text[max(s0, lv.start - 20) : lv.start])
        if q:
            start = lv.start - len(text[max(s0, lv.start - 20) : lv.start]) + q.start()
        # the verb the level depends on: "doubling the size ...", "reach at least 15% ..."
        span = _tokens_in(doc, lv.start, lv.end)
        if span is not None:
            verbs = [
                a for a in span[0].ancestors
                if a.pos_ in {"VERB", "AUX"} and a.tag_ in {"VB", "VBG"} and s0 <= a.idx < start
            ]  # fmt: skip
            if verbs and start - verbs[0].idx <= 60:
                start = verbs[0].idx
    else:
        firsts = [doc[i] for i in sorted(anchors) if s0 <= doc[i].idx < e0]
        verb = next((t for t in firsts if t.tag_ in {"VB", "VBG"}), None)
        if verb is None:
            # what a goal noun names: "the mission of becoming ...", "a plan to build ..."
            for t in firsts:
                if t.lower_ not in _GOAL_NOUNS:
                    continue
                for c in t.subtree:
                    if (
                        c.tag_ in {"VB", "VBG"}
                        and c.i > t.i
                        and c.head.i in {t.i, *(x.i for x in t.children)}
                    ):
                        verb = c
                        break
                if verb is not None:
                    break
        if verb is not None:
            start = verb.idx
    end = e0
    marker = dl if dl is not None and not fronted and dl.start() >= 3 else hz
    if marker is not None and s0 + marker.end() > start:
        end = s0 + marker.end()
    else:
        cut = _CLAUSE_CUT_RE.search(
            text, max(start, seg_levels[-1].end if seg_levels else start), e0
        )
        if cut:
            end = cut.start()
    clause = text[start:end].strip().rstrip(".,:;!?\"'”’ ").strip()
    if clause.endswith(")") and clause.count(")") > clause.count("("):
        clause = clause[:-1].rstrip()
    if len(clause) < 3:
        return None
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
    return _Found(
        "target",
        cs,
        cs + len(clause),
        {
            "metric": metric,
            "value": value,
            "unit": unit,
            "deadline": None,
            "horizon": hz.group(0) if hz else None,
            "statement": statement,
        },
    )
