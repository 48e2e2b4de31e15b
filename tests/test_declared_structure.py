"""Structure the document declares: bookmarks (PDF outline) first, then a printed contents page.

PDFs are drawn here with reportlab so that typography alone could not tell the parts apart
(part titles set like section headings): only the declared structure can get them right.
"""

from __future__ import annotations

import random

import pytest

pytest.importorskip("reportlab")

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

WORDS = [
    "policy",
    "public",
    "value",
    "mission",
    "budget",
    "council",
    "housing",
    "energy",
    "fund",
    "target",
    "city",
    "region",
    "programme",
    "health",
    "care",
    "school",
    "transport",
    "market",
    "growth",
    "partner",
    "evidence",
    "outcome",
]


def _para(rng: random.Random, n: int = 60) -> list[str]:
    words = [rng.choice(WORDS) for _ in range(n)]
    words[0] = words[0].capitalize()
    text = " ".join(words) + "."
    return [text[i : i + 85] for i in range(0, len(text), 85)]


def _draw(path, layout, outline: bool, contents: bool, seed: int = 0) -> None:
    """layout: [(part title, [(section, [subsection, ...]), ...]), ...]; one part per page run."""
    rng = random.Random(seed)
    c = canvas.Canvas(str(path), pagesize=A4)
    page = 1

    def new_page() -> None:
        nonlocal page
        c.setFont("Helvetica", 9)
        c.drawCentredString(A4[0] / 2, 30, str(page))
        c.showPage()
        page += 1

    c.setFont("Helvetica-Bold", 20)
    c.drawString(72, 760, "A Collected Volume")
    starts = {}
    # Pages: cover (1), contents (2), then each part from page 3, two pages per part.
    first = 3
    for k, (title, _) in enumerate(layout):
        starts[title] = first + 2 * k
    new_page()
    if contents:
        c.setFont("Helvetica-Bold", 14)
        c.drawString(72, 760, "Contents")
        c.setFont("Helvetica", 11)
        for k, (title, _) in enumerate(layout):
            c.drawString(72, 730 - 20 * k, f"{title} ........ {starts[title]}")
    new_page()
    for k, (title, sections) in enumerate(layout):
        key = f"p{k}"
        c.bookmarkPage(key)
        if outline:
            c.addOutlineEntry(title, key, level=0)
        y = 760
        # The part title is set exactly like a section heading: typography cannot tell.
        c.setFont("Helvetica-Bold", 13)
        c.drawString(72, y, title)
        y -= 30
        for j, (sec, subs) in enumerate(sections):
            if j == len(sections) // 2 + 1 and y < 600:
                new_page()
                y = 760
            skey = f"{key}s{j}"
            c.bookmarkHorizontal(skey, 0, y + 15)
            if outline:
                c.addOutlineEntry(sec, skey, level=1)
            c.setFont("Helvetica-Bold", 13)
            c.drawString(72, y, sec)
            y -= 20
            c.setFont("Helvetica", 10)
            for ln in _para(rng):
                c.drawString(72, y, ln)
                y -= 13
            y -= 10
            for m, sub in enumerate(subs):
                ukey = f"{skey}u{m}"
                c.bookmarkHorizontal(ukey, 0, y + 15)
                if outline:
                    c.addOutlineEntry(sub, ukey, level=2)
                c.setFont("Helvetica-Bold", 10)
                c.drawString(72, y, sub)
                y -= 16
                c.setFont("Helvetica", 10)
                for ln in _para(rng, 30):
                    c.drawString(72, y, ln)
                    y -= 13
                y -= 10
        while page < starts[title] + 2:
            new_page()
    c.save()


LAYOUT = [
    ("Energy in the Region", [("Where it began", []), ("What was done", ["Funding", "Staff"])]),
    ("Housing for All", [("The problem", []), ("The plan", []), ("The result", [])]),
    ("Care Beside the Harbour", [("Origins", ["First steps"]), ("Lessons", [])]),
]


def _tree(structure):
    return [
        (p.title, [(s.heading, [u.heading for u in s.subsections]) for s in p.sections])
        for p in structure.parts
        if p.title in {t for t, _ in LAYOUT}
    ]


def test_a_bookmarked_pdf_follows_its_outline_exactly(tmp_path):
    from pipeline.structure import detect_structure, outline
    from sources import load

    path = tmp_path / "bookmarked.pdf"
    _draw(path, LAYOUT, outline=True, contents=False)
    doc = load(path)
    assert [e.level for e in doc.outline][:4] == [1, 2, 2, 3]
    structure = detect_structure(doc)
    assert structure.source == "outline"
    assert _tree(structure) == [(t, secs) for t, secs in LAYOUT]
    got = {p.title: (p.first_page, p.last_page) for p in structure.parts}
    assert got["Energy in the Region"] == (3, 4) and got["Care Beside the Harbour"] == (7, 8)
    assert outline(structure)["structure_source"] == "outline"


def test_a_printed_contents_page_sets_the_part_starts(tmp_path):
    from pipeline.structure import detect_structure
    from sources import load

    path = tmp_path / "contents.pdf"
    _draw(path, LAYOUT, outline=False, contents=True)
    structure = detect_structure(load(path))
    assert structure.source == "contents"
    got = [(p.title, p.first_page, p.last_page) for p in structure.parts[-3:]]
    assert got == [
        ("Energy in the Region", 3, 4),
        ("Housing for All", 5, 6),
        ("Care Beside the Harbour", 7, 8),
    ]


def test_without_outline_or_contents_typography_decides(tmp_path):
    from pipeline.structure import detect_structure
    from sources import load

    path = tmp_path / "plain.pdf"
    _draw(path, LAYOUT, outline=False, contents=False)
    assert detect_structure(load(path)).source == "typography"


@pytest.mark.slow
def test_wild_bookmarked_pdf_follows_its_outline():
    """A real pdfTeX book: its chapters are the parts and its sections nest under them."""
    from tests.conftest import CORPUS

    path = CORPUS / "wild" / "009-pdflatex-geotopo_GeoTopo-komprimiert.pdf"
    if not path.exists():
        pytest.skip("wild corpus not found")
    from pipeline.structure import detect_structure
    from sources import load

    doc = load(path)
    structure = detect_structure(doc)
    assert structure.source == "outline"
    tops = [e for e in doc.outline if e.level == 1]
    parts = structure.parts[-len(tops) :]
    assert [p.title for p in parts] == [e.title for e in tops]
    assert [p.first_page for p in parts] == [e.pdf_page for e in tops]
    second = [e for e in doc.outline if e.level == 2]
    assert sum(len(p.sections) for p in parts) == len(second)


def test_pipeline_needs_no_pypdf():
    """sources/ hands the outline and labels over as plain data: pipeline/ never imports pypdf."""
    import subprocess
    import sys

    code = (
        "import sys, pipeline.structure, pipeline.chunks, sources.text; "
        "print('pypdf' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
