"""Canonical actor names: acronyms, surnames, titles and short forms merged per document."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from pipeline.actors import (
    _ACRONYM_RE,
    _CONNECTORS,
    _NAME_PARTICLES,
    _TITLE_WORDS,
    _fold,
    _initials,
    _Mention,
    _type_from_head,
)
from pipeline.types import Entity


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


# generic heads of a programme's name, dropped when comparing two names of one programme
# (general English nouns of policy documents; a subset of programme_heads.txt)
_GENERIC_PROGRAMME_HEADS = frozenset(
    {"plan", "mission", "programme", "program", "strategy", "vision", "agenda"}
)
# spaCy's labels of named bodies, people, places and laws
_NER_LABELS = frozenset({"PERSON", "ORG", "GPE", "FAC", "NORP", "LAW"})
# general English nouns for a polity named after its place ("City of X", "State of X")
_POLITY_OF_RE = re.compile(r"^(?:city|town|municipality|state|republic|province|county) of (.+)$")
# endings that make a people or an adjective of a place's name ("Ghana" -> "Ghanaian")
DEMONYM_ENDINGS = ("ers", "er", "ians", "ian", "ans", "an", "ese", "is", "i", "ites", "ite")


def demonym_of(word: str, place: str) -> bool:
    """True when ``word`` (folded) is the people or adjective of ``place`` (folded):
    "bangladeshi" of "bangladesh", "south african" of "south africa", "ghanaian" of "ghana"."""
    if len(place) < 4 or word == place:
        return False
    return (word.startswith(place) and word[len(place) :] in DEMONYM_ENDINGS) or (
        place[-1] in "ae"
        and word.startswith(place[:-1])
        and word[len(place) - 1 :] in DEMONYM_ENDINGS
    )


def _strip_titles(words: list[str]) -> list[str]:
    k = 0
    while k < len(words) - 1 and words[k].lower().strip(".") in _TITLE_WORDS:
        k += 1
    return words[k:]


def _abbreviates(short: str, long: str) -> bool:
    """True when ``short`` stands for ``long``: its initials ("NDB" ~ National Development
    Bank), the initials after a leading word of three letters or more ("DB" is too short to
    tell), or word by word, each part written out or as initials ("NTU CURH" ~ "NTU
    Centre for Urban Resilience and Housing")."""
    s = short.upper()
    if s == _initials(long):
        return True
    rest = long.split()[1:]
    if len(s) >= 3 and rest and s == _initials(" ".join(rest)):
        return True
    parts = [p for p in re.split(r"[\s-]+", short) if p]
    if len(parts) < 2:
        return False
    words = [w for w in long.split() if w[:1].isupper()]

    def match(pi: int, wi: int) -> bool:
        if pi == len(parts):
            return wi == len(words)
        p = parts[pi].upper()
        if wi < len(words) and words[wi].upper() == p and match(pi + 1, wi + 1):
            return True
        return any(
            "".join(w[0] for w in words[wi:wj]).upper() == p and match(pi + 1, wj)
            for wj in range(wi + 2, len(words) + 1)
        )

    return match(0, 0)


def _typo_pair(a: str, b: str) -> bool:
    """Two spellings of one name: same words, each off by at most one letter or one swap
    ("Jon Smiht" ~ "Jon Smith")."""
    wa, wb = a.split(), b.split()
    if a == b or len(wa) != len(wb) or len(a) < 8:
        return False
    return all(x == y or (x[0] == y[0] and _osa(x, y) <= 1) for x, y in zip(wa, wb, strict=True))


def _osa(a: str, b: str) -> int:
    """Edit distance with adjacent swaps (optimal string alignment)."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def _is_acronym(t: str) -> bool:
    return " " not in t and bool(_ACRONYM_RE.match(t)) and sum(ch.isupper() for ch in t) >= 2


def _is_compound_acronym(t: str) -> bool:
    """ "NTU CURH", "NTU-CURH": short forms joined, each in capitals."""
    parts = [p for p in re.split(r"[\s-]+", t) if p]
    return len(parts) >= 2 and all(p.isupper() and len(p) >= 2 for p in parts)


def _is_suffix_of_any(f: str, folds: Iterable[str]) -> bool:
    return any(g != f and g.endswith(" " + f) for g in folds)


def _canonicalize(
    items: list[tuple[int, str | None, _Mention]],
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

    def first_word_of(i: int, case: str | None) -> str | None:
        """The one longer name of the case that opens with this one-word name ("Kestrel"
        of "Kestrel Recycling": a body named short by its first word), if there is one."""
        m = mention[i]
        if len(m.text.split()) != 1 or m.text.isupper() or folds[i] in places:
            return None
        if m.hint == "person" or m.label == "PERSON":
            return None
        longer = {
            folds[j]
            for j in by_case[case]
            if folds[j].startswith(folds[i] + " ")
            and mention[j].hint not in {"person", "acronym", "alias"}
            and mention[j].label != "PERSON"
            and folds[j] not in places
        }
        return next(iter(longer)) if len(longer) == 1 else None

    def most_frequent(js: list[int]) -> int:
        return max(js, key=lambda j: (freq[folds[j]], len(folds[j])))

    # a "person" that is the first words of a longer non-person name is that name cut short
    # (a line break, a byline): "Northern Energy" of "Northern Energy Fund"
    nonperson_long = [
        j for j, _c, mj in items
        if mj.label != "PERSON" and mj.hint not in {"person", "acronym", "alias"}
        and len(folds[j].split()) >= 3
    ]  # fmt: skip
    for i, _c, m in items:
        if (m.label == "PERSON" or m.source == "affiliation") and len(folds[i].split()) >= 2:
            longer = [j for j in nonperson_long if folds[j].startswith(folds[i] + " ")]
            if longer:
                m.hint, m.label = "truncated", None
                uf.union(key[i], folds[most_frequent(longer)])
    # what each name's short form would be: its initials, and those after a long first word
    initials: dict[int, set[str]] = {}
    for j, _c, mj in items:
        rest = _initials(" ".join(mj.text.split()[1:]))
        initials[j] = {_initials(mj.text)} | ({rest} if len(rest) >= 3 else set())
    persons_full = [
        i for i, _c, m in items
        if (m.hint == "person" or m.label == "PERSON") and len(_strip_titles(m.text.split())) >= 2
    ]  # fmt: skip
    for i, case, m in items:
        f = folds[i]
        words = m.text.split()
        if m.hint == "truncated":
            continue
        # 1. acronyms: defined in the text, else initials of a long name
        if (
            m.hint == "acronym"
            or m.source == "defined"
            or _is_acronym(m.text)
            or _is_compound_acronym(m.text)
        ):
            if m.source == "defined" and m.label:
                uf.union(key[i], _fold(m.label))
                continue
            acr = m.text.rstrip("s") if m.text.endswith("s") and m.text[:-1].isupper() else m.text
            compound = _is_compound_acronym(acr)
            hits = []
            for pool in (by_case[case], [j for j, _c, _m in items]):
                hits = [
                    j for j in pool
                    if folds[j] in proper and folds[j] != f and mention[j].hint != "person"
                    and (acr.upper() in initials[j]
                         or (compound and _abbreviates(acr, mention[j].text)))
                ]  # fmt: skip
                if hits:
                    break
            if hits:
                uf.union(key[i], folds[most_frequent(hits)])
            elif (first := first_word_of(i, case)) is not None:
                uf.union(key[i], first)  # "KestrelWorks" of "KestrelWorks Recycling"
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
        # 4. short forms within the case: "the Bank", "City Council", "Water Plan"
        # (a place is its own name: "the Lagos" of a heading is no short form of "X Lagos")
        if m.hint != "person" and m.label != "PERSON" and f not in places:
            longs = longer_forms(i, by_case[case])
            ok = []
            for j in longs:
                prefix = folds[j][: -len(f) - 1]
                if prefix.split()[-1] in _CONNECTORS:
                    continue  # "Office for the Care Plan": the plan is its object, not it
                if (m.definite and len(words) <= 3) or prefix in places or prefix in proper:
                    ok.append(j)
            if ok:
                key[i] = (case, f)
                uf.union(key[i], folds[most_frequent(ok)])
                if len(words) >= 3:
                    uf.union(key[i], f)  # a long name is one name in every case
                continue
            first = first_word_of(i, case)
            if first is not None:
                uf.union(key[i], first)
                continue
            # "Lagos Transit Plan": a place, then a short form of a name in this case
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
    # 4a. "City of Lagos" is the place "Lagos"
    for i, _c, _m in items:
        polity = _POLITY_OF_RE.match(folds[i])
        if polity and polity.group(1) in places:
            uf.union(key[i], polity.group(1))
    # 4b. "the Kenyan Government" is the "Government of Kenya" the document also names
    of_place: dict[str, list[tuple[str, str]]] = defaultdict(list)  # head -> (name, place)
    for g in sorted(set(folds.values())):
        head, sep, place = g.partition(" of ")
        if sep and " " not in head:
            of_place[head].append((g, place))
    for i, _c, _m in items:
        ws = folds[i].split()
        if len(ws) < 2 or ws[-1] not in of_place:
            continue
        adj = " ".join(ws[:-1])
        for g, place in of_place[ws[-1]]:
            if demonym_of(adj, place):
                uf.union(key[i], g)
                break
    # 4c. one person spelt two ways in the document ("Jon Smiht" ~ "Jon Smith")
    full = sorted({folds[i] for i in persons_full})
    for a_i, a in enumerate(full):
        for b in full[a_i + 1 :]:
            if _typo_pair(a, b):
                uf.union(a, b)
    # 5. programme names differing only in their generic head ("... Plan" / "... Mission")
    # and a name written with and without such a head ("Smart Port Vision" / "Smart Port")
    for _case, idxs in by_case.items():
        stems: dict[str, list[int]] = defaultdict(list)
        for i in idxs:
            ws = folds[i].split()
            if len(ws) >= 3 and ws[-1] in _GENERIC_PROGRAMME_HEADS:
                stem = ws[:-1]
                if len(stem) >= 3 and stem[0] in places:
                    stem = stem[1:]  # "<City> Right to Work Plan" ~ "Right to Work Mission"
                stems[" ".join(stem)].append(i)
        bare = {
            folds[i]: i
            for i in idxs
            if len(folds[i].split()) >= 2
            and folds[i] not in places
            and mention[i].hint not in {"person", "acronym", "alias", "shortform"}
            and mention[i].label != "PERSON"
            and _type_from_head(mention[i].text.split()) is None
        }
        for stem, js in stems.items():
            if stem in bare:
                js.append(bare[stem])
        for js in stems.values():
            for j in js[1:]:
                uf.union(key[js[0]], key[j])
    clusters: dict[Any, list[int]] = defaultdict(list)
    for i, _c, _m in items:
        clusters[uf.find(key[i])].append(i)
    out: dict[int, tuple[str, str, list[str]]] = {}
    for members in clusters.values():
        ms = [mention[i] for i in members]
        # a name given its own short form in brackets is a body: people get no acronym
        defined = any(m.source == "defined" for m in ms)
        persons = [m for m in ms if (m.hint == "person" or m.label == "PERSON")
                   and len(_strip_titles(m.text.split())) >= 2 and not defined]  # fmt: skip
        bodies = sum(m.label == "ORG" or m.hint == "organisation" for m in ms)
        outvoted = bodies > sum(m.hint == "person" or m.label == "PERSON" for m in ms)
        if outvoted:
            persons = []  # one table cell the model read as a person outvoted by the prose
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
                pool, key=lambda m: (not m.text.isupper(), freq[_fold(m.text)], len(m.text), m.text)
            ).text
            f = _fold(canon)
            head_type = _type_from_head(canon.split(), plural=True)
            if head_type is None and any(
                _fold(m.text).split()[-1] in _GENERIC_PROGRAMME_HEADS
                for m in ms
                if m.hint != "alias" and len(m.text.split()) >= 2
            ):
                head_type = "programme"  # "Smart Port" is the "Smart Port Vision" named short
            if head_type:
                atype = head_type
            elif f in places or any(m.label in {"GPE", "LOC"} for m in ms):
                atype = "place"
            elif defined:
                atype = "organisation"
            elif any(m.label == "PERSON" for m in ms) and len(canon.split()) >= 2 and not outvoted:
                atype = "person"
            elif any(
                m.label in {"ORG", "FAC", "NORP"} or m.hint in {"acronym", "collective"} for m in ms
            ):
                atype = "organisation"
            else:
                atype = "programme"
        # weak clusters: an unlabelled capitalised phrase seen once is more likely a title,
        # unless the parse has it act (the subject or the agent of a clause), the model
        # reads the same words as one name, or it is listed with other names
        strong = any(
            m.source
            in {
                "spacy",
                "defined",
                "law",
                "line",
                "collective",
                "alias",
                "affiliation",
                "listed",
                "classified",
            }
            or m.hint in {"person", "collective"}
            or _type_from_head(m.text.split())
            or (m.label in _NER_LABELS and m.acts)
            or m.listed
            for m in ms
        )
        if all(m.hint == "shortform" for m in ms):
            continue  # "the Presidency" with no longer name of it in its case
        acr_only = all(m.hint == "acronym" for m in ms)
        if acr_only and not any(_fold(m.text) in spacy_labelled for m in ms) and len(ms) < 2:
            strong = False
        if not strong and len(ms) < 2:
            continue
        if acr_only and len(ms) < 2 and not any(m.label for m in ms):
            continue
        surfaces = sorted({re.sub(r"\s+", " ", m.text) for m in ms}, key=lambda s: (-len(s), s))
        canon = re.sub(r"\s+", " ", canon)
        for i in members:
            out[i] = (canon, atype, surfaces)
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
