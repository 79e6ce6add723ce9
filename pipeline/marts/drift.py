"""Drift: how the marts moved between two quarters (consecutive ones for the drift tables, any
two for `ledger diff`). Pure functions of the two quarters' frames.

Every drift row says what it was, what it is, the relative change of its main value and a
`change` word: for prices `cut` / `increase`; for tiers `up` (a better tier) / `down`; for
volumes and rates `down` / `up`; `unchanged`; `new` (absent before) or `gone` (absent now).
"""

from __future__ import annotations

import polars as pl


def compare(old: pl.DataFrame, new: pl.DataFrame, keys: list[str], values: list[str], main: str,
            lower: str = "down", higher: str = "up") -> pl.DataFrame:
    """Outer join on `keys`: old_<v>, new_<v> for each value, pct_change of `main`, and `change`."""
    o = old.select(keys + values).rename({v: f"old_{v}" for v in values}).with_columns(pl.lit(True).alias("_old"))
    n = new.select(keys + values).rename({v: f"new_{v}" for v in values}).with_columns(pl.lit(True).alias("_new"))
    joined = o.join(n, on=keys, how="full", coalesce=True, nulls_equal=True)
    was, now = pl.col(f"old_{main}"), pl.col(f"new_{main}")
    change = (pl.when(pl.col("_old").is_null()).then(pl.lit("new"))
              .when(pl.col("_new").is_null()).then(pl.lit("gone"))
              .when(was.is_null() & now.is_null()).then(pl.lit("unchanged"))
              .when(was.is_null()).then(pl.lit("new"))
              .when(now.is_null()).then(pl.lit("gone"))
              .when(now < was).then(pl.lit(lower))
              .when(now > was).then(pl.lit(higher))
              .otherwise(pl.lit("unchanged")))
    numeric = joined.schema[f"old_{main}"].is_numeric()
    pct = (pl.when(was.is_not_null() & now.is_not_null() & (was != 0)).then((now - was) / was * 100)
           if numeric else pl.lit(None))
    ordered = keys + [f"{p}_{v}" for v in values for p in ("old", "new")]
    return joined.with_columns(pct.cast(pl.Float64).alias("pct_change"), change.alias("change")).select(
        ordered + ["pct_change", "change"]).sort(keys, nulls_last=True)


def price_drift(old_base: pl.DataFrame, new_base: pl.DataFrame) -> pl.DataFrame:
    """Per model and provider: base input/output prices and the cost per request of the mix."""
    values = ["input_usd_per_mtok", "output_usd_per_mtok", "usd_per_request"]
    out = compare(old_base, new_base, ["canonical_model", "provider"], values, "usd_per_request",
                  lower="cut", higher="increase")
    for side in ("input", "output"):
        was, now = pl.col(f"old_{side}_usd_per_mtok"), pl.col(f"new_{side}_usd_per_mtok")
        out = out.with_columns(pl.when(was != 0).then((now - was) / was * 100).cast(pl.Float64)
                               .alias(f"{side}_pct_change"))
    return out


def tier_drift(old_tiers: pl.DataFrame, new_tiers: pl.DataFrame) -> pl.DataFrame:
    """Per model: tier and score; a smaller tier number is a better tier (`up`)."""
    out = compare(old_tiers, new_tiers, ["canonical_model"], ["tier", "score", "gap_to_best"], "tier",
                  lower="up", higher="down")
    return out


def crossover_drift(old: pl.DataFrame, new: pl.DataFrame) -> pl.DataFrame:
    """Per deployment and compared model: the break-even volumes (`down`: self-hosting pays off sooner)."""
    return compare(old, new, ["deployment", "canonical_model"],
                   ["breakeven_requests_gpu_only", "breakeven_requests_with_hidden_costs",
                    "api_usd_per_request", "gpu_monthly_cost_usd"], "breakeven_requests_gpu_only")


def gpu_rate_drift(old: pl.DataFrame, new: pl.DataFrame) -> pl.DataFrame:
    """Per GPU: the median and minimum on-demand usd_per_gpu_hour and the number of offers."""
    out = compare(old, new, ["gpu"], ["median_usd_per_gpu_hour", "min_usd_per_gpu_hour", "offers"],
                  "median_usd_per_gpu_hour")
    was, now = pl.col("old_min_usd_per_gpu_hour"), pl.col("new_min_usd_per_gpu_hour")
    return out.with_columns(pl.when(was != 0).then((now - was) / was * 100).cast(pl.Float64).alias("min_pct_change"))


def managed_inference_drift(old: pl.DataFrame, new: pl.DataFrame) -> pl.DataFrame:
    """Per open model: its cheapest paid managed offer (provider, blended price) and how many offer it."""
    values = ["provider", "blended_usd_per_mtok", "usd_per_request", "providers_offering"]
    return compare(old.filter(pl.col("is_cheapest")), new.filter(pl.col("is_cheapest")), ["canonical_model"],
                   values, "blended_usd_per_mtok", lower="cut", higher="increase")


def throughput_drift(old: pl.DataFrame, new: pl.DataFrame) -> pl.DataFrame:
    """Per deployment: the capacity one replica serves and where it comes from (`up`: more requests)."""
    return compare(old, new, ["deployment"], ["monthly_capacity_requests", "output_tokens_per_s", "throughput_basis",
                                              "throughput_source", "throughput_observed_at"],
                   "monthly_capacity_requests")


LICENSE_DRIFT_SCHEMA = {"kind": pl.String, "license_id": pl.String, "source_url": pl.String,
                        "canonical_model": pl.String,
                        "old_value": pl.String, "new_value": pl.String, "material": pl.Boolean,
                        "clauses_changed": pl.String, "observed_at": pl.Datetime("us")}


def license_drift(text_changes: pl.DataFrame, old_spectrum: pl.DataFrame, new_spectrum: pl.DataFrame) -> pl.DataFrame:
    """License texts that changed in the period, and models whose license or openness category moved.

    text_changes: license_id, source_url, old_sha256, new_sha256, material, clauses_changed, observed_at.
    spectrum frames: canonical_model, category, license_id.
    """
    texts = text_changes.select(
        pl.lit("license_text").alias("kind"), "license_id", "source_url",
        pl.lit(None, pl.String).alias("canonical_model"),
        pl.col("old_sha256").alias("old_value"), pl.col("new_sha256").alias("new_value"),
        pl.col("material").cast(pl.Boolean), pl.col("clauses_changed").cast(pl.String),
        pl.col("observed_at").cast(pl.Datetime("us")))
    frames = [texts]
    licenses_now = new_spectrum.select("canonical_model", pl.col("license_id").alias("_license_now"))
    for column, kind in (("category", "openness_category"), ("license_id", "model_license")):
        moved = compare(old_spectrum, new_spectrum, ["canonical_model"], [column], column)
        moved = moved.filter(pl.col(f"old_{column}").is_not_null() & pl.col(f"new_{column}").is_not_null()
                             & (pl.col(f"old_{column}") != pl.col(f"new_{column}")))
        frames.append(moved.join(licenses_now, on="canonical_model", how="left").select(
            pl.lit(kind).alias("kind"), pl.col("_license_now").alias("license_id"),
            pl.lit(None, pl.String).alias("source_url"), "canonical_model",
            pl.col(f"old_{column}").alias("old_value"), pl.col(f"new_{column}").alias("new_value"),
            pl.lit(None, pl.Boolean).alias("material"), pl.lit(None, pl.String).alias("clauses_changed"),
            pl.lit(None, pl.Datetime("us")).alias("observed_at")))
    return pl.concat([f.cast(LICENSE_DRIFT_SCHEMA) for f in frames]).sort(["kind", "license_id", "canonical_model"],
                                                                           nulls_last=True)
