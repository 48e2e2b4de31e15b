"""Read a PDF into pages of styled, reading-ordered blocks with printed page labels.

Why positions and fonts, not plain ``extract_text``: running headers, page numbers,
columns and tables are only recognisable from where text sits and how it is set,
and structure detection (headings, titles, quotes) needs the font size and weight.
"""

from __future__ import annotations

import functools
import io
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path

import pypdf
from pypdf.errors import FileNotDecryptedError

from pipeline.offsets import assign_offsets
from pipeline.tables import find_tables, follow_continued, read_titles
from pipeline.types import Block, Document, Line, OutlineEntry, Page
from sources.errors import (
    DamagedPDFError,
    EmptyFileError,
    EncryptedPDFError,
    NoPagesError,
    NotAPDFError,
    NoTextError,
    SourceError,
    WrongPasswordError,
)
from sources.fonts import Widths, font_family, font_style, fonts_parsed_once
from sources.joining import join_lines, sha256_bytes

log = logging.getLogger(__name__)

PARSER = f"pypdf {pypdf.__version__}"
MARGIN_BAND = 0.12  # share of the page height at top and bottom where running lines live
BULLETS = "•◦▪▫■□●○‣⁃–-*·"
_ROMAN = re.compile(
    r"^(?=[ivxlcdm]+$)m{0,3}(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$", re.I
)


@dataclass
class _Frag:
    text: str
    x0: float
    top: float
    size: float
    bold: bool
    italic: bool
    width: float  # advance width in points
    font: str = ""
    lead_space: bool = False  # the show began with a space
    glued: bool = False  # continues the previous show with no gap (same text object)
    reported_x: float | None = None  # the x the visitor reported, before chaining
    color: str = ""

    @property
    def x1(self) -> float:
        return self.x0 + self.width


def read_pdf(path: str | Path, password: str | None = None) -> Document:
    """Parse a PDF file; raise a ``SourceError`` subclass naming why it is unusable."""
    path = Path(path)
    data = path.read_bytes()
    if not data:
        raise EmptyFileError(path)
    if b"%PDF-" not in data[:1024]:
        raise NotAPDFError(path)
    if b"%%EOF" not in data[-2048:] or b"startxref" not in data[-4096:]:
        raise DamagedPDFError(path, "no end-of-file marker or cross-reference trailer")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            if password is None:
                # An empty user password opens many "encrypted" PDFs (owner-only restrictions).
                if not reader.decrypt(""):
                    raise EncryptedPDFError(path)
            elif not reader.decrypt(password):
                raise WrongPasswordError(path)
        n_pages = len(reader.pages)
    except SourceError:
        raise
    except FileNotDecryptedError as e:
        raise EncryptedPDFError(path) from e
    except MemoryError:
        raise
    except Exception as e:
        raise DamagedPDFError(path, _short(e)) from e
    if n_pages == 0:
        raise NoPagesError(path)

    raw: list[list[Line]] = []
    sizes: list[tuple[float, float]] = []
    widths = Widths()
    with fonts_parsed_once():
        for i in range(n_pages):
            try:
                page = reader.pages[i]
                box = page.mediabox
                width, height = float(box.width), float(box.height)
                raw.append(_page_lines(page, float(box.top), widths))
            except MemoryError:
                raise
            except Exception as e:
                raise DamagedPDFError(path, f"page {i + 1}: {_short(e)}") from e
            sizes.append((width, height))

    if not _has_text(raw):
        raise NoTextError(path)

    labels = _page_labels(reader, raw, sizes)
    raw = _strip_running_lines(raw, sizes, labels)
    vocab = _vocabulary(raw)
    pitches = line_pitches(raw)
    body = body_size(ln for lines in raw for ln in lines)
    pages: list[Page] = []
    for i, lines in enumerate(raw):
        width, height = sizes[i]
        tables, lines = find_tables(lines, body, join_lines)
        # Each table stands in the reading order as one placeholder line at its position.
        holders = {
            f"\x00table{k}": Line(
                f"\x00table{k}", t.x0, max(ln.x1 for ln in t.lines), t.top, t.size
            )
            for k, t in enumerate(tables)
        }
        by_holder = dict(zip(holders, tables, strict=True))
        ordered = reading_order(lines + list(holders.values()), width)
        blocks: list[Block] = []
        for group in group_blocks(ordered, pitches):
            if group[0].text in by_holder:
                table = by_holder[group[0].text]
                table.pdf_page = i + 1
                blocks.append(table)
            elif text := join_lines([ln.text for ln in group], vocab):
                blocks.append(Block(text=text, pdf_page=i + 1, lines=group))
        read_titles(blocks)
        pages.append(
            Page(pdf_page=i + 1, label=labels[i], blocks=blocks, width=width, height=height)
        )

    follow_continued([b for p in pages for b in p.blocks])
    title = _title(reader, pages, path)
    doc = Document(
        path=str(path),
        sha256=sha256_bytes(data),
        title=title,
        pages=pages,
        parser=PARSER,
        outline=_outline(reader, n_pages),
    )
    assign_offsets(doc)
    return doc


def _has_text(raw: list[list[Line]], at_least: int = 5) -> bool:
    """At least a few letters or digits on the pages (stops counting once there are)."""
    seen = 0
    for lines in raw:
        for ln in lines:
            seen += sum(map(str.isalnum, ln.text))
            if seen >= at_least:
                return True
    return False


def _short(e: BaseException) -> str:
    """A one-line reason from a parser exception."""
    text = " ".join(str(e).split()) or type(e).__name__
    return text[:160]


# --- lines --------------------------------------------------------------------------------


def _page_lines(page: pypdf.PageObject, page_top: float, widths: Widths) -> list[Line]:
    """Visual lines of one page: stream fragments on one baseline, close in x, are one line."""
    frags: list[_Frag] = []
    styles: dict[int, tuple[bool, bool, str]] = {}
    fill = [""]  # the fill colour in force ("" = black or grey), saved and restored by q/Q

    def operand(op: bytes, args: list, cm: list[float], tm: list[float]) -> None:
        if op == b"q":
            fill.append(fill[-1])
        elif op == b"Q":
            if len(fill) > 1:
                fill.pop()
        elif op in (b"rg", b"g", b"k", b"sc", b"scn"):
            fill[-1] = fill_colour(args)

    def visit(text: str, cm: list[float], tm: list[float], font_dict: object, font_size: float):
        if not text or not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = (abs(tm[3]) or abs(tm[0]) or 1.0) * (abs(cm[3]) or abs(cm[0]) or 1.0)
        size = round(float(font_size) * scale, 1) or 1.0
        style = styles.get(id(font_dict))
        if style is None:  # a page uses a few fonts for thousands of fragments
            style = styles[id(font_dict)] = (*font_style(font_dict), font_family(font_dict))
        bold, italic, family = style
        for k, part in enumerate(text.split("\n")):
            if part.strip():
                top = round(page_top - y + k * size * 1.2, 1)
                w = widths.width(part.strip(), font_dict, size)
                frags.append(
                    _Frag(
                        part.strip(),
                        round(x, 1),
                        top,
                        size,
                        bold,
                        italic,
                        w,
                        family,
                        lead_space=part[:1].isspace(),
                        color=fill[-1],
                    )
                )

    page.extract_text(visitor_text=visit, visitor_operand_before=operand)
    lines: list[Line] = []
    cur: list[_Frag] = []
    for f in frags:
        if cur:
            last = cur[-1]
            same_base = abs(f.top - last.top) <= 0.4 * max(f.size, last.size)
            if same_base and f.x0 == (last.x0 if last.reported_x is None else last.reported_x):
                if f.text == last.text and f.lead_space == last.lead_space:
                    continue  # text drawn twice (fake bold, shadow)
                # Several shows in one text object report the object's start: chain them.
                # They follow each other with no gap (a font change inside a word, as
                # small capitals are set), so only a space they print separates them.
                f.reported_x, f.x0 = f.x0, last.x1
                f.glued = not f.lead_space
            near = -0.5 * last.size <= f.x0 - last.x1 <= 0.8 * last.size
            if same_base and near:
                cur.append(f)
                continue
            lines.append(_line(cur))
        cur = [f]
    if cur:
        lines.append(_line(cur))
    return lines


_SPACES = re.compile(r"\s+")


def fill_colour(args: list) -> str:
    """A fill colour as "#rrggbb"; "" for black, greys and what cannot be read (a pattern).

    Why: a heading may differ from running text only by its colour."""
    try:
        vals = [float(a) for a in args]
    except (TypeError, ValueError):
        return ""
    if len(vals) == 4:  # CMYK
        c, m, y, k = vals
        vals = [(1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k)]
    if len(vals) != 3 or max(vals) - min(vals) < 0.15:
        return ""
    return "#" + "".join(f"{round(min(max(v, 0.0), 1.0) * 255):02x}" for v in vals)


def _line(frags: list[_Frag]) -> Line:
    text = ""
    for f in frags:
        if (
            text
            and not f.glued
            and not text.endswith(" ")
            and not f.text.startswith((" ", ",", ".", ";", ":", "\xad"))
        ):
            text += " "
        text += f.text
    text = _SPACES.sub(" ", text).strip()
    main = max(frags, key=lambda f: len(f.text))
    size = main.size
    lettered = [f for f in frags if any(c.isalpha() for c in f.text)]
    if len({f.size for f in lettered}) == 2 and all(f.text.isupper() for f in lettered):
        # Small capitals: initials at the font's size, the rest in smaller capitals.
        size = max(f.size for f in lettered)
    x1 = max(f.x1 for f in frags)
    return Line(
        text, frags[0].x0, x1, frags[0].top, size, main.bold, main.italic, main.font, main.color
    )


def _outline(reader: pypdf.PdfReader, n_pages: int) -> list[OutlineEntry]:
    """The PDF's bookmarks as plain entries (title, 1-based page, depth), in outline order.

    A bookmark whose destination cannot be resolved is left out with a debug note; an
    unreadable outline gives none (structure then comes from the printed text).
    """
    out: list[OutlineEntry] = []

    def walk(items: list, level: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
                continue
            try:
                page = reader.get_destination_page_number(item)
                title = " ".join(str(item.title or "").split())
            except Exception as e:  # a broken destination: skip the bookmark, keep the rest
                log.debug("outline entry skipped: %s", e)
                continue
            if title and page is not None and 0 <= page < n_pages:
                out.append(OutlineEntry(title=title, pdf_page=page + 1, level=level))

    try:
        walk(reader.outline, 1)
    except Exception as e:
        log.debug("ignoring unreadable outline: %s", e)
        return []
    return out


# --- page labels and running headers/footers ------------------------------------------------


def _in_margin(line: Line, height: float) -> bool:
    return line.top < height * MARGIN_BAND or line.top > height * (1 - MARGIN_BAND)


def _number_tokens(text: str) -> list[str]:
    """Page-number candidates on a margin line: its first and last tokens (or all of a short
    line), stripped of decoration such as "— 17 —" or "Page 17 |"."""
    # "Page 3 of 62", "p. 3/62": the page's own number is the one before "of" or "/".
    # "Page ii of v": front matter counts its pages in roman numerals.
    m = re.search(
        r"\b([0-9]{1,4}|[ivxlcdm]{1,7})\s*(?:of|/)\s*(?:[0-9]{1,4}|[ivxlcdm]{1,7})\b", text, re.I
    )
    if m:
        return [m.group(1)]
    toks = [t.strip("—–-|·•()[]{}.,:;") for t in text.split()]
    toks = [t for t in toks if t]
    if not toks:
        return []
    pick = toks if len(toks) <= 3 else [toks[0], toks[-1]]
    return list(dict.fromkeys(t for t in pick if re.fullmatch(r"[0-9]{1,4}", t) or _ROMAN.match(t)))


def _page_labels(
    reader: pypdf.PdfReader, raw: list[list[Line]], sizes: list[tuple[float, float]]
) -> list[str | None]:
    """Printed labels: the PDF's /PageLabels when present, else numbers printed in a margin."""
    n = len(raw)
    cands: list[list[str]] = []
    for i, lines in enumerate(raw):
        height = sizes[i][1]
        # Lines in the margin bands, and the page's outermost short lines wherever they sit
        # (LaTeX prints the number well above the bottom edge).
        outer = _outermost(lines)
        cands.append(
            [
                t
                for ln in lines
                if _in_margin(ln, height) or (ln in outer and len(ln.text.split()) <= 4)
                for t in _number_tokens(ln.text)
            ]
        )
    declared: list[str] | None = None
    try:
        root = reader.trailer["/Root"]
        if "/PageLabels" in root:
            declared = [str(lbl) for lbl in reader.page_labels]
    except Exception as e:
        log.debug("ignoring unreadable /PageLabels: %s", e)
    if declared is not None:
        # The /PageLabels name every page; a page whose margins print no number at all (a
        # cover) prints none, when the other pages do print theirs.
        printed = sum(1 for lbl, toks in zip(declared, cands, strict=True) if lbl in toks)
        if printed * 2 >= n:
            return [lbl if toks else None for lbl, toks in zip(declared, cands, strict=True)]
        return declared
    # Arabic numbers: the printed number minus the page index is constant for most pages.
    offsets: Counter[int] = Counter()
    for i, toks in enumerate(cands):
        for t in {t for t in toks if t.isdecimal()}:
            offsets[int(t) - (i + 1)] += 1
    labels: list[str | None] = [None] * n
    if offsets:
        offset, support = offsets.most_common(1)[0]
        if support >= max(2, n // 4) or (n <= 3 and support >= 1 and offset == 0):
            for i, toks in enumerate(cands):
                want = str(i + 1 + offset)
                if want in toks:
                    labels[i] = want
    # Roman numerals (front matter) on pages without an arabic label: like arabic numbers,
    # a run whose value minus the page index is constant.
    roman_offsets: Counter[int] = Counter()
    for i, toks in enumerate(cands):
        if labels[i] is None:
            for t in {t.lower() for t in toks if not t.isdecimal() and len(t) <= 6}:
                roman_offsets[_roman_value(t) - (i + 1)] += 1
    if roman_offsets:
        r_off, r_support = roman_offsets.most_common(1)[0]
        if r_support >= 3:
            for i, toks in enumerate(cands):
                hits = [t for t in toks if not t.isdecimal() and _roman_value(t) == i + 1 + r_off]
                if labels[i] is None and hits:
                    labels[i] = hits[0].lower()
    for i, toks in enumerate(cands):
        if labels[i] is None:
            romans = [t for t in toks if not t.isdecimal()]
            if (
                len(romans) == 1
                and len(romans[0]) <= 6
                and sum(1 for c in cands if romans[0] in c) == 1
            ):
                labels[i] = romans[0].lower()
    return labels


def _numbers(text: str) -> list[str]:
    """The numbers a margin line prints (arabic, or roman as a word of its own)."""
    return [
        t
        for t in re.findall(r"[0-9]+|\b[ivxlcdm]+\b", text.lower())
        if t.isdigit() or _ROMAN.match(t)
    ]


def _roman_value(text: str) -> int:
    """The value of a lower- or upper-case roman numeral ("xiv" → 14)."""
    values = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
    total = 0
    low = text.lower()
    for k, ch in enumerate(low):
        v = values[ch]
        total += -v if k + 1 < len(low) and values[low[k + 1]] > v else v
    return total


def _outermost(lines: list[Line]) -> list[Line]:
    """The top-most and bottom-most lines of a page."""
    if not lines:
        return []
    top = min(ln.top for ln in lines)
    bottom = max(ln.top for ln in lines)
    return [ln for ln in lines if abs(ln.top - top) < 2 or abs(ln.top - bottom) < 2]


@functools.lru_cache(maxsize=8192)  # asked of the same lines again and again
def _running_key(text: str) -> str:
    """A margin line's text, numbers masked: "Chapter 3 · page 12" → "chapter # · page #"."""
    low = re.sub(r"\s+", " ", text.strip().lower())
    low = re.sub(r"\b[ivxlcdm]+\b", lambda m: "#" if _ROMAN.match(m.group()) else m.group(), low)
    return re.sub(r"\d+", "#", low)


def _strip_running_lines(
    raw: list[list[Line]], sizes: list[tuple[float, float]], labels: list[str | None]
) -> list[list[Line]]:
    """Drop running headers/footers and printed page numbers.

    A running line sits in the top or bottom margin band, repeats (same text, digits
    ignored, same position) on several pages, is set no larger than body text, and is
    the outermost text of its page once outer running lines are gone.
    """
    n = len(raw)
    body = body_size(ln for lines in raw for ln in lines)
    groups: dict[tuple[str, int], set[int]] = defaultdict(set)
    numbers: dict[tuple[str, int], list[tuple[int, list[str]]]] = defaultdict(list)
    for i, lines in enumerate(raw):
        height = sizes[i][1]
        for ln in lines:
            if _in_margin(ln, height) and ln.size <= body * 1.1:
                key = (_running_key(ln.text), round(ln.top / 4))
                groups[key].add(i)
                numbers[key].append((i, _numbers(ln.text)))

    def numbering_runs(key: tuple[str, int]) -> bool:
        """A repeated line with numbers in it runs only if a number repeats (a chapter
        number) or follows the page labels: "CASE 1" … "CASE 6", one per opening page, is
        a kicker, content."""
        seen = numbers[key]
        if "#" not in key[0]:
            return True
        firsts = [tuple(nums) for _, nums in seen]
        tracks = sum(1 for i, nums in seen if labels[i] and labels[i] in nums)
        return len(set(firsts)) < len(firsts) or tracks * 2 >= len(seen)

    min_pages = 3 if n >= 6 else 2
    alone = Counter(
        (_running_key(lines[0].text), round(lines[0].top / 4)) for lines in raw if len(lines) == 1
    )
    # Text that is all there is on most of its pages is content, not a running line.
    running = {
        key
        for key, pages in groups.items()
        if len(pages) >= min_pages and alone[key] * 2 < len(pages) and numbering_runs(key)
    }
    # Running lines live where running text does not: a height at which lines that repeat
    # nowhere else (body text) stand on many pages is the body's, e.g. the first line under
    # the header, even when the same heading happens to open several pages there.
    territory: Counter[int] = Counter()
    for i, lines in enumerate(raw):
        height = sizes[i][1]
        tops = sorted({ln.top for ln in lines})
        slots_here = {
            round(ln.top / 4) + d
            for ln in lines
            if _in_margin(ln, height)
            and len(groups.get((_running_key(ln.text), round(ln.top / 4)), ())) < min_pages
            # running text has a line right above or below it; a header stands alone
            and any(0.5 < abs(t - ln.top) <= 1.6 * ln.size for t in tops)
            for d in (-1, 0, 1)
        }
        territory.update(slots_here)
    running = {key for key in running if territory[key[1]] * 2 < len(groups[key])}

    slot_pages: dict[int, set[int]] = defaultdict(set)
    for key in running:
        slot_pages[key[1]] |= groups[key]
    slots = {slot for slot, pages in slot_pages.items() if len(pages) >= max(min_pages, n // 3)}
    out: list[list[Line]] = []
    for i, lines in enumerate(raw):
        height = sizes[i][1]
        keep = list(lines)
        removed_tops: list[float] = []
        # The number is read off the running line that prints it, not off another line that
        # happens to hold the same number ("CASE 1" above a title on page 1).
        label_elsewhere = labels[i] is not None and any(
            (_running_key(ln.text), round(ln.top / 4)) in running and labels[i] in _numbers(ln.text)
            for ln in lines
        )
        # Peel from the outside in: the outermost remaining line in each band.
        changed = True
        while changed and keep:
            changed = False
            top_edge = min(ln.top for ln in keep)
            bottom_edge = max(ln.top for ln in keep)
            for ln in list(keep):
                outer = abs(ln.top - top_edge) < 2 or abs(ln.top - bottom_edge) < 2
                if not outer:
                    continue
                if not _in_margin(ln, height) and (
                    labels[i] is None or _strip_label(ln.text, labels[i])
                ):
                    continue  # outside the margins only a line that is just the number goes
                key = (_running_key(ln.text), round(ln.top / 4))
                stripped = _strip_label(ln.text, labels[i])
                # Text on the baseline of a running line or page number runs with it
                # (e.g. a part name printed beside the running title).
                beside = ln.size <= body * 1.1 and any(abs(ln.top - t) < 2 for t in removed_tops)
                # The slot of a running line (its exact baseline in the margin) holds
                # running text on every page, even a part name printed on one page only.
                in_slot = key[1] in slots and ln.size <= body * 1.1 and len(ln.text.split()) <= 12
                if key in running or not stripped or beside or in_slot:
                    keep.remove(ln)
                    removed_tops.append(ln.top)
                    changed = True
                elif stripped != ln.text and not label_elsewhere:
                    keep[keep.index(ln)] = replace(ln, text=stripped)
                    changed = True
        out.append(keep)
    return out


def _strip_label(text: str, label: str | None) -> str:
    """The line without the printed page number at its start or end."""
    if label is None:
        return text
    # "page 12", "p. 12", "12 of 80" go with the number.
    text = re.sub(
        rf"(?i)(\b(page|p\.|pg\.?)\s*)?\b{re.escape(label)}\b(\s+of\s+(?:\d+|[ivxlcdm]+\b))?",
        lambda m: label if m.group(1) or m.group(3) else m.group(0),
        text,
    )
    toks = text.split()
    bare = [t.strip("—–-|·•()[]{}.,:;") for t in toks]
    if bare and bare[-1] == label:
        toks = toks[:-1]
    elif bare and bare[0] == label:
        toks = toks[1:]
    elif len(toks) <= 3 and label in bare:
        toks = [t for t, b in zip(toks, bare, strict=True) if b != label]
    return " ".join(toks).strip(" |·-–—")


# --- reading order and blocks -------------------------------------------------------------


def body_size(lines: Iterable[Line]) -> float:
    """The most common font size by characters: the size of running text."""
    weights: Counter[float] = Counter()
    for ln in lines:
        weights[round(ln.size, 1)] += len(ln.text)
    return weights.most_common(1)[0][0] if weights else 10.0


def reading_order(lines: list[Line], width: float) -> list[Line]:
    """Order lines for reading: bands split by full-width lines; left column before right.

    A page is two-column when several lines start near or right of the middle and
    coexist vertically with lines starting at the left margin.
    """
    if not lines:
        return []
    mid = width / 2
    right = [ln for ln in lines if mid - 0.08 * width <= ln.x0 <= mid + 0.12 * width]
    left = [ln for ln in lines if ln.x0 < mid - 0.08 * width]
    if len(right) < 3 or len(left) < 3:
        return sorted(lines, key=lambda ln: (round(ln.top), ln.x0))
    gutter = min(ln.x0 for ln in right)

    def overlaps(a: Line, others: list[Line]) -> bool:
        return any(abs(a.top - b.top) < max(a.size, b.size) * 1.5 for b in others)

    ordered: list[Line] = []
    band_left: list[Line] = []
    band_right: list[Line] = []
    far_right = [ln for ln in lines if ln.x0 > mid + 0.12 * width]

    def flush() -> None:
        ordered.extend(sorted(band_left, key=lambda ln: (ln.top, ln.x0)))
        ordered.extend(sorted(band_right, key=lambda ln: (ln.top, ln.x0)))
        band_left.clear()
        band_right.clear()

    for ln in sorted(lines, key=lambda ln: (ln.top, ln.x0)):
        if ln.x0 >= gutter - 2 or ln in far_right:
            band_right.append(ln)
        elif ln.x1 > gutter + 2 * ln.size and not overlaps(ln, right):
            flush()
            ordered.append(ln)
        else:
            band_left.append(ln)
    flush()
    return ordered


def _caps(text: str) -> bool:
    """A line in capitals with at least a few words' worth of letters."""
    return text.isupper() and sum(c.isalpha() for c in text) >= 2


def _starts_item(text: str) -> bool:
    return bool(text) and (text[0] in BULLETS and len(text) > 1 and text[1] == " ")


def line_pitches(pages: Iterable[list[Line]]) -> dict[float, float]:
    """The usual baseline-to-baseline distance of each font size, over the whole document.

    Measured per size because a heading's leading is not the body's: a gap that
    separates two body paragraphs can be the normal leading of a large title.
    """
    gaps: dict[float, Counter[float]] = defaultdict(Counter)
    for lines in pages:
        ordered = sorted(lines, key=lambda ln: (round(ln.x0 / 20), ln.top))
        for a, b in pairwise(ordered):
            gap = b.top - a.top
            if abs(a.size - b.size) < 0.2 and 0.9 * a.size <= gap <= 2.0 * a.size:
                gaps[round(a.size, 1)][round(gap * 2) / 2] += 1
    return {size: c.most_common(1)[0][0] for size, c in gaps.items()}


def group_blocks(lines: list[Line], pitches: dict[float, float] | None = None) -> list[list[Line]]:
    """Split reading-ordered lines into paragraphs: by style, vertical gaps, bullets, columns."""
    if not lines:
        return []
    pitches = pitches or {}
    groups: list[list[Line]] = [[lines[0]]]
    for prev, ln in pairwise(lines):
        gap = ln.top - prev.top
        size_change = (
            abs(ln.size - prev.size) > 0.45
            or ln.bold != prev.bold
            or ln.italic != prev.italic
            or ln.color != prev.color
            # A heading set in capitals at body size: starts, or ends, a block of its own.
            or (_caps(ln.text) and not _caps(prev.text) and sum(c.isalpha() for c in ln.text) >= 8)
            or (_caps(prev.text) and not _caps(ln.text) and _caps(groups[-1][0].text))
        )
        normal = pitches.get(round(prev.size, 1)) or prev.size * 1.3
        same = abs(prev.size - ln.size) < 0.2
        limit = max(normal * 1.25, prev.size * 1.3) if same else prev.size * 1.6
        new_col = gap < -0.5 * prev.size or abs(ln.x0 - prev.x0) > 6 * prev.size
        indent_item = _starts_item(ln.text) or re.match(r"^\d{1,2}[.)] \S", ln.text) is not None
        head = groups[-1][0]
        item_ends = _starts_item(head.text) and ln.x0 < head.x0 + 2
        holder = ln.text.startswith("\x00") or prev.text.startswith("\x00")
        if size_change or gap > limit or new_col or indent_item or item_ends or holder:
            groups.append([ln])
        else:
            groups[-1].append(ln)
    return groups


def _vocabulary(raw: list[list[Line]]) -> set[str]:
    """Words printed whole somewhere in the document: decides how to undo line-end hyphens."""
    words: set[str] = set()
    for lines in raw:
        for ln in lines:
            for tok in re.findall(r"[A-Za-zÀ-ÿ][\w'-]*[A-Za-zÀ-ÿ]", ln.text):
                words.add(tok.lower())
    return words


def _title(reader: pypdf.PdfReader, pages: list[Page], path: Path) -> str:
    """The metadata title when it looks real, else the largest text on the first pages."""
    try:
        meta = reader.metadata
        title = str(meta.title).strip() if meta and meta.title else ""
    except Exception:
        title = ""
    if title and not re.search(r"untitled|microsoft word|\.docx?$|\.tex$", title, re.I):
        return title
    best: tuple[float, str] | None = None
    for page in pages[:3]:
        for b in page.blocks:
            if len(b.text) > 3 and (best is None or b.size > best[0]):
                best = (b.size, b.text)
    return best[1][:200] if best else path.stem
