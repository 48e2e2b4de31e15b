"""Re-typeset the casebook from its manifest into a differently laid-out PDF: a measuring
tool for the tests and ``bench/`` (needs reportlab, the ``dev`` extra; nothing at run time
imports it).

The project is judged on a copy of the casebook typeset differently from the one we
have (one column, other fonts, other running header, page numbers at the top). This
module builds such copies with reportlab from the manifest's blocks and returns the
ground truth of what it rendered: parts with their first/last PDF pages, section
headings with the page each starts on, the printed label of every page, the running
header/footer strings, and the text that landed on each page.

    truth = render_variant(manifest, Path("variant.pdf"), style="single")

Styles:
  ``single``       one column, serif (DejaVu Serif when installed, else Times), page
                   number alone at the top right, header text left, case short name
                   right (left of the number), a footer line at the bottom centre.
  ``single-dash``  as ``single`` but the number is printed "— 17 —" at the top centre
                   and the short name at the top right.
  ``two-col-alt``  two columns, sans (DejaVu Sans / Helvetica), page number top left.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

STYLES = ("single", "single-dash", "two-col-alt", "plain-headings")
HEADER_LEFT = "Missions in Action · Casebook"
FOOTER = "MOIN Casebook · 2024 edition"
TWO_COL_HEADER = "MOIN 2024 — Missions in Action"

_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
_FRONT_NAMES = {
    "cover": "Cover",
    "credits": "Credits",
    "halftitle": "Half-title",
    "terminology": "Terminology",
    "contents": "Contents",
    "about": "About",
    "introduction": "Introduction",
    "pillars": "Pillars of Inquiry",
    "acknowledgements": "Acknowledgements",
}


# --- fonts -----------------------------------------------------------------------------------


def _register(family: str, files: dict[str, str]) -> dict[str, str] | None:
    """Register a TTF family (regular/bold/italic/bolditalic) once; None if files are missing."""
    paths = {k: _DEJAVU / f for k, f in files.items()}
    if not all(p.exists() for p in paths.values()):
        return None
    names = {k: f"{family}-{k}" for k in paths}
    registered = set(pdfmetrics.getRegisteredFontNames())
    for k, p in paths.items():
        if names[k] not in registered:
            pdfmetrics.registerFont(TTFont(names[k], str(p)))
    pdfmetrics.registerFontFamily(
        names["regular"],
        normal=names["regular"],
        bold=names["bold"],
        italic=names["italic"],
        boldItalic=names["bolditalic"],
    )
    return names


def _fonts(kind: str, prefer_ttf: bool) -> dict[str, str]:
    if kind == "serif":
        if prefer_ttf:
            got = _register(
                "DejaVuSerif",
                {
                    "regular": "DejaVuSerif.ttf",
                    "bold": "DejaVuSerif-Bold.ttf",
                    "italic": "DejaVuSerif-Italic.ttf",
                    "bolditalic": "DejaVuSerif-BoldItalic.ttf",
                },
            )
            if got:
                return got
        return {
            "regular": "Times-Roman",
            "bold": "Times-Bold",
            "italic": "Times-Italic",
            "bolditalic": "Times-BoldItalic",
        }
    if prefer_ttf:
        got = _register(
            "DejaVuSans",
            {
                "regular": "DejaVuSans.ttf",
                "bold": "DejaVuSans-Bold.ttf",
                "italic": "DejaVuSans-Oblique.ttf",
                "bolditalic": "DejaVuSans-BoldOblique.ttf",
            },
        )
        if got:
            return got
    return {
        "regular": "Helvetica",
        "bold": "Helvetica-Bold",
        "italic": "Helvetica-Oblique",
        "bolditalic": "Helvetica-BoldOblique",
    }


# --- styles ----------------------------------------------------------------------------------


@dataclass
class _Look:
    fonts: dict[str, str]
    body: float
    heading: float
    title: float
    sub: float
    quote: float
    caption: float
    note: float
    table: float
    columns: int
    number_pos: str  # "right", "centre-dash", "left", "bottom-centre", "bottom-outer", …
    plain_headings: bool = False  # headings and titles set by size alone, not bold
    # Randomised styles (``style="random"``, a seed) vary these too:
    heading_color: str = "#000000"
    title_plain: bool = False  # title in regular weight
    byline: str = "bold"  # "bold", "oneline", "by", "table", "end"
    numbered: bool = False  # "1. Heading"
    kicker: bool = False  # "CASE n" above each case title
    sector_tag: bool = True
    mid_page: bool = False  # cases after the first start on the page where the last ends
    roman_front: bool = False  # front matter i, ii, …; arabic restarts at 1 on the first case
    alternate: bool = False  # running header: book title on even pages, part on odd pages
    caps_headings: bool = False  # section headings in capitals at body size, regular weight
    # Journal conventions (``journal_look``):
    italic_headings: bool = False  # section headings in italics at body size, unnumbered
    small_caps_title: bool = False  # case titles in small capitals
    about: str = "heading"  # "heading": an "About the authors" section; "paragraph": a bold
    # label and one paragraph "Name is Role at Affiliation. Name is …" closing the case
    wide_front: bool = False  # two columns for the cases only; front and back matter full width
    contents: str = "table"  # "table" as the manifest prints it (its own page numbers);
    # "stacked": tag line, title lines, then this rendering's label on its own line;
    # "rows": label, tag and title side by side, the title over several lines


BYLINES = ("bold", "oneline", "by", "table", "end")
NUMBER_POSITIONS = (
    "right",
    "centre-dash",
    "left",
    "bottom-centre",
    "bottom-outer",
    "top-outer",
    "page-n",
    "n-of-m",
)
CONTENTS_FORMS = ("stacked", "rows")


def random_look(seed: int, prefer_ttf: bool = True, **fixed: Any) -> _Look:
    """A typesetting drawn at random: family, sizes and their ratios, weights, colour, byline
    form, numbering, kicker, label position and form, mid-page case starts. ``fixed`` pins
    any field (e.g. ``byline="end"``)."""
    rng = random.Random(seed)
    body = rng.choice([9.0, 9.5, 10.0, 10.5, 11.0])
    plain = rng.random() < 0.35
    heading = round(body * (rng.uniform(1.25, 1.6) if plain else rng.uniform(1.1, 1.5)), 1)
    title = round(heading * rng.uniform(1.2, 1.7), 1)
    look = _Look(
        fonts=_fonts(rng.choice(["serif", "sans"]), prefer_ttf),
        body=body,
        heading=heading,
        title=title,
        sub=body,
        quote=round(body * 1.15, 1),
        caption=round(body * 0.85, 1),
        note=round(body * 0.75, 1),
        table=round(body * 0.8, 1),
        columns=1,
        number_pos=rng.choice(NUMBER_POSITIONS),
        plain_headings=plain,
        heading_color=rng.choice(["#000000", "#1f3a7a", "#7a1f1f", "#2e6b30"]),
        title_plain=rng.random() < 0.3,
        byline=rng.choice(BYLINES),
        numbered=rng.random() < 0.5,
        kicker=rng.random() < 0.5,
        sector_tag=rng.random() < 0.6,
        mid_page=rng.random() < 0.4,
        roman_front=rng.random() < 0.5,
        alternate=rng.random() < 0.5,
    )
    if rng.random() < 0.15:
        look.caps_headings, look.heading, look.plain_headings = True, body, True
    for k, v in fixed.items():
        setattr(look, k, v)
    return look


def journal_look(seed: int, prefer_ttf: bool = True, **fixed: Any) -> _Look:
    """A journal's conventions over a random look: two columns, each case starting mid-column
    under a sector tag, authors at the end in an "About the authors" paragraph, "Page N of M"
    top right (M the last number of the same sequence, roman before the first case), a running
    header alternating between the book and the part, italic body-size headings or bold
    ones, small-capital titles or plain ones, and a contents page with this rendering's own
    labels, its entries over several lines."""
    rng = random.Random(seed * 7919 + 17)
    look = random_look(seed, prefer_ttf)
    look.columns = 2
    look.wide_front = True
    look.mid_page = True
    look.byline = "end"
    look.about = "paragraph"
    look.number_pos = "n-of-m-top"
    look.roman_front = True
    look.alternate = True
    look.sector_tag = True
    look.kicker = False
    look.numbered = False
    look.caps_headings = False
    look.italic_headings = rng.random() < 0.6
    look.small_caps_title = rng.random() < 0.6
    look.contents = rng.choice(CONTENTS_FORMS)
    for k, v in fixed.items():
        setattr(look, k, v)
    if look.italic_headings:
        look.heading, look.plain_headings = look.body, True
    elif look.heading < look.body * 1.1:  # capitals at body size were drawn: bold, larger
        look.heading, look.plain_headings = round(look.body * 1.25, 1), False
    return look


def _roman(n: int) -> str:
    out = ""
    for value, sym in ((10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while n >= value:
            out += sym
            n -= value
    return out


def _look(style: str, prefer_ttf: bool) -> _Look:
    if style == "single":
        return _Look(_fonts("serif", prefer_ttf), 11, 15, 20, 11, 13, 9.5, 8.5, 8.5, 1, "right")
    if style == "single-dash":
        return _Look(
            _fonts("serif", prefer_ttf), 11, 15, 20, 11, 13, 9.5, 8.5, 8.5, 1, "centre-dash"
        )
    if style == "two-col-alt":
        return _Look(_fonts("sans", prefer_ttf), 9, 12, 18, 9, 11, 8, 7, 7, 2, "left")
    if style == "plain-headings":
        return _Look(_fonts("sans", prefer_ttf), 10, 16, 24, 10, 12, 8.5, 7.5, 8, 1, "right", True)
    raise ValueError(f"unknown style {style!r}; one of {STYLES}")


def _styles(lk: _Look) -> dict[str, ParagraphStyle]:
    f = lk.fonts
    lead = lk.body * 1.3
    s: dict[str, ParagraphStyle] = {}
    s["body"] = ParagraphStyle(
        "body",
        fontName=f["regular"],
        fontSize=lk.body,
        leading=lead,
        alignment=TA_JUSTIFY,
        spaceAfter=lk.body * 0.55,
    )
    s["bullet"] = ParagraphStyle(
        "bullet",
        parent=s["body"],
        leftIndent=lk.body * 1.4,
        bulletIndent=lk.body * 0.3,
        bulletFontName=f["regular"],
        spaceAfter=lk.body * 0.25,
        alignment=TA_LEFT,
    )
    s["sub"] = ParagraphStyle(
        "sub",
        fontName=f["bold"],
        fontSize=lk.sub,
        leading=lk.sub * 1.3,
        spaceBefore=lk.body * 0.6,
        spaceAfter=lk.body * 0.3,
        keepWithNext=1,
    )
    s["heading"] = ParagraphStyle(
        "heading",
        fontName=f["italic"]
        if lk.italic_headings
        else (f["regular"] if lk.plain_headings else f["bold"]),
        fontSize=lk.heading,
        leading=lk.heading * 1.25,
        textColor=colors.HexColor(lk.heading_color),
        spaceBefore=lk.body * 1.2,
        spaceAfter=lk.body * 0.6,
        keepWithNext=1,
    )
    s["title"] = ParagraphStyle(
        "title",
        fontName=f["regular"] if lk.plain_headings or lk.title_plain else f["bold"],
        fontSize=lk.title,
        leading=lk.title * 1.2,
        spaceAfter=lk.body * 1.5,
    )
    s["tag"] = ParagraphStyle(
        "tag",
        fontName=f["bold"],
        fontSize=lk.sub,
        leading=lk.sub * 1.3,
        spaceAfter=lk.body * 1.2,
        textColor=colors.HexColor("#7a1f1f"),
    )
    s["author"] = ParagraphStyle(
        "author", fontName=f["bold"], fontSize=lk.body, leading=lk.body * 1.25, keepWithNext=1
    )
    s["affil"] = ParagraphStyle(
        "affil",
        fontName=f["italic"],
        fontSize=lk.caption + 0.5,
        leading=(lk.caption + 0.5) * 1.25,
        spaceAfter=lk.body * 0.7,
    )
    s["contrib"] = ParagraphStyle("contrib", parent=s["affil"], spaceBefore=lk.body * 0.5)
    s["byline"] = ParagraphStyle(
        "byline", fontName=f["italic"], fontSize=lk.body, leading=lk.body * 1.3, spaceAfter=lk.body
    )
    s["oneline"] = ParagraphStyle(
        "oneline", fontName=f["regular"], fontSize=lk.body, leading=lk.body * 1.3
    )
    s["quote"] = ParagraphStyle(
        "quote",
        fontName=f["italic"],
        fontSize=lk.quote,
        leading=lk.quote * 1.3,
        leftIndent=lk.body * 2.2,
        rightIndent=lk.body * 2.2,
        spaceBefore=lk.body * 0.8,
        spaceAfter=lk.body * 0.3,
        keepWithNext=1,
    )
    s["attrib"] = ParagraphStyle(
        "attrib",
        fontName=f["regular"],
        fontSize=lk.caption,
        leading=lk.caption * 1.3,
        leftIndent=lk.body * 2.2,
        rightIndent=lk.body * 2.2,
        spaceAfter=lk.body * 0.9,
    )
    s["caption"] = ParagraphStyle(
        "caption",
        fontName=f["italic"],
        fontSize=lk.caption,
        leading=lk.caption * 1.3,
        spaceBefore=lk.body * 0.3,
        spaceAfter=lk.body * 0.8,
    )
    s["note"] = ParagraphStyle(
        "note",
        fontName=f["regular"],
        fontSize=lk.note,
        leading=lk.note * 1.25,
        spaceAfter=lk.note * 0.3,
    )
    s["cell"] = ParagraphStyle(
        "cell", fontName=f["regular"], fontSize=lk.table, leading=lk.table * 1.2
    )
    s["cellhead"] = ParagraphStyle("cellhead", parent=s["cell"], fontName=f["bold"])
    s["cover1"] = ParagraphStyle(
        "cover1",
        fontName=f["bold"],
        fontSize=lk.title * 1.6,
        leading=lk.title * 1.9,
        alignment=TA_CENTER,
        spaceBefore=160,
        spaceAfter=lk.body,
    )
    s["cover2"] = ParagraphStyle(
        "cover2",
        fontName=f["bold"],
        fontSize=lk.title,
        leading=lk.title * 1.3,
        alignment=TA_CENTER,
        spaceAfter=lk.body * 2,
    )
    s["cover3"] = ParagraphStyle(
        "cover3",
        fontName=f["italic"],
        fontSize=lk.quote,
        leading=lk.quote * 1.3,
        alignment=TA_CENTER,
        spaceAfter=lk.body * 2,
    )
    s["coverp"] = ParagraphStyle("coverp", parent=s["body"], alignment=TA_CENTER)
    s["aboutlabel"] = ParagraphStyle(
        "aboutlabel",
        fontName=f["bold"],
        fontSize=round(lk.body * 0.95, 1),
        leading=lk.body * 1.25,
        spaceBefore=lk.body * 0.8,
        keepWithNext=1,
    )
    s["about"] = ParagraphStyle(
        "about", parent=s["body"], fontSize=round(lk.body * 0.9, 1), leading=lk.body * 1.15
    )
    s["toc"] = ParagraphStyle(
        "toc", fontName=f["regular"], fontSize=lk.body, leading=lk.body * 1.3, alignment=TA_LEFT
    )
    s["tocnum"] = ParagraphStyle("tocnum", parent=s["toc"], spaceAfter=lk.body * 0.8)
    return s


def _bylines(
    people: list[tuple[str, str]], form: str, st: dict[str, ParagraphStyle], width: float
) -> list[Flowable]:
    """The authors under a case title, in one of the printed conventions."""
    if form == "bold":
        out: list[Flowable] = []
        for name, aff in people:
            out.append(_P(name, st["author"]))
            if aff:
                out.append(_P(aff, st["affil"]))
        return out
    if form == "oneline":
        return [_P(f"{name}, {aff}" if aff else name, st["oneline"]) for name, aff in people]
    if form == "by":
        named = [f"{name} ({aff})" if aff else name for name, aff in people]
        text = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
        return [_P(f"By {text}", st["byline"])]
    if form == "table":
        rows = "\n".join(["Author | Role", *(f"{name} | {aff}" for name, aff in people)])
        return [Spacer(1, 4), _table(rows, st, width), Spacer(1, 8)]
    return []  # "end": an "About the authors" section closes the case


# --- flowables that report where they landed ---------------------------------------------------


class _Mark(Flowable):
    """Zero-size marker: sets the running header's part when drawn."""

    def __init__(self, part_idx: int) -> None:
        super().__init__()
        self.part_idx = part_idx

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.canv._casebook_part = self.part_idx  # type: ignore[attr-defined]


class _BottomNotes(Flowable):
    """Footnotes drawn at the bottom of the current frame; takes the rest of the frame."""

    def __init__(self, paras: list[Paragraph], width: float) -> None:
        super().__init__()
        self.paras = paras
        self._w = width
        self._need = 0.0
        self._sizes: list[tuple[float, float]] = []

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self._sizes = [p.wrap(aw, 10_000) for p in self.paras]
        self._need = sum(h for _, h in self._sizes) + 4 * len(self.paras) + 10
        self._w = aw
        return aw, max(self._need, ah - 1)

    def draw(self) -> None:
        c = self.canv
        y = self._need - 6
        c.saveState()
        c.setLineWidth(0.4)
        c.line(0, y, min(120, self._w), y)
        c.restoreState()
        y -= 4
        for p, (_, h) in zip(self.paras, self._sizes, strict=True):
            y -= h
            p.drawOn(c, 0, y)
            y -= 4

    def texts(self) -> list[str]:
        return [p.getPlainText() for p in self.paras]


def _para_text(p: Paragraph) -> str:
    """The text of a (possibly split) paragraph as drawn."""
    bl = getattr(p, "blPara", None)
    if bl is None:
        return p.getPlainText()
    out: list[str] = []
    for line in bl.lines:
        if bl.kind == 0:
            out.append(" ".join(line[1]))
        else:
            out.append("".join(getattr(w, "text", "") for w in line.words))
    text = " ".join(out)
    return re.sub(r"\s+", " ", text).strip()


def _cell_text(cell: Any) -> str:
    """A table cell's text: reportlab keeps a cell as a flowable, a list of them, or a string."""
    if isinstance(cell, Paragraph):
        return _para_text(cell)
    if isinstance(cell, (list, tuple)):
        return " ".join(t for t in (_cell_text(c) for c in cell) if t)
    return "" if cell is None else str(cell)


class _Doc(BaseDocTemplate):
    def __init__(self, path: str, lk: _Look, part_names: list[str], part_kinds: list[str], **kw):
        super().__init__(path, pagesize=A4, **kw)
        self.lk = lk
        self.part_names = part_names
        self.part_kinds = part_kinds
        self.labels: dict[int, str | None] = {}
        self.part_last: dict[int, int] = {}  # the last page each part printed on
        self._front = 0  # front-matter pages numbered so far (roman)
        self._arabic = 0
        self.total_pages = 0  # known on a second pass ("Page N of M")
        self.seq_last: dict[str, str] = {}  # the last label of each sequence (second pass)
        self.page_part: dict[int, int] = {}
        self.page_texts: dict[int, list[str]] = {}
        self.table_pages: set[int] = set()  # pages a table (or part of one) landed on
        self.events: list[tuple[int, Any]] = []  # (page, key)
        W, H = A4
        m_l, m_r, m_t, m_b = 72, 72, 78, 66
        if lk.columns == 1:
            frames = [
                Frame(
                    m_l,
                    m_b,
                    W - m_l - m_r,
                    H - m_t - m_b,
                    id="body",
                    leftPadding=0,
                    rightPadding=0,
                    topPadding=0,
                    bottomPadding=0,
                )
            ]
        else:
            m_l = m_r = 50
            gap = 18
            cw = (W - m_l - m_r - gap) / 2
            frames = [
                Frame(
                    m_l + k * (cw + gap),
                    m_b,
                    cw,
                    H - m_t - m_b,
                    id=f"col{k}",
                    leftPadding=0,
                    rightPadding=0,
                    topPadding=0,
                    bottomPadding=0,
                )
                for k in range(2)
            ]
        self.margins = (m_l, m_r, m_t, m_b)
        templates = [PageTemplate(id="page", frames=frames, onPageEnd=self._decorate)]
        if lk.columns == 2 and lk.wide_front:
            # Front and back matter full width; the cases in two columns.
            wide = Frame(m_l, m_b, W - m_l - m_r, H - m_t - m_b, id="wide", leftPadding=0,
                         rightPadding=0, topPadding=0, bottomPadding=0)  # fmt: skip
            templates.insert(0, PageTemplate(id="wide", frames=[wide], onPageEnd=self._decorate))
        self.addPageTemplates(templates)

    # Running header/footer and page number, drawn when the page is complete (so the part
    # marker on a part's first page has been drawn).
    def _decorate(self, canv, doc) -> None:
        n = canv.getPageNumber()
        part = getattr(canv, "_casebook_part", 0)
        self.page_part[n] = part
        if self.part_kinds[part] == "cover":
            self.labels[n] = None
            return
        lk, fonts = self.lk, self.lk.fonts
        W, H = A4
        m_l, m_r, *_ = self.margins
        y = H - 44
        canv.saveState()
        name = self.part_names[part]
        if lk.roman_front and self.part_kinds[part] != "case" and not self._arabic:
            self._front += 1
            label = _roman(self._front)
        else:
            self._arabic += 1
            label = str(self._arabic) if lk.roman_front else str(n)
        self.labels[n] = label
        if lk.number_pos not in ("right", "centre-dash", "left"):
            self._decorate_random(canv, n, name, label)
            canv.restoreState()
            return
        if lk.alternate:  # book title on even pages, the part's name on odd pages
            name = HEADER_LEFT if n % 2 == 0 else name
        if lk.number_pos == "right":
            canv.setFont(fonts["italic"], 9)
            canv.drawString(m_l, y, HEADER_LEFT)
            canv.drawRightString(W - m_r - 30, y, name)
            canv.setFont(fonts["regular"], 10)
            canv.drawRightString(W - m_r, y, label)
        elif lk.number_pos == "centre-dash":
            canv.setFont(fonts["italic"], 9)
            canv.drawString(m_l, y, HEADER_LEFT)
            canv.drawRightString(W - m_r, y, name)
            canv.setFont(fonts["regular"], 10)
            canv.drawCentredString(W / 2, y, f"— {label} —")
        else:  # two-col-alt: number top left, header text right
            canv.setFont(fonts["bold"], 9)
            canv.drawString(m_l, y, label)
            canv.setFont(fonts["regular"], 8)
            canv.drawRightString(W - m_r, y, f"{TWO_COL_HEADER} | {name}")
        canv.setLineWidth(0.5)
        canv.line(m_l, y - 6, W - m_r, y - 6)
        if lk.columns == 1:
            canv.setFont(fonts["regular"], 8)
            canv.drawCentredString(W / 2, 34, FOOTER)
        canv.restoreState()

    def _decorate_random(self, canv, n: int, name: str, label: str) -> None:
        """Header, footer and number for the randomised label positions."""
        lk, fonts = self.lk, self.lk.fonts
        W, _ = A4
        m_l, m_r, *_ = self.margins
        top, bottom = A4[1] - 44, 34
        odd = n % 2 == 1
        pos = lk.number_pos
        header = (HEADER_LEFT if not odd else name) if lk.alternate else None
        canv.setFont(fonts["italic"], 9)
        if header is not None and pos == "n-of-m-top":
            canv.drawString(m_l, top, header)
        elif header is not None:
            if pos == "top-outer":
                canv.drawCentredString(W / 2, top, header)
            elif odd:
                canv.drawRightString(W - m_r, top, header)
            else:
                canv.drawString(m_l, top, header)
        elif pos == "top-outer":
            canv.drawCentredString(W / 2, top, f"{HEADER_LEFT} · {name}")
        else:
            canv.drawString(m_l, top, HEADER_LEFT)
            canv.drawRightString(W - m_r, top, name)
        canv.setFont(fonts["regular"], 9)
        if pos == "bottom-centre":
            canv.drawCentredString(W / 2, bottom, label)
        elif pos in ("bottom-outer", "top-outer"):
            yy = bottom if pos == "bottom-outer" else top
            if odd:
                canv.drawRightString(W - m_r, yy, label)
            else:
                canv.drawString(m_l, yy, label)
        elif pos == "page-n":
            canv.drawCentredString(W / 2, bottom, f"{FOOTER} · page {label}")
        elif pos == "n-of-m":
            canv.drawRightString(W - m_r, bottom, f"Page {label} of {self.total_pages}")
        elif pos == "n-of-m-top":  # "Page ii of v", "Page 3 of 25": M ends the same sequence
            last = self.seq_last.get("arabic" if label.isdigit() else "roman", label)
            canv.drawRightString(W - m_r, top, f"Page {label} of {last}")
        if pos not in ("bottom-centre", "page-n", "n-of-m-top"):
            canv.setFont(fonts["regular"], 8)
            canv.drawCentredString(W / 2, bottom if pos != "n-of-m" else bottom - 12, FOOTER)

    def afterFlowable(self, flowable) -> None:
        page = self.page
        if isinstance(flowable, (Paragraph, Table, _BottomNotes)):
            part = getattr(self.canv, "_casebook_part", 0)
            self.part_last[part] = max(self.part_last.get(part, 0), page)
        texts = self.page_texts.setdefault(page, [])
        key = getattr(flowable, "_truth", None)
        if key is not None:
            self.events.append((page, key))
        if isinstance(flowable, Paragraph):
            t = _para_text(flowable)
            if t:
                texts.append(t)
        elif isinstance(flowable, _BottomNotes):
            texts.extend(flowable.texts())
        elif isinstance(flowable, Table):
            self.table_pages.add(page)
            for row in flowable._cellvalues:
                texts.append(" | ".join(_cell_text(c) for c in row))


# --- building the story ------------------------------------------------------------------------


def _x(text: str) -> str:
    return escape(text)


def _P(text: str, style: ParagraphStyle, truth: Any = None, **kw) -> Paragraph:
    p = Paragraph(_x(text), style, **kw)
    if truth is not None:
        p._truth = truth  # type: ignore[attr-defined]
    return p


def _table(text: str, st: dict[str, ParagraphStyle], width: float) -> Table:
    rows = [r.split(" | ") for r in text.split("\n")]
    ncol = len(rows[0])
    fixed: list[list[str]] = []
    for r in rows:
        if len(r) > ncol:  # a cell that itself holds " | " (e.g. "BANKING | SCOTLAND")
            r = (
                [r[0], " | ".join(r[1:-1]), r[-1]]
                if ncol == 3
                else [*r[: ncol - 1], " | ".join(r[ncol - 1 :])]
            )
        fixed.append(r + [""] * (ncol - len(r)))
    cells = [
        [Paragraph(_x(c.strip()), st["cellhead"] if i == 0 else st["cell"]) for c in r]
        for i, r in enumerate(fixed)
    ]
    # Column widths: at least the widest word (plus padding), the rest shared by text length.
    font = st["cellhead"].fontName
    size = st["cell"].fontSize
    need = [
        max(pdfmetrics.stringWidth(w, font, size) for r in fixed for w in (r[k].split() or [""]))
        + 8
        for k in range(ncol)
    ]
    longest = [max(len(r[k]) for r in fixed) for k in range(ncol)]
    spare = max(0.0, width - sum(need))
    share = [min(L, 400) for L in longest]
    widths = [n + spare * w / (sum(share) or 1) for n, w in zip(need, share, strict=True)]
    if sum(widths) > width:  # too many columns: shrink proportionally (words may break)
        widths = [w * width / sum(widths) for w in widths]
    t = Table(cells, colWidths=widths, repeatRows=0, splitByRow=1)
    t.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return t


def _parts(manifest: dict) -> list[dict]:
    """Manifest parts in order, each with its blocks (a case part per case id)."""
    out: list[dict] = []
    cases = {c["case_id"]: c for c in manifest["cases"]}
    for p in manifest["parts"]:
        key = p["case_id"] or p["part"]
        blocks = [
            b
            for b in manifest["blocks"]
            if (
                b["case_id"] == p["case_id"]
                if p["case_id"]
                else (b["part"] == p["part"] and b["case_id"] is None)
            )
        ]
        case = cases.get(p["case_id"]) if p["case_id"] else None
        out.append({"key": key, "name": p["part"], "case": case, "blocks": blocks})
    return out


def render_variant(
    manifest: dict,
    out: Path,
    *,
    style: str = "single",
    prefer_ttf: bool = True,
    look: _Look | None = None,
    total_pages: int = 0,
    first_pass: dict | None = None,
) -> dict:
    """Typeset the manifest's blocks into ``out``; return the truth of what was rendered.

    ``look`` (from ``random_look(seed)``) replaces the named style's look. Page counts and
    a contents page with this rendering's labels need a first pass (``first_pass``).
    """
    lk = look or _look(style, prefer_ttf)
    two_pass = lk.number_pos in ("n-of-m", "n-of-m-top") or lk.contents != "table"
    if look is not None and two_pass and first_pass is None:
        first = render_variant(manifest, out, style=style, look=look, total_pages=-1, first_pass={})
        return render_variant(
            manifest,
            out,
            style=style,
            look=look,
            total_pages=first["page_count"],
            first_pass=first,
        )
    first_pass = first_pass or {}
    st = _styles(lk)
    parts = _parts(manifest)
    names = [
        p["case"]["short_name"] if p["case"] else _FRONT_NAMES.get(p["name"], p["name"].title())
        for p in parts
    ]
    kinds = [p["name"] for p in parts]
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc = _Doc(
        str(out),
        lk,
        names,
        kinds,
        title="Missions in Action — Casebook (re-typeset)",
        author="casebook tests",
        leftMargin=72,
        rightMargin=72,
        topMargin=78,
        bottomMargin=66,
    )
    doc.total_pages = max(total_pages, 0)
    if first_pass:
        labels = [lb for lb in first_pass["page_labels"] if lb]
        doc.seq_last = {
            "arabic": next((lb for lb in reversed(labels) if lb.isdigit()), ""),
            "roman": next((lb for lb in reversed(labels) if not lb.isdigit()), ""),
        }
    width = full_width = doc.frame_width = A4[0] - doc.margins[0] - doc.margins[1]
    if lk.columns == 2:
        width = (A4[0] - doc.margins[0] - doc.margins[1] - 18) / 2

    story: list[Flowable] = []
    part_info: list[dict] = []
    mid_page: set[int] = set()  # parts that start on the page where the previous one ends
    case_no = 0
    for k, p in enumerate(parts):
        if k and lk.mid_page and p["case"] and case_no:
            # The part (and its marker) moves to a new page unless its opening lines fit.
            story.append(Spacer(1, lk.body * 3))
            story.append(CondPageBreak(lk.title * 3 + lk.body * 8))
            mid_page.add(k)
        elif k:
            if lk.columns == 2 and lk.wide_front:
                story.append(NextPageTemplate("page" if p["case"] else "wide"))
            story.append(PageBreak())
        here = width if p["case"] or lk.columns == 1 or not lk.wide_front else full_width
        mark = _Mark(k)
        mark._truth = ("part", k)  # type: ignore[attr-defined]
        story.append(mark)
        case = p["case"]
        blocks = p["blocks"]
        info: dict[str, Any] = {
            "key": p["key"],
            "name": p["name"],
            "kind": "case" if case else ("back" if p["name"] == "acknowledgements" else "front"),
            "title": None,
            "authors": [],
            "contributors": None,
            "tag": case["sector_tag"] if case else None,
            "sections": [],
        }
        part_info.append(info)
        if case:
            case_no += 1
            if lk.kicker:
                story.append(_P(f"CASE {case_no}", st["tag"]))
            if lk.sector_tag:
                story.append(_P(case["sector_tag"], st["tag"]))
            info["title"] = case["title"]
            info["authors"] = [a["name"] for a in case["authors"]]
            info["contributors"] = case["contributors"]
        first_heading_done = False
        i = 0
        while i < len(blocks):
            b = blocks[i]
            kind, text = b["kind"], b["text"]
            if kind == "title":
                if p["name"] in ("cover", "halftitle"):
                    sty = st["cover1"] if info["title"] is None else st["cover2"]
                    story.append(_P(text, sty))
                    info["title"] = info["title"] or text
                else:
                    if case and lk.small_caps_title:
                        story.append(Paragraph(_small_caps(text, lk.title), st["title"]))
                    else:
                        story.append(_P(text, st["title"]))
                    if case:  # the title page: title, bylines, contributors, then a new page
                        j = i + 1
                        people = []
                        while j < len(blocks) and blocks[j]["kind"] == "author":
                            a = blocks[j]
                            if re.match(r"^with contributions", a["text"], re.I):
                                story.append(_P(a["text"], st["contrib"]))
                            else:
                                people.append((a["text"], a.get("affiliation") or ""))
                            j += 1
                        story.extend(_bylines(people, lk.byline, st, width))
                        if case["contributors"] and not any(
                            re.match(r"^with contributions", blocks[x]["text"], re.I)
                            for x in range(i + 1, j)
                        ):
                            story.append(_P(case["contributors"], st["contrib"]))
                        if not lk.mid_page:
                            story.append(PageBreak())
                        i = j
                        continue
            elif kind == "heading":
                if not case and not first_heading_done:
                    story.append(_P(text, st["title"], truth=("title", k, text)))
                    info["title"] = text
                else:
                    if case:
                        sec_no = sum(1 for x in blocks[:i] if x["kind"] == "heading") + 1
                        shown = f"{sec_no}. {text}" if lk.numbered else text
                    else:
                        shown = text
                    if lk.caps_headings:
                        shown = shown.upper()
                    story.append(_P(shown, st["heading"], truth=("heading", k, text)))
                first_heading_done = True
            elif kind == "subheading":
                sty = st["cover3"] if p["name"] in ("cover", "halftitle") else st["sub"]
                story.append(_P(text, sty))
            elif kind == "author":
                story.append(_P(text, st["author"]))
                if b.get("affiliation"):
                    story.append(_P(b["affiliation"], st["affil"]))
            elif kind == "list_item":
                story.append(_P(text, st["bullet"], bulletText="•"))
            elif kind == "quote":
                story.append(_P(text, st["quote"]))
                if b.get("attribution"):
                    story.append(_P(f"— {b['attribution']}", st["attrib"]))
            elif kind == "caption":
                story.append(_P(text, st["caption"]))
            elif kind == "footnote":
                notes = []
                while i < len(blocks) and blocks[i]["kind"] == "footnote":
                    notes.append(Paragraph(_x(blocks[i]["text"]), st["note"]))
                    i += 1
                story.append(_BottomNotes(notes, here))
                continue
            elif kind == "table" and p["name"] == "contents" and lk.contents != "table":
                story.extend(_contents(lk, st, parts, first_pass, here))
            elif kind == "table":
                story.append(Spacer(1, 4))
                story.append(_table(text, st, here))
                story.append(Spacer(1, 8))
            else:
                sty = st["coverp"] if p["name"] == "cover" else st["body"]
                story.append(_P(text, sty))
            i += 1
        if case and lk.byline == "end" and lk.about == "paragraph":
            story.append(_P("About the authors", st["aboutlabel"]))
            said = [f"{a['name']} is {_role_at(a['affiliation'])}." for a in case["authors"]]
            if case["contributors"]:
                said.append(case["contributors"])
            story.append(_P(" ".join(said), st["about"]))
        elif case and lk.byline == "end":
            about = "About the authors"
            story.append(_P(about, st["heading"], truth=("heading", k, about)))
            for a in case["authors"]:
                story.append(_P(f"{a['name']} is {a['affiliation']}.", st["body"]))
        if info["title"] is None:
            info["title"] = _FRONT_NAMES.get(p["name"], p["name"])

    doc.build(story)

    n_pages = max(doc.labels)
    firsts = {key[1]: page for page, key in doc.events if key[0] == "part"}
    for k, info in enumerate(part_info):
        info["first_page"] = firsts[k]
        if k + 1 < len(part_info):
            info["last_page"] = max(firsts[k + 1] - 1, doc.part_last.get(k, 0))
        else:
            info["last_page"] = n_pages
        info["starts_mid_page"] = k > 0 and doc.part_last.get(k - 1) == firsts[k]
        info["sections"] = [
            {"heading": key[2], "first_page": page}
            for page, key in doc.events
            if key[0] == "heading" and key[1] == k
        ]
        # The page each section ends on: the page before the next one starts, or the part end.
        secs = info["sections"]
        for s_i, sec in enumerate(secs):
            nxt = secs[s_i + 1]["first_page"] if s_i + 1 < len(secs) else info["last_page"]
            sec["last_page"] = max(sec["first_page"], nxt)
    decorated = lk.number_pos not in ("right", "centre-dash", "left")
    one_header = HEADER_LEFT if lk.columns == 1 or decorated else TWO_COL_HEADER
    headers = sorted({one_header} | set(names[1:]))
    return {
        "style": style if look is None else "random",
        "byline": lk.byline,
        "fonts": dict(lk.fonts),
        "page_count": n_pages,
        "page_labels": [doc.labels.get(n) for n in range(1, n_pages + 1)],
        "header_strings": headers,
        "footer_strings": (
            [FOOTER] if (lk.columns == 1 or decorated) and lk.number_pos != "n-of-m-top" else []
        ),
        "header_line_by_page": {
            n: _header_line(lk, names[doc.page_part[n]], n)
            for n in range(1, n_pages + 1)
            if kinds[doc.page_part[n]] != "cover"
        },
        "parts": part_info,
        # Where body text may sit, as distances from the page top: running lines are outside.
        "body_band": (doc.margins[2], A4[1] - doc.margins[3]),
        "page_texts": {n: doc.page_texts.get(n, []) for n in range(1, n_pages + 1)},
        "table_pages": sorted(doc.table_pages),
        "sizes": {
            "body": lk.body,
            "heading": lk.heading,
            "title": lk.title,
            "sub": lk.sub,
            "quote": lk.quote,
            "caption": lk.caption,
            "note": lk.note,
            "table": lk.table,
        },
    }


def _role_at(affiliation: str) -> str:
    """ "Fellow, UCL IIPP" → "Fellow at UCL IIPP" (an about-the-authors
    sentence)."""
    role, sep, place = (affiliation or "").rpartition(", ")
    return f"{role} at {place}" if sep else affiliation


def _small_caps(text: str, size: float) -> str:
    """Paragraph markup for small capitals: each word's first letter at the title size, the
    rest in capitals at about four fifths of it."""
    small = round(size * 0.78, 1)
    words = []
    for w in text.upper().split():
        head, rest = _x(w[:1]), _x(w[1:])
        words.append(head + (f'<font size="{small}">{rest}</font>' if rest else ""))
    return " ".join(words)


def _contents(
    lk: _Look, st: dict[str, ParagraphStyle], parts: list[dict], first: dict, width: float
) -> list[Flowable]:
    """A contents page with this rendering's labels (from the first pass; placeholders on it):
    "stacked" prints each entry's tag line, title lines, then the label on its own line;
    "rows" sets label, tag and title side by side, the title wrapping in its column."""
    labels = first.get("page_labels") or []
    firsts = {p["key"]: p["first_page"] for p in first.get("parts", [])}
    out: list[Flowable] = []
    rows = []
    for p in parts:
        if p["name"] in (
            "cover",
            "credits",
            "halftitle",
            "terminology",
            "contents",
            "acknowledgements",
        ):
            continue
        page = firsts.get(p["key"])
        label = (labels[page - 1] if page and page <= len(labels) else None) or "00"
        case = p["case"]
        tag = case["sector_tag"] if case else ""
        # A front part is listed by the heading it prints (its running name is furniture).
        heads = [b["text"] for b in p["blocks"] if b["kind"] in ("heading", "title")]
        title = case["title"].capitalize() if case else (heads[0] if heads else p["name"])
        if lk.contents == "stacked":
            if tag:
                out.append(_P(tag, st["toc"]))
            out.append(_P(title, st["toc"]))
            out.append(_P(label, st["tocnum"]))
        else:
            rows.append([_P(label, st["toc"]), _P(tag, st["toc"]), _P(title, st["toc"])])
    if rows:
        t = Table(rows, colWidths=[width * 0.08, width * 0.3, width * 0.62])
        t.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), lk.body * 0.6),
                ]
            )
        )
        out.append(t)
    return out


def _header_line(lk: _Look, name: str, n: int) -> list[str]:
    if lk.number_pos == "right":
        return [HEADER_LEFT, name, str(n)]
    if lk.number_pos == "centre-dash":
        return [HEADER_LEFT, f"— {n} —", name]
    return [str(n), f"{TWO_COL_HEADER} | {name}"]


def manifest_of(truth: dict) -> dict[str, Any]:
    """A rendering's truth in the shape of a casebook manifest (cases with their sections
    and authors, page labels, running strings, the text printed on each page), so that
    ``eval.structure.score_structure`` scores renderings and shipped PDFs alike."""
    cases = [p for p in truth["parts"] if p["kind"] == "case"]
    return {
        "cases": [
            {
                "case_id": c["title"],
                "first_page": c["first_page"],
                "last_page": c["last_page"],
                "sections": [{"heading": s["heading"]} for s in c["sections"]],
                "authors": [{"name": a} for a in c["authors"]],
            }
            for c in cases
        ],
        "page_labels": truth["page_labels"],
        "page_furniture": [truth["header_strings"] + truth["footer_strings"]],
        "blocks": [
            {"text": " ".join(texts), "pages": [int(page)]}
            for page, texts in truth["page_texts"].items()
        ],
    }


def score_rendering(structure: Any, chunks: list[Any], truth: dict) -> dict[str, Any]:
    """``score_structure`` against a rendering's truth (see ``manifest_of``)."""
    from eval.structure import score_structure

    return score_structure(structure, chunks, manifest_of(truth))


def score_look(manifest: dict, look: _Look, out: Path) -> tuple[dict[str, Any], dict, Any]:
    """Render ``manifest`` in ``look`` to ``out``, read it back as a user's file is read, and
    score its structure: (scores, the rendering's truth, the detected structure)."""
    from pipeline.chunks import chunk_structure
    from pipeline.structure import detect_structure
    from sources import load

    truth = render_variant(manifest, out, look=look)
    structure = detect_structure(load(out))
    return score_rendering(structure, chunk_structure(structure), truth), truth, structure


def parse_seeds(text: str) -> list[int]:
    """Seeds as the bench scripts take them: "0-7", "3" or "1,4,10-12"."""
    out: list[int] = []
    for part in text.split(","):
        a, _, b = part.partition("-")
        out += list(range(int(a), int(b or a) + 1))
    return out


if __name__ == "__main__":  # python -m eval.typeset MANIFEST OUT.pdf [style]
    import json
    import sys
    import time

    t0 = time.perf_counter()
    truth = render_variant(
        json.loads(Path(sys.argv[1]).read_text()),
        Path(sys.argv[2]),
        style=sys.argv[3] if len(sys.argv) > 3 else "single",
    )
    print(f"{truth['page_count']} pages in {time.perf_counter() - t0:.2f}s")
    for p in truth["parts"]:
        print(
            p["kind"],
            p["first_page"],
            p["last_page"],
            p["title"][:60],
            [(s["heading"][:30], s["first_page"]) for s in p["sections"]],
        )


# --- random tables ---------------------------------------------------------------------------

_SYLLABLES = ("mar", "vel", "do", "ran", "ki", "sol", "bre", "tan", "lu", "fen", "or", "ast")
_LEVELS = ("Regional", "National", "City", "District")
_WORDS = [
    "expanding",
    "local",
    "services",
    "with",
    "new",
    "partners",
    "across",
    "every",
    "district",
    "and",
    "sector",
    "over",
    "time",
    "while",
    "funding",
    "shared",
    "public",
    "infrastructure",
    "for",
    "the",
    "people",
    "who",
    "need",
    "it",
    "most",
]


def _name(rng: random.Random, words: int, syllables: int = 3) -> str:
    return " ".join(
        "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, syllables))).capitalize()
        for _ in range(words)
    )


def random_table(seed: int) -> dict:
    """A table drawn at random: records (invented names) against attributes of several kinds
    (year spans, a short level word, a sentence, tick columns). Returns ``records``,
    ``attributes`` (labels) and ``cells`` {(record, attribute): value} (ticks left empty are
    absent) and the look: ``transposed`` (records as columns), ``ruled``, ``caps`` (header
    in capitals instead of bold), ``body_size`` (cells at body size) and ``ncol``."""
    rng = random.Random(seed)
    body_size = rng.random() < 0.3
    family = rng.choice(["serif", "sans"])
    mark = "✓" if family == "sans" else "x"  # DejaVu Serif has no tick
    n_rec = rng.randint(3, 4 if body_size else 6)
    records = list(dict.fromkeys(_name(rng, rng.randint(1, 3)) for _ in range(n_rec)))
    attrs: list[tuple[str, str]] = [("Years", "span"), ("Level", "level")]
    if not body_size:
        attrs.append(("Aim", "text"))
    for k in range(rng.randint(1, 2) if body_size else rng.randint(0, 4)):
        attrs.append((f"{_name(rng, 1, 2)} {('use', 'tools', 'links', 'funds')[k]}", "tick"))
    cells: dict[tuple[str, str], str] = {}
    for r in records:
        for a, kind in attrs:
            if kind == "span":
                y = rng.randint(1990, 2020)
                cells[r, a] = f"{y} - {y + rng.randint(1, 9)}"
            elif kind == "level":
                cells[r, a] = rng.choice(_LEVELS)
            elif kind == "text":
                start = rng.randint(0, 8)
                cells[r, a] = " ".join(_WORDS[start : start + rng.randint(6, 14)]).capitalize()
            elif rng.random() < 0.6:
                cells[r, a] = mark
    labels = [a for a, _ in attrs]
    return {
        "records": records,
        "attributes": labels,
        "cells": cells,
        "transposed": rng.random() < 0.5,
        "ruled": rng.random() < 0.5,
        "caps": rng.random() < 0.3,
        "body_size": body_size,
        "corner": rng.choice(["Case", "Name", ""]) if not body_size else "",
        "family": family,
        "ncol": len(labels) + 1,
    }


def titled_table(seed: int) -> dict:
    """``random_table`` with an invented corner label (one to three words, set at the top,
    middle or bottom of its cell: ``corner_valign``) and, half the time, a ``title`` line
    printed just above the table (in bold, one size up from the cells)."""
    spec = random_table(seed)
    rng = random.Random(seed * 7919 + 1)
    spec["corner"] = _name(rng, rng.randint(1, 3))
    spec["corner_valign"] = rng.choice(["TOP", "MIDDLE", "BOTTOM"])
    topic = f"{_name(rng, rng.randint(1, 2))} {rng.choice(_TOPICS)}"
    spec["title"] = topic if rng.random() < 0.5 else ""
    return spec


_TOPICS = ("compared", "at a glance", "overview", "by year", "in brief")


def render_table(spec: dict, path: Path) -> None:
    """A one-page PDF: a heading, a paragraph, the table of ``spec``, and a paragraph; the
    table under its ``title`` line when the spec has one."""
    f = _fonts(spec["family"], True)
    body = 10.0
    size = body if spec["body_size"] else 7.5
    st = {
        "h": ParagraphStyle("h", fontName=f["bold"], fontSize=14, leading=18, spaceAfter=6),
        "p": ParagraphStyle("p", fontName=f["regular"], fontSize=body, leading=13, spaceAfter=8),
        "cell": ParagraphStyle("c", fontName=f["regular"], fontSize=size, leading=size * 1.25),
        "head": ParagraphStyle("hc", fontName=f["bold"], fontSize=size, leading=size * 1.25),
    }
    rng = random.Random(len(spec["records"]) * 31 + len(spec["attributes"]))
    rng_words = [rng.choice(_WORDS) for _ in range(300)]
    caps = spec["caps"]
    head_style = st["cell"] if caps else st["head"]

    def label(text: str) -> Paragraph:
        return Paragraph(_x(text.upper() if caps else text), head_style)

    records, attrs, cells = spec["records"], spec["attributes"], spec["cells"]
    top = [label(spec["corner"])] + [label(a) for a in attrs]
    grid = [top] + [
        [label(r)] + [Paragraph(_x(cells.get((r, a), "")), st["cell"]) for a in attrs]
        for r in records
    ]
    if spec["transposed"]:
        grid = [list(c) for c in zip(*grid, strict=True)]
    style = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]
    style.append(("VALIGN", (0, 0), (0, 0), spec.get("corner_valign", "TOP")))
    if spec["ruled"]:
        style.append(("GRID", (0, 0), (-1, -1), 0.4, colors.grey))
    width = A4[0] - 144
    ncol = len(grid[0])
    widths = [width / (ncol + 1) * 2] + [width / (ncol + 1)] * (ncol - 1)
    filler = [
        Paragraph(" ".join(rng_words[k : k + 40]) + ".", st["p"])
        for k in range(0, len(rng_words) - 40, 40)
    ]
    title = ParagraphStyle("t", fontName=f["bold"], fontSize=size + 1, leading=size * 1.5)
    story = [
        Paragraph("Programmes compared", st["h"]),
        *filler[:3],
        *([Paragraph(_x(spec["title"]), title)] if spec.get("title") else []),
        Table(grid, colWidths=widths, style=TableStyle(style)),
        Spacer(1, 10),
        *filler[3:],
    ]
    doc = BaseDocTemplate(str(path), pagesize=A4)
    frame = Frame(72, 72, width, A4[1] - 144)
    doc.addPageTemplates([PageTemplate(frames=[frame])])
    doc.build(story)
