"""Quality tiers relative to the quarter's best model, and the open–closed gap. Pure.

best = the quarter's highest score for the tier metric; gap = best − score; tier 1 (frontier)
if gap ≤ tier1_max_gap, tier 2 (near-frontier) if gap ≤ tier2_max_gap, else tier 3 (capable
small). A model without a score for the metric has no tier (the coverage check reports it).
"""

from __future__ import annotations

import polars as pl

TIER_LABELS = {1: "frontier", 2: "near-frontier", 3: "capable small"}
SCORES_SCHEMA = {"canonical_model": pl.String, "score": pl.Float64}


def tier_of(gap: float, tier1_max_gap: float, tier2_max_gap: float) -> int:
    if gap < 0:
        raise ValueError(f"a gap to the best score cannot be negative, got {gap}")
    if gap <= tier1_max_gap:
        return 1
    return 2 if gap <= tier2_max_gap else 3


def assign_tiers(scores: pl.DataFrame, tier1_max_gap: float, tier2_max_gap: float) -> pl.DataFrame:
    """scores (canonical_model, score) -> + best_score, gap_to_best, tier, tier_label."""
    scores = scores.filter(pl.col("score").is_not_null() & pl.col("score").is_not_nan())
    if scores.height == 0:
        return scores.with_columns(pl.lit(None, pl.Float64).alias("best_score"),
                                   pl.lit(None, pl.Float64).alias("gap_to_best"),
                                   pl.lit(None, pl.Int64).alias("tier"), pl.lit(None, pl.String).alias("tier_label"))
    best = scores["score"].max()
    out = scores.with_columns(pl.lit(best, pl.Float64).alias("best_score"),
                              (pl.lit(best) - pl.col("score")).alias("gap_to_best"))
    tiers = [tier_of(g, tier1_max_gap, tier2_max_gap) for g in out["gap_to_best"]]
    return out.with_columns(pl.Series("tier", tiers, pl.Int64),
                            pl.Series("tier_label", [TIER_LABELS[t] for t in tiers], pl.String))


def open_closed_gap(scores: pl.DataFrame, models: pl.DataFrame) -> dict:
    """Best closed-weight score vs best open-weight score (gap = closed − open; > 0: closed ahead).

    `models` gives weights_open per canonical model; models absent from it are left out rather
    than guessed open or closed.
    """
    joined = scores.join(models.select("canonical_model", "weights_open"), on="canonical_model", how="inner")
    joined = joined.filter(pl.col("score").is_not_null() & pl.col("weights_open").is_not_null())
    out = {}
    for side, is_open in (("closed", False), ("open", True)):
        part = joined.filter(pl.col("weights_open") == is_open).sort(["score", "canonical_model"],
                                                                      descending=[True, False])
        out[f"best_{side}_model"] = part["canonical_model"][0] if part.height else None
        out[f"best_{side}_score"] = float(part["score"][0]) if part.height else None
    closed, open_ = out["best_closed_score"], out["best_open_score"]
    out["gap"] = closed - open_ if closed is not None and open_ is not None else None
    return out
