"""How much of each source the identity rules map: the numbers `ledger status` shows.

`coverage(resolutions)` counts, per source, the ids mapped to a canonical model, excluded with
a named reason (not models: routers, local runtimes, size buckets, floating aliases…; counted
per exclusion rule, most frequent first) and left unmapped, the distinct canonical models
reached, and the most frequent unmapped ids (by the rows the source holds for them, then
alphabetically) with their reason.
"""

from __future__ import annotations

import polars as pl

TOP_UNMAPPED = 10
COVERAGE_SCHEMA = {"source": pl.String, "ids": pl.Int64, "mapped": pl.Int64, "excluded": pl.Int64,
                   "unmapped": pl.Int64, "resolved_share": pl.Float64, "canonical_models": pl.Int64,
                   "excluded_by_rule": pl.List(pl.String), "top_unmapped": pl.List(pl.String)}


def coverage(resolutions: pl.DataFrame, top: int = TOP_UNMAPPED) -> pl.DataFrame:
    """One row per source of `resolutions` (resolve.resolve's frame; `rows` counts default to 1)."""
    if resolutions.height == 0:
        return pl.DataFrame(schema=COVERAGE_SCHEMA)
    frame = resolutions if "rows" in resolutions.columns else resolutions.with_columns(pl.lit(1).alias("rows"))
    status = pl.col("status")
    counts = frame.group_by("source").agg(
        pl.len().alias("ids"),
        (status == "mapped").sum().alias("mapped"),
        (status == "excluded").sum().alias("excluded"),
        (status == "unmapped").sum().alias("unmapped"),
        pl.col("canonical_model").filter(status == "mapped").n_unique().alias("canonical_models"),
    )
    unmapped = (frame.filter(status == "unmapped")
                .group_by("source", "source_model_id").agg(pl.col("rows").sum(), pl.col("reason").first())
                .sort(["source", "rows", "source_model_id"], descending=[False, True, False])
                .group_by("source", maintain_order=True)
                .agg(pl.format("{} ({})", "source_model_id", "reason").head(top).alias("top_unmapped")))
    excluded = (frame.filter(status == "excluded").group_by("source", "rule").len()
                .sort(["source", "len", "rule"], descending=[False, True, False])
                .group_by("source", maintain_order=True)
                .agg(pl.format("{} {}", "rule", "len").alias("excluded_by_rule")))
    empty = pl.lit([], pl.List(pl.String))
    out = counts.join(unmapped, on="source", how="left").join(excluded, on="source", how="left").with_columns(
        ((pl.col("mapped") + pl.col("excluded")) / pl.col("ids")).alias("resolved_share"),
        pl.col("top_unmapped").fill_null(empty), pl.col("excluded_by_rule").fill_null(empty))
    return out.select(list(COVERAGE_SCHEMA)).cast(COVERAGE_SCHEMA).sort("source")


def coverage_report(table: pl.DataFrame) -> str:
    """The coverage table as the text block `ledger status` prints."""
    if table.height == 0:
        return "model identity coverage: no source ids"
    lines = ["model identity coverage (mapped / excluded with a reason / unmapped):",
             f"  {'source':<24}{'ids':>7}{'mapped':>8}{'excluded':>10}{'unmapped':>10}{'models':>8}"]
    for r in table.iter_rows(named=True):
        lines.append(f"  {r['source']:<24}{r['ids']:>7}{r['mapped']:>8}{r['excluded']:>10}{r['unmapped']:>10}"
                     f"{r['canonical_models']:>8}  ({r['resolved_share']:.1%} resolved)")
        if r["excluded_by_rule"]:
            lines.append("    excluded: " + ", ".join(r["excluded_by_rule"]))
        if r["top_unmapped"]:
            lines.append("    most frequent unmapped: " + "; ".join(r["top_unmapped"]))
    return "\n".join(lines)
