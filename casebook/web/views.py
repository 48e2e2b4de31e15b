"""HTML of the app's views, built from the same wording as the terminal (``casebook.wording``).

Plain server-rendered pages with forms and links: no script, no CDN, nothing fetched from
elsewhere; one local stylesheet.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlencode

from starlette.responses import HTMLResponse

from casebook.wording import ABSTAINED, abstention_reason, where

NAV = (
    ("ask", "/", "Ask"),
    ("contents", "/contents", "Contents"),
    ("search", "/search", "Search"),
    ("entities", "/entities", "Entities"),
    ("editions", "/editions", "Editions"),
)


def page(title: str, body: str, current: str, status: int = 200) -> HTMLResponse:
    nav = "".join(
        f'<a href="{href}"{" class=on" if key == current else ""} id="nav-{key}">{label}</a>'
        for key, href, label in NAV
    )
    return HTMLResponse(
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · casebook</title>"
        '<link rel=stylesheet href="/static/style.css"></head><body>'
        f"<header><span class=brand>casebook</span><nav>{nav}</nav></header>"
        f"<main>{body}</main></body></html>",
        status_code=status,
    )


def error(msg: str) -> str:
    return f"<p class=error role=alert>{escape(msg)}</p>"


def case_note(titles: list[str]) -> str:
    """Which case(s) the case filter matched, as the CLI says on stderr."""
    if not titles:
        return ""
    return f"<p class=case-note id=case-note>Case: {escape('; '.join(titles))}</p>"


def _case_field(case: str | None) -> str:
    return (
        '<input name=case id=case placeholder="case: title word, tag or place" '
        f'value="{escape(case or "")}">'
    )


def ask_form(q: str, case: str | None) -> str:
    return (
        '<form action="/" method=get class=ask>'
        '<input name=q id=q autofocus placeholder="Ask the casebooks a question" '
        f'value="{escape(q)}">'
        f"{_case_field(case)}<button id=ask-button>Ask</button></form>"
    )


def search_form(q: str, case: str | None) -> str:
    return (
        '<form action="/search" method=get class=ask>'
        f'<input name=q id=q placeholder="Search passages" value="{escape(q)}">'
        f"{_case_field(case)}<button>Search</button></form>"
    )


def _source(c: dict, app: Any) -> str:
    """Document (and edition, when several are indexed), case, section and printed page."""
    name = app.names.get(c["sha256"]) or c["document"]
    return (
        f"<span class=doc>{escape(name)}</span> "
        f"<span class=where>{escape(where(c['case'], c['section'], c['page_label']))}</span>"
    )


def answer(a: dict | None, app: Any) -> str:
    if a is None:
        return ""
    if a["abstained"]:
        reason = abstention_reason(a["missing"], a["support"], a["grounding"])
        out = (
            f'<section class="answer abstained" id=answer><h2>{escape(ABSTAINED)}</h2>'
            f"<p class=reason id=reason>{escape(reason)}</p>"
            f"<p class=scores>support {a['support']:.2f} · grounding {a['grounding']:.2f}</p>"
            "</section><h3>Nearest passages</h3>"
        )
        return out + passages(
            [{**p, "page_url": _thumb(p["sha256"], p["pdf_pages"][0])} for p in a["passages"][:3]],
            app,
        )
    cites = "".join(
        f"<li class=citation><div><div class=src>[{i}] {_source(c, app)}</div>"
        f"<blockquote>{escape(c['quote'])}</blockquote></div>"
        f'<a class=pagelink href="{_viewer(c["sha256"], c["pdf_page"], c["quote"])}">'
        f'<img class=page-img src="{escape(c["page_url"])}" loading=lazy '
        f'alt="page {escape(str(c["page_label"] or c["pdf_page"]))}, quote highlighted"></a></li>'
        for i, c in enumerate(a["citations"], start=1)
    )
    return (
        f"<section class=answer id=answer><h2 id=answer-text>{escape(a['answer'])}</h2>"
        f"<p class=scores>confidence {a['confidence']:.2f} (support {a['support']:.2f} × "
        f"grounding {a['grounding']:.2f}) · {escape(a['answer_type'])}</p></section>"
        f"<ol class=citations>{cites}</ol>"
    )


def _thumb(sha: str, n: int) -> str:
    from casebook.web.app import page_url

    return page_url(sha, n)


def _viewer(sha: str, n: int, quote: str | None = None) -> str:
    return f"/page/{sha}/{n}" + (f"?{urlencode({'quote': quote})}" if quote else "")


def passages(items: list[dict], app: Any) -> str:
    rows = "".join(
        f"<li class=passage><div class=src>[{p['rank']}] "
        f"{_source({**p, 'page_label': (p['page_labels'] or [None])[0]}, app)} "
        f"<span class=score>score {p['score']:.3f}</span> "
        f'<a href="{_viewer(p["sha256"], p["pdf_pages"][0])}">page</a></div>'
        f"<p>{escape(p['text'][:700])}{' …' if len(p['text']) > 700 else ''}</p></li>"
        for p in items
    )
    return f"<ol class=passages>{rows}</ol>" if rows else "<p>No passages.</p>"


def _range(item: dict) -> str:
    a, b = item["page_labels"]
    pa = item["pdf_pages"][0]
    printed = (f"p. {a}" if a == b else f"pp. {a}–{b}") if a else f"pdf {pa}"
    return escape(printed)


def contents(outlines: list[dict], app: Any) -> str:
    out = ["<div id=contents>"]
    for d in outlines:
        name = app.names.get(d["sha256"]) or d["title"]
        out.append(f"<h2 class=document>{escape(name)} <small>{d['pages']} pages</small></h2><ul>")
        for p in d["parts"]:
            link = _viewer(d["sha256"], p["pdf_pages"][0])
            tag = f" <span class=tag>{escape(p['tag'])}</span>" if p.get("tag") else ""
            out.append(
                f'<li class="part {p["kind"]}"><a href="{link}">{escape(p["title"])}</a>{tag} '
                f"<span class=pages>{_range(p)}</span><ul>"
            )
            for s in p["sections"]:
                out.append(_section(d["sha256"], s))
            out.append("</ul></li>")
        out.append("</ul>")
    out.append("</div>")
    return "".join(out)


def _section(sha: str, s: dict) -> str:
    subs = "".join(_section(sha, x) for x in s.get("subsections") or [])
    return (
        f'<li class=section><a href="{_viewer(sha, s["pdf_pages"][0])}">{escape(s["heading"])}</a> '
        f"<span class=pages>{_range(s)}</span>{f'<ul>{subs}</ul>' if subs else ''}</li>"
    )


_TYPES = ("amount", "number", "percent", "target", "actor")


def entities_form(p: Any) -> str:
    chosen = set(p.getlist("type")) if p else set()
    boxes = "".join(
        f"<label><input type=checkbox name=type value={t}{' checked' if t in chosen else ''}>"
        f"{t}</label>"
        for t in _TYPES
    )

    def field(name: str, hint: str) -> str:
        return f'<input name={name} placeholder="{hint}" value="{escape(p.get(name) or "")}">'

    return (
        f'<form action="/entities" method=get class=filters>{boxes}'
        f"{field('case', 'case')}{field('document', 'document')}"
        f"{field('currency', 'currency (GBP, €)')}{field('min', 'min (500m)')}"
        f"{field('max', 'max')}{field('deadline_before', 'deadline before (year)')}"
        "<button>Filter</button></form>"
    )


def entities(records: list[dict]) -> str:
    if not records:
        return "<p>No entities match.</p>"
    rows = "".join(
        f"<tr><td>{escape(r['type'])}</td><td>{escape(r['text'])}</td>"
        f"<td>{escape(_value(r))}</td><td>{escape(r['case'] or 'front/back matter')}</td>"
        f'<td><a href="{_viewer(r["doc_sha256"], r["pdf_page"])}">'
        f"{escape(str(r['page_label'] or r['pdf_page']))}</a></td></tr>"
        for r in records[:2000]
    )
    more = f"<p>{len(records) - 2000} more not shown.</p>" if len(records) > 2000 else ""
    return (
        f"<p>{len(records)} entities.</p><table class=entities><tr><th>type</th><th>text</th>"
        f"<th>value</th><th>case</th><th>p.</th></tr>{rows}</table>{more}"
    )


def _value(r: dict) -> str:
    from index.entities_query import human_value

    if r["type"] == "amount":
        lo, hi = r.get("low"), r.get("high")
        span = human_value(lo) if lo == hi else f"{human_value(lo)}–{human_value(hi)}"
        return f"{r.get('currency') or '?'} {span}"
    if r["type"] == "target":
        return " ".join(
            str(x) for x in (r.get("value"), r.get("deadline") or r.get("horizon")) if x
        )
    if r["type"] == "actor":
        return f"{r.get('name')} ({r.get('actor_type') or '?'})"
    value = r.get("value")
    if value is None:
        return ""
    return human_value(value) + ("%" if r["type"] == "percent" else "")


def editions(series: list[dict]) -> str:
    if not series:
        return "<p>No documents in the index.</p>"
    out = []
    for s in series:
        rows = "".join(
            f"<tr><td>{'*' if e['current'] else ''}</td><td>{escape(e['label'] or '')}</td>"
            f"<td><code>{e['sha256'][:12]}</code></td><td>{escape(e['ingested_at'] or '')}</td>"
            f"<td>{e['pages'] or ''}</td><td>{e['chunks']}</td><td>{escape(e['title'])}</td></tr>"
            for e in s["editions"]
        )
        out.append(
            f"<h2>{escape(s['name'])}</h2><table class=editions><tr><th></th><th>label</th>"
            f"<th>sha256</th><th>ingested</th><th>pages</th><th>chunks</th><th>title</th></tr>"
            f"{rows}</table>"
        )
    return "".join(out)


def diff(r: dict) -> str:
    a, b = r["from"], r["to"]

    def side(x: dict) -> str:
        return f"{escape(x['text'])} (p. {escape(str(x['page_label'] or '?'))})"

    def place(case: str | None, section: str | None) -> str:
        return escape(f"{case or '—'} › {section or '—'}")

    facts = "".join(
        f"<tr><td>{escape(f['type'])}</td><td>{place(f['case'], f['section'])}</td>"
        f"<td class=old>{side(f['old'])}</td><td class=new>{side(f['new'])}</td></tr>"
        for f in r["changed_facts"]
    )
    head = f"{escape(a['label'] or a['sha256'][:12])} → {escape(b['label'] or b['sha256'][:12])}"
    out = [f"<h2 id=diff>{escape(r['series'])}: {head}</h2>"]
    if facts:
        out.append(
            "<h3>Changed facts</h3><table class=diff><tr><th>type</th><th>case › section</th>"
            f"<th>old</th><th>new</th></tr>{facts}</table>"
        )
    else:
        out.append("<p>No changed facts.</p>")
    for kind in ("changed", "added", "removed"):
        items = r["passages"][kind]
        out.append(f"<h3>{kind.capitalize()} passages ({len(items)})</h3><ul class=diff>")
        for p in items:
            out.append(f"<li><div class=src>{place(p['case'] or p['part'], p['section'])}</div>")
            if p["old"] is not None:
                out.append(f"<p class=old>− {escape(p['old']['text'])}</p>")
            if p["new"] is not None:
                out.append(f"<p class=new>+ {escape(p['new']['text'])}</p>")
            out.append("</li>")
        out.append("</ul>")
    return "".join(out)


def page_viewer(doc: dict, n: int, count: int, quote: str | None, label: str | None) -> str:
    from casebook.web.app import FULL_WIDTH, page_url

    sha = doc["sha256"]
    prev = f'<a id=prev href="{_viewer(sha, n - 1, quote)}">← previous</a>' if n > 1 else ""
    nxt = f'<a id=next href="{_viewer(sha, n + 1, quote)}">next →</a>' if n < count else ""
    return (
        f"<div class=viewer><p class=src>{escape(doc['title'])} — "
        f"{escape(f'p. {label}, ' if label else '')}pdf page {n} of {count} "
        f"{prev} {nxt}</p>"
        f'<img id=full-page class=full src="{escape(page_url(sha, n, quote, FULL_WIDTH))}" '
        f'alt="page {n}"></div>'
    )
