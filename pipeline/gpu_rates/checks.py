"""Warnings on GPU rates: suspicious but possibly real, so reported and kept (never held back).

- spot above on-demand for the same offer (AWS spot can briefly exceed on-demand in a busy zone);
- a rate that moved ×5 or more against the previous observation of the same offer (the
  2025 H100 price cuts were −44%; a ×5 move is more likely a unit or parsing change);
- exact duplicate rows a source served (removed, counted).
"""

from __future__ import annotations

import polars as pl

from pipeline.gpu_rates.rows import EXACT_DUPLICATES

MOVE_FACTOR = 5.0
SPOT_NOT_ABOVE_ON_DEMAND = "gpu_rates_spot_not_above_on_demand"
NO_X5_MOVES = "gpu_rates_no_x5_moves"
NO_DUPLICATE_ROWS = "gpu_rates_no_duplicate_rows"

# Rate changes whose newer observation was ingested by this run.
RUN_CHANGES = """
SELECT c.* FROM gpu_rate_changes AS c
JOIN raw_fetch AS f ON f.fetch_id = c.new_fetch_id
WHERE f.run_id = ?
"""
# Exact duplicate rows removed from this run's GPU-rate responses (by a parser or by the core).
RUN_DUPLICATES = """
SELECT r.source, r.fetch_id, r.reason, r.value FROM rejects AS r
JOIN raw_fetch AS f ON f.fetch_id = r.fetch_id
WHERE f.run_id = ? AND f.family = 'gpu_rates' AND r.reason LIKE ?
"""
DUPLICATE_PATTERN = f"%{EXACT_DUPLICATES}%"


def spot_above_on_demand(rates: pl.DataFrame) -> pl.DataFrame:
    """Spot rates dearer than the on-demand rate of the same instance in the same region."""
    keys = ["quarter", "provider", "region", "instance_type"] if "quarter" in rates.columns else \
        ["provider", "region", "instance_type"]
    spot = rates.filter(pl.col("pricing_model") == "spot").select(
        *keys, "zone", pl.col("usd_per_hour").alias("spot_usd_per_hour"), pl.col("source").alias("spot_source"))
    on_demand = rates.filter(pl.col("pricing_model") == "on_demand").select(
        *keys, pl.col("usd_per_hour").alias("on_demand_usd_per_hour"))
    return spot.join(on_demand, on=keys).filter(pl.col("spot_usd_per_hour") > pl.col("on_demand_usd_per_hour"))


def big_moves(changes: pl.DataFrame, factor: float = MOVE_FACTOR) -> pl.DataFrame:
    """Changes of ×factor or more, up or down."""
    return changes.filter((pl.col("ratio") >= factor) | (pl.col("ratio") <= 1 / factor))


def duplicate_counts(duplicates: pl.DataFrame) -> dict[str, int]:
    """Exact duplicate rows removed, per source (each reject row carries its count in `value`)."""
    out: dict[str, int] = {}
    for source, value in duplicates.select("source", "value").iter_rows():
        out[source] = out.get(source, 0) + int(value or 0)
    return out
