"""Benchmarks in one step: the benchmark registry, the quarterly scores, quality index and score moves."""

import dagster as dg
import polars as pl

from pipeline.benchmarks.registry import check_curated_scores, load_registry
from pipeline.benchmarks.snapshot import (quarter_rows, snapshot_benchmark_scores, store_quality_index,
                                          store_score_moves)
from pipeline.core.progress import progress
from pipeline.core.warehouse import query, replace_rows
from pipeline.defs.checks import per_quarter, sample, schema_result, spec
from pipeline.defs.plan import PLAN_KEY
from pipeline.defs.resources import WarehouseResource
from pipeline.defs.sources import SOURCES, source_key
from schemas.benchmarks import BenchmarkMove, BenchmarkScore, QualityIndex

BENCHMARK_SCORES_VALID = "benchmark_scores_valid"
QUALITY_INDEX_VALID = "quality_index_valid"
SCORE_MOVES_EXPLAINED = "score_moves_explained"
BENCHMARK_SOURCES = [source_key(s) for s in SOURCES if s.family == "benchmarks"]
# The benchmarks named in the newest read of the curated score file.
CURATED_SCORES = """SELECT DISTINCT o.source_benchmark AS benchmark FROM curated_fetches('benchmarks') AS f
JOIN benchmark_observations AS o ON o.source = f.source AND o.endpoint = f.endpoint
 AND holds_at(o.valid_from, o.valid_to, f.observed_at) WHERE o.source = ?"""


def _asset(key: str, deps: list, description: str) -> dg.AssetSpec:
    return dg.AssetSpec(key, group_name="benchmarks", deps=deps, kinds={"duckdb"}, description=description)


@dg.multi_asset(
    name="benchmarks",
    specs=[_asset("benchmark_registry", [PLAN_KEY, *BENCHMARK_SOURCES],
                  "Canonical benchmarks and the names each source reports them under (curated, cited)"),
           _asset("benchmark_scores", ["model_aliases", "benchmark_registry", *BENCHMARK_SOURCES],
                  "Per quarter: each model's score on each benchmark from each source, as of the quarter's end"),
           _asset("quality_index", ["benchmark_scores"],
                  "Per quarter: a composite 0–100 quality index per model, over the benchmarks it has"),
           _asset("benchmark_score_moves", ["benchmark_scores"],
                  "Per quarter: each score's move from the previous quarter, net of leaderboard re-anchoring")],
    check_specs=[spec(BENCHMARK_SCORES_VALID, "benchmark_scores", "Snapshot rows pass the BenchmarkScore schema"),
                 spec(QUALITY_INDEX_VALID, "quality_index", "Index rows pass the QualityIndex schema"),
                 spec(SCORE_MOVES_EXPLAINED, "benchmark_score_moves",
                      "No score moved past its threshold net of re-anchoring", blocking=False)])
def benchmarks(warehouse: WarehouseResource):
    session = warehouse.session()
    con, plan = session.con, session.plan
    registry, names = load_registry(plan.inputs.curated_dir)
    check_curated_scores(query(con, CURATED_SCORES, ["curated_benchmarks"]), registry,
                         "benchmark_observations from curated_benchmarks")
    replace_rows(con, "benchmarks", registry)
    replace_rows(con, "benchmark_names", names)
    yield dg.MaterializeResult(asset_key="benchmark_registry",
                               metadata={"benchmarks": registry.height, "source_names": names.height})
    quarters = [(q, plan.provisional(q)) for q in plan.quarters]
    for table, store, schema, check in (
            ("benchmark_scores", snapshot_benchmark_scores, BenchmarkScore, BENCHMARK_SCORES_VALID),
            ("quality_index", store_quality_index, QualityIndex, QUALITY_INDEX_VALID)):
        counts = {q.label: store(con, q, p) for q, p in quarters}
        progress.info("%-28s %s", f"snapshot/{table}", ", ".join(f"{q}: {n}" for q, n in counts.items()))
        yield dg.MaterializeResult(asset_key=table, metadata={"rows_per_quarter": per_quarter(counts)})
        yield schema_result(table, check, schema, pl.concat([quarter_rows(con, table, q) for q, _ in quarters]))
    moves = pl.concat([store_score_moves(con, q, p) for q, p in quarters])
    flagged = moves.filter(pl.col("unexplained"))
    stored = pl.concat([quarter_rows(con, "benchmark_score_moves", q) for q, _ in quarters])
    invalid = schema_result("benchmark_score_moves", SCORE_MOVES_EXPLAINED, BenchmarkMove, stored)
    yield dg.MaterializeResult(asset_key="benchmark_score_moves",
                               metadata={"moves": moves.height, "unexplained": flagged.height})
    yield dg.AssetCheckResult(
        asset_key="benchmark_score_moves", check_name=SCORE_MOVES_EXPLAINED,
        passed=flagged.height == 0 and invalid.passed, severity=dg.AssetCheckSeverity.WARN,
        description=f"{flagged.height} of {moves.height} score moves exceed their threshold net of re-anchoring",
        metadata={"first_unexplained": sample(flagged), "schema_failures": invalid.metadata["first_failures"]})
