"""The HTML report of a replay refresh, read as HTML: self-contained, the six tables filled, four
charts drawn, and every number linked to a provenance entry that names a source and a date."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from pipeline.app.cli import main
from tests.support.replay_build import replay_build

pytestmark = pytest.mark.integration
TABLES = ("t-spectrum", "t-tiers", "t-api-cost", "t-self-hosted", "t-crossover", "t-tco")
CHARTS = ("c-prices", "c-gap", "c-crossover", "c-gpu")


@pytest.fixture(scope="module")
def page(tmp_path_factory, instance):
    paths, _ = replay_build(tmp_path_factory, instance)
    html = (paths.exports_dir / "report" / "index.html").read_text(encoding="utf-8")
    return BeautifulSoup(html, "lxml"), html


def test_nothing_is_fetched_to_view_it(page):
    soup, html = page
    assert not soup.find_all(["script", "link", "img", "iframe"])
    assert not re.search(r"""(src|@import|url\()\s*=?\s*["']?https?:""", html)


def test_latest_quarter_tables_have_rows(page):
    soup, _ = page
    assert "2026Q4" in soup.find("p", class_="meta").get_text() and "provisional" in soup.find("p", class_="meta").get_text()
    for table_id in TABLES:
        table = soup.find("table", id=table_id)
        assert table is not None and len(table.find("tbody").find_all("tr")) > 0, table_id
    tiers = soup.find("table", id="t-tiers").get_text(" ")
    assert "frontier" in tiers


def test_every_chart_has_drawn_series(page):
    soup, _ = page
    for chart_id in CHARTS:
        svg = soup.find("svg", id=chart_id)
        assert svg is not None and "empty" not in svg.get("class", []), chart_id
        assert svg.find_all("polyline") and len(svg.find_all("circle")) >= 4, chart_id
    assert soup.find("svg", id="c-crossover").find("g", class_="marker") is not None


def test_every_number_links_to_a_provenance_entry_with_source_and_date(page):
    soup, _ = page
    entries = {row["id"]: row for row in soup.find("table", class_="prov").find_all("tr", id=True)}
    cells = soup.select("table.data td.num")
    assert len(cells) > 100
    for td in cells:
        link = td.find("a")
        if link is None:  # counts (requests per month) are inputs, not facts
            continue
        entry = entries[link["href"][1:]]
        assert "observed" in link["title"] or "assumptions" in link["title"], link
        assert entry.find_all("td")[2].get_text()  # a source is named
    fetches = [e for e in entries.values() if e.find_all("td")[1].get_text() == "fetch"]
    assert fetches and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", e.find_all("td")[3].get_text()) for e in fetches)


def test_ledger_report_rewrites_it(tmp_path_factory, instance, tmp_path, monkeypatch):
    paths, _ = replay_build(tmp_path_factory, instance)
    monkeypatch.setenv("LEDGER_WAREHOUSE_DIR", str(paths.warehouse_dir))
    monkeypatch.setenv("LEDGER_EXPORTS_DIR", str(tmp_path))
    done = CliRunner().invoke(main, ["report"])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "report" / "index.html").read_text().count("<svg") == len(CHARTS)
