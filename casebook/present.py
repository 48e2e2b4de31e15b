"""How results are worded and laid out in the terminal: answers, citations, passages, tables, diffs.

The commands in ``casebook.cli`` compute; this module only renders what they computed, so
the wording of an answer, a citation or a page range lives in one place.
"""

from __future__ import annotations

from typing import Any

from rich.markup import escape

from casebook.wording import ABSTAINED, abstention_reason, citation_line, where


def console(err: bool = False) -> Any:
    """A rich console without syntax highlighting or soft wrapping (results stay copyable)."""
    from rich.console import Console

    return Console(stderr=err, highlight=False, soft_wrap=False)


def page_range(item: dict) -> str:
    """ "pp. 14–16 (pdf 14–16)" from an outline entry's ``page_labels`` and ``pdf_pages``."""
    a, b = item["page_labels"]
    pa, pb = item["pdf_pages"]
    printed = (f"p. {a}" if a == b else f"pp. {a}–{b}") if a else "unnumbered"
    return f"{printed} (pdf {pa}–{pb})" if pa != pb else f"{printed} (pdf {pa})"


def print_cases(out: Any, outlines: list[dict]) -> None:
    for doc in outlines:
        out.print(
            f"[bold]{escape(doc['title'])}[/bold]  ({doc['pages']} pages, {doc['sha256'][:12]})"
        )
        for part in doc["parts"]:
            pages = page_range(part)
            authors = f" — {', '.join(part['authors'])}" if part["authors"] else ""
            out.print(escape(f"  [{part['kind']:5}] {part['title']}  {pages}{authors}"))
            for sec in part["sections"]:
                out.print(escape(f"           · {sec['heading']}  {page_range(sec)}"))


def print_hit(out: Any, h: Any, names: dict[str, str] | None = None) -> None:
    c = h.chunk
    label = c.page_labels[0] if c.page_labels else None
    place = where(c.case or c.part, c.section, label)
    name = (names or {}).get(c.doc_sha256)
    out.print(
        f"[bold]\\[{h.rank}][/bold] {escape(f'{name} — {place}' if name else place)}"
        f"  [dim](score {h.score:.3f})[/dim]"
    )
    text = c.text if len(c.text) < 600 else c.text[:600] + " …"
    out.print(f"    {escape(text)}\n", soft_wrap=True)


def print_answer(
    out: Any, answer: Any, names: dict[str, str] | None = None, passages: int | None = None
) -> None:
    """The answer and its citations, or why it abstained; then ``passages`` retrieved
    passages (default: none under an answer, three under an abstention)."""
    if answer.abstained:
        out.print(f"[bold yellow]{ABSTAINED}[/bold yellow]")
        reason = abstention_reason(answer.missing, answer.support, answer.grounding)
        out.print(escape(reason), soft_wrap=True)
    else:
        out.print(f"[bold]{escape(answer.answer)}[/bold]\n")
        for i, c in enumerate(answer.citations, start=1):
            out.print(escape(f"[{i}] {citation_line(c, names)}"))
            out.print(escape(f'    "{c.quote}"'), soft_wrap=True)
    shown = answer.hits[: (3 if answer.abstained else 0) if passages is None else passages]
    if shown:
        out.print("\nNearest passages:" if answer.abstained else "\nPassages:")
        for h in shown:
            print_hit(out, h, names)


def print_entity_tables(out: Any, found: list) -> None:
    """One rich table per kind; actors listed once per canonical name."""
    from rich.table import Table

    from index.entities_query import group_actors, human_value

    def table(title: str, *cols: str) -> Table:
        t = Table(title=title, title_justify="left")
        for c in cols:
            narrow = c in ("case", "p.", "first p.", "cur.", "type")
            t.add_column(
                c,
                max_width=20 if c == "case" else None,
                ratio=3 if c in ("statement", "amount", "name", "number") else 1,
                overflow="ellipsis" if narrow else "fold",
                no_wrap=c == "case",
            )
        return t

    def page(label: str | None, pdf: int) -> str:
        return label or f"pdf {pdf}"

    def where(e) -> str:
        return e.case or "front/back matter"

    kinds: dict[str, list] = {"amount": [], "target": [], "number": [], "actor": []}
    for e in found:
        kinds["number" if e.type == "percent" else e.type].append(e)
    if kinds["amount"]:
        t = table("Amounts", "amount", "cur.", "low–high", "case", "p.")
        for e in kinds["amount"]:
            lo, hi = e.attrs.get("low"), e.attrs.get("high")
            span = human_value(lo) if lo == hi else f"{human_value(lo)}–{human_value(hi)}"
            cur = e.attrs.get("currency") or "?"
            t.add_row(e.text, cur, span, where(e), page(e.page_label, e.pdf_page))
        out.print(t)
    if kinds["target"]:
        t = table("Targets", "statement", "value", "deadline / horizon", "case", "p.")
        for e in kinds["target"]:
            a = e.attrs
            due = str(a["deadline"]) if a.get("deadline") else a.get("horizon") or "—"
            t.add_row(e.text, a.get("value") or "—", due, where(e), page(e.page_label, e.pdf_page))
        out.print(t)
    if kinds["number"]:
        t = table("Numbers and percents", "number", "value", "unit", "case", "p.")
        for e in kinds["number"]:
            a = e.attrs
            v = human_value(a.get("value")) + ("%" if e.type == "percent" else "")
            t.add_row(e.text, v, a.get("unit") or "—", where(e), page(e.page_label, e.pdf_page))
        out.print(t)
    if kinds["actor"]:
        t = table("Actors", "name", "type", "mentions", "role", "first p.")
        for r in group_actors(kinds["actor"]):
            forms = [f for f in r.forms if f != r.name]
            seen = f"{r.count}" + (f" ({'; '.join(forms[:4])})" if forms else "")
            first = page(r.first_page, r.first_pdf_page)
            t.add_row(r.name, r.actor_type or "?", seen, r.role or "—", first)
        out.print(t)


def edition_record(d: dict) -> dict:
    """The fields of an edition that ``editions --json`` prints."""
    keys = ("sha256", "label", "title", "path", "ingested_at", "pages", "chunks", "current")
    return {k: d.get(k) for k in keys}


def print_editions(out: Any, records: list[dict]) -> None:
    from rich.table import Table

    for s in records:
        table = Table(title=s["name"], title_justify="left")
        for col in ("", "label", "sha256", "ingested", "pages", "chunks", "title"):
            table.add_column(col)
        for d in s["editions"]:
            table.add_row(
                "*" if d["current"] else "",
                d["label"] or "",
                d["sha256"][:12],
                d["ingested_at"],
                str(d["pages"] or ""),
                str(d["chunks"]),
                d["title"],
            )
        out.print(table)
    if not records:
        out.print("no documents in the index")


def print_diff(out: Any, r: dict) -> None:
    from rich.table import Table

    a, b = r["from"], r["to"]
    out.print(
        f"[bold]{escape(r['series'])}[/bold]: {escape(a['label'] or '')} ({a['sha256'][:12]}) → "
        f"{escape(b['label'] or '')} ({b['sha256'][:12]})"
    )
    facts = Table(title="Changed facts", title_justify="left")
    for col in ("type", "case › section", "old", "new"):
        facts.add_column(col)
    for f in r["changed_facts"]:
        facts.add_row(
            f["type"],
            escape(f"{f['case'] or '—'} › {f['section'] or '—'}"),
            escape(f"{f['old']['text']}  (p. {f['old']['page_label'] or '?'})"),
            escape(f"{f['new']['text']}  (p. {f['new']['page_label'] or '?'})"),
        )
    out.print(facts if r["changed_facts"] else "No changed facts.")
    for kind in ("changed", "added", "removed"):
        items = r["passages"][kind]
        out.print(f"\n[bold]{kind.capitalize()} passages ({len(items)})[/bold]")
        for p in items:
            place = f"{p['case'] or p['part']} › {p['section'] or '—'}"
            pages = " → ".join(
                "p. " + ", ".join(str(x or "?") for x in side["page_labels"]) if side else "—"
                for side in (p["old"], p["new"])
            )
            out.print(f"  {escape(place)}  [dim]({pages})[/dim]")
            if p["old"] is not None:
                out.print(f"    [red]- {escape(p['old']['text'])}[/red]", soft_wrap=True)
            if p["new"] is not None:
                out.print(f"    [green]+ {escape(p['new']['text'])}[/green]", soft_wrap=True)


def print_compare(out: Any, rows: list, a_name: str, b_name: str) -> None:
    """Two saved metric runs side by side; a better figure green, a worse one red."""
    from rich.table import Table

    table = Table("metric", a_name, b_name, "Δ")
    for name, x, y, d in rows:
        colour = "green" if (d or 0) > 0 else "red" if (d or 0) < 0 else ""
        if name.startswith("latency"):
            colour = {"green": "red", "red": "green"}.get(colour, "")
        table.add_row(name, fmt(x), fmt(y), f"[{colour}]{fmt(d)}[/{colour}]" if colour else fmt(d))
    out.print(table)


def fmt(v: Any) -> str:
    return "—" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)
