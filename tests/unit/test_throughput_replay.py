"""The throughput family end to end without Dagster: the bundled seed replayed into a warehouse,
snapshotted per quarter, and a deployment matched against a quarter's measurements."""

from __future__ import annotations

import pytest

from pipeline.core.archive import RawArchive
from pipeline.core.fetch_records import FetchPlan
from pipeline.core.ingest import ingest_source
from pipeline.core.paths import CURATED_DIR
from pipeline.core.quarters import Quarter
from pipeline.core.sources import discover_sources
from pipeline.core.warehouse import apply_ddl, connect
from pipeline.throughput import FAMILY, status_report
from pipeline.throughput.capacity import MEASURED, Deployment, capacity
from pipeline.throughput.snapshot import snapshot_quarter
from tests.conftest import AS_OF


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    path = tmp_path_factory.mktemp("throughput")
    con = connect(path / "ledger.duckdb")
    apply_ddl(con)
    plan = FetchPlan(mode="replay", as_of=AS_OF, run_id="tp", curated_dir=CURATED_DIR, env={})
    outcomes = {s.name: ingest_source(s, FAMILY, plan, None, RawArchive(path / "raw"), con)
                for s in discover_sources("throughput")}
    yield con, outcomes
    con.close()


def test_every_bundled_response_is_stored_with_its_rejects(warehouse):
    con, outcomes = warehouse
    # Versions added: a figure a later response repeats is stored once (3 of InferenceX's 12 on 2026-06-14).
    assert {n: (o.rows_added, o.rejected, o.excluded, o.quarantined) for n, o in outcomes.items()} == {
        "inferencex": (24, 0, 0, 0), "mlperf_inference": (35, 0, 4, 0), "trtllm_perf_overview": (79, 4, 42, 0)}
    # What each response said: the versions that hold at its time, for its endpoint.
    per_file = con.execute("""
        SELECT f.source, f.observed_at::DATE::VARCHAR, count(*) FROM raw_fetch AS f
        JOIN throughput_observations AS o ON o.source = f.source AND o.endpoint = f.endpoint
         AND holds_at(o.valid_from, o.valid_to, f.observed_at)
        GROUP BY ALL ORDER BY 1, 2""").fetchall()
    assert per_file == [("inferencex", "2026-05-05", 15), ("inferencex", "2026-06-14", 12),
                        ("mlperf_inference", "2024-08-28", 22), ("mlperf_inference", "2025-09-09", 13),
                        ("trtllm_perf_overview", "2023-12-08", 15), ("trtllm_perf_overview", "2024-03-12", 32),
                        ("trtllm_perf_overview", "2024-04-24", 32)]


def test_quarters_carry_each_source_forward_and_add_rounds(warehouse):
    con, _ = warehouse
    counts = {q.label: snapshot_quarter(con, q, False).group_by("source").len().sort("source").rows()
              for q in (Quarter(2023, 4), Quarter(2024, 3), Quarter(2025, 3), Quarter(2026, 2))}
    assert counts == {
        "2023Q4": [("trtllm_perf_overview", 15)],
        "2024Q3": [("mlperf_inference", 22), ("trtllm_perf_overview", 32)],
        "2025Q3": [("mlperf_inference", 35), ("trtllm_perf_overview", 32)],
        "2026Q2": [("inferencex", 12), ("mlperf_inference", 35), ("trtllm_perf_overview", 32)]}
    assert status_report(con) == "throughput: 79 measurements of 4 models on 9 GPUs from 3 sources in 2026Q2"


def test_a_deployment_matches_a_seeded_measurement(warehouse):
    con, _ = warehouse
    rows = snapshot_quarter(con, Quarter(2024, 2), False)
    got = capacity(Deployment(70, "fp8", "H100-SXM", 2, 2048, 2048), rows)
    assert (got.throughput_basis, got.output_tokens_per_s_per_gpu, got.source) == (MEASURED, 1011.0,
                                                                                  "trtllm_perf_overview")
    assert got.observed_at.date().isoformat() == "2024-04-24"
