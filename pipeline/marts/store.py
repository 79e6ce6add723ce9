"""Writing the marts: replace a quarter's rows, and record the assumptions a run used."""

from __future__ import annotations

import json
from datetime import datetime

import duckdb
import polars as pl

from pipeline.core.quarters import Quarter
from pipeline.core.warehouse import replace_rows
from pipeline.marts.assumptions import Assumptions
from pipeline.marts.inputs import load_quarter
from pipeline.marts.tables import build_drift, build_marts, stamp

RECORD_ASSUMPTIONS = """
INSERT INTO run_assumptions VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (assumptions_hash) DO UPDATE SET last_run_id = excluded.last_run_id, last_used_at = excluded.last_used_at
"""


def record_assumptions(con: duckdb.DuckDBPyConnection, a: Assumptions, run_id: str, now: datetime) -> None:
    document = json.dumps(a.document, sort_keys=True, default=str)
    con.execute(RECORD_ASSUMPTIONS, [a.hash, a.source, document, run_id, now, run_id, now])


def compute_quarter(con: duckdb.DuckDBPyConnection, quarter: Quarter, a: Assumptions) -> tuple[dict, list[str]]:
    """The base marts of one quarter (unstamped) and the input tables that were missing."""
    inputs = load_quarter(con, quarter, a.tier_metric)
    return build_marts(inputs, a), inputs.missing


def compute_drift(con: duckdb.DuckDBPyConnection, quarter: Quarter, a: Assumptions,
                  cache: dict | None = None) -> dict[str, pl.DataFrame]:
    """Drift of `quarter` against the quarter before, both recomputed from their own snapshots.

    `cache` (quarter -> inputs and marts) lets a run over consecutive quarters compute each once.
    """
    cache = {} if cache is None else cache
    for q in (quarter.previous(), quarter):
        if q not in cache:
            inputs = load_quarter(con, q, a.tier_metric)
            cache[q] = (inputs, build_marts(inputs, a))
    (previous, prev_marts), (current, cur_marts) = cache[quarter.previous()], cache[quarter]
    return build_drift(previous, current, prev_marts, cur_marts, a)


def write_marts(con: duckdb.DuckDBPyConnection, frames: dict[str, pl.DataFrame], names: tuple[str, ...],
                quarter: Quarter, provisional: bool, a: Assumptions) -> dict[str, int]:
    return {name: replace_rows(con, name, stamp(frames[name], quarter.label, provisional, a.hash), quarter.label)
            for name in names}
