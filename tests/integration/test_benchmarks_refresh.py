"""The benchmark assets and checks materialised by Dagster over the bundled responses."""

from __future__ import annotations

import dagster as dg
import pytest

from pipeline.core.warehouse import connect
from pipeline.defs import benchmarks as defs
from pipeline.defs.plan import refresh_plan
from pipeline.defs.prices import prices
from pipeline.defs.resources import Clock, HttpResource, WarehouseResource
from pipeline.defs.sources import SOURCES, source_key, sources
from tests.conftest import AS_OF

pytestmark = pytest.mark.integration


def test_benchmark_assets_materialise_and_pass_their_checks(ledger_paths, instance):
    ours = [source_key(s) for s in SOURCES if s.family == "benchmarks"]
    warehouse = WarehouseResource(warehouse_dir=str(ledger_paths.warehouse_dir),
                                  exports_dir=str(ledger_paths.exports_dir))
    # The plan, the benchmark sources and the two family steps: no publication step.
    result = dg.materialize(
        [refresh_plan, sources, prices, defs.benchmarks], instance=instance, raise_on_error=False,
        selection=[refresh_plan.key, *ours, *prices.keys, *defs.benchmarks.keys],
        run_config={"ops": {"refresh_plan": {"config": {"mode": "replay", "as_of": AS_OF.isoformat(),
                                                        "quarters": ["2026Q4"]}}}},
        resources={"clock": Clock(), "http": HttpResource(), "warehouse": warehouse})
    assert result.success
    checks = {(e.asset_key.to_user_string(), e.check_name): e for e in result.get_asset_check_evaluations()}
    for asset, check in (("benchmark_scores", defs.BENCHMARK_SCORES_VALID), ("quality_index", defs.QUALITY_INDEX_VALID),
                         ("benchmark_score_moves", defs.SCORE_MOVES_EXPLAINED)):
        assert checks[(asset, check)].passed
    assert checks[("benchmark_score_moves", defs.SCORE_MOVES_EXPLAINED)].severity == dg.AssetCheckSeverity.WARN
    assert all(checks[(k.to_user_string(), "ingest_rules")].passed for k in ours)
    # Nothing publishes without the publish step: the run's staging copy is kept aside for inspection.
    staged = next((ledger_paths.staging_dir / "failed").glob("*.duckdb"))
    con = connect(staged, read_only=True)
    try:
        rows = con.execute("SELECT count(*), bool_and(provisional) FROM benchmark_scores "
                           "WHERE quarter = '2026Q4'").fetchall()
        index = con.execute("SELECT count(*) FROM quality_index WHERE quarter = '2026Q4' AND meets_coverage").fetchall()
    finally:
        con.close()
    assert rows[0][0] > 250 and rows[0][1] is True and index[0][0] >= 20
