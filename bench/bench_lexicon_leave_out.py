"""Leave-case-out check of the entity word lists: how much each gold part's score rests on
lexicon entries that could have been written from that part.

For every entry of ``pipeline/lexicons/*.txt`` and every dev gold part, the bench records
whether the entry occurs (as whole words) in the part's gold strings: target texts and
evidence, amount texts, actor names and mentions.  An entry found in exactly one part's gold
is one that reading that part could have suggested; the part is then scored again with all
such entries removed from every word list the rules read (``--strict`` also removes the
entries its gold shares with other parts: the part then leans on no word that occurs in it).

Entries are removed by word from the module-level sets of ``pipeline.*`` that were built
from the lists (``_ROLE_WORDS = role_nouns | title_words`` loses the word in both), for the
length of one extraction, then put back.

The printed report is aggregate per part (entries in its gold, entries only in its gold,
scores before → after).  ``--entries-out FILE`` writes the per-entry table as JSON for
whoever may read every part's items; the bench itself prints entries only with
``--list PART``.

Example:
    .venv/bin/python bench/bench_lexicon_leave_out.py --strict
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_entities import FRONT, GOLD, PDF, part_lookup
from eval.entities import load_gold, norm, score_entities
from pipeline.entities import extract_entities, load_nlp
from pipeline.types import Entity

LEXICON_DIR = Path(__file__).resolve().parents[1] / "pipeline" / "lexicons"
TYPES = ("targets", "actors", "amounts")


def lexicon_entries() -> dict[str, frozenset[str]]:
    """Every word list by file stem, entries as the rules read them (lower case)."""
    from pipeline.lexicons import load

    return {p.stem: load(p.stem) for p in sorted(LEXICON_DIR.glob("*.txt"))}


def part_strings(part: dict[str, Any]) -> list[str]:
    """All the text a gold part quotes: what a reader of that part had in front of them."""
    out = [t.get("text") or "" for t in part.get("targets", [])]
    out += [t.get("evidence") or "" for t in part.get("targets", [])]
    out += [a.get("text") or "" for a in part.get("amounts", [])]
    for a in part.get("actors", []):
        out.append(a.get("name") or "")
        out += a.get("mentions", [])
    return [f" {norm(s)} " for s in out if s]


def provenance(
    lexicons: dict[str, frozenset[str]], gold: dict[str, Any]
) -> dict[tuple[str, str], set[str]]:
    """(lexicon, entry) -> the gold parts whose strings contain the entry as whole words."""
    strings = {p: part_strings(g) for p, g in gold.items()}
    out: dict[tuple[str, str], set[str]] = {}
    for lex, entries in lexicons.items():
        for entry in entries:
            key = f" {norm(entry)} "
            if not key.strip():
                continue
            out[(lex, entry)] = {p for p, ss in strings.items() if any(key in s for s in ss)}
    return out


@contextmanager
def without_entries(words: set[str]) -> Iterator[int]:
    """Remove ``words`` from every frozenset of strings held by a ``pipeline`` module for the
    length of the block (yields how many sets changed)."""
    saved: list[tuple[Any, str, frozenset[str]]] = []
    for name, mod in list(sys.modules.items()):
        if mod is None or not (name == "pipeline" or name.startswith("pipeline.")):
            continue
        for attr, val in list(vars(mod).items()):
            if isinstance(val, frozenset) and val & words and all(isinstance(v, str) for v in val):
                saved.append((mod, attr, val))
                setattr(mod, attr, val - words)
    try:
        yield len(saved)
    finally:
        for mod, attr, val in saved:
            setattr(mod, attr, val)


def _cell(s: dict[str, Any]) -> str:
    r, p = s["recall"], s["precision"]
    f = lambda v: " -  " if v is None else f"{v:.2f}"  # noqa: E731
    return f"{f(r)}/{f(p)}"


def main() -> None:
    """Print per part: lexicon entries in its gold, and its scores with them removed."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pdf", type=Path, default=PDF)
    ap.add_argument("--gold", type=Path, default=GOLD)
    ap.add_argument("--strict", action="store_true", help="Also remove entries shared.")
    ap.add_argument("--entries-out", type=Path, help="Write the per-entry table as JSON.")
    ap.add_argument(
        "--list", action="append", default=[], help="Print the entries of this part's gold."
    )
    args = ap.parse_args()

    from index.ingest import prepare

    gold = load_gold(args.gold)
    prep = prepare(args.pdf)
    chunks, document = prep.chunks, prep.structure.document
    nlp = load_nlp()
    part_of, account = part_lookup(chunks, gold)
    print("gold parts -> real chunks:\n" + account)

    def run(words: set[str]) -> dict[str, Any]:
        with without_entries(words):
            ents: list[Entity] = extract_entities(chunks, nlp, document=document)
        return score_entities(ents, gold, lambda e: part_of.get(e.chunk_id))

    lex = lexicon_entries()
    prov = provenance(lex, gold)
    if args.entries_out:
        table = [
            {"lexicon": k[0], "entry": k[1], "parts": sorted(v)} for k, v in sorted(prov.items())
        ]
        args.entries_out.write_text(json.dumps(table, indent=1), encoding="utf-8")
    n_entries = len(prov)
    base = run(set())
    modes = [("only", False)] + ([("strict", True)] if args.strict else [])
    print(f"\n{n_entries} lexicon entries in {len(lex)} lists")
    head = "".join(f"  {t + ' R/P':>24}" for t in TYPES)
    print(f"{'part':10} {'mode':7} {'in gold':>7} {'removed':>7}{head}")
    for part in gold:
        in_gold = {k for k, v in prov.items() if part in v}
        for mode, strict in modes:
            removed = {k for k in in_gold if strict or prov[k] == {part}}
            words = {e for _, e in removed}
            after = run(words) if words else base
            cells = "".join(
                f"  {_cell(base[t][part]) + ' → ' + _cell(after[t][part]):>24}" for t in TYPES
            )
            print(f"{part:10} {mode:7} {len(in_gold):7d} {len(removed):7d}{cells}")
        if part in args.list:
            for lx, e in sorted(in_gold):
                print(f"    {lx}: {e}  (also in: {sorted(prov[(lx, e)] - {part}) or '-'})")
    print(f"\n'{FRONT}' stands for the pages before the first case; a part's 'in gold' counts")
    print("lexicon entries its gold strings contain; 'removed' those taken out for its second")
    print("score.")


if __name__ == "__main__":
    main()
