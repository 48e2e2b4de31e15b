"""Lists of names: the bullet items of a list that its heading says names members.

An appendix or a box often lists the bodies that took part ("List of participating
organisations:", "Partners", "Members of the board") as bare bullet items, one or a few
names an item: "• Alpha Grid, Beta Works & Gamma CIC".  The prose rules miss many of them:
a name with a common word in front ("Bright Kitchen Collective"), a number
("Harbour 7 Trust Ltd"), a one-word brand, or a lower-case first letter ("onTrack CIC").  Under
a heading that announces members, each part of such an item is one name as written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from pipeline.actors import _CONNECTORS, _Mention, _type_from_head
from pipeline.lexicons import load

MEMBER_NOUNS = load("member_nouns")
# bullet signs, with the codes a bullet of a symbol font is extracted as when the font's
# encoding is lost (U+007F, and the private-use U+F0B7 / U+F0A7 of Word's Symbol bullets)
LIST_BULLETS = "•▪●◦‣∙\x7f\uf0b7\uf0a7"
# an item runs from its bullet (or a dash opening a line) to the next bullet or line end:
# some typesettings run a list's items on one line
_BULLET_ITEM_RE = re.compile(
    rf"(?:^[ \t]*[-–]|[{LIST_BULLETS}])[ \t]+"
    rf"(?P<item>[^\n{LIST_BULLETS}]+?)[ \t]*(?=$|[{LIST_BULLETS}])",
    re.M,
)
_PART_SPLIT_RE = re.compile(r",\s+|\s+&\s+|\s*;\s*")
_TRAILING_NOTE_RE = re.compile(r"\s*\([^()]*\)\s*$")


def announces_members(heading: str) -> bool:
    """True when a heading says that what follows names members ("Participating teams")."""
    words = re.findall(r"[a-z]+", heading.lower())
    return any(w in MEMBER_NOUNS for w in words)


def _name_word(w: str) -> bool:
    """A word that may stand in a name written as a list item: capitalised, a number, a
    brand with a capital inside ("onTrack"), or a connector ("Room to Grow")."""
    core = w.strip(".,'’\"“”()")
    if not core:
        return False
    if core.lower() in _CONNECTORS or core == "&":
        return True
    return core[0].isupper() or core[0].isdigit() or any(ch.isupper() for ch in core[1:])


def listed_names(
    text: str, common: Callable[[str], bool], places: set[str]
) -> list[tuple[int, int]]:
    """Spans of the names in the bullet items of ``text`` (items of names only).

    An item is read when every word of each of its parts may stand in a name; a part that
    is one common word or a place the text names elsewhere is left out."""
    out: list[tuple[int, int]] = []
    for m in _BULLET_ITEM_RE.finditer(text):
        item_start = m.start("item")
        item = m.group("item").rstrip(".;")
        pos = 0
        parts: list[tuple[int, int]] = []
        for sep in [*_PART_SPLIT_RE.finditer(item), None]:
            end = sep.start() if sep else len(item)
            parts.append((pos, end))
            pos = sep.end() if sep else pos
        spans: list[tuple[int, int]] = []
        for a, b in parts:
            piece = item[a:b]
            note = _TRAILING_NOTE_RE.search(piece)
            if note:
                piece = piece[: note.start()]
            lead = re.match(r"(?:The|the)\s+", piece)
            if lead:
                a, piece = a + lead.end(), piece[lead.end() :]
            words = piece.split()
            if not words or len(words) > 8 or not all(_name_word(w) for w in words):
                spans = []
                break  # an item with a lower-case word is prose, not a list of names
            if words[0].lower() in _CONNECTORS:
                spans = []
                break
            if len(words) == 1 and (common(words[0]) or words[0].lower() in places):
                continue
            spans.append((item_start + a, item_start + a + len(piece)))
        out.extend(spans)
    return out


def merge_listed(
    mentions: Sequence[_Mention], spans: Sequence[tuple[int, int]], text: str
) -> list[_Mention]:
    """The chunk's mentions with each listed name as one mention: a shorter mention inside
    it ("Kitchen Collective" of "Bright Kitchen Collective") gives way, unless the words
    in front of it end in a connector ("Residents of X Trust": X Trust is the name)."""
    kept = list(mentions)
    for s, e in spans:
        inside = [m for m in kept if s <= m.start and m.end <= e]
        if any(m.start == s and m.end == e for m in inside):
            for m in inside:
                if m.start == s and m.end == e:
                    m.listed = True
            continue
        across = [
            m for m in kept
            if (m.start < s < m.end or m.start < e < m.end) and not (s <= m.start and m.end <= e)
        ]  # fmt: skip
        if any(re.search(r"[,&;]", m.text) for m in across):
            continue  # a mention across the item's parts: leave the prose rules' reading
        # a mention that runs past the item's name gives way to it
        kept = [m for m in kept if m not in across]
        prefix_words = [text[s : m.start].split() for m in inside if m.start > s]
        if any(ws and ws[-1].lower() in _CONNECTORS for ws in prefix_words):
            continue
        kept = [m for m in kept if m not in inside]
        words = text[s:e].split()
        kept.append(
            _Mention(
                s,
                e,
                text[s:e],
                _type_from_head(words) or "organisation",
                "listed",
                label="ORG",
                listed=True,
            )
        )
    return kept
