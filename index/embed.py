"""Sentence embedders: sentence-transformers at ingest, ONNX Runtime at query time.

Why two: ingest embeds thousands of chunks once and can afford torch's ~5 s
import; a cold ``casebook ask`` embeds one short query and must finish in about a
second, so the query path runs an ONNX export of the *same* model with
``onnxruntime`` + ``tokenizers`` and never imports torch. Both produce float32,
L2-normalised rows (mean pooling over the attention mask, max 256 word pieces),
so vectors from either can be mixed in one index.

This module imports neither torch nor onnxruntime at import time.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from index.errors import CasebookIndexError
from pipeline.tokenize import MAX_WORD_PIECES, MODEL_NAME, model_path

EMBED_DIM = 384
ONNX_OPSET = 17
INTRA_OP_THREADS = 2  # the machine has 2 cores shared with other workers
# Files whose bytes define the model's output; the ONNX cache key hashes them.
_MODEL_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "sentence_bert_config.json",
    "1_Pooling/config.json",
    "modules.json",
)


class EmbedderError(CasebookIndexError):
    """The embedding model could not be loaded, exported or run."""


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 rows of width ``dim``."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


class SentenceTransformerEmbedder:
    """The reference embedder (torch): used at ingest, where throughput beats start-up time."""

    def __init__(
        self,
        path: Path | None = None,
        *,
        batch_size: int = 32,
        name: str = MODEL_NAME,
    ) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer  # lazy: costs ~5 s

        self.path = Path(path) if path is not None else model_path()
        self.name = name
        self.batch_size = batch_size
        self._model = SentenceTransformer(str(self.path), device="cpu")
        self._model.max_seq_length = MAX_WORD_PIECES
        dim = self._model.get_embedding_dimension()
        self.dim = int(dim) if dim is not None else EMBED_DIM

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed in batches; rows are unit-length float32."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return _normalise(out)

    def embed_with_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[list[np.ndarray]]]:
        """Text vectors plus, from the same forward pass, one vector per character span.

        A span's vector is the mean of the contextual token states inside it (the
        text vector is the mean over all tokens, exactly as ``embed``). Answer
        extraction needs a vector per sentence; pooling them from the chunk's pass
        costs nothing extra, where embedding every sentence again doubled ingest.
        """
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32), []
        tokens = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            output_value="token_embeddings",
            convert_to_numpy=False,
            show_progress_bar=False,
        )
        enc = self._model.tokenizer(
            list(texts),
            return_offsets_mapping=True,
            truncation=True,
            max_length=self._model.max_seq_length,
        )
        vecs: list[np.ndarray] = []
        span_vecs: list[list[np.ndarray]] = []
        for states, offsets, wanted in zip(tokens, enc["offset_mapping"], spans, strict=True):
            states = states.float().cpu().numpy()
            offsets = offsets[: len(states)]
            vecs.append(states.mean(axis=0))
            pooled = []
            for s, e in wanted:
                idx = [j for j, (a, b) in enumerate(offsets) if b > a and a >= s and b <= e]
                pooled.append(states[idx].mean(axis=0) if idx else states.mean(axis=0))
            span_vecs.append(list(_normalise(np.stack(pooled))) if pooled else [])
        return _normalise(np.stack(vecs)), span_vecs


class OnnxEmbedder:
    """all-MiniLM-L6-v2 on ONNX Runtime: same vectors as sentence-transformers, no torch."""

    def __init__(
        self,
        onnx_file: Path,
        tokenizer_file: Path | None = None,
        *,
        name: str = MODEL_NAME,
        dim: int = EMBED_DIM,
        threads: int = INTRA_OP_THREADS,
        batch_size: int = 32,
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.name = name
        self.dim = dim
        self.batch_size = batch_size
        tok_path = tokenizer_file or (model_path() / "tokenizer.json")
        # Our own instance: pipeline.tokenize's shared one must stay untruncated.
        self._tok = Tokenizer.from_file(str(tok_path))
        self._tok.enable_truncation(max_length=MAX_WORD_PIECES)
        self._tok.enable_padding(pad_id=0, pad_token="[PAD]")

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        try:
            self._session = ort.InferenceSession(
                str(onnx_file), sess_options=opts, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise EmbedderError(
                f"cannot load the ONNX query model {onnx_file}: {exc}; "
                "delete that file and it will be re-exported"
            ) from exc
        self._inputs = {i.name for i in self._session.get_inputs()}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Tokenize (truncating at 256 pieces), run the encoder, mean-pool, normalise."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        texts = list(texts)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # batches pad less
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i in range(0, len(order), self.batch_size):
            idx = order[i : i + self.batch_size]
            out[idx] = self._embed_batch([texts[j] for j in idx])
        return out

    def embed_with_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[list[np.ndarray]]]:
        """As ``SentenceTransformerEmbedder.embed_with_spans``, on ONNX Runtime.

        Why here too: a new edition's few changed chunks are embedded with this model
        (no torch import), and their sentence vectors must be pooled the same way.
        """
        texts = list(texts)
        vecs = np.zeros((len(texts), self.dim), dtype=np.float32)
        span_vecs: list[list[np.ndarray]] = [[] for _ in texts]
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for i in range(0, len(order), self.batch_size):
            idx = order[i : i + self.batch_size]
            encs = self._tok.encode_batch([texts[j] for j in idx], add_special_tokens=True)
            hidden = self._run(encs)
            for row, (j, enc) in enumerate(zip(idx, encs, strict=True)):
                n = int(sum(enc.attention_mask))
                states, offsets = hidden[row, :n], enc.offsets[:n]
                vecs[j] = states.mean(axis=0)
                pooled = []
                for s, e in spans[j]:
                    sel = [k for k, (a, b) in enumerate(offsets) if b > a and a >= s and b <= e]
                    pooled.append(states[sel].mean(axis=0) if sel else states.mean(axis=0))
                span_vecs[j] = list(_normalise(np.stack(pooled))) if pooled else []
        return _normalise(vecs), span_vecs

    def _run(self, encs: list[Any]) -> np.ndarray:
        """The encoder's last hidden states (batch, tokens, dim) for tokenized texts."""
        ids = np.asarray([e.ids for e in encs], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encs], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self._inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        (hidden,) = self._session.run(["last_hidden_state"], feeds)
        return hidden

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        encs = self._tok.encode_batch(texts, add_special_tokens=True)
        hidden = self._run(encs)
        mask = np.asarray([e.attention_mask for e in encs], dtype=np.int64)
        m = mask[:, :, None].astype(np.float32)
        pooled = (hidden * m).sum(axis=1) / np.maximum(m.sum(axis=1), 1e-9)
        return _normalise(pooled)


# --------------------------------------------------------------------------- export / cache


def _model_key(src: Path, memo_dir: Path | None) -> str:
    """A short hash of the model's weight/config bytes.

    Hashing 90 MB of weights costs ~0.2 s, too much for every cold query, so the
    result is memoised next to the cache keyed on each file's (size, mtime_ns);
    any change to a file invalidates the memo and forces a re-hash.
    """
    stats = {}
    for rel in _MODEL_FILES:
        f = src / rel
        if f.exists():
            st = f.stat()
            stats[rel] = [st.st_size, st.st_mtime_ns]
    memo_file = memo_dir / "model-key.json" if memo_dir is not None else None
    stamp = {"src": str(src.resolve()), "stats": stats}
    if memo_file is not None and memo_file.exists():
        try:
            memo = json.loads(memo_file.read_text())
        except (OSError, ValueError):
            memo = None  # a broken memo only costs a re-hash
        if isinstance(memo, dict) and memo.get("stamp") == stamp:
            key = memo.get("key")
            if isinstance(key, str):
                return key
    h = hashlib.sha256()
    for rel in _MODEL_FILES:
        f = src / rel
        if not f.exists():
            continue
        h.update(rel.encode() + b"\0")
        with f.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    h.update(f"opset={ONNX_OPSET}".encode())
    key = h.hexdigest()[:16]
    if memo_file is not None:
        _atomic_write_bytes(memo_file, json.dumps({"stamp": stamp, "key": key}).encode())
    return key


def _atomic_write_bytes(dest: Path, data: bytes) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def onnx_file_for(cache_dir: Path, src: Path | None = None) -> Path:
    """Where the ONNX export of the model at ``src`` lives (or will live) in ``cache_dir``."""
    src = src or model_path()
    cache_dir = Path(cache_dir)
    return cache_dir / f"minilm-l6-v2-{_model_key(src, cache_dir)}.onnx"


def export_onnx(dest_dir: Path, src: Path | None = None) -> Path:
    """Export the packaged model's encoder to ONNX once (torch, lazily imported); return the file.

    The file name carries a hash of the weights/config, so a changed model gets
    a new file instead of silently serving stale vectors. Written to a temp file
    and renamed, so a crash never leaves a half-written model behind.
    """
    src = src or model_path()
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = onnx_file_for(dest_dir, src)
    if dest.exists():
        return dest

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    model = AutoModel.from_pretrained(str(src), attn_implementation="eager")
    model.eval()

    class _Encoder(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.inner(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=token_type_ids,
                return_dict=True,
            )
            return out.last_hidden_state

    dummy = torch.ones((2, 16), dtype=torch.long)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest_dir)
    os.close(fd)
    try:
        # The tracer warns about shape-dependent Python branches in transformers' masking
        # code; they are constant for our inputs (checked by the ST-vs-ONNX test).
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _Encoder(model),
                (dummy, dummy, torch.zeros_like(dummy)),
                tmp,
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["last_hidden_state"],
                dynamic_axes={
                    "input_ids": {0: "batch", 1: "seq"},
                    "attention_mask": {0: "batch", 1: "seq"},
                    "token_type_ids": {0: "batch", 1: "seq"},
                    "last_hidden_state": {0: "batch", 1: "seq"},
                },
                opset_version=ONNX_OPSET,
                do_constant_folding=True,
                dynamo=False,
            )
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return dest


def query_embedder(cache_dir: Path) -> Embedder:
    """The fast query-time embedder; exports the ONNX model into ``cache_dir`` first if needed.

    The CLI passes ``<index dir>/models/``. Only the first call after install
    (or after a model change) pays the torch import + export (~15 s).
    """
    cache_dir = Path(cache_dir)
    onnx_file = onnx_file_for(cache_dir)
    if not onnx_file.exists():
        onnx_file = export_onnx(cache_dir)
    # One thread: for a single short query, two threads cost more in hand-off than they save.
    return OnnxEmbedder(onnx_file, threads=1)
