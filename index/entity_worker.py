"""Entity extraction in a helper process, started with an ingest and joined at commit.

Why: loading spaCy (~1-2 s, mostly imports) is most of what a new edition's
re-ingest costs when only a few chunks changed. A helper process loads it while
the parent reads the PDF, then extracts while the parent embeds and builds the
caches. The helper also keeps torch out of spaCy's start-up: thinc imports torch
eagerly when it is installed (~1 s) though spaCy's small CPU model never uses it;
doing that in a process of its own cannot affect any other code.

Why a plain subprocess and not multiprocessing: spawn/forkserver re-import the
caller's ``__main__`` (a script without a main guard would run its ingest twice)
and fork after chroma has started threads is unsafe. Jobs go to the helper as
pickle files in a private temp folder; stdin/stdout carry only one line each.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path

from index.errors import CasebookIndexError
from pipeline.types import Chunk, Document, Entity

log = logging.getLogger(__name__)
_TAG = "@@casebook-entities "  # protocol lines; anything else on stdout is ignored
Job = tuple[list[Chunk], Document | None, list[Chunk] | None]


def _extract_here(job: Job) -> list[Entity]:
    from pipeline.entities import extract_entities

    chunks, document, vocab_from = job
    return extract_entities(chunks, document=document, vocab_from=vocab_from)


class EntityWorker:
    """The helper process; ``submit`` jobs, join each with ``EntityJob.result()``.

    If the helper cannot be started or dies, jobs run in this process instead
    (logged), so an ingest never fails for want of a helper. ``start=False``
    runs everything in-process (dry runs).
    """

    def __init__(self, start: bool = True) -> None:
        self._proc: subprocess.Popen[str] | None = None
        self._tmp: Path | None = None
        self._sent = 0
        self._done: dict[int, str] = {}
        self._read = 0
        if not start:
            return
        root = str(Path(__file__).resolve().parent.parent)
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
        }
        try:
            self._tmp = Path(tempfile.mkdtemp(prefix="casebook-entities-"))
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "index.entity_worker"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                env=env,
            )
        except OSError as exc:
            log.warning("entity extraction runs in-process: cannot start a helper (%s)", exc)
            self.close()

    def submit(
        self,
        chunks: Sequence[Chunk],
        document: Document | None = None,
        vocab_from: Sequence[Chunk] | None = None,
    ) -> EntityJob:
        """Start extracting ``chunks`` (see ``extract_entities``); join with ``.result()``."""
        job: Job = (list(chunks), document, None if vocab_from is None else list(vocab_from))
        if not chunks or self._proc is None or self._tmp is None:
            return EntityJob(self, job, None)
        n = self._sent
        path = self._tmp / f"job{n}.pickle"
        try:
            with path.open("wb") as f:
                pickle.dump(job, f, protocol=pickle.HIGHEST_PROTOCOL)
            assert self._proc.stdin is not None
            self._proc.stdin.write(f"{path}\n")
            self._proc.stdin.flush()
        except OSError as exc:  # BrokenPipeError: the helper is gone
            log.warning("entity helper unavailable (%s); extracting in-process", exc)
            return EntityJob(self, job, None)
        self._sent += 1
        return EntityJob(self, job, n)

    def _answer(self, n: int) -> str | None:
        """The helper's reply line for job ``n`` (None if it died first)."""
        proc = self._proc
        while n not in self._done:
            line = proc.stdout.readline() if proc is not None and proc.stdout else ""
            if not line:
                return None
            if line.startswith(_TAG):
                self._done[self._read] = line[len(_TAG) :].strip()
                self._read += 1
        return self._done.pop(n)

    def close(self) -> None:
        """End the helper (it exits when its stdin closes) and delete the job files."""
        proc, self._proc = self._proc, None
        if proc is not None:
            try:
                if proc.stdin:
                    proc.stdin.close()
            except OSError:
                pass  # already gone: nothing to tell it
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout:
                proc.stdout.close()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> EntityWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EntityJob:
    """One extraction, running in the helper (``n``) or, without one, run on demand."""

    def __init__(self, worker: EntityWorker, job: Job, n: int | None) -> None:
        self._worker, self._job, self._n = worker, job, n

    def result(self) -> list[Entity]:
        """The entities (waits for the helper); raises the helper's own error."""
        if not self._job[0]:
            return []
        if self._n is None:
            return _extract_here(self._job)
        answer = self._worker._answer(self._n)
        if answer is None:
            log.warning("entity helper exited early; extracting in-process")
            return _extract_here(self._job)
        status, _, payload = answer.partition(" ")
        if status != "ok":
            detail = json.loads(payload)
            log.error("entity helper failed:\n%s", detail)
            last = next((ln for ln in reversed(detail.strip().splitlines()) if ln.strip()), "")
            raise EntityExtractionError(f"entity extraction failed: {last.strip()}")
        with open(payload, "rb") as f:
            return pickle.load(f)


class EntityExtractionError(CasebookIndexError):
    """spaCy could not be loaded or failed on a chunk: one line for the user, details logged."""


def _serve() -> None:
    """Helper main loop: load spaCy, then answer one job per stdin line until EOF."""
    if "torch" not in sys.modules:
        sys.modules["torch"] = None  # type: ignore[assignment]  # `import torch` -> ImportError
    warm_error = None
    try:
        from pipeline.entities import load_nlp

        load_nlp()
    except Exception:  # reported with every job below, where the parent can raise it
        warm_error = traceback.format_exc()
    for line in sys.stdin:
        path = Path(line.strip())
        try:
            if warm_error is not None:
                raise RuntimeError(warm_error)
            with path.open("rb") as f:
                job = pickle.load(f)
            out = path.with_suffix(".out")
            with out.open("wb") as f:
                pickle.dump(_extract_here(job), f, protocol=pickle.HIGHEST_PROTOCOL)
            print(f"{_TAG}ok {out}", flush=True)
        except Exception:
            print(f"{_TAG}error {json.dumps(traceback.format_exc())}", flush=True)


if __name__ == "__main__":
    _serve()
