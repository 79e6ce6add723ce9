"""Open LLM Leaderboard parser: rows API pages, the CSV export, and the next-page rule."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from pipeline.benchmarks import open_llm_leaderboard as oll
from pipeline.core.sources import SourceFormatError
from tests.conftest import AS_OF, FIXTURES

BENCH = FIXTURES / "benchmarks"


@pytest.fixture(scope="module")
def page():
    return oll.parse((BENCH / "oll_rows_page.json").read_bytes(), AS_OF, oll.URL)


@pytest.fixture(scope="module")
def export():
    return oll.parse((BENCH / "oll_contents_export.csv").read_bytes(), AS_OF, "file:///contents.csv")


def _row(parsed, model, bench):
    rows = parsed.rows.filter((parsed.rows["source_model_id"] == model) & (parsed.rows["source_benchmark"] == bench))
    assert rows.height == 1
    return rows.to_dicts()[0]


def test_model_name_comes_out_of_the_html_anchor(page):
    row = _row(page, "Qwen/Qwen2.5-72B-Instruct", "IFEval")
    assert (row["raw_score"], row["raw_unit"]) == (0.8638, "fraction")
    assert row["score"] == pytest.approx(86.38)
    assert row["source_normalised"] == 86.38


def test_normalised_column_is_kept_apart_from_the_raw_score(page):
    row = _row(page, "Qwen/Qwen2.5-72B-Instruct", "GPQA")
    assert row["score"] == pytest.approx(37.5)
    assert row["source_normalised"] == 16.67


def test_second_precision_of_a_model_is_excluded_keeping_the_best(page):
    assert _row(page, "google/gemma-2-9b-it", "IFEval")["raw_score"] == 0.7435
    excluded = [r for r in page.rejects.to_dicts() if r["kind"] == "excluded"]
    # Six benchmarks, one loser each: float16 loses IFEval; on the ties the first listing stays.
    assert len(excluded) == 6
    assert all(r["record_key"] == "google/gemma-2-9b-it" for r in excluded)


def test_missing_raw_value_rejects_that_benchmark_only(page):
    rejected = [r for r in page.rejects.to_dicts() if r["kind"] == "rejected"]
    assert [(r["record_key"], r["field"]) for r in rejected] == [("EleutherAI/pythia-12b", "BBH Raw")]
    assert _row(page, "EleutherAI/pythia-12b", "MMLU-PRO")["raw_score"] == 0.1108
    assert page.entries == 4


def test_csv_export_with_index_column_and_emoji_headers(export):
    # No 'fullname' for this row: the name is the anchor's text.
    row = _row(export, "meta-llama/Meta-Llama-3.1-8B-Instruct", "IFEval")
    assert row["raw_score"] == 0.7855 and row["source_normalised"] == 78.56
    assert row["evaluated_at"].date().isoformat() == "2024-08-15"
    assert _row(export, "EleutherAI/pythia-12b", "MMLU-PRO")["score"] == pytest.approx(11.08)
    assert [r["reason"] for r in export.rejects.to_dicts()] == ["no model name in 'fullname' or 'Model'"]


def test_layout_change_fails_as_a_whole():
    body = json.dumps({"rows": [{"row_idx": 0, "row": {"Model": "x", "IFEval": 50.0}}]}).encode()
    with pytest.raises(SourceFormatError, match="layout changed"):
        oll.parse(body, AS_OF, oll.URL)


def _page(n, total=4576):
    return json.dumps({"rows": [{"row_idx": i, "row": {}} for i in range(n)], "num_rows_total": total}).encode()


def test_full_page_leads_to_the_next_offset():
    url = oll.next_page(_page(100), oll.URL)
    query = parse_qs(urlsplit(url).query)
    assert (query["offset"], query["length"], query["dataset"]) == (["100"], ["100"], ["open-llm-leaderboard/contents"])


@pytest.mark.parametrize("rows,total,offset", [(76, 4576, 4500), (0, 4576, 4600), (100, 200, 100)])
def test_short_empty_or_last_page_ends_the_walk(rows, total, offset):
    url = oll.URL.replace("offset=0", f"offset={offset}")
    assert oll.next_page(_page(rows, total), url) is None
