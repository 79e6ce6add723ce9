"""GPU rates: the GPU registry, the quarterly `gpu_rates` snapshot and `gpu_price_summary`."""


import dagster as dg
import polars as pl

from pipeline.core.sources import discover_sources
from pipeline.core.validate import schema_failures
from pipeline.core.warehouse import query, replace_rows
from pipeline.defs.sources import source_key
from pipeline.gpu_rates import checks
from pipeline.gpu_rates.registry import GpuMap
from pipeline.gpu_rates.snapshot import load_gpu_map, snapshot_quarter, summarize_quarter
from pipeline.partitions import QUARTERS, run_quarters
from pipeline.progress import progress
from pipeline.resources import LedgerSettings, WarehouseResource
from schemas.gpu_rates import GpuPriceSummary, GpuRate

GPU_RATES_VALID = "gpu_rates_valid"
GPU_PRICE_SUMMARY_VALID = "gpu_price_summary_valid"
GPU_SOURCES = [source_key(s) for s in discover_sources("gpu_rates")]
OF_QUARTERS = "SELECT * FROM {} WHERE quarter IN (SELECT unnest(?::VARCHAR[]))"


def _json(frame: pl.DataFrame, n: int = 10) -> dg.MetadataValue:
    return dg.MetadataValue.json(frame.head(n).with_columns(pl.all().cast(pl.String)).to_dicts())


def _warn(name: str, bad: pl.DataFrame, summary: str) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(check_name=name, passed=bad.height == 0, severity=dg.AssetCheckSeverity.WARN,
                               description=summary, metadata={"count": bad.height, "first": _json(bad)})


@dg.multi_asset(
    specs=[dg.AssetSpec("gpus", group_name="gpu_rates", kinds={"duckdb"},
                        description="Canonical GPUs with the memory of one GPU (curated, cited)"),
           dg.AssetSpec("gpu_names", group_name="gpu_rates", kinds={"duckdb"},
                        description="Each source's GPU or SKU names mapped exactly to canonical GPUs")],
)
def gpu_registry(settings: LedgerSettings, warehouse: WarehouseResource):
    """The GPU registry and name map, from the curated directory."""
    con = warehouse.con()
    gpu_map = GpuMap.load(settings.curated_path())
    for table, frame in (("gpus", gpu_map.gpus), ("gpu_names", gpu_map.names)):
        replace_rows(con, table, frame)
        yield dg.MaterializeResult(asset_key=table, metadata={"rows": frame.height})


@dg.asset(partitions_def=QUARTERS, group_name="gpu_rates", deps=["gpus", "gpu_names", *GPU_SOURCES],
          kinds={"duckdb"},
          check_specs=[dg.AssetCheckSpec(GPU_RATES_VALID, asset="gpu_rates", blocking=True,
                                         description="Snapshot rows pass the GpuRate schema"),
                       dg.AssetCheckSpec(checks.SPOT_NOT_ABOVE_ON_DEMAND, asset="gpu_rates",
                                         description="No spot rate above the same offer's on-demand rate"),
                       dg.AssetCheckSpec(checks.NO_X5_MOVES, asset="gpu_rates",
                                         description="No rate moved x5 against its previous observation"),
                       dg.AssetCheckSpec(checks.NO_DUPLICATE_ROWS, asset="gpu_rates",
                                         description="No exact duplicate rows in this run's responses")])
def gpu_rates(context: dg.AssetExecutionContext, settings: LedgerSettings, warehouse: WarehouseResource):
    """Per quarter: every GPU offer's latest hourly and per-GPU-hour rate, as of the quarter's end."""
    con, running = warehouse.con(), settings.running_quarter()
    gpu_map = load_gpu_map(con)
    snaps = {q.label: snapshot_quarter(con, q, q == running, gpu_map) for q in run_quarters(context)}
    counts = {q: s.rates.height for q, s in snaps.items()}
    progress.info("%-28s %s", "snapshot/gpu_rates", ", ".join(f"{q}: {n}" for q, n in counts.items()))
    rows = query(con, OF_QUARTERS.format("gpu_rates"), [list(snaps)])
    failures = schema_failures(GpuRate, rows)
    unmapped = pl.concat([s.unmapped for s in snaps.values()], how="vertical_relaxed")
    yield dg.MaterializeResult(metadata={"rows_per_quarter": dg.MetadataValue.json(counts),
                                         "unmapped_left_out": unmapped.height, "first_unmapped": _json(unmapped)})
    yield dg.AssetCheckResult(check_name=GPU_RATES_VALID, passed=failures.height == 0,
                              metadata={"first_failures": _json(failures)})
    spot = checks.spot_above_on_demand(rows)
    yield _warn(checks.SPOT_NOT_ABOVE_ON_DEMAND, spot, f"{spot.height} spot rate(s) above on-demand")
    moves = checks.big_moves(query(con, checks.RUN_CHANGES, [context.run.run_id]))
    yield _warn(checks.NO_X5_MOVES, moves, f"{moves.height} rate(s) moved x{checks.MOVE_FACTOR:g} or more")
    dupes = query(con, checks.RUN_DUPLICATES, [context.run.run_id, checks.DUPLICATE_PATTERN])
    per_source = checks.duplicate_counts(dupes)
    yield dg.AssetCheckResult(check_name=checks.NO_DUPLICATE_ROWS, passed=not per_source,
                              severity=dg.AssetCheckSeverity.WARN, metadata={"removed": dg.MetadataValue.json(per_source)},
                              description=f"{sum(per_source.values())} exact duplicate row(s) removed")


@dg.asset(partitions_def=QUARTERS, group_name="gpu_rates", deps=["gpu_rates"], kinds={"duckdb"},
          check_specs=[dg.AssetCheckSpec(GPU_PRICE_SUMMARY_VALID, asset="gpu_price_summary", blocking=True,
                                         description="Summary rows pass the GpuPriceSummary schema")])
def gpu_price_summary(context: dg.AssetExecutionContext, settings: LedgerSettings, warehouse: WarehouseResource):
    """Per quarter: min, median and max USD per GPU-hour of each GPU and pricing model."""
    con, running = warehouse.con(), settings.running_quarter()
    frames = {q.label: summarize_quarter(con, q, q == running) for q in run_quarters(context)}
    failures = schema_failures(GpuPriceSummary, pl.concat(list(frames.values()), how="vertical_relaxed"))
    yield dg.MaterializeResult(metadata={"rows_per_quarter": dg.MetadataValue.json({q: f.height for q, f in frames.items()})})
    yield dg.AssetCheckResult(check_name=GPU_PRICE_SUMMARY_VALID, passed=failures.height == 0,
                              metadata={"first_failures": _json(failures)})
