"""Row guards for benchmark scores. Pure: frames in, violating rows (`__row`, `detail`) out.

A score outside its scale is a unit or layout mistake (a percentage read as a fraction, a
column shifted), not a fact: the row is quarantined (design.md step 4). The scale is checked
twice: the raw value against its unit's bounds (rows.RAW_BOUNDS), and the 0–100 score and its
interval against 0–100.

A score that moved a lot from the previous quarter is not a guard: a real improvement must
publish. It is a warning on the quarterly snapshot instead (moves.py).
"""

from __future__ import annotations

import polars as pl

from pipeline.benchmarks.rows import RAW_BOUNDS
from pipeline.core.family import Guard, GuardContext
from pipeline.core.releases import GUARD as RELEASE_GUARD
from pipeline.core.validate import ROW

SCORE_OUTSIDE_SCALE = "score_outside_scale"
_EMPTY = pl.DataFrame(schema={ROW: pl.Int64, "detail": pl.String})


def score_outside_scale(rows: pl.DataFrame, ctx: GuardContext) -> pl.DataFrame:
    if rows.height == 0:
        return _EMPTY
    low = pl.col("raw_unit").replace_strict({u: b[0] for u, b in RAW_BOUNDS.items()}, default=None,
                                            return_dtype=pl.Float64)
    high = pl.col("raw_unit").replace_strict({u: b[1] for u, b in RAW_BOUNDS.items()}, default=None,
                                             return_dtype=pl.Float64)
    raw_out = (pl.col("raw_score") < low) | (pl.col("raw_score") > high)
    score_out = pl.any_horizontal([(pl.col(c) < 0) | (pl.col(c) > 100) for c in ("score", "ci_low", "ci_high")])
    hits = rows.filter((raw_out | score_out).fill_null(False))
    detail = pl.format("{} {} (allowed {}..{}); score {} on 0-100", pl.col("raw_score"), pl.col("raw_unit"),
                       low, high, pl.col("score").round(3))
    return hits.select(pl.col(ROW), detail.alias("detail"))


GUARDS = (
    RELEASE_GUARD,
    Guard(SCORE_OUTSIDE_SCALE, score_outside_scale,
          "a raw score outside its unit's bounds, or a 0-100 score or interval outside 0-100"),
)
