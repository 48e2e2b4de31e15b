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

from casebook.batch import ask_batch
from casebook.config import ENV_INDEX, default_index_dir, offline
from casebook.errors import EXIT_INPUT, CasebookError
from casebook.opening import open_engine, open_index
from casebook.present import (
    console,
    edition_record,
    print_answer,
    print_cases,
    print_compare,
    print_diff,
    print_editions,
    print_entity_tables,
    print_hit,
)
from casebook.progress import progress_bar, status, stderr_is_tty
from casebook.wording import document_names

ENV_CHROMA_URL = "CASEBOOK_CHROMA_URL"
ENV_INDEX_NAME = "CASEBOOK_INDEX_NAME"


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
        from pipeline.given_names import NameListError
        from sources.errors import SourceError

        try:
            return f(*args, **kwargs)
        except (CasebookIndexError, SourceError, NameListError) as e:
            raise CasebookError(str(e)) from e

    return wrapper


class OneLineErrors(click.Group):
    """Every usage error is one line on stderr (``casebook ask: Missing argument …``), exit 2,
    instead of click's usage block."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            rv = super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as e:
            sub = e.ctx.command_path.split()[1:] if e.ctx else []  # the program's own name varies
            where = " ".join(["casebook", *sub])
            click.echo(f"{where}: {e.format_message()} (see --help)", err=True)
            sys.exit(EXIT_INPUT)
        except click.ClickException as e:
            e.show()
            sys.exit(e.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
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
        on_file=lambda p: status(f"reading {p}"),
        progress=progress_bar("embedding") if stderr_is_tty() else None,
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


@main.command()
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the stable JSON outline.")
@domain_errors
def cases(index_dir: Path, as_json: bool, chroma_url: str | None):
    """List each indexed document's cases with their sections and page ranges.

    Example: casebook cases --json
    """
    with open_index(index_dir, chroma_url) as index:
        outlines = [d["outline"] for d in index.documents() if d.get("outline")]
    if not outlines:
        raise CasebookError(f"the index at {chroma_url or index_dir} holds no documents")
    if as_json:
        click.echo(json.dumps({"documents": outlines}, ensure_ascii=False, indent=1))
        return
    print_cases(console(), outlines)


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

    with open_engine(index_dir, editions, chroma_url) as engine:
        _say_case(engine, case)
        hits = engine.search(query, k=k, case=case, document=document, mode=retrieval)
        names = document_names(engine.index.documents(all_editions=True))
    if as_json:
        for h in hits:
            click.echo(json.dumps(hit_to_dict(h), ensure_ascii=False))
        return
    out = console()
    for h in hits:
        print_hit(out, h, names)


def _say_case(engine: Any, case: str | None) -> None:
    """Which case(s) ``--case`` matched, on stderr (results stay on stdout)."""
    if case is not None:
        found = engine.index.match_cases(case)
        if found:
            click.echo(f"case: {'; '.join(found)}", err=True)


@main.command()
@click.argument("question", required=False)
@index_option
@query_options
@click.option("--batch", type=click.File("r"), help="JSON lines {id, question} ('-' for stdin).")
@click.option(
    "--passages",
    type=click.IntRange(0, 100),
    metavar="N",
    help="Text mode: also print the top N retrieved passages (default 0 under an answer, "
    "3 under an abstention; --json always has all --k of them).",
)
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
    passages: int | None,
    chroma_url: str | None,
):
    """Answer a question from the casebooks, citing the passages and printed pages.

    Example: casebook ask "What target did Barcelona set for public rental housing?"
    """
    if batch is not None and question:
        raise click.UsageError("give either a QUESTION or --batch FILE, not both")
    if batch is None and (question is None or not question.strip()):
        raise CasebookError("the question is empty")
    with open_engine(index_dir, editions, chroma_url) as engine:
        if batch is not None:
            ask_batch(engine, batch, k=k, case=case, document=document, mode=retrieval)
            return
        _say_case(engine, case)
        answer = engine.ask(question, k=k, case=case, document=document, mode=retrieval)
        names = document_names(engine.index.documents(all_editions=True))
    if as_json:
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False))
    else:
        print_answer(console(), answer, names, passages)


# --- serve ---------------------------------------------------------------------------------


@main.command()
@index_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option("--log", is_flag=True, help="Log every request on stderr.")
@domain_errors
def serve(index_dir: Path, host: str, port: int, log: bool, chroma_url: str | None):
    """A local web app: ask with cited pages highlighted, contents, search, entities, editions.

    Read-only (ingest stays in the CLI); loopback only unless --host says otherwise.
    JSON API: /api/ask?q=…&case=…&k=…, /api/search?q=…, /api/cases.

    Example: casebook serve --port 8765
    """
    from casebook.web import bind
    from casebook.web import serve as run_app

    sock = bind(host, port)
    with open_engine(index_dir, chroma_url=chroma_url) as engine:
        engine.ask("warm up")  # load the query model before the first visitor waits for it
        shown = f"[{host}]" if ":" in host else host
        click.echo(
            f"casebook: serving {engine.index.path} on http://{shown}:{sock.getsockname()[1]}/",
            err=True,
        )
        run_app(engine, sock, log=log)


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
    with open_index(index_dir, chroma_url) as index:
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
        print_entity_tables(console(), found)


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
    with open_index(index_dir, chroma_url) as index:
        series = index.series()
    records = [
        {
            "name": s["name"],
            "created_at": s["created_at"],
            "current": s["current"],
            "editions": [edition_record(d) for d in s["editions"]],
        }
        for s in series
    ]
    if as_json:
        click.echo(json.dumps({"series": records}, ensure_ascii=False, indent=1))
        return
    print_editions(console(), records)


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
    with open_index(index_dir, chroma_url, create=True) as index:
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

    with open_index(index_dir, chroma_url) as index:
        found, old, new = pick_editions(index, series, from_, to)
        result = {"series": found["name"], **diff_editions(index, old, new)}
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=1))
        return
    print_diff(console(), result)


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

    with open_engine(index_dir, chroma_url=chroma_url) as engine:
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
        render_terminal(metrics, console())


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
    print_compare(console(), rows, a.name, b.name)


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


if __name__ == "__main__":  # pragma: no cover
    main()
