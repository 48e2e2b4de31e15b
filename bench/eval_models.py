"""Answer model files side by side on question sets, without replacing the shipped one.

    python bench/eval_models.py --index DIR [--index DIR ...] [--model FILE ...]
        [--sets dev,probe,heldout-a]

Why: ``bench/train_answers.py --out FILE`` writes a candidate model; ``casebook eval``
reads only the shipped ``qa/model/answer_model.json``. This answers every question of each
set on each index with each model (the shipped one when no ``--model`` is given) and prints
answer accuracy, abstention recall and the share of answerable questions abstained, scored
as ``casebook eval`` scores them (``eval.run.run_eval``). Sets are names under
``eval/gold/`` (``NAME-qa.jsonl``) or paths.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from casebook.config import offline  # noqa: E402

offline()

from eval.run import run_eval  # noqa: E402
from qa import scorer  # noqa: E402
from qa.answer import answer_question  # noqa: E402
from qa.engine import Engine  # noqa: E402


def gold_path(name: str) -> Path:
    path = Path(name)
    return path if path.suffix == ".jsonl" else ROOT / "eval" / "gold" / f"{name}-qa.jsonl"


def figures(engine: Engine, model: scorer.Model, gold: Path) -> dict[str, float]:
    """Answer accuracy, abstention recall and answerable abstained, as ``casebook eval``
    computes them (``eval.run.run_eval``), with ``model`` in place of the shipped one."""

    def ask(question: str) -> dict:
        hits = engine.search(question, 10)
        return answer_question(
            question, hits, embedder=engine.embedder, index=engine.index, model=model
        ).to_dict()

    m = run_eval(gold, ask)
    names = ("answer_accuracy", "abstention_recall", "answerable_abstained")
    return {k: m[k] or 0.0 for k in names}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, action="append", required=True)
    ap.add_argument("--model", type=Path, action="append", default=[])
    ap.add_argument("--sets", default="dev,probe,heldout-a")
    args = ap.parse_args()
    models = args.model or [scorer.MODEL_PATH]
    for p in [*models, *(gold_path(n) for n in args.sets.split(","))]:
        if not Path(p).is_file():
            sys.exit(f"eval_models: {p}: no such file")
    print("index\tmodel\tset\tanswer acc.\tabstention recall\tanswerable abstained")
    for index in args.index:
        engine = Engine.open(index)
        try:
            for path in models:
                model = scorer.load(str(path))
                unknown = set(model.abstainer.names) - set(scorer.ABSTAIN_FEATURES)
                if unknown:  # read as 0: the figures would describe another model
                    sys.exit(f"{path}: reads features this code does not compute: {unknown}")
                for name in args.sets.split(","):
                    f = figures(engine, model, gold_path(name))
                    print(
                        f"{index.name}\t{path.name}\t{name}\t{f['answer_accuracy']:.3f}\t"
                        f"{f['abstention_recall']:.3f}\t{f['answerable_abstained']:.3f}"
                    )
        finally:
            engine.close()


if __name__ == "__main__":
    main()
