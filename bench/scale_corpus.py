"""Generate N distinct casebooks for the scale benchmark (``bench/bench_scale.py``).

Why perturbed copies and not the same PDF N times: an identical file is "unchanged"
(nothing embedded), and a copy sharing most chunk texts becomes a new *edition* of the
first one's series (hiding it), reusing its vectors. Either would measure the reuse
paths, not ingest at scale. So each copy gets, deterministically from its seed:
every proper name (a Title-case word never written in lower case) renamed, every
number changed, the sentences of each paragraph shuffled, words swapped from small
synonym lists, and its own title; then it is typeset by ``eval.typeset``.

Usage: python bench/scale_corpus.py N [--corpus-dir DIR]   (from the project root)
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/...` puts bench/, not the root, on sys.path
    sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared" / "corpus"
BASES = [
    SHARED / "moin-casebook-2024.manifest.json",
    SHARED / "moin-casebook-2024-rev2.manifest.json",
]
DEFAULT_CORPUS_DIR = Path("/tmp/casebook-scale-corpus")
GENERATOR_VERSION = 1  # bump when the perturbation changes: cached PDFs are then re-rendered
STYLE = "single"  # one layout for every copy, so per-page times compare across sizes

SYNONYMS = [
    ["important", "significant", "crucial", "central"],
    ["approach", "method", "strategy"],
    ["develop", "build", "create"],
    ["public", "civic", "state"],
    ["support", "back", "assist"],
    ["goal", "aim", "objective"],
    ["challenge", "problem", "difficulty"],
    ["increase", "raise", "boost"],
    ["capacity", "capability", "ability"],
    ["new", "novel", "fresh"],
    ["key", "main", "principal"],
    ["work", "effort", "activity"],
    ["help", "aid", "enable"],
    ["large", "major", "sizeable"],
    ["across", "throughout", "over"],
    ["city", "municipality", "town"],
    ["government", "administration", "authority"],
    ["ambitious", "bold", "far-reaching"],
]
_SYN = {w: group for group in SYNONYMS for w in group}
_SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ra",
    "ven",
    "tor",
    "sel",
    "dun",
    "bra",
    "fen",
    "gal",
    "hol",
    "ist",
    "mar",
    "nor",
    "pel",
    "quin",
    "rud",
    "sar",
    "tam",
]
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_NUMBER = re.compile(r"\d+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“‘(])")
_SHUFFLED_KINDS = {"paragraph", "list_item", "footnote", "caption"}
_TEXT_FIELDS = ("text", "affiliation", "attribution")


def _proper_names(manifests: list[dict]) -> set[str]:
    """Title-case words never written in lower case: names of cases, places, bodies, people."""
    lower: set[str] = set()
    title: set[str] = set()
    for m in manifests:
        for b in m["blocks"]:
            for field in _TEXT_FIELDS:
                for w in _WORD.findall(b.get(field) or ""):
                    if w.islower():
                        lower.add(w)
                    elif w[0].isupper() and w[1:].islower() and len(w) > 2:
                        title.add(w)
    return {w for w in title if w.lower() not in lower}


class Perturber:
    """One copy's deterministic rewrite of manifest text (names, numbers, words, order)."""

    def __init__(self, seed: int, names: set[str]) -> None:
        self.rng = random.Random(seed)
        self.names = names
        self.renamed: dict[str, str] = {}
        self.year_shift = self.rng.choice([-9, -7, -5, -4, -3, 2, 3, 4])

    def _name(self, word: str) -> str:
        key = word.lower()
        if key not in self.renamed:
            n = self.rng.choice([2, 2, 3])
            self.renamed[key] = "".join(self.rng.choice(_SYLLABLES) for _ in range(n))
        new = self.renamed[key]
        return new.upper() if word.isupper() else new.capitalize()

    def _word(self, m: re.Match[str]) -> str:
        w = m.group(0)
        if w.capitalize() in self.names and (w.isupper() or w[0].isupper()):
            if w.isupper() and len(w) <= 3:
                return w  # short acronyms (UK, EU) stay: they are also common words' initials
            return self._name(w)
        group = _SYN.get(w.lower())
        if group and self.rng.random() < 0.6:
            new = self.rng.choice(group)
            return new.capitalize() if w[0].isupper() else new
        return w

    def _number(self, m: re.Match[str]) -> str:
        s = m.group(0)
        v = int(s)
        if len(s) == 4 and 1900 <= v <= 2099:
            return str(v + self.year_shift)
        digits = [
            str(self.rng.randint(1 if i == 0 and len(s) > 1 else 0, 9)) for i in range(len(s))
        ]
        return "".join(digits)

    def text(self, s: str, shuffle: bool) -> str:
        s = _NUMBER.sub(self._number, _WORD.sub(self._word, s))
        if shuffle:
            parts = _SENTENCE_END.split(s)
            if len(parts) > 1:
                self.rng.shuffle(parts)
                s = " ".join(parts)
        return s


def perturb(manifest: dict, seed: int, names: set[str], title: str) -> dict:
    """A copy of ``manifest`` whose text differs in every chunk; ``title`` on its cover."""
    p = Perturber(seed, names)
    out = copy.deepcopy(manifest)
    for b in out["blocks"]:
        for field in _TEXT_FIELDS:
            if b.get(field):
                shuffle = field == "text" and b["kind"] in _SHUFFLED_KINDS
                b[field] = p.text(b[field], shuffle)
    for b in out["blocks"]:  # the cover's first title names the copy
        if b["part"] == "cover" and b["kind"] == "title":
            b["text"] = title
            break
    for c in out["cases"]:
        for field in ("title", "short_name", "sector_tag", "contributors"):
            if c.get(field):
                c[field] = p.text(c[field], False)
        for a in c["authors"]:
            a["name"] = p.text(a["name"], False)
            if a.get("affiliation"):
                a["affiliation"] = p.text(a["affiliation"], False)
    return out


def copy_title(i: int) -> str:
    """A title that no other copy's title starts with (the index links such titles as editions)."""
    rng = random.Random(10_000 + i)
    place = "".join(rng.choice(_SYLLABLES) for _ in range(3)).capitalize()
    return f"{place} Missions Casebook no. {i:03d}"


def _set_title(pdf: Path, title: str) -> None:
    """Give the PDF its own metadata title (the typesetter writes the same one into every copy)."""
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(pdf))
    writer.add_metadata({"/Title": title})
    tmp = pdf.with_suffix(".tmp")
    with tmp.open("wb") as fh:
        writer.write(fh)
    tmp.replace(pdf)


def build_corpus(n: int, corpus_dir: Path = DEFAULT_CORPUS_DIR, *, seed: int = 7) -> list[dict]:
    """Copies 1..n as PDFs in ``corpus_dir`` (cached: existing ones are kept); their records.

    Each record: ``path``, ``title``, ``pages`` (as typeset), ``base`` (the manifest used).
    """
    from eval.typeset import render_variant

    corpus_dir.mkdir(parents=True, exist_ok=True)
    manifests = [json.loads(p.read_text()) for p in BASES if p.exists()]
    if not manifests:
        raise SystemExit(f"no casebook manifest found under {SHARED}")
    names = _proper_names(manifests)
    records: list[dict] = []
    rendered, t0 = 0, time.perf_counter()
    for i in range(1, n + 1):
        pdf = corpus_dir / f"casebook-{i:03d}.pdf"
        meta = pdf.with_suffix(".json")
        want = {"version": GENERATOR_VERSION, "seed": seed, "style": STYLE, "copy": i}
        if pdf.exists() and meta.exists():
            rec = json.loads(meta.read_text())
            if rec.get("key") == want:
                records.append(rec)
                continue
        base = manifests[(i - 1) % len(manifests)]
        title = copy_title(i)
        truth = render_variant(perturb(base, seed * 100_003 + i, names, title), pdf, style=STYLE)
        _set_title(pdf, title)
        rec = {
            "key": want,
            "path": str(pdf),
            "title": title,
            "pages": truth["page_count"],
            "base": base["document_title"],
        }
        meta.write_text(json.dumps(rec))
        records.append(rec)
        rendered += 1
    if rendered:
        dt = time.perf_counter() - t0
        print(f"rendered {rendered} casebook(s) into {corpus_dir} in {dt:.1f} s", file=sys.stderr)
    return records


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int)
    ap.add_argument("--corpus-dir", type=Path, default=DEFAULT_CORPUS_DIR)
    args = ap.parse_args()
    recs = build_corpus(args.n, args.corpus_dir)
    print(f"{len(recs)} casebooks, {sum(r['pages'] for r in recs)} pages in {args.corpus_dir}")


if __name__ == "__main__":
    main()
