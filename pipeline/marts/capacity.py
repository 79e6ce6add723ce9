"""A deployment's monthly capacity in the marts: measured where the quarter has a matching
measurement, else the assumptions' cited figure; and the quality its precision costs. Pure.

Order (`throughput_basis`):
  1. `measured`: the quarter's `throughput_measurements` hold a matching figure
     (pipeline/throughput/capacity.py: same GPU and precision, size within 15 %, lengths within ×2);
  2. `estimated` (flagged): none matches, but one at the same precision and lengths scales to it by
     memory bandwidth and parameters per token — a rough figure, said so in `throughput_note`;
  3. `assumption`: nothing to go on; the deployment's cited `throughput_output_tokens_per_s` stays.
A deployment that states `monthly_capacity_requests` (a load test of one's own, a what-if) keeps
it whatever is measured. Capacity = tokens/s × utilisation × hours × 3600 / output tokens, with the
assumptions' utilisation: the sources measure saturated serving.

Quality: `pipeline.throughput.capacity.quality_penalty` gives the cited accuracy loss of the
precision against 16-bit weights (fp8 0 %, int8 and int4 1–3 %). `effective_score` applies the
high end to the model's score on the tier metric as a relative loss and `effective_tier` is the
tier that score falls in. The study measured accuracy on raw benchmarks; the composite rescales
them across the quarter's models, so on it this is an approximation of the order of the effect.
"""

from __future__ import annotations

import polars as pl

from pipeline.marts.assumptions import Assumptions, Deployment
from pipeline.marts.costs import monthly_capacity_requests
from pipeline.marts.tiers import tier_of
from pipeline.throughput import capacity as measured

ASSUMPTION = "assumption"
# What the capacity match reads of throughput_measurements (it ranks on every column it is given).
MEASUREMENTS_SCHEMA = {
    "source": pl.String, "model_name": pl.String, "model_size_b": pl.Float64, "active_params_b": pl.Float64,
    "precision": pl.String, "gpu": pl.String, "gpu_count": pl.Int64, "input_tokens": pl.Int64,
    "output_tokens": pl.Int64, "output_tokens_per_s_per_gpu": pl.Float64, "benchmark": pl.String,
    "measured_on": pl.Date, "observed_at": pl.Datetime("us"), "fetch_id": pl.String}
CAPACITY_SCHEMA = {
    "deployment": pl.String, "monthly_capacity_requests": pl.Int64, "output_tokens_per_s": pl.Float64,
    "throughput_basis": pl.String, "throughput_flagged": pl.Boolean, "throughput_source": pl.String,
    "throughput_measured_on": pl.Date, "throughput_observed_at": pl.Datetime("us"), "throughput_fetch_id": pl.String,
    "throughput_note": pl.String, "assumed_monthly_capacity_requests": pl.Int64,
    "assumed_output_tokens_per_s": pl.Float64, "quality_penalty_pct_low": pl.Float64,
    "quality_penalty_pct_high": pl.Float64, "quality_penalty_note": pl.String, "quality_penalty_citation": pl.String}
QUALITY_SCHEMA = {"model_tier": pl.Int64, "model_score": pl.Float64, "effective_score": pl.Float64,
                  "effective_tier": pl.Int64}


def deployment_capacity(d: Deployment, a: Assumptions, measurements: pl.DataFrame) -> dict:
    """One deployment's capacity row (CAPACITY_SCHEMA) against one quarter's measurements."""
    penalty = measured.quality_penalty(d.precision)
    row = {**dict.fromkeys(CAPACITY_SCHEMA), "deployment": d.id, "monthly_capacity_requests": d.monthly_capacity_requests,
           "output_tokens_per_s": d.throughput_output_tokens_per_s, "throughput_basis": ASSUMPTION,
           "throughput_flagged": False, "assumed_monthly_capacity_requests": d.monthly_capacity_requests,
           "assumed_output_tokens_per_s": d.throughput_output_tokens_per_s,
           "quality_penalty_pct_low": penalty.low_pct, "quality_penalty_pct_high": penalty.high_pct,
           "quality_penalty_note": penalty.note, "quality_penalty_citation": penalty.citation}
    if d.throughput_output_tokens_per_s is None:
        return {**row, "throughput_note": "assumption: monthly_capacity_requests stated in the assumptions"}
    got = measured.capacity(measured.Deployment(d.model_size_b, d.precision, d.gpu, d.gpu_count, a.input_tokens,
                                                a.output_tokens, d.active_params_b), measurements)
    keep = {**row, "throughput_note": f"assumption (cited in the assumptions file); {got.rule}"}
    if got.output_tokens_per_s_per_gpu is None:
        return keep
    tokens_per_s = got.output_tokens_per_s_per_gpu * d.gpu_count
    capacity = monthly_capacity_requests(tokens_per_s, d.utilization, a.hours_per_month, a.output_tokens)
    if capacity < 1:
        return keep
    dated = got.measured_on or (got.observed_at.date() if got.observed_at else None)
    note = (f"measured ({got.source}, {dated}): {got.rule}" if got.throughput_basis == measured.MEASURED
            else f"estimated ({got.rule}; flagged: scaled from {got.source} {dated}, not measured)")
    return {**row, "monthly_capacity_requests": capacity, "output_tokens_per_s": tokens_per_s,
            "throughput_basis": got.throughput_basis, "throughput_flagged": got.flagged,
            "throughput_source": got.source, "throughput_measured_on": got.measured_on,
            "throughput_observed_at": got.observed_at, "throughput_fetch_id": (got.matched or {}).get("fetch_id"),
            "throughput_note": note}


def capacities(a: Assumptions, measurements: pl.DataFrame | None) -> pl.DataFrame:
    """Every deployment's capacity row for one quarter (no measurements: every one on its assumption)."""
    rows = pl.DataFrame(schema=MEASUREMENTS_SCHEMA) if measurements is None else measurements
    return pl.DataFrame([deployment_capacity(d, a, rows) for d in a.deployments], schema=CAPACITY_SCHEMA)


def quality_after_penalty(model: str | None, penalty_high_pct: float | None, tiers: pl.DataFrame | None,
                          a: Assumptions) -> dict:
    """The deployed model's tier and score, and both after the precision's (high) quality penalty."""
    hit = (tiers.filter(pl.col("canonical_model") == model) if tiers is not None and model is not None
           else pl.DataFrame())
    if hit.height == 0:
        return dict.fromkeys(QUALITY_SCHEMA)
    r = hit.row(0, named=True)
    out = {"model_tier": r["tier"], "model_score": r["score"], "effective_score": None, "effective_tier": None}
    if penalty_high_pct is None:
        return out
    score = r["score"] * (1 - penalty_high_pct / 100)
    return {**out, "effective_score": score,
            "effective_tier": tier_of(max(r["best_score"] - score, 0.0), a.tier1_max_gap, a.tier2_max_gap)}
