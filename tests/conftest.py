"""Shared fixtures: the real casebook parsed once per session, and paths to the shared corpus."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
CASEBOOK = ROOT / "sources" / "casebooks" / "moin-casebook-2024.pdf"


def need_shared() -> None:
    if not CORPUS.exists():
        pytest.skip(f"shared corpus not found at {CORPUS}")


@pytest.fixture(scope="session")
def manifest() -> dict:
    need_shared()
    return json.loads((CORPUS / "moin-casebook-2024.manifest.json").read_text())


@pytest.fixture(scope="session")
def casebook_doc():
    from sources import load

    return load(CASEBOOK)


@pytest.fixture(scope="session")
def casebook_structure():
    # Structure detection sets block kinds and merges pull quotes: parse afresh.
    from pipeline.structure import detect_structure
    from sources import load

    return detect_structure(load(CASEBOOK))


@pytest.fixture(scope="session")
def casebook_chunks(casebook_structure):
    from pipeline.chunks import chunk_structure

    return chunk_structure(casebook_structure)


@pytest.fixture(scope="session")
def real_index(tmp_path_factory):
    """The bundled casebook ingested once with the real model: the end-to-end fixture."""
    from index.ingest import ingest

    path = tmp_path_factory.mktemp("index") / "idx"
    reports = ingest([CASEBOOK], path)
    assert [r.status for r in reports] == ["ingested"], reports
    return path


@pytest.fixture(scope="session")
def engine(real_index):
    from qa.engine import Engine

    with Engine.open(real_index) as eng:
        yield eng


# --- a real Chroma server on loopback (tests/test_server.py) -------------------------------


class ChromaServer:
    """``chroma run`` on a free loopback port over a temp folder; stop/start keep both.

    Why a real process: the server-mode promises (same answers, a dead server mid-ingest
    leaves the old state) are about the HTTP client and the server, not a mock of them.
    """

    def __init__(self, path: Path, port: int | None = None) -> None:
        self.path = path
        self.port = port or _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None
        self.log = path.parent / f"{path.name}.log"

    def start(self, timeout: float = 60.0) -> ChromaServer:
        import subprocess
        import time

        exe = Path(sys.executable).parent / "chroma"
        if not exe.exists():
            pytest.fail(f"the chroma server binary is missing: {exe} (pip install chromadb)")
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [str(exe), "run", "--path", str(self.path), *self._where()],
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"chroma run exited with {self.proc.returncode}; see {self.log}")
            if self.alive():
                return self
            time.sleep(0.2)
        self.stop()
        pytest.fail(f"chroma run did not answer on {self.url} within {timeout:.0f} s")

    def _where(self) -> list[str]:
        return ["--host", "127.0.0.1", "--port", str(self.port)]

    def alive(self) -> bool:
        import urllib.request

        try:
            with urllib.request.urlopen(self.url + "/api/v2/heartbeat", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL: the server dies mid-whatever, as a crashed machine would."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except Exception:
                self.proc.kill()
                self.proc.wait(timeout=15)
        self.proc = None

    def wipe(self) -> None:
        """Drop every collection: the next test starts with an empty server."""
        import chromadb

        client = chromadb.HttpClient(host="127.0.0.1", port=self.port)
        for c in client.list_collections():
            client.delete_collection(c.name)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A Chroma server for the whole session (its URL in ``.url``), stopped at the end."""
    server = ChromaServer(tmp_path_factory.mktemp("chroma") / "db").start()
    yield server
    server.stop()
