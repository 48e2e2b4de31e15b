"""Several writers and several indexes on one real Chroma server (issue #14).

Two ``casebook ingest`` processes with different PDFs start at random offsets against
the same server: both must end indexed and answering, and a reader polling meanwhile
must only ever see complete documents. A writer killed while it holds the write lease
must not block the next one beyond the lease's expiry; a writer that may not wait that
long fails with one line and writes nothing. Two named indexes on one server are
independent. A hung server fails each command within 30 s.

The PDFs are small invented casebooks rendered here with reportlab, so the ingests embed
with the exported ONNX model (no torch import per process) and a round costs seconds.
"""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from casebook.cli import main
from index.backend import open_index
from index.lease import ENV_LEASE_SECONDS, acquire
from index.remote import (
    CHUNKS,
    DEFAULT_INDEX,
    RECORDS,
    SENTENCES,
    Remote,
    index_collections,
    list_indexes,
    name_of_collection,
)
from index.server import cache_dir
from index.settings import index_settings
from index.store import CRASH_ENV
from index.testing import FakeEmbedder, make_chunk, sha
from tests.conftest import ROOT, ChromaServer

SETTINGS = index_settings()

# Two invented casebooks: distinct places, bodies and figures, so an answer shows which
# document it came from.
BOOKS = {
    "harbour": {
        "title": "Harbour Renewal Casebook",
        "cases": [
            (
                "Rebuilding the Eastport Waterfront",
                "Mira Tolland, Eastport Institute",
                [
                    (
                        "How the fund began",
                        "The Eastport Harbour Fund was set up in 2019 by the port authority "
                        "and the city council. By 2022 the fund had committed £48 million to "
                        "waterfront projects, most of it to repairing the old sea wall.",
                    ),
                    (
                        "What changed for residents",
                        "Ferry crossings to the outer islands doubled after the new pier "
                        "opened. The harbour master reported 310 new moorings for local "
                        "fishing boats within two seasons.",
                    ),
                ],
            ),
            (
                "Tidal Energy in Kessel Bay",
                "Oren Vale, Coastal Policy Lab",
                [
                    (
                        "The pilot",
                        "Kessel Bay tested four tidal turbines beside the breakwater. The "
                        "turbines supplied power to 1,900 households during the pilot year.",
                    )
                ],
            ),
        ],
    },
    "broadband": {
        "title": "Rural Connectivity Casebook",
        "cases": [
            (
                "Fibre for the Lowmoor Valleys",
                "Anneli Strand, Upland Research Centre",
                [
                    (
                        "The programme",
                        "The Lowmoor Broadband Board was founded in 2016 by eleven parish "
                        "councils. It connected 12,400 rural homes to fibre by 2023, paid for "
                        "by a community bond and a regional grant.",
                    ),
                    (
                        "Lessons",
                        "Volunteers surveyed every farm track before any digging started, "
                        "which cut the cost per connection to about £900.",
                    ),
                ],
            ),
            (
                "Mobile Libraries Online",
                "Teodor Marsh, Village Futures",
                [
                    (
                        "Vans with satellite links",
                        "Seven library vans carried satellite terminals to remote hamlets, "
                        "serving 5,300 visitors who had no home internet.",
                    )
                ],
            ),
        ],
    },
}
QUESTIONS = {  # a question per book whose answer only that book holds
    "harbour": ("How much had the Eastport Harbour Fund committed by 2022?", "48 million"),
    "broadband": ("How many rural homes did the Lowmoor Broadband Board connect?", "12,400"),
}


def render_book(key: str, dest: Path) -> Path:
    """A small casebook PDF: title page, then each case with a byline and bold headings."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

    book = BOOKS[key]
    title = ParagraphStyle("t", fontName="Helvetica-Bold", fontSize=24, leading=30)
    case = ParagraphStyle("c", fontName="Helvetica-Bold", fontSize=18, leading=24)
    byline = ParagraphStyle("b", fontName="Helvetica-Bold", fontSize=10, leading=14)
    head = ParagraphStyle("h", fontName="Helvetica-Bold", fontSize=13, leading=18)
    body = ParagraphStyle("p", fontName="Helvetica", fontSize=10, leading=14)
    story = [Paragraph(book["title"], title), Spacer(1, 20), PageBreak()]
    for case_title, author, sections in book["cases"]:
        story += [Paragraph(case_title, case), Spacer(1, 8), Paragraph(author, byline)]
        for heading, text in sections:
            story += [Spacer(1, 10), Paragraph(heading, head), Spacer(1, 4)]
            story += [Paragraph(text, body), Spacer(1, 4), Paragraph(text, body)]
        story.append(PageBreak())
    SimpleDocTemplate(str(dest), pagesize=A4, title=book["title"]).build(story)
    return dest


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, Path]:
    pytest.importorskip("reportlab")
    where = tmp_path_factory.mktemp("books")
    return {k: render_book(k, where / f"{k}.pdf") for k in BOOKS}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = ChromaServer(tmp_path_factory.mktemp("chroma-leases") / "db").start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def models(real_index) -> Path:
    """The ONNX model exported by the session's real ingest: small ingests embed with it."""
    return real_index / "models"


def machine(tmp_path: Path, name: str, models: Path) -> Path:
    """A fresh casebook folder for one "machine", holding the exported query model."""
    import shutil

    folder = tmp_path / name
    if models.is_dir() and not (folder / "models").exists():
        shutil.copytree(models, folder / "models")
    return folder


_INGEST = """
import sys, time
time.sleep(float(sys.argv[1]))
sys.path.insert(0, {root!r})
from casebook.cli import main
main(sys.argv[2:])
"""


def start_ingest(pdf: Path, folder: Path, url: str, name: str, delay: float, *extra: str):
    args = ["ingest", str(pdf), "--index", str(folder), "--chroma-url", url, "--json"]
    script = _INGEST.format(root=str(ROOT))
    return subprocess.Popen(
        [sys.executable, "-c", script, f"{delay:.3f}", *args, "--index-name", name, *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"},
    )


def cli(*args: str):
    return CliRunner().invoke(main, list(args))


def watch_complete(url: str, folder: Path, name: str, stop: threading.Event, seen: list) -> None:
    """Poll as a reader while writers run: every visible document must be whole."""
    while not stop.is_set():
        try:
            with open_index(folder, SETTINGS, chroma_url=url, readonly=True, index_name=name) as ix:
                docs = ix.documents()
                for d in docs:
                    assert d["chunks"] > 0 and len(ix.chunks(d["sha256"])) == d["chunks"], d
                seen.append(sorted(d["title"] for d in docs))
        except Exception as exc:
            if "has no casebook index" not in str(exc):
                seen.append(exc)
        stop.wait(0.3)


# --- two writers at once -----------------------------------------------------------------


@pytest.mark.parametrize(
    "round_", [0, 1, 2, *(pytest.param(i, marks=pytest.mark.slow) for i in range(3, 20))]
)
def test_two_concurrent_ingests_both_land_and_answer(round_, books, server, models, tmp_path):
    rng = random.Random(1400 + round_)
    name = f"round-{round_}"  # a fresh index per round on the one server
    delays = {k: rng.uniform(0.0, 1.5) for k in books}
    procs = {
        k: start_ingest(pdf, machine(tmp_path, k, models), server.url, name, delays[k])
        for k, pdf in books.items()
    }
    stop, seen = threading.Event(), []
    reader = threading.Thread(
        target=watch_complete, args=(server.url, tmp_path / "reader", name, stop, seen)
    )
    reader.start()
    try:
        outs = {k: p.communicate(timeout=600) for k, p in procs.items()}
    finally:
        stop.set()
        reader.join(timeout=60)
    for k, p in procs.items():
        out, err = outs[k]
        assert p.returncode == 0, (k, err)
        (doc,) = json.loads(out)["documents"]
        assert doc["status"] == "ingested" and doc["embedded"] == doc["chunks"] > 0, doc
        for line in err.strip().splitlines():  # at most: that it waited, and for whom
            assert "waiting for the write lease" in line and "held by" in line, err
    waited = sorted(k for k, (_, err) in outs.items() if err.strip())
    print(f"round {round_}: start offsets {delays}, waited for the lease: {waited}")
    errors = [s for s in seen if isinstance(s, Exception)]
    assert not errors, errors
    titles = {BOOKS[k]["title"] for k in books}
    assert all(set(s) <= titles for s in seen)  # only whole documents, never a half one

    folder = tmp_path / "asker"
    with open_index(folder, SETTINGS, chroma_url=server.url, readonly=True, index_name=name) as ix:
        assert {d["title"] for d in ix.documents()} == titles
        assert ix.backend.remote.read_head()["generation"] == 2  # two commits, none lost
    for question, fact in QUESTIONS.values():
        res = cli(
            "ask", question, "--index", str(folder), "--chroma-url", server.url,
            "--index-name", name,
        )  # fmt: skip
        assert res.exit_code == 0, res.output
        assert fact in res.stdout


# --- the lease: waiting, giving up, a dead holder --------------------------------------------


def test_a_writer_waits_for_the_lease_and_gives_up_cleanly(books, server, models, tmp_path):
    name = "held"
    folder = machine(tmp_path, "w", models)
    remote = Remote.connect(server.url, SETTINGS, create=True, name=name)
    told: list[str] = []
    lease = acquire(remote, time.monotonic() + 5, ttl=120, on_wait=told.append, wait=5)
    try:
        t0 = time.monotonic()
        res = cli(
            "ingest", str(books["harbour"]), "--index", str(folder), "--chroma-url", server.url,
            "--index-name", name, "--wait", "2",
        )  # fmt: skip
        took = time.monotonic() - t0
        assert res.exit_code == 2, res.output
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 2, lines  # that it waits and for whom; then why it stopped
        assert "waiting for the write lease" in lines[0] and f"pid {os.getpid()}" in lines[0]
        assert "waited 2 s for the write lease" in lines[1] and "nothing was committed" in lines[1]
        assert "Traceback" not in res.output and took < 60
        assert remote.read_head() is None  # nothing committed
    finally:
        lease.release()
    res = cli(
        "ingest", str(books["harbour"]), "--index", str(folder), "--chroma-url", server.url,
        "--index-name", name, "--json",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["documents"][0]["status"] == "ingested"
    assert told == []  # nobody held the lease when the test took it


_DYING_WRITER = """
import sys
sys.path.insert(0, {root!r})
from index.backend import open_index
from tests.test_server_leases import SETTINGS, add
with open_index({folder!r}, SETTINGS, chroma_url={url!r}, index_name={name!r}) as ix:
    add(ix, "Dying writer", ["A writer killed while it holds the lease."])
"""


def add(index, title: str, texts: list[str]) -> dict:
    """A document with the fake embedder (the lease tests need no real vectors)."""
    s = sha(title)
    chunks = [make_chunk(t, s, document=title, case="Case A", start=i) for i, t in enumerate(texts)]
    meta = {"sha256": s, "title": title, "pages": 1}
    emb = FakeEmbedder(dim=SETTINGS["dim"], name=SETTINGS["model"])
    return index.add_document(meta, chunks, emb, sentences=lambda c: [(0, len(c.text), c.text)])


def test_a_writer_killed_holding_the_lease_blocks_the_next_only_until_it_expires(
    server, tmp_path, monkeypatch
):
    name, ttl = "dead-holder", 4.0
    with open_index(tmp_path / "a", SETTINGS, chroma_url=server.url, index_name=name) as a:
        add(a, "First", ["The first document of this index."])
    script = _DYING_WRITER.format(
        root=str(ROOT), folder=str(tmp_path / "dead"), url=server.url, name=name
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, CRASH_ENV: "before_head", ENV_LEASE_SECONDS: str(ttl)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == -9, proc.stderr  # SIGKILLed holding the lease
    remote = Remote.connect(server.url, SETTINGS, create=False, name=name)
    (held,) = remote.leases(2)
    assert not held["released"] and held["ttl"] == ttl

    told: list[str] = []
    with open_index(tmp_path / "a", SETTINGS, chroma_url=server.url, index_name=name) as a:
        a.backend.on_wait = told.append
        t0 = time.monotonic()
        add(a, "Second", ["The second document, written after the lease expired."])
        waited = time.monotonic() - t0
        assert {d["title"] for d in a.documents()} == {"First", "Second"}
    assert waited < 30, waited  # the dead writer's lease expired: no --wait needed
    if told:  # it saw the lease live (not already long stale): it said whom it waited for
        (line,) = told
        assert f"held by {held['owner']}" in line and waited >= ttl * 0.5, (line, waited)
    assert remote.read_head()["generation"] == 2 and remote.leases(2) == []


# --- several indexes on one server -----------------------------------------------------------


def test_two_named_indexes_on_one_server_are_independent(books, server, models, tmp_path):
    folder = machine(tmp_path, "m", models)
    base = ["--index", str(folder), "--chroma-url", server.url]
    for key, name in (("harbour", "team-harbour"), ("broadband", "team-rural")):
        res = cli("ingest", str(books[key]), *base, "--index-name", name, "--json")
        assert res.exit_code == 0, res.output
    cases = {
        name: json.loads(cli("cases", "--json", *base, "--index-name", name).stdout)
        for name in ("team-harbour", "team-rural")
    }
    titles = {n: {d["title"] for d in c["documents"]} for n, c in cases.items()}
    assert titles == {
        "team-harbour": {BOOKS["harbour"]["title"]},
        "team-rural": {BOOKS["broadband"]["title"]},
    }
    for name, own in (("team-harbour", "harbour"), ("team-rural", "broadband")):
        for key, (question, fact) in QUESTIONS.items():
            res = cli("ask", question, *base, "--index-name", name, "--json")
            out = json.loads(res.stdout)
            cited = {c["document"] for c in out["citations"]} | {
                p["document"] for p in out["passages"]
            }
            assert cited == {BOOKS[own]["title"]}, (name, question, cited)
            assert (fact in out["answer"]) == (key == own), (name, question, out["answer"])
    out = cli("indexes", "--chroma-url", server.url, "--json").stdout
    listed = [json.loads(line) for line in out.splitlines()]
    mine = {i["name"]: i for i in listed if i["name"].startswith("team-")}
    assert set(mine) == {"team-harbour", "team-rural"}
    assert all(i["documents"] == 1 and i["model"] == SETTINGS["model"] for i in mine.values())
    # the env var picks the index like the flag does
    res = CliRunner().invoke(
        main, ["cases", "--json", *base], env={"CASEBOOK_INDEX_NAME": "team-rural"}
    )
    assert {d["title"] for d in json.loads(res.stdout)["documents"]} == titles["team-rural"]


def test_a_name_the_server_does_not_hold_is_one_line_and_creates_nothing(server, tmp_path):
    """Readers never create an index: a mistyped --index-name (flag or env) is one line
    naming it and the server's indexes, exit 2; only ``ingest`` creates."""
    Remote.connect(server.url, SETTINGS, create=True, name="team-known")
    base = ["--index", str(tmp_path / "m"), "--chroma-url", server.url]
    gold = str(ROOT / "eval" / "gold" / "dev-qa.jsonl")
    for args in (["ask", QUESTIONS["harbour"][0]], ["search", "harbour"], ["eval", gold],
                 ["entities"], ["cases"]):  # fmt: skip
        res = cli(*args, *base, "--index-name", "team-typo")
        assert res.exit_code == 2, (args, res.output)
        assert res.stderr.count("\n") == 1, (args, res.stderr)
        assert "'team-typo'" in res.stderr and "team-known" in res.stderr, (args, res.stderr)
    res = CliRunner().invoke(
        main, ["ask", QUESTIONS["harbour"][0], *base], env={"CASEBOOK_INDEX_NAME": "team-typo"}
    )
    assert res.exit_code == 2 and "'team-typo'" in res.stderr
    listed = {i["name"] for i in list_indexes(server.url)}
    assert "team-known" in listed and "team-typo" not in listed


def test_the_default_name_keeps_the_collections_and_cache_of_existing_servers(tmp_path):
    assert index_collections(DEFAULT_INDEX) == (CHUNKS, SENTENCES, RECORDS)
    assert (CHUNKS, SENTENCES, RECORDS) == (
        "casebook_chunks",
        "casebook_sentences",
        "casebook_records",
    )
    assert name_of_collection(CHUNKS) == DEFAULT_INDEX
    assert name_of_collection(index_collections("team-a")[0]) == "team-a"
    assert name_of_collection("casebook_records") is None
    url = "http://h:1"
    assert cache_dir(tmp_path, url) == cache_dir(tmp_path, url, DEFAULT_INDEX)
    assert cache_dir(tmp_path, url).name.startswith("h-1-")  # the folder it always had
    assert cache_dir(tmp_path, url, "team-a") != cache_dir(tmp_path, url)
    res = cli("cases", "--index", str(tmp_path), "--chroma-url", url, "--index-name", "bad name")
    assert res.exit_code == 2 and "not an index name" in res.stderr


# --- a hung server ---------------------------------------------------------------------------


def test_a_hung_server_fails_each_command_within_30_s_with_one_line(books, tmp_path):
    """A socket that accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(16)
        url = f"http://127.0.0.1:{hung.getsockname()[1]}"
        # a reader (its first request is the plain-HTTP probe) and a writer (the
        # heartbeat before chromadb's client); every other command opens one of these ways
        for args in (["ask", "How much did the fund commit?"], ["ingest", str(books["harbour"])]):
            t0 = time.monotonic()
            res = cli(*args, "--index", str(tmp_path / "i"), "--chroma-url", url)
            took = time.monotonic() - t0
            assert res.exit_code == 2, (args, res.output)
            assert took < 30, (args, took)
            (line,) = res.stderr.strip().splitlines()
            assert "did not answer" in line and url in line, line


# --- what the protocol rests on --------------------------------------------------------------


def test_claim_and_lease_are_won_by_exactly_one_of_concurrent_writers(server):
    """Chroma's ``add`` of an existing id keeps the first record: a compare-and-swap."""
    name = "cas"
    remotes = [Remote.connect(server.url, SETTINGS, create=True, name=name) for _ in range(4)]
    for generation in range(1, 11):
        won: dict[int, bool] = {}
        leased: dict[int, bool] = {}

        def writer(i: int, generation: int = generation, won=won, leased=leased) -> None:
            head = {"format": 1, "commit": f"w{i}-{generation}", "generation": generation}
            won[i] = remotes[i].claim(head)
            lease = {"id": f"lease:{generation}:0", "token": f"t{i}", "generation": generation}
            leased[i] = remotes[i].add_lease(lease)

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(len(remotes))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sum(won.values()) == 1 and sum(leased.values()) == 1, (won, leased)
        (winner,) = [i for i, w in won.items() if w]
        assert remotes[0].read_head()["commit"] == f"w{winner}-{generation}"


def test_store_and_server_do_not_import_each_other():
    """The backends meet only in ``index.backend``'s factory (no cycle, even a lazy one)."""
    import ast

    def imported(module: str) -> set[str]:
        tree = ast.parse((ROOT / "index" / f"{module}.py").read_text())
        names = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(a.name for a in node.names)
        return names

    assert "index.server" not in imported("store")
    assert "index.store" not in imported("server")
    assert {"index.store", "index.server"} <= imported("backend")


def test_an_index_written_before_leases_is_read_and_extended(server, tmp_path):
    """Older casebooks kept only the ``head`` record (no commit chain): still the default."""
    name = "from-before"
    with open_index(tmp_path / "a", SETTINGS, chroma_url=server.url, index_name=name) as a:
        add(a, "Old", ["A document committed the old way."])
        a.backend.remote.records.delete(ids=["commit:1"])  # what an older writer left
    with open_index(
        tmp_path / "b", SETTINGS, chroma_url=server.url, readonly=True, index_name=name
    ) as b:
        assert [d["title"] for d in b.documents()] == ["Old"]
    with open_index(tmp_path / "a", SETTINGS, chroma_url=server.url, index_name=name) as a:
        add(a, "New", ["A document committed under a lease."])
        assert a.backend.remote.read_head()["generation"] == 2
    with open_index(
        tmp_path / "b", SETTINGS, chroma_url=server.url, readonly=True, index_name=name
    ) as b:
        assert {d["title"] for d in b.documents()} == {"Old", "New"}
