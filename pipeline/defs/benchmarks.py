"""Benchmarks: the benchmark registry, and the quarterly scores, quality index and score moves."""


import dagster as dg
import polars as pl

from pipeline.benchmarks.registry import check_curated_scores, load_registry
from pipeline.benchmarks.snapshot import (quarter_rows, snapshot_benchmark_scores, store_quality_index,
                                          store_score_moves)
from pipeline.core.sources import discover_sources
from pipeline.core.validate import schema_failures
from pipeline.core.warehouse import query, replace_rows
from pipeline.defs.sources import source_key
from pipeline.partitions import QUARTERS, run_quarters
from pipeline.progress import progress
from pipeline.resources import LedgerSettings, WarehouseResource
from schemas.benchmarks import BenchmarkMove, BenchmarkScore, QualityIndex

BENCHMARK_SCORES_VALID = "benchmark_scores_valid"
QUALITY_INDEX_VALID = "quality_index_valid"
SCORE_MOVES_EXPLAINED = "score_moves_explained"
BENCHMARK_SOURCES = [source_key(s) for s in discover_sources("benchmarks")]
# The benchmarks named in the newest read of the curated score file.
CURATED_SCORES = """SELECT DISTINCT o.source_benchmark AS benchmark FROM curated_fetches('benchmarks') AS f
JOIN benchmark_observations AS o ON o.fetch_id = f.parsed_fetch_id WHERE o.source = ?"""


def _failures(schema: type, frame: pl.DataFrame) -> tuple[int, dg.MetadataValue]:
    """How many rows fail the schema, and the first ten failures as check metadata."""
    failures = schema_failures(schema, frame)
    first = failures.head(10).with_columns(pl.all().cast(pl.String)).to_dicts()
    return failures.height, dg.MetadataValue.json(first)


def _quarters(context: dg.AssetExecutionContext, settings: LedgerSettings):
    running = settings.running_quarter()
    return [(q, q == running) for q in run_quarters(context)]


@dg.asset(group_name="benchmarks", deps=BENCHMARK_SOURCES, kinds={"duckdb"})
def benchmark_registry(settings: LedgerSettings, warehouse: WarehouseResource):
    """Canonical benchmarks and the names each source reports them under (curated, cited)."""
    con = warehouse.con()
    benchmarks, names = load_registry(settings.curated_path())
    check_curated_scores(query(con, CURATED_SCORES, ["curated_benchmarks"]), benchmarks,
                         "benchmark_observations from curated_benchmarks")
    for table, frame in (("benchmarks", benchmarks), ("benchmark_names", names)):
        replace_rows(con, table, frame)
    return dg.MaterializeResult(metadata={"benchmarks": benchmarks.height, "source_names": names.height})


def _per_quarter(context, settings, warehouse, table: str, store, schema: type, check: str):
    """Store `table` for each of the run's quarters, then check the rows against `schema`."""
    con = warehouse.con()
    quarters = _quarters(context, settings)
    counts = {q.label: store(con, q, provisional) for q, provisional in quarters}
    progress.info("%-28s %s", f"snapshot/{table}", ", ".join(f"{q}: {n}" for q, n in counts.items()))
    n_failed, first = _failures(schema, pl.concat([quarter_rows(con, table, q) for q, _ in quarters]))
    yield dg.MaterializeResult(metadata={"rows_per_quarter": dg.MetadataValue.json(counts)})
    yield dg.AssetCheckResult(check_name=check, passed=n_failed == 0, metadata={"first_failures": first})


@dg.asset(partitions_def=QUARTERS, group_name="benchmarks", kinds={"duckdb"},
          deps=["model_aliases", "benchmark_registry", *BENCHMARK_SOURCES],
          check_specs=[dg.AssetCheckSpec(BENCHMARK_SCORES_VALID, asset="benchmark_scores", blocking=True,
                                         description="Snapshot rows pass the BenchmarkScore schema")])
def benchmark_scores(context: dg.AssetExecutionContext, settings: LedgerSettings, warehouse: WarehouseResource):
    """Per quarter: each model's score on each benchmark from each source, as of the quarter's end."""
    yield from _per_quarter(context, settings, warehouse, "benchmark_scores", snapshot_benchmark_scores,
                            BenchmarkScore, BENCHMARK_SCORES_VALID)


@dg.asset(partitions_def=QUARTERS, group_name="benchmarks", kinds={"duckdb"}, deps=["benchmark_scores"],
          check_specs=[dg.AssetCheckSpec(QUALITY_INDEX_VALID, asset="quality_index", blocking=True,
                                         description="Index rows pass the QualityIndex schema")])
def quality_index(context: dg.AssetExecutionContext, settings: LedgerSettings, warehouse: WarehouseResource):
    """Per quarter: a composite 0–100 quality index per model, over the benchmarks it has."""
    yield from _per_quarter(context, settings, warehouse, "quality_index", store_quality_index,
                            QualityIndex, QUALITY_INDEX_VALID)


@dg.asset(partitions_def=QUARTERS, group_name="benchmarks", kinds={"duckdb"}, deps=["benchmark_scores"],
          check_specs=[dg.AssetCheckSpec(SCORE_MOVES_EXPLAINED, asset="benchmark_score_moves", blocking=False,
                                         description="No score moved past its threshold net of re-anchoring")])
def benchmark_score_moves(context: dg.AssetExecutionContext, settings: LedgerSettings,
                          warehouse: WarehouseResource):
    """Per quarter: each score's move from the previous quarter, net of leaderboard re-anchoring."""
    con = warehouse.con()
    moves = pl.concat([store_score_moves(con, q, p) for q, p in _quarters(context, settings)])
    flagged = moves.filter(pl.col("unexplained"))
    n_failed, first = _failures(BenchmarkMove, pl.concat(
        [quarter_rows(con, "benchmark_score_moves", q) for q, _ in _quarters(context, settings)]))
    yield dg.MaterializeResult(metadata={"moves": moves.height, "unexplained": flagged.height})
    yield dg.AssetCheckResult(
        check_name=SCORE_MOVES_EXPLAINED, passed=flagged.height == 0 and n_failed == 0,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{flagged.height} of {moves.height} score moves exceed their threshold net of re-anchoring",
        metadata={"first_unexplained": dg.MetadataValue.json(
            flagged.head(10).with_columns(pl.all().cast(pl.String)).to_dicts()), "schema_failures": first})
