"""`ledger status` lines for benchmarks: which model and benchmark names no mapping covers."""

from __future__ import annotations

import duckdb

UNMAPPED_MODELS = """
SELECT source, count(*) AS names, sum(rows) AS scores,
       string_agg(source_model_id, ', ' ORDER BY rows DESC, source_model_id) AS examples
FROM benchmark_unmapped_models GROUP BY source ORDER BY source
"""
UNMAPPED_NAMES = """
SELECT source, count(*) AS names, sum(rows) AS scores,
       string_agg(source_benchmark, ', ' ORDER BY source_benchmark) AS examples
FROM benchmark_unmapped_names GROUP BY source ORDER BY source
"""
KNOWN = "SELECT source, count(DISTINCT source_model_id) FROM benchmark_latest_observations GROUP BY source"
EXAMPLES = 5


def status_report(con: duckdb.DuckDBPyConnection) -> str:
    try:
        known = dict(con.execute(KNOWN).fetchall())
        models = con.execute(UNMAPPED_MODELS).fetchall()
        names = con.execute(UNMAPPED_NAMES).fetchall()
    except duckdb.CatalogException:
        return ""  # a warehouse published before the benchmark tables existed
    lines = ["benchmarks: model names without an alias (newest responses; add them to "
             "pipeline/curated/model_aliases_benchmarks.csv to count them)"]
    for source, n, scores, examples in models:
        lines.append(f"  {source:<22} {n} of {known.get(source, n)} names unmapped ({scores} scores), "
                     f"e.g. {_first(examples)}")
    if len(lines) == 1:
        lines.append("  none")
    if names:
        lines.append("benchmarks: source benchmark names not in pipeline/curated/benchmarks.csv")
        for source, n, scores, examples in names:
            lines.append(f"  {source:<22} {n} names ({scores} scores): {_first(examples)}")
    return "\n".join(lines)


def _first(examples: str) -> str:
    parts = examples.split(", ")
    return ", ".join(parts[:EXAMPLES]) + (f", … (+{len(parts) - EXAMPLES})" if len(parts) > EXAMPLES else "")
