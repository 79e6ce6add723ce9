"""The calculator page as HTML: written beside the report by every publication, linked from it,
self-contained (its one script inline, nothing fetched), and embedding exactly the candidates and
rules `ledger advise` ranks, with no way for a name in the data to end the script element."""

from __future__ import annotations

import json
import re

import duckdb
import pytest
from bs4 import BeautifulSoup

from pipeline.advise import candidates, tables
from pipeline.advise.rules import load_rules
from pipeline.report.calculator import render_calculator
from tests.integration.test_advise_managed import MANAGED, build
from tests.support.replay_build import replay_build

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def paths(tmp_path_factory, instance):
    return replay_build(tmp_path_factory, instance)[0]


def test_the_published_report_links_a_self_contained_calculator(paths):
    report = paths.exports_dir / "report"
    index = BeautifulSoup((report / "index.html").read_text(encoding="utf-8"), "lxml")
    assert index.find("nav").find("a", href="calculator.html") is not None
    html = (report / "calculator.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "lxml")
    scripts = soup.find_all("script")
    assert [s.get("type") for s in scripts] == ["application/json", None] and not any(s.get("src") for s in scripts)
    assert not soup.find_all(["link", "img", "iframe"])
    assert not re.search(r"""(src|@import|url\()\s*=?\s*["']?https?:""", html)
    assert soup.find("a", href="index.html") is not None


def test_the_page_embeds_the_candidates_and_rules_ledger_advise_ranks(paths):
    html = (paths.exports_dir / "report" / "calculator.html").read_text(encoding="utf-8")
    data = json.loads(BeautifulSoup(html, "lxml").find("script", id="calc-data").string)
    with duckdb.connect(str(paths.db), read_only=True) as con:
        latest = tables.quarters(con)[-1]
        catalog = candidates.load(con, latest)
        (hosted,), = con.execute("SELECT count(*) FROM self_hosted_cost WHERE quarter = ?", [latest]).fetchall()
        (managed,), = con.execute("SELECT count(*) FROM managed_inference WHERE quarter = ?", [latest]).fetchall()
    assert (data["quarter"], data["provisional"]) == ("2026Q4", True) and latest == "2026Q4"
    assert data["candidates"] == json.loads(json.dumps(catalog.candidates))
    assert data["rules"] == [r.as_dict() for r in load_rules()]
    assert data["mix"]["input_tokens"] == 1000
    kinds = [c["kind"] for c in data["candidates"]]
    assert (kinds.count("self_hosted"), kinds.count("managed")) == (hosted, managed) and hosted and managed
    assert kinds.count("closed_api") > 0 and set(kinds) == {"self_hosted", "managed", "closed_api"}
    # The rule table is printed on the page with each citation.
    rules = BeautifulSoup(html, "lxml").find("table", id="calc-rules").get_text(" ")
    assert "mau_license" in rules and "archive.fo/xXsg7" in rules


def test_a_name_in_the_data_cannot_end_the_script_element(tmp_path):
    hostile = '</script><script>alert("x")</script><!--'
    paths = build(tmp_path, [dict(MANAGED[0], canonical_model=hostile)])
    with duckdb.connect(str(paths.db), read_only=True) as con:
        html = render_calculator(con)
    soup = BeautifulSoup(html, "lxml")
    data_block, code = soup.find_all("script")  # still the page's two scripts, the code untouched
    assert data_block.get("id") == "calc-data" and "alert" not in code.string
    data = json.loads(data_block.string)
    assert hostile in {c["id"] for c in data["candidates"]}
    assert "</script><script>" not in html and "\\u003c/script\\u003e" in html
