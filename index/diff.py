"""What changed between two editions of a casebook: passages, and the figures in them.

Why sentence level: chunks are packed up to a token budget, so one edited figure
shifts chunk boundaries and a chunk diff would report whole pages as changed. The
editions' chunks are split back into sentences per (part, section), the two sentence
lists are aligned with difflib, and runs of inserted, deleted or edited sentences
become the added, removed and changed passages. Changed facts come from the entities
stored at ingest: inside each edited sentence pair, amounts, numbers, percents and
targets are aligned by type and value, and a pair whose value differs is a change.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from index.store import FilterNoMatch, Index
from pipeline.sentences import split_sentences
from pipeline.types import Chunk, Entity

FACT_TYPES = ("amount", "number", "percent", "target")
SIMILAR = 0.5  # an edited sentence still shares at least this much text with its old self

SectionKey = tuple[str, tuple[str, ...]]


@dataclass
class _Sent:
    text: str
    chunk: Chunk
    start: int  # offset in the chunk text

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    def page(self) -> tuple[int, str | None]:
        """The PDF page and printed label the sentence lies on."""
        return self.chunk.page_at(self.start)


def _sections(chunks: Sequence[Chunk]) -> dict[SectionKey, list[_Sent]]:
    """Each section's sentences in reading order (dicts keep the document order)."""
    out: dict[SectionKey, list[_Sent]] = {}
    for c in chunks:
        sents = out.setdefault((c.part, tuple(c.section_path)), [])
        for s, e in split_sentences(c.text):
            sents.append(_Sent(c.text[s:e], c, s))
    return out


def _similar(a: str, b: str) -> bool:
    m = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return m.real_quick_ratio() >= SIMILAR and m.quick_ratio() >= SIMILAR and m.ratio() >= SIMILAR


def _align(old: list[_Sent], new: list[_Sent]) -> list[tuple[str, list[_Sent], list[_Sent]]]:
    """Runs of ("added" | "removed" | "changed", old sentences, new sentences), in order."""
    items: list[tuple[str, _Sent | None, _Sent | None]] = []
    sm = difflib.SequenceMatcher(None, [s.text for s in old], [s.text for s in new], autojunk=False)
    for op, i1, i2, j1, j2 in sm.get_opcodes():
        if op == "equal":
            items.append(("equal", None, None))
            continue
        j = j1
        for o in old[i1:i2]:
            k = next((k for k in range(j, j2) if _similar(o.text, new[k].text)), None)
            if k is None:
                items.append(("removed", o, None))
                continue
            items += [("added", None, n) for n in new[j:k]]
            items.append(("changed", o, new[k]))
            j = k + 1
        items += [("added", None, n) for n in new[j:j2]]
    runs: list[tuple[str, list[_Sent], list[_Sent]]] = []
    for kind, o, n in items:
        if kind == "equal":
            runs.append(("equal", [], []))
            continue
        if not runs or runs[-1][0] != kind:
            runs.append((kind, [], []))
        if o is not None:
            runs[-1][1].append(o)
        if n is not None:
            runs[-1][2].append(n)
    return [r for r in runs if r[0] != "equal"]


def _side(sents: list[_Sent]) -> dict[str, Any] | None:
    if not sents:
        return None
    pages = [s.page() for s in sents]
    return {
        "text": " ".join(s.text for s in sents),
        "pdf_pages": sorted({p for p, _ in pages}),
        "page_labels": list(dict.fromkeys(label for _, label in pages)),
    }


def fact_value(e: Entity) -> Any:
    """The comparable value of an amount / number / percent / target entity."""
    a = e.attrs
    if e.type == "amount":
        low, high = a.get("low"), a.get("high")
        return low if low == high else [low, high]
    if e.type == "target":
        return a.get("value") if a.get("value") is not None else e.text
    return a.get("value")


def _in(e: Entity, s: _Sent) -> bool:
    return e.chunk_id == s.chunk.id and s.start <= e.span[0] and e.span[1] <= s.end


def _fact_side(e: Entity, s: _Sent) -> dict[str, Any]:
    return {
        "text": e.text,
        "value": fact_value(e),
        "page_label": e.page_label,
        "pdf_page": e.pdf_page,
        "sentence": s.text,
    }


def _conversion(e: Entity) -> bool:
    return e.type == "amount" and "conversion_of" in e.attrs


def _converts(c: Entity, figure: Entity) -> bool:
    """``c`` is the bracketed conversion of ``figure``: inside it ("R51 ($2.64) million")
    or just after it ("R7,5 billion (US$400 million)")."""
    return _conversion(c) and figure.span[0] <= c.span[0] <= figure.span[1] + 12


def _facts(
    old: _Sent, new: _Sent, ents_old: list[Entity], ents_new: list[Entity]
) -> list[dict[str, Any]]:
    """Facts of one edited sentence whose value differs, aligned by (type, value) order."""
    a = sorted((e for e in ents_old if _in(e, old)), key=lambda e: e.span)
    b = sorted((e for e in ents_new if _in(e, new)), key=lambda e: e.span)
    keys_a = [(e.type, repr(fact_value(e))) for e in a]
    keys_b = [(e.type, repr(fact_value(e))) for e in b]
    pairs: list[tuple[Entity, Entity]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, keys_a, keys_b).get_opcodes():
        if op != "replace":
            continue
        left = list(a[i1:i2])
        for eb in b[j1:j2]:
            ea = next((x for x in left if x.type == eb.type), None)
            if ea is not None and fact_value(ea) != fact_value(eb):
                left.remove(ea)
                pairs.append((ea, eb))
    # A bracketed conversion changes with its figure: one changed fact, not two (a
    # conversion changed alone is reported).
    figures = [x for x, _ in pairs if x.type == "amount" and not _conversion(x)]
    pairs = [(x, y) for x, y in pairs if not any(_converts(x, f) for f in figures)]
    # A target restates its figure: report the figure itself when both changed.
    plain = [(x, y) for x, y in pairs if x.type != "target"]

    def covered(t: Entity, y: Entity) -> bool:
        return any(
            p.span[0] >= t.span[0]
            and p.span[1] <= t.span[1]
            and q.span[0] >= y.span[0]
            and q.span[1] <= y.span[1]
            for p, q in plain
        )

    kept = [(x, y) for x, y in pairs if x.type != "target" or not covered(x, y)]
    return [
        {
            "type": eb.type,
            "case": new.chunk.case,
            "section": new.chunk.section,
            "old": _fact_side(ea, old),
            "new": _fact_side(eb, new),
        }
        for ea, eb in kept
    ]


def _edition(doc: dict[str, Any]) -> dict[str, Any]:
    return {
        "sha256": doc["sha256"],
        "label": doc["label"],
        "title": doc["title"],
        "ingested_at": doc["ingested_at"],
    }


def pick_editions(
    index: Index,
    series: str | None = None,
    from_: str | None = None,
    to: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(series, from edition, to edition) for `casebook diff`; defaults: the current
    edition and the one ingested before it, in the only series with two editions."""
    all_series = index.series()
    if series is not None:
        s = index.resolve_series(series)
    else:
        named = [x for x in (from_, to) if x is not None]
        if named:
            s_id = index.resolve_edition(named[0])["series_id"]
            s = next(x for x in all_series if x["id"] == s_id)
        else:
            multi = [x for x in all_series if len(x["editions"]) > 1]
            if len(multi) != 1:
                names = "; ".join(repr(x["name"]) for x in multi) or "none"
                raise FilterNoMatch(
                    "name the series to compare (`casebook editions` lists them); "
                    f"series with several editions: {names}"
                )
            s = multi[0]
    eds = s["editions"]  # oldest first
    if len(eds) < 2 and (from_ is None or to is None):
        raise FilterNoMatch(f"series {s['name']!r} has only one edition: nothing to compare")
    new = index.resolve_edition(to, s["name"]) if to else next(d for d in eds if d["current"])
    if from_:
        old = index.resolve_edition(from_, s["name"])
    else:
        before = [
            d
            for d in eds
            if d["ingested_at"] <= new["ingested_at"] and d["sha256"] != new["sha256"]
        ]
        if not before:
            raise FilterNoMatch(
                f"no edition of {s['name']!r} is older than {new['label']!r}; give --from"
            )
        old = before[-1]
    return s, old, new


def diff_editions(index: Index, old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The `casebook diff --json` object (without "series") for two stored editions."""
    sec_old = _sections(index.chunks(old["sha256"]))
    sec_new = _sections(index.chunks(new["sha256"]))
    ents_old = index.entities(docs=[old["sha256"]], types=list(FACT_TYPES))
    ents_new = index.entities(docs=[new["sha256"]], types=list(FACT_TYPES))
    by_chunk_old: dict[str, list[Entity]] = {}
    by_chunk_new: dict[str, list[Entity]] = {}
    for e in ents_old:
        by_chunk_old.setdefault(e.chunk_id, []).append(e)
    for e in ents_new:
        by_chunk_new.setdefault(e.chunk_id, []).append(e)

    keys = list(sec_new) + [k for k in sec_old if k not in sec_new]
    passages: dict[str, list[dict[str, Any]]] = {"added": [], "removed": [], "changed": []}
    facts: list[dict[str, Any]] = []
    for key in keys:
        for kind, olds, news in _align(sec_old.get(key, []), sec_new.get(key, [])):
            any_chunk = (news or olds)[0].chunk
            passages[kind].append(
                {
                    "case": any_chunk.case,
                    "part": any_chunk.part,
                    "section": any_chunk.section,
                    "old": _side(olds),
                    "new": _side(news),
                }
            )
            if kind == "changed":
                for o, n in zip(olds, news, strict=True):
                    facts += _facts(
                        o, n, by_chunk_old.get(o.chunk.id, []), by_chunk_new.get(n.chunk.id, [])
                    )
    return {
        "from": _edition(old),
        "to": _edition(new),
        "changed_facts": facts,
        "passages": passages,
    }
