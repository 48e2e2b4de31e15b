"""The settings an index records and insists on, importable without the PDF machinery."""

from __future__ import annotations

from typing import Any

from pipeline.sentences import ChunkSettings
from pipeline.tokenize import MODEL_NAME

EMBED_DIM = 384
CHUNK_SETTINGS = ChunkSettings()


def index_settings(chunk_settings: ChunkSettings = CHUNK_SETTINGS) -> dict[str, Any]:
    """What an index records and later insists on: the model and how chunks were made."""
    return {
        "model": MODEL_NAME,
        "dim": EMBED_DIM,
        "embed_input": "part › section header + chunk text",
        "sentence_vectors": True,
        **chunk_settings.fingerprint(),
    }
