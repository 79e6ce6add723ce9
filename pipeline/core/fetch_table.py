"""The `raw_fetch` table, the one home of fetch state: every fetch's record written there (the
journal in the raw archive is only its crash-safe write-ahead), and the fetch ids a source has."""

from __future__ import annotations

import duckdb
import polars as pl

RAW_FETCH_COLUMNS = ["fetch_id", "source", "family", "url", "endpoint", "requested_at", "observed_at", "status",
                     "sha256", "bytes", "content_type", "mode", "error", "etag", "last_modified",
                     "attempts", "elapsed_ms", "stale", "stale_reason", "reused_fetch_id", "group_id",
                     "page", "run_id", "parser_version", "parsed_fetch_id", "provenance", "facts_from"]
RAW_FETCH_SCHEMA = {c: pl.String for c in RAW_FETCH_COLUMNS} | {
    "status": pl.Int32, "bytes": pl.Int64, "attempts": pl.Int32, "elapsed_ms": pl.Int64,
    "stale": pl.Boolean, "page": pl.Int32}


def insert_fetches(con: duckdb.DuckDBPyConnection, records: list[dict]) -> None:
    """The fetches' records into `raw_fetch` (its one home; the journal is their write-ahead log)."""
    if not records:
        return
    frame = pl.DataFrame([{c: r.get(c) for c in RAW_FETCH_COLUMNS} for r in records], schema=RAW_FETCH_SCHEMA)
    frame = frame.with_columns(pl.col("requested_at").str.to_datetime(time_unit="us"),
                               pl.col("observed_at").str.to_datetime(time_unit="us"))
    con.register("_ledger_fetches", frame)
    try:
        con.execute("INSERT OR REPLACE INTO raw_fetch BY NAME SELECT * FROM _ledger_fetches")
    finally:
        con.unregister("_ledger_fetches")


def known_fetch_ids(con: duckdb.DuckDBPyConnection, source: str) -> set[str]:
    return {r[0] for r in con.execute("SELECT fetch_id FROM raw_fetch WHERE source = ?", [source]).fetchall()}
