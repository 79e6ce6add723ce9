"""The quarterly `gpu_rates` snapshot and `gpu_price_summary`, from the staging warehouse.

The SQL picks, per source and endpoint, the newest parsed response before the quarter's end,
and the curated rows observed before it; the pure functions below map GPUs, choose one rate per
offer and summarise.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl

from pipeline.core.quarters import Quarter
from pipeline.core.snapshots import mark_carried
from pipeline.core.warehouse import insert_frame, query
from pipeline.gpu_rates.registry import GpuMap, resolve

OFFER = ("provider", "region", "instance_type", "pricing_model")
# Who wins when several sources price the same offer: a curated (cited) rate, then the
# provider's own price list, then an aggregator's copy of it. Unlisted sources come last.
SOURCE_PRIORITY = {"curated_gpu_rates": 0, "azure_retail_prices": 1, "modal_pricing_page": 1, "skypilot_catalog": 2}

_COLUMNS = """o.source, o.provider, o.region, o.zone, o.instance_type, o.pricing_model, o.usd_per_hour,
              o.gpu_name, o.gpu_count, o.gpu_memory_gb, o.meter_id"""
FETCHED = f"""
SELECT {_COLUMNS}, f.observed_at, f.fetch_id, f.stale, f.stale_reason
FROM snapshot_fetches('gpu_rates', ?::TIMESTAMP) AS f
JOIN gpu_rate_observations AS o ON o.source = f.source AND o.endpoint = f.endpoint AND holds_at(o.valid_from, o.valid_to, f.observed_at)
"""
CURATED = f"""
SELECT {_COLUMNS}, o.observed_at, o.fetch_id, false AS stale, NULL::VARCHAR AS stale_reason
FROM curated_fetches('gpu_rates') AS f
JOIN gpu_rate_observations AS o ON o.source = f.source AND o.endpoint = f.endpoint AND holds_at(o.valid_from, o.valid_to, f.observed_at)
WHERE o.observed_at < ?::TIMESTAMP
"""
GPUS = "SELECT gpu, display_name, vendor, memory_gb, citation FROM gpus"
NAMES = "SELECT source, provider, source_name, gpu, gpu_count, citation FROM gpu_names"
DELETE_RATES = "DELETE FROM gpu_rates WHERE quarter = ?"
RATES_OF_QUARTER = "SELECT * FROM gpu_rates WHERE quarter = ?"
DELETE_SUMMARY = "DELETE FROM gpu_price_summary WHERE quarter = ?"


@dataclass
class Snapshot:
    rates: pl.DataFrame
    unmapped: pl.DataFrame  # observations whose GPU the current name map does not know


def choose_rates(observed: pl.DataFrame, gpu_map: GpuMap) -> Snapshot:
    """One row per offer: mapped to a canonical GPU, the highest-priority source, then the newest."""
    resolved = resolve(observed, observed["source"], gpu_map)
    mapped = pl.col("gpu").is_not_null() & pl.col("usd_per_gpu_hour").is_not_null()
    priority = pl.col("source").replace_strict(SOURCE_PRIORITY, default=9, return_dtype=pl.Int64)
    chosen = (resolved.filter(mapped)
              .sort([priority, pl.col("observed_at"), pl.col("fetch_id")], descending=[False, True, True])
              .unique(subset=list(OFFER), keep="first", maintain_order=True))
    rates = chosen.select(
        *OFFER[:2], "zone", "instance_type", "gpu", pl.col("resolved_gpu_count").alias("gpu_count"),
        pl.col("resolved_gpu_memory_gb").alias("gpu_memory_gb"), "pricing_model", "usd_per_hour",
        "usd_per_gpu_hour", "source", pl.col("gpu_name").alias("source_gpu_name"), "gpu_rule", "meter_id",
        pl.col("observed_at").cast(pl.Datetime("us")), "fetch_id", pl.col("stale").cast(pl.Boolean), "stale_reason")
    return Snapshot(rates.sort(list(OFFER)), resolved.filter(~mapped))


def summarize(rates: pl.DataFrame) -> pl.DataFrame:
    """Per GPU and pricing model: min / median / max USD per GPU-hour over whole-GPU offers.

    GPU partitions (gpu_count below 1) are left out: a sixth of an A10 priced per whole GPU is
    a partition premium, not what a deployment of whole GPUs pays.
    """
    whole = rates.filter(pl.col("gpu_count") >= 1)
    per_gpu = pl.col("usd_per_gpu_hour")
    return (whole.group_by("gpu", "pricing_model")
            .agg(pl.col("gpu_memory_gb").max(), per_gpu.min().alias("min_usd_per_gpu_hour"),
                 per_gpu.median().alias("median_usd_per_gpu_hour"), per_gpu.max().alias("max_usd_per_gpu_hour"),
                 pl.len().cast(pl.Int64).alias("offers"), pl.col("provider").n_unique().cast(pl.Int64).alias("providers"),
                 pl.col("stale").sum().cast(pl.Int64).alias("stale_offers"))
            .sort("gpu", "pricing_model"))


def load_gpu_map(con: duckdb.DuckDBPyConnection) -> GpuMap:
    return GpuMap(query(con, GPUS), query(con, NAMES))


def observed_before(con: duckdb.DuckDBPyConnection, quarter: Quarter) -> pl.DataFrame:
    return pl.concat([query(con, FETCHED, [quarter.end]), query(con, CURATED, [quarter.end])], how="vertical_relaxed")


def snapshot_quarter(con: duckdb.DuckDBPyConnection, quarter: Quarter, provisional: bool,
                     gpu_map: GpuMap) -> Snapshot:
    snap = choose_rates(observed_before(con, quarter), gpu_map)
    stamp = [pl.lit(quarter.label).alias("quarter"), pl.lit(provisional).alias("provisional")]
    con.execute(DELETE_RATES, [quarter.label])
    insert_frame(con, "gpu_rates", snap.rates.with_columns(stamp))
    mark_carried(con, "gpu_rates", quarter.label, quarter.start, quarter.end)
    return snap


def summarize_quarter(con: duckdb.DuckDBPyConnection, quarter: Quarter, provisional: bool) -> pl.DataFrame:
    summary = summarize(query(con, RATES_OF_QUARTER, [quarter.label])).with_columns(
        pl.lit(quarter.label).alias("quarter"), pl.lit(provisional).alias("provisional"))
    con.execute(DELETE_SUMMARY, [quarter.label])
    insert_frame(con, "gpu_price_summary", summary)
    return summary
