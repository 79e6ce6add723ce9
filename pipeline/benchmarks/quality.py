"""The composite quality index: one 0–100 number per model and quarter. Pure.

Method (docs/benchmarks.md, "Quality index"):
1. Only benchmarks the registry marks `in_quality_index` count.
2. One score per model and benchmark: the curated figure when there is one (a model card is the
   developer's own number), otherwise the mean over the sources that report it.
3. Each benchmark is rescaled across the quarter's models that have it: 100 × (score − min) /
   (max − min). A benchmark with fewer than MIN_MODELS models, or with no spread, is left out
   (its min–max would say nothing).
4. Benchmarks sharing an `index_group` (the same measurement in two forms, e.g. arena ratings
   with and without style control) count once per model: the one with the lowest
   `index_priority` the model has.
5. The index is the mean of the model's rescaled scores. It is published only for models with
   at least MIN_BENCHMARKS groups (`meets_coverage`); below that, the row says what was missing.

The index is relative to the quarter's models: it ranks models within a quarter, and a model's
index can move because other models joined. Quarter-over-quarter comparisons of one model's
quality use benchmark_scores (and benchmark_score_moves), not the index.
"""

from __future__ import annotations

import polars as pl

from pipeline.benchmarks.registry import CURATED_SOURCE

MIN_BENCHMARKS = 2
MIN_MODELS = 3
# Below this spread (in 0–100 points) a benchmark does not separate the models.
MIN_SPREAD = 1e-6
METHOD_ID = "minmax-mean/1"
OUT_SCHEMA = {"canonical_model": pl.String, "quality_index": pl.Float64, "benchmarks_used": pl.Int64,
              "benchmarks_available": pl.Int64, "coverage": pl.Float64, "meets_coverage": pl.Boolean,
              "benchmarks": pl.String, "method": pl.String}


def method(min_benchmarks: int = MIN_BENCHMARKS, min_models: int = MIN_MODELS) -> str:
    return f"{METHOD_ID} min_benchmarks={min_benchmarks} min_models={min_models}"


def per_model_scores(scores: pl.DataFrame) -> pl.DataFrame:
    """(canonical_model, benchmark, score): curated first, else the mean over sources."""
    curated = (pl.col("source") == CURATED_SOURCE)
    return (scores.group_by("canonical_model", "benchmark")
            .agg(pl.when(curated.any()).then(pl.col("score").filter(curated).mean())
                 .otherwise(pl.col("score").mean()).alias("score")))


def rescale(per_model: pl.DataFrame, min_models: int = MIN_MODELS) -> pl.DataFrame:
    """Each benchmark's scores mapped to 0–100 across the models that have it."""
    stats = per_model.group_by("benchmark").agg(pl.len().alias("n"), pl.col("score").min().alias("lo"),
                                                pl.col("score").max().alias("hi"))
    usable = stats.filter((pl.col("n") >= min_models) & (pl.col("hi") - pl.col("lo") > MIN_SPREAD))
    return (per_model.join(usable, on="benchmark", how="inner")
            .with_columns((100.0 * (pl.col("score") - pl.col("lo")) / (pl.col("hi") - pl.col("lo")))
                          .clip(0.0, 100.0).alias("rescaled"))
            .select("canonical_model", "benchmark", "rescaled"))


def quality_index(scores: pl.DataFrame, benchmarks: pl.DataFrame, min_benchmarks: int = MIN_BENCHMARKS,
                  min_models: int = MIN_MODELS) -> pl.DataFrame:
    """`scores`: canonical_model, benchmark, source, score (0–100). `benchmarks`: the registry
    (benchmark, in_quality_index, index_group, index_priority). One row per model with a score."""
    wanted = benchmarks.filter(pl.col("in_quality_index")).select(
        "benchmark", pl.col("index_group").fill_null(pl.col("benchmark")),
        pl.col("index_priority").fill_null(1))
    scored = scores.join(wanted.select("benchmark"), on="benchmark", how="semi")
    if scored.height == 0:
        return pl.DataFrame(schema=OUT_SCHEMA)
    rescaled = rescale(per_model_scores(scored), min_models).join(wanted, on="benchmark")
    chosen = (rescaled.sort("index_priority", "benchmark")
              .group_by("canonical_model", "index_group", maintain_order=True).first())
    available = chosen["index_group"].n_unique()
    per_model = chosen.group_by("canonical_model").agg(
        pl.col("rescaled").mean().alias("mean"), pl.len().cast(pl.Int64).alias("benchmarks_used"),
        pl.col("benchmark").sort().str.join(",").alias("benchmarks"))
    models = scored.select("canonical_model").unique()
    out = models.join(per_model, on="canonical_model", how="left").with_columns(
        pl.col("benchmarks_used").fill_null(0), pl.col("benchmarks").fill_null(""))
    meets = pl.col("benchmarks_used") >= min_benchmarks
    return out.with_columns(
        pl.when(meets).then(pl.col("mean")).otherwise(None).alias("quality_index"),
        pl.lit(available, pl.Int64).alias("benchmarks_available"),
        (pl.col("benchmarks_used") / max(available, 1)).alias("coverage"),
        meets.alias("meets_coverage"),
        pl.lit(method(min_benchmarks, min_models)).alias("method"),
    ).select(list(OUT_SCHEMA)).cast(OUT_SCHEMA).sort("canonical_model")
