"""A live ``casebook serve`` for the web tests, and where a quote is printed per pypdf.

The second part is the independent check of a highlight: the page's lines as the PDF
reader in ``sources/`` places them (pypdf's text positions), against the rectangles
pypdfium2's character boxes gave the app.
"""

from __future__ import annotations

import difflib
import io
import json
import os
import re
import socket
import subprocess
import sys
import time
import unicodedata
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """``python -m casebook.cli serve`` in a child process on a free loopback port."""

    def __init__(self, index: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "casebook.cli",
                "serve",
                "--index",
                str(index),
                "--port",
                str(self.port),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=ROOT,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace")
                pytest.fail(f"casebook serve exited with {self.proc.returncode}: {err}")
            try:
                self.get("/api/cases")
                return
            except OSError:
                time.sleep(0.3)
        self.stop()
        pytest.fail("casebook serve did not answer within 90 s")

    def get(self, path: str) -> tuple[bytes, str]:
        with urllib.request.urlopen(self.url + path, timeout=30) as r:
            return r.read(), r.headers.get("Content-Type", "")

    def json(self, path: str) -> dict:
        return json.loads(self.get(path)[0])

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)


def _alnum(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in folded if ch.isalnum())


def quote_lines(doc, pdf_page: int, quote: str) -> list[tuple[float, float, float, float]]:
    """Rectangles (x0, top, x1, bottom; points from the top-left) of the pypdf lines that
    print ``quote``: the page's lines are joined (letters and digits only), the quote is
    aligned with them, and the lines under the aligned stretch are returned."""
    q = _alnum(quote)
    lines = [ln for block in doc.pages[pdf_page - 1].blocks for ln in block.lines]
    joined, owner = [], []
    for i, ln in enumerate(lines):
        s = _alnum(ln.text)
        joined.append(s)
        owner += [i] * len(s)
    text = "".join(joined)
    sm = difflib.SequenceMatcher(None, text, q, autojunk=False)
    blocks = sorted((b for b in sm.get_matching_blocks() if b.size >= 4), key=lambda b: -b.size)
    if not blocks:
        return []
    lo, hi = blocks[0].a, blocks[0].a + blocks[0].size
    for b in sorted(blocks[1:], key=lambda b: abs(b.a - blocks[0].a)):
        if b.a + b.size >= lo - 40 and b.a <= hi + 40:  # beside what is aligned so far
            lo, hi = min(lo, b.a), max(hi, b.a + b.size)
    rects = []
    for i in sorted({owner[k] for k in range(lo, hi)}):
        ln = lines[i]  # Line.top is the baseline's distance from the page top (pypdf's y)
        rects.append((ln.x0, ln.top - 0.8 * ln.size, ln.x1, ln.top + 0.2 * ln.size))
    return rects


def overlaps(box, line, slack: float = 1.0) -> bool:
    """Whether a highlight box and a pypdf line rectangle overlap. pypdf's right edge is
    estimated from glyph widths without a justified line's stretched spaces, so the line
    is taken a little wider (12% of its width) to the right."""
    right = line[2] + 0.12 * (line[2] - line[0]) + slack
    return (
        box[0] < right
        and line[0] < box[2] + slack
        and box[1] < line[3] + slack
        and line[1] < box[3] + slack
    )


def highlight_from_png(marked: bytes, plain: bytes) -> list[tuple[int, int, int, int]]:
    """Rows of pixels that differ between the highlighted and the plain render, grouped
    into boxes (x0, top, x1, bottom) in pixels: where the image was actually painted."""
    from PIL import Image, ImageChops

    a = Image.open(io.BytesIO(marked)).convert("RGB")
    b = Image.open(io.BytesIO(plain)).convert("RGB")
    assert a.size == b.size
    diff = ImageChops.difference(a, b).convert("L").point(lambda v: 255 if v > 24 else 0)
    width, height = diff.size
    px = diff.load()
    boxes: list[list[int]] = []
    for y in range(height):
        xs = [x for x in range(0, width, 2) if px[x, y]]
        if not xs:
            continue
        if boxes and boxes[-1][3] >= y - 1:
            box = boxes[-1]
            box[0], box[2], box[3] = min(box[0], xs[0]), max(box[2], xs[-1]), y
        else:
            boxes.append([xs[0], y, xs[-1], y])
    return [tuple(b) for b in boxes]


def words_of(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())
