"""The benchmark registry: canonical benchmark ids and the names each source reports them under.

`pipeline/curated/benchmarks.csv` has one row per (benchmark, source name): the benchmark's id,
display name, native scale, direction, whether and how it feeds the quality index, then the
source and the name that source uses (an LMArena `view/category`, an Epoch task, an Open LLM
Leaderboard column…), with a citation. A benchmark's own columns repeat on each of its rows and
must agree. Mapping is exact: a source name not listed stays unmapped (`ledger status`).

The curated score file names canonical benchmark ids directly: every registry benchmark maps
to itself for the source `curated_benchmarks`.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipeline.core.curated import CuratedError, read_curated
from schemas.curated import SCALES, CuratedBenchmark

FILE = "benchmarks.csv"
CURATED_SOURCE = "curated_benchmarks"
BENCHMARK_COLUMNS = ["benchmark", "display_name", "scale", "higher_is_better", "in_quality_index",
                     "index_group", "index_priority", "citation"]
__all__ = ["SCALES", "load_registry", "check_curated_scores"]


def load_registry(curated_dir: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(benchmarks, benchmark_names) from the curated directory; CuratedError naming the rule."""
    path = Path(curated_dir) / FILE
    raw = read_curated(path, CuratedBenchmark, optional_file=False)
    raw = raw.with_columns(pl.col("index_group").fill_null(pl.col("benchmark")),
                           pl.col("index_priority").fill_null(1))
    attrs = [c for c in BENCHMARK_COLUMNS if c != "citation"]
    disagree = raw.group_by("benchmark").agg(pl.struct(attrs).n_unique().alias("n")).filter(pl.col("n") > 1)
    if disagree.height:
        raise CuratedError(f"{path}: rows of the same benchmark disagree on {attrs}: "
                           f"{sorted(disagree['benchmark'].to_list())}")
    dupes = raw.filter(pl.struct("source", "source_name").is_duplicated())
    if dupes.height:
        raise CuratedError(f"{path}: source names mapped twice: "
                           f"{dupes.select('source', 'source_name').unique().rows()}")
    benchmarks = raw.unique(subset="benchmark", keep="first", maintain_order=True).select(BENCHMARK_COLUMNS)
    curated = benchmarks.select(pl.lit(CURATED_SOURCE).alias("source"), pl.col("benchmark").alias("source_name"),
                                "benchmark")
    names = pl.concat([raw.filter(pl.col("source") != CURATED_SOURCE).select("source", "source_name", "benchmark"),
                       curated])
    return benchmarks.sort("benchmark"), names.sort("source", "source_name")


def check_curated_scores(scores: pl.DataFrame, benchmarks: pl.DataFrame, where: str) -> None:
    """Curated scores must name registry benchmarks: a typo would otherwise vanish from the tables."""
    unknown = sorted(set(scores["benchmark"].to_list()) - set(benchmarks["benchmark"].to_list()))
    if unknown:
        raise CuratedError(f"{where}: benchmark(s) not in {FILE}: {unknown}")
