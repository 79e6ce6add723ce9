"""Identity coverage for `ledger status`: per source, how many of the model ids its newest responses
name are mapped to a canonical model, excluded with a named reason, or left unmapped.

Read from the published `model_aliases` (every id any source ever named, prices and benchmarks;
`current_rows` > 0 for the ids the newest responses still hold), and printed by the identity
package's `coverage_report` (the ten most frequent unmapped ids with their reason).
"""

from __future__ import annotations

import duckdb
import polars as pl

from pipeline.core.warehouse import query
from pipeline.identity import coverage, coverage_report

# The ids of the newest responses, weighted by the rows those hold for them.
CURRENT_IDS = """
SELECT source, source_model_id, provider, canonical_model, status, rule, reason, current_rows AS rows
FROM model_aliases WHERE current_rows > 0
"""
HINT = ("  (an id the rules cannot map gets a cited row in pipeline/curated/model_aliases*.csv; "
        "docs/identity.md lists the rules)")


def identity_coverage(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """identity.coverage's table over the ids the newest responses hold."""
    return coverage(query(con, CURRENT_IDS))


def alias_coverage_report(con) -> str:
    """The `ledger status` section: mapped / excluded (per rule) / unmapped per source."""
    try:
        table = identity_coverage(con)
    except duckdb.Error as exc:  # a warehouse from before model identity: say so, do not fail
        return f"model identity coverage: unavailable ({exc.__class__.__name__})"
    if table.height == 0:
        return ""
    return coverage_report(table) + "\n" + HINT
