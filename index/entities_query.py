"""Query the entities stored with each document: the filters behind ``casebook entities``.

Why a module of its own: the CLI stays a thin layer (parse flags, print rows), while the
meaning of each filter lives here, testable without click.  Entities are extracted once at
ingest (``pipeline.entities``) and stored per document; this module only reads them.

Each filter applies to the types that carry its attribute, and drops the others when given:
``--currency`` keeps amounts, ``--min/--max`` keep amounts, numbers and percents whose value
(range) overlaps the bound, ``--deadline-before`` keeps targets with an earlier deadline year.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from index.store import CasebookIndexError, FilterNoMatch
from pipeline.quantities import _currency as _currency_code
from pipeline.quantities import parse_number
from pipeline.types import Entity

if TYPE_CHECKING:
    from index.store import Index

# What `--type` accepts. "number" also selects percents: the four kinds are
# amount/target/actor/number, and a percentage is a number; "percent" selects only those.
ENTITY_TYPES = ("amount", "number", "percent", "target", "actor")
_TYPE_EXPANSION = {"number": ("number", "percent")}

# Fields every JSON/CSV record starts with, in this order, then the ones of its type.
BASE_FIELDS = (
    "type",
    "text",
    "document",
    "case",
    "section",
    "page_label",
    "pdf_page",
    "chunk_id",
    "span",
)
TYPE_FIELDS: dict[str, tuple[str, ...]] = {
    "amount": ("currency", "low", "high"),
    "target": ("metric", "value", "unit", "deadline", "horizon"),
    "actor": ("name", "actor_type", "mentions", "role"),
    "number": ("value", "high", "unit"),
    "percent": ("value", "high", "unit"),
}

_SCALES = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "mln": 1e6,
    "million": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
    "tn": 1e12,
    "trillion": 1e12,
}
_VALUE_RE = re.compile(
    r"^(?P<cur>[^\d\s.,]{1,3})?\s*(?P<num>\d[\d,]*(?:\.\d+)?)\s*"
    r"(?P<scale>[a-z]+)?\s*(?P<iso>[a-z]+(?:\s[a-z]+)?)?$",
    re.I,
)


class EntityFilterError(CasebookIndexError, ValueError):
    """A filter value that cannot be read (``--min abc``): one line, shown to the user."""


def parse_currency(text: str) -> str:
    """ISO code of ``GBP``/``gbp``, a symbol (``£ € $ R``) or a word (``euros``)."""
    t = text.strip()
    code = _currency_code(t) or _currency_code(None, t)
    if code:
        return code
    if re.fullmatch(r"[A-Za-z]{3}", t):  # an ISO code the extractor has no symbol for
        return t.upper()
    raise EntityFilterError(f"--currency: {text!r} is not a currency (e.g. GBP, EUR, £, €, R)")


def parse_value(text: str, flag: str = "--min") -> tuple[float, str | None]:
    """Read ``500m``, ``1.5bn``, ``£2 billion``, ``2,000,000`` or ``5m USD``.

    Returns the value and the currency a symbol or code implies (``None`` without one), so
    ``--min £500m`` can also mean "in GBP".
    """
    m = _VALUE_RE.match(text.strip())
    hint = "e.g. 500m, 1.5bn, £2 billion, 2,000,000"
    if not m:
        raise EntityFilterError(f"{flag}: cannot read {text!r} as a value ({hint})")
    scale_word = (m.group("scale") or "").lower()
    iso = m.group("iso")
    if scale_word and scale_word not in _SCALES and iso is None:
        scale_word, iso = "", m.group("scale")  # "5000 GBP", "20 euros": a currency word
    if scale_word and scale_word not in _SCALES:
        raise EntityFilterError(f"{flag}: unknown scale {m.group('scale')!r} in {text!r} ({hint})")
    currency = None
    for cur in (m.group("cur"), iso):
        if cur:
            try:
                code = parse_currency(cur)
            except EntityFilterError as e:
                raise EntityFilterError(
                    f"{flag}: {cur!r} in {text!r} is neither a scale (k, m, bn, ...) nor a currency"
                ) from e
            if currency and code != currency:
                raise EntityFilterError(f"{flag}: {text!r} names two currencies")
            currency = code
    try:
        value = parse_number(m.group("num"))
    except ValueError as e:
        raise EntityFilterError(f"{flag}: cannot read {text!r} as a value ({hint})") from e
    return value * _SCALES.get(scale_word, 1.0), currency


@dataclass(frozen=True)
class EntityFilter:
    """What to keep; ``None``/empty means "no constraint"."""

    types: tuple[str, ...] = ()
    case: str | None = None
    document: str | None = None
    currency: str | None = None
    min_value: float | None = None
    max_value: float | None = None
    deadline_before: int | None = None

    @property
    def stored_types(self) -> tuple[str, ...] | None:
        """The stored ``type`` values the requested ``--type``s stand for."""
        if not self.types:
            return None
        out: list[str] = []
        for t in self.types:
            for s in _TYPE_EXPANSION.get(t, (t,)):
                if s not in out:
                    out.append(s)
        return tuple(out)


def build_filter(
    *,
    types: Sequence[str] = (),
    case: str | None = None,
    document: str | None = None,
    currency: str | None = None,
    min_text: str | None = None,
    max_text: str | None = None,
    deadline_before: int | None = None,
) -> EntityFilter:
    """Turn the raw flag strings into an :class:`EntityFilter`, or raise EntityFilterError."""
    bad = [t for t in types if t not in ENTITY_TYPES]
    if bad:
        raise EntityFilterError(
            f"--type: unknown type {bad[0]!r} (one of {', '.join(ENTITY_TYPES)})"
        )
    cur = parse_currency(currency) if currency is not None else None
    lo = hi = None
    for flag, text in (("--min", min_text), ("--max", max_text)):
        if text is None:
            continue
        value, implied = parse_value(text, flag)
        if implied and cur and implied != cur:
            raise EntityFilterError(f"{flag} {text!r} is in {implied}, but --currency is {cur}")
        cur = cur or implied
        if flag == "--min":
            lo = value
        else:
            hi = value
    if lo is not None and hi is not None and lo > hi:
        raise EntityFilterError(f"--min {min_text!r} is larger than --max {max_text!r}")
    return EntityFilter(
        types=tuple(dict.fromkeys(types)),
        case=case,
        document=document,
        currency=cur,
        min_value=lo,
        max_value=hi,
        deadline_before=deadline_before,
    )


def _value_range(e: Entity) -> tuple[float, float] | None:
    a = e.attrs
    if e.type == "amount":
        low, high = a.get("low"), a.get("high")
    elif e.type in ("number", "percent"):
        low, high = a.get("value"), a.get("high", a.get("value"))
    else:
        return None
    if low is None:
        return None
    return float(low), float(high if high is not None else low)


def matches(e: Entity, f: EntityFilter) -> bool:
    """Whether ``e`` passes the value filters (type/case/document are resolved by the store)."""
    currency = str(e.attrs.get("currency") or "").upper()
    if f.currency is not None and (e.type != "amount" or currency != f.currency):
        return False
    if f.min_value is not None or f.max_value is not None:
        rng = _value_range(e)
        if rng is None:
            return False
        low, high = rng
        if f.min_value is not None and high < f.min_value:
            return False
        if f.max_value is not None and low > f.max_value:
            return False
    if f.deadline_before is not None:
        deadline = e.attrs.get("deadline")
        if e.type != "target" or deadline is None or int(deadline) >= f.deadline_before:
            return False
    return True


def query_entities(index: Index, f: EntityFilter) -> list[Entity]:
    """Stored entities passing ``f``, in reading order (document, then position in it).

    ``--case``/``--document`` are matched like ``casebook search`` does (title substring,
    sha256 prefix) and raise FilterNoMatch when they match nothing.
    """
    cases = docs = None
    if f.case is not None:
        cases = index.match_cases(f.case)
        if not cases:
            known = ", ".join(index.cases()) or "none"
            raise FilterNoMatch(f"no case title contains {f.case!r}; cases in the index: {known}")
    if f.document is not None:
        docs = index.match_documents(f.document)
        if not docs:
            raise FilterNoMatch(f"no document sha256 starts with or title contains {f.document!r}")
    found = [
        e for e in index.entities(types=f.stored_types, cases=cases, docs=docs) if matches(e, f)
    ]
    # The store keeps extraction order (by chunk id); readers want page order.
    doc_rank = {d["sha256"]: i for i, d in enumerate(index.documents())}
    starts = {cid: c.start for cid, c in index.chunks_by_id({e.chunk_id for e in found}).items()}
    found.sort(
        key=lambda e: (
            doc_rank.get(e.doc_sha256, len(doc_rank)),
            starts.get(e.chunk_id, 0) + e.span[0],
            e.span[1],
        )
    )
    return found


def entity_record(e: Entity) -> dict[str, Any]:
    """The ``--json`` object of one entity: the base fields, its type's fields, other attrs."""
    base: dict[str, Any] = {
        "type": e.type,
        "text": e.text,
        "document": e.document,
        "case": e.case,
        "section": e.section,
        "page_label": e.page_label,
        "pdf_page": e.pdf_page,
        "chunk_id": e.chunk_id,
        "span": [e.span[0], e.span[1]],
    }
    for key in TYPE_FIELDS.get(e.type, ()):
        base[key] = e.attrs.get(key)
    for key, value in e.attrs.items():
        base.setdefault(key, value)
    base["doc_sha256"] = e.doc_sha256
    return base


def _csv_cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, list | tuple):
        return "; ".join(_csv_cell(x) for x in v)
    if isinstance(v, dict):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def csv_table(records: Iterable[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """Header (union of keys, base fields first) and string rows; lists joined by "; "."""
    recs = list(records)
    header: list[str] = list(BASE_FIELDS)
    for r in recs:
        for k in r:
            if k not in header:
                header.append(k)
    return header, [[_csv_cell(r.get(k)) for k in header] for r in recs]


@dataclass
class ActorRow:
    """One canonical actor of one document: what the table view lists once."""

    name: str
    actor_type: str | None
    document: str
    role: str | None
    first_page: str | None
    first_pdf_page: int
    count: int = 0
    forms: list[str] = field(default_factory=list)
    cases: list[str] = field(default_factory=list)


def group_actors(entities: Iterable[Entity]) -> list[ActorRow]:
    """Merge actor occurrences under their canonical name (names are canonical per document)."""
    rows: dict[tuple[str, str], ActorRow] = {}
    for e in entities:
        if e.type != "actor":
            continue
        name = str(e.attrs.get("name") or e.text)
        row = rows.get((e.doc_sha256, name))
        if row is None:
            row = rows[(e.doc_sha256, name)] = ActorRow(
                name=name,
                actor_type=e.attrs.get("actor_type"),
                document=e.document,
                role=e.attrs.get("role"),
                first_page=e.page_label,
                first_pdf_page=e.pdf_page,
            )
        row.count += 1
        row.role = row.role or e.attrs.get("role")
        if e.text not in row.forms:
            row.forms.append(e.text)
        if e.case and e.case not in row.cases:
            row.cases.append(e.case)
    return list(rows.values())


def human_value(v: float | None) -> str:
    """``662000000`` -> ``662m``; ``1.4e9`` -> ``1.4bn``; small values with separators."""
    if v is None:
        return "—"
    for div, suffix in ((1e12, "tn"), (1e9, "bn"), (1e6, "m")):
        if abs(v) >= div:
            return f"{v / div:.3f}".rstrip("0").rstrip(".") + suffix
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"
