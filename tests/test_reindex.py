"""New editions on the real casebook and model (issue #6): rev2 after the 2024 edition.

Ground truth is ``moin-casebook-2024-rev2.changes.json`` (six changed figures, one
removed and one added paragraph). The base index is the session's ``real_index``;
each scenario works on a copy of it (the ONNX model folder is linked, not copied).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from index.ingest import index_settings, ingest
from index.store import CRASH_ENV, Index
from qa.engine import Engine
from tests.conftest import CORPUS, ROOT, need_shared

REV2 = CORPUS / "moin-casebook-2024-rev2.pdf"
CHANGES = CORPUS / "moin-casebook-2024-rev2.changes.json"
BASE_SHA = "bc34d6751d3db72e7fc07817a2a8841be5e34c1b169952e5f454b923de82ced0"

# One question per changed figure (keyed by the change's case_id).
QUESTIONS = {
    "snib": "Up to now, what total has the Bank invested in mission projects?",
    "a2i": "How many IDs in digital form were issued in Bangladesh since a2i began?",
    "pes": "By December 2023, the PES had given work and livelihood chances to how many "
    "participants?",
    "gla": "What amount in match funding has the High Streets Challenge brought in?",
    "bogota": "How many services to caregivers has the Care System given so far?",
    "barcelona": "What did the municipal housing stock in Barcelona increase to by the end "
    "of 2022?",
}


def changes() -> list[dict]:
    need_shared()
    return json.loads(CHANGES.read_text())["changes"]


def figures() -> dict[str, tuple[str, str]]:
    """case_id -> (old figure, new figure): the words that differ between the values."""
    out = {}
    for c in changes():
        if c["type"] == "figure_changed":
            old, new = c["old_value"].split(), c["new_value"].split()
            (o,) = [w for w in old if w not in new]
            (n,) = [w for w in new if w not in old]
            out[c["case_id"]] = (o, n)
    return out


def copy_index(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns("models"))
    if (src / "models").is_dir():
        (dest / "models").symlink_to((src / "models").resolve(), target_is_directory=True)
    return dest


def cli(*args: str, crash_at: str | None = None, timeout: float = 240) -> subprocess.Popen:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env.pop(CRASH_ENV, None)
    if crash_at:
        env[CRASH_ENV] = crash_at
    return subprocess.Popen(
        [sys.executable, "-m", "casebook.cli", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def current_sha(index_dir: Path) -> str:
    with Index(index_dir, index_settings(), readonly=True) as index:
        (doc,) = index.documents()
        return doc["sha256"]


def answers_from_base(index_dir: Path) -> None:
    """The index answers the figure questions from the 2024 edition only."""
    figs = figures()
    with Engine.open(index_dir) as engine:
        for case_id in ("snib", "barcelona"):
            a = engine.ask(QUESTIONS[case_id])
            assert not a.abstained and figs[case_id][0] in a.answer, (case_id, a.answer)
            assert {c.sha256 for c in a.citations} == {BASE_SHA}
            assert {h.chunk.doc_sha256 for h in a.hits} == {BASE_SHA}


@pytest.fixture(scope="module")
def rev2_index(real_index, tmp_path_factory) -> tuple[Path, list, float]:
    """The base index plus rev2, ingested in-process once for the module."""
    need_shared()
    idx = copy_index(real_index, tmp_path_factory.mktemp("rev2") / "idx")
    t0 = time.perf_counter()
    reports = ingest([REV2], idx)
    return idx, reports, time.perf_counter() - t0


# ------------------------------------------------------------------ incremental + editions


def test_rev2_is_a_new_edition_and_embeds_only_changed_chunks(rev2_index) -> None:
    idx, (r,), _seconds = rev2_index
    assert r.status == "ingested", r.errors
    assert r.previous == BASE_SHA and r.edition == "Revised edition"
    assert r.embedded <= 0.10 * r.chunks and r.embedded + r.reused == r.chunks
    assert r.entities_reused > 10 * r.entities_extracted
    with Index(idx, index_settings(), readonly=True) as index:
        (series,) = index.series()
        assert [d["label"] for d in series["editions"]] == ["ed. 1", "Revised edition"]
        assert series["current"] == r.sha256
        assert [d["sha256"] for d in index.documents()] == [r.sha256]


def test_ask_gives_new_figures_and_old_ones_with_edition(rev2_index) -> None:
    idx, (r,), _ = rev2_index
    figs = figures()
    assert set(figs) == set(QUESTIONS)
    for editions, sha, pick in ((None, r.sha256, 1), (["ed. 1"], BASE_SHA, 0)):
        with Engine.open(idx, editions=editions) as engine:
            for case_id, question in QUESTIONS.items():
                a = engine.ask(question)
                want, other = figs[case_id][pick], figs[case_id][1 - pick]
                assert not a.abstained, (editions, question)
                assert want in a.answer and other not in a.answer, (editions, a.answer)
                assert {c.sha256 for c in a.citations} == {sha}, (editions, question)
                assert {h.chunk.doc_sha256 for h in a.hits} == {sha}


def test_diff_lists_exactly_the_known_edits(rev2_index) -> None:
    idx, _, _ = rev2_index
    proc = cli("diff", "--index", str(idx), "--json")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    d = json.loads(out)
    assert d["from"]["sha256"] == BASE_SHA and d["to"]["label"] == "Revised edition"
    figs = [c for c in changes() if c["type"] == "figure_changed"]
    facts = d["changed_facts"]
    assert len(facts) == len(figs) == 6
    for c in figs:
        (f,) = [f for f in facts if f["old"]["sentence"] == c["old_sentence"]]
        assert f["new"]["sentence"] == c["new_sentence"]
        assert f["old"]["text"] in c["old_value"] and f["new"]["text"] in c["new_value"]
        assert f["old"]["value"] != f["new"]["value"]
        assert f["type"] in ("amount", "number") and f["case"] and f["section"]
        assert str(c["base_pages"][-1]) == f["old"]["page_label"]
        assert int(f["new"]["page_label"]) in c["rev2_pages"]
    changed = d["passages"]["changed"]
    assert sorted(p["new"]["text"] for p in changed) == sorted(c["new_sentence"] for c in figs)
    assert all(p["old"]["page_labels"] and p["new"]["page_labels"] for p in changed)
    (removed,) = d["passages"]["removed"]
    (gone,) = [c for c in changes() if c["type"] == "paragraph_removed"]
    assert removed["old"]["text"] == gone["text"] and removed["new"] is None
    assert removed["old"]["page_labels"] == [str(p) for p in gone["base_pages"]]
    (added,) = d["passages"]["added"]
    (new,) = [c for c in changes() if c["type"] == "paragraph_added"]
    assert added["new"]["text"] == new["text"] and added["old"] is None


def test_reopen_after_ingest_gives_same_results(rev2_index, tmp_path) -> None:
    """Chroma keeps recent writes in its WAL: a fresh process must read them back."""
    idx, _, _ = rev2_index
    with Engine.open(idx) as engine:
        before = [(h.chunk.id, round(h.score, 5)) for h in engine.search(QUESTIONS["gla"])]
    copy = copy_index(idx, tmp_path / "reopened")
    shutil.rmtree(copy / "vectors")  # force the vector snapshot to be rebuilt from chroma
    shutil.rmtree(copy / "bm25")
    with Engine.open(copy) as engine:
        after = [(h.chunk.id, round(h.score, 5)) for h in engine.search(QUESTIONS["gla"])]
        from index.retrieve import search

        q = engine.embedder
        from index.retrieve import RRF_FUSION

        # chroma's HNSW list fuses by RRF (the linear fusion needs every chunk's score):
        # compare it with the snapshot's RRF, so only where the vectors come from differs
        hnsw = search(engine.index, QUESTIONS["gla"], 10, embedder=q, dense_backend="chroma")
        snap = search(engine.index, QUESTIONS["gla"], 10, embedder=q, fusion=RRF_FUSION)
    assert after == before
    assert [h.chunk.id for h in hnsw][:3] == [h.chunk.id for h in snap][:3]


# ------------------------------------------------------------------ atomicity


def _kill_and_rerun(real_index: Path, dest: Path, point: str) -> None:
    idx = copy_index(real_index, dest)
    proc = cli("ingest", str(REV2), "--index", str(idx), "--json", crash_at=point)
    _, err = proc.communicate(timeout=240)
    assert proc.returncode == -9, (point, proc.returncode, err[-2000:])
    answers_from_base(idx)
    assert current_sha(idx) == BASE_SHA
    proc = cli("ingest", str(REV2), "--index", str(idx), "--json")
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, err[-2000:]
    (r,) = json.loads(out)["documents"]
    assert r["status"] == "ingested" and r["embedded"] == 0  # the killed run's vectors reused
    assert current_sha(idx) == r["sha256"] != BASE_SHA


def test_kill_before_commit_keeps_old_edition_and_rerun_completes(real_index, tmp_path) -> None:
    need_shared()
    _kill_and_rerun(real_index, tmp_path / "idx", "after_caches")


@pytest.mark.slow
@pytest.mark.parametrize("point", ["before_vectors", "after_vectors"])
def test_kill_at_other_points(real_index, tmp_path, point) -> None:
    need_shared()
    idx = tmp_path / "idx"
    if point == "before_vectors":
        # nothing written yet: the re-run embeds again, so only check the answers/switch
        idx = copy_index(real_index, idx)
        proc = cli("ingest", str(REV2), "--index", str(idx), crash_at=point)
        proc.communicate(timeout=240)
        assert proc.returncode == -9
        answers_from_base(idx)
        proc = cli("ingest", str(REV2), "--index", str(idx))
        proc.communicate(timeout=240)
        assert proc.returncode == 0 and current_sha(idx) != BASE_SHA
    else:
        _kill_and_rerun(real_index, idx, point)


@pytest.mark.slow
def test_kill_after_commit_is_already_switched(real_index, tmp_path) -> None:
    need_shared()
    idx = copy_index(real_index, tmp_path / "idx")
    proc = cli("ingest", str(REV2), "--index", str(idx), crash_at="after_commit")
    proc.communicate(timeout=240)
    assert proc.returncode == -9
    new = current_sha(idx)
    assert new != BASE_SHA
    with Engine.open(idx) as engine:
        a = engine.ask(QUESTIONS["snib"])
        assert "£845" in a.answer and {c.sha256 for c in a.citations} == {new}
    proc = cli("ingest", str(REV2), "--index", str(idx), "--json")
    out, _ = proc.communicate(timeout=240)
    assert json.loads(out)["documents"][0]["status"] == "unchanged"


@pytest.mark.slow
@pytest.mark.parametrize("delay", [1.5, 3.0, 4.5])
def test_kill_after_a_delay(real_index, tmp_path, delay) -> None:
    """Untargeted kills: wherever the ingest is, the old edition must still answer."""
    need_shared()
    idx = copy_index(real_index, tmp_path / "idx")
    proc = cli("ingest", str(REV2), "--index", str(idx))
    time.sleep(delay)
    proc.kill()
    proc.communicate(timeout=60)
    sha = current_sha(idx)
    if sha == BASE_SHA:
        answers_from_base(idx)
    proc = cli("ingest", str(REV2), "--index", str(idx))
    proc.communicate(timeout=240)
    assert proc.returncode == 0 and current_sha(idx) != BASE_SHA


_ASK_LOOP = """
import json, sys, time
from pathlib import Path
from qa.engine import Engine
idx, stop, question = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
embedder = None
while True:
    last = stop.exists()
    with Engine.open(idx) as engine:   # a fresh open each time, like separate `ask` runs
        if embedder is not None:
            engine._embedder = embedder
        a = engine.ask(question)
        embedder = engine.embedder
    print(json.dumps({"answer": a.answer, "sha": sorted({c.sha256 for c in a.citations})}),
          flush=True)
    if last:
        break
"""


def test_ask_loop_during_ingest_never_fails_or_comes_back_empty(real_index, tmp_path) -> None:
    need_shared()
    idx = copy_index(real_index, tmp_path / "idx")
    stop = tmp_path / "stop"
    asker = subprocess.Popen(
        [sys.executable, "-c", _ASK_LOOP, str(idx), str(stop), QUESTIONS["snib"]],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ingester = cli("ingest", str(REV2), "--index", str(idx))
        _, err = ingester.communicate(timeout=240)
        assert ingester.returncode == 0, err[-2000:]
    finally:
        stop.touch()
    out, err = asker.communicate(timeout=120)
    assert asker.returncode == 0, err[-3000:]
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) >= 3
    for row in rows:
        assert row["answer"] and len(row["sha"]) == 1, row
        assert ("£662" in row["answer"]) == (row["sha"] == [BASE_SHA]), row
    assert rows[-1]["sha"] != [BASE_SHA] and "£845" in rows[-1]["answer"]
