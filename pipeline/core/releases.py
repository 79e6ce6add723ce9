"""The release-date guard: nobody can have observed a model before it was released.

A row naming a model whose release date is later than the response it came from is a re-dated
or misfiled fact (a listing written from a later page, a backdated `ledger ingest`): held back
with rule `observed_before_release` and both dates. The release date is the registry's
(`release_date` in pipeline/curated/models.csv, through the source's alias) or the source's own
statement (`model_created_at`: OpenRouter's `created`), whichever is earlier. Dates are compared
as days: a model observed on its release day is fine.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from pipeline.core.family import Guard, GuardContext
from pipeline.core.validate import ROW

RULE = "observed_before_release"
RELEASES_SCHEMA = {"source": pl.String, "source_model_id": pl.String, "release_date": pl.Date, "basis": pl.String}
_EMPTY = pl.DataFrame(schema={ROW: pl.Int64, "detail": pl.String})


def observed_before_release(rows: pl.DataFrame, ctx: GuardContext) -> pl.DataFrame:
    if rows.height == 0 or "source_model_id" not in rows.columns:
        return _EMPTY
    if "observed_at" in rows.columns:  # rows that date themselves
        seen = pl.col("observed_at").cast(pl.Date)
    elif ctx.observed_at is not None:
        seen = pl.lit(ctx.observed_at.date() if isinstance(ctx.observed_at, datetime) else ctx.observed_at,
                      dtype=pl.Date)
    else:
        return _EMPTY
    known = (ctx.releases if ctx.releases is not None else pl.DataFrame(schema=RELEASES_SCHEMA)).filter(
        pl.col("source") == ctx.source).select("source_model_id", "release_date", "basis")
    joined = rows.join(known, on="source_model_id", how="left")
    if "model_created_at" in joined.columns:  # the source's own statement
        own = pl.col("model_created_at").cast(pl.Date)
        earlier_own = own.is_not_null() & (pl.col("release_date").is_null() | (own < pl.col("release_date")))
        joined = joined.with_columns(
            pl.when(earlier_own).then(own).otherwise(pl.col("release_date")).alias("release_date"),
            pl.when(earlier_own).then(pl.lit(f"{ctx.source}'s own listing")).otherwise(pl.col("basis")).alias("basis"))
    hits = joined.filter(pl.col("release_date").is_not_null() & (seen < pl.col("release_date")))
    return hits.select(pl.col(ROW), pl.format("{} observed {}, before its release on {} ({})", pl.col("source_model_id"),
                                               seen, pl.col("release_date"), pl.col("basis")).alias("detail"))


GUARD = Guard(RULE, observed_before_release, "a model observed before its release date (registry or the source's own)")


def release_rows(models: pl.DataFrame, aliases: pl.DataFrame, identity_sources: dict[str, str]) -> pl.DataFrame:
    """(source, source_model_id, release_date, basis) from the registry: through each curated alias,
    and for sources whose ids are canonical ids (`identity_sources`: source -> why)."""
    dated = models.filter(pl.col("release_date").is_not_null()).select(
        pl.col("canonical_model"), pl.col("release_date").cast(pl.Date))
    via_alias = aliases.join(dated, on="canonical_model", how="inner").select(
        "source", "source_model_id", "release_date", pl.lit("registry, models.csv").alias("basis"))
    identity = [dated.select(pl.lit(source).alias("source"), pl.col("canonical_model").alias("source_model_id"),
                             "release_date", pl.lit(f"registry, models.csv ({why})").alias("basis"))
                for source, why in identity_sources.items()]
    out = pl.concat([via_alias, *identity], how="vertical_relaxed") if identity else via_alias
    return out.unique(subset=["source", "source_model_id"], keep="first").cast(RELEASES_SCHEMA)
