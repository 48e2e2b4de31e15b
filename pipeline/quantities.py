"""Money, counts and percentages in text: the rules the extractor and the answerer share.

Plain regular expressions over the text, plus the parsed ``Doc`` (tags only) to tell a
counted noun from a bare figure.  Nothing here imports spaCy, so query-time code
(``qa``, ``index.entities_query``) can read amounts without loading a model.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

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
    "N$": "NAD",  # the Namibian dollar's sign, as the Bank of Namibia prints it
    "R$": "BRL",
    "¥": "JPY",
    "₹": "INR",
    "৳": "BDT",
    "₦": "NGN",
    "₩": "KRW",
    # the other signs of Unicode's Currency Symbols block that name one currency only
    # (ISO 4217 code beside each); "GH₵"/"GH¢" is how Ghana prints its cedi
    "₵": "GHS",
    "GH₵": "GHS",
    "GH¢": "GHS",
    "₱": "PHP",
    "₫": "VND",
    "₴": "UAH",
    "₺": "TRY",
    "₪": "ILS",
    "₡": "CRC",
    "₲": "PYG",
    "₸": "KZT",
    "₼": "AZN",
    "₾": "GEL",
    "₽": "RUB",
    "₭": "LAK",
    "₮": "MNT",
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
    "UAH",
    "ILS",
    "RUB",
    "KZT",
    "ZMW",
    "MWK",
    "XOF",
    "XAF",
    "SAR",
    "AED",
    "LKR",
    "NPR",
    "CRC",
]
# every one-character currency sign above: a figure written against one is money, not a count
CURRENCY_SIGNS = "".join(
    sorted({ch for sym in _SYMBOLS for ch in sym if not ch.isalnum() and ch != "."})
)
# a currency sign right after a capitalised code ("US$40m", "NZ $2m", "R$"): the code names
# the currency, not an actor (read by the entity rules and the answer's name candidates)
CURRENCY_AFTER = re.compile(rf"\s?[{re.escape(CURRENCY_SIGNS)}]")
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
    r"some|less than|under|just over|just under|in excess of|upwards of|a further|"
    r"an additional|additional)"
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
_PERCENT_SIGN = r"\s?(?:%|per\s?cent\b|percent\b)"
_PERCENT_RE = re.compile(
    rf"(?<![\w.,])(?P<num>{_NUM})(?:\s*(?:-|–|—|to)\s*(?P<num2>{_NUM}))?{_PERCENT_SIGN}"
)
_NUMBER_RE = re.compile(
    rf"(?<![\w.,/#:{re.escape(CURRENCY_SIGNS)}-])(?P<num>{_NUM})(?:\s*(?P<scale>thousand|million|billion|trillion)\b)?"
    rf"(?:\s*(?:-|–|—)\s*(?P<num2>{_NUM})(?:\s*(?P<scale2>thousand|million|billion|trillion)\b)?)?"
    r"(?![\w%‰-]|[.,]\d)"
)
YEAR = r"(?:1[89]\d\d|20\d\d)"
_YEAR_RE = re.compile(rf"^{YEAR}$")

# --- figures as an answer quotes them (query time: ``qa.candidates``) ----------------------
# The patterns above read a value; an answer quotes the figure as printed, so its span
# takes the qualifier in front ("over 1,300", "an additional £1.4 billion") and numbers
# in words ("three"). Same atoms (number, scale, qualifier, percent sign), one place.
_QUAL = rf"(?:{_QUALIFIER}\s+)?"
QUAL_BEFORE = re.compile(rf"{_QUAL}$", re.I)  # the qualifier ending a text, if any
PERCENT = re.compile(rf"{_QUAL}(?:{_NUM}){_PERCENT_SIGN}", re.I)
_WORDNUM = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    "forty|fifty|hundred|dozen"
)
NUMBER = re.compile(
    rf"(?<![\w.,/{re.escape(CURRENCY_SIGNS)}-]){_QUAL}(?:(?:{_NUM}){_SCALE}?|\b(?:{_WORDNUM})\b)"
    rf"(?:\s?(?:-|–|—|to)\s?(?:{_NUM}))?(?![\w%])(?!{_PERCENT_SIGN})",
    re.I,
)
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


def count_value(text: str) -> float | None:
    """The value of the one count ``text`` states, as the number rules read it ("over 1,300"
    -> 1300, "2.3 million" -> 2300000); None for a range, two figures or none."""
    found = list(_NUMBER_RE.finditer(text))
    if len(found) != 1 or found[0].group("num2"):
        return None
    try:
        return parse_number(found[0].group("num")) * _scale_of(found[0].group("scale"))
    except ValueError:
        return None


def currency_symbol(iso: str) -> str:
    """How a currency is printed before a figure: its shortest symbol ("GBP" -> "£",
    "ZAR" -> "R"), else its code and a space."""
    symbols = [s for s, code in _SYMBOLS.items() if code == iso]
    return min(symbols, key=len) if symbols else f"{iso} " if iso else ""


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


_OPEN_BRACKET_RE = re.compile(rf"\s*\(\s*(?:(?:{_QUALIFIER})\s+)?", re.I)
_CLOSE_BRACKET_RE = re.compile(r"\s*\)")


def find_money(text: str) -> list[_Found]:
    """Money figures with ISO currency and low/high in currency units ("over X" -> X).

    A conversion in brackets is a figure too, marked ``conversion_of`` the first's currency
    (and ``scale_shared`` when it borrows the first's scale word: "R51 ($2.64) million")."""
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
        alt_scale = scale  # "R51 ($2.64) million": the conversion shares the figure's scale
        tail = _RANGE_TAIL_RE.match(text, end)
        if tail and (tail.group("cur") or tail.group("scale") or scale):
            tcur = _currency(tail.group("cur"), tail.group("curword")) if tail.group("cur") else cur
            if tcur == cur:
                tscale = tail.group("scale") or scale
                high = parse_number(tail.group("num")) * _scale_of(tscale)
                low *= _scale_of(scale or tscale)
                alt_scale = scale or tscale
                end = tail.end()
        if high is None:
            low *= _scale_of(scale)
            high = low
        if high < low:  # "£5-1 million" is not a range we understand
            high = low
        attrs: dict[str, Any] = {"currency": cur, "low": low, "high": high}
        if m.group("altcur"):
            alt = parse_number(m.group("altnum")) * _scale_of(alt_scale)
            conv = {"currency": _currency(m.group("altcur")), "low": alt, "high": alt}
            attrs["converted"] = conv
        q = _QUALIFIER_BEFORE_RE.search(text[max(0, m.start() - 20) : m.start()])
        if q:
            attrs["qualifier"] = q.group(1).lower()
        out.append(_Found("amount", m.start(), end, attrs))
        if m.group("altcur"):
            # The conversion is a figure of its own, as in "R7,5 billion (US$400 million)",
            # which another typesetter writes with one scale word: "R51 ($2.64) million".
            conv = {**conv, "conversion_of": cur}
            if alt_scale:
                conv["scale_shared"] = True
            if "qualifier" in attrs:
                conv["qualifier"] = attrs["qualifier"]
            out.append(_Found("amount", m.start("altcur"), m.end("altnum"), conv))
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
    # "R7,5 billion (US$400 million)": a figure in brackets right after one in another
    # currency converts it, as the one-scale form above does
    for a, b in pairwise(out):
        if (
            "conversion_of" not in b.attrs
            and b.attrs["currency"] != a.attrs["currency"]
            and _OPEN_BRACKET_RE.fullmatch(text, a.end, b.start)
            and _CLOSE_BRACKET_RE.match(text, b.end)
        ):
            b.attrs["conversion_of"] = a.attrs["currency"]
    return out


def doc_text(doc: Any) -> str:
    """``doc.text`` read once per parsed doc: spaCy rebuilds it from every token on access."""
    text = doc.user_data.get("text")
    if text is None:
        text = doc.user_data["text"] = doc.text
    return text


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
    text = doc_text(doc)
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
