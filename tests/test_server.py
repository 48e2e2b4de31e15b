"""The index on a real Chroma server (issue #7): same answers as the local folder, two
machines agree, editions and diff work, and a bad server fails cleanly.

A ``chroma run`` process is started on a free loopback port (``tests/conftest.py``); the
bundled casebook is ingested into it once with the real model. The edition and
failure tests use the fake embedder on a second, scratch server wiped before each test.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from casebook.cli import main
from index.backend import open_index
from index.diff import diff_editions, pick_editions
from index.ingest import index_settings
from index.lease import ENV_LEASE_SECONDS
from index.retrieve import search
from index.server import ServerBackend, cache_dir, normalise_url, parse_url
from index.store import (
    CRASH_ENV,
    EmptyServerIndex,
    Index,
    IndexSettingsMismatch,
    ServerError,
)
from index.testing import FakeEmbedder, make_chunk, money_entities, sha
from tests.conftest import CASEBOOK, ROOT, ChromaServer

SETTINGS = index_settings()  # what the CLI opens with; the fake embedder takes its name
QUESTIONS = [
    "Up to now, what total has the Bank invested in mission projects?",
    "When was the LPB in London formed?",
    "Barcelona's challenge is to reach what percentage in public rental housing?",
    "How many IDs in digital form were issued in Bangladesh since a2i began?",
    "How many goals did Pele score?",
]


def cli(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env)


# --- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_server(chroma_server, real_index, tmp_path_factory) -> tuple[str, Path]:
    """The bundled casebook ingested into the session server from "machine A"."""
    from index.ingest import ingest

    machine_a = tmp_path_factory.mktemp("machine-a")
    if (real_index / "models").is_dir():  # the ONNX query model: exported once per session
        shutil.copytree(real_index / "models", machine_a / "models")
    reports = ingest([CASEBOOK], machine_a, chroma_url=chroma_server.url)
    assert [r.status for r in reports] == ["ingested"], reports
    return chroma_server.url, machine_a


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    server = ChromaServer(tmp_path_factory.mktemp("chroma-scratch") / "db").start()
    yield server
    server.stop()


@pytest.fixture
def url(scratch) -> str:
    """An empty server for this test."""
    if not scratch.alive():
        scratch.stop()
        scratch.start()
    scratch.wipe()
    return scratch.url


def doc(title: str, texts: list[str], case: str = "Case A") -> tuple[dict, list]:
    s = sha(title)
    meta = {"sha256": s, "title": title, "pages": 3, "outline": {"title": title}, "note": "x"}
    return meta, [make_chunk(t, s, document=title, case=case, start=i) for i, t in enumerate(texts)]


def sentences(c) -> list[tuple[int, int, str]]:
    return [(0, len(c.text), c.text)]


BASE = [
    "The Bank has committed a total of £662 million to its missions.",
    "Estonia introduced a flat income tax in 1994.",
    "Rwanda cut maternal mortality with community health workers.",
]
REV = [BASE[0].replace("662", "845"), *BASE[1:], "Update: the city approved £210 million more."]
OTHER = ["Singapore prices road use with electronic congestion charges."]


def add(index: Index, title: str, texts: list[str], **kw) -> dict:
    meta, chunks = doc(title, texts)
    return index.add_document(
        meta, chunks, emb(), sentences=sentences, entities=money_entities(chunks), **kw
    )


def state(index: Index) -> dict:
    """What a reader can see, in comparable form."""
    docs = index.documents()
    return {
        "series": [
            (s["name"], s["current"], [(d["sha256"], d["label"]) for d in s["editions"]])
            for s in index.series()
        ],
        "documents": [(d["sha256"], d["title"], d["outline"], d["note"]) for d in docs],
        "chunks": index.chunks(),
        "entities": [e.to_dict() for e in index.entities()],
        "sentences": sorted(index.sentence_vectors([*BASE, *REV, *OTHER])),
        "search": [(h.chunk.id, h.score) for h in search(index, "income tax", 3, embedder=emb())],
    }


def emb() -> FakeEmbedder:
    return FakeEmbedder(dim=SETTINGS["dim"], name=SETTINGS["model"])


# --- the real casebook: same answers as the local folder, on two machines ---------------------


def test_server_answers_equal_local_folder_and_a_second_machine(real_server, real_index, tmp_path):
    from qa.engine import Engine

    server, machine_a = real_server
    with Engine.open(real_index) as local:
        want = [local.ask(q).to_dict() for q in QUESTIONS]
    for machine in (machine_a, tmp_path / "machine-b"):  # B: a fresh cache, synced on open
        with Engine.open(machine, chroma_url=server) as eng:
            assert isinstance(eng.index.backend, ServerBackend)
            assert [eng.ask(q).to_dict() for q in QUESTIONS] == want
    first = want[0]
    assert "£662 million" in first["answer"] and first["citations"][0]["page_label"] == "18"
    assert want[-1]["abstained"]


def test_cli_commands_against_the_server_match_the_local_folder(real_server, real_index, tmp_path):
    server, _ = real_server
    env = {"CASEBOOK_CHROMA_URL": server}  # the env var works like --chroma-url
    machine_c = str(tmp_path / "machine-c")
    res = cli("ask", QUESTIONS[0], "--index", machine_c, "--json", env=env)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert "662" in out["answer"] and out["citations"][0]["page_label"] == "18"
    for args in (
        ["search", "public rental housing stock", "--json", "--k", "5"],
        ["search", "housing", "--case", "barcelona", "--retrieval", "bm25", "--json"],
        ["cases", "--json"],
        ["entities", "--type", "amount", "--currency", "GBP", "--min", "500m", "--json"],
        ["diff", "--json"],  # one edition only: the same one-line error both ways
    ):
        local = cli(*args, "--index", str(real_index))
        remote = cli(*args, "--index", machine_c, "--chroma-url", server)
        assert (remote.exit_code, remote.stdout) == (local.exit_code, local.stdout), args
        assert remote.stderr == local.stderr
    eds = json.loads(cli("editions", "--json", "--index", machine_c, env=env).stdout)
    (series,) = eds["series"]
    assert len(series["editions"]) == 1 and series["editions"][0]["current"]
    again = cli("ingest", str(CASEBOOK), "--index", machine_c, "--json", env=env)
    assert json.loads(again.stdout)["documents"][0]["status"] == "unchanged"


def test_eval_runs_against_the_server(real_server, real_index, tmp_path):
    server, machine_a = real_server
    gold = tmp_path / "gold.jsonl"
    lines = (ROOT / "eval" / "gold" / "dev-qa.jsonl").read_text().splitlines()
    gold.write_text("\n".join(lines[:4]) + "\n")
    runs = [
        cli("eval", str(gold), "--json", "--index", str(real_index)),
        cli("eval", str(gold), "--json", "--index", str(machine_a), "--chroma-url", server),
    ]
    assert [r.exit_code for r in runs] == [0, 0], runs[1].output
    local, remote = (_no_latency(json.loads(r.stdout)) for r in runs)
    assert remote == local


def _no_latency(x):
    """Metrics without timings (which differ run to run)."""
    if isinstance(x, dict):
        return {k: _no_latency(v) for k, v in x.items() if "latency" not in k and k != "ms"}
    if isinstance(x, list):
        return [_no_latency(v) for v in x]
    return x


# --- editions, diff and remove through the server (fake embedder) ---------------------------


def test_editions_diff_and_remove_are_shared_through_the_server(url, tmp_path):
    a = open_index(tmp_path / "a", SETTINGS, chroma_url=url)
    add(a, "Casebook 2020", BASE)
    add(a, "Casebook 2020 — Revised edition", REV, series="Casebook 2020", edition_label="rev")
    add(a, "Road pricing", OTHER)
    with open_index(tmp_path / "b", SETTINGS, chroma_url=url, readonly=True) as b:
        assert state(b) == state(a)
        (s,) = [s for s in b.series() if s["name"] == "Casebook 2020"]
        assert [d["label"] for d in s["editions"]] == ["ed. 1", "rev"]
        assert s["current"] == sha("Casebook 2020 — Revised edition")
        _, old, new = pick_editions(b, "Casebook 2020", None, None)
        d_b = diff_editions(b, old, new)
        assert d_b == diff_editions(a, *pick_editions(a, "Casebook 2020", None, None)[1:])
        assert [(f["old"]["text"], f["new"]["text"]) for f in d_b["changed_facts"]] == [
            ("£662 million", "£845 million")
        ]
        b.set_editions([sha("Casebook 2020")[:8]])  # an older edition is still readable
        assert "£662 million" in " ".join(c.text for c in b.chunks())
    a.remove_editions([sha("Casebook 2020 — Revised edition")])
    with open_index(tmp_path / "b", SETTINGS, chroma_url=url, readonly=True) as b:
        assert state(b) == state(a)
        assert b.get_document(sha("Casebook 2020 — Revised edition")) is None
        assert {d["title"] for d in b.documents()} == {"Casebook 2020", "Road pricing"}
    rev = sha("Casebook 2020 — Revised edition")
    assert a.backend.remote.record_ids(rev) == []  # its record went with it, and its vectors:
    assert a.collection.get(where={"doc_sha256": rev}, include=[])["ids"] == []
    a.close()


def test_replaced_entities_reach_other_machines_and_keep_the_edition(url, tmp_path):
    a = open_index(tmp_path / "a", SETTINGS, chroma_url=url)
    add(a, "Casebook 2020", BASE)
    doc = sha("Casebook 2020")
    (one,) = [e for e in a.entities() if "662" in e.text]
    a.replace_entities(doc, [one], {"extractor": 99})
    with open_index(tmp_path / "b", SETTINGS, chroma_url=url, readonly=True) as b:
        assert state(b) == state(a)
        assert [e.text for e in b.entities()] == [one.text]
        assert b.get_document(doc)["extractor"] == 99
    assert len(a.backend.remote.record_ids(doc)) == 1  # the replaced record was collected
    a.close()


def test_cli_editions_diff_and_remove_with_chroma_url(url, tmp_path):
    with open_index(tmp_path / "a", SETTINGS, chroma_url=url) as a:
        add(a, "Casebook 2020", BASE)
        add(a, "Casebook 2020 — Revised edition", REV, series="Casebook 2020")
    b = ["--index", str(tmp_path / "b"), "--chroma-url", url]
    eds = json.loads(cli("editions", "--json", *b).stdout)["series"]
    assert [(d["label"], d["current"]) for d in eds[0]["editions"]] == [
        ("ed. 1", False),
        ("ed. 2", True),
    ]
    diff = json.loads(cli("diff", "--json", *b).stdout)
    assert [f["new"]["text"] for f in diff["changed_facts"]] == ["£845 million"]
    res = cli("remove", "ed. 2", "--yes", *b)
    assert res.exit_code == 0, res.output
    with open_index(tmp_path / "a", SETTINGS, chroma_url=url, readonly=True) as a:
        ((label, current),) = [(d["label"], d["current"]) for d in a.documents(all_editions=True)]
        assert (label, current) == ("ed. 1", True)


def test_cli_refuses_an_index_built_with_another_model(url, tmp_path):
    with open_index(tmp_path / "a", {**SETTINGS, "model": "fake-hash-64"}, chroma_url=url):
        pass
    res = cli("editions", "--index", str(tmp_path / "b"), "--chroma-url", url)
    assert res.exit_code == 2 and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert "other settings" in res.stderr and "fake-hash-64" in res.stderr and url in res.stderr


def test_a_stale_cache_catches_up_and_an_emptied_server_empties_it(url, scratch, tmp_path):
    with open_index(tmp_path / "a", SETTINGS, chroma_url=url) as a:
        add(a, "Casebook 2020", BASE)
    b = open_index(tmp_path / "b", SETTINGS, chroma_url=url, readonly=True)
    assert len(b.documents()) == 1 and not b.sync()  # nothing new: no refetch
    b.close()
    with open_index(tmp_path / "a", SETTINGS, chroma_url=url) as a:
        add(a, "Road pricing", OTHER)
    with open_index(tmp_path / "b", SETTINGS, chroma_url=url, readonly=True) as b:
        assert len(b.documents()) == 2
    scratch.wipe()
    with open_index(tmp_path / "a", SETTINGS, chroma_url=url) as a:  # a new, empty index
        assert a.documents() == [] and a.chunks() == []
        assert a.lexical().search("income", 3) == []


# --- bad servers ----------------------------------------------------------------------------


def test_wrong_or_malformed_url_is_a_one_line_error(tmp_path):
    for bad, words in (
        ("http://127.0.0.1:9", "cannot reach the Chroma server at http://127.0.0.1:9"),
        ("127.0.0.1:8000", "not a Chroma server URL"),
        ("http://127.0.0.1:8000/some/path", "not a Chroma server URL"),
    ):
        for args in (["ask", "anything?"], ["ingest", str(CASEBOOK)])[: 2 if ":9" in bad else 1]:
            res = cli(*args, "--index", str(tmp_path / "i"), "--chroma-url", bad)
            assert res.exit_code == 2, (args, res.output)
            assert "Traceback" not in res.stderr and words in res.stderr
            assert len(res.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "i" / "catalog.sqlite").exists()


def test_url_forms_and_cache_folders():
    assert parse_url("http://Example.org") == ("example.org", 8000, False)
    assert normalise_url("https://HOST:9000/") == "https://host:9000"
    a, b = cache_dir(Path("/x"), "http://h:1"), cache_dir(Path("/x"), "http://H:1/")
    assert a == b and a.parent == Path("/x/servers") and a != cache_dir(Path("/x"), "http://h:2")


def test_reader_of_an_empty_server_is_told_to_ingest(url, tmp_path):
    with pytest.raises(EmptyServerIndex, match="casebook ingest PATH --chroma-url"):
        open_index(tmp_path / "b", SETTINGS, chroma_url=url, readonly=True)
    res = cli("entities", "--index", str(tmp_path / "b"), "--chroma-url", url)
    assert res.exit_code == 2 and "has no casebook index" in res.stderr


def test_collection_built_with_another_model_is_refused(url, tmp_path):
    with open_index(tmp_path / "a", SETTINGS, chroma_url=url) as a:
        add(a, "Casebook 2020", BASE)
    other = {**SETTINGS, "model": "another-model"}
    for readonly in (True, False):
        with pytest.raises(IndexSettingsMismatch, match="another-model"):
            open_index(tmp_path / "b", other, chroma_url=url, readonly=readonly)
    with open_index(tmp_path / "b", SETTINGS, chroma_url=url) as b:
        assert len(b.documents()) == 1  # the refused opens wrote nothing


def test_server_killed_mid_ingest_leaves_the_old_state(tmp_path, monkeypatch):
    server = ChromaServer(tmp_path / "db").start()
    try:
        a = open_index(tmp_path / "a", SETTINGS, chroma_url=server.url)
        add(a, "Casebook 2020", BASE)
        before = state(a)
        real_upsert = Index._upsert_vectors

        def upsert_then_die(self, *args, **kw):
            real_upsert(self, *args, **kw)  # the new vectors reach the server ...
            server.kill()  # ... and then it dies

        monkeypatch.setattr(Index, "_upsert_vectors", upsert_then_die)
        with pytest.raises(ServerError, match=r"cannot reach|broke"):
            add(a, "Road pricing", OTHER)
        monkeypatch.undo()
        a.close()
        server.start()  # the same folder and port
        for machine in ("a", "b"):
            with open_index(tmp_path / machine, SETTINGS, chroma_url=server.url) as ix:
                assert state(ix) == before
        with open_index(tmp_path / "a", SETTINGS, chroma_url=server.url) as a:
            assert add(a, "Road pricing", OTHER)["embedded"] == 0  # the orphans are reused
            assert len(a.documents()) == 2
        server.kill()
        res = cli("editions", "--index", str(tmp_path / "b"), "--chroma-url", server.url)
        assert res.exit_code == 2 and "cannot reach the Chroma server" in res.stderr
        assert len(res.stderr.strip().splitlines()) == 1
    finally:
        server.stop()


_CRASHING_WRITER = """
import sys
sys.path.insert(0, {root!r})
from tests.test_server import SETTINGS, add
from index.backend import open_index
with open_index({cache!r}, SETTINGS, chroma_url={url!r}) as ix:
    add(ix, "Road pricing", {texts!r})
"""


def test_client_killed_before_the_head_leaves_the_old_state(url, tmp_path):
    with open_index(tmp_path / "a", SETTINGS, chroma_url=url) as a:
        add(a, "Casebook 2020", BASE)
        before = state(a)
    script = _CRASHING_WRITER.format(
        root=str(ROOT), cache=str(tmp_path / "a"), url=url, texts=OTHER
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, CRASH_ENV: "before_head", ENV_LEASE_SECONDS: "2"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == -9, proc.stderr  # SIGKILLed with the record written, no head
    road = sha("Road pricing")
    with open_index(tmp_path / "b", SETTINGS, chroma_url=url) as b:
        assert state(b) == before
        assert len(b.backend.remote.record_ids(road)) == 1  # an orphan nobody reads
    with open_index(tmp_path / "a", SETTINGS, chroma_url=url) as a:  # the writer's own cache
        assert state(a) == before
        assert add(a, "Road pricing", OTHER)["embedded"] == 0
        (committed,) = a.backend.remote.record_ids(road)  # the retry's record; the orphan is gone
        head = a.backend.remote.read_head()
        assert head["generation"] == 2 and committed in {d[5] for d in head["documents"]}


def test_a_second_writer_on_a_stale_state_rebases_instead_of_failing(url, tmp_path):
    a = open_index(tmp_path / "a", SETTINGS, chroma_url=url)
    b = open_index(tmp_path / "b", SETTINGS, chroma_url=url)
    try:
        add(a, "Casebook 2020", BASE)
        counts = add(b, "Road pricing", OTHER)  # b opened before a's commit: it rebases
        assert counts["embedded"] == len(OTHER)
        assert {d["title"] for d in b.documents()} == {"Casebook 2020", "Road pricing"}
        head = b.backend.remote.read_head()
        assert head["generation"] == 2 and len(head["documents"]) == 2
        with open_index(tmp_path / "c", SETTINGS, chroma_url=url, readonly=True) as c:
            assert state(c) == state(b)
    finally:
        a.close()
        b.close()


_READER = """
import sys
sys.path.insert(0, {root!r})
from tests.test_server import SETTINGS
from index.backend import open_index
with open_index({cache!r}, SETTINGS, chroma_url={url!r}, readonly=True) as ix:
    n = len(ix.documents())
    ix.lexical()
print(n, "chromadb" in sys.modules)
"""


def test_a_reader_with_a_current_cache_does_not_load_the_chroma_client(url, tmp_path):
    with open_index(tmp_path / "a", SETTINGS, chroma_url=url) as a:
        add(a, "Casebook 2020", BASE)
    script = _READER.format(root=str(ROOT), cache=str(tmp_path / "b"), url=url)
    runs = [
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
        for _ in range(2)
    ]
    assert [r.stdout.split() for r in runs] == [["1", "True"], ["1", "False"]], runs[0].stderr
