"""The quarterly `model_prices` snapshot and its checks, in SQL over the staging warehouse.

The SQL lives in warehouse/101_prices_snapshot.sql as table macros (`model_prices_at`,
`price_discrepancies_in`, `prices_missing_in`) so that analysts can call them too.
"""

from __future__ import annotations

import duckdb
import polars as pl

from pipeline.core.quarters import Quarter
from pipeline.core.snapshots import mark_carried
from pipeline.core.warehouse import query

# Two sources more than this far apart on the same model, provider and tier: a WARN.
DISCREPANCY_THRESHOLD = 0.05

DELETE_QUARTER = "DELETE FROM model_prices WHERE quarter = ?"
INSERT_SNAPSHOT = """
INSERT INTO model_prices BY NAME
SELECT ?::VARCHAR AS quarter, ?::BOOLEAN AS provisional, * FROM model_prices_at(?::TIMESTAMP)
"""
COUNT_QUARTER = "SELECT count(*) FROM model_prices WHERE quarter = ?"
DELETE_DISCREPANCIES = "DELETE FROM price_discrepancies WHERE quarter = ?"
INSERT_DISCREPANCIES = """
INSERT INTO price_discrepancies BY NAME
SELECT * FROM price_discrepancies_in(?::VARCHAR, ?::DOUBLE)
"""
SELECT_DISCREPANCIES = """
SELECT * EXCLUDE (relative_gap), round(relative_gap, 4) AS relative_gap
FROM price_discrepancies WHERE quarter IN (SELECT unnest(?::VARCHAR[]))
ORDER BY relative_gap DESC, canonical_model
"""
MISSING = "SELECT ?::VARCHAR AS quarter, * FROM prices_missing_in(?::VARCHAR, ?::VARCHAR) ORDER BY canonical_model"


def snapshot_model_prices(con: duckdb.DuckDBPyConnection, quarter: Quarter, provisional: bool) -> int:
    con.execute(DELETE_QUARTER, [quarter.label])
    con.execute(INSERT_SNAPSHOT, [quarter.label, provisional, quarter.end])
    mark_carried(con, "model_prices", quarter.label, quarter.start, quarter.end)
    return con.execute(COUNT_QUARTER, [quarter.label]).fetchall()[0][0]


def record_discrepancies(con: duckdb.DuckDBPyConnection, quarters: list[Quarter]) -> pl.DataFrame:
    """Rewrite `price_discrepancies` for these quarters; return their rows, largest gap first."""
    for q in quarters:
        con.execute(DELETE_DISCREPANCIES, [q.label])
        con.execute(INSERT_DISCREPANCIES, [q.label, DISCREPANCY_THRESHOLD])
    return query(con, SELECT_DISCREPANCIES, [[q.label for q in quarters]])


def missing_models(con: duckdb.DuckDBPyConnection, quarters: list[Quarter]) -> pl.DataFrame:
    """Canonical models priced in the quarter before each of these and not priced in it."""
    frames = [query(con, MISSING, [q.label, q.label, q.previous().label]) for q in quarters]
    return pl.concat(frames) if frames else pl.DataFrame()
