"""Shared fixtures: the real casebook parsed once per session, and paths to the shared corpus."""

from __future__ import annotations

import json
import os
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
    from index.engine import Engine

    with Engine.open(real_index) as eng:
        yield eng
