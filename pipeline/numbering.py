"""Printed numbering of headings: "1.", "2.3", "IV.", "Case 3:" — split off and read as depth.

Why: a document's numbering is its own statement of structure. "2.3 Methods" is a second-
level heading under "2" whatever its type size, and the heading's name is "Methods".
"""

from __future__ import annotations

import re

_DOTTED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})(?:[.)]|\s*[:—–-])?\s+(?=[^\W\d_])")
_ROMAN = re.compile(r"^([IVXLC]{1,6})[.)]\s+(?=[^\W\d_])")
_LETTER = re.compile(r"^([A-H])[.)]\s+(?=[A-Z])")


def split_number(text: str) -> tuple[str | None, str]:
    """``("2.3", "Methods")`` for "2.3 Methods"; ``(None, text)`` when it is not numbered."""
    for pat in (_DOTTED, _ROMAN, _LETTER):
        m = pat.match(text)
        if m:
            rest = text[m.end() :].strip()
            if rest:
                return m.group(1), rest
    return None, text


def depth(number: str | None) -> int:
    """How deep a dotted number nests: "2" → 1, "2.3" → 2; 0 when there is none."""
    if not number:
        return 0
    return number.count(".") + 1 if number[0].isdigit() else 1
