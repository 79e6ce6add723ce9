"""The quarterly throughput snapshot's SQL: the newest response per endpoint before the quarter's
end, every MLPerf round kept as its own endpoint, stale re-reads marked, rows validated."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import polars as pl
import pytest

from pipeline.core.quarters import Quarter
from pipeline.core.validate import schema_failures
from pipeline.core.warehouse import apply_ddl, insert_frame
from pipeline.throughput.rows import frame, model_info, row
from pipeline.throughput.snapshot import measurements, snapshot_quarter
from schemas.throughput import ThroughputMeasurement

FETCH = """INSERT INTO raw_fetch (fetch_id, source, family, url, endpoint, requested_at, observed_at, mode, group_id,
    run_id, parsed_fetch_id, stale, stale_reason) VALUES (?, ?, 'throughput', ?, ?, ?, ?, 'replay', ?, 'r', ?, ?, ?)"""
TRT = "https://example/perf-overview.md"
V41, V51 = "https://example/v4.1/summary_results.json", "https://example/v5.1/summary_results.json"


@pytest.fixture
def con():
    c = duckdb.connect()
    apply_ddl(c)
    yield c
    c.close()


def _trt(value: float) -> dict:
    return row("LLaMA 70B", model_info("LLaMA 70B"), "fp8", "H100", "H100-SXM", 2, "TP2", "offline", value,
               input_tokens=128, output_tokens=128, batch_size=1024, framework="TensorRT-LLM")


def _mlperf(result_id: str, value: float) -> dict:
    return row("llama2-70b-99", model_info("llama2-70b-99"), "fp8", "NVIDIA H200-SXM-141GB", "H200", 8, "1x8",
               "offline", value, result_id=result_id, benchmark="mlperf-inference:llama2-70b-99")


def _fetch(con, fetch_id, source, endpoint, day: datetime, rows=(), parsed=None, stale=False, until=None):
    """A response, and (`rows`) the versions it began, holding until `until` (None: still)."""
    con.execute(FETCH, [fetch_id, source, endpoint, endpoint, day, day, fetch_id, parsed or fetch_id, stale,
                        "live fetch failed: 503" if stale else None])
    if rows:
        insert_frame(con, "throughput_observations", frame(list(rows)).with_columns(
            source=pl.lit(source), fetch_id=pl.lit(fetch_id), observed_at=pl.lit(day), endpoint=pl.lit(endpoint),
            valid_from=pl.lit(day), valid_to=pl.lit(until, dtype=pl.Datetime("us"))))


def test_snapshot_keeps_the_newest_response_per_endpoint_and_every_round(con):
    _fetch(con, "t1", "trtllm_perf_overview", TRT, datetime(2024, 3, 12), [_trt(3269.0)], until=datetime(2024, 4, 24))
    _fetch(con, "t2", "trtllm_perf_overview", TRT, datetime(2024, 4, 24), [_trt(3214.0)])
    _fetch(con, "m41", "mlperf_inference", V41, datetime(2024, 8, 28), [_mlperf("4.1-0048", 31302.7 / 8)])
    _fetch(con, "m51", "mlperf_inference", V51, datetime(2025, 9, 9), [_mlperf("5.1-0049", 35000.0 / 8)])
    _fetch(con, "t3", "trtllm_perf_overview", TRT, datetime(2025, 11, 20), parsed="t2", stale=True)

    def figures(q: Quarter):
        snap = snapshot_quarter(con, q, False)
        return sorted(snap.select("source", "result_id", "output_tokens_per_s_per_gpu", "fetch_id", "stale").rows(),
                      key=str)

    assert figures(Quarter(2023, 4)) == []
    assert figures(Quarter(2024, 1)) == [("trtllm_perf_overview", None, 3269.0, "t1", False)]
    assert figures(Quarter(2024, 2)) == [("trtllm_perf_overview", None, 3214.0, "t2", False)]
    # a new round adds its measurements; the earlier round's stay
    assert figures(Quarter(2025, 3)) == [("mlperf_inference", "4.1-0048", 31302.7 / 8, "m41", False),
                                         ("mlperf_inference", "5.1-0049", 4375.0, "m51", False),
                                         ("trtllm_perf_overview", None, 3214.0, "t2", False)]
    # 2025Q4: the overview could not be fetched; its last response stands, marked stale
    assert ("trtllm_perf_overview", None, 3214.0, "t3", True) in figures(Quarter(2025, 4))
    stored = con.execute("SELECT quarter, count(*) FROM throughput_measurements GROUP BY ALL ORDER BY 1").fetchall()
    assert stored == [("2024Q1", 1), ("2024Q2", 1), ("2025Q3", 3), ("2025Q4", 3)]


def test_snapshot_rows_pass_the_published_schema(con):
    _fetch(con, "m51", "mlperf_inference", V51, datetime(2025, 9, 9), [_mlperf("5.1-0049", 4375.0)])
    snap = snapshot_quarter(con, Quarter(2025, 3), True)
    assert schema_failures(ThroughputMeasurement, snap).height == 0
    assert snap.select("quarter", "provisional", "gpu").rows() == [("2025Q3", True, "H200")]


def test_rows_measured_after_the_quarter_are_left_out_and_a_key_appears_once():
    base = frame([_trt(3214.0), _trt(3214.0)]).with_columns(
        source=pl.lit("inferencex"), observed_at=pl.Series([datetime(2026, 5, 5), datetime(2026, 6, 14)]),
        fetch_id=pl.Series(["a", "b"]), stale=pl.lit(False), stale_reason=pl.lit(None, pl.String),
        measured_on=pl.Series([date(2026, 3, 25), date(2026, 7, 2)]),
        output_tokens_per_s_per_gpu=pl.Series([3000.0, 3300.0]))
    got = measurements(base, Quarter(2026, 2), False)
    assert got.select("fetch_id", "output_tokens_per_s_per_gpu").rows() == [("a", 3000.0)]
    both = measurements(base.with_columns(measured_on=pl.lit(None, pl.Date)), Quarter(2026, 2), False)
    assert both.select("fetch_id").rows() == [("b",)]  # the newer response wins the shared key
