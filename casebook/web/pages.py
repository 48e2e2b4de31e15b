"""Which file a document's pages are rendered from, and the rendered, highlighted images.

The catalog records the path each document was ingested from; the file may since have
moved or changed. Both are said in one line rather than rendering the wrong pages.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from pathlib import Path
from typing import Any

from sources.render import Box, PageRenderer


class PageError(Exception):
    """A page cannot be shown: unknown document, no such page, moved or changed file."""


class Pages:
    """Page images of the indexed documents, cached (a page with a quote is asked twice:
    once as a thumbnail under its citation, once full size)."""

    def __init__(self, docs: list[dict[str, Any]], cache: int = 64) -> None:
        self.docs = {d["sha256"]: d for d in docs}
        self.renderer = PageRenderer()
        self._checked: dict[str, str | None] = {}
        self._png: OrderedDict[tuple, bytes] = OrderedDict()
        self._cache = cache

    def source(self, sha: str) -> Path:
        """The PDF of document ``sha``, checked once to be the file that was indexed."""
        doc = self.docs.get(sha)
        if doc is None:
            raise PageError(f"no indexed document {sha[:12]}")
        if sha not in self._checked:
            self._checked[sha] = _problem(doc)
        if self._checked[sha]:
            raise PageError(self._checked[sha])
        return Path(doc["path"])

    def page_count(self, sha: str) -> int:
        return self.renderer.page_count(self.source(sha))

    def boxes(self, sha: str, pdf_page: int, quote: str | None) -> list[Box]:
        path = self.source(sha)
        self._page_in_range(sha, pdf_page)
        return self.renderer.find(path, pdf_page, quote) if quote else []

    def png(self, sha: str, pdf_page: int, quote: str | None, width: int) -> bytes:
        key = (sha, pdf_page, quote or "", width)
        if key in self._png:
            self._png.move_to_end(key)
            return self._png[key]
        boxes = self.boxes(sha, pdf_page, quote)
        data = self.renderer.png(self.source(sha), pdf_page, width=width, boxes=boxes)
        self._png[key] = data
        while len(self._png) > self._cache:
            self._png.popitem(last=False)
        return data

    def _page_in_range(self, sha: str, pdf_page: int) -> None:
        n = self.page_count(sha)
        if not 0 < pdf_page <= n:
            raise PageError(f"{self.docs[sha]['title']} has no page {pdf_page} (it has {n})")


def _problem(doc: dict[str, Any]) -> str | None:
    """Why the recorded file cannot be shown, or None when it is the indexed one."""
    path = Path(str(doc.get("path") or ""))
    title = doc.get("title") or doc["sha256"][:12]
    if doc.get("kind") == "text" or path.suffix.lower() not in (".pdf", ""):
        return f"{title} was indexed from a text file ({path}): it has no pages to show"
    if not path.is_file():
        return (
            f"the PDF of {title!r} was indexed from {path}, which is no longer there: "
            "ingest it again from where it is now"
        )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != doc["sha256"]:
        return f"{path} has changed since it was indexed: ingest it again to see its pages"
    return None
