"""Score detected headings against a document's known headings (recall, precision, pages),
and whether the structure read from a PDF's bookmarks reproduces them exactly.

Why a scorer of its own: the same figures are asserted by a test and printed per producer
and heading convention by ``bench/score_headings.py``. Nothing here is used at run time.
"""

from __future__ import annotations

from typing import Any

from eval.structure import norm
from pipeline.numbering import split_number
from pipeline.types import OutlineEntry, Structure


def _key(text: str) -> str:
    """Letters and digits of the heading without its number: a space put inside a word by
    kerned text ("Co ver") is a text-extraction matter, not a missed heading."""
    return norm(split_number(text.strip())[1]).replace(" ", "")


def detected_headings(structure: Structure) -> list[tuple[str, int, int]]:
    """(heading, depth, first page) of every part title and section, in reading order:
    a part title is depth 0, its sections 1, 2, … below it."""
    out: list[tuple[str, int, int]] = []

    def walk(sec: Any, depth: int) -> None:
        out.append((sec.heading, depth, sec.first_page))
        for sub in sec.subsections:
            walk(sub, depth + 1)

    for part in structure.parts:
        out.append((part.title, 0, part.first_page))
        for sec in part.sections:
            walk(sec, 1)
    return out


def score_headings(
    structure: Structure, truth: list[tuple[str, int]], title: str = ""
) -> dict[str, Any]:
    """Recall and precision of heading texts (number split off, printing differences
    ignored) and the share of found headings on their true first page.

    ``truth`` is (printed heading, pdf page) in reading order. The document's ``title`` is
    not a heading: where it is found (a part's title, or a heading) it is not counted.
    """
    found = [h for h in detected_headings(structure) if not title or _key(h[0]) != _key(title)]
    pool: dict[str, list[int]] = {}
    for text, _, page in found:
        pool.setdefault(_key(text), []).append(page)
    tp = pages_right = 0
    missed: list[str] = []
    wrong_page: list[str] = []
    for text, page in truth:
        pages = pool.get(_key(text))
        if pages:
            tp += 1
            got = pages.pop(0)
            if got == page:
                pages_right += 1
            else:
                wrong_page.append(f"{text} (p{got}, not p{page})")
        else:
            missed.append(text)
    extra = [t for k, pages in pool.items() for t in [k] * len(pages)]
    return {
        "true": len(truth),
        "found": len(found),
        "matched": tp,
        "recall": tp / len(truth) if truth else 1.0,
        "precision": tp / len(found) if found else 0.0,
        "page_right": pages_right / tp if tp else 0.0,
        "missed": missed,
        "extra": extra,
        "wrong_page": wrong_page,
    }


def outline_exact(structure: Structure, outline: list[OutlineEntry]) -> list[str]:
    """Differences between the bookmarks and the parts/sections built from them (empty when
    the structure follows the outline exactly: titles, nesting and first pages)."""
    top = min((e.level for e in outline), default=1)
    want = [(_key(e.title), e.level - top, e.pdf_page) for e in outline]
    got = [(_key(t), d, p) for t, d, p in detected_headings(structure)]
    # Text before the first bookmark is a part of its own, not declared by the outline.
    if got and want and got[0] != want[0]:
        got = got[1:]
    diffs = [f"{g} != {w}" for g, w in zip(got, want, strict=False) if g != w]
    if len(got) != len(want):
        diffs.append(f"{len(got)} entries built, {len(want)} declared")
    return diffs
