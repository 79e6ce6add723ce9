"""What every quarterly snapshot shares: how old its rows are, and which were carried forward.

A snapshot takes, per source and endpoint, the newest response before the quarter's end. When a
source said nothing newer during the quarter, its rows keep their true `observed_at` from an
earlier quarter: `carried_forward` says so and `age_days` says how old they are by the quarter's
end. The refresh summary, `ledger status` and the report count them per source.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from pipeline.core.quarters import Quarter
from pipeline.core.warehouse import ident

# Quarterly snapshot tables whose rows name their source and when it said so.
SNAPSHOT_TABLES = ("model_prices", "benchmark_scores", "gpu_rates")


def mark_carried(con: duckdb.DuckDBPyConnection, table: str, quarter: str, start: datetime, end: datetime) -> None:
    """Stamp a quarter's snapshot rows with their age at the quarter's end (`end`, exclusive) and
    whether they were observed before the quarter began (`start`): carried forward."""
    # names cannot be ? parameters: ident() admits only a plain identifier
    con.execute(f"UPDATE {ident(table)} SET age_days = greatest(date_diff('day', observed_at, ?::TIMESTAMP), 0), "
                f"carried_forward = observed_at < ?::TIMESTAMP WHERE quarter = ?", [end, start, quarter])


def carried_by_source(con: duckdb.DuckDBPyConnection, quarter: Quarter | None = None) -> dict[str, int]:
    """Per source, rows of `quarter` (default: each table's newest) carried from an earlier quarter."""
    out: dict[str, int] = {}
    tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    for table in SNAPSHOT_TABLES:
        if table not in tables:
            continue
        label = quarter.label if quarter else con.execute(f"SELECT max(quarter) FROM {ident(table)}").fetchall()[0][0]
        if label is None:
            continue
        for source, n in con.execute(f"SELECT source, count(*) FILTER (WHERE carried_forward) FROM {ident(table)} "
                                     f"WHERE quarter = ? GROUP BY source", [label]).fetchall():
            out[source] = out.get(source, 0) + n
    return out
