"""The analysts' SQL surface that follows the tables: a `latest_<table>` view per quarterly table.

The fixed part (table macros such as prices_asof(d)) lives in warehouse/6xx_*.sql. These views
are made from the catalog at publication instead, so that every quarterly table any family adds
gets its view without a hand-kept list (DuckDB binds a view when it is created, so a view over a
table that does not exist yet cannot be written ahead in a DDL file).
"""

from __future__ import annotations

import duckdb

from pipeline.core.export import quarterly_tables

LATEST_PREFIX = "latest_"
LATEST_VIEW = ("CREATE OR REPLACE VIEW {view} AS SELECT * FROM {table} "
               "WHERE quarter = (SELECT max(quarter) FROM {table})")


def create_latest_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """(Re)create `latest_<table>`: the rows of the table's newest quarter (provisional or not)."""
    views = []
    for table in quarterly_tables(con):
        view = f"{LATEST_PREFIX}{table}"
        # Identifiers come from the catalog (information_schema), never from user input.
        con.execute(LATEST_VIEW.format(view=view, table=table))
        views.append(view)
    return views
