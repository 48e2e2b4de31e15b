"""Third-party-like PDFs with known headings, typeset by other producers than ours.

Why: heading detection must hold on documents nobody tuned it on. These are set by typst,
fpdf2 and groff (-ms), each in several heading conventions real reports use — numbered
"1." / "2.3" headings, italic body-size headings, ALL CAPS at body size, bold-only,
sub-headings that differ from the body only by font family, coloured headings — over real
prose (Debian's license texts, ``/usr/share/common-licenses``), with several headings on
a page and tables whose bold header rows must not count as headings. The headings come
from the markup we write; each heading's page is read back from the rendered PDF.

``DOCS`` lists (producer, convention) pairs split in two halves: ``TUNE`` to look at while
improving detection, ``HELDOUT`` to report once.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

PROSE_DIR = Path("/usr/share/common-licenses")
PROSE_FILES = ["GPL-3", "Apache-2.0", "MPL-2.0", "GFDL-1.3", "LGPL-2.1", "Artistic", "CC0-1.0"]
PRODUCERS = ["typst", "fpdf2", "groff"]
CONVENTIONS = ["numbered", "italic", "caps", "bold", "family", "colour"]
# A checkerboard over producer x convention: each convention is tuned with one producer
# and held out with another, and each producer appears in both halves.
TUNE = [(p, c) for i, p in enumerate(PRODUCERS) for j, c in enumerate(CONVENTIONS) if (i + j) % 2]
HELDOUT = [
    (p, c) for i, p in enumerate(PRODUCERS) for j, c in enumerate(CONVENTIONS) if not (i + j) % 2
]
COLOURS = ["#1f4e79", "#8b0000", "#2e7d32", "#6a1b9a"]


@dataclass
class Heading:
    """One heading as written in the markup: its level, printed number, text and page."""

    level: int
    text: str
    number: str | None = None
    page: int = 0  # 1-based PDF page where it is printed (read back after rendering)

    @property
    def printed(self) -> str:
        return f"{self.number} {self.text}" if self.number else self.text


@dataclass
class Spec:
    """A document to typeset: title, then headings each followed by paragraphs or a table."""

    producer: str
    convention: str
    seed: int
    title: str
    items: list[tuple[Heading, list[str | list[list[str]]]]] = field(default_factory=list)
    body: float = 11.0
    colour: str = COLOURS[0]
    columns: int = 1  # 2: set in two columns (typst and groff)

    @property
    def name(self) -> str:
        cols = "-2col" if self.columns == 2 else ""
        return f"{self.producer}-{self.convention}-{self.seed}{cols}"


def prose_paragraphs() -> list[str]:
    """Paragraphs of ≥ 30 words from the license texts, whitespace normalised."""
    out: list[str] = []
    for name in PROSE_FILES:
        path = PROSE_DIR / name
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for para in re.split(r"\n\s*\n", text):
            words = para.split()
            if len(words) >= 30 and not any(ch in para for ch in "<>{}\\$#_~^|@[]*`"):
                out.append(" ".join(words).encode("latin-1", "ignore").decode("latin-1"))
    if len(out) < 40:
        raise RuntimeError(f"too little prose under {PROSE_DIR}")
    return out


_STOP = {"the", "a", "an", "of", "and", "or", "to", "in", "for", "on", "by", "with", "that"}


def _heading_text(rng: random.Random, paras: list[str], used: set[str], pool: str) -> str:
    """A heading of 2–6 content words taken in order from a stretch of the prose (so it
    reads like the text's subject but is not printed in it), in title or sentence case."""
    while True:
        words = re.sub(r"[^A-Za-z ]+", " ", rng.choice(paras)).split()
        n = rng.randint(2, 6)
        k = rng.randrange(max(1, len(words) - 3 * n))
        content = [w for w in words[k : k + 3 * n] if len(w) > 3 and w.lower() not in _STOP]
        if len(content) < n:
            continue
        phrase = sorted(rng.sample(range(len(content)), n))
        picked = [content[i] for i in phrase]
        if rng.random() < 0.5:
            text = " ".join(w.capitalize() for w in picked)
        else:
            text = " ".join(picked).lower()
            text = text[0].upper() + text[1:]
        key = _norm(text)
        if key not in used and f" {key} " not in pool:
            used.add(key)
            return text


def make_spec(producer: str, convention: str, seed: int, columns: int = 1) -> Spec:
    """A random document: 8–14 headings on two or three levels, prose, sometimes a table."""
    rng = random.Random(f"{producer}/{convention}/{seed}")
    paras = prose_paragraphs()
    used: set[str] = set()
    pool = " " + " ".join(_norm(p) for p in paras) + " "
    spec = Spec(producer, convention, seed, title=_heading_text(rng, paras, used, pool))
    spec.body = rng.choice([10.0, 10.5, 11.0, 12.0])
    spec.colour = rng.choice(COLOURS)
    spec.columns = columns
    depth = 3 if convention == "numbered" else 2
    counters = [0, 0, 0]
    level = 1
    n = rng.randint(8, 14)
    tables = rng.randint(1, 2)
    for i in range(n):
        level = 1 if i == 0 else rng.choice([x for x in range(1, min(level + 1, depth) + 1)])
        counters[level - 1] += 1
        for k in range(level, 3):
            counters[k] = 0
        number = ".".join(str(c) for c in counters[:level]) if convention == "numbered" else None
        h = Heading(level, _heading_text(rng, paras, used, pool), number)
        # Short sections put several headings on one page.
        body: list[str | list[list[str]]] = [
            rng.choice(paras) for _ in range(rng.choice([1, 1, 2, 3, 4]))
        ]
        if tables and rng.random() < 0.3:
            tables -= 1
            body.insert(rng.randint(0, len(body)), _table(rng, paras))
        spec.items.append((h, body))
    return spec


def _table(rng: random.Random, paras: list[str]) -> list[list[str]]:
    """A small table: a header row of capitalised words, then rows of words and figures."""
    cols = rng.randint(2, 4)
    words = [w for w in re.sub(r"[^A-Za-z ]+", " ", rng.choice(paras)).split() if len(w) > 3]
    head = [w.capitalize() for w in rng.sample(words, cols)] if len(words) >= cols else ["Item"]
    rows = [head]
    for _ in range(rng.randint(2, 5)):
        rows.append([rng.choice(words).lower()] + [str(rng.randint(1, 2000)) for _ in head[1:]])
    return rows


# --- typst -------------------------------------------------------------------------------


def _typ_str(text: str) -> str:
    return '#"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _typst_source(spec: Spec) -> str:
    b = spec.body
    c = spec.convention
    lines = [
        '#set page(paper: "a4", margin: 2.5cm, numbering: "1")',
        f'#set text(font: "Libertinus Serif", size: {b}pt)',
        "#set par(justify: true)",
    ]
    if spec.columns == 2:
        lines.append("#set page(columns: 2)")
    if c == "numbered":
        lines += [
            '#set heading(numbering: "1.1")',
            f"#show heading.where(level: 1): set text(size: {b * 1.4:.1f}pt)",
            f"#show heading.where(level: 2): set text(size: {b * 1.15:.1f}pt)",
            f"#show heading.where(level: 3): set text(size: {b}pt)",
        ]
    else:
        l1, l2 = {
            "italic": (f'weight: "bold", size: {b * 1.3:.1f}pt', f'style: "italic", size: {b}pt'),
            "caps": (f"size: {b}pt", f'weight: "bold", size: {b}pt'),
            "bold": (f'weight: "bold", size: {b * 1.15:.1f}pt', f'weight: "bold", size: {b}pt'),
            "family": (
                f'weight: "bold", size: {b * 1.3:.1f}pt',
                f'font: "DejaVu Sans", size: {b}pt',
            ),
            "colour": (
                f'fill: rgb("{spec.colour}"), size: {b * 1.2:.1f}pt',
                f'fill: rgb("{spec.colour}"), size: {b}pt',
            ),
        }[c]
        w1 = "" if "weight" in l1 else ', weight: "regular"'
        w2 = "" if "weight" in l2 else ', weight: "regular"'
        up = "upper(it.body)" if c == "caps" else "it.body"
        lines += [
            "#show heading.where(level: 1): it => block(above: 1.6em, below: 0.8em,"
            f" text({l1}{w1})[#{up}])",
            "#show heading.where(level: 2): it => block(above: 1.3em, below: 0.6em,"
            f" text({l2}{w2})[#it.body])",
        ]
    lines.append(
        f'#align(center, text(size: {b * 1.9:.1f}pt, weight: "bold")[{_typ_str(spec.title)}])'
    )
    for h, body in spec.items:
        lines.append("")
        lines.append("=" * h.level + " " + _typ_str(h.text))
        for p in body:
            lines.append("")
            if isinstance(p, str):
                lines.append(_typ_str(p))
            else:
                head = ", ".join(f"[*{_typ_str(x)}*]" for x in p[0])
                cells = ", ".join(f"[{_typ_str(x)}]" for row in p[1:] for x in row)
                lines.append(f"#table(columns: {len(p[0])}, table.header({head}), {cells})")
    return "\n".join(lines) + "\n"


def _render_typst(spec: Spec, out: Path) -> None:
    import typst

    src = out.with_suffix(".typ")
    src.write_text(_typst_source(spec), encoding="utf-8")
    out.write_bytes(typst.compile(str(src)))
    src.unlink()


# --- fpdf2 -------------------------------------------------------------------------------


def _render_fpdf(spec: Spec, out: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=22)
    pdf.set_margins(25, 22, 25)
    pdf.add_page()
    b = spec.body
    body_font = "Times"
    pdf.set_font("Helvetica", "B", b * 1.8)
    pdf.multi_cell(0, b * 0.9, spec.title, align="C")
    pdf.ln(b * 0.6)
    c = spec.convention
    rgb = tuple(int(spec.colour[i : i + 2], 16) for i in (1, 3, 5))

    def style(level: int) -> tuple[str, str, float, bool, bool]:
        """(family, style, size, capitals, coloured) of a heading level."""
        if c == "numbered":
            return ("Helvetica", "B", [b * 1.4, b * 1.15, b][level - 1], False, False)
        return {
            "italic": [(body_font, "B", b * 1.3, False, False), (body_font, "I", b, False, False)],
            "caps": [(body_font, "", b, True, False), (body_font, "B", b, False, False)],
            "bold": [(body_font, "B", b * 1.15, False, False), (body_font, "B", b, False, False)],
            "family": [(body_font, "B", b * 1.3, False, False), ("Helvetica", "", b, False, False)],
            "colour": [(body_font, "", b * 1.2, False, True), (body_font, "", b, False, True)],
        }[c][level - 1]

    pitch = b * 0.5
    for h, body in spec.items:
        fam, st, size, caps, coloured = style(h.level)
        if pdf.get_y() > pdf.h - 60:
            pdf.add_page()
        pdf.ln(size * 0.5)
        pdf.set_font(fam, st, size)
        if coloured:
            pdf.set_text_color(*rgb)
        text = h.printed.upper() if caps else h.printed
        pdf.start_section(h.printed, level=h.level - 1)
        h.page = pdf.page_no()
        pdf.multi_cell(0, size * 0.5, text)
        pdf.set_text_color(0, 0, 0)
        pdf.ln(size * 0.2)
        for p in body:
            pdf.set_font(body_font, "", b)
            if isinstance(p, str):
                pdf.multi_cell(0, pitch, p, align="J")
                pdf.ln(pitch * 0.6)
            else:
                with pdf.table(text_align="LEFT", line_height=pitch * 1.2) as table:
                    for row in p:
                        r = table.row()
                        for cell in row:
                            r.cell(cell)
                pdf.ln(pitch * 0.6)
    pdf.output(str(out))


# --- groff -ms ---------------------------------------------------------------------------


def _troff(text: str) -> str:
    text = text.replace("\\", "\\e")
    return "\\&" + text if text[:1] in ".'" else text


def _groff_source(spec: Spec) -> str:
    b = spec.body
    c = spec.convention
    lines = [
        f".nr PS {b:g}",
        f".nr VS {b * 1.2:g}",
        ".nr PSINCR 0",
        ".defcolor hc rgb " + spec.colour,
        ".ds CH",  # no running page-number header
        ".TL",
        _troff(spec.title),
        ".LP",
    ]
    if spec.columns == 2:
        lines.append(".2C")
    fonts = {  # level -> (font, size increment in points, capitals, coloured)
        "numbered": {1: ("HB", 4, False, False), 2: ("HB", 2, False, False), 3: ("B", 0, 0, 0)},
        "italic": {1: ("B", 3, False, False), 2: ("I", 0, False, False)},
        "caps": {1: ("R", 0, True, False), 2: ("B", 0, False, False)},
        "bold": {1: ("B", 2, False, False), 2: ("B", 0, False, False)},
        "family": {1: ("B", 3, False, False), 2: ("H", 0, False, False)},
        "colour": {1: ("R", 2, False, True), 2: ("R", 0, False, True)},
    }[c]
    for h, body in spec.items:
        font, inc, caps, coloured = fonts[h.level]
        text = h.printed.upper() if caps else h.printed
        lines += [".sp 1", ".ne 5", f".ft {font}", f".ps +{inc}" if inc else ".ps +0"]
        if coloured:
            lines.append(".gcolor hc")
        lines += [_troff(text), ".br", ".gcolor" if coloured else '.\\"', ".ps", ".ft R"]
        lines.append(".sp 0.4")
        for p in body:
            if isinstance(p, str):
                lines += [".LP", _troff(p)]
            else:
                n = len(p[0])
                lines += [".TS", "box;", " ".join(["cB"] * n), " ".join(["l"] * n) + "."]
                lines += ["\t".join(_troff(x) for x in row) for row in p]
                lines += [".TE"]
    return "\n".join(lines) + "\n"


def _render_groff(spec: Spec, out: Path) -> None:
    if shutil.which("groff") is None:
        raise RuntimeError("groff is not installed")
    res = subprocess.run(
        ["groff", "-t", "-ms", "-Tpdf"],
        input=_groff_source(spec).encode("latin-1", "replace"),
        capture_output=True,
        check=True,
    )
    out.write_bytes(res.stdout)


RENDER = {"typst": _render_typst, "fpdf2": _render_fpdf, "groff": _render_groff}


def available(producer: str) -> bool:
    """Whether this machine can typeset with ``producer``."""
    try:
        if producer == "typst":
            import typst  # noqa: F401
        elif producer == "fpdf2":
            import fpdf  # noqa: F401
        elif producer == "groff":
            if shutil.which("groff") is None:
                return False
            probe = subprocess.run(
                ["groff", "-Tpdf"], input=b"x\n", capture_output=True, check=False
            )
            return probe.returncode == 0
    except ImportError:
        return False
    return PROSE_DIR.exists()


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def _read_pages(out: Path, spec: Spec) -> None:
    """Each heading's page: the first page, from the previous heading's on, that prints it."""
    import pypdf

    # Letters and digits only: a heading broken over lines (or hyphenated) still matches.
    texts = [_norm(p.extract_text() or "").replace(" ", "") for p in pypdf.PdfReader(out).pages]
    page = 1
    for h, _ in spec.items:
        want = _norm(h.printed).replace(" ", "")
        for k in range(page, len(texts) + 1):
            if want in texts[k - 1]:
                page = k
                break
        else:
            raise RuntimeError(f"{spec.name}: heading {h.printed!r} not found in the PDF")
        if not h.page:
            h.page = page


def render(spec: Spec, folder: Path) -> Path:
    """Typeset ``spec`` into ``folder``; fills each heading's page; returns the PDF path."""
    out = folder / f"{spec.name}.pdf"
    RENDER[spec.producer](spec, out)
    _read_pages(out, spec)
    return out
