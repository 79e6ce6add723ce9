"""The quality index, the score-move rule and the scale guard: specific cases and properties."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.benchmarks.guards import score_outside_scale
from pipeline.benchmarks.moves import ELO_THRESHOLD, POINTS_THRESHOLD, score_moves
from pipeline.benchmarks.quality import quality_index
from pipeline.benchmarks.rows import scored_row
from pipeline.core.family import GuardContext
from pipeline.core.validate import ROW

REGISTRY = pl.DataFrame({
    "benchmark": ["arena_elo", "arena_elo_raw", "mmlu", "gpqa_diamond", "humaneval"],
    "in_quality_index": [True, True, True, True, False],
    "index_group": ["arena", "arena", "mmlu", "gpqa_diamond", "humaneval"],
    "index_priority": [1, 2, 1, 1, 1],
})


def scores(rows):
    return pl.DataFrame(rows, schema=["canonical_model", "benchmark", "source", "score"], orient="row")


def by_model(frame):
    return {r["canonical_model"]: r for r in frame.to_dicts()}


def test_index_rescales_each_benchmark_and_averages():
    out = by_model(quality_index(scores([
        ("a", "mmlu", "epoch", 90.0), ("b", "mmlu", "epoch", 70.0), ("c", "mmlu", "epoch", 50.0),
        ("a", "gpqa_diamond", "epoch", 60.0), ("b", "gpqa_diamond", "epoch", 80.0),
        ("c", "gpqa_diamond", "epoch", 40.0),
        ("a", "humaneval", "curated_benchmarks", 10.0),  # not an index benchmark
    ]), REGISTRY))
    assert out["a"]["quality_index"] == pytest.approx((100 + 50) / 2)
    assert out["b"]["quality_index"] == pytest.approx((50 + 100) / 2)
    assert out["c"]["quality_index"] == 0.0
    assert (out["a"]["benchmarks_used"], out["a"]["benchmarks_available"], out["a"]["coverage"]) == (2, 2, 1.0)
    assert out["a"]["benchmarks"] == "gpqa_diamond,mmlu"


def test_below_minimum_coverage_has_no_index_but_keeps_its_row():
    out = by_model(quality_index(scores([
        ("a", "mmlu", "epoch", 90.0), ("b", "mmlu", "epoch", 70.0), ("c", "mmlu", "epoch", 50.0),
        ("a", "gpqa_diamond", "epoch", 60.0), ("b", "gpqa_diamond", "epoch", 80.0),
        ("d", "gpqa_diamond", "epoch", 40.0),
    ]), REGISTRY))
    assert out["c"]["quality_index"] is None and out["c"]["meets_coverage"] is False
    assert out["c"]["benchmarks_used"] == 1


def test_benchmark_with_too_few_models_is_left_out():
    out = by_model(quality_index(scores([
        ("a", "mmlu", "epoch", 90.0), ("b", "mmlu", "epoch", 70.0),
    ]), REGISTRY))
    assert out["a"]["benchmarks_used"] == 0 and out["a"]["quality_index"] is None


def test_curated_figure_wins_over_other_sources_for_the_same_benchmark():
    out = by_model(quality_index(scores([
        ("a", "mmlu", "epoch", 50.0), ("a", "mmlu", "curated_benchmarks", 90.0), ("b", "mmlu", "epoch", 70.0),
        ("c", "mmlu", "epoch", 60.0), ("c", "mmlu", "open_llm_leaderboard", 80.0),
        ("a", "gpqa_diamond", "epoch", 1.0), ("b", "gpqa_diamond", "epoch", 2.0), ("c", "gpqa_diamond", "epoch", 3.0),
    ]), REGISTRY))
    # mmlu per model: a 90 (curated, not 50), b 70, c 70 (mean of 60 and 80) -> 100, 0, 0.
    assert out["a"]["quality_index"] == pytest.approx((100 + 0) / 2)
    assert out["b"]["quality_index"] == pytest.approx((0 + 50) / 2)
    assert out["c"]["quality_index"] == pytest.approx((0 + 100) / 2)


def test_a_group_counts_once_preferring_its_first_member():
    out = by_model(quality_index(scores([
        ("a", "arena_elo", "lmarena", 80.0), ("b", "arena_elo", "lmarena", 60.0), ("c", "arena_elo", "lmarena", 40.0),
        ("a", "arena_elo_raw", "lmarena", 10.0), ("b", "arena_elo_raw", "lmarena", 50.0),
        ("d", "arena_elo_raw", "lmarena", 90.0),
        ("a", "mmlu", "epoch", 1.0), ("b", "mmlu", "epoch", 2.0), ("c", "mmlu", "epoch", 3.0),
        ("d", "mmlu", "epoch", 4.0),
    ]), REGISTRY))
    assert out["a"]["benchmarks"] == "arena_elo,mmlu"       # style-controlled rating preferred
    assert out["d"]["benchmarks"] == "arena_elo_raw,mmlu"   # only the raw rating
    assert out["a"]["benchmarks_available"] == 2


# Published scores have a decimal or two; 0.1 steps keep the examples realistic.
score_values = st.integers(min_value=0, max_value=1000).map(lambda n: n / 10)
model_scores = st.dictionaries(st.sampled_from(list("abcdefg")), st.tuples(score_values, score_values),
                               min_size=3, max_size=7)


def _frame(data, shift=0.0, scale=1.0):
    return scores([(m, b, "epoch", scale * v + shift) for m, (x, y) in data.items()
                   for b, v in (("mmlu", x), ("gpqa_diamond", y))])


@settings(max_examples=25, deadline=None)
@given(model_scores)
def test_index_is_bounded_and_only_present_with_coverage(data):
    out = quality_index(_frame(data), REGISTRY)
    values = out["quality_index"].drop_nulls()
    assert ((values >= 0) & (values <= 100)).all()
    assert out.height == len(data)


@settings(max_examples=25, deadline=None)
@given(model_scores, st.floats(min_value=-50, max_value=50), st.floats(min_value=0.1, max_value=3))
def test_index_ignores_a_benchmark_s_units(data, shift, scale):
    a = by_model(quality_index(_frame(data), REGISTRY))
    b = by_model(quality_index(_frame(data, shift, scale), REGISTRY))
    for model in a:
        if a[model]["quality_index"] is None:
            assert b[model]["quality_index"] is None
        else:
            assert b[model]["quality_index"] == pytest.approx(a[model]["quality_index"], abs=1e-6)


@settings(max_examples=25, deadline=None)
@given(model_scores, st.floats(min_value=0.5, max_value=30))
def test_improving_a_score_never_lowers_the_model_s_index(data, bump):
    model = sorted(data)[0]
    better = dict(data)
    better[model] = (min(100.0, data[model][0] + bump), data[model][1])
    before = by_model(quality_index(_frame(data), REGISTRY))[model]["quality_index"]
    after = by_model(quality_index(_frame(better), REGISTRY))[model]["quality_index"]
    if before is not None:
        assert after >= before - 1e-9


def moves_frame(rows):
    return pl.DataFrame(rows, schema=["canonical_model", "benchmark", "source", "raw_unit", "raw_score", "score",
                                      "anchor_raw"], orient="row")


def test_re_anchoring_explains_a_uniform_shift():
    prev = moves_frame([("m", "arena_elo_raw", "lmarena", "elo", 1354.5, 70.0, 1265.4)])
    cur = moves_frame([("m", "arena_elo_raw", "lmarena", "elo", 1372.6, 70.1, 1284.4)])
    move = score_moves(cur, prev).to_dicts()[0]
    assert move["delta"] == pytest.approx(18.1) and move["anchor_delta"] == pytest.approx(19.0)
    assert move["adjusted_delta"] == pytest.approx(-0.9)
    assert move["unexplained"] is False and move["threshold"] == ELO_THRESHOLD


def test_move_beyond_the_threshold_net_of_the_anchor_is_flagged():
    prev = moves_frame([("m", "arena_elo", "lmarena", "elo", 1400.0, 70.0, 1300.0),
                        ("n", "mmlu", "epoch", "percent", 60.0, 60.0, None)])
    cur = moves_frame([("m", "arena_elo", "lmarena", "elo", 1450.0, 80.0, 1310.0),
                       ("n", "mmlu", "epoch", "percent", 75.0, 75.0, None)])
    moves = by_model(score_moves(cur, prev))
    assert moves["m"]["adjusted_delta"] == pytest.approx(40.0) and moves["m"]["unexplained"] is True
    assert (moves["n"]["unit"], moves["n"]["delta"], moves["n"]["threshold"]) == ("points", 15.0, POINTS_THRESHOLD)
    assert moves["n"]["unexplained"] is True


@settings(max_examples=25, deadline=None)
@given(st.floats(min_value=800, max_value=1600), st.floats(min_value=800, max_value=1600),
       st.floats(min_value=-200, max_value=200))
def test_any_uniform_re_anchoring_is_never_flagged(rating, anchor, shift):
    prev = moves_frame([("m", "arena_elo", "lmarena", "elo", rating, 50.0, anchor)])
    cur = moves_frame([("m", "arena_elo", "lmarena", "elo", rating + shift, 50.0, anchor + shift)])
    move = score_moves(cur, prev).to_dicts()[0]
    assert abs(move["adjusted_delta"]) < 1e-6 and move["unexplained"] is False


def test_scale_guard_finds_out_of_range_scores():
    rows = pl.DataFrame([
        scored_row("ok", "GPQA diamond", 0.85, "fraction"),
        scored_row("percent-as-fraction", "GPQA diamond", 85.0, "fraction"),
        scored_row("negative", "polyglot", -1.0, "percent"),
        scored_row("above-scale", "mt_bench", 11.0, "points", scale_max=10),
    ]).with_row_index(ROW).with_columns(pl.col(ROW).cast(pl.Int64))
    hits = score_outside_scale(rows, GuardContext("x", pl.DataFrame()))
    assert hits[ROW].to_list() == [1, 2, 3]
    assert hits["detail"][0].startswith("85.0 fraction (allowed 0.0..1.0)")
