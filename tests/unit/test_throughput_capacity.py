"""Capacity matching: measured when a measurement fits, else a flagged, cited estimate."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.throughput.capacity import (ESTIMATED, MEASURED, SCALING_CITATION, UNAVAILABLE, Deployment,
                                          capacity, capacity_frame, load_bandwidth, quality_penalty)

DAY = datetime(2025, 9, 9)


def m(gpu="H100-SXM", precision="fp8", size=70.0, isl=1000, osl=1000, count=2, figure=2000.0, active=None,
      source="trtllm_perf_overview", fetch="f1") -> dict:
    return {"source": source, "model_name": f"{size:g}B", "model_size_b": size, "active_params_b": active,
            "precision": precision, "gpu": gpu, "gpu_count": count, "input_tokens": isl, "output_tokens": osl,
            "output_tokens_per_s_per_gpu": figure, "benchmark": None if isl else "mlperf:llama2-70b-99",
            "observed_at": DAY, "measured_on": None, "fetch_id": fetch}


def frame(*rows: dict) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema_overrides={"active_params_b": pl.Float64, "input_tokens": pl.Int64,
                                                      "output_tokens": pl.Int64, "measured_on": pl.Date,
                                                      "benchmark": pl.String})


SEVENTY_FP8_2XH100 = Deployment(70, "fp8", "H100-SXM", 2, 1000, 1000)


def test_a_measurement_on_the_same_gpu_precision_size_and_lengths_is_used_as_is():
    got = capacity(SEVENTY_FP8_2XH100, frame(m(figure=2209.0), m(gpu="H200", figure=2587.0)))
    assert (got.output_tokens_per_s_per_gpu, got.throughput_basis, got.flagged) == (2209.0, MEASURED, False)
    assert (got.source, got.observed_at, got.matched["gpu"]) == ("trtllm_perf_overview", DAY, "H100-SXM")
    assert got.rule == "measured: same GPU and precision, size 70B within 15% of 70B, ISL/OSL 1000/1000 on 2 GPU(s)"


def test_nearest_lengths_then_gpu_count_then_the_highest_figure():
    rows = frame(m(isl=2048, osl=2048, figure=9000.0), m(isl=1024, osl=1024, count=2, figure=2000.0),
                 m(isl=1024, osl=1024, count=8, figure=2500.0), m(isl=1000, osl=1000, count=2, figure=2100.0),
                 m(isl=128, osl=4096, figure=99999.0))
    # 1000/1000 and 1024/1024 are one step apart at most: same length rank; 2 GPUs beat 8; then 2100 > 2000
    assert capacity(SEVENTY_FP8_2XH100, rows).output_tokens_per_s_per_gpu == 2100.0


def test_fp16_and_bf16_match_and_other_precisions_do_not():
    rows = frame(m(precision="bf16", figure=1500.0), m(precision="fp8", figure=2209.0))
    assert capacity(Deployment(70, "fp16", "H100-SXM", 2, 1000, 1000), rows).output_tokens_per_s_per_gpu == 1500.0
    assert capacity(Deployment(70, "int4", "H100-SXM", 2, 1000, 1000), rows).throughput_basis == UNAVAILABLE


def test_size_tolerance_and_the_size_scaled_estimate_beyond_it():
    assert capacity(SEVENTY_FP8_2XH100, frame(m(size=80.0, figure=1600.0))).throughput_basis == MEASURED
    far = capacity(SEVENTY_FP8_2XH100, frame(m(size=140.0, figure=1000.0)))
    assert (far.throughput_basis, far.flagged, far.citation) == (ESTIMATED, True, SCALING_CITATION)
    assert far.output_tokens_per_s_per_gpu == pytest.approx(2000.0)  # same GPU: 1000 x 140/70


def test_dense_and_mixture_of_experts_are_not_matched_to_each_other():
    moe = m(size=671.0, active=37.0, figure=1627.0, count=8)
    assert capacity(Deployment(671, "fp8", "H100-SXM", 8, 1000, 1000), frame(moe)).throughput_basis == UNAVAILABLE
    got = capacity(Deployment(671, "fp8", "H100-SXM", 8, 1000, 1000, active_params_b=37), frame(moe))
    assert (got.throughput_basis, got.output_tokens_per_s_per_gpu) == (MEASURED, 1627.0)


def test_rows_without_lengths_are_used_only_when_no_row_with_lengths_qualifies():
    mlperf = m(isl=None, osl=None, figure=3900.0, count=8, source="mlperf_inference")
    assert capacity(SEVENTY_FP8_2XH100, frame(mlperf, m(figure=2209.0))).source == "trtllm_perf_overview"
    only = capacity(SEVENTY_FP8_2XH100, frame(mlperf, m(isl=128, osl=4096, figure=5000.0)))
    assert (only.source, only.output_tokens_per_s_per_gpu) == ("mlperf_inference", 3900.0)
    assert "ISL/OSL not stated (mlperf:llama2-70b-99)" in only.rule


def test_another_gpu_is_scaled_by_memory_bandwidth_and_flagged():
    got = capacity(Deployment(70, "fp8", "L40S", 2, 1000, 1000), frame(m(gpu="H100-SXM", figure=3350.0)))
    assert got.throughput_basis == ESTIMATED and got.flagged
    assert got.output_tokens_per_s_per_gpu == pytest.approx(3350.0 * 864 / 3350)
    assert got.rule.startswith("estimated: 3350.0 tok/s/GPU of 70B (70B) on H100-SXM x bandwidth 864/3350 GB/s")


def test_no_bandwidth_figure_or_nothing_at_the_precision_is_unavailable():
    rows = frame(m())
    nowhere = capacity(Deployment(70, "fp8", "TPU-v9", 2, 1000, 1000), rows)
    assert (nowhere.output_tokens_per_s_per_gpu, nowhere.throughput_basis) == (None, UNAVAILABLE)
    assert "TPU-v9 has no bandwidth figure" in nowhere.rule
    assert capacity(Deployment(70, "fp8", "H100-SXM", 2, 1000, 1000), rows.head(0)).throughput_basis == UNAVAILABLE


def test_quality_penalty_of_each_precision_is_cited():
    assert (quality_penalty("bf16").low_pct, quality_penalty("fp8").high_pct) == (0.0, 0.0)
    assert (quality_penalty("int8").low_pct, quality_penalty("int8").high_pct) == (1.0, 3.0)
    assert (quality_penalty("int4").low_pct, quality_penalty("int4").high_pct) == (1.0, 3.0)
    fp4 = quality_penalty("fp4")
    assert (fp4.low_pct, fp4.high_pct) == (None, None) and "not measured" in fp4.note
    assert "arXiv:2411.02355" in fp4.citation and "1-3 %" in fp4.citation


def test_capacity_frame_gives_one_row_per_deployment_with_the_total_rate():
    out = capacity_frame({"70b-fp8-2xh100": SEVENTY_FP8_2XH100,
                          "70b-int4-h100": Deployment(70, "int4", "H100-SXM", 1, 1000, 1000)}, frame(m(figure=2209.0)))
    assert out.select("deployment", "output_tokens_per_s", "throughput_basis", "quality_penalty_pct_high").rows() == [
        ("70b-fp8-2xh100", 4418.0, MEASURED, 0.0), ("70b-int4-h100", None, UNAVAILABLE, 3.0)]


GPUS = sorted(load_bandwidth())
measurement = st.builds(
    m, gpu=st.sampled_from(GPUS), precision=st.sampled_from(["fp16", "bf16", "fp8", "int4"]),
    size=st.sampled_from([7.0, 8.0, 70.0, 72.0, 405.0]), isl=st.sampled_from([128, 1000, 1024, 2048]),
    osl=st.sampled_from([128, 1000, 2048, 4096]), count=st.sampled_from([1, 2, 4, 8]),
    figure=st.floats(10, 50000, allow_nan=False))
deployment = st.builds(Deployment, model_size_b=st.sampled_from([8.0, 70.0, 405.0]),
                       precision=st.sampled_from(["fp16", "fp8", "int4"]), gpu=st.sampled_from(GPUS),
                       gpu_count=st.sampled_from([1, 2, 8]), input_tokens=st.sampled_from([500, 1000, 2000]),
                       output_tokens=st.sampled_from([500, 1000, 2000]))


@settings(max_examples=60, deadline=None)
@given(d=deployment, rows=st.lists(measurement, min_size=1, max_size=12))
def test_a_measured_capacity_is_one_of_the_rows_that_fit(d, rows):
    got = capacity(d, frame(*rows))
    if got.throughput_basis == MEASURED:
        same = {"bf16": "fp16"}
        fits = [r for r in rows if r["gpu"] == d.gpu and same.get(r["precision"], r["precision"]) ==
                same.get(d.precision, d.precision) and abs(r["model_size_b"] / d.model_size_b - 1) <= 0.15 + 1e-9]
        assert got.output_tokens_per_s_per_gpu in [r["output_tokens_per_s_per_gpu"] for r in fits]
    assert capacity(d, frame(*reversed(rows))) == got  # the order rows come in changes nothing


@settings(max_examples=40, deadline=None)
@given(figure=st.floats(100, 20000, allow_nan=False), size=st.sampled_from([20.0, 140.0, 405.0]),
       gpu=st.sampled_from(["L4", "A10G", "T4", "A100-80GB"]))
def test_an_estimate_scales_inversely_with_parameters_and_with_bandwidth(figure, size, gpu):
    bw = load_bandwidth()
    got = capacity(Deployment(size, "fp8", gpu, 1, 1000, 1000), frame(m(gpu="H200", size=70.0, figure=figure)))
    assert got.throughput_basis == ESTIMATED
    assert got.output_tokens_per_s_per_gpu == pytest.approx(figure * (bw[gpu] / bw["H200"]) * (70.0 / size))
