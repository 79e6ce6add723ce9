"""Row guards for GPU rates. Pure: frames in, violating rows (`__row`, `detail`) out.

Non-positive and NaN rates are caught by the schema (schemas/gpu_rates.py) and quarantined there;
rates a parser cannot read as numbers are rejected by the parser with the text it found.
The guards' context (`confirmations`) carries the GPU registry and name map of the curated
directory, so that a rate is judged per GPU with the same map the snapshot uses.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipeline.core.family import Guard, GuardContext
from pipeline.core.validate import ROW
from pipeline.gpu_rates.registry import GPUS_SCHEMA, NAMES_SCHEMA, GpuMap, resolve

# The sane range of a GPU-hour. The cheapest public GPU-hours are spot T4s and community
# consumer cards at about $0.06–0.20; the dearest list prices, H100/H200 on the big clouds before
# the 2025 cuts, about $12–13 per GPU. Outside $0.01–$60 a rate is far more likely a unit mistake
# (a per-second price read as hourly is ~3,600x too small; a reservation's term total read as
# hourly is ~8,760x too large) than a price.
MIN_USD_PER_GPU_HOUR = 0.01
MAX_USD_PER_GPU_HOUR = 60.0
GPU_UNMAPPED = "gpu_unmapped"
RATE_OUT_OF_RANGE = "usd_per_gpu_hour_out_of_range"
OFFER_KEY = ("provider", "region", "instance_type", "pricing_model")

_EMPTY = pl.DataFrame(schema={ROW: pl.Int64, "detail": pl.String})


def load_gpu_map(curated_dir: Path) -> pl.DataFrame:
    """The family's guard context: registry and name map as one frame (see GpuMap.frame)."""
    return GpuMap.load(curated_dir).frame()


def _resolved(rows: pl.DataFrame, ctx: GuardContext) -> pl.DataFrame:
    conf = ctx.confirmations
    gpu_map = (GpuMap.from_frame(conf) if conf is not None
               else GpuMap(pl.DataFrame(schema=GPUS_SCHEMA), pl.DataFrame(schema=NAMES_SCHEMA)))
    return resolve(rows, ctx.source, gpu_map)


def gpu_unmapped(rows: pl.DataFrame, ctx: GuardContext) -> pl.DataFrame:
    if rows.height == 0:
        return _EMPTY
    hits = _resolved(rows, ctx).filter(pl.col("gpu").is_null() | pl.col("resolved_gpu_count").is_null())
    detail = pl.when(pl.col("gpu").is_null()).then(pl.format(
        "GPU '{}' of instance '{}' ({}) is neither a canonical GPU nor in gpu_names.csv for source {}",
        pl.col("gpu_name"), pl.col("instance_type"), pl.col("provider"), pl.lit(ctx.source))).otherwise(
        pl.format("no GPU count for instance '{}': the source does not state it and gpu_names.csv has none",
                  pl.col("instance_type")))
    return hits.select(pl.col(ROW), detail.alias("detail"))


def rate_out_of_range(rows: pl.DataFrame, ctx: GuardContext) -> pl.DataFrame:
    if rows.height == 0:
        return _EMPTY
    per_gpu = pl.col("usd_per_gpu_hour")
    # Non-positive rates are the schema's to report.
    hits = _resolved(rows, ctx).filter((pl.col("usd_per_hour") > 0) & (
        (per_gpu < MIN_USD_PER_GPU_HOUR) | (per_gpu > MAX_USD_PER_GPU_HOUR)))
    return hits.select(pl.col(ROW), pl.format(
        "{} USD per GPU-hour ({} USD/hour over {} GPU(s)) is outside the sane range {}–{}", per_gpu.round(4),
        pl.col("usd_per_hour"), pl.col("resolved_gpu_count"), pl.lit(MIN_USD_PER_GPU_HOUR),
        pl.lit(MAX_USD_PER_GPU_HOUR)).alias("detail"))


GUARDS = (
    Guard(GPU_UNMAPPED, gpu_unmapped, "an instance whose GPU cannot be mapped to a canonical GPU (not guessed)"),
    Guard(RATE_OUT_OF_RANGE, rate_out_of_range,
          f"usd_per_gpu_hour outside {MIN_USD_PER_GPU_HOUR}–{MAX_USD_PER_GPU_HOUR} (a unit mistake, not a price)"),
)
