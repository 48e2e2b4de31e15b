"""The app's editions/diff and entities views over a small two-edition index (fake
embedder, no model, no browser): the same data as `casebook editions`/`diff --json`."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from casebook.cli import main
from casebook.web.app import create_app
from index.store import Index
from index.testing import money_entities
from qa.engine import Engine
from tests.test_editions import BASE, REV, SETTINGS, FakeEmbedder, edition


@pytest.fixture
def two_editions(tmp_path):
    path = tmp_path / "ix"
    index = Index(path, SETTINGS)
    emb = FakeEmbedder()
    m1, c1 = edition("Casebook 2024", BASE)
    m2, c2 = edition("Casebook 2024 — Revised edition", REV)
    index.add_document(m1, c1, emb, entities=money_entities(c1))
    index.add_document(
        m2, c2, emb, entities=money_entities(c2), series="Casebook 2024", edition_label="Revised"
    )
    index.close()
    return path


def test_editions_and_diff_views_show_what_the_cli_shows(two_editions):
    with TestClient(create_app(lambda: Engine.open(two_editions))) as client:
        page = client.get("/editions")
        assert page.status_code == 200
        assert "Revised" in page.text and "ed. 1" in page.text
        assert "£662 million" in page.text and "£845 million" in page.text  # a changed fact
        api = client.get("/api/diff").json()
        cli = CliRunner().invoke(main, ["diff", "--index", str(two_editions), "--json"])
        assert api == json.loads(cli.stdout)
        eds = client.get("/api/editions").json()
        cli = CliRunner().invoke(main, ["editions", "--index", str(two_editions), "--json"])
        assert eds == json.loads(cli.stdout)


def test_entities_view_filters_like_the_cli(two_editions):
    with TestClient(create_app(lambda: Engine.open(two_editions))) as client:
        got = client.get("/api/entities?type=amount&min=700m").json()["entities"]
        args = ["entities", "--type", "amount", "--min", "700m", "--json"]
        cli = CliRunner().invoke(main, [*args, "--index", str(two_editions)])
        assert got == [json.loads(x) for x in cli.stdout.splitlines()]
        assert [e["text"] for e in got] == ["£845 million"]
        bad = client.get("/api/entities?min=lots")
        assert bad.status_code == 400 and "lots" in bad.json()["error"]
        page = client.get("/entities?type=amount&currency=GBP")
        assert "£845 million" in page.text and "GBP 845m" in page.text


def test_no_write_endpoints(two_editions):
    with TestClient(create_app(lambda: Engine.open(two_editions))) as client:
        for path in ("/api/ask", "/api/search", "/api/cases", "/api/entities", "/"):
            assert client.post(path).status_code == 405
