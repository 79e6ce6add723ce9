"""Throughput in one step: the quarterly `throughput_measurements` snapshot of measured tokens/s per GPU."""

import dagster as dg
import polars as pl

from pipeline.core.progress import progress
from pipeline.defs.checks import per_quarter, schema_result, spec
from pipeline.defs.resources import WarehouseResource
from pipeline.defs.sources import SOURCES, source_key
from pipeline.throughput.snapshot import snapshot_quarter
from schemas.throughput import ThroughputMeasurement

THROUGHPUT_VALID = "throughput_measurements_valid"
THROUGHPUT_SOURCES = [source_key(s) for s in SOURCES if s.family == "throughput"]


@dg.multi_asset(
    name="throughput",
    specs=[dg.AssetSpec("throughput_measurements", group_name="throughput", deps=["gpus", *THROUGHPUT_SOURCES],
                        kinds={"duckdb"}, description="Per quarter: published measured inference throughput "
                                                      "(output tokens/s per GPU), newest response of each source")],
    check_specs=[spec(THROUGHPUT_VALID, "throughput_measurements", "Rows pass the ThroughputMeasurement schema")])
def throughput(warehouse: WarehouseResource):
    session = warehouse.session()
    con, plan = session.con, session.plan
    frames = {q.label: snapshot_quarter(con, q, plan.provisional(q)) for q in plan.quarters}
    progress.info("%-28s %s", "snapshot/throughput", ", ".join(f"{q}: {f.height}" for q, f in frames.items()))
    yield dg.MaterializeResult(asset_key="throughput_measurements",
                               metadata={"rows_per_quarter": per_quarter({q: f.height for q, f in frames.items()})})
    yield schema_result("throughput_measurements", THROUGHPUT_VALID, ThroughputMeasurement,
                        pl.concat(list(frames.values()), how="diagonal_relaxed"))
