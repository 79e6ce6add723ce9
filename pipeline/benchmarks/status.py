"""`ledger status` lines for benchmarks: source benchmark names the registry does not map.

Model names are covered by the identity section (pipeline/prices/coverage.py: mapped / excluded /
unmapped per source, prices and benchmarks alike); `benchmark_unmapped_models` lists them with
their reason for SQL readers.
"""

from __future__ import annotations

import duckdb

UNMAPPED_NAMES = """
SELECT source, count(*) AS names, sum(rows) AS scores,
       string_agg(source_benchmark, ', ' ORDER BY source_benchmark) AS examples
FROM benchmark_unmapped_names GROUP BY source ORDER BY source
"""
EXAMPLES = 5


def status_report(con: duckdb.DuckDBPyConnection) -> str:
    try:
        names = con.execute(UNMAPPED_NAMES).fetchall()
    except duckdb.CatalogException:
        return ""  # a warehouse published before the benchmark tables existed
    if not names:
        return ""
    lines = ["benchmarks: source benchmark names not in pipeline/curated/benchmarks.csv"]
    for source, n, scores, examples in names:
        lines.append(f"  {source:<22} {n} names ({scores} scores): {_first(examples)}")
    return "\n".join(lines)


def _first(examples: str) -> str:
    parts = examples.split(", ")
    return ", ".join(parts[:EXAMPLES]) + (f", … (+{len(parts) - EXAMPLES})" if len(parts) > EXAMPLES else "")
