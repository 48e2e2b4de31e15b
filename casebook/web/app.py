"""The web app: HTML views and a JSON API over one open ``Engine``; no write endpoints.

Why everything runs on the event loop's thread: the index's SQLite connection belongs to
the thread that opened it, and one local user needs no thread pool (an answer takes
~15 ms, a page image ~100 ms). The API's ``/api/ask`` is the ``ask --json`` object with a
``page_url`` per citation: the cited page as a PNG with the quote highlighted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from casebook.web import views
from casebook.web.pages import PageError, Pages
from sources.errors import SourceError

STATIC = Path(__file__).resolve().parent / "static"
THUMB_WIDTH, FULL_WIDTH = 520, 1000


def page_url(sha: str, pdf_page: int, quote: str | None = None, width: int = THUMB_WIDTH) -> str:
    """Where the image of a page (with ``quote`` highlighted) is served."""
    query = {"w": width, **({"quote": quote} if quote else {})}
    return f"/img/{sha}/{pdf_page}.png?{urlencode(query)}"


def _int(request: Request, name: str, default: int, lo: int, hi: int) -> int:
    raw = request.query_params.get(name)
    try:
        value = int(raw) if raw not in (None, "") else default
    except ValueError as e:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from e
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be between {lo} and {hi}")
    return value


def _opt(request: Request, name: str) -> str | None:
    value = (request.query_params.get(name) or "").strip()
    return value or None


class App:
    """The routes, bound to one engine and the page renderer of its documents."""

    def __init__(self, engine: Any) -> None:
        """``engine``: an open ``Engine``, or a function opening one on first use (in the
        thread that serves requests: SQLite connections belong to their thread)."""
        self._engine = engine if hasattr(engine, "ask") else None
        self._open = None if self._engine is not None else engine
        self._pages: Pages | None = None
        self._pages_state = ""
        self._names: dict[str, str] = {}
        self._labels: dict[str, dict[int, str | None]] = {}

    @property
    def engine(self) -> Any:
        if self._engine is None:
            self._engine = self._open()
        return self._engine

    @property
    def pages(self) -> Pages:
        """The page images of the indexed documents, built again when the catalog changes
        (a document ingested or removed while the app runs)."""
        state = self.engine.index.state_key()
        if self._pages is None or state != self._pages_state:
            from casebook.wording import document_names

            docs = self.engine.index.documents(all_editions=True)
            self._pages, self._names = Pages(docs), document_names(docs)
            self._pages_state = state
        return self._pages

    @property
    def names(self) -> dict[str, str]:
        """sha256 → "Title, edition" when several documents are indexed (else empty)."""
        _ = self.pages
        return self._names

    # --- JSON API --------------------------------------------------------------------------

    def ask(self, q: str, case: str | None, k: int) -> dict[str, Any]:
        """The ``ask --json`` object, each citation with its ``page_url``."""
        out = self.engine.ask(q, k=k, case=case).to_dict()
        for c in out["citations"]:
            c["page_url"] = page_url(c["sha256"], c["pdf_page"], c["quote"])
        return out

    def search(self, q: str, case: str | None, k: int) -> list[dict[str, Any]]:
        from pipeline.types import hit_to_dict

        out = [hit_to_dict(h) for h in self.engine.search(q, k=k, case=case)]
        for p in out:
            p["page_url"] = page_url(p["sha256"], p["pdf_pages"][0])
        return out

    def outlines(self) -> list[dict[str, Any]]:
        return [d["outline"] for d in self.engine.index.documents() if d.get("outline")]

    def entities(self, params: Any) -> list[dict[str, Any]]:
        from index.entities_query import build_filter, entity_record, query_entities

        deadline = params.get("deadline_before") or None
        flt = build_filter(
            types=[t for t in params.getlist("type") if t],
            case=params.get("case") or None,
            document=params.get("document") or None,
            currency=params.get("currency") or None,
            min_text=params.get("min") or None,
            max_text=params.get("max") or None,
            deadline_before=int(deadline) if deadline else None,
        )
        return [entity_record(e) for e in query_entities(self.engine.index, flt)]

    def editions(self) -> list[dict[str, Any]]:
        from casebook.present import edition_record

        return [
            {
                "name": s["name"],
                "created_at": s["created_at"],
                "current": s["current"],
                "editions": [edition_record(d) for d in s["editions"]],
            }
            for s in self.engine.index.series()
        ]

    def diff(self, series: str | None, from_: str | None, to: str | None) -> dict[str, Any]:
        from index.diff import diff_editions, pick_editions

        found, old, new = pick_editions(self.engine.index, series, from_, to)
        return {"series": found["name"], **diff_editions(self.engine.index, old, new)}

    # --- routes ----------------------------------------------------------------------------

    def routes(self) -> list[Any]:
        return [
            Route("/", self.h_ask),
            Route("/contents", self.h_contents),
            Route("/search", self.h_search),
            Route("/entities", self.h_entities),
            Route("/editions", self.h_editions),
            Route("/page/{sha:str}/{n:int}", self.h_page),
            Route("/img/{sha:str}/{n:int}.png", self.h_png),
            Route("/api/ask", self.api_ask),
            Route("/api/search", self.api_search),
            Route("/api/cases", self.api_cases),
            Route("/api/entities", self.api_entities),
            Route("/api/editions", self.api_editions),
            Route("/api/diff", self.api_diff),
            Route("/api/highlight", self.api_highlight),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ]

    async def api_ask(self, request: Request) -> Response:
        q = (request.query_params.get("q") or "").strip()
        if not q:
            return _error("q: the question is empty")
        return await _json(
            lambda: self.ask(q, _opt(request, "case"), _int(request, "k", 10, 1, 100))
        )

    async def api_search(self, request: Request) -> Response:
        q = (request.query_params.get("q") or "").strip()
        if not q:
            return _error("q: the query is empty")
        return await _json(
            lambda: {
                "query": q,
                "passages": self.search(q, _opt(request, "case"), _int(request, "k", 10, 1, 100)),
            }
        )

    async def api_cases(self, request: Request) -> Response:
        return await _json(lambda: {"documents": self.outlines()})

    async def api_entities(self, request: Request) -> Response:
        return await _json(lambda: {"entities": self.entities(request.query_params)})

    async def api_editions(self, request: Request) -> Response:
        return await _json(lambda: {"series": self.editions()})

    async def api_diff(self, request: Request) -> Response:
        p = request.query_params
        return await _json(lambda: self.diff(_opt(request, "series"), p.get("from"), p.get("to")))

    async def api_highlight(self, request: Request) -> Response:
        """The highlight rectangles of a quote on a page, in PDF points from the top-left."""
        sha = request.query_params.get("sha") or ""
        quote = request.query_params.get("quote") or ""

        def run() -> dict[str, Any]:
            n = _int(request, "page", 1, 1, 100000)
            _, _, (width, height) = self.pages.renderer.words(self.pages.source(sha), n)
            boxes = self.pages.boxes(sha, n, quote)
            return {
                "sha256": sha,
                "pdf_page": n,
                "page_size": [round(width, 2), round(height, 2)],
                "boxes": [b.to_list() for b in boxes],
            }

        return await _json(run)

    async def h_png(self, request: Request) -> Response:
        sha, n = request.path_params["sha"], request.path_params["n"]
        try:
            width = _int(request, "w", THUMB_WIDTH, 100, 2400)
            data = self.pages.png(sha, n, request.query_params.get("quote"), width)
        except (PageError, SourceError, ValueError) as e:  # one line, never a traceback
            return Response(str(e), status_code=404, media_type="text/plain")
        return Response(data, media_type="image/png", headers={"Cache-Control": "max-age=3600"})

    async def h_ask(self, request: Request) -> Response:
        q = (request.query_params.get("q") or "").strip()
        case = _opt(request, "case")
        body, answer = "", None
        if q:
            try:
                answer = self.ask(q, case, _int(request, "k", 10, 1, 100))
                body = views.case_note(self.engine.index.match_cases(case) if case else [])
            except USER_ERRORS as e:
                body = views.error(_message(e))
        return views.page("Ask", views.ask_form(q, case) + body + views.answer(answer, self), "ask")

    async def h_contents(self, request: Request) -> Response:
        return views.page("Contents", views.contents(self.outlines(), self), "contents")

    async def h_search(self, request: Request) -> Response:
        q = (request.query_params.get("q") or "").strip()
        case = _opt(request, "case")
        body = ""
        if q:
            try:
                body = views.passages(self.search(q, case, _int(request, "k", 10, 1, 100)), self)
                body = views.case_note(self.engine.index.match_cases(case) if case else []) + body
            except USER_ERRORS as e:
                body = views.error(_message(e))
        return views.page("Search", views.search_form(q, case) + body, "search")

    async def h_entities(self, request: Request) -> Response:
        p = request.query_params
        body = ""
        if p:
            try:
                body = views.entities(self.entities(p))
            except USER_ERRORS as e:
                body = views.error(_message(e))
        return views.page("Entities", views.entities_form(p) + body, "entities")

    async def h_editions(self, request: Request) -> Response:
        p = request.query_params
        series = self.editions()
        body = views.editions(series)
        if any(len(s["editions"]) > 1 for s in series):
            try:
                body += views.diff(self.diff(_opt(request, "series"), p.get("from"), p.get("to")))
            except USER_ERRORS as e:
                body += views.error(_message(e))
        return views.page("Editions", body, "editions")

    async def h_page(self, request: Request) -> Response:
        sha, n = request.path_params["sha"], request.path_params["n"]
        quote = request.query_params.get("quote")
        try:
            count = self.pages.page_count(sha)
        except (PageError, SourceError) as e:
            return views.page("Page", views.error(str(e)), "", status=404)
        doc = self.pages.docs[sha]
        label = self.labels(sha).get(n)
        return views.page(
            f"{doc['title']} — page {label or n}",
            views.page_viewer(doc, n, count, quote, label),
            "",
        )

    def labels(self, sha: str) -> dict[int, str | None]:
        """Printed page labels of a document by PDF page, from its chunks (kept)."""
        if sha not in self._labels:
            found: dict[int, str | None] = {}
            for c in self.engine.index.chunks(sha):
                found.update(zip(c.pdf_pages, c.page_labels, strict=False))
            self._labels[sha] = found
        return self._labels[sha]


def _user_errors() -> tuple[type[BaseException], ...]:
    from index.store import CasebookIndexError

    return (CasebookIndexError, PageError, SourceError, ValueError)


# What a view shows as a one-line message: a filter matching nothing, a bad value.
USER_ERRORS = _user_errors()


def _message(e: BaseException) -> str:
    return " ".join(str(e).split()) or type(e).__name__


def _error(msg: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": msg}, status_code=status)


async def _json(run: Any) -> Response:
    """Run a blocking read and answer JSON; a bad filter or parameter is a 400 in one line."""
    from index.store import CasebookIndexError

    try:
        return JSONResponse(run())
    except (PageError, SourceError) as e:
        return _error(str(e), 404)
    except (CasebookIndexError, ValueError) as e:
        return _error(_message(e))


def create_app(engine: Any) -> Starlette:
    """The Starlette application over an open engine (the caller keeps it open), or over
    a function that opens one on the first request."""
    return Starlette(routes=App(engine).routes())
