"""What a PDF's fonts say: glyph widths, family and weight, each font parsed once per file.

Why a module of its own: ``sources.pdf`` lays text out; this is the font side of it
(where a line ends needs the glyph widths, structure needs family and weight), and the
one place that knows pypdf's font internals.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import repeat
from typing import Any

log = logging.getLogger(__name__)

AVG_GLYPH_EM = 0.5  # average glyph advance in em, to estimate where a line ends

# id(font dict) -> (the dict, its parsed pypdf Font), for the file being read; None outside
_parsed: contextvars.ContextVar[dict[int, tuple[Any, Any]] | None] = contextvars.ContextVar(
    "casebook_parsed_fonts", default=None
)


def _parse_font(font_dict: Any) -> Any:
    """pypdf's ``Font`` for a font resource, from the cache while a file is read."""
    from pypdf.generic._font import Font

    cache = _parsed.get()
    if cache is None:
        return Font.from_font_resource(font_dict)
    hit = cache.get(id(font_dict))
    if hit is None or hit[0] is not font_dict:  # the dict is kept: its id stays its own
        hit = cache[id(font_dict)] = (font_dict, Font.from_font_resource(font_dict))
    return hit[1]


@functools.cache
def _install() -> bool:
    """Make pypdf's page text extraction build its fonts through ``_parse_font``.

    Why: pypdf parses every font of a page (its /ToUnicode CMap above all) again on every
    page, about half of its extraction time on a casebook whose 80 pages share six fonts.
    A resolved font dict is one object per file, so parsing it once is the same font. Only
    ``pypdf._page`` sees the subclass; if pypdf's internals are not as expected, nothing is
    changed and every page parses its fonts as before.
    """
    try:
        import pypdf._page as page_module
        from pypdf.generic._font import Font
    except ImportError:
        return False
    if getattr(page_module, "Font", None) is not Font or not hasattr(Font, "from_font_resource"):
        return False

    class _ParsedOnce(Font):  # type: ignore[misc, valid-type]
        @classmethod
        def from_font_resource(cls, pdf_font_dict: Any) -> Any:  # type: ignore[override]
            return _parse_font(pdf_font_dict)

    page_module.Font = _ParsedOnce  # type: ignore[attr-defined]
    return True


@contextmanager
def fonts_parsed_once() -> Iterator[None]:
    """Within: each font resource of the file is parsed once, for every page and for
    ``Widths`` alike (the cache is dropped at the end)."""
    _install()
    token = _parsed.set({})
    try:
        yield
    finally:
        _parsed.reset(token)


class Widths:
    """Glyph advance widths by Unicode character, per font, from the PDF's own metrics.

    Column and table detection need where a line ends; the visitor API gives only where
    it starts. pypdf parses /Widths (and CID /W) keyed by character code; we re-key them
    by the Unicode text the visitor sees. Falls back to an average glyph width.
    """

    def __init__(self) -> None:
        self._cache: dict[object, dict[str, float] | None] = {}

    def _table(self, font_dict: object) -> dict[str, float] | None:
        key = getattr(font_dict, "indirect_reference", None) or id(font_dict)
        if key in self._cache:
            return self._cache[key]
        table: dict[str, float] | None = None
        try:
            font = _parse_font(font_dict)
            cmap = font.character_map or {}
            table = {
                cmap.get(c, c) if isinstance(c, str) else c: float(w)
                for c, w in font.character_widths.items()
            }
            if len(table) <= 2:
                table = None
        except Exception as e:
            log.debug("no font metrics (%s): estimating widths", e)
        self._cache[key] = table
        return table

    def width(self, text: str, font_dict: object, size: float) -> float:
        table = self._table(font_dict) if font_dict is not None else None
        if not table:
            return len(text) * size * AVG_GLYPH_EM
        default = table.get("default", 500.0) or 500.0
        return sum(map(table.get, text, repeat(default, len(text)))) * size / 1000.0


def font_family(font_dict: object) -> str:
    """The family of a font: its /BaseFont without subset tag ("ABCDEF+") or style suffix."""
    try:
        name = str(font_dict.get("/BaseFont", "") or "") if font_dict is not None else ""  # type: ignore[attr-defined]
    except (AttributeError, KeyError, TypeError):
        return ""
    return family_of(name)


# Style words font names append to the family ("Arial-BoldMT", "Calibri,Italic").
_STYLE_SUFFIX = re.compile(
    r"(bold|black|heavy|semibold|demibold|demi|medium|light|italic|oblique|regular|roman|book|"
    r"condensed|narrow|mt|ps|psmt|std|pro|bd|it)$",
    re.I,
)


@functools.lru_cache(maxsize=512)
def family_of(base_font: str) -> str:
    """A font's family from its /BaseFont: no subset tag, style words or size digits.

    "ABCDEF+Arial-BoldMT" and "ArialMT" are both "arial"; TeX's CMBX10 and CMR10 are both
    "cm" (Computer Modern), CMSS10 is "cmss" (its sans).
    """
    name = base_font.lstrip("/").split("+")[-1]
    tex = re.match(r"^(cm|lm)(ss|tt)?", name, re.I)
    if tex:
        return (tex.group(1) + (tex.group(2) or "")).lower()
    name = re.split(r"[-,]", name)[0]
    prev = None
    while name and name != prev:
        prev = name
        name = _STYLE_SUFFIX.sub("", name)
    return re.sub(r"\d+$", "", name).lower()


def font_style(font_dict: object) -> tuple[bool, bool]:
    name = ""
    try:
        if font_dict is not None:
            name = str(font_dict.get("/BaseFont", "") or "")  # type: ignore[attr-defined]
    except (AttributeError, KeyError, TypeError):
        name = ""
    low = name.lower()
    bold = any(t in low for t in ("bold", "black", "heavy", "semibold", "demi", "cmbx", "cmb10"))
    italic = any(t in low for t in ("italic", "oblique", "cmti", "cmsl"))
    return bold, italic
