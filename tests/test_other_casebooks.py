"""Two casebooks of other publishers and series, never developed on, read end to end.

``eval/casebooks/`` holds three fictional casebooks (four cases each, other topics, places,
currencies, headings and typesettings than the bundled one), each written with its manifest,
question set and entity gold by an agent that saw neither the code nor the other sets
(``eval/gold/README.md``). ``public-value`` was read question by question for kinds of
failure (a studied set); ``long-goal`` and ``delivering-difficult`` (the final measure of
session 9) are measured in aggregate only. Floors sit a few points
under what was measured when they were set (README, "Quality").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.score_structure import score_pdf
from eval.run import run_eval
from tests.conftest import ROOT

BOOKS = ROOT / "eval" / "casebooks"
GOLD = ROOT / "eval" / "gold"
CASEBOOKS = {
    "public-value": BOOKS / "public-value-2025.pdf",
    "long-goal": BOOKS / "long-goal-2025.pdf",
    "delivering-difficult": BOOKS / "delivering-difficult-2025.pdf",
}
_KEYS = ("recall@5", "mrr@10", "answer_accuracy", "abstention_recall")
FLOORS = {
    "public-value": dict(zip(_KEYS, (0.93, 0.78, 0.62, 0.35), strict=True)),
    "long-goal": dict(zip(_KEYS, (0.93, 0.78, 0.60, 0.25), strict=True)),
    "delivering-difficult": dict(zip(_KEYS, (0.87, 0.72, 0.57, 0.45), strict=True)),
}
CEILING = {"answerable_abstained": 0.12}


@pytest.mark.parametrize("name", list(CASEBOOKS))
def test_structure_of_a_casebook_never_developed_on(name):
    """Its cases, sections, printed page labels and authors, against its manifest."""
    s = score_pdf(CASEBOOKS[name])
    assert s["cases_exact"] == s["cases_true"] == s["cases_found"] == 4, s
    assert s["section_recall"] >= 0.95 and s["section_precision"] >= 0.95, s
    assert s["labels_exact"] == s["labels_total"], s
    assert len(s["chunk_pieces_off_page"]) <= 0.01 * s["chunk_pieces"], s
    # delivering-difficult names two of its six authors only in an "About the authors"
    # paragraph at the case's end, in a form the byline rules miss (measured, not tuned on)
    assert s["authors_found"] >= 0.6 * s["authors_total"] and not s["authors_extra"], s


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory):
    """Each casebook ingested into its own index with the real models."""
    from index.ingest import ingest
    from qa.engine import Engine

    out = {}
    for name, pdf in CASEBOOKS.items():
        path: Path = tmp_path_factory.mktemp(name) / "idx"
        assert [r.status for r in ingest([pdf], path)] == ["ingested"]
        out[name] = Engine.open(path)
    yield out
    for eng in out.values():
        eng.close()


@pytest.mark.parametrize("name", list(CASEBOOKS))
def test_questions_on_a_casebook_never_developed_on(engines, name):
    metrics = run_eval(GOLD / f"{name}-qa.jsonl", lambda q: engines[name].ask(q).to_dict())
    got = {k: metrics[k] for k in (*FLOORS[name], *CEILING)}
    assert all(got[k] >= floor for k, floor in FLOORS[name].items()), got
    assert all(got[k] <= ceiling for k, ceiling in CEILING.items()), got
    assert not metrics["problems"]


# Entity recall / precision floors for the two cases of each casebook its gold covers, a few
# points under the figures measured when they were set (README, "Entities").
ENTITY_FLOORS = {
    "public-value": {"amounts": (0.95, 0.95), "targets": (0.80, 0.75), "actors": (0.60, 0.85)},
    "long-goal": {"amounts": (0.95, 0.95), "targets": (0.80, 0.60), "actors": (0.70, 0.85)},
    # measured once, at the end of session 9; its amounts (0.62 then: the Namibian dollar's
    # "N$" read as US dollars) were read after that measure (README, "Entities")
    "delivering-difficult": {
        "amounts": (0.95, 0.95),
        "targets": (0.80, 0.40),
        "actors": (0.55, 0.75),
    },
}


@pytest.mark.parametrize("name", list(CASEBOOKS))
def test_entities_of_a_casebook_never_developed_on(engines, name):
    """Targets, money amounts and actors as the index stored them, against the gold."""
    from bench.bench_entities import part_lookup
    from eval.entities import load_gold, score_entities

    gold = load_gold(GOLD / f"{name}-entities.json")
    index = engines[name].index
    part_of, _ = part_lookup(list(index.chunks()), gold)
    ents = list(index.entities())
    scores = score_entities(ents, gold, lambda e: part_of.get(e.chunk_id))
    for etype, (recall, precision) in ENTITY_FLOORS[name].items():
        got = scores[etype]["all"]
        assert got["recall"] >= recall and got["precision"] >= precision, (etype, got)
