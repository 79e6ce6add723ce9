"""LMArena parser on a hand-made leaderboard-text.json and a wide history CSV."""

from __future__ import annotations

import statistics

import polars as pl
import pytest

from pipeline.benchmarks import lmarena
from pipeline.benchmarks.rows import REFERENCE_MODELS, elo_anchor, elo_to_score
from pipeline.core.sources import SourceFormatError
from tests.conftest import AS_OF, FIXTURES

BENCH = FIXTURES / "benchmarks"


@pytest.fixture(scope="module")
def parsed():
    return lmarena.parse((BENCH / "lmarena_leaderboard-text.json").read_bytes(), AS_OF, lmarena.URL)


def _row(parsed, model, benchmark="raw/full"):
    rows = parsed.rows.filter((pl.col("source_model_id") == model) & (pl.col("source_benchmark") == benchmark))
    assert rows.height == 1
    return rows.to_dicts()[0]


def test_rating_and_interval_kept_in_elo(parsed):
    row = _row(parsed, "gemini-2.5-pro")
    assert row["raw_unit"] == "elo"
    assert row["raw_score"] == pytest.approx(1464.461788215414)
    assert (row["raw_ci_low"], row["raw_ci_high"]) == pytest.approx((1461.0214308481243, 1467.9021455827035))


def test_anchor_is_the_median_of_the_reference_models_in_the_category(parsed):
    # Four reference models are listed in 'full': gpt-4o-2024-05-13, gpt-4o-mini, llama-3.1-70b, qwen2.5-72b.
    expected = statistics.median([1301.1368441320633, 1287.222118494587, 1262.0171474707217, 1269.8407462704797])
    row = _row(parsed, "gemini-2.5-pro")
    assert row["anchor_raw"] == pytest.approx(expected)
    assert (row["anchor_basis"], row["anchor_models"]) == ("reference_models", 4)


def test_score_is_the_expected_win_rate_against_the_anchor(parsed):
    row = _row(parsed, "gemini-2.5-pro")
    anchor = row["anchor_raw"]
    assert row["score"] == pytest.approx(100 / (1 + 10 ** ((anchor - 1464.461788215414) / 400)))
    assert row["ci_low"] < row["score"] < row["ci_high"]
    # A reference model near the anchor scores about 50.
    assert 45 < _row(parsed, "gpt-4o-mini-2024-07-18")["score"] < 55


def test_small_category_falls_back_to_the_board_median(parsed):
    # 'coding' lists one reference model only: the anchor is the median of its two ratings.
    row = _row(parsed, "gemini-2.5-pro", "raw/coding")
    assert row["anchor_basis"] == "board_median"
    assert row["anchor_raw"] == pytest.approx((1478.5 + 1300.0) / 2)


def test_variants_are_separate_rows(parsed):
    assert _row(parsed, "claude-opus-4-5-20251101-thinking-32k")["raw_score"] == pytest.approx(1442.2437083563004)


def test_untracked_category_and_bad_entries_are_recorded(parsed):
    rejects = {(r["record_key"], r["kind"]): r["reason"] for r in parsed.rejects.to_dicts()}
    assert "category not tracked" in rejects[("category german", "excluded")]
    assert "not a number" in rejects[("broken-rating", "rejected")]
    assert "outside its interval" in rejects[("inverted-interval", "rejected")]
    assert parsed.rows.height == 7 + 2
    assert parsed.entries == 9 + 2 + 1


def test_style_controlled_file_is_named_by_its_view():
    body = (BENCH / "lmarena_leaderboard-text.json").read_bytes()
    rows = lmarena.parse(body, AS_OF, lmarena.STYLE_CONTROL_URL).rows
    assert set(rows["source_benchmark"]) == {"style_control/full", "style_control/coding"}


def test_re_anchoring_does_not_move_the_score():
    ratings = {m: 1250.0 + 3 * i for i, m in enumerate(REFERENCE_MODELS)}
    ratings["frontier"] = 1450.0
    shifted = {m: r + 37.5 for m, r in ratings.items()}
    a, b = elo_anchor(ratings)[0], elo_anchor(shifted)[0]
    assert b - a == pytest.approx(37.5)
    assert elo_to_score(1450.0, a) == pytest.approx(elo_to_score(1487.5, b))


def test_wide_history_reads_the_last_day_and_treats_zero_as_absent():
    parsed = lmarena.parse((BENCH / "lmarena_history_wide.csv").read_bytes(), AS_OF, "file:///result.csv")
    by_model = {r["source_model_id"]: r for r in parsed.rows.to_dicts()}
    assert by_model["deepseek-r1"]["raw_score"] == 1361.0
    assert by_model["gpt-4o-2024-05-13"]["raw_ci_low"] is None
    assert by_model["gpt-4o-2024-05-13"]["evaluated_at"].date().isoformat() == "2025-02-27"
    assert by_model["gpt-4o-2024-05-13"]["source_benchmark"] == "raw/full"
    assert parsed.rejects.height == 0


def test_wide_history_zero_on_the_last_day_is_excluded():
    body = b",a-model,b-model\n20250101,1200.0,1100.0\n20250102,0.0,1101.0\n"
    parsed = lmarena.parse(body, AS_OF, "file:///x.csv")
    assert parsed.rows["source_model_id"].to_list() == ["b-model"]
    assert parsed.rejects.to_dicts()[0]["kind"] == "excluded"


@pytest.mark.parametrize("body", [b"", b"[1, 2]", b"{\"coding\": {}}", b"not json at all", b"\xff{\"full\": {}}"])
def test_unusable_bodies_fail_as_a_whole(body):
    with pytest.raises(SourceFormatError):
        lmarena.parse(body, AS_OF, lmarena.URL)
