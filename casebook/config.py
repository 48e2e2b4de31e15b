"""Where things live, and the process set-up every command shares (offline, quiet parsers)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

ENV_INDEX = "CASEBOOK_INDEX"


def offline() -> None:
    """Nothing may download at run time: pin the Hugging Face stack to local files."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")  # chromadb
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # Our own progress bar speaks for the ingest; the libraries' own bars are noise.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    # pypdf logs every repaired object of a damaged file; our own one-line reasons suffice.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    logging.getLogger("chromadb").setLevel(logging.ERROR)


def default_index_dir() -> Path:
    """A per-user data folder (XDG), so ``casebook ask`` works from any directory."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "casebook"
