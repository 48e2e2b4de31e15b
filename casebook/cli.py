"""The ``casebook`` command: a thin click layer over sources, pipeline, index and eval.

Results go to stdout, progress and errors to stderr. Heavy libraries are imported
inside the commands that need them, so ``casebook ask`` stays fast.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from casebook.config import ENV_INDEX, default_index_dir, offline

EXIT_INPUT = 2  # bad input: a file that cannot be ingested, a bad question, a bad index
ENV_CHROMA_URL = "CASEBOOK_CHROMA_URL"
ENV_INDEX_NAME = "CASEBOOK_INDEX_NAME"


class CasebookError(click.ClickException):
    """A failure the user can act on: one line on stderr, exit code 2, no traceback."""

    exit_code = EXIT_INPUT

    def show(self, file: Any = None) -> None:
        click.echo(f"casebook: {self.format_message()}", err=True)


def index_option(f: Callable) -> Callable:
    """The shared ``--index DIR`` (env ``CASEBOOK_INDEX``), ``--chroma-url URL`` (env
    ``CASEBOOK_CHROMA_URL``) and ``--index-name NAME`` (env ``CASEBOOK_INDEX_NAME``) flags:
    every command reads either index the same way."""

    command = f

    @functools.wraps(command)
    def named(*args: Any, index_name: str | None = None, **kwargs: Any) -> Any:
        from index.remote import using_index_name

        with using_index_name(index_name):  # every open_index below uses it
            return command(*args, **kwargs)

    f = click.option(
        "--index-name",
        "index_name",
        metavar="NAME",
        envvar=ENV_INDEX_NAME,
        callback=lambda _ctx, _param, value: value or None,
        help="With --chroma-url: which of the server's indexes (env CASEBOOK_INDEX_NAME; "
        "default: 'default'). See `casebook indexes`.",
    )(named)
    f = click.option(
        "--chroma-url",
        "chroma_url",
        metavar="URL",
        envvar=ENV_CHROMA_URL,
        callback=lambda _ctx, _param, value: value or None,  # an empty env var: local index
        help="Use the shared index on this Chroma server (http://HOST:PORT; env "
        "CASEBOOK_CHROMA_URL); --index then holds this machine's cache of it.",
    )(f)
    return click.option(
        "--index",
        "index_dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar=ENV_INDEX,
        default=default_index_dir,
        show_default="~/.local/share/casebook",
        help="Index folder (env CASEBOOK_INDEX).",
    )(f)


def wait_option(f: Callable) -> Callable:
    """``--wait SECONDS`` for commands that write: how long to queue for a Chroma server's
    write lease while another writer holds it."""

    @functools.wraps(f)
    def waiting(*args: Any, wait: float | None = None, **kwargs: Any) -> Any:
        from index.lease import waiting_up_to

        with waiting_up_to(wait):
            return f(*args, **kwargs)

    return click.option(
        "--wait",
        "wait",
        metavar="SECONDS",
        type=click.FloatRange(min=0),
        help="With --chroma-url: how long to wait for another writer's lease on the "
        "server's index before giving up (default 300).",
    )(waiting)


def domain_errors(f: Callable) -> Callable:
    """Turn the stages' own exceptions into one-line CLI errors."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from index.store import CasebookIndexError
        from sources.errors import SourceError

        try:
            return f(*args, **kwargs)
        except (CasebookIndexError, SourceError) as e:
            raise CasebookError(str(e)) from e

    return wrapper


def _stderr_is_tty() -> bool:
    return sys.stderr.isatty()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="casebook")
def main() -> None:
    """Ask questions of policy casebooks and get cited answers, offline.

    Example: casebook ask "How much has the Bank committed to its missions?"
    """
    offline()


# --- ingest / cases ------------------------------------------------------------------------


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@index_option
@click.option("--password", help="Password for encrypted PDFs.")
@click.option("--dry-run", is_flag=True, help="Read, check and report; write nothing.")
@click.option(
    "--series",
    "series_name",
    metavar="NAME",
    help="File the document(s) as the new current edition of this series (created if new).",
)
@click.option(
    "--new-series", is_flag=True, help="Never treat the file(s) as a new edition of a series."
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON summary object.")
@wait_option
@domain_errors
def ingest(
    paths: tuple[Path, ...],
    index_dir: Path,
    password: str | None,
    dry_run: bool,
    series_name: str | None,
    new_series: bool,
    as_json: bool,
    chroma_url: str | None,
):
    """Ingest casebook files (PDF, or .txt/.md) or folders into the index.

    Bad files get one line on stderr each and exit code 2 at the end; the other
    files are still ingested, and nothing already indexed is touched. A new
    edition of an indexed casebook (recognised from its title and content) becomes
    its current edition; only its new or changed passages are embedded.

    Example: casebook ingest sources/casebooks/ --json
    """
    from index.ingest import ingest as run_ingest

    if series_name is not None and new_series:
        raise click.UsageError("give either --series NAME or --new-series, not both")
    reports = run_ingest(
        paths,
        None if dry_run else index_dir,
        password=password,
        dry_run=dry_run,
        on_file=lambda p: _status(f"reading {p}"),
        progress=_progress("embedding") if _stderr_is_tty() else None,
        series=series_name,
        new_series=new_series,
        chroma_url=chroma_url,
    )
    failed = [r for r in reports if r.status == "failed"]
    for r in failed:
        click.echo(f"{r.path}: {'; '.join(r.errors)}", err=True)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "index": None if dry_run else str(index_dir),
                    **({"chroma_url": chroma_url} if chroma_url and not dry_run else {}),
                    "dry_run": dry_run,
                    "documents": [r.to_dict() for r in reports],
                },
                ensure_ascii=False,
            )
        )
    else:
        for r in reports:
            if r.status != "failed":
                click.echo(
                    f"{r.status:9} {r.title} — {r.pages} pages, {r.cases} cases, "
                    f"{r.sections} sections, {r.chunks} chunks "
                    f"({r.embedded} embedded, {r.reused} reused)  [{(r.sha256 or '')[:12]}]"
                )
                if r.previous:
                    click.echo(
                        f"          current edition of {r.series!r} is now {r.edition!r} "
                        f"(was {r.previous[:12]}; see `casebook diff`)"
                    )
    if not reports:
        raise CasebookError("no PDF, .txt or .md files found under the given paths")
    if failed:
        sys.exit(EXIT_INPUT)


def _status(msg: str) -> None:
    if _stderr_is_tty():
        click.echo(msg, err=True)


def _progress(label: str) -> Callable[[int, int], None]:
    """A rich progress bar on stderr, fed by (done, total) callbacks."""
    from rich.progress import Progress

    state: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if "bar" not in state:
            bar = Progress(transient=True, console=_console(err=True))
            bar.start()
            state["bar"], state["task"] = bar, bar.add_task(label, total=total or 1)
        bar = state["bar"]
        bar.update(state["task"], completed=done, total=total or 1)
        if done >= total:
            bar.stop()
            state.clear()

    return update


def _console(err: bool = False):
    from rich.console import Console

    return Console(stderr=err, highlight=False, soft_wrap=False)


def _open_index(index_dir: Path, chroma_url: str | None = None, *, create: bool = False):
    from index.backend import open_index
    from index.settings import index_settings

    if not create and not chroma_url and not index_dir.exists():
        raise CasebookError(f"no index at {index_dir}: run `casebook ingest PATH` first")
    return open_index(index_dir, index_settings(), readonly=not create, chroma_url=chroma_url)


@main.command()
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the stable JSON outline.")
@domain_errors
def cases(index_dir: Path, as_json: bool, chroma_url: str | None):
    """List each indexed document's cases with their sections and page ranges.

    Example: casebook cases --json
    """
    with _open_index(index_dir, chroma_url) as index:
        outlines = [d["outline"] for d in index.documents() if d.get("outline")]
    if as_json:
        click.echo(json.dumps({"documents": outlines}, ensure_ascii=False, indent=1))
        return
    console = _console()
    for doc in outlines:
        console.print(
            f"[bold]{escape(doc['title'])}[/bold]  ({doc['pages']} pages, {doc['sha256'][:12]})"
        )
        for part in doc["parts"]:
            pages = _page_range(part)
            authors = f" — {', '.join(part['authors'])}" if part["authors"] else ""
            console.print(escape(f"  [{part['kind']:5}] {part['title']}  {pages}{authors}"))
            for sec in part["sections"]:
                console.print(escape(f"           · {sec['heading']}  {_page_range(sec)}"))


def _page_range(item: dict) -> str:
    a, b = item["page_labels"]
    pa, pb = item["pdf_pages"]
    printed = (f"p. {a}" if a == b else f"pp. {a}–{b}") if a else "unnumbered"
    return f"{printed} (pdf {pa}–{pb})" if pa != pb else f"{printed} (pdf {pa})"


# --- search / ask ----------------------------------------------------------------------------


def query_options(f: Callable) -> Callable:
    for opt in reversed(
        [
            click.option(
                "--k",
                default=10,
                show_default=True,
                type=click.IntRange(1, 100),
                help="How many passages to retrieve and return.",
            ),
            click.option("--case", help="Only this case (a part of its title, e.g. barcelona)."),
            click.option("--document", help="Only this document (sha256 prefix or title part)."),
            click.option(
                "--edition",
                "editions",
                multiple=True,
                metavar="EDITION",
                help="Read this edition (sha256 prefix or label) instead of its series' "
                "current one; see `casebook editions`.",
            ),
            click.option(
                "--retrieval",
                type=click.Choice(["hybrid", "dense", "bm25"]),
                default="hybrid",
                show_default=True,
                help="Which retriever to use.",
            ),
            click.option("--json", "as_json", is_flag=True, help="Machine-readable output."),
        ]
    ):
        f = opt(f)
    return f


def _engine(index_dir: Path, editions: tuple[str, ...] = (), chroma_url: str | None = None):
    """Open the index (ingesting the bundled casebook into an empty one) and the query model."""
    from index.engine import Engine
    from index.store import SERVERS_DIR, EmptyServerIndex

    if chroma_url:
        try:
            return Engine.open(index_dir, editions=editions or None, chroma_url=chroma_url)
        except EmptyServerIndex:
            _first_run_ingest(index_dir, chroma_url)
    elif not index_dir.exists() or all(p.name == SERVERS_DIR for p in index_dir.iterdir()):
        _first_run_ingest(index_dir)
    return Engine.open(index_dir, editions=editions or None, chroma_url=chroma_url)


def _first_run_ingest(index_dir: Path, chroma_url: str | None = None) -> None:
    from index.ingest import ingest as run_ingest
    from sources import bundled_casebooks

    where = chroma_url or index_dir
    books = bundled_casebooks()
    if not books:
        raise CasebookError(f"the index at {where} is empty and no bundled casebook was found")
    click.echo(f"First run: ingesting the bundled casebook into {where} …", err=True)
    reports = run_ingest(books, index_dir, progress=_progress("embedding"), chroma_url=chroma_url)
    bad = [r for r in reports if r.status == "failed"]
    if bad:
        raise CasebookError("; ".join(f"{r.path}: {', '.join(r.errors)}" for r in bad))


@main.command()
@click.argument("query")
@index_option
@query_options
@domain_errors
def search(
    query: str,
    index_dir: Path,
    k: int,
    case: str | None,
    document: str | None,
    editions: tuple[str, ...],
    retrieval: str,
    as_json: bool,
    chroma_url: str | None,
):
    """Ranked passages for a query, with their case, section and pages.

    Example: casebook search "public rental housing stock" --case barcelona
    """
    if not query.strip():
        raise CasebookError("the query is empty")
    from pipeline.types import hit_to_dict

    with _engine(index_dir, editions, chroma_url) as engine:
        hits = engine.search(query, k=k, case=case, document=document, mode=retrieval)
    if as_json:
        for h in hits:
            click.echo(json.dumps(hit_to_dict(h), ensure_ascii=False))
        return
    console = _console()
    for h in hits:
        _print_hit(console, h)


def _where(case: str | None, section: str, label: str | None) -> str:
    page = f"p. {label}" if label else "unnumbered page"
    return f"{case or 'front/back matter'} › {section or '—'} — {page}"


def _print_hit(console, h) -> None:
    c = h.chunk
    label = c.page_labels[0] if c.page_labels else None
    console.print(
        f"[bold]\\[{h.rank}][/bold] {escape(_where(c.case or c.part, c.section, label))}"
        f"  [dim](score {h.score:.3f})[/dim]"
    )
    text = c.text if len(c.text) < 600 else c.text[:600] + " …"
    console.print(f"    {escape(text)}\n", soft_wrap=True)


@main.command()
@click.argument("question", required=False)
@index_option
@query_options
@click.option("--batch", type=click.File("r"), help="JSON lines {id, question} ('-' for stdin).")
@domain_errors
def ask(
    question: str | None,
    index_dir: Path,
    k: int,
    case: str | None,
    document: str | None,
    editions: tuple[str, ...],
    retrieval: str,
    as_json: bool,
    batch: Any,
    chroma_url: str | None,
):
    """Answer a question from the casebooks, citing the passages and printed pages.

    Example: casebook ask "What target did Barcelona set for public rental housing?"
    """
    if batch is not None and question:
        raise click.UsageError("give either a QUESTION or --batch FILE, not both")
    if batch is None and (question is None or not question.strip()):
        raise CasebookError("the question is empty")
    with _engine(index_dir, editions, chroma_url) as engine:
        if batch is not None:
            _ask_batch(engine, batch, k=k, case=case, document=document, mode=retrieval)
            return
        answer = engine.ask(question, k=k, case=case, document=document, mode=retrieval)
    if as_json:
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False))
    else:
        _print_answer(_console(), answer)


def _ask_batch(engine, fh, **kw: Any) -> None:
    bad = 0
    try:
        bad = _answer_lines(engine, fh, **kw)
    except UnicodeDecodeError as e:
        raise CasebookError(f"{getattr(fh, 'name', 'batch')}: not UTF-8 text ({e.reason})") from e
    if bad:
        sys.exit(EXIT_INPUT)


def _answer_lines(engine, fh, **kw: Any) -> int:
    """Answer each JSON line as it arrives (stdin streams); returns the count of bad lines."""
    bad = 0
    for n, line in enumerate(fh, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            q = item["question"]
            if not isinstance(q, str) or not q.strip():
                raise ValueError("empty question")
        except (ValueError, KeyError, TypeError) as e:
            bad += 1
            click.echo(f"casebook: {getattr(fh, 'name', 'batch')}: line {n}: {e}", err=True)
            continue
        answer = engine.ask(q, **kw)
        answer.id = item.get("id")
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False), nl=True)
        sys.stdout.flush()
    return bad


def _print_answer(console, answer) -> None:
    if answer.abstained:
        console.print("[bold yellow]The casebooks do not seem to answer this.[/bold yellow]")
        console.print("Nearest passages:")
        for h in answer.hits[:3]:
            _print_hit(console, h)
        return
    console.print(f"[bold]{escape(answer.answer)}[/bold]\n")
    for i, c in enumerate(answer.citations, start=1):
        console.print(escape(f"[{i}] {_where(c.case, c.section, c.page_label)}"))
        console.print(escape(f'    "{c.quote}"'), soft_wrap=True)


# --- entities --------------------------------------------------------------------------------

# Same as index.entities_query.ENTITY_TYPES (not imported here: it loads the store).
_ENTITY_TYPES = ("amount", "number", "percent", "target", "actor")


@main.command()
@index_option
@click.option(
    "--type",
    "types",
    multiple=True,
    type=click.Choice(_ENTITY_TYPES),
    help="Only this type (repeatable); number includes percents.",
)
@click.option("--case", help="Only this case (a part of its title, e.g. barcelona).")
@click.option("--document", help="Only this document (sha256 prefix or title part).")
@click.option("--currency", help="Only amounts in this currency (GBP, EUR, £, €, R, ...).")
@click.option("--min", "min_value", help="Amounts/numbers of at least this (500m, £1.5bn).")
@click.option("--max", "max_value", help="Amounts/numbers of at most this (2,000,000).")
@click.option(
    "--deadline-before", type=int, metavar="YEAR", help="Only targets due before this year."
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per entity per line.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a header, one row per entity.")
@domain_errors
def entities(
    index_dir: Path,
    types: tuple[str, ...],
    case: str | None,
    document: str | None,
    currency: str | None,
    min_value: str | None,
    max_value: str | None,
    deadline_before: int | None,
    as_json: bool,
    as_csv: bool,
    chroma_url: str | None,
):
    """List the amounts, numbers, targets and actors found in the indexed casebooks.

    The table lists each actor once (mentions merged under one name); --json and
    --csv give one record per occurrence, with its case, section and pages.

    Example: casebook entities --type amount --currency GBP --min 500m
    """
    if as_json and as_csv:
        raise click.UsageError("give either --json or --csv, not both")
    from index.entities_query import build_filter, entity_record, query_entities

    flt = build_filter(
        types=types,
        case=case,
        document=document,
        currency=currency,
        min_text=min_value,
        max_text=max_value,
        deadline_before=deadline_before,
    )
    with _open_index(index_dir, chroma_url) as index:
        found = query_entities(index, flt)
    if as_json:
        for e in found:
            click.echo(json.dumps(entity_record(e), ensure_ascii=False))
    elif as_csv:
        import csv

        from index.entities_query import csv_table

        header, rows = csv_table(entity_record(e) for e in found)
        writer = csv.writer(click.get_text_stream("stdout"), lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    elif not found:
        click.echo("no entities match", err=True)
    else:
        _print_entity_tables(_console(), found)


def _print_entity_tables(console, found) -> None:
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
        console.print(t)
    if kinds["target"]:
        t = table("Targets", "statement", "value", "deadline / horizon", "case", "p.")
        for e in kinds["target"]:
            a = e.attrs
            due = str(a["deadline"]) if a.get("deadline") else a.get("horizon") or "—"
            t.add_row(e.text, a.get("value") or "—", due, where(e), page(e.page_label, e.pdf_page))
        console.print(t)
    if kinds["number"]:
        t = table("Numbers and percents", "number", "value", "unit", "case", "p.")
        for e in kinds["number"]:
            a = e.attrs
            v = human_value(a.get("value")) + ("%" if e.type == "percent" else "")
            t.add_row(e.text, v, a.get("unit") or "—", where(e), page(e.page_label, e.pdf_page))
        console.print(t)
    if kinds["actor"]:
        t = table("Actors", "name", "type", "mentions", "role", "first p.")
        for r in group_actors(kinds["actor"]):
            forms = [f for f in r.forms if f != r.name]
            seen = f"{r.count}" + (f" ({'; '.join(forms[:4])})" if forms else "")
            first = page(r.first_page, r.first_pdf_page)
            t.add_row(r.name, r.actor_type or "?", seen, r.role or "—", first)
        console.print(t)


# --- editions / remove / diff -----------------------------------------------------------------


@main.command()
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@domain_errors
def editions(index_dir: Path, as_json: bool, chroma_url: str | None):
    """List each casebook series and its editions (current one marked).

    Older editions are kept as history: search and ask read the current edition
    unless given --edition SHA_OR_LABEL.

    Example: casebook editions --json
    """
    with _open_index(index_dir, chroma_url) as index:
        series = index.series()
    records = [
        {
            "name": s["name"],
            "created_at": s["created_at"],
            "current": s["current"],
            "editions": [_edition_record(d) for d in s["editions"]],
        }
        for s in series
    ]
    if as_json:
        click.echo(json.dumps({"series": records}, ensure_ascii=False, indent=1))
        return
    from rich.table import Table

    console = _console()
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
        console.print(table)
    if not records:
        console.print("no documents in the index")


def _edition_record(d: dict) -> dict:
    keys = ("sha256", "label", "title", "path", "ingested_at", "pages", "chunks", "current")
    return {k: d.get(k) for k in keys}


@main.command()
@click.argument("name")
@index_option
@click.option("--series", "is_series", is_flag=True, help="NAME is a series: remove all editions.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@wait_option
@domain_errors
def remove(name: str, index_dir: Path, is_series: bool, yes: bool, chroma_url: str | None):
    """Delete an edition (sha256 prefix or label) or, with --series, a whole series.

    Its passages, vectors, BM25 entries and entities go with it. Removing the current
    edition makes the newest remaining edition of its series current.

    Example: casebook remove 3cb3d936 --yes
    """
    from index.store import FilterNoMatch

    if not chroma_url and not index_dir.exists():
        raise CasebookError(f"no index at {index_dir}: nothing to remove")
    with _open_index(index_dir, chroma_url, create=True) as index:
        if is_series:
            found = index.resolve_series(name)
            what = f"series {found['name']!r} and its {len(found['editions'])} edition(s)"
        else:
            try:
                found = index.resolve_edition(name)
            except FilterNoMatch as e:
                try:
                    s = index.resolve_series(name)
                except FilterNoMatch:
                    raise e from None
                raise CasebookError(
                    f"{name!r} is the series {s['name']!r}; add --series to remove it "
                    "with all its editions"
                ) from None
            what = f"edition {found['label']!r} ({found['sha256'][:12]}) of {found['series']!r}"
        if not yes:
            if not sys.stdin.isatty():
                raise CasebookError(f"would remove {what}; add --yes to confirm")
            click.confirm(f"Remove {what}?", abort=True, err=True)
        if is_series:
            index.remove_series(found["name"])
        else:
            index.remove_editions([found["sha256"]])
        index.warm()
    click.echo(f"removed {what}")


@main.command()
@click.argument("series", required=False)
@index_option
@click.option("--from", "from_", metavar="EDITION", help="Older edition (sha256 prefix or label).")
@click.option("--to", metavar="EDITION", help="Newer edition (default: the current one).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@domain_errors
def diff(
    series: str | None,
    index_dir: Path,
    from_: str | None,
    to: str | None,
    as_json: bool,
    chroma_url: str | None,
):
    """What changed between two editions: changed figures, then passages.

    Defaults: the series with several editions, its current edition and the one
    before it.

    Example: casebook diff --from "ed. 1" --json
    """
    from index.diff import diff_editions, pick_editions

    with _open_index(index_dir, chroma_url) as index:
        found, old, new = pick_editions(index, series, from_, to)
        result = {"series": found["name"], **diff_editions(index, old, new)}
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=1))
        return
    _print_diff(_console(), result)


def _print_diff(console, r: dict) -> None:
    from rich.markup import escape
    from rich.table import Table

    a, b = r["from"], r["to"]
    console.print(
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
    console.print(facts if r["changed_facts"] else "No changed facts.")
    for kind in ("changed", "added", "removed"):
        items = r["passages"][kind]
        console.print(f"\n[bold]{kind.capitalize()} passages ({len(items)})[/bold]")
        for p in items:
            where = f"{p['case'] or p['part']} › {p['section'] or '—'}"
            pages = " → ".join(
                "p. " + ", ".join(str(x or "?") for x in side["page_labels"]) if side else "—"
                for side in (p["old"], p["new"])
            )
            console.print(f"  {escape(where)}  [dim]({pages})[/dim]")
            if p["old"] is not None:
                console.print(f"    [red]- {escape(p['old']['text'])}[/red]", soft_wrap=True)
            if p["new"] is not None:
                console.print(f"    [green]+ {escape(p['new']['text'])}[/green]", soft_wrap=True)


# --- eval ------------------------------------------------------------------------------------


@main.command(name="eval")
@click.argument(
    "gold", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@index_option
@click.option("--k", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option(
    "--retrieval",
    type=click.Choice(["hybrid", "dense", "bm25"]),
    default="hybrid",
    show_default=True,
)
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as one JSON object.")
@click.option(
    "--report",
    "report_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write an HTML report with plots into this folder.",
)
@click.option(
    "--save",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also save the metrics JSON to this file (for --compare).",
)
@click.option("--strict", is_flag=True, help="Refuse a gold file with any invalid line.")
@click.option(
    "--compare",
    nargs=2,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Compare two saved metric files metric by metric.",
)
@domain_errors
def evaluate(
    gold: Path | None,
    index_dir: Path,
    k: int,
    retrieval: str,
    as_json: bool,
    report_dir: Path | None,
    save: Path | None,
    strict: bool,
    compare: tuple[Path, Path] | None,
    chroma_url: str | None,
):
    """Score retrieval, answers and abstention against a gold question set.

    Example: casebook eval eval/gold/dev-qa.jsonl --report reports/dev
    """
    if compare:
        _compare(*compare, as_json=as_json)
        return
    if gold is None:
        raise click.UsageError("give a GOLD.jsonl file (or --compare A.json B.json)")
    from eval.gold import GoldError
    from eval.report import render_terminal, write_report
    from eval.run import EvalError, run_eval

    with _engine(index_dir, chroma_url=chroma_url) as engine:
        texts = engine.document_texts()
        try:
            metrics = run_eval(
                gold,
                lambda q: engine.ask(q, k=k, mode=retrieval).to_dict(),
                k=k,
                retrieval=retrieval,
                strict=strict,
                corpus_texts=texts or None,
            )
        except (GoldError, EvalError) as e:
            raise CasebookError(" ".join(str(e).split())) from e
        except UnicodeDecodeError as e:
            raise CasebookError(f"{gold}: not UTF-8 text ({e.reason})") from e
    for p in metrics.get("problems", []):
        click.echo(f"casebook: {gold}: line {p['line_no']}: {p['reason']}", err=True)
    if save:
        save.write_text(json.dumps(metrics, ensure_ascii=False, indent=1))
    if report_dir:
        path = write_report(metrics, report_dir)
        click.echo(f"report: {path}", err=True)
    if as_json:
        click.echo(json.dumps(metrics, ensure_ascii=False))
    else:
        render_terminal(metrics, _console())


def _compare(a: Path, b: Path, *, as_json: bool) -> None:
    from eval.metrics import compare

    try:
        ma, mb = json.loads(a.read_text()), json.loads(b.read_text())
    except (OSError, ValueError) as e:
        raise CasebookError(f"cannot read saved metrics: {e}") from e
    for path, m in ((a, ma), (b, mb)):
        if not isinstance(m, dict) or "recall@5" not in m:
            raise CasebookError(f"{path}: not a metrics file saved by `casebook eval --save`")
    rows = compare(ma, mb)
    if as_json:
        click.echo(json.dumps([{"metric": n, "a": x, "b": y, "delta": d} for n, x, y, d in rows]))
        return
    from rich.table import Table

    table = Table("metric", a.name, b.name, "Δ")
    for name, x, y, d in rows:
        colour = "green" if (d or 0) > 0 else "red" if (d or 0) < 0 else ""
        if name.startswith("latency"):
            colour = {"green": "red", "red": "green"}.get(colour, "")
        table.add_row(
            name, _fmt(x), _fmt(y), f"[{colour}]{_fmt(d)}[/{colour}]" if colour else _fmt(d)
        )
    _console().print(table)


def _fmt(v: Any) -> str:
    return "—" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)


if __name__ == "__main__":  # pragma: no cover
    main()


# --- a shared Chroma server: its indexes ------------------------------------------------------


@main.command()
@click.option(
    "--chroma-url",
    "chroma_url",
    metavar="URL",
    required=True,
    envvar=ENV_CHROMA_URL,
    help="The Chroma server (http://HOST:PORT; env CASEBOOK_CHROMA_URL).",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per index per line.")
@domain_errors
def indexes(chroma_url: str, as_json: bool):
    """List the casebook indexes on a Chroma server (the names --index-name takes).

    Example: casebook indexes --chroma-url http://127.0.0.1:8000
    """
    from index.remote import list_indexes

    found = list_indexes(chroma_url)
    for i in found:
        if as_json:
            click.echo(json.dumps(i, ensure_ascii=False))
        else:
            click.echo(
                f"{i['name']}\t{i['documents']} document(s), {i['editions']} edition(s), "
                f"generation {i['generation']}, model {i['model']}"
            )
    if not found and not as_json:
        click.echo(f"no casebook index on {chroma_url} yet", err=True)
