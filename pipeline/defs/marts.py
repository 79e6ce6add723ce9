"""Marts in one step: the run's assumptions, the quarterly decision tables and their drift."""

import dagster as dg

from pipeline.core.fetch_records import utcnow
from pipeline.core.progress import progress
from pipeline.core.warehouse import ident, query
from pipeline.defs.checks import sample, spec
from pipeline.defs.resources import WarehouseResource
from pipeline.marts.assumptions import AssumptionsError, load_assumptions
from pipeline.marts.checks import (CROSSOVER_CONSISTENT, NO_NEGATIVE_COSTS, REQUIRED_MODELS_COVERED, Outcome,
                                   base_outcomes, schema_outcome)
from pipeline.marts.inputs import coverage_inputs
from pipeline.marts.store import compute_drift, compute_quarter, record_assumptions, write_marts
from pipeline.marts.tables import BASE_MARTS, DRIFT_MARTS
from schemas.marts import MART_SCHEMAS

# The snapshots the marts read (pipeline/marts/inputs.py).
SNAPSHOTS = ["model_prices", "models", "gpu_price_summary", "gpus", "quality_index", "benchmark_scores",
             "openness_spectrum", "license_changes", "throughput_measurements"]
DESCRIPTIONS = {
    "run_assumptions": "The assumptions this refresh computes the marts with (default file + what-if overrides), "
                       "by hash",
    "quality_tiers": "Per quarter: each model's quality tier relative to the quarter's best",
    "api_cost_at_scale": "Per quarter: each model's monthly API cost at each provider and volume",
    "self_hosted_cost": "Per quarter: each deployment's monthly GPU cost, capacity (measured, estimated or "
                        "assumed) and cost per 1M output tokens",
    "crossover": "Per quarter: the monthly volume at which self-hosting beats each compared API",
    "tco_at_volume": "Per quarter: total monthly cost of each option at the decision volumes",
    "managed_inference": "Per quarter: open-weight models served by providers other than their developer",
    "managed_crossover": "Per quarter: the monthly volume at which each deployment beats its model's cheapest "
                         "managed offer",
    "managed_inference_drift": "Per quarter: moves of each open model's cheapest managed offer",
    "throughput_drift": "Per quarter: moves of each deployment's capacity and its basis",
    "price_drift": "Per quarter: API price changes since the previous quarter",
    "tier_drift": "Per quarter: quality tier changes since the previous quarter",
    "crossover_drift": "Per quarter: crossover volume moves since the previous quarter",
    "gpu_rate_drift": "Per quarter: on-demand GPU rate moves since the previous quarter",
    "license_drift": "Per quarter: license text changes and openness moves since the previous quarter",
    "open_closed_gap": "Per quarter: best closed vs best open-weight model score, and its move",
}
OF_QUARTERS = "SELECT * FROM {} WHERE quarter IN (SELECT unnest(?::VARCHAR[]))"


def valid(name: str) -> str:
    return f"{name}_valid"


def _result(o: Outcome) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=o.asset, check_name=o.check, passed=o.passed, description=o.description,
        severity=dg.AssetCheckSeverity.ERROR if o.blocking else dg.AssetCheckSeverity.WARN,
        metadata={"first_failures": sample(o.failures)})


def _asset(name: str, deps: list[str]) -> dg.AssetSpec:
    return dg.AssetSpec(name, group_name="marts", deps=deps, kinds={"duckdb"}, description=DESCRIPTIONS[name])


@dg.multi_asset(
    name="marts",
    specs=[_asset("run_assumptions", ["refresh_plan"])]
    + [_asset(n, ["run_assumptions", *SNAPSHOTS]) for n in BASE_MARTS]
    + [_asset(n, [*BASE_MARTS, *SNAPSHOTS]) for n in DRIFT_MARTS],
    check_specs=[spec(valid(n), n, f"Rows pass the {n} schema") for n in (*BASE_MARTS, *DRIFT_MARTS)]
    + [spec(NO_NEGATIVE_COSTS, n, "No cost is negative") for n in ("api_cost_at_scale", "self_hosted_cost",
                                                                   "tco_at_volume", "managed_inference")]
    + [spec(CROSSOVER_CONSISTENT, "crossover",
            "Break-even volumes agree with api_cost_at_scale and self_hosted_cost"),
       spec(CROSSOVER_CONSISTENT, "managed_crossover",
            "Break-even volumes agree with managed_inference and self_hosted_cost"),
       spec(REQUIRED_MODELS_COVERED, "quality_tiers", "Every priced required model has a tier and an openness "
                                                      "category", blocking=False)])
def marts(warehouse: WarehouseResource):
    session = warehouse.session()
    con, plan = session.con, session.plan
    try:
        a = load_assumptions(plan.inputs.assumptions_file)
    except AssumptionsError as exc:
        raise dg.Failure(description=str(exc)) from None
    record_assumptions(con, a, plan.run_id, utcnow())
    progress.info("%-28s %s (%s)", "marts/assumptions", a.hash, a.source)
    yield dg.MaterializeResult(asset_key="run_assumptions", metadata={
        "assumptions_hash": a.hash, "source": a.source, "deployments": len(a.deployments)})

    counts, missing = {}, set()
    for q in plan.quarters:
        frames, absent = compute_quarter(con, q, a)
        counts[q.label] = write_marts(con, frames, BASE_MARTS, q, plan.provisional(q), a)
        missing |= set(absent)
    cache: dict = {}
    for q in plan.quarters:
        write_marts(con, compute_drift(con, q, a, cache), DRIFT_MARTS, q, plan.provisional(q), a)
    progress.info("%-28s %s", "marts", ", ".join(f"{q}: {sum(n.values())}" for q, n in counts.items()))
    labels = [q.label for q in plan.quarters]
    stored = {n: query(con, OF_QUARTERS.format(ident(n)), [labels]) for n in (*BASE_MARTS, *DRIFT_MARTS)}
    for n in BASE_MARTS:
        yield dg.MaterializeResult(asset_key=n, metadata={
            "rows_per_quarter": dg.MetadataValue.json({q: c[n] for q, c in counts.items()}),
            "assumptions_hash": a.hash, "missing_inputs": ", ".join(sorted(missing)) or "none"})
    for n in DRIFT_MARTS:
        yield dg.MaterializeResult(asset_key=n, metadata={"rows": stored[n].height, "assumptions_hash": a.hash})
    for n in (*BASE_MARTS, *DRIFT_MARTS):
        yield _result(schema_outcome(n, valid(n), MART_SCHEMAS[n], stored[n]))
    for o in base_outcomes(stored, *coverage_inputs(con, list(plan.quarters))):
        yield _result(o)
