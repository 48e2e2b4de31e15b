"""A live ``casebook serve`` for the web tests, and what the app painted on a page image.

Where a quote is printed per pypdf (the independent check of a highlight) is the
measuring tool ``eval/highlight.py``, shared with ``bench/bench_highlight.py``.
"""

from __future__ import annotations

import io
import json
import os
import re
import socket
import subprocess
import sys
import time
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
