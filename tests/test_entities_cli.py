"""`casebook entities` end to end: the real casebook through the real pipeline into one index.

The index vectors come from the fake embedder (named like the real model so the index
accepts it): entities never touch vectors, and this keeps the module at ~15 s instead of
~30 s.  Assertions use what the casebook says (£662 million, a 2030 London target), checked
against the records themselves rather than against anything hard-coded in library code.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from casebook.cli import _ENTITY_TYPES, main
from index.entities_query import (
    BASE_FIELDS,
    ENTITY_TYPES,
    TYPE_FIELDS,
    EntityFilterError,
    group_actors,
    parse_currency,
    parse_value,
)
from index.ingest import EMBED_DIM, index_settings, ingest, prepare
from index.store import Index
from index.testing import FakeEmbedder
from pipeline.entities import EXTRACTOR_VERSION, extract_entities
from pipeline.tokenize import MODEL_NAME
from tests.conftest import CASEBOOK


def _embedder() -> FakeEmbedder:
    return FakeEmbedder(dim=EMBED_DIM, name=MODEL_NAME)


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("entities") / "index"
    reports = ingest([CASEBOOK], path, embedder=_embedder())
    assert [r.status for r in reports] == ["ingested"], reports[0].errors
    return path


def run(index_dir: Path, *args: str):
    return CliRunner().invoke(main, ["entities", "--index", str(index_dir), *args])


def records(index_dir: Path, *args: str) -> list[dict]:
    res = run(index_dir, *args, "--json")
    assert res.exit_code == 0, res.output
    return [json.loads(line) for line in res.stdout.splitlines()]


# ------------------------------------------------------------------ filters on real data


def test_gbp_amounts_from_500m(index_dir: Path) -> None:
    rows = records(index_dir, "--type", "amount", "--currency", "GBP", "--min", "500m")
    assert rows
    assert {r["type"] for r in rows} == {"amount"}
    assert {r["currency"] for r in rows} == {"GBP"}
    assert all(r["high"] >= 500e6 for r in rows)
    assert any(r["low"] == pytest.approx(662e6) and "662" in r["text"] for r in rows)
    # everything in GBP that the filter left out is below 500m
    every = records(index_dir, "--type", "amount", "--currency", "£")
    left_out = [r for r in every if r not in rows]
    assert left_out and all(r["high"] < 500e6 for r in left_out)


def test_max_and_symbol_currency(index_dir: Path) -> None:
    rows = records(index_dir, "--type", "amount", "--max", "€200 million")
    assert rows and {r["currency"] for r in rows} == {"EUR"}
    assert all(r["low"] <= 200e6 for r in rows)


def test_targets_before_2031(index_dir: Path) -> None:
    rows = records(index_dir, "--type", "target", "--deadline-before", "2031")
    assert rows and all(r["deadline"] is not None and r["deadline"] < 2031 for r in rows)
    assert any(r["deadline"] == 2030 and "london" in (r["case"] or "").lower() for r in rows)
    later = [r for r in records(index_dir, "--type", "target") if (r["deadline"] or 0) >= 2031]
    assert later, "the casebook has later targets (2040, 2045): the filter must drop them"


def test_case_filter_and_number_includes_percent(index_dir: Path) -> None:
    rows = records(index_dir, "--case", "barcelona", "--type", "number")
    assert rows and all("barcelona" in r["case"].lower() for r in rows)
    assert {r["type"] for r in rows} == {"number", "percent"}
    only = records(index_dir, "--case", "barcelona", "--type", "percent")
    assert only and {r["type"] for r in only} == {"percent"}


def test_rows_are_in_reading_order(index_dir: Path) -> None:
    rows = records(index_dir, "--type", "amount")
    pages = [r["pdf_page"] for r in rows]
    assert pages == sorted(pages)


# ------------------------------------------------------------------ output formats


def test_json_lines_have_the_specified_keys(index_dir: Path) -> None:
    rows = records(index_dir)
    assert {r["type"] for r in rows} >= {"amount", "number", "percent", "target", "actor"}
    for r in rows:
        assert set(BASE_FIELDS) <= r.keys()
        assert set(TYPE_FIELDS[r["type"]]) <= r.keys()
        assert isinstance(r["span"], list) and len(r["span"]) == 2
        assert isinstance(r["pdf_page"], int)
    actor = next(r for r in rows if r["type"] == "actor")
    assert isinstance(actor["mentions"], list) and actor["name"]


def test_csv_parses_with_a_header(index_dir: Path) -> None:
    res = run(index_dir, "--type", "amount", "--csv")
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert len(rows) == len(records(index_dir, "--type", "amount"))
    assert {"type", "text", "currency", "low", "high", "span", "page_label"} <= rows[0].keys()
    assert all(len(r["span"].split("; ")) == 2 for r in rows)
    assert any(r["low"] == "662000000" and r["currency"] == "GBP" for r in rows)


def test_table_lists_each_actor_once(index_dir: Path) -> None:
    res = run(index_dir, "--type", "actor", "--case", "barcelona")
    assert res.exit_code == 0, res.output
    assert "Actors" in res.stdout and "mentions" in res.stdout
    occurrences = records(index_dir, "--type", "actor", "--case", "barcelona")
    names = [r["name"] for r in occurrences]
    assert len(set(names)) < len(names)  # some actor is mentioned more than once
    with Index(index_dir, index_settings(), readonly=True) as index:
        grouped = group_actors(index.entities(types=["actor"]))
    keys = [(g.document, g.name) for g in grouped]
    assert len(keys) == len(set(keys))


def test_default_table_shows_amounts(index_dir: Path) -> None:
    res = run(index_dir, "--type", "amount", "--currency", "GBP", "--min", "500m")
    assert res.exit_code == 0, res.output
    assert "Amounts" in res.stdout and "662m" in res.stdout


# ------------------------------------------------------------------ errors


def test_json_and_csv_is_a_usage_error(index_dir: Path) -> None:
    res = run(index_dir, "--json", "--csv")
    assert res.exit_code == 2
    assert "--json or --csv" in res.stderr and res.stderr.count("\n") == 1  # one line (issue 15)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--min", "abc"], "--min"),
        (["--max", "5 zillion"], "--max"),
        (["--currency", "pesos!"], "--currency"),
        (["--currency", "EUR", "--min", "£5m"], "GBP"),
        (["--min", "2bn", "--max", "1bn"], "larger"),
        (["--case", "no such case"], "no case title"),
        (["--document", "no such document"], "no document"),
    ],
)
def test_bad_filters_give_one_line_and_exit_2(index_dir: Path, args: list[str], needle: str):
    res = run(index_dir, *args)
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("casebook: ") and needle in lines[0]
    assert "Traceback" not in res.output


def test_missing_index_is_one_line(tmp_path: Path) -> None:
    res = run(tmp_path / "nope")
    assert res.exit_code == 2 and res.stderr.count("\n") == 1


# ------------------------------------------------------------------ store behaviour


def test_reingest_replaces_and_remove_deletes(index_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "index"
    shutil.copytree(index_dir, copy)
    with Index(copy, index_settings(), readonly=True) as index:
        before = len(index.entities())
    assert before > 0
    # the same file again: left as is, nothing duplicated
    assert [r.status for r in ingest([CASEBOOK], copy, embedder=_embedder())] == ["unchanged"]
    prep = prepare(CASEBOOK)
    ents = extract_entities(prep.chunks, document=prep.structure.document)
    with Index(copy, index_settings()) as index:
        assert len(index.entities()) == before
        # storing the document again replaces its entities rather than adding to them
        sha = prep.structure.document.sha256
        amounts = [e for e in ents if e.type == "amount"]
        index.add_document(prep.meta, prep.chunks, _embedder(), entities=amounts)
        assert len(index.entities()) == len(amounts)
        index.add_document(prep.meta, prep.chunks, _embedder(), entities=ents)
        assert len(index.entities()) == before
        assert index.remove_document(sha)
        assert index.entities() == []


# ------------------------------------------------------------------ parsing units


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("500m", 500e6, None),
        ("1.5bn", 1.5e9, None),
        ("£2 billion", 2e9, "GBP"),
        ("2,000,000", 2e6, None),
        ("10k", 1e4, None),
        ("R7,5 billion", 7.5e9, "ZAR"),
        ("USD 5mn", 5e6, "USD"),
        ("5 million euros", 5e6, "EUR"),
        ("750 GBP", 750.0, "GBP"),
    ],
)
def test_parse_value(text: str, value: float, currency: str | None) -> None:
    assert parse_value(text) == (pytest.approx(value), currency)


@pytest.mark.parametrize(
    ("text", "code"),
    [("gbp", "GBP"), ("£", "GBP"), ("€", "EUR"), ("R", "ZAR"), ("$", "USD"), ("sek", "SEK")],
)
def test_parse_currency(text: str, code: str) -> None:
    assert parse_currency(text) == code


def test_parse_value_rejects_junk() -> None:
    with pytest.raises(EntityFilterError, match="--max"):
        parse_value("lots", "--max")


def test_cli_type_choices_match_the_library() -> None:
    assert tuple(_ENTITY_TYPES) == ENTITY_TYPES


def test_entities_from_older_rules_are_extracted_again(index_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "index"
    shutil.copytree(index_dir, copy)
    with Index(copy, index_settings()) as index:
        (doc,) = index.documents()
        want = sorted((e.chunk_id, e.span, e.type) for e in index.entities())
        vectors = index.vectors().matrix.copy()
        # as an older casebook left it: other entities, an older extractor recorded
        stale = [e for e in index.entities() if e.type == "amount"][:1]
        index.replace_entities(doc["sha256"], stale, {"extractor": EXTRACTOR_VERSION - 1})
    emb = _embedder()
    (report,) = ingest([CASEBOOK], copy, embedder=emb)
    assert report.status == "refreshed" and emb.calls == []  # nothing embedded again
    with Index(copy, index_settings(), readonly=True) as index:
        assert sorted((e.chunk_id, e.span, e.type) for e in index.entities()) == want
        assert index.documents()[0]["extractor"] == EXTRACTOR_VERSION
        assert (index.vectors().matrix == vectors).all()
    (again,) = ingest([CASEBOOK], copy, embedder=_embedder())
    assert again.status == "unchanged"
