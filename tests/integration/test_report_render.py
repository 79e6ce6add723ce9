"""The HTML report of a replay refresh, read as HTML: self-contained, the six tables filled, four
charts drawn, every number linked to a provenance entry that names a source and a date (a
computed number through the entries it was computed from), and hostile text shown as text."""

from __future__ import annotations

import re
import shutil
from datetime import datetime

import duckdb
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from pipeline.app.cli import main
from pipeline.report import data, render
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


def test_a_price_carried_forward_from_an_earlier_quarter_is_marked(page, tmp_path_factory, instance):
    soup, _ = page
    paths, _ = replay_build(tmp_path_factory, instance)
    with duckdb.connect(str(paths.db), read_only=True) as con:
        observed = dict(con.execute("SELECT DISTINCT canonical_model, observed_at FROM api_cost_at_scale "
                                    "WHERE quarter = '2026Q4' AND is_reference").fetchall())
    rows = {tr.find("td").get_text(): tr.find_all("td") for tr in soup.find("table", id="t-api-cost").find("tbody")
            .find_all("tr")}
    marked = {model for model, cells in rows.items() if cells[2].find("span", class_="carried") is not None}
    before = {model for model, at in observed.items() if at < datetime(2026, 10, 1)}
    assert marked == before and before  # the bundled seed's newest prices predate 2026Q4
    model = sorted(marked)[0]
    assert f"observed {observed[model].date().isoformat()}" in rows[model][2].find("span", class_="carried")["title"]
    assert rows[model][3].find("span", class_="carried") is not None  # the output price too
    assert "carried forward" in soup.find("table", id="t-api-cost").find_previous("p", class_="note").get_text()


def test_every_chart_has_drawn_series(page):
    soup, _ = page
    for chart_id in CHARTS:
        svg = soup.find("svg", id=chart_id)
        assert svg is not None and "empty" not in svg.get("class", []), chart_id
        assert svg.find_all("polyline") and len(svg.find_all("circle")) >= 4, chart_id
    assert soup.find("svg", id="c-crossover").find("g", class_="marker") is not None


def _leaves(entry_id: str, rows: dict, seen: frozenset = frozenset()) -> list[list[str]]:
    """The fetch, curated and assumptions entries a (derived) entry comes from, following "from"."""
    row = rows[entry_id]
    cells = [td.get_text() for td in row.find_all("td")]
    inputs = [a["href"][1:] for a in row.find_all("td")[6].find_all("a")]
    if cells[1] != "derived":
        return [cells]
    assert inputs and entry_id not in seen, entry_id  # a derived number names what it comes from
    return [leaf for i in inputs for leaf in _leaves(i, rows, seen | {entry_id})]


def test_every_number_links_to_a_provenance_entry_naming_its_sources_and_dates(page):
    soup, _ = page
    rows = {row["id"]: row for row in soup.find("table", class_="prov").find_all("tr", id=True)}
    cells = soup.select("table.data td.num")
    assert len(cells) > 400
    headers = {t["id"]: [th.get_text() for th in t.find_all("th")] for t in soup.select("table.data")}
    unlinked = sorted({(td.find_parent("table")["id"], headers[td.find_parent("table")["id"]][
        td.find_parent("tr").find_all("td").index(td)]) for td in cells if td.find("a") is None})
    assert unlinked == []  # every number, computed ones included, links to where it comes from
    for td in cells:
        link = td.find("a")
        assert "observed" in link["title"] or "assumptions" in link["title"], link
        for _, kind, source, observed, *_ in _leaves(link["href"][1:], rows):
            assert source, link
            assert kind == "assumptions" or (kind in ("fetch", "curated")
                                              and re.fullmatch(r"\d{4}-\d{2}-\d{2}", observed)), (link, kind)


HOSTILE_MODEL = '<script>alert("model")</script>'
HOSTILE_PASSAGE = "You may not </td><script>alert('license')</script> & <b>redistribute</b>"


def test_hostile_text_in_a_model_name_or_a_license_passage_is_escaped(tmp_path_factory, instance, tmp_path):
    paths, _ = replay_build(tmp_path_factory, instance)
    copy = tmp_path / "ledger.duckdb"
    shutil.copy(paths.warehouse_dir / "ledger.duckdb", copy)
    con = duckdb.connect(str(copy))
    quarter = con.execute("SELECT max(quarter) FROM openness_spectrum").fetchall()[0][0]
    spectrum_models = {r[0] for r in con.execute("SELECT canonical_model FROM openness_spectrum WHERE quarter = ?",
                                                 [quarter]).fetchall()}
    model = next(m for m in data.price_history(con)["canonical_model"] if m in spectrum_models)  # on the chart too
    for table in ("openness_spectrum", "api_cost_at_scale", "quality_tiers", "models"):
        con.execute(f"UPDATE {table} SET canonical_model = ? WHERE canonical_model = ?", [HOSTILE_MODEL, model])
    con.execute("UPDATE openness_spectrum SET evidence = ?, license_id = ? WHERE quarter = ?",
                [HOSTILE_PASSAGE, HOSTILE_PASSAGE, quarter])
    con.execute("UPDATE licenses SET license_id = ?, source_url = ?", [HOSTILE_PASSAGE, 'javascript:alert("url")'])
    html = render(con)
    con.close()
    soup = BeautifulSoup(html, "lxml")
    assert soup.find_all("script") == [] and [b for b in soup("b") if "redistribute" in b.get_text()] == []
    assert not [a for a in soup("a") if a.get("href", "").startswith("javascript:")]
    assert "&lt;script&gt;alert(&#34;model&#34;)&lt;/script&gt;" in html  # as text, in the tables and the charts
    spectrum = soup.find("table", id="t-spectrum")
    assert HOSTILE_MODEL in spectrum.get_text() and HOSTILE_PASSAGE in spectrum.get_text()
    assert HOSTILE_MODEL in soup.find("table", id="t-api-cost").get_text()
    assert any(HOSTILE_MODEL in g.get("data-series", "") for g in soup.find("svg", id="c-prices").find_all("g"))
    assert any(HOSTILE_PASSAGE in td.get_text() for td in soup.find("table", class_="prov").find_all("td"))


def test_ledger_report_rewrites_it(tmp_path_factory, instance, tmp_path, monkeypatch):
    paths, _ = replay_build(tmp_path_factory, instance)
    monkeypatch.setenv("LEDGER_WAREHOUSE_DIR", str(paths.warehouse_dir))
    monkeypatch.setenv("LEDGER_EXPORTS_DIR", str(tmp_path))
    done = CliRunner().invoke(main, ["report"])
    assert done.exit_code == 0, done.output
    assert (tmp_path / "report" / "index.html").read_text().count("<svg") == len(CHARTS)
