"""One replay refresh of the GPU-rate sources through Dagster, then what an analyst reads."""

from __future__ import annotations

import duckdb
import pytest
from click.testing import CliRunner

from pipeline.app.cli import main
from pipeline.core.paths import Paths
from pipeline.core.quarters import Quarter, quarter_range
from pipeline.app.summary import render
from tests.conftest import refresh

pytestmark = pytest.mark.integration

SOURCES = ["azure_retail_prices", "skypilot_catalog", "modal_pricing_page", "curated_gpu_rates"]
QUARTERS = quarter_range(Quarter(2026, 2), Quarter(2026, 4))


@pytest.fixture(scope="module")
def run(tmp_path_factory, instance):
    root = tmp_path_factory.mktemp("gpu")
    paths = Paths(root / "warehouse", root / "exports")
    report = refresh(paths, instance, mode="replay", only=SOURCES, quarters=QUARTERS)
    return paths, report


@pytest.fixture(scope="module")
def db(run):
    paths, report = run
    assert report.published, render(report)
    con = duckdb.connect(str(paths.db), read_only=True)
    yield con
    con.close()


def _checks(report, asset):
    return {c.check: c.passed for c in report.checks if c.asset == asset}


def test_sources_publish_and_the_snapshot_checks_pass(run, db):
    _, report = run
    assert _checks(report, "gpu_rates") == {"gpu_rates_valid": True, "gpu_rates_spot_not_above_on_demand": True,
                                            "gpu_rates_no_x5_moves": True, "gpu_rates_no_duplicate_rows": True}
    assert _checks(report, "gpu_price_summary") == {"gpu_price_summary_valid": True}
    # SkyPilot's catalogs have no citable dated record to bundle: it reads nothing offline.
    assert {s["source"]: s["rows_added"] for s in report.sources}["skypilot_catalog"] == 0
    quarters = db.execute("SELECT quarter, bool_or(provisional), count(*) FROM gpu_rates GROUP BY ALL ORDER BY 1").fetchall()
    assert [q for q, _, _ in quarters] == ["2026Q2", "2026Q3", "2026Q4"]
    assert [p for _, p, _ in quarters] == [False, False, True]


def test_drift_azure_h200_reservations_and_an_a100_spot_rise(db):
    h200 = db.execute("SELECT quarter, round(usd_per_hour * 8760), round(usd_per_gpu_hour, 4) FROM gpu_rates "
                      "WHERE instance_type = 'Standard_ND96isr_H200_v5' AND pricing_model = 'reserved_1y' "
                      "ORDER BY quarter").fetchall()
    assert h200 == [("2026Q2", 495201.0, 7.0662), ("2026Q3", 509408.0, 7.2689), ("2026Q4", 509408.0, 7.2689)]
    # Every bundled response up to the as-of date was ingested: the history view shows each change.
    a100 = db.execute("SELECT region, old_usd_per_hour, new_usd_per_hour, old_observed_at::DATE::VARCHAR, "
                      "new_observed_at::DATE::VARCHAR FROM gpu_rate_changes "
                      "WHERE instance_type = 'Standard_ND96ams_A100_v4' AND pricing_model = 'spot'").fetchall()
    assert a100 == [("switzerlandwest", 12.482303, 15.83894, "2025-03-21", "2025-06-25")]


def test_curated_rates_are_in_the_snapshot(db):
    rows = db.execute("SELECT quarter, source, usd_per_gpu_hour FROM gpu_rates WHERE provider = 'coreweave' "
                      "AND gpu = 'H100-SXM' ORDER BY quarter").fetchall()
    assert rows == [(q, "curated_gpu_rates", 6.155) for q in ("2026Q2", "2026Q3", "2026Q4")]


def test_summary_has_the_gpus_the_self_hosted_cost_reads(db):
    summary = {(g, m): (lo, med, hi, n) for g, m, lo, med, hi, n in db.execute(
        "SELECT gpu, pricing_model, min_usd_per_gpu_hour, median_usd_per_gpu_hour, max_usd_per_gpu_hour, offers "
        "FROM gpu_price_summary WHERE quarter = '2026Q4'").fetchall()}
    for gpu in ("T4", "L4", "A10G", "A100-80GB", "H100-SXM", "H200"):
        assert (gpu, "on_demand") in summary, gpu
    lo, med, hi, n = summary[("H100-SXM", "on_demand")]
    assert (lo, hi, n) == (3.9492, 6.155, 2)  # Modal's H100 ($0.001097/s); CoreWeave's HGX H100 / 8 (curated)
    assert summary[("H200", "on_demand")] == (4.5396, 6.305, 13.25, 3)  # Modal, curated, Azure ND96isr_H200_v5 / 8


def test_exports_and_status_show_gpu_rates(run, db):
    paths, _ = run
    assert (paths.exports_dir / "gpu_rates" / "quarter=2026Q4" / "gpu_rates.parquet").exists()
    assert (paths.exports_dir / "gpu_price_summary" / "quarter=2026Q2" / "gpu_price_summary.csv").exists()
    result = CliRunner().invoke(main, ["status"], env={"LEDGER_WAREHOUSE_DIR": str(paths.warehouse_dir),
                                                      "LEDGER_EXPORTS_DIR": str(paths.exports_dir)})
    assert result.exit_code == 0, result.output
    offers = db.execute("SELECT count(*) FROM gpu_rates WHERE quarter = '2026Q4'").fetchall()[0][0]
    assert f"gpu_rates: {offers} offers of " in result.output
    # The newest Azure response (2026-08-22) raised the H200 1- and 3-year reservations.
    assert "Azure GPU meters whose price changed with the newest response: 2" in result.output
