"""Marts: the assumptions of the run, the quarterly decision tables and their drift."""


import dagster as dg
import polars as pl

from pipeline.core.fetch_records import utcnow
from pipeline.core.warehouse import ident, query
from pipeline.marts.assumptions import Assumptions, AssumptionsError, load_assumptions
from pipeline.marts.checks import (CROSSOVER_CONSISTENT, NO_NEGATIVE_COSTS, REQUIRED_MODELS_COVERED, Outcome,
                                   base_outcomes, schema_outcome)
from pipeline.marts.inputs import coverage_inputs
from pipeline.marts.store import compute_drift, compute_quarter, record_assumptions, write_marts
from pipeline.marts.tables import BASE_MARTS, DRIFT_MARTS
from pipeline.partitions import QUARTERS, run_quarters
from pipeline.progress import progress
from pipeline.resources import LedgerSettings, WarehouseResource
from schemas.marts import MART_SCHEMAS

# The snapshots the marts read (pipeline/marts/inputs.py).
SNAPSHOTS = ["model_prices", "models", "gpu_price_summary", "gpus", "quality_index", "benchmark_scores",
             "openness_spectrum", "license_changes"]
DESCRIPTIONS = {
    "quality_tiers": "Per quarter: each model's quality tier relative to the quarter's best",
    "api_cost_at_scale": "Per quarter: each model's monthly API cost at each provider and volume",
    "self_hosted_cost": "Per quarter: each deployment's monthly GPU cost and cost per 1M output tokens",
    "crossover": "Per quarter: the monthly volume at which self-hosting beats each compared API",
    "tco_at_volume": "Per quarter: total monthly cost of each option at the decision volumes",
    "price_drift": "Per quarter: API price changes since the previous quarter",
    "tier_drift": "Per quarter: quality tier changes since the previous quarter",
    "crossover_drift": "Per quarter: crossover volume moves since the previous quarter",
    "gpu_rate_drift": "Per quarter: on-demand GPU rate moves since the previous quarter",
    "license_drift": "Per quarter: license text changes and openness moves since the previous quarter",
    "open_closed_gap": "Per quarter: best closed vs best open-weight model score, and its move",
}


def valid(name: str) -> str:
    return f"{name}_valid"


def _assumptions(settings: LedgerSettings) -> Assumptions:
    try:
        return load_assumptions(settings.assumptions_file)
    except AssumptionsError as exc:
        raise dg.Failure(description=str(exc)) from None


def _results(outcomes: list[Outcome]):
    for o in outcomes:
        yield dg.AssetCheckResult(
            asset_key=o.asset, check_name=o.check, passed=o.passed, description=o.description,
            severity=dg.AssetCheckSeverity.ERROR if o.blocking else dg.AssetCheckSeverity.WARN,
            metadata={"first_failures": dg.MetadataValue.json(
                o.failures.head(10).with_columns(pl.all().cast(pl.String)).to_dicts())})


@dg.asset(group_name="marts", kinds={"duckdb"})
def run_assumptions(context: dg.AssetExecutionContext, settings: LedgerSettings, warehouse: WarehouseResource):
    """The assumptions this refresh computes the marts with (default file + what-if overrides), by hash."""
    a = _assumptions(settings)
    record_assumptions(warehouse.con(), a, context.run.run_id, utcnow())
    progress.info("%-28s %s (%s)", "marts/assumptions", a.hash, a.source)
    return dg.MaterializeResult(metadata={"assumptions_hash": a.hash, "source": a.source,
                                          "deployments": len(a.deployments)})


@dg.multi_asset(
    specs=[dg.AssetSpec(n, group_name="marts", deps=["run_assumptions", *SNAPSHOTS], kinds={"duckdb"},
                        description=DESCRIPTIONS[n]) for n in BASE_MARTS],
    check_specs=[dg.AssetCheckSpec(valid(n), asset=n, blocking=True, description=f"Rows pass the {n} schema")
                 for n in BASE_MARTS]
    + [dg.AssetCheckSpec(NO_NEGATIVE_COSTS, asset=n, blocking=True, description="No cost is negative")
       for n in ("api_cost_at_scale", "self_hosted_cost", "tco_at_volume")]
    + [dg.AssetCheckSpec(CROSSOVER_CONSISTENT, asset="crossover", blocking=True,
                         description="Break-even volumes agree with api_cost_at_scale and self_hosted_cost"),
       dg.AssetCheckSpec(REQUIRED_MODELS_COVERED, asset="quality_tiers",
                         description="Every priced required model has a tier and an openness category")],
    partitions_def=QUARTERS)
def quarterly_marts(context: dg.AssetExecutionContext, settings: LedgerSettings, warehouse: WarehouseResource):
    """Per quarter: tiers, API cost, self-hosted cost, crossover and TCO from that quarter's snapshots."""
    a, con, running = _assumptions(settings), warehouse.con(), settings.running_quarter()
    quarters, counts, missing = run_quarters(context), {}, set()
    for q in quarters:
        frames, absent = compute_quarter(con, q, a)
        counts[q.label], missing = write_marts(con, frames, BASE_MARTS, q, q == running, a), missing | set(absent)
    progress.info("%-28s %s", "marts", ", ".join(f"{q}: {sum(n.values())}" for q, n in counts.items()))
    labels = [q.label for q in quarters]
    stored = {n: query(con, f"SELECT * FROM {ident(n)} WHERE quarter IN (SELECT unnest(?::VARCHAR[]))", [labels])
              for n in BASE_MARTS}
    for n in BASE_MARTS:
        yield dg.MaterializeResult(asset_key=n, metadata={
            "rows_per_quarter": dg.MetadataValue.json({q: c[n] for q, c in counts.items()}),
            "assumptions_hash": a.hash, "missing_inputs": ", ".join(sorted(missing)) or "none"})
    yield from _results([schema_outcome(n, valid(n), MART_SCHEMAS[n], stored[n]) for n in BASE_MARTS])
    yield from _results(base_outcomes(stored, *coverage_inputs(con, quarters)))


@dg.multi_asset(
    specs=[dg.AssetSpec(n, group_name="marts", deps=[*BASE_MARTS, *SNAPSHOTS], kinds={"duckdb"},
                        description=DESCRIPTIONS[n]) for n in DRIFT_MARTS],
    check_specs=[dg.AssetCheckSpec(valid(n), asset=n, blocking=True, description=f"Rows pass the {n} schema")
                 for n in DRIFT_MARTS],
    partitions_def=QUARTERS)
def quarterly_drift(context: dg.AssetExecutionContext, settings: LedgerSettings, warehouse: WarehouseResource):
    """Per quarter: how prices, tiers, crossovers, GPU rates, licenses and the open–closed gap moved."""
    a, con, running = _assumptions(settings), warehouse.con(), settings.running_quarter()
    stored: dict[str, list[pl.DataFrame]] = {n: [] for n in DRIFT_MARTS}
    cache: dict = {}
    for q in run_quarters(context):
        frames = compute_drift(con, q, a, cache)
        write_marts(con, frames, DRIFT_MARTS, q, q == running, a)
        for n in DRIFT_MARTS:
            stored[n].append(query(con, f"SELECT * FROM {ident(n)} WHERE quarter = ?", [q.label]))
    for n in DRIFT_MARTS:
        rows = pl.concat(stored[n], how="diagonal_relaxed")
        yield dg.MaterializeResult(asset_key=n, metadata={"rows": rows.height, "assumptions_hash": a.hash})
        yield from _results([schema_outcome(n, valid(n), MART_SCHEMAS[n], rows)])
