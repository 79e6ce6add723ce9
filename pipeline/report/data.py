"""What the report reads from the published warehouse: the latest quarter's tables and the
history the charts need. A table a family has not created yet reads as empty, so the report
says "not computed" for that section instead of failing."""

from __future__ import annotations

import duckdb
import polars as pl

from pipeline.core.warehouse import ident, query, table_columns

LATEST_QUARTER_SQL = "SELECT max(quarter) FROM model_prices"
RUN_SQL = "SELECT run_id, mode, as_of, started_at FROM refresh_runs ORDER BY started_at DESC LIMIT 1"
MAJOR_MODELS = 8  # lines on the price chart
MAJOR_GPUS = 6  # lines on the GPU chart


def read(con: duckdb.DuckDBPyConnection, table: str, sql: str, params: list | None = None,
         needs: tuple[str, ...] = ()) -> pl.DataFrame:
    """`sql` over `table`, or an empty frame when the table (or a column it needs) is absent."""
    have = table_columns(con, table)
    if not have or not set(needs) <= have:
        return pl.DataFrame()
    return query(con, sql, params)


def latest_quarter(con: duckdb.DuckDBPyConnection) -> str | None:
    if not table_columns(con, "model_prices"):
        return None
    return con.execute(LATEST_QUARTER_SQL).fetchall()[0][0]


def is_provisional(con: duckdb.DuckDBPyConnection, quarter: str) -> bool:
    return bool(con.execute("SELECT bool_or(provisional) FROM model_prices WHERE quarter = ?", [quarter]).fetchall()[0][0])


def last_run(con: duckdb.DuckDBPyConnection) -> dict:
    rows = con.execute(RUN_SQL).fetchall() if table_columns(con, "refresh_runs") else []
    return dict(zip(("run_id", "mode", "as_of", "started_at"), rows[0])) if rows else {}


def quarter_rows(con: duckdb.DuckDBPyConnection, table: str, quarter: str, order: str) -> pl.DataFrame:
    """One quarter of a mart, ordered by `order` (column names separated by commas)."""
    columns = ", ".join(ident(c.strip()) for c in order.split(","))
    return read(con, table, f"SELECT * FROM {ident(table)} WHERE quarter = ? ORDER BY {columns}", [quarter])


def benchmark_inputs(con: duckdb.DuckDBPyConnection, quarter: str) -> pl.DataFrame:
    return read(con, "benchmark_scores",
                "SELECT canonical_model, benchmark, source, observed_at, fetch_id FROM benchmark_scores "
                "WHERE quarter = ? ORDER BY canonical_model, benchmark, source", [quarter])


def gpu_inputs(con: duckdb.DuckDBPyConnection, quarter: str) -> pl.DataFrame:
    """The on-demand offers behind each GPU's min/median rate, one row per source and fetch."""
    return read(con, "gpu_rates",
                "SELECT gpu, source, fetch_id, max(observed_at) AS observed_at FROM gpu_rates "
                "WHERE quarter = ? AND pricing_model = 'on_demand' GROUP BY ALL ORDER BY ALL", [quarter])


def license_inputs(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return read(con, "licenses",
                "SELECT license_id, source_url, max(last_seen) AS last_seen FROM licenses GROUP BY ALL ORDER BY ALL",
                needs=("license_id", "source_url", "last_seen"))


def price_history(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Each major model's reference base price per quarter (the price the marts use)."""
    frame = read(con, "api_cost_at_scale",
                 "SELECT DISTINCT quarter, canonical_model, provider, source, input_usd_per_mtok, output_usd_per_mtok, "
                 "observed_at, fetch_id FROM api_cost_at_scale WHERE is_reference ORDER BY quarter, canonical_model",
                 needs=("is_reference",))
    if frame.is_empty():
        return frame
    required = set()
    if "required" in table_columns(con, "models"):
        required = {r[0] for r in con.execute("SELECT canonical_model FROM models WHERE required").fetchall()}
    latest = frame["quarter"].max()
    ranked = (frame.group_by("canonical_model")
              .agg(pl.len().alias("quarters"), (pl.col("quarter") == latest).any().alias("current"))
              .filter(pl.col("current"))
              .with_columns(pl.col("canonical_model").is_in(list(required)).alias("required"))
              .sort(["required", "quarters", "canonical_model"], descending=[True, True, False]))
    major = ranked.head(MAJOR_MODELS)["canonical_model"].to_list()
    return frame.filter(pl.col("canonical_model").is_in(major))


def gpu_history(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    frame = read(con, "gpu_price_summary",
                 "SELECT quarter, gpu, median_usd_per_gpu_hour, offers FROM gpu_price_summary "
                 "WHERE pricing_model = 'on_demand' ORDER BY quarter, gpu")
    if frame.is_empty():
        return frame
    major = (frame.group_by("gpu").agg(pl.col("offers").sum(), pl.len().alias("quarters"))
             .sort(["quarters", "offers", "gpu"], descending=[True, True, False]).head(MAJOR_GPUS))["gpu"].to_list()
    return frame.filter(pl.col("gpu").is_in(major))


def gap_history(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return read(con, "open_closed_gap", "SELECT * FROM open_closed_gap ORDER BY quarter")


def all_quarters(*frames: pl.DataFrame) -> list[str]:
    found = set()
    for f in frames:
        if "quarter" in f.columns:
            found.update(f["quarter"].to_list())
    return sorted(found)
