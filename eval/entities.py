"""Score extracted entities against hand-written gold (``dev-entities.json``).

Per gold part (``front``, a case id, ...) and per type:
- amounts: same currency and low/high within 0.5 %;
- targets: same deadline (``None`` = none stated) and at least 60 % of the gold text's
  content words found in the predicted ``text`` or ``statement``;
- actors: a gold actor is recalled when its mentions found in the part's predictions all
  carry ONE predicted canonical name (mentions merged).  Mention matching ignores case,
  accents, punctuation and a leading "the"; a gold mention with no exact match may match a
  predicted mention that contains it or is contained in it when they share >= 60 % of tokens
  (the gold quotes a few names cut at a line break, e.g. "Housing Enforcement Task").

Precision counts distinct predictions (duplicates across chunks count once): a predicted
amount/target is right when it matches any gold item of its part.

The manifest helpers at the end build stand-in chunks for tests and the bench only.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipeline.types import Chunk, Entity

_STOP = {
    "a", "an", "the", "of", "to", "in", "for", "and", "or", "by", "on", "at", "with", "its",
    "their", "our", "is", "are", "be", "will", "have", "has", "from", "that", "this", "s",
}  # fmt: skip


def norm(s: str) -> str:
    """Case-, accent- and punctuation-free form, without a leading "the"."""
    s = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", s))
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).casefold()
    s = re.sub(r"[^\w]+", " ", s).strip()
    return re.sub(r"^the\s+", "", s)


def _content_tokens(s: str) -> list[str]:
    return [t for t in norm(s).split() if t not in _STOP]


def _close(a: float, b: float, tol: float = 0.005) -> bool:
    return abs(a - b) <= tol * max(abs(a), abs(b), 1e-9)


def _amount_match(e: Entity, g: dict[str, Any]) -> bool:
    a = e.attrs
    return (
        a.get("currency") == g["currency"]
        and _close(float(a.get("low", -1)), float(g["low"]))
        and _close(float(a.get("high", -1)), float(g["high"]))
    )


def _target_match(e: Entity, g: dict[str, Any], min_cover: float = 0.6) -> bool:
    if e.attrs.get("deadline") != g.get("deadline"):
        return False
    gold = set(_content_tokens(g["text"]))
    if not gold:
        return False
    best = 0.0
    for field in (e.text, e.attrs.get("statement") or ""):
        pred = set(_content_tokens(field))
        best = max(best, len(gold & pred) / len(gold))
    return best >= min_cover


def _mention_match(gold_mention: str, pred_mentions: dict[str, str]) -> set[str]:
    """Canonical names whose mentions match ``gold_mention`` (exact, else containment)."""
    g = norm(gold_mention)
    exact = {name for m, name in pred_mentions.items() if m == g}
    if exact:
        return exact
    gt = g.split()
    out = set()
    for m, name in pred_mentions.items():
        mt = m.split()
        short, long_ = (gt, mt) if len(gt) <= len(mt) else (mt, gt)
        if len(short) < 2 or len(short) / len(long_) < 0.6:
            continue
        n = len(short)
        if any(long_[k : k + n] == short for k in range(len(long_) - n + 1)):
            out.add(name)
    return out


def _pr(tp_gold: int, n_gold: int, tp_pred: int, n_pred: int) -> dict[str, Any]:
    return {
        "recall": tp_gold / n_gold if n_gold else None,
        "precision": tp_pred / n_pred if n_pred else None,
        "gold": n_gold,
        "predicted": n_pred,
        "recalled": tp_gold,
        "correct": tp_pred,
    }


def score_entities(
    entities: list[Entity], gold: dict[str, Any], part_of: Callable[[Entity], str | None]
) -> dict[str, Any]:
    """Recall and precision per type and gold part, plus micro totals under ``"all"``.

    Returns ``{"amounts": {part: {...}, "all": {...}}, "targets": ..., "actors": ...}`` and
    ``"misses"`` listing the gold items not recalled (for reading, not for asserting).
    """
    by_part: dict[str, list[Entity]] = defaultdict(list)
    for e in entities:
        p = part_of(e)
        if p is not None:
            by_part[p].append(e)
    result: dict[str, Any] = {"amounts": {}, "targets": {}, "actors": {}, "misses": {}}
    totals = {k: [0, 0, 0, 0] for k in ("amounts", "targets", "actors")}
    typed_total = 0  # recalled gold actors whose type (person, organisation, ...) agrees
    for part, g in gold.items():
        ents = by_part.get(part, [])
        misses: list[str] = []
        # amounts
        amounts = {
            (e.attrs.get("currency"), e.attrs.get("low"), e.attrs.get("high")): e
            for e in ents
            if e.type == "amount"
        }
        preds = list(amounts.values())
        rec = 0
        for ga in g.get("amounts", []):
            if any(_amount_match(e, ga) for e in preds):
                rec += 1
            else:
                misses.append(f"amount: {ga['text']}")
        cor = sum(1 for e in preds if any(_amount_match(e, ga) for ga in g.get("amounts", [])))
        result["amounts"][part] = _pr(rec, len(g.get("amounts", [])), cor, len(preds))
        _add(totals["amounts"], rec, len(g.get("amounts", [])), cor, len(preds))
        # targets
        seen: dict[tuple[str, Any], Entity] = {}
        for e in ents:
            if e.type == "target":
                seen.setdefault((norm(e.text), e.attrs.get("deadline")), e)
        preds = list(seen.values())
        rec = 0
        for gt in g.get("targets", []):
            if any(_target_match(e, gt) for e in preds):
                rec += 1
            else:
                misses.append(f"target: {gt['text']} ({gt.get('deadline')})")
        cor = sum(1 for e in preds if any(_target_match(e, gt) for gt in g.get("targets", [])))
        result["targets"][part] = _pr(rec, len(g.get("targets", [])), cor, len(preds))
        _add(totals["targets"], rec, len(g.get("targets", [])), cor, len(preds))
        # actors
        pred_mentions: dict[str, str] = {}
        names: set[str] = set()
        kinds: dict[str, str] = {}
        for e in ents:
            if e.type == "actor":
                pred_mentions.setdefault(norm(e.text), e.attrs["name"])
                names.add(e.attrs["name"])
                kinds.setdefault(e.attrs["name"], e.attrs.get("actor_type", ""))
        rec = typed = 0
        matched_names: set[str] = set()
        for ga in g.get("actors", []):
            hit: set[str] = set()
            for gm in ga["mentions"]:
                hit |= _mention_match(gm, pred_mentions)
            if len(hit) == 1:
                rec += 1
                typed += kinds.get(next(iter(hit))) == ga.get("type")
            else:
                why = "not found" if not hit else f"split: {sorted(hit)}"
                misses.append(f"actor: {ga['name']} ({why})")
            matched_names |= hit
        n_gold = len(g.get("actors", []))
        result["actors"][part] = _pr(rec, n_gold, len(matched_names & names), len(names))
        result["actors"][part]["typed"] = typed
        result["actors"][part]["type_accuracy"] = typed / rec if rec else None
        _add(totals["actors"], rec, n_gold, len(matched_names & names), len(names))
        typed_total += typed
        result["misses"][part] = misses
    for k, (a, b, c, d) in totals.items():
        result[k]["all"] = _pr(a, b, c, d)
    rec_all = result["actors"]["all"]["recalled"]
    result["actors"]["all"]["typed"] = typed_total
    result["actors"]["all"]["type_accuracy"] = typed_total / rec_all if rec_all else None
    return result


def _add(acc: list[int], *vals: int) -> None:
    for k, v in enumerate(vals):
        acc[k] += v


# ------------------------------------------------------------- manifest stand-ins (tests/bench)


def load_gold(path: str | Path) -> dict[str, Any]:
    """Read ``dev-entities.json``."""
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def manifest_chunks(path: str | Path, doc_sha256: str = "") -> tuple[list[Chunk], dict[str, str]]:
    """Stand-in for the chunker: one chunk per (part, case, section) run of manifest blocks.

    Returns the chunks and a map chunk id -> gold part id (case id, or ``front`` for the
    matter before the first case).  Only for tests and the bench: the real chunker makes
    ``Chunk`` objects with the same fields.
    """
    with open(path, encoding="utf-8") as fh:
        manifest = json.load(fh)
    title = manifest.get("document_title", "")
    case_titles = {c["case_id"]: c["title"] for c in manifest.get("cases", [])}
    first_case_page = min((c["first_page"] for c in manifest.get("cases", [])), default=10**9)
    groups: list[tuple[tuple[Any, ...], list[dict[str, Any]]]] = []
    for b in manifest["blocks"]:
        key = (b["part"], b["case_id"], b["section"])
        if groups and groups[-1][0] == key:
            groups[-1][1].append(b)
        else:
            groups.append((key, [b]))
    chunks: list[Chunk] = []
    part_of: dict[str, str] = {}
    offset = 0
    for (part, case_id, section), blocks in groups:
        text = "\n\n".join(b["text"] for b in blocks)
        pages: list[int] = []
        labels: list[str | None] = []
        for b in blocks:
            for p, lab in zip(b["pages"], b["page_labels"], strict=False):
                if p not in pages:
                    pages.append(p)
                    labels.append(lab)
        cid = hashlib.sha256(f"{doc_sha256}\0{text}".encode()).hexdigest()[:16]
        chunks.append(
            Chunk(
                id=cid,
                text_hash=hashlib.sha256(text.encode()).hexdigest()[:16],
                text=text,
                doc_sha256=doc_sha256,
                document=title,
                part_kind="case"
                if case_id
                else ("front" if pages[0] < first_case_page else "back"),
                case=case_titles.get(case_id) if case_id else None,
                part=case_titles.get(case_id, part) if case_id else part,
                section_path=[section] if section else [],
                pdf_pages=pages,
                page_labels=labels,
                start=offset,
                end=offset + len(text),
            )
        )
        offset += len(text) + 2
        if case_id:
            part_of[cid] = case_id
        elif pages[0] < first_case_page:
            part_of[cid] = "front"
    return chunks, part_of
