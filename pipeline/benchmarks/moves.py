"""Quarter-over-quarter moves of a score, net of re-anchoring. Pure.

For the same canonical model, benchmark and source in two consecutive quarters:
- Elo ratings: delta = rating − previous rating; anchor_delta = this version's anchor − the
  previous version's anchor (the shift of the reference models, i.e. re-anchoring);
  adjusted_delta = delta − anchor_delta. Flagged beyond ELO_THRESHOLD.
- Every other unit: the 0–100 score's move, in points (no anchor). Flagged beyond
  POINTS_THRESHOLD.

Why these thresholds: between the LMArena versions of 2025-05-27 and 2025-12-11, the 199
models listed in both moved by 19 Elo on average (re-anchoring); net of the anchor shift, half
moved less than 3 Elo, 90% less than 12 and 99% less than 24. Thirty Elo net is past what
half a year of votes does to a settled model. A published benchmark score of a model that did
not change moves by a point or two when a harness is updated; ten points is another model or
another method behind the same name. A flagged move is a warning (an alias pointing at a new
version, a methodology change), never a reason to hold the score back.
"""

from __future__ import annotations

import polars as pl

ELO_THRESHOLD = 30.0
POINTS_THRESHOLD = 10.0
KEY = ["canonical_model", "benchmark", "source"]
OUT_SCHEMA = {"canonical_model": pl.String, "benchmark": pl.String, "source": pl.String, "unit": pl.String,
              "previous_value": pl.Float64, "value": pl.Float64, "delta": pl.Float64,
              "anchor_delta": pl.Float64, "adjusted_delta": pl.Float64, "threshold": pl.Float64,
              "unexplained": pl.Boolean}


def score_moves(current: pl.DataFrame, previous: pl.DataFrame) -> pl.DataFrame:
    """Both frames: canonical_model, benchmark, source, raw_unit, raw_score, score, anchor_raw."""
    cols = [*KEY, "raw_unit", "raw_score", "score", "anchor_raw"]
    joined = current.select(cols).join(previous.select(cols), on=[*KEY, "raw_unit"], how="inner", suffix="_prev")
    if joined.height == 0:
        return pl.DataFrame(schema=OUT_SCHEMA)
    elo = pl.col("raw_unit") == "elo"
    value = pl.when(elo).then(pl.col("raw_score")).otherwise(pl.col("score"))
    previous_value = pl.when(elo).then(pl.col("raw_score_prev")).otherwise(pl.col("score_prev"))
    anchor_delta = pl.when(elo).then((pl.col("anchor_raw") - pl.col("anchor_raw_prev")).fill_null(0.0)).otherwise(0.0)
    out = joined.with_columns(
        pl.when(elo).then(pl.lit("elo")).otherwise(pl.lit("points")).alias("unit"),
        previous_value.alias("previous_value"), value.alias("value"),
        (value - previous_value).alias("delta"), anchor_delta.alias("anchor_delta"),
        pl.when(elo).then(ELO_THRESHOLD).otherwise(POINTS_THRESHOLD).alias("threshold"),
    ).with_columns((pl.col("delta") - pl.col("anchor_delta")).alias("adjusted_delta"))
    out = out.with_columns((pl.col("adjusted_delta").abs() > pl.col("threshold")).alias("unexplained"))
    return out.select(list(OUT_SCHEMA)).cast(OUT_SCHEMA).sort(KEY)
