"""Score detected structure against a typesetting's manifest (the truth of what was printed).

Why a scorer of its own: the same comparison is run by the tests (one assertion per
"Done when" line) and by ``bench/score_structure.py`` (figures per PDF side by side), on
every typesetting that ships with a manifest, and on the synthetic typesettings of
``eval/typeset.py`` (their truth put in a manifest's shape). Nothing here is used at run
time.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from pipeline.tables import CELL_SEP, LABEL_SEP
from pipeline.types import Chunk, Structure


def norm(text: str) -> str:
    """Lower-case words only: printing differences (quotes, dashes, spacing) do not count."""
    text = unicodedata.normalize("NFKC", text).lower()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


_PAGE_OF = re.compile(r"\bpage \w+ of \d+\b", re.I)


def _alnum(text: str) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).lower())


def furniture_strings(manifest: dict[str, Any]) -> list[str]:
    """Header/footer strings printed on the pages (the manifest's own record of them)."""
    out: set[str] = set()
    for strings in manifest.get("page_furniture") or []:
        out.update(s for s in strings if not re.fullmatch(r"[\W\d]*[ivxlcdm\d]+[\W]*", s, re.I))
    if manifest.get("running_header"):
        out.add(manifest["running_header"])
    if "page_furniture" not in manifest:
        out.update(c["short_name"] for c in manifest["cases"] if c.get("short_name"))
    return sorted(out)


def score_structure(
    structure: Structure, chunks: list[Chunk], manifest: dict[str, Any]
) -> dict[str, Any]:
    """Named figures: cases and their pages, section recall/precision, labels, furniture,
    chunk pages and authors, with the misses listed so a failing test says what went wrong."""
    doc = structure.document
    found = [p for p in structure.parts if p.kind == "case"]
    truth = manifest["cases"]
    # Pair found cases with true ones by first page (a missed or extra case shows as a miss).
    by_first = {p.first_page: p for p in found}
    pairs = [(c, by_first.get(c["first_page"])) for c in truth]
    exact = [c["case_id"] for c, p in pairs if p is not None and p.last_page == c["last_page"]]
    case_pages = [(p.first_page, p.last_page) for p in found]

    tp = n_true = n_found = 0
    missed: list[str] = []
    extra: list[str] = []
    for c, p in pairs:
        want = {norm(s["heading"]) for s in c["sections"]}
        got = {norm(s.heading) for s in p.sections} if p else set()
        n_true += len(want)
        n_found += len(got)
        tp += len(want & got)
        missed += sorted(want - got)
        extra += sorted(got - want)
    paired = {id(q) for _, q in pairs}
    n_found += sum(len(p.sections) for p in found if id(p) not in paired)

    labels = [p.label for p in doc.pages]
    want_labels = manifest["page_labels"]
    bad_labels = [
        (i + 1, g, w) for i, (g, w) in enumerate(zip(labels, want_labels, strict=False)) if g != w
    ]
    if len(labels) != len(want_labels):
        bad_labels.append((0, len(labels), len(want_labels)))

    furniture = [norm(s) for s in furniture_strings(manifest)]
    furniture_hits = []
    for ch in chunks:
        text = norm(ch.text)
        pieces = {norm(ln) for ln in ch.text.split("\n\n")}
        for f in furniture:
            # A short string (a case's short name) may also be content; a long one may not.
            long_enough = len(f.split()) >= 6
            if f in pieces or (long_enough and f in text):
                furniture_hits.append((ch.pdf_pages, f))
        furniture_hits += [
            (ch.pdf_pages, m.group()) for m in _PAGE_OF.finditer(ch.text)
        ]  # "Page 3 of 80": a running line whatever the manifest lists

    # Each chunk sentence must be printed on one of the pages the chunk cites (manifest pages).
    page_text: dict[int, str] = {}
    for b in manifest["blocks"]:
        # A printed byline ("Name, Role, Affiliation") already holds the affiliation.
        printed = b.get("printed_text")
        txt = _alnum(printed or (b["text"] + (b.get("affiliation") or "")))
        for pg in b["pages"]:
            page_text[pg] = page_text.get(pg, "") + txt
    off_page, nowhere = [], []
    n_pieces = 0
    labels = table_labels(structure.document)
    for ch in chunks:
        hay = "".join(page_text.get(p, "") for p in ch.pdf_pages)
        sentences = re.split(r"(?<=[.!?])\s+|\n+", ch.text)
        for piece in (part for sent in sentences for part in printed_pieces(sent, labels)):
            key = _alnum(piece)[:60]
            if len(key) < 20:
                continue
            n_pieces += 1
            if key in hay:
                continue
            if any(key in t for t in page_text.values()):
                off_page.append((ch.pdf_pages, piece[:60]))
            else:  # read differently from what was printed (a manifest's text may differ)
                nowhere.append((ch.pdf_pages, piece[:60]))

    authors_missing = []
    for c, p in pairs:
        got = {norm(a) for a in p.authors} if p else set()
        for a in c["authors"]:
            if norm(a["name"]) not in got:
                authors_missing.append((c["case_id"], a["name"]))
    n_authors = sum(len(c["authors"]) for c in truth)
    extra_authors = [
        (c["case_id"], a)
        for c, p in pairs
        if p
        for a in p.authors
        if norm(a) not in {norm(x["name"]) for x in c["authors"]}
    ]
    return {
        "structure_source": getattr(structure, "source", None),
        "cases_found": len(found),
        "cases_true": len(truth),
        "cases_exact": len(exact),
        "case_pages": case_pages,
        "want_pages": [(c["first_page"], c["last_page"]) for c in truth],
        "section_recall": tp / n_true if n_true else 1.0,
        "section_precision": tp / n_found if n_found else 0.0,
        "sections_missed": missed,
        "sections_extra": extra,
        "labels_exact": len(want_labels) - len(bad_labels),
        "labels_total": len(want_labels),
        "labels_wrong": bad_labels,
        "furniture_in_chunks": furniture_hits,
        "chunk_pieces": n_pieces,
        "chunk_pieces_off_page": off_page,
        "chunk_pieces_nowhere": nowhere,
        "authors_total": n_authors,
        "authors_found": n_authors - len(authors_missing),
        "authors_missing": authors_missing,
        "authors_extra": extra_authors,
    }


def table_labels(doc: Any) -> set[str]:
    """The row and column labels the document's tables repeat beside each cell."""
    return {
        b.text[s:e].strip()
        for page in doc.pages
        for b in page.blocks
        if b.grid is not None
        for s, e in b.grid.labels
    }


def printed_pieces(sentence: str, labels: set[str]) -> list[str]:
    """What of a chunk sentence must be printed on its pages: a table cell read with its
    labels ("row — column: cell") without the labels, which repeat the table's header (on an
    earlier page when the table runs on)."""
    if LABEL_SEP not in sentence and CELL_SEP not in sentence:
        return [sentence]
    rest = sentence
    for label in sorted(labels, key=len, reverse=True):
        if label and (rest.startswith(label) or f"{LABEL_SEP}{label}{CELL_SEP}" in rest):
            rest = rest.replace(label, "\x00", 1)
    if rest == sentence:
        return [sentence]
    return [p for p in re.split(f"\x00|{LABEL_SEP}|{CELL_SEP}", rest) if p.strip()]
