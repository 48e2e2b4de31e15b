"""Retrieval: RRF arithmetic, filters, modes, BM25 cache behaviour (fake embedder)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from index.lexical import LexicalIndex, chunk_set_key, stem, tokenize
from index.retrieve import FusionParams, rrf_fuse, search
from index.store import FilterNoMatch, Index
from index.testing import FakeEmbedder, make_chunk, sha

SETTINGS = {"model": "fake-hash-64", "dim": 64}


def test_rrf_arithmetic_on_known_ranks() -> None:
    fused = rrf_fuse({"dense": ["a", "b", "c"], "lexical": ["c", "a", "d"]}, k=60)
    scores = dict(fused)
    assert scores["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert scores["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert scores["b"] == pytest.approx(1 / 62)
    assert scores["d"] == pytest.approx(1 / 63)
    assert [cid for cid, _ in fused] == ["a", "c", "b", "d"]


def test_rrf_weights_and_constant() -> None:
    fused = rrf_fuse({"dense": ["x", "y"], "lexical": ["y", "x"]}, {"lexical": 2.0}, k=1)
    assert dict(fused) == pytest.approx({"y": 1 / 3 + 2 / 2, "x": 1 / 2 + 2 / 3})
    assert fused[0][0] == "y"
    # exact tie: broken by best single rank, then id
    tie = rrf_fuse({"dense": ["p", "q"], "lexical": ["q", "p"]})
    assert [c for c, _ in tie] == ["p", "q"]


def test_stemmer_and_tokenizer() -> None:
    assert stem("subsidies") == stem("subsidy") == "subsidy"
    assert stem("taxes") == stem("tax") == "tax"
    assert stem("running") == stem("run") == "run"
    assert stem("regulated") == stem("regulates") == stem("regulate")
    assert stem("controlled") == stem("control") and stem("installed") == stem("install")
    assert stem("congestion") == stem("congested") and stem("bus") == "bus"
    assert stem("pricing") == stem("prices") == stem("price")
    # a deed and its doing: "began operations" answers "started operating"
    assert stem("operations") == stem("operating") == stem("operated")
    assert stem("regeneration") == stem("regenerating")
    assert stem("nation") == "nation" and stem("mission") == "mission"
    assert tokenize(["The Taxes RAISED in 2001 by 5 %"]) == [["tax", "rais", "2001", "5"]]


def test_lexical_filter_mask_and_zero_scores() -> None:
    lex = LexicalIndex.build(["a", "b", "c"], ["road pricing", "road safety", "tax reform"])
    assert {cid for cid, _ in lex.search("road", 10)} == {"a", "b"}
    assert [cid for cid, _ in lex.search("road", 10, allowed={"b", "c"})] == ["b"]
    assert lex.search("zebra", 10) == [] and lex.search("the", 10) == []
    assert LexicalIndex.build([], []).search("road", 5) == []


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("retr") / "ix"
    emb = FakeEmbedder()
    index = Index(path, SETTINGS)
    s1, s2 = sha("book1"), sha("book2")
    book1 = [
        make_chunk(
            "Superblocks in Barcelona reduced traffic noise.",
            s1,
            case="Barcelona Superblocks",
            document="Urban Casebook",
        ),
        make_chunk(
            "Barcelona residents were consulted on street closures.",
            s1,
            case="Barcelona Superblocks",
            document="Urban Casebook",
        ),
        make_chunk(
            "Bogotá built the TransMilenio bus rapid transit.",
            s1,
            case="Bogotá BRT",
            document="Urban Casebook",
        ),
        make_chunk(
            "Preface: how to read these urban cases.",
            s1,
            case=None,
            part_kind="front",
            document="Urban Casebook",
        ),
    ]
    book2 = [
        make_chunk(
            "Estonia adopted a flat tax and e-residency.",
            s2,
            case="Estonia Digital State",
            document="Governance Casebook",
        ),
        make_chunk(
            "Traffic in Tallinn fell after free public transport.",
            s2,
            case="Tallinn Free Transit",
            document="Governance Casebook",
        ),
    ]
    index.add_document({"sha256": s1, "title": "Urban Casebook"}, book1, emb)
    index.add_document({"sha256": s2, "title": "Governance Casebook"}, book2, emb)
    yield index, emb, s1, s2
    index.close()


MODES = [
    ("hybrid", "snapshot"),
    ("hybrid", "chroma"),
    ("dense", "snapshot"),
    ("dense", "chroma"),
    ("bm25", "snapshot"),
]


@pytest.mark.parametrize(("mode", "backend"), MODES)
def test_case_filter_is_case_insensitive_substring(corpus, mode: str, backend: str) -> None:
    index, emb, _, _ = corpus
    hits = search(
        index, "traffic", 10, embedder=emb, case="barcelona", mode=mode, dense_backend=backend
    )
    assert hits and all(h.chunk.case == "Barcelona Superblocks" for h in hits)


@pytest.mark.parametrize(("mode", "backend"), MODES)
def test_document_filter_by_prefix_or_title(corpus, mode: str, backend: str) -> None:
    index, emb, _s1, s2 = corpus
    kw = {"embedder": emb, "mode": mode, "dense_backend": backend}
    for doc in (s2[:6], "governance"):
        hits = search(index, "traffic", 10, document=doc, **kw)
        assert hits and all(h.chunk.doc_sha256 == s2 for h in hits)
    both = search(index, "traffic", 10, document="urban", case="bogot", **kw)
    assert all(h.chunk.case == "Bogotá BRT" for h in both)


def test_unknown_filter_lists_what_exists(corpus) -> None:
    index, emb, _, _ = corpus
    with pytest.raises(FilterNoMatch, match="Barcelona Superblocks"):
        search(index, "traffic", embedder=emb, case="madrid")
    with pytest.raises(FilterNoMatch, match="Urban Casebook"):
        search(index, "traffic", embedder=emb, document="zzz")


def test_hits_carry_ranks_and_chunks(corpus) -> None:
    index, emb, _, _ = corpus
    hits = search(index, "Tallinn free public transport traffic", 3, embedder=emb)
    assert [h.rank for h in hits] == [1, 2, 3]
    assert hits[0].chunk.case == "Tallinn Free Transit"
    assert hits[0].dense_rank is not None and hits[0].lexical_rank is not None
    assert all(a.score >= b.score for a, b in itertools.pairwise(hits))
    lex = search(index, "Tallinn", 5, embedder=None, mode="bm25")
    assert [h.chunk.case for h in lex] == ["Tallinn Free Transit"]
    assert lex[0].dense_rank is None and lex[0].lexical_rank == 1
    assert search(index, "   ", embedder=emb) == []
    fused = search(index, "traffic", 6, embedder=emb, fusion=FusionParams(lexical_weight=0.0))
    dense = search(index, "traffic", 6, embedder=emb, mode="dense")
    assert [h.chunk.id for h in fused] == [h.chunk.id for h in dense]


def test_bm25_cache_keyed_on_chunk_set(tmp_path: Path) -> None:
    emb = FakeEmbedder()
    s = sha("d")
    with Index(tmp_path / "ix", SETTINGS) as index:
        index.add_document({"sha256": s, "title": "D"}, [make_chunk("alpha beta", s)], emb)
        index.lexical()
        key1 = chunk_set_key(index.complete_chunk_ids())
        assert [p.name for p in (tmp_path / "ix" / "bm25").iterdir()] == [key1]
        index.add_document(
            {"sha256": s, "title": "D"},
            [make_chunk("alpha beta", s), make_chunk("gamma delta", s)],
            emb,
        )
        assert search(index, "gamma", embedder=None, mode="bm25")[0].chunk.text == "gamma delta"
        key2 = chunk_set_key(index.complete_chunk_ids())
        assert key2 != key1
        # the previous set's cache is kept as a spare (readers mid-switch still use it)
        assert sorted(p.name for p in (tmp_path / "ix" / "bm25").iterdir()) == sorted([key1, key2])


def test_numpy_scorer_matches_bm25s() -> None:
    import bm25s
    import numpy as np

    texts = [
        "Road pricing in Singapore charges drivers by time and place.",
        "Pricing roads reduced congestion; drivers paid more at peak times.",
        "Tax reform in Estonia: a flat tax on income.",
        "The the the.",
        "Congestion, congestion everywhere: road road road.",
    ]
    ids = [f"c{i}" for i in range(len(texts))]
    lex = LexicalIndex.build(ids, texts)
    ref = bm25s.BM25(method="lucene")
    ref.index(tokenize(texts), show_progress=False)
    for q in ["road pricing drivers", "congestion congestion", "estonia tax", "unknown words"]:
        terms = [t for t in tokenize([q])[0] if t in ref.vocab_dict]
        want = ref.get_scores(terms) if terms else np.zeros(len(texts))
        assert np.allclose(lex.scores(q), want, atol=1e-6), q


def test_snapshot_and_chroma_dense_agree_on_chunks_without_sentences(corpus) -> None:
    index, emb, _, _ = corpus
    for q in ["traffic", "flat tax", "bus rapid transit Bogotá", "residents consulted"]:
        a = search(index, q, 6, embedder=emb, mode="dense", dense_backend="snapshot")
        b = search(index, q, 6, embedder=emb, mode="dense", dense_backend="chroma")
        # the fake embedder makes exact ties, which the two backends may order differently
        assert [h.score for h in a] == pytest.approx([h.score for h in b], abs=1e-5)
        assert {h.chunk.id: h.score for h in a} == pytest.approx(
            {h.chunk.id: h.score for h in b}, abs=1e-5
        )


def test_cold_reader_imports_neither_chromadb_nor_bm25s(tmp_path: Path) -> None:
    import subprocess
    import sys

    s = sha("d")
    with Index(tmp_path / "ix", SETTINGS) as index:
        chunks = [make_chunk(f"text number {i} about road pricing", s) for i in range(5)]
        index.add_document({"sha256": s, "title": "D"}, chunks, FakeEmbedder())
        index.warm()
    code = (
        "import sys; from pathlib import Path; from index.store import Index; "
        "from index.retrieve import search; from index.testing import FakeEmbedder; "
        f"ix = Index(Path({str(tmp_path / 'ix')!r}), None, readonly=True); "
        "hits = search(ix, 'road pricing', 3, embedder=FakeEmbedder()); assert len(hits) == 3; "
        "bad = [m for m in ('chromadb', 'bm25s', 'scipy', 'torch') if m in sys.modules]; "
        "assert not bad, bad"
    )
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root, timeout=60)
    # A snapshot cached by an older casebook (no sentence rows) is rebuilt from the
    # cached chunk vectors, still without chromadb.
    for old in (tmp_path / "ix" / "vectors").glob("*/owner.npy"):
        old.unlink()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root, timeout=60)
    assert list((tmp_path / "ix" / "vectors").glob("*/owner.npy"))


def test_numpy_build_matches_bm25s_on_the_real_casebook(casebook_chunks) -> None:
    import bm25s
    import numpy as np

    texts = [c.embed_text for c in casebook_chunks]
    lex = LexicalIndex.build([c.id for c in casebook_chunks], texts)
    ref = bm25s.BM25(method="lucene")
    ref.index(tokenize(texts), show_progress=False)
    for q in [
        "public rental housing stock",
        "digital IDs issued",
        "unemployment rate 2021",
        "care system women unpaid work",
        "mission-oriented investment bank Scotland",
    ]:
        terms = [t for t in tokenize([q])[0] if t in ref.vocab_dict]
        assert np.allclose(lex.scores(q), ref.get_scores(terms), atol=1e-5), q
