"""pipeline/: cases, sections and chunks found from the text, checked against the manifest."""

from __future__ import annotations

import re
import unicodedata

import pytest

from pipeline.structure import iter_sections, outline
from pipeline.tokenize import MAX_WORD_PIECES, count_word_pieces


def norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def cases_of(structure):
    return [p for p in structure.parts if p.kind == "case"]


def test_all_cases_found_with_exact_pages_titles_and_authors(casebook_structure, manifest):
    found = cases_of(casebook_structure)
    truth = manifest["cases"]
    assert len(found) == len(truth) == 6
    for part, want in zip(found, truth, strict=True):
        assert (part.first_page, part.last_page) == (want["first_page"], want["last_page"])
        assert norm(part.title) == norm(want["title"])
        assert part.authors == [a["name"] for a in want["authors"]]


def test_front_and_back_matter_are_their_own_parts(casebook_structure):
    kinds = [p.kind for p in casebook_structure.parts]
    first_case, last_case = kinds.index("case"), len(kinds) - 1 - kinds[::-1].index("case")
    assert all(k == "front" for k in kinds[:first_case])
    assert all(k == "back" for k in kinds[last_case + 1 :])
    titles = [norm(p.title) for p in casebook_structure.parts]
    assert "introduction" in titles and "acknowledgements" in titles


def test_section_headings_recall_and_precision(casebook_structure, manifest):
    truth = {(c["case_id"], norm(s["heading"])) for c in manifest["cases"] for s in c["sections"]}
    ids = [c["case_id"] for c in manifest["cases"]]
    found = {
        (cid, norm(s.heading))
        for cid, part in zip(ids, cases_of(casebook_structure), strict=True)
        for s in part.sections
    }
    recall = len(found & truth) / len(truth)
    precision = len(found & truth) / len(found)
    assert recall >= 0.95 and precision >= 0.90, (recall, precision, sorted(truth - found))


def test_section_pages_match_the_manifest(casebook_structure, manifest):
    pairs = []
    for part, case in zip(cases_of(casebook_structure), manifest["cases"], strict=True):
        got = {norm(s.heading): (s.first_page, s.last_page) for s in part.sections}
        pairs += [(s, got.get(norm(s["heading"]))) for s in case["sections"]]
    exact = [s["heading"] for s, g in pairs if g == (s["first_page"], s["last_page"])]
    assert len(exact) / len(pairs) >= 0.95, [(s["heading"], g) for s, g in pairs if g][:5]


def test_subheadings_and_numbered_lessons_nest_under_sections(casebook_structure, manifest):
    subs = [norm(s.heading) for p in cases_of(casebook_structure) for s in p.sections]
    nested = [
        norm(s.heading)
        for p in cases_of(casebook_structure)
        for s in p.sections
        for s in s.subsections
    ]
    want = [
        norm(b["text"]) for b in manifest["blocks"] if b["kind"] == "subheading" and b["case_id"]
    ]
    assert not set(subs) & set(want)
    assert sum(w in nested for w in want) / len(want) >= 0.85


def test_pull_quotes_keep_their_attribution(casebook_doc, casebook_structure, manifest):
    text = norm(casebook_structure.document.text)
    for q in (b for b in manifest["blocks"] if b["kind"] == "quote"):
        assert norm(q["text"] + " " + q["attribution"]) in text, q["text"][:60]


def test_outline_json_shape(casebook_structure):
    out = outline(casebook_structure)
    assert {"sha256", "title", "pages", "parts"} <= out.keys()
    case = next(p for p in out["parts"] if p["kind"] == "case")
    assert {"kind", "title", "authors", "pdf_pages", "page_labels", "sections"} <= case.keys()
    sec = case["sections"][0]
    assert {"heading", "pdf_pages", "page_labels", "subsections"} <= sec.keys()
    assert case["page_labels"] == [str(case["pdf_pages"][0]), str(case["pdf_pages"][1])]


# --- chunks -------------------------------------------------------------------------------


def test_chunks_fit_the_model_window_measured_by_its_tokenizer(casebook_chunks):
    counts = count_word_pieces([c.embed_text for c in casebook_chunks])
    assert max(counts) <= MAX_WORD_PIECES
    assert [c.tokens for c in casebook_chunks] == counts


def test_chunk_text_is_the_cited_slice_and_lies_on_its_pages(casebook_chunks, casebook_structure):
    doc = casebook_structure.document
    for c in casebook_chunks:
        assert doc.text[c.start : c.end] == c.text
        page_text = norm(" ".join(doc.pages[p - 1].text for p in c.pdf_pages))
        for piece in c.text.split("\n\n"):
            assert norm(piece) in page_text, (c.pdf_pages, piece[:80])
        assert c.page_labels == [doc.label_of(p) for p in c.pdf_pages]


def test_every_sentence_is_cited_on_the_page_it_is_printed_on(casebook_chunks, casebook_structure):
    """A chunk may run over a page break: page_at must still name each sentence's own page."""
    from pipeline.sentences import sentence_spans

    doc = casebook_structure.document
    checked = 0
    for c in (c for c in casebook_chunks if len(c.pdf_pages) > 1):
        for s, e in sentence_spans(c.text):
            page, label = c.page_at(s)
            sentence = norm(c.text[s:e])
            if sentence in norm(doc.pages[page - 1].text):
                checked += 1
                continue
            # A sentence broken across the page break starts on the page cited.
            head = " ".join(sentence.split()[:4])
            assert head in norm(doc.pages[page - 1].text), (page, c.text[s:e][:80])
            checked += 1
        assert label == doc.label_of(page)
    assert checked > 20


def test_chunks_never_cross_a_section_or_case(casebook_chunks, casebook_structure):
    owner: dict[int, tuple[str, tuple[str, ...]]] = {}
    for part in casebook_structure.parts:
        for b in part.blocks:
            owner[b.start] = (part.title, ())
        for path, sec in iter_sections(part):
            for b in sec.blocks:
                owner[b.start] = (part.title, tuple(path))
    starts = sorted(owner)
    for c in casebook_chunks:
        inside = {owner[s] for s in starts if c.start <= s < c.end} | {
            owner[max(s for s in starts if s <= c.start)]
        }
        assert inside == {(c.part, tuple(c.section_path))}, (c.section_path, inside)


def test_chunks_end_on_sentence_boundaries(casebook_chunks, casebook_structure):
    doc = casebook_structure.document
    ends = 0
    for c in casebook_chunks:
        after = doc.text[c.end : c.end + 3]
        ends += bool(re.search(r"[.!?:;\"'”’)\]]$", c.text)) or after.startswith("\n") or not after
    assert ends / len(casebook_chunks) >= 0.97


def test_no_running_header_or_footer_text_in_chunks(casebook_chunks, manifest):
    header = norm(manifest["running_header"])
    footers = {norm(c["short_name"]) for c in manifest["cases"]}
    for c in casebook_chunks:
        assert header not in norm(c.text)
        for piece in c.text.split("\n\n"):
            assert norm(piece) not in footers


def test_chunk_ids_are_stable_content_hashes(casebook_chunks):
    from pipeline.chunks import chunk_structure
    from pipeline.structure import detect_structure
    from sources import load
    from tests.conftest import CASEBOOK

    again = chunk_structure(detect_structure(load(CASEBOOK)))
    assert [c.id for c in again] == [c.id for c in casebook_chunks]
    assert len({c.id for c in casebook_chunks}) == len(casebook_chunks)


def _styled_doc(seed: int):
    """Pages of running text under numbered bold headings a little larger than the body, with
    more run-in labels in capitals at body size (a handbook's convention), at random sizes."""
    import random

    from pipeline.types import Block, Document, Line, Page

    rng = random.Random(seed)
    body = rng.choice([9.0, 10.0, 10.5, 11.0])
    head = round(body * rng.uniform(1.06, 1.2), 1)
    family = rng.choice(["sans", "serif"])
    words = ["the", "fund", "will", "invest", "in", "local", "projects"]
    words += ["across", "every", "region", "over", "ten", "years"]

    def block(text: str, page: int, size: float, bold: bool = False, fam: str = "serif") -> Block:
        line = Line(text, 72.0, 72.0 + 5.2 * len(text), 100.0, size, bold, False, fam)
        return Block(text, page, [line])

    pages = []
    for p in range(1, 9):
        blocks = [
            block(
                f"{(p + 1) // 2}.{p} {rng.choice(['Aims', 'Context', 'Lessons'])} of the work",
                p,
                head,
                True,
                family,
            )
        ]
        for _ in range(rng.randint(2, 3)):
            blocks.append(block(" ".join(rng.sample(words, 3)).upper() + ":", p, body))
            blocks.append(block(" ".join(rng.choices(words, k=40)) + ".", p, body))
        pages.append(Page(p, str(p), blocks))
    return Document("x.pdf", "sha", "Doc", pages, "test"), body, head


@pytest.mark.parametrize("seed", range(6))
def test_numbered_headings_are_the_section_level_beside_more_frequent_capitals(seed):
    from pipeline.typography import measure_typography

    doc, body, head = _styled_doc(seed)
    typo = measure_typography(doc)
    assert typo.heading == head and not typo.heading_caps, (typo, body, head)
