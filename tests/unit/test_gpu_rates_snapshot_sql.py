"""The quarterly snapshot's SQL: newest response per endpoint before the quarter's end, curated
rows by their own date, one rate per offer, and the summary written next to it."""

from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl
import pytest

from pipeline.core.paths import CURATED_DIR
from pipeline.core.quarters import Quarter
from pipeline.core.warehouse import apply_ddl, insert_frame
from pipeline.gpu_rates.registry import GpuMap
from pipeline.gpu_rates.rows import frame, row
from pipeline.gpu_rates.snapshot import load_gpu_map, snapshot_quarter, summarize_quarter

FETCH = """INSERT INTO raw_fetch (fetch_id, source, family, url, endpoint, requested_at, observed_at, mode, group_id,
    run_id, parsed_fetch_id, stale, stale_reason) VALUES (?, ?, 'gpu_rates', ?, ?, ?, ?, 'replay', ?, 'r', ?, ?, ?)"""


@pytest.fixture
def con():
    c = duckdb.connect()
    apply_ddl(c)
    gpu_map = GpuMap.load(CURATED_DIR)
    insert_frame(c, "gpus", gpu_map.gpus)
    insert_frame(c, "gpu_names", gpu_map.names)
    yield c
    c.close()


def _fetch(con, fetch_id, source, endpoint, day: datetime, parsed=None, stale=False, rows=(), until=None):
    """A response, and (`rows`) the versions it began, holding until `until` (None: still)."""
    con.execute(FETCH, [fetch_id, source, endpoint, endpoint, day, day, fetch_id, parsed or fetch_id, stale,
                        "live fetch failed: 503" if stale else None])
    if rows:
        insert_frame(con, "gpu_rate_observations", frame(list(rows)).with_columns(
            source=pl.lit(source), fetch_id=pl.lit(fetch_id), observed_at=pl.lit(day), endpoint=pl.lit(endpoint),
            valid_from=pl.lit(day), valid_to=pl.lit(until, dtype=pl.Datetime("us"))))


def test_snapshot_takes_the_newest_response_before_the_quarter_end_and_dated_curated_rows(con):
    aws = "https://example/aws/vms.csv"
    _fetch(con, "a1", "skypilot_catalog", aws, datetime(2025, 5, 15),
           rows=[row("aws", "us-east-1", "p5.48xlarge", "on_demand", 98.32, "H100", 8.0)], until=datetime(2025, 8, 15))
    _fetch(con, "a2", "skypilot_catalog", aws, datetime(2025, 8, 15),
           rows=[row("aws", "us-east-1", "p5.48xlarge", "on_demand", 55.04, "H100", 8.0)])
    _fetch(con, "a3", "skypilot_catalog", aws, datetime(2025, 11, 20), parsed="a2", stale=True)  # same body again
    con.execute(FETCH.replace("'replay'", "'file'"), ["c1", "curated_gpu_rates", "file:///gpu_rates.csv", "curated:gpu_rates.csv",
                datetime(2026, 1, 1), datetime(2026, 1, 1), "c1", "c1", False, None])
    # A curated offer's history: p4d.24xlarge before and after AWS's June 2025 cut.
    curated = frame([row("aws", "us-east-1", "p4d.24xlarge", "on_demand", 32.7726, "A100-40GB", 8.0),
                     row("aws", "us-east-1", "p4d.24xlarge", "on_demand", 21.96, "A100-40GB", 8.0)])
    insert_frame(con, "gpu_rate_observations", curated.with_columns(
        source=pl.lit("curated_gpu_rates"), fetch_id=pl.lit("c1"), endpoint=pl.lit("curated:gpu_rates.csv"),
        valid_from=pl.lit(datetime(2026, 1, 1)), valid_to=pl.lit(None, dtype=pl.Datetime("us")),
        observed_at=pl.Series([datetime(2025, 3, 15), datetime(2025, 6, 15)])))
    gpu_map = load_gpu_map(con)

    def rates(q):
        snap = snapshot_quarter(con, q, False, gpu_map)
        return sorted(snap.rates.select("instance_type", "usd_per_hour", "fetch_id", "stale").rows())

    assert rates(Quarter(2024, 4)) == []  # every row is dated later
    assert rates(Quarter(2025, 1)) == [("p4d.24xlarge", 32.7726, "c1", False)]
    assert rates(Quarter(2025, 2)) == [("p4d.24xlarge", 21.96, "c1", False), ("p5.48xlarge", 98.32, "a1", False)]
    assert rates(Quarter(2025, 3)) == [("p4d.24xlarge", 21.96, "c1", False), ("p5.48xlarge", 55.04, "a2", False)]
    # 2025Q4: a stale re-read of the same body stands for the endpoint.
    assert rates(Quarter(2025, 4)) == [("p4d.24xlarge", 21.96, "c1", False), ("p5.48xlarge", 55.04, "a3", True)]
    summary = summarize_quarter(con, Quarter(2025, 4), True)
    assert summary.select("gpu", "min_usd_per_gpu_hour", "max_usd_per_gpu_hour", "offers", "stale_offers").rows() == [
        ("A100-40GB", 2.745, 2.745, 1, 0), ("H100-SXM", 6.88, 6.88, 1, 1)]
    assert con.execute("SELECT count(*), bool_and(provisional) FROM gpu_price_summary").fetchall() == [(2, True)]
