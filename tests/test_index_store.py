"""Index facade: idempotent adds, vector reuse, settings guard, open errors, remove, reopen."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from index.retrieve import search
from index.store import (
    AmbiguousDocument,
    Index,
    IndexOpenError,
    IndexSettingsMismatch,
)
from index.testing import FakeEmbedder, make_chunk, sha

SETTINGS = {"model": "fake-hash-64", "dim": 64, "chunk_tokens": 200, "overlap": 0}

PARAS = [
    "Barcelona superblocks closed inner streets to through traffic.",
    "Estonia introduced a flat income tax in 1994.",
    "Rwanda cut maternal mortality with community health workers.",
    "Singapore prices road use with electronic congestion charges.",
    "Chile's pension reform created individual retirement accounts.",
]


def doc(title: str, texts: list[str], case: str | None = "Case A") -> tuple[dict, list]:
    s = sha(title)
    meta = {
        "sha256": s,
        "title": title,
        "path": f"/cb/{title}.pdf",
        "kind": "pdf",
        "pages": 10,
        "parser": "pypdf 5",
        "outline": {"cases": [{"title": case, "first_page": 1}]},
        "edition": "2nd",
    }
    return meta, [make_chunk(t, s, document=title, case=case, start=i) for i, t in enumerate(texts)]


@pytest.fixture
def idx(tmp_path: Path):
    index = Index(tmp_path / "ix", SETTINGS)
    yield index
    index.close()


def test_add_is_idempotent_and_catalog_round_trips(idx: Index) -> None:
    emb = FakeEmbedder()
    meta, chunks = doc("Casebook 2020", PARAS)
    seen: list[tuple[int, int]] = []
    assert idx.add_document(meta, chunks, emb, progress=lambda d, t: seen.append((d, t))) == {
        "embedded": 5,
        "reused": 0,
        "duplicates": 0,
    }
    assert seen[0] == (0, 5) and seen[-1] == (5, 5)
    emb.calls.clear()
    assert idx.add_document(meta, chunks, emb)["embedded"] == 0
    assert emb.calls == []
    assert idx.chunks(meta["sha256"]) == chunks
    assert idx.collection.count() == 5
    (d,) = idx.documents()
    assert d["status"] == "complete" and d["chunks"] == 5 and d["edition"] == "2nd"
    assert d["outline"] == meta["outline"] and d["pages"] == 10
    assert idx.get_document(meta["sha256"][:8])["title"] == "Casebook 2020"
    assert idx.get_document("ffff" if not meta["sha256"].startswith("ffff") else "0000") is None


def test_new_edition_reembeds_only_changed_chunks(idx: Index) -> None:
    emb = FakeEmbedder()
    idx.add_document(*doc("Casebook 2020", PARAS), emb)
    emb.calls.clear()
    changed = [*PARAS[:4], "Chile's 2008 reform added a solidarity pillar to pensions."]
    out = idx.add_document(*doc("Casebook 2024", changed), emb)
    assert out == {"embedded": 1, "reused": 4, "duplicates": 0}
    assert emb.calls == [changed[4]]
    assert len(idx.documents()) == 2 and idx.collection.count() == 10


def test_duplicate_text_within_document_is_stored_once(idx: Index) -> None:
    out = idx.add_document(*doc("Dup", [PARAS[0], PARAS[1], PARAS[0]]), FakeEmbedder())
    assert out == {"embedded": 2, "reused": 0, "duplicates": 1}


def test_settings_mismatch_names_both_values(tmp_path: Path) -> None:
    Index(tmp_path / "ix", SETTINGS).close()
    with pytest.raises(IndexSettingsMismatch) as err:
        Index(tmp_path / "ix", {**SETTINGS, "chunk_tokens": 256})
    msg = str(err.value)
    assert "chunk_tokens" in msg and "200" in msg and "256" in msg
    # readonly with settings=None adopts what is stored
    with Index(tmp_path / "ix", None, readonly=True) as ro:
        assert ro.settings == SETTINGS


def test_embedder_of_another_model_is_refused(idx: Index) -> None:
    with pytest.raises(IndexSettingsMismatch, match="other-model"):
        idx.add_document(*doc("X", PARAS), FakeEmbedder(name="other-model"))


@pytest.mark.parametrize("damage", ["random_files", "corrupt_catalog", "foreign_sqlite", "file"])
def test_unreadable_folder_raises_index_open_error(tmp_path: Path, damage: str) -> None:
    p = tmp_path / "ix"
    if damage == "file":
        p.write_text("not a folder")
    else:
        p.mkdir()
    if damage == "random_files":
        (p / "notes.txt").write_text("hello")
    elif damage == "corrupt_catalog":
        (p / "catalog.sqlite").write_bytes(b"\x00garbage" * 512)
    elif damage == "foreign_sqlite":
        db = sqlite3.connect(p / "catalog.sqlite")
        with db:
            db.execute("CREATE TABLE t(x)")
        db.close()
    with pytest.raises(IndexOpenError) as err:
        Index(p, SETTINGS)
    assert "\n" not in str(err.value)
    with pytest.raises(IndexOpenError):
        Index(p, None, readonly=True)


def test_readonly_missing_index(tmp_path: Path) -> None:
    with pytest.raises(IndexOpenError, match="casebook ingest"):
        Index(tmp_path / "nothing", None, readonly=True)


def test_remove_document_drops_rows_vectors_and_hits(idx: Index) -> None:
    emb = FakeEmbedder()
    meta_a, chunks_a = doc("A", PARAS[:3])
    meta_b, chunks_b = doc("B", PARAS[3:])
    idx.add_document(meta_a, chunks_a, emb)
    idx.add_document(meta_b, chunks_b, emb)
    assert search(idx, "flat income tax", embedder=emb, mode="bm25")
    assert idx.remove_document(meta_a["sha256"][:10])
    assert not idx.remove_document(meta_a["sha256"])
    assert [d["title"] for d in idx.documents()] == ["B"]
    assert idx.collection.count() == 2
    assert idx.chunks() == chunks_b
    for mode in ("bm25", "dense", "hybrid"):
        hits = search(idx, "flat income tax Estonia", embedder=emb, mode=mode)
        assert all(h.chunk.doc_sha256 == meta_b["sha256"] for h in hits)


def test_close_and_reopen_gives_same_results(tmp_path: Path) -> None:
    emb = FakeEmbedder()
    index = Index(tmp_path / "ix", SETTINGS)
    index.add_document(*doc("A", PARAS), emb)
    before = search(index, "congestion charges for road use", embedder=emb)
    index.close()
    index.close()  # idempotent
    with Index(tmp_path / "ix", None, readonly=True) as ro:
        after = search(ro, "congestion charges for road use", embedder=emb)
        assert [(h.chunk, h.rank, h.score) for h in after] == [
            (h.chunk, h.rank, h.score) for h in before
        ]
        assert (tmp_path / "ix" / "bm25").is_dir()
    with pytest.raises(IndexOpenError, match="closed"):
        index.chunks()


def test_readers_ignore_vectors_without_complete_catalog_rows(idx: Index) -> None:
    """Simulates a crash after the chroma write but before the catalog commit."""
    emb = FakeEmbedder()
    idx.add_document(*doc("A", PARAS[:2]), emb)
    meta_b, chunks_b = doc("B", PARAS[2:])
    idx._upsert_vectors(chunks_b, list(emb.embed([c.text for c in chunks_b])))
    assert idx.collection.count() == 5
    hits = search(idx, PARAS[3], embedder=emb, mode="dense")
    assert {h.chunk.document for h in hits} == {"A"}
    # the retry reuses the orphans instead of embedding again
    emb.calls.clear()
    assert idx.add_document(meta_b, chunks_b, emb)["embedded"] == 0
    assert search(idx, PARAS[3], embedder=emb, mode="dense")[0].chunk.text == PARAS[3]


def test_ambiguous_prefix(idx: Index) -> None:
    emb = FakeEmbedder()
    titles = [f"T{i}" for i in range(40)]  # 40 random shas: some share a first hex digit
    for t in titles:
        idx.add_document(*doc(t, [f"text of {t}"]), emb)
    firsts = [d["sha256"][0] for d in idx.documents()]
    dup = next(c for c in firsts if firsts.count(c) > 1)
    with pytest.raises(AmbiguousDocument):
        idx.get_document(dup)


def test_readonly_refuses_writes(tmp_path: Path) -> None:
    Index(tmp_path / "ix", SETTINGS).close()
    with (
        Index(tmp_path / "ix", SETTINGS, readonly=True) as ro,
        pytest.raises(Exception, match="read-only"),
    ):
        ro.add_document(*doc("A", PARAS), FakeEmbedder())


def test_embed_input_header_is_embedded_and_keys_reuse(tmp_path: Path) -> None:
    emb = FakeEmbedder()
    with Index(tmp_path / "ix", SETTINGS) as index:

        def header(c):
            return f"{c.part} › {c.section}\n{c.text}"

        meta, chunks = doc("A", PARAS[:2])
        assert index.add_document(meta, chunks, emb, embed_input=header)["embedded"] == 2
        assert emb.calls == [header(c) for c in sorted(chunks, key=lambda c: len(header(c)))]
        # same texts under another case: different embed input, so no reuse
        emb.calls.clear()
        meta_b, chunks_b = doc("B", PARAS[:2], case="Case B")
        assert index.add_document(meta_b, chunks_b, emb, embed_input=header)["embedded"] == 2
        # same texts and header in a new edition: reused
        meta_c, chunks_c = doc("C", PARAS[:2], case="Case B")
        assert index.add_document(meta_c, chunks_c, emb, embed_input=header)["reused"] == 2


def test_dense_search_ranks_a_chunk_by_its_closest_sentence(tmp_path: Path) -> None:
    from pipeline.sentences import chunk_sentences

    # Chunk A holds the one sentence the query is about, among many other words; chunk B
    # shares the query's words thinly over two sentences. Whole-chunk vectors put B
    # first (0.52 vs 0.44); A's best sentence (0.61) beats B's (0.52).
    a = (
        "Estonia introduced a flat income tax in 1994. Roads, buses, trains, bicycles, "
        "parks, streets, bridges, tunnels, ferries and trams were rebuilt across every region."
    )
    b = "Income and tax were debated. Flat rates were discussed."
    meta, chunks = doc("Taxes", [a, b])
    with Index(tmp_path / "ix", SETTINGS) as index:
        index.add_document(meta, chunks, FakeEmbedder(), sentences=chunk_sentences)
        snap = index.vectors()
        assert len(snap.sentences) == 4 and list(snap.owner) == [0, 0, 1, 1]
        hits = search(index, "flat income tax", 2, embedder=FakeEmbedder(), mode="dense")
        assert [h.chunk.text for h in hits] == [a, b]
    # A cold reader loads the same snapshot, sentence rows included, from the cache.
    with Index(tmp_path / "ix", None, readonly=True) as again:
        again._build_snapshot = None  # type: ignore[method-assign]  # must not be needed
        assert len(again.vectors().sentences) == 4


def test_a_snapshot_whose_rows_do_not_line_up_is_not_loaded(tmp_path: Path) -> None:
    import numpy as np

    from index.store import VectorSnapshot

    ids = ["a", "b"]
    m = np.eye(2, 4, dtype=np.float32)
    VectorSnapshot("k", ids, m, m[[0, 0, 1]], np.array([0, 0, 1], np.int32)).save(tmp_path / "k")
    assert VectorSnapshot.load(tmp_path / "k", "k", ids) is not None
    # more owners than rows; owners out of order; a chunk with no row; rows of another width
    for owner, rows in (
        ([0, 1, 1, 1], (3, 4)),
        ([1, 0, 1], (3, 4)),
        ([0, 0, 0], (3, 4)),
        (
            [0, 0, 1],
            (3, 5),
        ),
    ):
        np.save(tmp_path / "k" / "owner.npy", np.array(owner, np.int32))
        np.save(tmp_path / "k" / "sentences.npy", np.ones(rows, np.float32))
        assert VectorSnapshot.load(tmp_path / "k", "k", ids) is None, (owner, rows)
