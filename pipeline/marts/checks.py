"""Checks on the marts, as pure functions returning the offending rows (empty = pass)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from pipeline.core.validate import schema_failures
from pipeline.marts.costs import exact
from pipeline.marts.crossover import self_hosted_cost

COST_COLUMNS = {
    "api_cost_at_scale": ("input_usd_per_mtok", "output_usd_per_mtok", "usd_per_request", "monthly_cost_usd"),
    "self_hosted_cost": ("monthly_gpu_cost_low", "monthly_gpu_cost_high", "usd_per_mtok_output_low",
                         "usd_per_mtok_output_high", "hidden_costs_usd"),
    "tco_at_volume": ("inference", "ml_engineering", "infrastructure", "monitoring", "total"),
    "managed_inference": ("input_usd_per_mtok", "output_usd_per_mtok", "blended_usd_per_mtok", "usd_per_request"),
}


def negative_costs(frame: pl.DataFrame, columns: tuple[str, ...]) -> pl.DataFrame:
    bad = pl.any_horizontal([pl.col(c) < 0 for c in columns])
    return frame.filter(bad.fill_null(False))


def crossover_inconsistencies(crossover: pl.DataFrame, hosted: pl.DataFrame, api_cost: pl.DataFrame) -> pl.DataFrame:
    """Crossover rows that disagree with the cost tables of the same quarter.

    The API cost per request must be the reference provider's in api_cost_at_scale, the GPU cost
    and the capacity self_hosted_cost's (median rate); at the break-even volume V self-hosting must not be dearer
    than the API, and at V − 1 it must be (V is the smallest); a null volume must be explained
    by a replica that costs at least what the API charges for its full capacity.
    """
    ref = api_cost.filter(pl.col("is_reference")).select("quarter", "canonical_model", "provider",
                                                        "usd_per_request").unique()
    return _inconsistencies(crossover, hosted, ref)


def managed_crossover_inconsistencies(crossover: pl.DataFrame, hosted: pl.DataFrame,
                                      managed: pl.DataFrame) -> pl.DataFrame:
    """The same checks for managed_crossover, against the cheapest paid offer in managed_inference."""
    ref = managed.filter(pl.col("is_cheapest")).select("quarter", "canonical_model", "provider", "usd_per_request")
    return _inconsistencies(crossover, hosted, ref)


def _inconsistencies(crossover: pl.DataFrame, hosted: pl.DataFrame, ref: pl.DataFrame) -> pl.DataFrame:
    joined = (crossover.join(ref, on=["quarter", "canonical_model"], how="left", suffix="_api")
              .join(hosted.select("quarter", "deployment", "monthly_gpu_cost_high",
                                  pl.col("monthly_capacity_requests").alias("hosted_capacity")),
                    on=["quarter", "deployment"], how="left"))
    problems = []
    for r in joined.iter_rows(named=True):
        problem = _row_problem(r)
        if problem:
            problems.append({"quarter": r["quarter"], "deployment": r["deployment"],
                             "canonical_model": r["canonical_model"], "problem": problem})
    return pl.DataFrame(problems, schema={"quarter": pl.String, "deployment": pl.String,
                                          "canonical_model": pl.String, "problem": pl.String})


def _row_problem(r: dict) -> str | None:
    if r["api_usd_per_request"] != r["usd_per_request"] or r["provider"] != r["provider_api"]:
        return f"API cost per request {r['api_usd_per_request']} ({r['provider']}) is not api_cost_at_scale's " \
               f"{r['usd_per_request']} ({r['provider_api']})"
    if r["gpu_monthly_cost_usd"] != r["monthly_gpu_cost_high"]:
        return f"GPU cost {r['gpu_monthly_cost_usd']} is not self_hosted_cost's {r['monthly_gpu_cost_high']}"
    if r["monthly_capacity_requests"] != r["hosted_capacity"]:
        return f"capacity {r['monthly_capacity_requests']} is not self_hosted_cost's {r['hosted_capacity']}"
    if r["api_usd_per_request"] is None or r["gpu_monthly_cost_usd"] is None:
        return None if r["breakeven_requests_gpu_only"] is None else "a volume without both costs"
    c, g, cap = exact(r["api_usd_per_request"]), exact(r["gpu_monthly_cost_usd"]), r["monthly_capacity_requests"]
    for column, fixed in (("breakeven_requests_gpu_only", 0), ("breakeven_requests_with_hidden_costs",
                                                               r["hidden_costs_usd"])):
        v, h = r[column], exact(fixed)
        if v is None:
            reason = r["reason_gpu_only" if fixed == 0 else "reason_with_hidden_costs"] or ""
            if reason.startswith("the model does not fit"):
                continue
            margin = c * cap - g
            if margin > 0 or (margin == 0 and h == 0):
                return f"{column} is null although one replica at full load is cheaper than the API"
            continue
        if self_hosted_cost(v, cap, g, h) > c * v:
            return f"{column} = {v}: self-hosting is still dearer there"
        if v > 1 and self_hosted_cost(v - 1, cap, g, h) <= c * (v - 1):
            return f"{column} = {v} is not the smallest: {v - 1} already breaks even"
    return None


def uncovered_required_models(api_cost: pl.DataFrame, tiers: pl.DataFrame, spectrum: pl.DataFrame,
                              models: pl.DataFrame) -> pl.DataFrame:
    """Priced models on the registry's required list lacking a tier or an openness category."""
    required = models.filter(pl.col("required").fill_null(False)).select("canonical_model")
    priced = api_cost.select("quarter", "canonical_model").unique().join(required, on="canonical_model")
    tiered = tiers.select("quarter", "canonical_model", pl.lit(True).alias("has_tier"))
    spec = spectrum.filter(pl.col("category").is_not_null()).select("quarter", "canonical_model",
                                                                     pl.lit(True).alias("has_category"))
    out = (priced.join(tiered, on=["quarter", "canonical_model"], how="left")
           .join(spec, on=["quarter", "canonical_model"], how="left")
           .with_columns(pl.col("has_tier").fill_null(False), pl.col("has_category").fill_null(False)))
    return out.filter(~pl.col("has_tier") | ~pl.col("has_category")).sort(["quarter", "canonical_model"])


# -- Outcomes for the mart assets: the frames of the run's quarters, checked. -------------------------

NO_NEGATIVE_COSTS = "no_negative_costs"
CROSSOVER_CONSISTENT = "crossover_consistent_with_cost_tables"
REQUIRED_MODELS_COVERED = "required_models_have_tier_and_category"


@dataclass(frozen=True)
class Outcome:
    asset: str
    check: str
    passed: bool
    blocking: bool
    description: str
    failures: pl.DataFrame


def schema_outcome(asset: str, check: str, schema: type, frame: pl.DataFrame) -> Outcome:
    failures = schema_failures(schema, frame)
    return Outcome(asset, check, failures.height == 0, True,
                   f"{failures.height} schema failure(s) in {frame.height} row(s)", failures)


def base_outcomes(frames: dict[str, pl.DataFrame], spectrum: pl.DataFrame, models: pl.DataFrame) -> list[Outcome]:
    """The checks on the base marts of the run's quarters (frames as stored, all quarters at once)."""
    out = []
    for table, columns in COST_COLUMNS.items():
        bad = negative_costs(frames[table], columns)
        out.append(Outcome(table, NO_NEGATIVE_COSTS, bad.height == 0, True, f"{bad.height} row(s) with a negative cost",
                           bad))
    bad = crossover_inconsistencies(frames["crossover"], frames["self_hosted_cost"], frames["api_cost_at_scale"])
    out.append(Outcome("crossover", CROSSOVER_CONSISTENT, bad.height == 0, True,
                       f"{bad.height} crossover row(s) disagree with the cost tables", bad))
    bad = managed_crossover_inconsistencies(frames["managed_crossover"], frames["self_hosted_cost"],
                                            frames["managed_inference"])
    out.append(Outcome("managed_crossover", CROSSOVER_CONSISTENT, bad.height == 0, True,
                       f"{bad.height} managed_crossover row(s) disagree with the cost tables", bad))
    missing = uncovered_required_models(frames["api_cost_at_scale"], frames["quality_tiers"], spectrum, models)
    names = sorted(set(missing["canonical_model"]))
    out.append(Outcome("quality_tiers", REQUIRED_MODELS_COVERED, missing.height == 0, False,
                       f"{len(names)} priced required model(s) lack a tier or an openness category "
                       f"({missing.height} model-quarters)" + (f": {', '.join(names)}" if names else ""), missing))
    return out
