"""The mart frames of one quarter, and the drift from the quarter before. Pure.

`build_marts` turns a quarter's inputs into quality_tiers, api_cost_at_scale, self_hosted_cost,
crossover, tco_at_volume, managed_inference and managed_crossover; `build_drift` compares two quarters' inputs, both computed here
with the same assumptions, so drift shows what the data did and not what a change of
assumptions did. `stamp` adds quarter, provisional and the assumptions hash to every row.
"""

from __future__ import annotations

import polars as pl

from pipeline.marts import drift
from pipeline.marts.api import api_cost_at_scale, base_prices, reference_prices
from pipeline.marts.assumptions import Assumptions
from pipeline.marts.capacity import capacities
from pipeline.marts.inputs import QuarterInputs
from pipeline.marts.managed import managed_crossover, managed_inference
from pipeline.marts.selfhosted import crossover, self_hosted_cost, tco_at_volume
from pipeline.marts.tiers import assign_tiers, open_closed_gap

BASE_MARTS = ("quality_tiers", "api_cost_at_scale", "self_hosted_cost", "crossover", "tco_at_volume",
              "managed_inference", "managed_crossover")
DRIFT_MARTS = ("price_drift", "tier_drift", "crossover_drift", "gpu_rate_drift", "license_drift", "open_closed_gap",
               "managed_inference_drift", "throughput_drift")


def stamp(frame: pl.DataFrame, quarter: str, provisional: bool, assumptions_hash: str) -> pl.DataFrame:
    return frame.select(pl.lit(quarter).alias("quarter"), pl.lit(provisional).alias("provisional"),
                        pl.lit(assumptions_hash).alias("assumptions_hash"), pl.all())


def quality_tiers(inputs: QuarterInputs, a: Assumptions) -> pl.DataFrame:
    tiers = assign_tiers(inputs.scores, a.tier1_max_gap, a.tier2_max_gap)
    return tiers.select("canonical_model", "tier", "tier_label", pl.lit(a.tier_metric).alias("metric"), "score",
                        "best_score", "gap_to_best").sort(["tier", "gap_to_best", "canonical_model"])


def build_marts(inputs: QuarterInputs, a: Assumptions) -> dict[str, pl.DataFrame]:
    base = base_prices(inputs.prices, a)
    reference = reference_prices(base)
    tiers = quality_tiers(inputs, a)
    hosted = self_hosted_cost(a, inputs.gpu_rates, inputs.gpu_memory, capacities(a, inputs.measurements), tiers)
    managed = managed_inference(inputs.prices, inputs.models, a)
    return {
        "quality_tiers": tiers,
        "api_cost_at_scale": api_cost_at_scale(base, a),
        "self_hosted_cost": hosted,
        "crossover": crossover(a, hosted, reference),
        "tco_at_volume": tco_at_volume(a, hosted, reference, managed),
        "managed_inference": managed,
        "managed_crossover": managed_crossover(a, hosted, managed),
        # not published: what the drift tables compare
        "_base_prices": base,
    }


def build_drift(previous: QuarterInputs, current: QuarterInputs, prev_marts: dict, cur_marts: dict,
                a: Assumptions) -> dict[str, pl.DataFrame]:
    """Drift of `current` against `previous` (its preceding quarter), with the previous quarter named."""
    gap_now = open_closed_gap(current.scores, current.models)
    gap_before = open_closed_gap(previous.scores, previous.models) if previous.has_snapshots else {}
    frames = {
        "price_drift": drift.price_drift(prev_marts["_base_prices"], cur_marts["_base_prices"]),
        "tier_drift": drift.tier_drift(prev_marts["quality_tiers"], cur_marts["quality_tiers"]).with_columns(
            pl.lit(a.tier_metric).alias("metric")),
        "crossover_drift": drift.crossover_drift(prev_marts["crossover"], cur_marts["crossover"]),
        "gpu_rate_drift": drift.gpu_rate_drift(previous.gpu_rates, current.gpu_rates),
        "license_drift": drift.license_drift(current.license_changes, previous.spectrum, current.spectrum),
        "managed_inference_drift": drift.managed_inference_drift(prev_marts["managed_inference"],
                                                                 cur_marts["managed_inference"]),
        # Capacities exist for a quarter never computed too (its assumptions'): compare with nothing.
        "throughput_drift": drift.throughput_drift(
            prev_marts["self_hosted_cost"] if previous.has_snapshots else prev_marts["self_hosted_cost"].head(0),
            cur_marts["self_hosted_cost"]),
        "open_closed_gap": pl.DataFrame([{
            "metric": a.tier_metric, **gap_now,
            "previous_gap": gap_before.get("gap"),
            "gap_change": (gap_now["gap"] - gap_before["gap"]
                           if gap_now["gap"] is not None and gap_before.get("gap") is not None else None)}],
            schema=OPEN_CLOSED_SCHEMA),
    }
    label = previous.quarter.label
    computed = previous.has_snapshots
    return {name: f.with_columns(pl.lit(label).alias("previous_quarter"),
                                 pl.lit(computed).alias("previous_computed")) for name, f in frames.items()}


OPEN_CLOSED_SCHEMA = {"metric": pl.String, "best_closed_model": pl.String, "best_closed_score": pl.Float64,
                      "best_open_model": pl.String, "best_open_score": pl.Float64, "gap": pl.Float64,
                      "previous_gap": pl.Float64, "gap_change": pl.Float64}
