"""Row guards for prices. Pure: frames in, violating rows (`__row`, `detail`) out.

Negative and NaN prices are caught by the schema (schemas/prices.py) and duplicate keys in one
fetch by the core (pipeline/core/validate.py); both quarantine the row like these guards do.
"""

from __future__ import annotations

import polars as pl

from pipeline.core.family import Guard, GuardContext
from pipeline.core.releases import GUARD as RELEASE_GUARD
from pipeline.core.validate import ROW
from pipeline.prices.confirm import confirmed_mask
from schemas.prices import PRICE_COLUMNS

# Above this, a per-1M-token price is far more likely a unit mistake than a real price
# (the dearest public text models in 2026 list $150 input / $600 output per 1M tokens).
MAX_USD_PER_MTOK = 1000.0
# A price 100× up or down from its previous observation is the per-token vs per-1M mistake.
JUMP_FACTOR = 100.0
PRICE_KEY = ("provider", "source_model_id", "service_tier", "context_tier_min_tokens")

_EMPTY = pl.DataFrame(schema={ROW: pl.Int64, "detail": pl.String})


def _confirmed(rows: pl.DataFrame, ctx: GuardContext) -> pl.Series:
    """Rows a curated price confirms (same provider, model and tier, same amounts)."""
    return confirmed_mask(rows, ctx.source, ctx.confirmations)


def price_above_cap(rows: pl.DataFrame, ctx: GuardContext) -> pl.DataFrame:
    if rows.height == 0:
        return _EMPTY
    # NaN compares above every number in polars; it is the schema's not_nan rule, not this one.
    over = pl.any_horizontal([pl.col(c).fill_nan(None).fill_null(0) > MAX_USD_PER_MTOK for c in PRICE_COLUMNS])
    hits = rows.with_columns(_confirmed(rows, ctx).alias("__confirmed")).filter(over & ~pl.col("__confirmed"))
    detail = pl.concat_str([pl.lit("price above $1,000 per 1M tokens: "),
                            pl.concat_str([pl.format("{}={}", pl.lit(c), pl.col(c))
                                           for c in PRICE_COLUMNS], separator=", ", ignore_nulls=True)])
    return hits.select(pl.col(ROW), detail.alias("detail"))


def price_jump_x100(rows: pl.DataFrame, ctx: GuardContext) -> pl.DataFrame:
    prev = ctx.previous
    if rows.height == 0 or prev.height == 0:
        return _EMPTY
    prev = prev.select(*PRICE_KEY, *[pl.col(c).alias(f"{c}__prev") for c in PRICE_COLUMNS])
    joined = rows.with_columns(_confirmed(rows, ctx).alias("__confirmed")).join(prev, on=list(PRICE_KEY), how="inner")
    parts = []
    for c in PRICE_COLUMNS:
        new, old = pl.col(c), pl.col(f"{c}__prev")
        ratio = pl.when((new > 0) & (old > 0)).then(new / old)
        jumped = (ratio >= JUMP_FACTOR) | (ratio <= 1 / JUMP_FACTOR)
        parts.append(pl.when(jumped.fill_null(False)).then(pl.format("{} {} -> {}", pl.lit(c), old, new)))
    detail = pl.concat_str(parts, separator="; ", ignore_nulls=True)
    hits = joined.with_columns(detail.alias("detail")).filter(
        pl.col("detail").is_not_null() & (pl.col("detail") != "") & ~pl.col("__confirmed"))
    return hits.select(pl.col(ROW), pl.concat_str([pl.lit("moved x100 or more: "), pl.col("detail")]).alias("detail"))


GUARDS = (
    RELEASE_GUARD,
    Guard("price_above_cap", price_above_cap, "a price above $1,000 per 1M tokens, unless a curated row confirms it"),
    Guard("price_jump_x100", price_jump_x100, "a price 100x up or down from the previous observation of the same key"),
)
