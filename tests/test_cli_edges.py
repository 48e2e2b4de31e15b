"""The CLI's rough edges a new user meets (issue 15): documents named on citations when
several are indexed, abstentions that say what is missing, --passages, --case by tag or
place, progress lines in logs, an empty index, one-line usage errors."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from casebook.cli import main
from index.case_match import fold, match_case_titles
from tests.conftest import ROOT

# The README's example question (what a new user types first); the bank is named as the
# bundled casebook prints it in its first case's title.
EXAMPLE = (
    "How much money has the Scottish National Investment Bank put into projects for its missions?"
)

# An invented second casebook (a Markdown file), so two documents are indexed.
HARBOUR = """# Harbour Renewal Casebook 2031

## The Tidewater crane case

### What did the authority do?

The Tidewater Port Authority committed £48 million to electrify its container cranes in 2029.
Its engineers replaced diesel generators on eleven cranes within two years.
"""


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def two_documents(real_index, tmp_path_factory):
    idx = tmp_path_factory.mktemp("two") / "idx"
    shutil.copytree(real_index, idx)
    src = tmp_path_factory.mktemp("src") / "harbour.md"
    src.write_text(HARBOUR)
    res = run("ingest", str(src), "--index", str(idx), "--new-series", "--json")
    assert res.exit_code == 0, res.output
    return idx


def test_citations_name_document_and_edition_when_several_are_indexed(two_documents):
    res = run("ask", EXAMPLE, "--index", str(two_documents))
    assert res.exit_code == 0, res.output
    first = res.stdout.split("[1] ", 1)[1].split('"')[0]  # up to its quote (rich wraps lines)
    assert first.startswith("MISSIONS IN ACTION — MOIN Casebook 2024, ed. 1 — ")
    assert "p. 18" in first
    res = run(
        "ask", "How much did the Tidewater Port Authority commit?", "--index", str(two_documents)
    )
    assert "£48 million" in res.stdout
    assert "[1] Harbour Renewal Casebook 2031" in res.stdout


def test_one_document_is_not_named_on_every_citation(real_index):
    res = run("ask", EXAMPLE, "--index", str(real_index))
    assert "[1] A MISSION-ORIENTED APPROACH" in res.stdout


def test_text_abstention_says_what_is_missing(real_index):
    res = run("ask", "Who is the mayor of Tokyo?", "--index", str(real_index))
    assert res.exit_code == 0
    assert "do not seem to answer" in res.stdout
    assert "do not mention Tokyo" in res.stdout
    assert "Nearest passages:" in res.stdout


def test_abstention_reason_is_json_data_too(engine):
    # a year the casebook never pairs with the bank's commitments (an invented question; the
    # bank named by its case title)
    a = engine.ask("How much did the Scottish National Investment Bank commit in 1987?")
    assert a.abstained
    assert {"what": "figure", "text": "1987"} in a.to_dict()["missing"]


def test_passages_flag_shows_that_many_passages(real_index):
    res = run("ask", EXAMPLE, "--index", str(real_index), "--passages", "4")
    assert res.stdout.count("(score ") == 4 and "[4] " in res.stdout
    res = run("ask", EXAMPLE, "--index", str(real_index))
    assert "(score " not in res.stdout  # under an answer: only its citations by default


@pytest.mark.parametrize(
    ("case", "title_part"),
    # (query, a part of the matched title): titles and tags as the bundled casebook prints them
    [
        ("bogota", "HEALTH AND CARE INEQUALITIES"),  # the place tag is BOGOTÁ
        ("south africa", "PUBLIC EMPLOYMENT"),
        ("SCOTTISH bank", "SCOTTISH NATIONAL INVESTMENT BANK"),
        ("a2i", "ASPIRE TO INNOVATE"),
        ("housing", "BARCELONA"),
    ],
)
def test_case_matches_words_tag_place_and_short_name(real_index, case, title_part):
    res = run("search", "what was achieved", "--index", str(real_index), "--case", case, "--k", "3")
    assert res.exit_code == 0, res.output
    said = [ln for ln in res.stderr.splitlines() if ln.startswith("case: ")]
    assert len(said) == 1 and title_part in said[0]
    assert res.stdout.count("(score ") == 3


def test_case_that_matches_nothing_is_one_line(real_index):
    res = run("ask", "anything?", "--index", str(real_index), "--case", "atlantis")
    assert res.exit_code == 2 and res.stderr.count("\n") == 1 and "atlantis" in res.stderr


def test_case_matching_on_invented_titles():
    cases = [
        ("REBUILDING SÃO PAULO'S BUS NETWORK", "TRANSPORT | BRAZIL"),
        ("A GREEN DEAL FOR MALMÖ", "CLIMATE | SWEDEN"),
        ("THE NEW ZEALAND WELLBEING BUDGET", "FINANCE | NEW ZEALAND"),
    ]
    assert fold("Malmö") == "malmo"
    assert match_case_titles("sao paulo", cases) == [cases[0][0]]
    assert match_case_titles("MALMO", cases) == [cases[1][0]]
    assert match_case_titles("sweden", cases) == [cases[1][0]]
    assert match_case_titles("new zealand budget", cases) == [cases[2][0]]
    assert match_case_titles("bus budget", cases) == []
    assert match_case_titles("  ", cases) == []


def test_first_run_ingest_prints_progress_lines_into_a_log(tmp_path, monkeypatch, capsys):
    """stderr is not a terminal here: a line every CASEBOOK_PROGRESS_EVERY seconds."""
    import time

    import index.ingest
    from casebook import opening

    def slow_ingest(paths, index_dir, *, on_file=None, progress=None, chroma_url=None):
        on_file(paths[0])
        for done in range(5):
            time.sleep(0.25)
            progress(done, 4)
        return []

    monkeypatch.setattr(index.ingest, "ingest", slow_ingest)
    monkeypatch.setenv("CASEBOOK_PROGRESS_EVERY", "0.2")
    t0 = time.monotonic()
    opening.first_run_ingest(tmp_path / "idx")
    took = time.monotonic() - t0
    lines = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("First run: ")]
    beats = [ln for ln in lines if " s, " in ln]
    assert len(beats) >= int(took / 0.2) - 1 >= 4
    assert "embedded" in beats[-1] and "/4 chunks" in beats[-1]


def test_progress_period_defaults_to_five_seconds(monkeypatch):
    from casebook.progress import heartbeat_every

    monkeypatch.delenv("CASEBOOK_PROGRESS_EVERY", raising=False)
    assert heartbeat_every() == 5.0


def test_empty_index_says_so_and_exits_2(real_index, tmp_path):
    idx = tmp_path / "idx"
    shutil.copytree(real_index, idx)
    sha = json.loads(run("cases", "--json", "--index", str(idx)).stdout)["documents"][0]["sha256"]
    assert run("remove", sha[:12], "--index", str(idx), "--yes").exit_code == 0
    for args in (["ask", EXAMPLE], ["search", "housing"], ["cases"]):
        res = run(*args, "--index", str(idx))
        assert res.exit_code == 2, (args, res.output)
        assert "no documents" in res.stderr and res.stderr.count("\n") == 1


def test_a_named_folder_that_does_not_exist_is_one_line_and_creates_nothing(tmp_path):
    """Only the default folder gets the bundled casebook on first use; a mistyped
    ``--index`` (or CASEBOOK_INDEX) must not silently become a new index."""
    gold = str(ROOT / "eval" / "gold" / "dev-qa.jsonl")
    missing = tmp_path / "typo"
    for args in (["ask", EXAMPLE], ["search", "housing"], ["eval", gold], ["entities"], ["cases"]):
        res = run(*args, "--index", str(missing))
        assert res.exit_code == 2, (args, res.output)
        assert res.stderr.count("\n") == 1 and str(missing) in res.stderr, (args, res.stderr)
    res = CliRunner().invoke(main, ["ask", EXAMPLE], env={"CASEBOOK_INDEX": str(missing)})
    assert res.exit_code == 2 and str(missing) in res.stderr
    assert not missing.exists()


def test_the_default_folder_is_still_filled_on_first_use(tmp_path, monkeypatch):
    from casebook import opening

    class FirstRun(Exception):
        pass

    def first_run(index_dir, chroma_url=None):
        raise FirstRun(index_dir)

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.setattr(opening, "first_run_ingest", first_run)
    with pytest.raises(FirstRun):
        opening.open_engine(tmp_path / "casebook")
    with pytest.raises(opening.CasebookError, match="no index at"):
        opening.open_engine(tmp_path / "elsewhere")


@pytest.mark.parametrize(
    "args",
    [
        ["ask", "a question", "--batch", "-"],
        ["ask", "q", "--k", "0"],
        ["ask", "q", "--retrieval", "magic"],
        ["ask", "q", "--no-such-flag"],
        ["entities", "--json", "--csv"],
        ["no-such-command"],
        ["ingest"],
        ["eval"],
        ["serve", "--port", "99999"],
    ],
)
def test_every_usage_error_is_one_line_exit_2(tmp_path, args):
    res = CliRunner().invoke(main, [*args, "--index", str(tmp_path / "none")])
    assert res.exit_code == 2, res.output
    assert res.stderr.count("\n") == 1 and "Usage:" not in res.stderr, res.stderr
    assert res.stderr.startswith("casebook")
