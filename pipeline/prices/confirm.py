"""Curated prices as confirmations: a held-back price is let through when a curated row, for
the same provider, model and tier, states the same price.

A price above the cap or a ×100 jump is suspicious, not necessarily wrong (a $150/$600 model is
real). Matching the model alone would let a per-token mistake through as "confirmed", so the
curated row must also state the same amounts (within CONFIRM_TOLERANCE).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import polars as pl

from pipeline.core.curated import CuratedError
from pipeline.core.versions import apply_changes, diff_versions, load_versions
from pipeline.prices.curated_prices import FILE, read_file
from pipeline.prices.registry import load_aliases, openrouter_canonical
from schemas.prices import PRICE_COLUMNS

CONFIRM_TOLERANCE = 0.01
TIER_KEY = ("provider", "service_tier", "context_tier_min_tokens")
RELEASABLE_RULES = ("price_above_cap", "price_jump_x100")


def curated_prices(curated_dir: Path) -> pl.DataFrame:
    """prices.csv as (provider, canonical_model, tier, prices, citation); empty when absent."""
    cols = {"provider": pl.String, "canonical_model": pl.String, "service_tier": pl.String,
            "context_tier_min_tokens": pl.Int64, **{c: pl.Float64 for c in PRICE_COLUMNS}, "citation": pl.String}
    try:
        rows = read_file(curated_dir)
    except CuratedError:
        rows = []  # the curated_prices source reports the broken file; meanwhile nothing confirms
    if not rows:
        return pl.DataFrame(schema=cols)
    return pl.DataFrame([{**{c: r.get(c) for c in cols}, "canonical_model": r["source_model_id"]} for r in rows],
                        schema=cols)


def confirmations(curated_dir: Path) -> pl.DataFrame:
    """Curated prices keyed by every source id that maps to their model (exact aliases only)."""
    prices = curated_prices(curated_dir)
    try:
        aliases = load_aliases(curated_dir).select("source", "source_model_id", "canonical_model")
    except CuratedError:
        aliases = pl.DataFrame(schema={"source": pl.String, "source_model_id": pl.String,
                                       "canonical_model": pl.String})
    # OpenRouter ids and curated ids are canonical ids themselves.
    identity = pl.concat([prices.select(pl.lit(s).alias("source"), pl.col("canonical_model").alias("source_model_id"),
                                        "canonical_model") for s in ("openrouter", "curated_prices")])
    keyed = pl.concat([aliases, identity]).unique()
    return prices.join(keyed, on="canonical_model", how="inner")


def confirmed_mask(rows: pl.DataFrame, source: str, conf: pl.DataFrame | None) -> pl.Series:
    """True for each row a curated price confirms (same key, same amounts)."""
    if conf is None or conf.height == 0 or rows.height == 0:
        return pl.Series([False] * rows.height, dtype=pl.Boolean)
    ids = rows.with_columns(
        pl.col("source_model_id").map_elements(openrouter_canonical, pl.String).alias("__id")
        if source == "openrouter" else pl.col("source_model_id").alias("__id"))
    c = conf.filter(pl.col("source") == source).select(
        pl.col("source_model_id").alias("__id"), *TIER_KEY, *[pl.col(p).alias(f"{p}__c") for p in PRICE_COLUMNS])
    joined = ids.with_row_index("__i").join(c, on=["__id", *TIER_KEY], how="left")
    agree = [((pl.col(p) - pl.col(f"{p}__c")).abs() <= CONFIRM_TOLERANCE * pl.col(f"{p}__c").abs())
             | pl.col(p).is_null() | pl.col(f"{p}__c").is_null() for p in PRICE_COLUMNS]
    stated = pl.any_horizontal([pl.col(p).is_not_null() & pl.col(f"{p}__c").is_not_null() for p in PRICE_COLUMNS])
    hits = joined.with_columns((pl.all_horizontal(agree) & stated).fill_null(False).alias("__ok"))
    return hits.group_by("__i").agg(pl.col("__ok").any()).sort("__i")["__ok"]


UNRELEASED = """
SELECT q.rowid AS qid, q.source, q.fetch_id, q.observed_at, q.rule, q."row"
FROM quarantine q
WHERE q.family = 'prices' AND NOT q.released AND q.rule IN (SELECT unnest(?::VARCHAR[]))
"""
RELEASE = "UPDATE quarantine SET released = true, released_by = ? WHERE rowid = ?"


def release_confirmed(con, curated_dir: Path) -> int:
    """Mark quarantined prices that a curated row now confirms as released, and publish them."""
    held = con.execute(UNRELEASED, [list(RELEASABLE_RULES)]).fetchall()
    if not held:
        return 0
    conf = confirmations(curated_dir)
    released = 0
    for qid, source, fetch_id, observed_at, _rule, row_json in held:
        row = json.loads(row_json)
        frame = pl.DataFrame([{c: row.get(c) for c in ("source_model_id", *TIER_KEY, *PRICE_COLUMNS)}],
                             schema={"source_model_id": pl.String, "provider": pl.String, "service_tier": pl.String,
                                     "context_tier_min_tokens": pl.Int64, **{p: pl.Float64 for p in PRICE_COLUMNS}})
        if not confirmed_mask(frame, source, conf)[0]:
            continue
        match = conf.filter((pl.col("source") == source) & (pl.col("provider") == row["provider"]))
        citation = match["citation"][0] if match.height else ""
        con.execute(RELEASE, [f"{FILE}: {citation}", qid])
        _publish_row(con, source, fetch_id, observed_at, row)
        released += 1
    return released


# The response a held-back row came from: its endpoint and time, and the next response's time.
HELD_FROM = """
SELECT f.endpoint, g.observed_at,
       (SELECT min(n.observed_at) FROM raw_fetch AS n
        WHERE n.source = f.source AND n.endpoint = f.endpoint AND n.observed_at > g.observed_at
          AND n.parsed_fetch_id IS NOT NULL AND n.error IS NULL) AS next_at
FROM raw_fetch AS f JOIN (SELECT group_id, min(observed_at) AS observed_at FROM raw_fetch GROUP BY group_id) AS g
  USING (group_id)
WHERE f.fetch_id = ?
"""


def _publish_row(con, source: str, fetch_id: str, observed_at, row: dict) -> None:
    """The released row joins its response's versions, as if it had never been held back."""
    found = con.execute(HELD_FROM, [fetch_id]).fetchall()
    if not found:
        return
    endpoint, at, next_at = found[0]
    schema = {"provider": pl.String, "source_model_id": pl.String, "service_tier": pl.String,
              "context_tier_min_tokens": pl.Int64, "is_free": pl.Boolean, **{p: pl.Float64 for p in PRICE_COLUMNS},
              "display_name": pl.String, "context_length": pl.Int64}
    # OpenRouter rows also carry the model's registry facts (the quarantine keeps them as JSON text).
    facts = {"model_created_at": pl.Datetime("us"), "hugging_face_id": pl.String, "modality": pl.String,
             "canonical_slug": pl.String}
    schema.update({c: t for c, t in facts.items() if c in row})
    values = {c: row.get(c) for c in schema}
    if isinstance(values.get("model_created_at"), str):
        values["model_created_at"] = datetime.fromisoformat(values["model_created_at"])
    frame = pl.DataFrame([values], schema=schema).with_columns(pl.lit(fetch_id).alias("fetch_id"))
    key = ["provider", "source_model_id", "service_tier", "context_tier_min_tokens"]
    changes = diff_versions(load_versions(con, "price_observations", source, endpoint), frame, key, at, next_at,
                            dated_rows=False, partial=True)
    apply_changes(con, "price_observations", source, endpoint, key, changes)
