"""Series and editions in the store, with the fake embedder: switching, scopes, remove,
migration, labels and series recognition (issue #6). Fast: no model, no PDF."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from index.diff import diff_editions, pick_editions
from index.ingest import edition_label, index_settings, recognise_series
from index.retrieve import search
from index.store import AmbiguousDocument, FilterNoMatch, Index
from index.testing import FakeEmbedder as Fake
from index.testing import amount_entity, make_chunk, money_entities, sha

SETTINGS = index_settings()  # the CLI opens indexes with these


def FakeEmbedder() -> Fake:
    return Fake(dim=SETTINGS["dim"], name=SETTINGS["model"])


BASE = [
    "The Bank has committed a total of £662 million to its missions.",
    "Estonia introduced a flat income tax in 1994.",
    "Rwanda cut maternal mortality with community health workers.",
    "Singapore prices road use with electronic congestion charges.",
]
REV = [BASE[0].replace("662", "845"), *BASE[1:], "Update: the city approved €210 million more."]


def edition(title: str, texts: list[str]) -> tuple[dict, list]:
    s = sha(title)
    meta = {"sha256": s, "title": title, "pages": 3}
    return meta, [
        make_chunk(t, s, document=title, case="Case A", start=i) for i, t in enumerate(texts)
    ]


@pytest.fixture
def two_editions(tmp_path: Path):
    emb = FakeEmbedder()
    index = Index(tmp_path / "ix", SETTINGS)
    m1, c1 = edition("Casebook 2024", BASE)
    m2, c2 = edition("Casebook 2024 — Revised edition", REV)
    index.add_document(m1, c1, emb, entities=money_entities(c1))
    emb.calls.clear()
    counts = index.add_document(
        m2, c2, emb, entities=money_entities(c2), series="Casebook 2024", edition_label="Revised"
    )
    yield index, emb, (m1, c1), (m2, c2), counts
    index.close()


def test_new_edition_becomes_current_and_old_one_is_history(two_editions) -> None:
    index, emb, _, (m2, _), counts = two_editions
    assert counts == {"embedded": 2, "reused": 3, "duplicates": 0}
    (s,) = index.series()
    assert s["name"] == "Casebook 2024" and s["current"] == m2["sha256"]
    assert [(d["label"], d["current"]) for d in s["editions"]] == [
        ("ed. 1", False),
        ("Revised", True),
    ]
    assert [d["sha256"] for d in index.documents()] == [m2["sha256"]]
    assert len(index.documents(all_editions=True)) == 2
    for mode in ("bm25", "dense", "hybrid"):
        hits = search(index, "Bank committed missions", embedder=emb, mode=mode)
        assert {h.chunk.doc_sha256 for h in hits} == {m2["sha256"]}
    assert {e.text for e in index.entities(types=["amount"])} == {"£845 million", "€210 million"}


def test_edition_scope_reads_the_old_edition(two_editions) -> None:
    index, emb, (m1, _), (m2, _), _ = two_editions
    for name in ("ed. 1", "ED. 1", m1["sha256"][:10]):
        (chosen,) = index.set_editions([name])
        assert chosen["sha256"] == m1["sha256"]
        hits = search(index, "Bank committed missions", embedder=emb)
        assert hits and {h.chunk.doc_sha256 for h in hits} == {m1["sha256"]}
        assert "£662" in hits[0].chunk.text
    index.set_editions(None)
    assert search(index, "Bank committed", embedder=emb)[0].chunk.doc_sha256 == m2["sha256"]
    with pytest.raises(FilterNoMatch, match="no edition"):
        index.set_editions(["third"])


def test_remove_current_edition_promotes_the_previous_one(two_editions) -> None:
    index, emb, (m1, _), (m2, c2), _ = two_editions
    assert index.remove_document(m2["sha256"][:12])
    (s,) = index.series()
    assert s["current"] == m1["sha256"] and len(s["editions"]) == 1
    assert index.collection.count() == len(BASE)
    assert index.collection.get(ids=[c.id for c in c2])["ids"] == []
    assert search(index, "Bank committed", embedder=emb)[0].chunk.doc_sha256 == m1["sha256"]


def test_remove_series_deletes_everything(two_editions) -> None:
    index, *_ = two_editions
    index.remove_series("casebook 2024")
    assert index.series() == [] and index.documents(all_editions=True) == []
    assert index.collection.count() == 0 and index.entities() == []
    assert index.db.execute("SELECT COUNT(*) FROM chunks").fetchone() == (0,)


def test_reader_snapshot_is_not_torn_by_a_commit(two_editions, tmp_path) -> None:
    """A reader inside read_snapshot keeps seeing the edition it started with."""
    index, _, (m1, _), (m2, _), _ = two_editions
    with Index(index.path, None, readonly=True) as reader:
        with reader.read_snapshot():
            ids = set(reader.complete_chunk_ids())
            index.remove_document(m2["sha256"])  # the writer switches back meanwhile
            assert set(reader.chunks_by_id(ids)) == ids
        assert {c.doc_sha256 for c in reader.chunks()} == {m1["sha256"]}


def test_diff_of_two_editions(two_editions) -> None:
    index, *_ = two_editions
    s, old, new = pick_editions(index)
    assert s["name"] == "Casebook 2024" and old["label"] == "ed. 1" and new["label"] == "Revised"
    d = diff_editions(index, old, new)
    (fact,) = d["changed_facts"]
    assert fact["type"] == "amount" and fact["case"] == "Case A"
    assert (fact["old"]["text"], fact["new"]["text"]) == ("£662 million", "£845 million")
    assert (fact["old"]["value"], fact["new"]["value"]) == (662e6, 845e6)
    assert [p["new"]["text"] for p in d["passages"]["added"]] == [REV[-1]]
    assert d["passages"]["removed"] == []
    (changed,) = d["passages"]["changed"]
    assert changed["old"]["text"] == BASE[0] and changed["new"]["page_labels"] == ["1"]


def test_diff_needs_a_series_with_two_editions(tmp_path) -> None:
    with Index(tmp_path / "ix", SETTINGS) as index:
        index.add_document(*edition("Alone", BASE), FakeEmbedder())
        with pytest.raises(FilterNoMatch, match="series"):
            pick_editions(index)


def test_labels_unique_within_series_and_ambiguous_prefix(tmp_path) -> None:
    emb = FakeEmbedder()
    with Index(tmp_path / "ix", SETTINGS) as index:
        for i in range(3):
            index.add_document(*edition(f"T{i}", [f"text {i}"]), emb, series="S", edition_label="x")
        assert [d["label"] for d in index.series()[0]["editions"]] == [
            "x",
            "x (ed. 2)",
            "x (ed. 3)",
        ]
        index.add_document(*edition("Other", ["other"]), emb, series="S2", edition_label="x")
        with pytest.raises(AmbiguousDocument, match="several editions"):
            index.resolve_edition("x")
        assert index.resolve_edition("x", series="S")["title"] == "T0"
        assert index.resolve_series("s")["name"] == "S"  # an exact name beats a substring


def test_v1_catalog_is_migrated_on_open(tmp_path) -> None:
    idx = tmp_path / "ix"
    with Index(idx, SETTINGS) as index:
        index.add_document(*edition("Old", BASE), FakeEmbedder())
    db = sqlite3.connect(idx / "catalog.sqlite")
    db.executescript(
        "DROP TABLE series; DROP INDEX documents_series;"
        "ALTER TABLE documents DROP COLUMN series_id; ALTER TABLE documents DROP COLUMN "
        "edition_label; ALTER TABLE documents DROP COLUMN is_current;"
        "UPDATE index_meta SET value = '1' WHERE key = 'schema_version';"
    )
    db.close()
    with Index(idx, None, readonly=True) as ro:  # a reader migrates too
        (s,) = ro.series()
        assert s["name"] == "Old" and s["editions"][0]["label"] == "ed. 1"
        assert len(ro.complete_chunk_ids()) == len(BASE)


def test_edition_label_from_titles() -> None:
    base = "MISSIONS IN ACTION — MOIN Casebook 2024"
    assert edition_label(base) is None
    assert edition_label(base + " — Revised edition (synthetic)", [base]) == "Revised edition"
    assert edition_label("Policy Atlas, Second Edition") == "Second Edition"
    assert edition_label(base + ": 2025 update", [base]) == "2025 update"


class _Prep:
    def __init__(self, title: str, chunks: list) -> None:
        from types import SimpleNamespace

        self.chunks = chunks
        self.structure = SimpleNamespace(document=SimpleNamespace(title=title))


def test_series_recognised_by_content_overlap_and_title(tmp_path) -> None:
    emb = FakeEmbedder()
    with Index(tmp_path / "ix", SETTINGS) as index:
        m1, c1 = edition("Casebook 2024", BASE)
        index.add_document(m1, c1, emb)
        # same content under another title: a new edition by overlap alone
        _, c2 = edition("Some other name", REV)
        assert recognise_series(index, _Prep("Some other name", c2)) == (
            "Casebook 2024",
            index.get_document(m1["sha256"]),
        )
        # unrelated content: a new series
        _, c3 = edition("Fresh", ["Nothing in common here.", "Nor here."])
        assert recognise_series(index, _Prep("Fresh", c3)) == (None, None)
        assert recognise_series(index, _Prep("x", c2), new_series=True) == (None, None)
        assert recognise_series(index, _Prep("x", c3), series="Named")[0] == "Named"


def test_cli_editions_remove_and_diff(two_editions) -> None:
    index, *_ = two_editions
    path = index.path
    index.close()
    run = CliRunner().invoke
    out = run(main_cli(), ["editions", "--index", str(path), "--json"])
    assert out.exit_code == 0, out.output
    (s,) = json.loads(out.stdout)["series"]
    assert [e["label"] for e in s["editions"]] == ["ed. 1", "Revised"]
    assert set(s["editions"][0]) >= {"sha256", "ingested_at", "pages", "chunks", "current"}
    out = run(main_cli(), ["diff", "--index", str(path), "--json"])
    d = json.loads(out.stdout)
    assert set(d) == {"series", "from", "to", "changed_facts", "passages"}
    assert set(d["changed_facts"][0]) == {"type", "case", "section", "old", "new"}
    assert {"text", "value", "page_label"} <= set(d["changed_facts"][0]["old"])
    out = run(main_cli(), ["diff", "--index", str(path)])
    assert out.exit_code == 0 and "£662 million" in out.output and "£845 million" in out.output
    out = run(main_cli(), ["remove", "nope", "--index", str(path), "--yes"])
    assert out.exit_code == 2 and out.output.startswith("casebook: no edition")
    out = run(main_cli(), ["remove", "Casebook 2024", "--index", str(path), "--yes"])
    assert out.exit_code == 2 and "--series" in out.output
    out = run(main_cli(), ["remove", "Revised", "--index", str(path)])
    assert out.exit_code == 2 and "--yes" in out.output
    out = run(main_cli(), ["remove", "Revised", "--index", str(path), "--yes"])
    assert out.exit_code == 0, out.output
    out = run(main_cli(), ["editions", "--index", str(path), "--json"])
    assert [e["label"] for e in json.loads(out.stdout)["series"][0]["editions"]] == ["ed. 1"]


def main_cli():
    from casebook.cli import main

    return main


def _money(chunks: list) -> list:
    """Amounts as the extractor's money rules find them (conversions included)."""
    from pipeline.quantities import find_money

    return [amount_entity(c, (f.start, f.end), f.attrs) for c in chunks for f in find_money(c.text)]


@pytest.mark.parametrize(
    ("old", "new", "changed"),
    [
        # the figure and its conversion change together: one fact, the figure
        ("It cost R7,5 billion (US$400 million).", "It cost R8 billion (US$430 million).",
         [("R7,5 billion", "R8 billion")]),
        ("It earns R51 ($2.64) million a month.", "It earns R60 ($3.1) million a month.",
         [("R51 ($2.64) million", "R60 ($3.1) million")]),
        # only the conversion changes (a new exchange rate): that is the fact
        ("It cost R7,5 billion (US$400 million).", "It cost R7,5 billion (US$410 million).",
         [("US$400 million", "US$410 million")]),
    ],
)  # fmt: skip
def test_diff_reports_a_converted_figure_once(tmp_path, old, new, changed) -> None:
    emb = FakeEmbedder()
    with Index(tmp_path / "ix", SETTINGS) as index:
        m1, c1 = edition("Casebook 2024", [old, *BASE[1:]])
        m2, c2 = edition("Casebook 2024 — Revised edition", [new, *BASE[1:]])
        index.add_document(m1, c1, emb, entities=_money(c1))
        index.add_document(
            m2, c2, emb, entities=_money(c2), series="Casebook 2024", edition_label="Revised"
        )
        _, a, b = pick_editions(index)
        facts = diff_editions(index, a, b)["changed_facts"]
    assert [(f["old"]["text"], f["new"]["text"]) for f in facts] == changed
