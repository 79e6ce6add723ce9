"""GPU rates in one step: the GPU registry, the quarterly `gpu_rates` snapshot and `gpu_price_summary`."""

import dagster as dg
import polars as pl

from pipeline.core.progress import progress
from pipeline.core.warehouse import query, replace_rows
from pipeline.defs.checks import per_quarter, sample, schema_result, spec, warn_result
from pipeline.defs.plan import PLAN_KEY
from pipeline.defs.resources import WarehouseResource
from pipeline.defs.sources import SOURCES, source_key
from pipeline.gpu_rates import checks
from pipeline.gpu_rates.registry import GpuMap
from pipeline.gpu_rates.snapshot import snapshot_quarter, summarize_quarter
from schemas.gpu_rates import GpuPriceSummary, GpuRate

GPU_RATES_VALID = "gpu_rates_valid"
GPU_PRICE_SUMMARY_VALID = "gpu_price_summary_valid"
GPU_SOURCES = [source_key(s) for s in SOURCES if s.family == "gpu_rates"]
OF_QUARTERS = "SELECT * FROM gpu_rates WHERE quarter IN (SELECT unnest(?::VARCHAR[]))"


def _asset(key: str, deps: list, description: str) -> dg.AssetSpec:
    return dg.AssetSpec(key, group_name="gpu_rates", deps=deps, kinds={"duckdb"}, description=description)


@dg.multi_asset(
    name="gpu_rates",
    specs=[_asset("gpus", [PLAN_KEY], "Canonical GPUs with the memory of one GPU (curated, cited)"),
           _asset("gpu_names", [PLAN_KEY], "Each source's GPU or SKU names mapped exactly to canonical GPUs"),
           _asset("gpu_rates", ["gpus", "gpu_names", *GPU_SOURCES],
                  "Per quarter: every GPU offer's latest hourly and per-GPU-hour rate, as of the quarter's end"),
           _asset("gpu_price_summary", ["gpu_rates"],
                  "Per quarter: min, median and max USD per GPU-hour of each GPU and pricing model")],
    check_specs=[spec(GPU_RATES_VALID, "gpu_rates", "Snapshot rows pass the GpuRate schema"),
                 spec(checks.SPOT_NOT_ABOVE_ON_DEMAND, "gpu_rates",
                      "No spot rate above the same offer's on-demand rate", blocking=False),
                 spec(checks.NO_X5_MOVES, "gpu_rates", "No rate moved x5 against its previous observation",
                      blocking=False),
                 spec(checks.NO_DUPLICATE_ROWS, "gpu_rates", "No exact duplicate rows in this run's responses",
                      blocking=False),
                 spec(GPU_PRICE_SUMMARY_VALID, "gpu_price_summary", "Summary rows pass the GpuPriceSummary schema")])
def gpu_rates(warehouse: WarehouseResource):
    session = warehouse.session()
    con, plan = session.con, session.plan
    gpu_map = GpuMap.load(plan.inputs.curated_dir)
    for table, frame in (("gpus", gpu_map.gpus), ("gpu_names", gpu_map.names)):
        replace_rows(con, table, frame)
        yield dg.MaterializeResult(asset_key=table, metadata={"rows": frame.height})

    snaps = {q.label: snapshot_quarter(con, q, plan.provisional(q), gpu_map) for q in plan.quarters}
    counts = {q: s.rates.height for q, s in snaps.items()}
    progress.info("%-28s %s", "snapshot/gpu_rates", ", ".join(f"{q}: {n}" for q, n in counts.items()))
    rows = query(con, OF_QUARTERS, [list(snaps)])
    unmapped = pl.concat([s.unmapped for s in snaps.values()], how="vertical_relaxed")
    yield dg.MaterializeResult(asset_key="gpu_rates", metadata={
        "rows_per_quarter": per_quarter(counts), "unmapped_left_out": unmapped.height,
        "first_unmapped": sample(unmapped)})
    yield schema_result("gpu_rates", GPU_RATES_VALID, GpuRate, rows)
    spot = checks.spot_above_on_demand(rows)
    yield warn_result("gpu_rates", checks.SPOT_NOT_ABOVE_ON_DEMAND, spot, f"{spot.height} spot rate(s) above on-demand")
    moves = checks.big_moves(query(con, checks.RUN_CHANGES, [plan.run_id]))
    yield warn_result("gpu_rates", checks.NO_X5_MOVES, moves,
                      f"{moves.height} rate(s) moved x{checks.MOVE_FACTOR:g} or more")
    per_source = checks.duplicate_counts(query(con, checks.RUN_DUPLICATES, [plan.run_id, checks.DUPLICATE_PATTERN]))
    yield dg.AssetCheckResult(asset_key="gpu_rates", check_name=checks.NO_DUPLICATE_ROWS, passed=not per_source,
                              severity=dg.AssetCheckSeverity.WARN,
                              metadata={"removed": dg.MetadataValue.json(per_source)},
                              description=f"{sum(per_source.values())} exact duplicate row(s) removed")

    frames = {q.label: summarize_quarter(con, q, plan.provisional(q)) for q in plan.quarters}
    yield dg.MaterializeResult(asset_key="gpu_price_summary",
                               metadata={"rows_per_quarter": per_quarter({q: f.height for q, f in frames.items()})})
    yield schema_result("gpu_price_summary", GPU_PRICE_SUMMARY_VALID, GpuPriceSummary,
                        pl.concat(list(frames.values()), how="vertical_relaxed"))
