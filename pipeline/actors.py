"""Actor mentions in one parsed chunk: organisations, bodies, programmes, laws, people."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pipeline.given_names import is_given_name
from pipeline.lexicons import load
from pipeline.quantities import CURRENCY_AFTER, _overlaps, doc_text
from pipeline.targets import _MONTHS

_ROLE_WORDS = load("role_nouns") | load("title_words")
# A role noun before "of/for/at" ends a role and starts the body: "Programme Lead for X".
_ROLE_SPLIT = load("role_nouns")
_TITLE_WORDS = load("title_words")
_ORG_HEADS = load("org_heads")
_PROGRAMME_HEADS = load("programme_heads")
_NON_ACTOR_HEADS = load("non_actor_heads")
_MONTH_WORDS = {m.lower() for m in _MONTHS.split("|")} | {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
}  # fmt: skip
_CONCEPT_ABBREVIATIONS = load("concept_abbreviations")
_NAME_PARTICLES = load("name_particles")
_CONNECTORS = load("name_connectors") | _NAME_PARTICLES
_POSSESSOR_KEEP = load("possessor_keep")
# "the KLM agreement": a lower-case instrument noun after a capitalised name or acronym
_TRAILING_PROGRAMME_NOUNS = load("trailing_instruments")
# "the Daily Courier newspaper": a lower-case noun of kind after a name makes it a body
_CLASSIFIER_NOUNS = load("classifier_nouns")
# "the Kenyan government", "the Lagos treasury": a nationality or place, then its body
_POLITY_BODIES = load("polity_bodies")


@lru_cache(maxsize=4)
def _polity_body_re(bodies: frozenset[str]) -> re.Pattern[str]:
    """The body nouns as one pattern, built from the set the module holds when first asked
    (a bench may swap the set: ``bench/bench_lexicon_leave_out.py``)."""
    if not bodies:
        return re.compile(r"(?!)")  # matches nothing
    return re.compile(r"\s+(?:" + "|".join(sorted(bodies, key=len, reverse=True)) + r")\b")


_THE_HEAD_RE = re.compile(r"(?<=[a-z,;] )the ([A-Z][a-z]+)\b(?![ -]+[A-Z])(?!['’]s\b)")
# the nouns of legal instruments, which keep an indefinite article ("a Housing Act")
_LAWS = frozenset({"law", "act", "bill", "decree", "code", "ordinance", "regulation", "directive"})
# a word, its plural possessive's apostrophe kept ("Dockers' Union": one name), else a sign
_WORD_RE = re.compile(r"[^\W_][\w&]*(?:[-'’.][^\W_][\w&]*)*(?:(?<=s)['’](?= [A-Z]))?|\S")
_ACRONYM_RE = re.compile(r"^(?=(?:.*[A-Z]){2})[A-Z][A-Za-z0-9&]{1,9}s?$")
# a short form in brackets: "(NDB)", "('LN')", or lower case with a digit: "(x2y)"
_SHORT = r"[A-Z][A-Za-z0-9&]{1,9}|[a-z]{1,4}\d[a-z0-9]{0,4}"
_MIXED_SHORT_RE = re.compile(r"(?<![\w-])([a-z]{1,4}\d[a-z0-9]{0,4})(?![\w-])")
_PAREN_ACR_RE = re.compile(rf"(?:['’]s)?\s*\(\s*['‘’\"“]?({_SHORT})['‘’\"”]?\s*\)")
_OR_ACR_RE = re.compile(r",?\s+or\s+['‘’\"“]([A-Z][A-Za-z0-9&]{1,9})['‘’\"”]")
# the name in another language, then its short form: "(Fundo Verde Regional, FVR)"
_PAREN_ALT_ACR_RE = re.compile(
    r"(?:['’]s)?\s*\(\s*([^(),;:\n]{3,60}),\s*['‘’\"“]?([A-Z][A-Za-z0-9&]{1,9})['‘’\"”]?\s*\)"
)
_LAW_RE = re.compile(
    r"\b(?:Law|Act|Decree|Bill|Resolution|Ordinance|Directive|Regulation)\s+(?:No\.?\s*)?\d+(?:/\d+)?\b"
)
# a law or bill by its title, a short form in brackets allowed: "The Digital Agency (dA) Bill"
_LAW_TITLE_RE = re.compile(
    r"\b[A-Z][\w'’-]*(?:\s+(?:(?:of|to|for|and|on|the|in)\s+)?[A-Z][\w'’-]*)*"
    r"(?:\s+\([^()\n]{1,15}\))?\s+(?:Bill|Act|Law|Code|Ordinance)\b"
)
_COLLECTIVE_RE = re.compile(
    r"\b(?:international|national|regional|federal|municipal|multilateral|local)\s+"
    r"(?:[a-z]+\s+)?(?:NGOs?|agency|agencies|ministry|ministries|bureau|donors|parliament"
    r"|legislature|treasury)\b"
)
_POSS_GROUP_RE = re.compile(
    r"['’]s\s+((?:[a-z-]+\s+){0,2}(?:movement|government|parliament|ministry|agency|diaspora))\b"
)
# the authors of a work: "'Title' by A B", "Title: A Guide by A B", "written by A B & C D"
# (the mention follows this); "funded by", "led by" name bodies as often as people, so a
# work must come first
_BY_AUTHORS_RE = re.compile(
    r"(?:['’\"”]|\b(?:written|edited|authored|co-authored|illustrated|translated)|"
    r":\s+[A-Z][^.;:!?]*?)\s*,?\s+by\s+(?:[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){1,2}\s*(?:&|and|,)\s*)?$"
)
_PERSON_LINE_RE = re.compile(
    r"^[A-Z][\w'’.-]+(?:\s+(?:(?:de|del|la|da|dos|du|van|von|der|di|bin|al|el|le)\s+)?[A-Z][\w'’-]+){1,4}$"
)


@lru_cache(maxsize=65536)
def _fold(s: str) -> str:
    """Accent-, case- and punctuation-insensitive key of a name."""
    s = unicodedata.normalize("NFKD", s)
    s = "".join(ch for ch in s if not unicodedata.combining(ch)).casefold()
    s = re.sub(r"['’]s\b", "", s)
    s = re.sub(r"[^\w]+", " ", s).strip()
    return re.sub(r"^the\s+", "", s)


def _is_cap(w: str) -> bool:
    return bool(w) and w[0].isupper() and any(ch.isalpha() for ch in w)


def _split_possessive(w: str) -> tuple[str, bool]:
    if w.endswith(("'s", "’s")):
        return w[:-2], True
    return w, False


@dataclass
class _Mention:
    start: int
    end: int
    text: str
    hint: str  # person | organisation | place | programme | acronym | collective
    source: str
    role: str | None = None
    label: str | None = None
    definite: bool = False  # written "the X"
    quantified: bool = False  # written "every X", "each X", "no X": a kind, not a name
    indefinite: bool = False  # written "a X": a kind of thing, not a name ("a Land Trust")
    title_colon: bool = False  # followed by ": A ...": a publication's title ("X: A Guide")
    named_post: bool = False  # a post named after a place or body: "the Lagos Chair of X"
    listed: bool = False  # coordinated with other names: "Alpha Grid and Beta's Delta Hub"
    acts: bool = False  # the subject or agent of a clause, or the owner of something
    support: bool = False  # read in a heading: helps name an actor, is not reported
    # (hint, label) before a known given name made it a person: restored if the document
    # names a place with a run of its words (``pipeline.entities``)
    given: tuple[str, str | None] | None = None


def _verb_or_preposition_starts(doc: Any) -> frozenset[int]:
    """Offsets of capitalised words tagged as a verb or preposition (read from the parse
    as one array: making a Token per word costs more than the rules)."""
    from spacy.attrs import IDX, IS_TITLE, POS, TAG

    strings = doc.vocab.strings
    verb_tags = {strings.add(t) for t in ("VB", "VBG", "VBD", "VBZ", "VBP")}
    adp, propn = strings.add("ADP"), strings.add("PROPN")
    out = set()
    for idx, title, pos, tag in doc.to_array([IDX, IS_TITLE, POS, TAG]).tolist():
        if title and pos != propn and (tag in verb_tags or pos == adp):
            out.add(idx)
    return frozenset(out)


def _acts(doc: Any, start: int, end: int) -> bool:
    """True when the name does something in its clause: a subject ("Lagos built ..."), an
    agent ("run by Lagos"), an owner ("Lagos's plan").  A place that only locates ("in
    Lagos") is a setting, not an actor."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or len(span) == 0:
        return False
    root = span.root
    if root.dep_ in {"nsubj", "nsubjpass", "poss"}:
        return True
    if root.dep_ == "conj" and root.head.dep_ in {"nsubj", "nsubjpass"}:
        return True
    if root.dep_ == "pobj" and root.head.lower_ == "of":
        # "the Mayor of Lagos": the place whose office it is
        return root.head.head.lower_ in _ROLE_WORDS | _ORG_HEADS
    return root.dep_ == "pobj" and root.head.lower_ == "by"


def _listed(doc: Any, start: int, end: int) -> bool:
    """True when the name is one of a list of proper names (a conjunct of, or coordinating,
    another proper noun): "the likes of Alpha Grid, Beta's Gamma-Link and Delta Hub" names
    three of a kind."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or len(span) == 0:
        return False
    root = span.root
    if root.pos_ != "PROPN":
        return False
    if root.dep_ == "conj" and root.head.pos_ == "PROPN" and root.head not in span:
        return True
    return any(c.dep_ == "conj" and c.pos_ == "PROPN" and c not in span for c in root.children)


# A quantifier before a capitalised body noun makes it a kind ("every Borough", "each
# Council"); without one, English names its own bodies bare ("Parliament approved ...").
_QUANTIFIER_BEFORE = re.compile(r"\b(?:every|each|any|all|per|no)\s+$", re.I)


def _indefinite(doc: Any, start: int, end: int) -> bool:
    """True when the name is the head of a noun phrase with "a"/"an": "a Board of Trustees",
    "a town-run Land Trust" describe a kind of body; a proper name takes no indefinite
    article."""
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None or len(span) == 0:
        return False
    return any(c.dep_ == "det" and c.text in {"a", "an"} for c in span.root.children)


def _two_people(left: list[str], right: list[str], common: Callable[[str], bool] | None) -> bool:
    """Two short names of uncommon words on each side of "and"/"&": two people."""
    return (
        common is not None
        and all(2 <= len(side) <= 3 for side in (left, right))
        and not any(common(w) or w.lower() in _CONNECTORS for w in left + right)
        and _type_from_head(left) is None
        and _type_from_head(right) is None
    )


def _head_word(words: list[str]) -> str:
    low = [w.lower() for w in words]
    if low[-1] in _ORG_HEADS or low[-1] in _PROGRAMME_HEADS:
        return low[-1]
    for i, w in enumerate(low):
        if w in {"of", "for", "on", "to", "in"} and i > 0:
            return low[i - 1]
    return low[-1]


def _singular(w: str) -> str:
    """The singular of a plural head noun ("laboratories" -> "laboratory"), else ``w``."""
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith("s") and not w.endswith("ss") and len(w) > 3:
        return w[:-1]
    return w


def _type_from_head(words: list[str], plural: bool = False) -> str | None:
    """The type a head noun gives a name; ``plural`` also reads plural heads
    ("... Laboratories"), for typing a name already found, not for finding one."""
    for w in reversed(words):
        lw = _split_possessive(w.lower())[0]
        for form in (lw, _singular(lw)) if plural else (lw,):
            if form in _ORG_HEADS:
                return "organisation"
            if form in _PROGRAMME_HEADS:
                return "programme"
    return None


class _ActorFinder:
    """Finds actor mentions in one parsed chunk; lowercase vocabulary comes from all chunks."""

    def __init__(self, lower_vocab: set[str]) -> None:
        self.lower_vocab = lower_vocab

    def common(self, w: str) -> bool:
        from spacy.lang.en.stop_words import STOP_WORDS

        return w.lower() in self.lower_vocab or w.lower() in STOP_WORDS

    def title_sequences(
        self,
        text: str,
        person_bounds: set[int],
        person_ends: frozenset[int] = frozenset(),
        stops: frozenset[int] = frozenset(),
        place_starts: frozenset[int] = frozenset(),
    ) -> list[tuple[int, int]]:
        """Runs of capitalised words joined by name connectors ("Office for Rivers").

        A post after a place's name is a body named after it ("the Lagos Chair of Urban
        Studies"), not a post and its body (``place_starts``: where the parse finds places).

        A run stops where a person's name ends: "Ada Ruiz of Westbrook Council" is a person and
        a council, not one name; and at ``stops``, the offsets of words the parser reads as
        a verb or preposition ("Tackle", "By")."""
        words = [(m.start(), m.end(), m.group()) for m in _WORD_RE.finditer(text)]
        runs: list[list[int]] = []
        i, n = 0, len(words)
        while i < n:
            s, _e, w = words[i]
            stem, poss = _split_possessive(w)
            if not _is_cap(stem):
                i += 1
                continue
            prev = text[:s].rstrip()
            initial = (
                not prev or prev[-1] in '.!?:;"“|\n•–—' or text[prev.__len__() : s].count("\n")
            )
            if (initial and (self.common(stem) or stem.lower() in _CONNECTORS)) or s in stops:
                i += 1  # "Following the First Minister": the first word is not part of a name
                continue
            seq = [i]
            j = i + 1
            ended = poss and stem.lower() not in _POSSESSOR_KEEP
            while j < n and not ended:
                s2, _e2, w2 = words[j]
                if s2 in person_bounds or "\n" in text[words[j - 1][1] : s2]:
                    break
                if s2 - words[j - 1][1] > 1:
                    break
                stem2, poss2 = _split_possessive(w2)
                if _is_cap(stem2) and s2 in stops:
                    break  # "A Green Deal Tackle the ...": a title, then an imperative verb
                if _is_cap(stem2):
                    seq.append(j)
                    if poss2 and stem2.lower() not in _POSSESSOR_KEEP:
                        # a title opened by a gerund keeps its possessive: "Designing
                        # Lagos's Recovery" is one programme; "Valdoria's X-Gate" is two names
                        title = words[seq[0]][2].endswith("ing") and j + 1 < n
                        if not (
                            title
                            and _is_cap(words[j + 1][2])
                            and words[j + 1][0] - words[j][1] <= 1
                        ):
                            break
                    j += 1
                    continue
                if w2.lower() in _CONNECTORS and j + 1 < n:
                    if words[j - 1][1] in person_ends:
                        break
                    nxt = j + 1
                    if words[nxt][2].lower() in {"the", "la", "el", "los", "las"} and nxt + 1 < n:
                        nxt += 1  # "Directorate for the Water Plan"
                    if not _is_cap(words[nxt][2]) or words[nxt][0] in person_bounds:
                        break
                    seq.extend(range(j, nxt))
                    j = nxt
                    continue
                break
            runs.append(seq)
            i = max(j, i + 1)
        out: list[tuple[int, int]] = []
        for seq in runs:
            toks = [words[k][2] for k in seq]
            # "Programme Lead for the National Jobs Fund": keep the name only
            cut = 0
            for r, t in enumerate(toks[:-1]):
                if t.lower() in _ROLE_SPLIT and toks[r + 1].lower() in {"of", "for", "at"}:
                    if r == 1 and words[seq[0]][0] in place_starts and not self.common(toks[0]):
                        continue
                    cut = r + 2
            # leading titles go ("Mayor Ada Ruiz"), unless they name an office ("Prime
            # Minister's Office")
            body = _type_from_head(toks[cut:]) == "organisation"
            while cut < len(toks) and (
                toks[cut].lower() in _CONNECTORS or (toks[cut].lower() in _TITLE_WORDS and not body)
            ):
                cut += 1
            seq, toks = seq[cut:], toks[cut:]
            if sum(1 for t in toks if _is_cap(t)) < 2:
                continue
            # "Urban Water Network UWN": a name followed by its acronym
            if len(toks) >= 3 and toks[-1].isupper() and _initials(" ".join(toks[:-1])) == toks[-1]:
                out.append((words[seq[0]][0], words[seq[-2]][1]))
                out.append((words[seq[-1]][0], words[seq[-1]][1]))
                continue
            for a, b in self._split_at_titles(toks):
                sub = toks[a:b]
                pieces = self._split_and(sub, self.common)
                if len(pieces) == 1:
                    pieces = self._split_titled_of(sub)
                k0 = a
                for piece in pieces:
                    ps = words[seq[k0]][0]
                    pe = words[seq[k0 + len(piece) - 1]][1]
                    if text[ps:pe].endswith(("'s", "’s")):
                        pe -= 2
                    out.append((ps, pe))
                    k0 += len(piece) + 1
        return out

    @staticmethod
    def _split_at_titles(toks: list[str]) -> list[tuple[int, int]]:
        """Index ranges of ``toks`` split at a title inside the run: "Unit Professors Ada Obi"
        is a body, then a person with a title, not one name. A title before a body's head
        ("the Governor's Office") or a preposition ("Mayor of X") stays inside the name."""
        for r in range(1, len(toks) - 2):
            t = toks[r].lower()
            base = t[:-1] if t.endswith("s") and t[:-1] in _TITLE_WORDS else t
            if base not in _TITLE_WORDS or toks[r - 1].lower() in _CONNECTORS | _TITLE_WORDS:
                continue
            k = r + 1
            while k < len(toks) and toks[k].lower() in _TITLE_WORDS:
                k += 1
            rest = toks[k:]
            if (
                len(rest) >= 2
                and _is_cap(rest[0])
                and rest[0].lower() not in _CONNECTORS
                and not any(w.endswith(("'s", "’s")) for w in toks[r:k])
                and _type_from_head(rest) is None
                and _type_from_head(toks[:r]) is None
            ):
                return [(0, r), (k, len(toks))]
        return [(0, len(toks))]

    @staticmethod
    def _split_titled_of(toks: list[str]) -> list[list[str]]:
        """Split "Councillor Ada Ruiz of Westbrook Council" into the person and the body."""
        for k, t in enumerate(toks):
            if t.lower() in {"of", "at"} and 3 <= k < len(toks) - 1:
                left, right = toks[:k], toks[k + 1 :]
                if (
                    left[0].lower() in _TITLE_WORDS
                    and _type_from_head(left) is None
                    and _type_from_head(right) == "organisation"
                ):
                    return [left, right]
        return [toks]

    @staticmethod
    def _split_and(toks: list[str], common: Callable[[str], bool] | None = None) -> list[list[str]]:
        """Split "Secretariat for Youth and Governor's Office" into two names at "and"."""
        for sep in ("&", "to"):
            if sep in toks:
                k = toks.index(sep)
                left, right = toks[:k], toks[k + 1 :]
                if sep == "&" and (
                    _two_people(left, right, common)
                    or (
                        len(left) == len(right) == 1
                        and common is not None
                        and not common(left[0])
                        and not common(right[0])
                    )
                ):
                    return [left, right]  # "Ada Obi & Ken Lee", "Kestrelworks & Plimsoll"
                heads = [_type_from_head(left) is not None, _type_from_head(right) is not None]
                # "X Institute & Y Estate" (a list of partners); "X Board to Y Board"
                if left and right and (any(heads) if sep == "&" else all(heads)):
                    return [left, right]
        if "and" not in toks:
            return [toks]
        k = toks.index("and")
        left, right = toks[:k], toks[k + 1 :]
        if len(left) == 1 and len(right) == 1:
            return [left, right]  # "Ontario and Quebec", "Smith and Jones"
        if _two_people(left, right, common):
            return [left, right]  # "Ada Obi and Ken Lee": two people, each of uncommon words
        caps = [all(w.isupper() for w in left), all(w.isupper() for w in right)]
        if (
            all(caps)
            or (caps[0] and len(left) == 1 and _type_from_head(right))
            or (caps[1] and len(right) == 1 and _type_from_head(left))
        ):
            return [left, right]  # "the XRA and City Councils", "ABC and XYZ"
        if (
            (
                (
                    len(left) >= 2
                    and len(right) >= 2
                    and _type_from_head(left[-1:] if left[-1][0].isupper() else left)
                )
                or (
                    len(left) >= 3
                    and left[1].lower() in {"for", "of"}
                    and _type_from_head(left[:1])
                )
            )
            and len(right) >= 2
            and _type_from_head(right)
        ):
            return [left, right]
        return [toks]

    def find(self, doc: Any) -> list[_Mention]:
        text = doc_text(doc)
        cands: list[tuple[int, _Mention]] = []  # (priority, mention)
        ents = list(doc.ents)  # Doc.ents is rebuilt on every access
        person_ents = [e for e in ents if e.label_ == "PERSON"]
        person_bounds: set[int] = set()
        person_ends: set[int] = set()
        for e in person_ents:
            if len(e) >= 2:  # one-word PERSON tags are often wrong ("Gender")
                person_bounds.add(e.start_char)
                person_ends.add(e.end_char)
        # spaCy entities
        for ent in ents:
            lab = ent.label_
            if lab not in {"PERSON", "ORG", "GPE", "LOC", "FAC", "LAW", "NORP"}:
                continue
            pair = re.fullmatch(r"([A-Z][\w'’-]+) & ([A-Z][\w'’-]+)", ent.text)
            bounds = [(ent.start_char, ent.end_char)]
            if pair and not self.common(pair.group(1)) and not self.common(pair.group(2)):
                # "Obi & Lee", "Kestrelworks & Plimsoll": two names, as in a citation
                bounds = [
                    (ent.start_char + pair.start(k), ent.start_char + pair.end(k)) for k in (1, 2)
                ]
            for s, e in (se for b in bounds for se in self._clean(text, *b)):
                if "\n" in ent.text and _alone_on_line(text, s, e):
                    continue  # a box's title run into the next line by the model ("Steps")
                hint = {
                    "PERSON": "person",
                    "GPE": "place",
                    "LOC": "place",
                    "FAC": "organisation",
                    "LAW": "programme",
                    "NORP": "organisation",
                }.get(lab, "organisation")
                words = text[s:e].split()
                if lab == "NORP" and _type_from_head(words) is None:
                    continue  # "Kenyan", "New Zealand": a nationality, not a body
                pri = 1 if lab == "PERSON" else 3
                content = [w.strip("'’") for w in words if len(w) > 2 and not w.isupper()]
                if lab == "PERSON" and content and all(self.common(w) for w in content):
                    # "Kindness Coaching": the model's person is words the document also
                    # writes in lower case; a name only if the other rules make it one
                    cands.append((2, _Mention(s, e, text[s:e], "name", "title")))
                    continue
                cands.append((pri, _Mention(s, e, text[s:e], hint, "spacy", label=lab)))
            body = (
                _polity_body_re(_POLITY_BODIES).match(text, ent.end_char)
                if lab in {"NORP", "GPE"}
                else None
            )
            if body and not ent.text.lower().endswith(("'s", "’s")):
                s = ent.start_char + (4 if ent.text.startswith(("the ", "The ")) else 0)
                cands.append(
                    (2, _Mention(s, body.end(), text[s : body.end()], "organisation", "spacy",
                                 label="ORG"))
                )  # fmt: skip
        nationalities = {(e.start_char, e.end_char) for e in ents if e.label_ == "NORP"}
        place_spans = {(e.start_char, e.end_char) for e in ents if e.label_ in {"GPE", "LOC"}}
        # capitalised name runs
        stops = _verb_or_preposition_starts(doc)
        # where a place, or a body the model reads as one name, starts ("the Lagos Chair of X")
        place_starts = frozenset(
            e.start_char + (4 if e.text.startswith(("the ", "The ")) else 0)
            for e in ents
            if e.label_ in {"GPE", "ORG"}
        )
        seqs = self.title_sequences(
            text, person_bounds, frozenset(person_ends), stops, place_starts
        )
        for s, e in seqs:
            for s2, e2 in self._clean(text, s, e):
                words = text[s2:e2].split()
                if len(words) < 2 and not _ACRONYM_RE.match(text[s2:e2]):
                    continue
                # "the KLM agreement", "5-year Harbour Plan"
                tail = re.match(r"\s+([a-z]+)\b", text[e2 : e2 + 20])
                if (
                    tail
                    and tail.group(1) in _TRAILING_PROGRAMME_NOUNS
                    and _type_from_head(words) is None
                ):
                    e2 = e2 + tail.end()
                pre = re.search(r"\b\d+-(?:year|month|point)\s+$", text[max(0, s2 - 14) : s2])
                if pre:
                    s2 = s2 - (len(text[max(0, s2 - 14) : s2]) - pre.start())
                if (s2, e2) in nationalities and _type_from_head(words) is None:
                    continue
                mention = _Mention(s2, e2, text[s2:e2], "name", "title")
                if (
                    tail
                    and tail.group(1) in _CLASSIFIER_NOUNS
                    and tail.group(1) not in _TRAILING_PROGRAMME_NOUNS
                    and (s2, e2) not in place_spans
                    and _type_from_head(words) is None
                    and not any(w.lower() in _CONNECTORS for w in words[1:-1])
                ):
                    # "the Daily Courier newspaper": the noun says it is a body (not "Users
                    # of the X website": a run through a connector ends in a place or name)
                    mention.hint, mention.label, mention.source = (
                        "organisation",
                        "ORG",
                        "classified",
                    )
                if (
                    s2 in place_starts
                    and _head_word(words) in _ROLE_SPLIT
                    and not self.common(words[0])
                ):
                    # "Lagos Chair of X", read by the model as one body's name
                    mention.hint, mention.label, mention.source = "organisation", "ORG", "spacy"
                    mention.named_post = True
                cands.append((2, mention))
        # single acronyms (+ "KLM agreement")
        for m in re.finditer(r"(?<![\w-])([A-Z][A-Za-z0-9&]{1,9})(?![\w-])", text):
            w = m.group(1)
            if not _ACRONYM_RE.match(w) or sum(ch.isupper() for ch in w) < 2:
                continue
            line_s = text.rfind("\n", 0, m.start()) + 1
            line_e = text.find("\n", m.end())
            line = text[line_s : line_e if line_e != -1 else len(text)]
            if len(line.split()) <= 1 or (line.isupper() and len(line.split()) > 2):
                continue  # a header line, not a mention
            s, e = m.start(), m.end()
            tail = re.match(r"\s+([a-z]+)\b", text[e : e + 20])
            if tail and tail.group(1) in _TRAILING_PROGRAMME_NOUNS:
                cands.append(
                    (
                        2,
                        _Mention(
                            s, e + tail.end(), text[s : e + tail.end()], "programme", "acronym"
                        ),
                    )
                )
                continue
            cands.append((4, _Mention(s, e, w, "acronym", "acronym")))
        for m in _LAW_RE.finditer(text):
            cands.append((0, _Mention(m.start(), m.end(), m.group(), "programme", "law")))
        for m in _LAW_TITLE_RE.finditer(text):
            s, e = m.start(), m.end()
            if text[s:e].startswith(("The ", "A ")):
                s += text[s:e].index(" ") + 1
            if len(text[s:e].split()) >= 2 and "(" in text[s:e]:
                cands.append((0, _Mention(s, e, text[s:e], "programme", "law")))
        for m in re.finditer(r"(?<![\w-])[A-Z]{2,}(?:-[A-Z]{2,})+(?![\w-])", text):
            cands.append((4, _Mention(m.start(), m.end(), m.group(), "acronym", "acronym")))
        for m in _MIXED_SHORT_RE.finditer(text):
            w = m.group(1)
            if any(ch.isalpha() for ch in w[w.index(next(c for c in w if c.isdigit())) :]):
                cands.append((4, _Mention(m.start(), m.end(), w, "acronym", "acronym")))
        for m in _COLLECTIVE_RE.finditer(text):
            cands.append((5, _Mention(m.start(), m.end(), m.group(), "collective", "collective")))
        for m in _POSS_GROUP_RE.finditer(text):
            # "<Place>'s feminist movement": the place is a spaCy GPE/LOC just before
            for ent in ents:
                if ent.label_ in {"GPE", "LOC", "NORP"} and ent.end_char in (
                    m.start(),
                    m.start() + 2,
                ):
                    s = ent.start_char
                    if text[s:].lower().startswith("the "):
                        s += 4
                    cands.append(
                        (0, _Mention(s, m.end(), text[s : m.end()], "collective", "collective"))
                    )
        # "the Presidency", "the Treasury": a body's head noun alone, capitalised after "the"
        # inside a sentence, is a short form of a longer name of the case (kept only when
        # one is written there: ``pipeline.canonical``)
        for m in _THE_HEAD_RE.finditer(text):
            if m.group(1).lower() in _ORG_HEADS:
                cands.append((6, _Mention(m.start(1), m.end(1), m.group(1), "shortform", "title")))
        # names alone on a line (credits, author lists)
        pos = 0
        for line in text.split("\n"):
            stripped = line.strip()
            if (
                _PERSON_LINE_RE.match(stripped)
                and not stripped.isupper()
                and not any(self.common(w) for w in stripped.split() if w not in _NAME_PARTICLES)
                and stripped.split()[-1].lower() not in _ORG_HEADS | _PROGRAMME_HEADS
                and not any(w.lower() in _ROLE_WORDS for w in stripped.split())
            ):
                s = pos + line.index(stripped)
                cands.append((0, _Mention(s, s + len(stripped), stripped, "person", "line")))
            pos += len(line) + 1
        # overlap resolution: stronger source first, then longer
        cands.sort(key=lambda pm: (pm[0] > 2, -(pm[1].end - pm[1].start), pm[0]))
        chosen: list[_Mention] = []
        taken: list[tuple[int, int]] = []
        for _pri, m in cands:
            if _overlaps(m.start, m.end, taken):
                continue
            chosen.append(m)
            taken.append((m.start, m.end))
        chosen.sort(key=lambda m: m.start)
        labels = {(m.start, m.end): m for _p, m in cands if m.source == "spacy"}
        for m in chosen:
            same = labels.get((m.start, m.end))
            if same is not None and m.hint == "name":
                m.hint, m.label = same.hint, same.label
        for m in chosen:
            before = text[max(0, m.start - 4) : m.start]
            m.definite = before.lower().endswith("the ")
            m.quantified = bool(_QUANTIFIER_BEFORE.search(text[max(0, m.start - 8) : m.start]))
            m.acts = _acts(doc, m.start, m.end)
            m.indefinite = _indefinite(doc, m.start, m.end)
            m.listed = len(m.text.split()) >= 2 and _listed(doc, m.start, m.end)
            m.title_colon = bool(re.match(r":\s+[A-Z\d]", text[m.end : m.end + 4]))
        # a code written against a currency sign names the currency: "US$40m", "NZ$", "R$"
        chosen = [m for m in chosen if not CURRENCY_AFTER.match(text, m.end)]
        for m in chosen:
            words = m.text.split()
            pre = re.search(r"\b([A-Z][a-z]+)\s+$", text[max(0, m.start - 20) : m.start])
            if (
                m.label == "ORG"
                and 2 <= len(words) <= 3
                and _type_from_head(words) is None
                and pre
                and pre.group(1).lower() in _TITLE_WORDS
            ):
                m.hint, m.label = "person", "PERSON"  # "First Minister Ada Ruiz"
        chunk_places = {_fold(e.text) for e in ents if e.label_ in {"GPE", "LOC"}}
        for m in chosen:
            if given_name_person(m, self.common, chunk_places):
                m.given = (m.hint, m.label)
                m.hint, m.label = "person", "PERSON"  # "... by Ada Obi in X", read as ORG
        for m in chosen:
            words = m.text.split()
            if (
                m.hint == "name"
                and m.label is None
                and 2 <= len(words) <= 3
                and _type_from_head(words) is None
                and not any(self.common(w) for w in words)
                and _BY_AUTHORS_RE.search(text[max(0, m.start - 120) : m.start])
            ):
                m.hint, m.label = "person", "PERSON"  # "... by Ada Obi & Lin Park": authors
        self._roles(text, chosen)
        places = {e.text for e in ents if e.label_ in {"GPE", "LOC"}}
        self._acronym_defs(text, chosen, places)
        _described_names(doc, chosen)
        return chosen

    def _clean(self, text: str, s: int, e: int) -> list[tuple[int, int]]:
        """Trim articles, quotes and possessives; split at line breaks and possessors."""
        out: list[tuple[int, int]] = []
        for m in re.finditer(r"[^\n]+", text[s:e]):
            ps, pe = s + m.start(), s + m.end()
            seg = text[ps:pe]
            lead = re.match(r"^(?:\s|['‘’\"“”(]|the\s|The\s|a\s|an\s)+", seg)
            if lead:
                ps += lead.end()
            seg = text[ps:pe]
            trail = re.search(r"(?:['’]s|[\s'‘’\"“”).,;:¹²³⁰⁴-⁹])+$", seg)
            if trail:
                pe -= len(seg) - trail.start()
            if pe <= ps:
                continue
            seg = text[ps:pe]
            # split "Ruritanian Ministry's Board of Trade Advisers"
            parts = re.split(r"(['’]s\s+)", seg)
            # ... but not in a title opened by a gerund ("Designing Lagos's Recovery")
            gerund_title = seg.split()[0].endswith("ing") and seg[0].isupper()
            cur = ps
            acc_s = ps
            for k in range(0, len(parts), 2):
                piece = parts[k]
                sep = parts[k + 1] if k + 1 < len(parts) else ""
                words = piece.split()
                keep = gerund_title or (words and words[-1].lower() in _POSSESSOR_KEEP)
                cur += len(piece)
                if sep and not keep:
                    if cur > acc_s:
                        out.append((acc_s, cur))
                    cur += len(sep)
                    acc_s = cur
                else:
                    cur += len(sep)
            if pe > acc_s:
                out.append((acc_s, pe))
        return [(a, b) for a, b in out if text[a:b].strip()]

    def _roles(self, text: str, ms: list[_Mention]) -> None:
        """Attach roles: "Ada Obi, Programme Lead for ...", "Name (Role)", "Role, Name"."""
        for m in ms:
            # the small model calls many unfamiliar personal names ORG: a short name with no
            # organisation word is read as a person when a role is written beside it
            maybe_person = m.label == "ORG" and 2 <= len(m.text.split()) <= 3
            if m.hint not in {"person", "name"} and m.label != "PERSON" and not maybe_person:
                continue
            if any(w.isupper() and len(w) > 1 for w in m.text.split()):
                continue  # "NTU CURH": initials name a body, not a person
            if m.label != "PERSON" and _type_from_head(m.text.split()):
                continue
            words = m.text.split()
            # leading title inside the span: "Mayor Ana Ruiz" -> role "Mayor"
            k = 0
            while k < len(words) - 1 and words[k].lower().strip(".") in _TITLE_WORDS:
                k += 1
            if k and len(words) - k >= 2:
                m.role = " ".join(words[:k])
                m.start += len(" ".join(words[:k])) + 1
                m.text = text[m.start : m.end]
            after = text[m.end : m.end + 200]
            role = None
            pm = re.match(r"\s*\(([^()]{3,150})\)", after)
            cm = re.match(r",\s+([^,.;()\n]{3,120}(?:,\s*[^,.;()\n]{2,60})?)", after)
            lm = re.match(r"[ \t]*\n\s*([^\n]{3,150})", after)
            for cand in (pm, cm, lm):
                if cand and self._looks_like_role(cand.group(1)):
                    role = cand.group(1).strip()
                    if cand is cm:
                        role = re.split(r",\s+(?=[a-z])|\s+(?:who|which|and)\s+[a-z]", role)[0]
                    break
            if role is None:
                bm = re.search(
                    r"([A-Z][^,.;()\n]{2,80}),\s*$", text[max(0, m.start - 90) : m.start]
                )
                if bm and self._looks_like_role(bm.group(1)):
                    role = re.sub(r"^(?:the\s+then\s+|the\s+|then\s+)", "", bm.group(1).strip())
                    rs = m.start - len(text[max(0, m.start - 90) : m.start]) + bm.start(1)
                    rs += bm.group(1).find(role)
                    # the role phrase is itself a mention of the person
                    for other in ms:
                        if (
                            other is not m
                            and other.start >= rs
                            and other.end <= m.start
                            and any(w.lower() in _ROLE_WORDS for w in other.text.split())
                        ):
                            other.hint, other.source, other.label = "alias", "alias", m.text
            if role is None:
                pre = re.search(r"((?:[A-Z][\w-]*\s+){1,3})$", text[max(0, m.start - 40) : m.start])
                if pre and all(
                    w.lower().strip(".") in _TITLE_WORDS | _ROLE_WORDS for w in pre.group(1).split()
                ):
                    role = pre.group(1).strip()
            if role and m.hint in {"name", "organisation"}:
                m.hint, m.label = "person", "PERSON"
            if role and not m.role:
                m.role = role
            elif role:
                m.role = f"{m.role}; {role}"

    @staticmethod
    def _looks_like_role(s: str) -> bool:
        words = re.findall(r"[A-Za-z-]+", s)[:5]
        return any(
            w.lower() in _ROLE_WORDS - {"former", "first", "vice", "executive"} for w in words
        )

    def _acronym_defs(self, text: str, ms: list[_Mention], places: set[str]) -> None:
        """Mark "Long Name (LN)" and "Long Name, or 'LN'" so both become one actor."""
        for k, m in enumerate(ms):
            if m.hint in {"acronym"} or len(m.text.split()) < 2:
                continue
            after = text[m.end : m.end + 30]
            d = _PAREN_ACR_RE.match(after) or _OR_ACR_RE.match(after)
            acr = d.group(1) if d else None
            alt = _PAREN_ALT_ACR_RE.match(text, m.end)
            if d is None and alt is not None:
                # the short form spells one of the two names: the bracket is a second name
                # and its short form, not a list ("(Lagos, 2019)")
                acr = alt.group(2)
                spelt = {_initials_folded(n.split(), True) for n in (m.text, alt.group(1))}
                if acr.rstrip("s") not in spelt and acr not in spelt:
                    continue
                a, b = alt.span(1)
                for other in ms[k + 1 : k + 3]:
                    if a <= other.start and other.end <= b and other.text == alt.group(1).strip():
                        other.source, other.label = "defined", m.text  # one body, two names
            if acr is None:
                continue
            if acr in places:
                continue  # "Harbour Ventures (UK) Limited": a place, not a short form
            for other in ms[k + 1 : k + 4]:
                if other.text == acr and other.start >= m.end:
                    other.source = "defined"
                    other.label = m.text
                    break


def _alone_on_line(text: str, s: int, e: int) -> bool:
    """True when ``text[s:e]`` is one word that fills its line."""
    ls = text.rfind("\n", 0, s) + 1
    le = text.find("\n", e)
    line = text[ls : le if le != -1 else len(text)]
    return line.strip() == text[s:e] and len(text[s:e].split()) == 1


def _described_names(doc: Any, ms: list[_Mention]) -> None:
    """A lower-case description the parse equates with a name is one more mention of it:
    the attribute of "be" ("Orbis is Kenya's national data agency") or an apposition
    ("Orbis, the country's data agency"). Read alone it would be a second actor."""
    for m in ms:
        if m.hint != "collective":
            continue
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is None:
            continue
        head = span.root
        subj = None
        if head.dep_ == "attr" and head.head.lemma_ == "be":
            if any(c.dep_ == "neg" for c in head.head.children):
                continue  # "X is not the national agency": no description of X
            subj = next((c for c in head.head.children if c.dep_ in {"nsubj", "nsubjpass"}), None)
        elif head.dep_ == "appos":
            subj = head.head
        if subj is None:
            continue
        for o in ms:
            if o is not m and o.start <= subj.idx < o.end and o.hint not in {"collective", "alias"}:
                m.hint, m.source, m.label = "alias", "alias", o.text
                break


# words, then a short form in brackets: "heat pumps (HPs)", "Harbour Water Board (HWB)"
_BRACKETED_SHORT_RE = re.compile(
    r"([^\W\d_][\w'’]*(?:[\s-]+[^\W\d_][\w'’]*){0,7})\s*\(\s*([A-Z][A-Za-z]{1,9})\s*\)"
)


def concept_short_forms(texts: list[str], common: Callable[[str], bool]) -> set[str]:
    """Short forms the document defines only by ordinary words in lower case ("low emission
    zones (LEZs)", "Ground source heat pumps (GSHPs)" opening a sentence): initials of a
    concept, not of an actor's name. One written after a capitalised name is a name's."""
    concept: set[str] = set()
    named: set[str] = set()
    for text in texts:
        for m in _BRACKETED_SHORT_RE.finditer(text):
            acr = m.group(2)
            base = acr[:-1] if acr.endswith("s") and acr[:-1].isupper() else acr
            if not base.isupper() or len(base) < 2:
                continue
            spans = list(re.finditer(r"[^\s-]+", m.group(1)))[-len(base) :]
            words = [w.group() for w in spans]
            if len(words) < len(base) or _initials_folded(words) != base:
                continue
            first, rest = words[0], words[1:]
            raw = text[: m.start(1) + spans[0].start()]
            before = raw.rstrip()
            # a sentence's or a line's capital
            opens = not before or before[-1] in ".!?:;•" or "\n" in raw[len(before) :]
            if all(w[0].islower() for w in rest) and (first[0].islower() or common(first) or opens):
                concept.add(base)
            else:
                named.add(base)
    return concept - named


def _initials_folded(words: list[str], capitals_only: bool = False) -> str:
    """First letters of ``words`` (of the capitalised ones only, if asked: "Société des Rails
    du Nord" is "SRN"), accents dropped, upper case."""
    return "".join(_fold(w)[:1] for w in words if not capitals_only or w[:1].isupper()).upper()


def _initials(name: str) -> str:
    words = [w for w in re.split(r"[\s-]+", name) if w and w[0].isupper()]
    return "".join(w[0] for w in words).upper()


def _keep_mention(m: _Mention, lower_vocab: set[str], title_vocab: set[str]) -> bool:
    """Drop junk: headers in capitals, figure labels, dates, lone common words."""
    t = m.text.strip()
    words = t.split()
    if not words or not _fold(t):
        return False
    low = [w.lower().strip(".,'’") for w in words]
    if any(w in _MONTH_WORDS for w in low) or _head_word(words) in _NON_ACTOR_HEADS:
        return False
    if low[0] in _NON_ACTOR_HEADS:
        return False
    if re.search(r"\d", t) and m.source not in {"law", "title"} and m.hint != "acronym":
        return False
    if len(words) >= 2 and t.isupper() and (len(words) > 2 or any(len(w) > 5 for w in words)):
        return False
    if len(t) < 2 or (len(words) == 1 and len(t.strip(".")) < 2):
        return False
    if len(words) == 1 and t.isupper() and len(t) >= 4 and t.lower() in lower_vocab:
        return False  # a word set in capitals in a header ("TRANSPORT")
    if len(words) == 1 and t.isupper() and len(t) >= 4 and t.title() in title_vocab:
        return False  # "LAGOS" in a header, next to "Lagos" in the text
    if low[-1] in _CONCEPT_ABBREVIATIONS or ":" in t or (m.title_colon and m.label != "PERSON"):
        return False  # "GDP", "PPPs"; "Transport: A City" is a title
    if m.indefinite and m.label != "PERSON" and m.hint != "collective" and low[-1] not in _LAWS:
        return False  # "a Land Trust": a kind of body; a law keeps its article ("a Housing Act")
    if low[0] in {"a", "an"} and len(words) >= 3:
        return False  # "A Framework for ...": a publication's title, no body starts with "A"
    if m.hint in {"collective", "alias"} or m.source == "defined" or m.hint == "acronym":
        return True
    if not words[0][0].isupper() and not words[0][0].isdigit():
        return False
    if _head_word(words) in _ROLE_SPLIT and not m.named_post:
        return False  # "Principal Policy Officer": a post, not who holds it
    if len(words) == 1:
        w = low[0]
        if w in _ROLE_WORDS or w in _CONNECTORS:
            return False
        if m.definite and (w in _ORG_HEADS or w in _PROGRAMME_HEADS):
            return True  # "the Bank": resolved against longer names later
        if m.quantified and (w in _ORG_HEADS or w in _PROGRAMME_HEADS):
            return False  # "in every Borough": a kind of body, capitalised, names none
        return m.label in {"PERSON", "GPE", "LOC", "ORG"} and w not in lower_vocab
    return True


_ORG_SUFFIX = load("org_suffixes") | _ORG_HEADS


def _person_or_else(
    name: str,
    lower_vocab: set[str],
    title_vocab: set[str] | frozenset[str] = frozenset(),
    places: set[str] | frozenset[str] = frozenset(),
) -> str | None:
    """Second look at a name the statistical model called a person.

    The small English model tags many capitalised phrases as people ("Living Wage",
    "Charity Ltd", "Manager South"). A name ending in an organisation word is an
    organisation; one whose words the document also writes in lower case as ordinary
    words is no name at all (dropped). Real names ("Ada Obi") pass.
    """
    words = [w.strip(".,'’()") for w in name.split()]
    words = [w for w in words if w]
    if not words or any(ch.isdigit() or ch == "&" for ch in name):
        return "organisation" if "&" in name else None
    last = words[-1].lower()
    # a plural head reads as a body in a name of three words or more, or beside a describing
    # word the document writes in lower case ("Young Agencies"): "Chris Banks" is a surname
    core = [w for w in words if w.lower().strip(".") not in _TITLE_WORDS]
    described = any(w.lower() in lower_vocab for w in core[:-1])
    plural = _singular(last) != last and (len(core) >= 3 or described)
    if (
        last in _ORG_SUFFIX
        or (plural and _singular(last) in _ORG_SUFFIX)
        or any(w.lower() in _ORG_SUFFIX for w in words[:-1])
    ):
        return "organisation"
    if plural and _singular(last) in _PROGRAMME_HEADS:
        return "programme"  # "X Y Programmes", read by the model as a person
    if len(core) >= 3 and plural and _singular(last) in lower_vocab:
        # "Northside Young Makers": a group of people, not one (a three-word name ending in a
        # plural surname the text also writes as a word, "Ann Lee Waters", is taken so too)
        return "organisation"
    if all(w.isupper() and len(w) <= 5 and w.title() not in title_vocab for w in words):
        # initials only ("NTU IPR"), never written as a word ("Kate" for "KATE LEE")
        return "organisation"
    content = [w for w in words if len(w) > 2 and not w.isupper()]
    if content and all(w.lower() in lower_vocab for w in content):
        return None
    if any(_fold(w) in places for w in words):
        return None  # "Smart Lagos": a slogan on a place name, not a person
    return "person"


# a middle initial ("J.") is allowed inside a name of three words
_INITIAL_RE = re.compile(r"[A-Z]\.")


def given_name_person(
    m: _Mention, common: Callable[[str], bool], places: set[str] | frozenset[str]
) -> bool:
    """True when a name the model called ORG (or left untyped) is a person's: two or three
    capitalised words, the first a known given name (``pipeline.given_names``), and nothing
    marking a body: no organisation or programme head or suffix ("Bank", "Ltd"), no title or
    role word, no place, no word the document writes in lower case, no digit or "&", no
    article before it ("the Ada Obi" is a body named after someone)."""
    if m.source not in {"spacy", "title"} or m.named_post:
        return False  # a body by a noun of kind after it, or by its place in a byline
    if not (m.label == "ORG" or (m.hint == "name" and m.label is None)):
        return False
    if m.definite or m.indefinite or m.quantified or m.title_colon:
        return False
    words = m.text.split()
    if not 2 <= len(words) <= 3 or any(ch.isdigit() or ch == "&" for ch in m.text):
        return False
    for k, w in enumerate(words):
        if k not in (0, len(words) - 1) and _INITIAL_RE.fullmatch(w):
            continue
        low = w.lower()
        if (
            not _name_word(w)
            or common(w)
            or low in _ORG_SUFFIX
            or low in _PROGRAMME_HEADS
            or low in _ROLE_WORDS
            or low in _NON_ACTOR_HEADS
            or low in _MONTH_WORDS
        ):
            return False
    if names_a_place(words, places) or _type_from_head(words, plural=True) is not None:
        return False
    return is_given_name(words[0])


def _name_word(word: str) -> bool:
    """A capitalised name word in any alphabet: "Obi", "Élodie", "Łucja", "McRae",
    "Smith-Jones"; not an acronym, a digit or a lower-case word."""
    first, *rest = re.split(r"[-'’]", word)
    if not (first.isalpha() and len(first) >= 2 and first[0].isupper()) or first.isupper():
        return False
    if sum(ch.isupper() for ch in first) > 2:
        return False
    return all(p.isalpha() and len(p) >= 2 and p[1:].islower() for p in rest)


def names_a_place(words: list[str], places: set[str] | frozenset[str]) -> bool:
    """Whether a run of the name's words is a place ("Sierra Leone" in "Sierra Leone
    Telecom")."""
    folded = [_fold(w) for w in words]
    return any(
        " ".join(folded[i:j]) in places
        for i in range(len(folded))
        for j in range(i + 1, len(folded) + 1)
    )
