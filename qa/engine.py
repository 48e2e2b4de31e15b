"""The query side in one object: search (``index.engine``) and the answer on its hits.

Why here: answering sits above retrieval, so the object that does both lives in ``qa/``;
``ask --batch``, ``eval``, the web app and the benches open one ``Engine`` and call it per
question, with one index and one model load.
"""

from __future__ import annotations

from index.engine import SearchEngine
from index.retrieve import Mode
from pipeline.types import Answer
from qa.answer import answer_question


class Engine(SearchEngine):
    """Search and answer over one index."""

    def ask(
        self,
        question: str,
        k: int = 10,
        *,
        case: str | None = None,
        document: str | None = None,
        mode: Mode = "hybrid",
    ) -> Answer:
        """The answer to ``question`` from its top ``k`` hits (one catalog state for both)."""
        with self.index.read_snapshot():
            hits = self.search(question, k, case=case, document=document, mode=mode)
            return answer_question(question, hits, embedder=self.embedder, index=self.index)
