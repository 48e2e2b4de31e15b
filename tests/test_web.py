"""``casebook serve`` end to end: the JSON API against the CLI, highlights against pypdf's
text positions (eval/highlight.py), and a real headless Chromium driving the pages
(tests/web_helpers.py)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from urllib.parse import quote as urlquote

import pytest
from click.testing import CliRunner

from casebook.cli import main
from eval.highlight import overlaps, quote_lines
from pipeline.tables import CELL_SEP, LABEL_SEP
from tests.conftest import CASEBOOK, ROOT
from tests.web_helpers import LiveServer, highlight_from_png

# The README's example question (what a new user types first), not a gold question.
EXAMPLE = (
    "How much money has the Scottish National Investment Bank put into projects for its missions?"
)
SHOTS = os.environ.get("CASEBOOK_SCREENSHOTS")  # a folder: save screenshots of the views


@pytest.fixture(scope="module")
def server(real_index):
    live = LiveServer(real_index)
    yield live
    live.stop()


@pytest.fixture(scope="module")
def pypdf_doc():
    from sources import load

    return load(CASEBOOK)


def _alnum(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _check_highlight(server, pypdf_doc, citation) -> None:
    """The app's boxes lie over the quote's printed lines (pypdf positions), cover most of
    them, and are what the PNG actually paints."""
    sha, page, quote = citation["sha256"], citation["pdf_page"], citation["quote"]
    found = server.json(f"/api/highlight?sha={sha}&page={page}&quote={urlquote(quote)}")
    boxes = found["boxes"]
    row, sep, rest = quote.partition(LABEL_SEP)
    if sep and CELL_SEP in rest:
        # A table cell quoted with its labels: the printed lines of its row label and cell
        # (a table's lines run across its cells, so the quote is not one stretch of them).
        want = _alnum(row) + "|" + _alnum(rest.split(CELL_SEP, 1)[1])
        lines = [
            (ln.x0, ln.top - 0.8 * ln.size, ln.x1, ln.top + 0.2 * ln.size)
            for b in pypdf_doc.pages[page - 1].blocks
            if b.kind == "table"
            for ln in b.lines
            if len(_alnum(ln.text)) >= 3 and _alnum(ln.text) in want
        ]
    else:
        lines = quote_lines(pypdf_doc, page, quote)
    assert lines, f"pypdf finds no line of the quote on pdf page {page}: {quote!r}"
    assert boxes, f"no highlight for {quote!r} on pdf page {page}"
    for b in boxes:
        assert any(overlaps(b, ln) for ln in lines), (b, lines, quote)
    covered = [ln for ln in lines if any(overlaps(b, ln) for b in boxes)]
    # (a table's short cells may be printed again in other rows: there, two lines suffice)
    need = min(2, len(lines)) if sep and CELL_SEP in rest else 0.75 * len(lines)
    assert len(covered) >= need, (boxes, lines, quote)
    # the image: painted pixels are the boxes, scaled to the image's width
    marked, kind = server.get(citation["page_url"])
    assert kind == "image/png" and marked[:8] == b"\x89PNG\r\n\x1a\n"
    plain, _ = server.get(citation["page_url"].split("&quote=")[0])
    painted = highlight_from_png(marked, plain)
    import io

    from PIL import Image

    scale = Image.open(io.BytesIO(marked)).size[0] / found["page_size"][0]
    assert painted
    for p in painted:
        pts = [v / scale for v in p]
        assert any(overlaps(pts, ln, slack=3) for ln in lines), (pts, lines)


def test_api_ask_is_the_cli_json_plus_page_urls(server, real_index):
    cli = CliRunner().invoke(main, ["ask", EXAMPLE, "--index", str(real_index), "--json"])
    want = json.loads(cli.stdout)
    got = server.json(f"/api/ask?q={urlquote(EXAMPLE)}")
    urls = [c.pop("page_url") for c in got["citations"]]
    assert got == want
    assert urls and all(u.startswith("/img/") for u in urls)
    body, kind = server.get(urls[0])
    assert kind == "image/png" and body[:4] == b"\x89PNG"


def test_api_search_and_cases(server):
    hits = server.json("/api/search?q=public+rental+housing&k=3")["passages"]
    assert [h["rank"] for h in hits] == [1, 2, 3]
    docs = server.json("/api/cases")["documents"]
    assert len([p for p in docs[0]["parts"] if p["kind"] == "case"]) == 6


def test_api_errors_are_one_line_and_nothing_is_writable(server):
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as e:
        server.get("/api/ask?q=housing&case=atlantis")
    assert e.value.code == 400 and "atlantis" in json.loads(e.value.read())["error"]
    req = urllib.request.Request(server.url + "/api/ask?q=x", method="POST")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert e.value.code == 405


def test_highlight_lies_on_the_quote_for_dev_questions(server, pypdf_doc):
    """Questions from the dev set as inputs (their answers are not pinned): wherever the
    app answers, the first citation's highlight is on the quote's words, on its page."""
    gold = ROOT / "eval" / "gold" / "dev-qa.jsonl"
    questions = [json.loads(x)["question"] for x in gold.read_text().splitlines() if x.strip()]
    checked = 0
    for q in questions:
        out = server.json(f"/api/ask?q={urlquote(q)}")
        if out["abstained"]:
            continue
        _check_highlight(server, pypdf_doc, out["citations"][0])
        checked += 1
        if checked == 12:
            break
    assert checked == 12


def test_moved_pdf_is_said_in_one_line(real_index, tmp_path):
    """The catalog records where the PDF was; a copy of the index whose PDF is gone says so."""
    import sqlite3

    idx = tmp_path / "idx"
    shutil.copytree(real_index, idx)
    gone = tmp_path / "moved-away.pdf"
    with sqlite3.connect(idx / "catalog.sqlite") as db:
        db.execute("UPDATE documents SET path = ?", (str(gone),))
    live = LiveServer(idx)
    try:
        out = live.json(f"/api/ask?q={urlquote(EXAMPLE)}")
        import urllib.error

        with pytest.raises(urllib.error.HTTPError) as e:
            live.get(out["citations"][0]["page_url"])
        msg = e.value.read().decode()
        assert e.value.code == 404 and str(gone) in msg and "no longer there" in msg
    finally:
        live.stop()


def test_port_taken_is_one_line(real_index):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        res = CliRunner().invoke(main, ["serve", "--index", str(real_index), "--port", str(port)])
    assert res.exit_code == 2
    assert res.stderr.strip().count("\n") == 0 and f"port {port}" in res.stderr


# --- a real browser --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_bin = shutil.which("chromedriver")
    if not (chromium and driver_bin):
        if os.environ.get("CASEBOOK_REQUIRE_BROWSER"):
            pytest.fail("chromium and chromium-driver are required (.ci/run installs them)")
        pytest.skip(
            "chromium / chromedriver not installed (apt-get install chromium chromium-driver)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--window-size=1280,1400",
        "--disable-dev-shm-usage",
    ):
        opts.add_argument(arg)
    drv = webdriver.Chrome(service=Service(driver_bin), options=opts)
    yield drv
    drv.quit()


def _shot(drv, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        drv.save_screenshot(str(Path(SHOTS) / f"{name}.png"))


def test_browser_asks_and_shows_the_highlighted_page(server, browser, pypdf_doc):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    drv, wait = browser, WebDriverWait(browser, 30)
    drv.get(server.url + "/")
    box = wait.until(ec.presence_of_element_located((By.ID, "q")))
    box.send_keys(EXAMPLE)
    drv.find_element(By.ID, "ask-button").click()
    answer = wait.until(ec.presence_of_element_located((By.ID, "answer-text")))
    assert "662" in answer.text
    img = drv.find_element(By.CSS_SELECTOR, "li.citation img.page-img")
    wait.until(lambda d: d.execute_script("return arguments[0].naturalWidth", img) > 0)
    assert img.is_displayed()
    first = drv.find_element(By.CSS_SELECTOR, "li.citation .src").text
    assert "p. 18" in first
    _shot(drv, "ask")
    # the image the browser shows is highlighted over the quote's words (pypdf positions)
    src = img.get_attribute("src")
    quote = drv.find_element(By.CSS_SELECTOR, "li.citation blockquote").text
    page = int(src.split("/img/")[1].split("/")[1].split(".")[0])
    sha = src.split("/img/")[1].split("/")[0]
    rel = src[len(server.url) :]
    _check_highlight(
        server, pypdf_doc, {"sha256": sha, "pdf_page": page, "quote": quote, "page_url": rel}
    )
    # click for the full page, then the next one
    img.click()
    full = wait.until(ec.presence_of_element_located((By.ID, "full-page")))
    wait.until(lambda d: d.execute_script("return arguments[0].naturalWidth", full) > 900)
    _shot(drv, "page")
    drv.find_element(By.ID, "next").click()
    wait.until(lambda d: f"/{page + 1}" in d.current_url)
    # the contents view: documents, cases, sections with pages
    drv.find_element(By.ID, "nav-contents").click()
    contents = wait.until(ec.presence_of_element_located((By.ID, "contents")))
    first_case = "SCOTTISH NATIONAL INVESTMENT BANK"  # the bundled casebook's first case title
    assert first_case in contents.text and "pp. " in contents.text
    _shot(drv, "contents")
    drv.find_element(By.ID, "nav-entities").click()
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "form.filters")))
    drv.get(server.url + "/entities?type=amount&currency=GBP")
    assert "£662 million" in drv.find_element(By.CSS_SELECTOR, "table.entities").text
    _shot(drv, "entities")
    drv.get(server.url + "/?q=" + urlquote("Who is the mayor of Tokyo?"))
    reason = wait.until(ec.presence_of_element_located((By.ID, "reason")))
    assert "Tokyo" in reason.text
    _shot(drv, "abstained")
    # the search view with a case named by its place
    drv.find_element(By.ID, "nav-search").click()
    box = wait.until(ec.presence_of_element_located((By.ID, "q")))
    box.send_keys("jobs created")
    drv.find_element(By.ID, "case").send_keys("south africa")
    box.submit()
    note = wait.until(ec.presence_of_element_located((By.ID, "case-note")))
    assert "PUBLIC EMPLOYMENT" in note.text
    found = drv.find_elements(By.CSS_SELECTOR, "ol.passages li")
    assert len(found) == 10 and all("PUBLIC EMPLOYMENT" in li.text for li in found)
    _shot(drv, "search")
