"""sources/: real PDFs in, pages with printed labels and clean reading-order text out."""

from __future__ import annotations

import json
import random
import re
import unicodedata

import pytest

from sources import SourceError, load
from sources.errors import (
    DamagedPDFError,
    EmptyFileError,
    EncryptedPDFError,
    NoPagesError,
    NotAPDFError,
    NoTextError,
    WrongPasswordError,
)
from sources.text import join_lines
from tests.conftest import CASEBOOK, CORPUS, need_shared


def norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


BAD = {
    "empty.pdf": (EmptyFileError, "empty"),
    "notes.pdf": (NotAPDFError, "not a PDF"),
    "truncated.pdf": (DamagedPDFError, "truncated or damaged"),
    "encrypted.pdf": (EncryptedPDFError, "password required"),
    "scanned.pdf": (NoTextError, "no extractable text"),
    "zero-pages.pdf": (NoPagesError, "no pages"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_inputs_get_a_named_one_line_reason(name):
    need_shared()
    exc_type, reason = BAD[name]
    with pytest.raises(exc_type) as info:
        load(CORPUS / "bad" / name)
    msg = str(info.value)
    assert name in msg and reason in msg and "\n" not in msg


def test_every_bad_file_is_covered():
    need_shared()
    expected = json.loads((CORPUS / "bad" / "expected.json").read_text())
    assert set(expected) == set(BAD)


def test_encrypted_opens_with_password_and_refuses_a_wrong_one():
    need_shared()
    doc = load(CORPUS / "bad" / "encrypted.pdf", password="secret")
    assert doc.page_count == 80
    with pytest.raises(WrongPasswordError):
        load(CORPUS / "bad" / "encrypted.pdf", password="nope")


def test_printed_page_labels_match_the_manifest(casebook_doc, manifest):
    assert [p.label for p in casebook_doc.pages] == manifest["page_labels"]


def test_document_provenance(casebook_doc):
    assert len(casebook_doc.sha256) == 64
    assert casebook_doc.page_count == 80
    assert casebook_doc.parser.startswith("pypdf ")
    assert "MOIN" in casebook_doc.title


def test_running_headers_footers_and_page_numbers_are_removed(casebook_doc, manifest):
    header = norm(manifest["running_header"])
    footers = {norm(c["short_name"]) for c in manifest["cases"]}
    for page in casebook_doc.pages:
        for block in page.blocks:
            assert header not in norm(block.text), (page.pdf_page, block.text[:80])
            assert norm(block.text) not in footers, (page.pdf_page, block.text)
            assert not re.fullmatch(r"\d{1,3}", block.text.strip()), (page.pdf_page, block.text)
    figure_pages = manifest["figure_only_pages"]
    assert all(not casebook_doc.pages[p - 1].blocks for p in figure_pages)


def test_reading_order_and_line_joining_recover_the_paragraphs(casebook_doc, manifest):
    """Two-column pages read left column first; lines broken by layout are joined."""
    text = norm(casebook_doc.text)
    paras = [b for b in manifest["blocks"] if b["kind"] in ("paragraph", "list_item")]
    found = sum(norm(b["text"]) in text for b in paras)
    assert found / len(paras) >= 0.97, f"{found}/{len(paras)} paragraphs found verbatim"


def test_tables_keep_each_cell_with_its_labels(casebook_doc, manifest):
    """Every printed table row comes out either as a row ("a | b", a table without labels)
    or as lines that each hold the row's first cell and one of its other cells."""
    lines = [
        norm(line)
        for page in casebook_doc.pages
        for b in page.blocks
        if b.kind == "table"
        for line in b.text.split("\n")
    ]
    got = "\n".join(lines)
    want = [b for b in manifest["blocks"] if b["kind"] == "table"]
    rows = [r.split(" | ") for t in want for r in t["text"].split("\n")[1:]]
    hit = 0
    for cells in rows:
        head, rest = norm(cells[0]), [norm(c) for c in cells[1:] if norm(c)]
        as_row = norm(" | ".join(cells)) in got
        paired = bool(head) and all(any(head in ln and c in ln for ln in lines) for c in rest)
        hit += as_row or paired
    assert hit / len(rows) >= 0.6, f"{hit}/{len(rows)} table rows recovered"


@pytest.mark.parametrize(
    ("lines", "vocab", "want"),
    [
        (["the trans-", "formation of"], set(), "the transformation of"),
        (["a mission-", "oriented bank"], {"mission-oriented"}, "a mission-oriented bank"),
        (["support-", "ing"], {"supporting"}, "supporting"),
        (["one", "two"], set(), "one two"),
    ],
)
def test_join_lines_undoes_hyphenation_but_keeps_compounds(lines, vocab, want):
    assert join_lines(lines, vocab) == want


def test_plain_text_files_ingest_as_documents(tmp_path):
    f = tmp_path / "notes.md"
    f.write_text("# Field notes\n\nThe city set a target of 500 homes by 2030.\n\nSecond para.\n")
    doc = load(f)
    assert doc.kind == "text" and doc.title == "Field notes"
    assert "500 homes by 2030" in doc.text


def _corrupt(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    mode = rng.choice(["flip", "cut", "zero", "shuffle"])
    if mode == "flip":
        for _ in range(rng.randint(1, 200)):
            buf[rng.randrange(len(buf))] = rng.randrange(256)
    elif mode == "cut":
        del buf[rng.randrange(len(buf) // 10, len(buf)) :]
    elif mode == "zero":
        start = rng.randrange(len(buf))
        buf[start : start + rng.randint(100, 20000)] = bytes(min(len(buf) - start, 20000))
    else:
        a, b = sorted(rng.randrange(len(buf)) for _ in range(2))
        buf[a:b] = bytes(reversed(buf[a:b]))
    return bytes(buf)


def _fuzz(seeds, tmp_path):
    from pipeline.chunks import chunk_structure
    from pipeline.structure import detect_structure

    data = CASEBOOK.read_bytes()
    for seed in seeds:
        rng = random.Random(seed)
        path = tmp_path / f"corrupt-{seed}.pdf"
        path.write_bytes(_corrupt(data, rng))
        try:
            chunk_structure(detect_structure(load(path)))
        except SourceError as e:
            assert str(path) in str(e) and "\n" not in str(e)


def test_randomly_corrupted_casebooks_never_crash(tmp_path):
    _fuzz(range(6), tmp_path)


@pytest.mark.slow
def test_randomly_corrupted_casebooks_never_crash_many(tmp_path):
    _fuzz(range(6, 60), tmp_path)


@pytest.mark.slow
def test_every_wild_pdf_reads_or_gets_a_reason():
    from pipeline.chunks import chunk_structure
    from pipeline.structure import detect_structure

    need_shared()
    for f in sorted((CORPUS / "wild").iterdir()):
        if f.suffix.lower() not in (".pdf", ".md"):
            continue
        try:
            doc = load(f)
        except SourceError as e:
            assert f.name in str(e)
            continue
        # A file that has text becomes a document with at least one cited chunk.
        chunks = chunk_structure(detect_structure(doc))
        assert chunks and all(c.text.strip() and c.pdf_pages for c in chunks), f.name


def test_pdf_page_labels_win_over_printed_numbers(tmp_path):
    """A PDF that declares /PageLabels (roman front matter, then arabic) is read as declared."""
    import pypdf
    from pypdf.constants import PageLabelStyle

    writer = pypdf.PdfWriter(clone_from=str(CASEBOOK))
    writer.set_page_label(0, 3, style=PageLabelStyle.LOWERCASE_ROMAN, start=1)
    writer.set_page_label(4, 79, style=PageLabelStyle.DECIMAL, start=1)
    out = tmp_path / "labelled.pdf"
    writer.write(out)
    labels = [p.label for p in load(out).pages]
    assert labels[:6] == ["i", "ii", "iii", "iv", "1", "2"]
    assert labels[-1] == "76"


def test_each_font_is_parsed_once_per_file_and_the_text_is_unchanged(monkeypatch):
    """pypdf re-parses every font on every page; a read parses each one once (issue #11's
    speed) and the text pypdf extracts with the shared fonts is the same, page by page."""
    import pypdf
    from pypdf.generic._font import Font

    from sources.fonts import fonts_parsed_once

    parse = Font.from_font_resource.__func__
    parsed: list[int] = []

    def counting(cls, font_dict):
        parsed.append(id(font_dict))
        return parse(cls, font_dict)

    monkeypatch.setattr(Font, "from_font_resource", classmethod(counting))
    doc = load(CASEBOOK)
    assert len(doc.pages) == 80 and 0 < len(parsed) == len(set(parsed)) < 20
    for pdf in (CASEBOOK, *sorted((CORPUS / "wild").glob("00[2-4]*.pdf"))[:2]):
        plain = [p.extract_text() for p in pypdf.PdfReader(pdf).pages]
        with fonts_parsed_once():
            shared = [p.extract_text() for p in pypdf.PdfReader(pdf).pages]
        assert shared == plain, pdf
