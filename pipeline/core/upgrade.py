"""Upgrading a warehouse written before observations were stored as versions.

Earlier warehouses kept one row per entity per parsed body (`fetch_id` in the key, no
`endpoint`, `valid_from` or `valid_to`). Opening one, the old observation tables are renamed
aside before the DDL creates the new ones, then every response they hold is replayed, oldest
first, through the same version merge a refresh uses — so the new tables hold exactly what the
old ones said, one version per change — and the old tables are dropped. Nothing is re-fetched:
the rows, the `raw_fetch` records and the raw archive stay as they were.
"""

from __future__ import annotations

import duckdb
import polars as pl

from pipeline.core.sources import discover_families
from pipeline.core.versions import apply_changes, diff_versions, load_versions
from pipeline.core.warehouse import ident, query, table_columns

OLD_SUFFIX = "_before_versions"
OLD_META = ("source", "fetch_id", "observed_at")
# Every whole response, oldest first; unchanged bodies point at the parse that holds their rows.
RESPONSES = """
SELECT source, endpoint, group_id, min(observed_at) AS observed_at, list(DISTINCT parsed_fetch_id) AS parsed
FROM raw_fetch WHERE family = ? GROUP BY source, endpoint, group_id
HAVING bool_and(parsed_fetch_id IS NOT NULL AND error IS NULL)
ORDER BY min(observed_at), min(requested_at), group_id
"""


def set_aside_old_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Rename observation tables of the old layout (run before the DDL). Returns their names."""
    renamed = []
    for family in discover_families().values():
        table = family.observation_table
        columns = table_columns(con, table)
        if columns and "valid_from" not in columns:
            con.execute(f"ALTER TABLE {ident(table)} RENAME TO {ident(table + OLD_SUFFIX)}")
            renamed.append(table)
    return renamed


def convert_old_tables(con: duckdb.DuckDBPyConnection, tables: list[str]) -> dict[str, int]:
    """Replay the set-aside tables' responses into the new ones (run after the DDL)."""
    counts = {}
    for family in discover_families().values():
        table = family.observation_table
        if table not in tables:
            continue
        old = query(con, f"SELECT * FROM {ident(table + OLD_SUFFIX)}")
        added = 0
        for source, endpoint, _group, at, parsed in con.execute(RESPONSES, [family.name]).fetchall():
            rows = old.filter(pl.col("fetch_id").is_in(parsed))
            dated = endpoint.startswith("curated:")
            rows = rows.drop([c for c in OLD_META if c != "fetch_id" and not (c == "observed_at" and dated)])
            key = [c for c in family.key_columns if c in rows.columns]
            if dated and "observed_at" not in key:
                key.append("observed_at")
            changes = diff_versions(load_versions(con, table, source, endpoint), rows, key, at, None,
                                    dated_rows=dated)
            added += apply_changes(con, table, source, endpoint, key, changes)[0]
        con.execute(f"DROP TABLE {ident(table + OLD_SUFFIX)}")
        counts[table] = added
    return counts
