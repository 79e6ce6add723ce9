"""Aider parser: YAML runs, pass_rate_2, free-text model names, which board."""

from __future__ import annotations

from datetime import datetime

import pytest

from pipeline.benchmarks import aider
from pipeline.core.sources import SourceFormatError
from tests.conftest import AS_OF, FIXTURES

BODY = (FIXTURES / "benchmarks" / "aider_polyglot.yml").read_bytes()


@pytest.fixture(scope="module")
def parsed():
    return aider.parse(BODY, AS_OF, aider.URL)


def test_pass_rate_2_is_the_score_with_the_run_date(parsed):
    row = parsed.rows.filter(parsed.rows["source_model_id"] == "gpt-5 (high)").to_dicts()[0]
    assert (row["source_benchmark"], row["raw_unit"]) == ("polyglot", "percent")
    assert (row["raw_score"], row["score"]) == (88.0, 88.0)
    assert row["evaluated_at"] == datetime(2025, 8, 23)


def test_same_model_text_twice_keeps_the_better_run(parsed):
    rows = parsed.rows.filter(parsed.rows["source_model_id"] == "Qwen2.5-Coder-32B-Instruct")
    assert rows["raw_score"].to_list() == [16.4]
    assert any(r["kind"] == "excluded" and "kept 16.4 over 8" in r["reason"] for r in parsed.rejects.to_dicts())


def test_runs_without_a_rate_or_a_model_are_rejected(parsed):
    rejected = [(r["record_key"], r["field"]) for r in parsed.rejects.to_dicts() if r["kind"] == "rejected"]
    assert rejected == [("DeepSeek R1", "pass_rate_2"), ("[4]", None)]
    assert parsed.entries == 5 and parsed.rows.height == 2


def test_board_from_the_url_or_the_test_cases():
    assert aider.board_of(aider.EDIT_URL, []) == "edit"
    runs = [{"test_cases": 133}, {"test_cases": 133}, {"test_cases": 36}]
    assert aider.board_of("file:///tmp/copy.yml", runs) == "edit"
    assert aider.board_of("file:///tmp/copy.yml", [{"test_cases": 225}]) == "polyglot"


def test_edit_board_rows_are_named_edit():
    assert set(aider.parse(BODY, AS_OF, aider.EDIT_URL).rows["source_benchmark"]) == {"edit"}


@pytest.mark.parametrize("body", [b"model: x\n", b"- [unclosed\n", b"\xff\xfe"])
def test_not_a_list_of_runs_fails_as_a_whole(body):
    with pytest.raises(SourceFormatError):
        aider.parse(body, AS_OF, aider.URL)
