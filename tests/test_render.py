"""Highlights on PDFs whose word positions are known: drawn by reportlab at random sizes,
fonts, columns and line breaks (hyphenated too), then found by ``sources.render``."""

from __future__ import annotations

import random

import pytest

from sources.render import PageRenderer

pytest.importorskip("reportlab")

SYLLABLES = ["ka", "lo", "mer", "tan", "vi", "sod", "rup", "el", "quo", "nar", "bis", "dre"]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 4)))


def _draw(path, rng: random.Random):
    """A page of invented sentences; returns the chosen quote and, per printed line it
    occupies, the expected box (x0, top, x1, bottom) in points from the top-left."""
    from reportlab.lib.pagesizes import A4, letter
    from reportlab.pdfbase.pdfmetrics import getAscentDescent, stringWidth
    from reportlab.pdfgen import canvas

    width, height = rng.choice([A4, letter])
    font = rng.choice(["Helvetica", "Times-Roman", "Courier"])
    size = rng.uniform(8.5, 12.5)
    columns = rng.choice([1, 2])
    gap = 24
    col_w = (width - 120 - gap * (columns - 1)) / columns
    sentences = [[_word(rng) for _ in range(rng.randint(6, 22))] for _ in range(rng.randint(8, 16))]
    pick = rng.randrange(2, len(sentences) - 1)
    hyphenate = rng.random() < 0.5
    c = canvas.Canvas(str(path), pagesize=(width, height))
    c.setFont(font, size)
    ascent, descent = getAscentDescent(font, size)
    lead = size * 1.35
    col, y = 0, height - 72
    x_left = 60
    line: list[tuple[str, int]] = []  # (word as printed, sentence index)
    expected: list[list[float]] = []

    def flush() -> None:
        nonlocal y, col
        x = x_left + col * (col_w + gap)
        cursor = x
        for text, k in line:
            w = stringWidth(text, font, size)
            if k == pick:
                core = text.rstrip(".-")
                x1 = cursor + stringWidth(core, font, size)
                top, bottom = height - (y + ascent), height - (y + descent)
                if expected and abs(expected[-1][1] - top) < 1:
                    expected[-1][2] = x1
                else:
                    expected.append([cursor, top, x1, bottom])
            cursor += w + stringWidth(" ", font, size)
        c.drawString(x, y, " ".join(t for t, _ in line))
        line.clear()
        y -= lead
        if y < 72:
            col, y = col + 1, height - 72

    space = stringWidth(" ", font, size)
    used = 0.0
    for k, words in enumerate(sentences):
        for i, w in enumerate(words):
            text = w.capitalize() if i == 0 else w
            text += "." if i == len(words) - 1 else ""
            wide = stringWidth(text, font, size)
            if used + wide > col_w and line:
                if hyphenate and k == pick and len(text) > 5 and i < len(words) - 1:
                    head, tail = text[: len(text) // 2] + "-", text[len(text) // 2 :]
                    line.append((head, k))
                    flush()
                    line.append((tail, k))
                    used = stringWidth(tail, font, size) + space
                    continue
                flush()
                used = 0.0
            line.append((text, k))
            used += wide + space
    if line:
        flush()
    c.showPage()
    c.save()
    quote = " ".join(w.capitalize() if i == 0 else w for i, w in enumerate(sentences[pick])) + "."
    return quote, expected


@pytest.mark.parametrize("seed", range(24))
def test_highlight_boxes_are_the_quote_printed_lines(tmp_path, seed):
    rng = random.Random(seed)
    pdf = tmp_path / f"page-{seed}.pdf"
    quote, expected = _draw(pdf, rng)
    boxes = PageRenderer().find(pdf, 1, quote)
    assert len(boxes) == len(expected), (boxes, expected)
    for b, (x0, top, x1, bottom) in zip(boxes, expected, strict=True):
        assert abs(b.x0 - x0) < 2 and abs(b.x1 - x1) < 3, (b, (x0, x1))
        assert b.top < bottom and top < b.bottom  # on that printed line


def test_no_highlight_for_a_sentence_the_page_lacks(tmp_path):
    quote, _ = _draw(tmp_path / "p.pdf", random.Random(99))
    other = "Entirely different words appear in this invented sentence about harbours."
    assert PageRenderer().find(tmp_path / "p.pdf", 1, other) == []
    assert PageRenderer().find(tmp_path / "p.pdf", 1, quote)


def test_png_paints_only_the_boxes(tmp_path):
    import io

    from PIL import Image, ImageChops

    quote, _ = _draw(tmp_path / "p.pdf", random.Random(3))
    r = PageRenderer()
    boxes = r.find(tmp_path / "p.pdf", 1, quote)
    marked = Image.open(io.BytesIO(r.png(tmp_path / "p.pdf", 1, width=600, boxes=boxes)))
    plain = Image.open(io.BytesIO(r.png(tmp_path / "p.pdf", 1, width=600)))
    assert marked.size == plain.size
    diff = ImageChops.difference(marked.convert("RGB"), plain.convert("RGB")).getbbox()
    scale = 600 / r.words(tmp_path / "p.pdf", 1)[2][0]
    x0 = min(b.x0 for b in boxes) * scale
    x1 = max(b.x1 for b in boxes) * scale
    top = min(b.top for b in boxes) * scale
    bottom = max(b.bottom for b in boxes) * scale
    assert diff is not None
    assert abs(diff[0] - x0) < 4 and abs(diff[2] - x1) < 4
    assert abs(diff[1] - top) < 4 and abs(diff[3] - bottom) < 4
