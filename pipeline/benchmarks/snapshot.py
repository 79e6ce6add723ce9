"""The quarterly benchmark tables, in SQL over the staging warehouse, plus the pure index and moves."""

from __future__ import annotations

import duckdb
import polars as pl

from pipeline.benchmarks.moves import score_moves
from pipeline.benchmarks.quality import quality_index
from pipeline.core.quarters import Quarter
from pipeline.core.snapshots import mark_carried
from pipeline.core.warehouse import ident, insert_frame, query

# Per source and endpoint the newest parsed response before the quarter's end, plus curated rows
# dated before it; source names mapped to canonical benchmarks (registry) and models (the `mapped`
# rows of model_aliases; curated rows name canonical ids). Where several of a source's names map
# to one model, one row stands for it, chosen in this order: the undated name, else the newest
# dated snapshot (`…-20241022` before `…-20240620`: the release the model's name serves now);
# then the best score (an "(high)" run, a thinking variant: the model at its best setting); then
# the newest observation, then the name. The row's variant, quantization and snapshot say which.
INSERT_SNAPSHOT = """
INSERT INTO benchmark_scores BY NAME
WITH obs AS (
    SELECT o.* REPLACE (f.observed_at AS observed_at, f.fetch_id AS fetch_id), f.stale FROM snapshot_fetches('benchmarks', ?::TIMESTAMP) AS f
    JOIN benchmark_observations AS o ON o.source = f.source AND o.endpoint = f.endpoint AND holds_at(o.valid_from, o.valid_to, f.observed_at)
    UNION ALL
    SELECT o.*, false AS stale FROM curated_fetches('benchmarks') AS f
    JOIN benchmark_observations AS o ON o.source = f.source AND o.endpoint = f.endpoint AND holds_at(o.valid_from, o.valid_to, f.observed_at)
    WHERE o.observed_at < ?::TIMESTAMP
), named AS (
    SELECT obs.*, n.benchmark, b.higher_is_better,
           CASE WHEN obs.source = 'curated_benchmarks' THEN obs.source_model_id ELSE a.canonical_model END
               AS canonical_model, a.variant, a.quantization, a.snapshot
    FROM obs
    JOIN benchmark_names AS n ON n.source = obs.source AND n.source_name = obs.source_benchmark
    JOIN benchmarks AS b ON b.benchmark = n.benchmark
    LEFT JOIN model_aliases AS a
           ON a.source = obs.source AND a.source_model_id = obs.source_model_id AND a.status = 'mapped'
)
SELECT ?::VARCHAR AS quarter, ?::BOOLEAN AS provisional, canonical_model, benchmark, source,
       -- a lower-is-better benchmark is turned around so that every score reads higher-better
       CASE WHEN higher_is_better THEN score ELSE 100 - score END AS score,
       CASE WHEN higher_is_better THEN ci_low ELSE 100 - ci_high END AS ci_low,
       CASE WHEN higher_is_better THEN ci_high ELSE 100 - ci_low END AS ci_high,
       raw_score, raw_unit, raw_ci_low, raw_ci_high, anchor_raw, source_model_id, variant, quantization, snapshot,
       source_benchmark, observed_at, fetch_id, stale
FROM named
WHERE canonical_model IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY canonical_model, benchmark, source
                           ORDER BY snapshot DESC NULLS FIRST, score DESC, observed_at DESC, source_model_id) = 1
"""

QUARTER_ROWS = "SELECT * FROM {table} WHERE quarter = ?"
QUARTERLY_TABLES = ("benchmark_scores", "quality_index", "benchmark_score_moves")
REGISTRY = "SELECT benchmark, in_quality_index, index_group, index_priority FROM benchmarks"


def _delete(con: duckdb.DuckDBPyConnection, table: str, quarter: Quarter) -> None:
    # names cannot be ? parameters: ident() admits only a plain identifier
    con.execute(f"DELETE FROM {ident(table)} WHERE quarter = ?", [quarter.label])


def snapshot_benchmark_scores(con: duckdb.DuckDBPyConnection, quarter: Quarter, provisional: bool) -> int:
    _delete(con, "benchmark_scores", quarter)
    con.execute(INSERT_SNAPSHOT, [quarter.end, quarter.end, quarter.label, provisional])
    mark_carried(con, "benchmark_scores", quarter.label, quarter.start, quarter.end)
    return quarter_rows(con, "benchmark_scores", quarter).height


def quarter_rows(con: duckdb.DuckDBPyConnection, table: str, quarter: Quarter) -> pl.DataFrame:
    if table not in QUARTERLY_TABLES:
        raise ValueError(f"not a benchmark quarterly table: {table}")
    return query(con, QUARTER_ROWS.format(table=ident(table)), [quarter.label])


def _stamped(rows: pl.DataFrame, quarter: Quarter, provisional: bool) -> pl.DataFrame:
    return rows.with_columns(pl.lit(quarter.label).alias("quarter"), pl.lit(provisional).alias("provisional"))


def store_quality_index(con: duckdb.DuckDBPyConnection, quarter: Quarter, provisional: bool) -> int:
    scores = quarter_rows(con, "benchmark_scores", quarter)
    index = quality_index(scores, query(con, REGISTRY))
    _delete(con, "quality_index", quarter)
    return insert_frame(con, "quality_index", _stamped(index, quarter, provisional))


def store_score_moves(con: duckdb.DuckDBPyConnection, quarter: Quarter, provisional: bool) -> pl.DataFrame:
    moves = score_moves(quarter_rows(con, "benchmark_scores", quarter),
                        quarter_rows(con, "benchmark_scores", quarter.previous()))
    _delete(con, "benchmark_score_moves", quarter)
    insert_frame(con, "benchmark_score_moves", _stamped(moves, quarter, provisional))
    return moves
