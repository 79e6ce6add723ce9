"""A deployment's capacity in the marts: measured, estimated or the assumption; its quality penalty."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.marts.assumptions import load_assumptions
from pipeline.marts.capacity import MEASUREMENTS_SCHEMA, capacities, deployment_capacity, quality_after_penalty
from pipeline.marts.drift import throughput_drift
from pipeline.marts.selfhosted import crossover, self_hosted_cost
from tests.conftest import FIXTURES

A = load_assumptions()
PUBLISHED = datetime(2025, 9, 1)


def measurement(size=70.0, precision="fp8", gpu="H100-SXM", count=2, isl=1000, osl=1000, figure=2102.5,
                name="Llama 3.3 70B", measured_on=None) -> dict:
    return {"source": "trtllm_perf_overview", "model_name": name, "model_size_b": size, "active_params_b": None,
            "precision": precision, "gpu": gpu, "gpu_count": count, "input_tokens": isl, "output_tokens": osl,
            "output_tokens_per_s_per_gpu": figure, "benchmark": None, "measured_on": measured_on,
            "observed_at": PUBLISHED, "fetch_id": "f-trtllm"}


def rows(*ms) -> pl.DataFrame:
    return pl.DataFrame(list(ms), schema=MEASUREMENTS_SCHEMA)


def test_a_matching_measurement_sets_the_capacity():
    got = deployment_capacity(A.deployment("70b-fp8-2xh100"), A, rows(measurement()))
    # 2,102.5 tok/s per GPU x 2 GPUs x 50 % x 730 h x 3,600 s / 1,000 output tokens
    assert (got["throughput_basis"], got["output_tokens_per_s"], got["monthly_capacity_requests"]) == (
        "measured", 4205.0, 5_525_370)
    assert (got["throughput_source"], got["throughput_fetch_id"], got["throughput_flagged"]) == (
        "trtllm_perf_overview", "f-trtllm", False)
    assert got["throughput_note"].startswith("measured (trtllm_perf_overview, 2025-09-01): measured: same GPU")
    assert got["assumed_monthly_capacity_requests"] == 5_525_370  # the assumption cites the same figure


def test_the_run_date_is_named_where_the_source_dates_it():
    got = deployment_capacity(A.deployment("70b-fp8-2xh100"), A,
                              rows(measurement(figure=1000.0, measured_on=date(2025, 8, 14))))
    assert got["monthly_capacity_requests"] == 2_628_000 and got["throughput_measured_on"] == date(2025, 8, 14)
    assert got["throughput_note"].startswith("measured (trtllm_perf_overview, 2025-08-14)")


def test_no_match_scales_a_measurement_and_flags_it():
    got = deployment_capacity(A.deployment("405b-fp8-8xh100"), A, rows(measurement()))
    # 2,102.5 x (3,350 / 3,350 GB/s) x (70 / 405 parameters per token) x 8 GPUs = 2,907.16 tok/s
    assert got["output_tokens_per_s"] == pytest.approx(2907.1605, rel=1e-6)
    assert (got["throughput_basis"], got["throughput_flagged"], got["monthly_capacity_requests"]) == (
        "estimated", True, 3_820_008)
    assert "flagged: scaled from trtllm_perf_overview 2025-09-01, not measured" in got["throughput_note"]


def test_nothing_to_go_on_keeps_the_cited_figure():
    got = deployment_capacity(A.deployment("70b-int4-a100"), A, rows(measurement()))
    assert (got["throughput_basis"], got["monthly_capacity_requests"], got["output_tokens_per_s"]) == (
        "assumption", 919_800, 700.0)
    assert got["throughput_source"] is None
    assert got["throughput_note"].startswith("assumption (cited in the assumptions file); no measurement at int4")
    assert (got["quality_penalty_pct_low"], got["quality_penalty_pct_high"]) == (1.0, 3.0)
    assert "arXiv:2411.02355" in got["quality_penalty_citation"]


def test_a_stated_capacity_stands_whatever_is_measured():
    what_if = load_assumptions(FIXTURES / "marts" / "what_if_reserved.yaml")
    l4 = what_if.deployment("8b-int4-l4")
    assert l4.throughput_output_tokens_per_s is None
    got = deployment_capacity(l4, what_if, rows(measurement(size=8.0, precision="int4", gpu="L4", count=1)))
    assert (got["throughput_basis"], got["monthly_capacity_requests"]) == ("assumption", 700_000)
    assert got["throughput_note"] == "assumption: monthly_capacity_requests stated in the assumptions"


def test_without_measurements_every_deployment_is_on_its_assumption():
    frame = capacities(A, None)
    assert set(frame["throughput_basis"]) == {"assumption"}
    assert dict(zip(frame["deployment"], frame["monthly_capacity_requests"])) == {
        d.id: d.monthly_capacity_requests for d in A.deployments}


@settings(max_examples=40, deadline=None)
@given(st.floats(1.0, 20_000.0), st.floats(1.0, 20_000.0))
def test_a_faster_measurement_never_lowers_the_capacity(slow, fast):
    slow, fast = sorted((slow, fast))
    d = A.deployment("70b-fp8-2xh100")
    low = deployment_capacity(d, A, rows(measurement(figure=slow)))["monthly_capacity_requests"]
    high = deployment_capacity(d, A, rows(measurement(figure=fast)))["monthly_capacity_requests"]
    assert 1 <= low <= high


TIERS = pl.DataFrame({"canonical_model": ["acme/near-top", "meta-llama/llama-3.1-8b-instruct"],
                      "tier": [1, 3], "score": [49.0, 40.0], "best_score": [50.0, 50.0]})


def test_the_quality_penalty_can_cost_a_tier():
    # 49 is 1 point from the best (tier 1, within 2); 3 % less is 47.53, 2.47 points off: tier 2.
    got = quality_after_penalty("acme/near-top", 3.0, TIERS, A)
    assert (got["model_tier"], got["effective_score"], got["effective_tier"]) == (1, pytest.approx(47.53), 2)
    assert quality_after_penalty("acme/near-top", 0.0, TIERS, A)["effective_tier"] == 1
    unknown = quality_after_penalty("acme/near-top", None, TIERS, A)  # a precision the study did not measure
    assert (unknown["model_tier"], unknown["effective_score"], unknown["effective_tier"]) == (1, None, None)
    assert set(quality_after_penalty("acme/unscored", 3.0, TIERS, A).values()) == {None}


GPU_RATES = pl.DataFrame({"gpu": ["A100-80GB", "H100-SXM"], "min_usd_per_gpu_hour": [1.5, 2.0],
                          "median_usd_per_gpu_hour": [2.0, 2.5], "offers": [3, 3]})
GPU_MEMORY = pl.DataFrame({"gpu": ["A100-80GB", "H100-SXM"], "gpu_memory_gb": [80.0, 80.0]})


def test_self_hosted_cost_and_crossover_use_the_quarters_capacity():
    measured = capacities(A, rows(measurement(precision="fp16", gpu="A100-80GB", count=4, figure=289.0, isl=2048,
                                              osl=2048, name="LLaMA 70B")))
    hosted = self_hosted_cost(A, GPU_RATES, GPU_MEMORY, measured, TIERS)
    fp16 = hosted.filter(pl.col("deployment") == "70b-fp16-4xa100").row(0, named=True)
    # 289 tok/s per GPU x 4 GPUs at 2048/2048 (lengths within x2 of 1000/1000), half used: 1,518,984 a month.
    assert (fp16["throughput_basis"], fp16["monthly_capacity_requests"], fp16["assumed_monthly_capacity_requests"]) \
        == ("measured", 1_518_984, 919_800)
    assert fp16["usd_per_mtok_output_high"] == pytest.approx(4 * 2.0 * 730 / 1518.984)
    reference = pl.DataFrame({"canonical_model": ["openai/gpt-4o"], "provider": ["openai"],
                              "usd_per_request": [0.0125]})
    cross = crossover(A, hosted, reference).filter(pl.col("deployment") == "70b-fp16-4xa100")
    row = cross.filter(pl.col("canonical_model") == "openai/gpt-4o").row(0, named=True)
    assert (row["monthly_capacity_requests"], row["breakeven_requests_gpu_only"]) == (1_518_984, 467_200)
    small = hosted.filter(pl.col("deployment") == "8b-int4-t4").row(0, named=True)
    assert (small["model_tier"], small["model_score"], small["effective_score"], small["effective_tier"]) == (
        3, 40.0, pytest.approx(38.8), 3)


def test_throughput_drift_names_the_move_and_its_basis():
    before = self_hosted_cost(A, GPU_RATES, GPU_MEMORY, capacities(A, None))
    after = self_hosted_cost(A, GPU_RATES, GPU_MEMORY, capacities(A, rows(measurement(figure=1011.0))))
    moved = throughput_drift(before, after).filter(pl.col("deployment") == "70b-fp8-2xh100").row(0, named=True)
    assert (moved["old_monthly_capacity_requests"], moved["new_monthly_capacity_requests"]) == (5_525_370, 2_656_908)
    assert (moved["old_throughput_basis"], moved["new_throughput_basis"], moved["change"]) == (
        "assumption", "measured", "down")
    same = throughput_drift(before, after).filter(pl.col("deployment") == "70b-int4-a100")["change"].to_list()
    assert same == ["unchanged"]
