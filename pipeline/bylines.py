"""Who wrote a part, in whichever convention the document prints it.

Forms read: bold name lines over an affiliation line; one line "Name, Role, Affiliation";
"By A (role) and B (role)"; an author table (name in the first cell); an "About the
authors" section at the end of a part. A candidate name is a run of capitalised words
that the document never prints in lower case: "Research Fellow" fails ("research" is a
word of the running text), "Mara Lindqvist" passes. That test comes from the document itself,
so no list of names or roles is needed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pipeline.sentences import split_sentences
from pipeline.tables import table_rows
from pipeline.types import Block

PARTICLES = {"de", "da", "van", "von", "der", "del", "la", "le", "y", "di", "du", "dos", "bin"}
_BY = re.compile(r"^(?:written\s+|edited\s+)?by\s+(.+)$", re.I | re.S)
_WORD = re.compile(r"^[A-ZÀ-Þ][\w'’.-]*$")
# Headings under which a part lists its authors (printed at its end in some series).
ABOUT_AUTHORS = re.compile(r"^(about the )?(authors?|contributors|writers)\b", re.I)


def lowercase_vocabulary(texts: Iterable[str]) -> set[str]:
    """Every word the document prints in lower case: ordinary words, never personal names."""
    words: set[str] = set()
    for t in texts:
        words.update(re.findall(r"(?<![\w’'])[a-zà-ÿ][a-zà-ÿ'’-]+", t))
    return words


def name_prefix(text: str, vocab: set[str], max_words: int = 5) -> str | None:
    """The personal name a line starts with, or None: 2–5 capitalised words not in ``vocab``."""
    words = text.strip().split()
    name: list[str] = []
    for w in words[: max_words + 2]:
        bare = w.rstrip(",;:")
        if (
            (bare.lower() in PARTICLES and name)
            or (
                _WORD.match(bare)
                and not bare.isupper()
                and bare.lower().strip(".") not in vocab
                and len(bare.strip(".")) > 1
            )
            or (len(bare) == 2 and bare.endswith(".") and bare[0].isupper())
        ):
            name.append(bare)
        else:
            break
        if bare != w:  # a comma ends the name
            break
    while name and name[-1].lower() in PARTICLES:
        name.pop()
    if not 2 <= len(name) <= max_words or name[-1].endswith("."):
        return None
    return " ".join(name)


def by_line(text: str, vocab: set[str]) -> list[str]:
    """Names in "By A (role) and B (role)" / "By A, B and C"."""
    m = _BY.match(text.strip())
    if not m:
        return []
    body = m.group(1)
    has_roles = "(" in body
    body = re.sub(r"\([^)]*\)", "", body)
    pieces = re.split(r"\s+and\s+|\s*&\s*|;\s*" + (r"|,\s*" if has_roles else ""), body)
    names = [name_prefix(p, vocab) for p in pieces]
    return [n for n in names if n]


def authors_from_blocks(blocks: list[Block], vocab: set[str]) -> list[str]:
    """Authors from the blocks between a part's title and its first heading.

    Bold name lines (already marked ``author``) win; else "By …" lines; else author-table
    rows and one-line "Name, Role" bylines.
    """
    marked = [b.text.strip() for b in blocks if b.kind == "author"]
    if marked:
        return marked
    found: list[str] = []
    for b in blocks:
        found += by_line(b.text, vocab)
    if found:
        return _unique(found)
    candidates: list[tuple[str, float]] = []
    for b in blocks:
        # A table's rows, or the printed lines of a block (bylines set one under another
        # in running-text style are joined into one block by layout).
        rows = table_rows(b) if b.kind == "table" else [ln.text for ln in b.lines]
        if b.kind != "table" and "; " in b.text:
            # "Name, Role, Affiliation; Name, Role, …" run on as one byline paragraph.
            rows = [r.strip() for r in b.text.split(";")]
        for row in rows:
            cell = row.split(" | ")[0]
            if len(row.split()) > 30 or cell.rstrip().endswith("."):
                continue
            name = name_prefix(cell, vocab)
            rest = cell[len(name) :].strip() if name else ""
            # A name alone, or followed by its role after a comma or in another cell.
            if name and (not rest or rest.startswith(",") or " | " in row or b.bold):
                candidates.append((name, b.x0))
    # Set as a grid that was not read as a table, names stand in the first column; a role
    # ("Associate Professor, …") in the next column is not a name.
    left = min((x for _, x in candidates), default=0.0)
    return _unique([name for name, x in candidates if x <= left + 3])


_CONTRIBUTIONS = re.compile(r"^with contributions? (from|by):?\s*", re.I)


def authors_at_end(blocks: list[Block], vocab: set[str]) -> tuple[list[str], str | None]:
    """Names that open the paragraphs, rows or sentences of an "About the authors" section
    ("Name is Role at Affiliation. Name is …" in one paragraph), and a "with contributions
    from" note found there."""
    found = []
    contributors = None
    for b in blocks:
        for row in table_rows(b):
            for sentence in (row[s:e] for s, e in split_sentences(row)):
                if _CONTRIBUTIONS.match(sentence):
                    contributors = _CONTRIBUTIONS.sub("", sentence).strip()
                    continue
                name = name_prefix(sentence.split(" | ")[0], vocab)
                if name:
                    found.append(name)
    return _unique(found), contributors


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(names))
