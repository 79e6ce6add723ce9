"""The quarterly `throughput_measurements` snapshot, from the staging warehouse.

The SQL picks, per source and endpoint, the newest parsed response observed before the quarter's
end (`snapshot_fetches`, warehouse/001_core.sql) and its observations; `measurements` is the pure
part: one row per source and measurement key, stamped with the quarter. A source that could not
be reached stands on its last response, marked stale with the reason.
"""

from __future__ import annotations

import duckdb
import polars as pl

from pipeline.core.quarters import Quarter
from pipeline.core.warehouse import insert_frame, query
from pipeline.throughput import KEY

OBSERVED = """
SELECT o.* EXCLUDE (observed_at, fetch_id, endpoint, valid_from, valid_to), f.observed_at, f.fetch_id, f.stale, f.stale_reason
FROM snapshot_fetches('throughput', ?::TIMESTAMP) AS f
JOIN throughput_observations AS o ON o.source = f.source AND o.endpoint = f.endpoint
 AND holds_at(o.valid_from, o.valid_to, f.observed_at)
"""
DELETE_QUARTER = "DELETE FROM throughput_measurements WHERE quarter = ?"


def measurements(observed: pl.DataFrame, quarter: Quarter, provisional: bool) -> pl.DataFrame:
    """One row per (source, measurement key): the newest observation; measured before the quarter ends.

    Two endpoints of one source never share a key in practice (an MLPerf result id names its
    round); if they did, the newer response wins rather than doubling the measurement.
    """
    if observed.height == 0:
        return observed.with_columns(pl.lit(quarter.label).alias("quarter"), pl.lit(provisional).alias("provisional"))
    in_time = pl.col("measured_on").is_null() | (pl.col("measured_on") < quarter.end.date())
    chosen = (observed.filter(in_time)
              .sort(["observed_at", "fetch_id"], descending=[True, True])
              .unique(subset=["source", *KEY], keep="first", maintain_order=True))
    return (chosen.with_columns(pl.lit(quarter.label).alias("quarter"), pl.lit(provisional).alias("provisional"),
                                pl.col("observed_at").cast(pl.Datetime("us")), pl.col("stale").cast(pl.Boolean))
            .sort("source", "model_name", "gpu", "precision", "gpu_count", "input_tokens", "output_tokens",
                  "concurrency", "scenario", "result_id", nulls_last=True))


def snapshot_quarter(con: duckdb.DuckDBPyConnection, quarter: Quarter, provisional: bool) -> pl.DataFrame:
    """Replace `quarter`'s rows of throughput_measurements; returns them."""
    rows = measurements(query(con, OBSERVED, [quarter.end]), quarter, provisional)
    con.execute(DELETE_QUARTER, [quarter.label])
    insert_frame(con, "throughput_measurements", rows)
    return rows
