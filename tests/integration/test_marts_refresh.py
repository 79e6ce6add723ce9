"""The marts in a real refresh: replay of the bundled history, a what-if rerun of one quarter, `ledger diff`."""

from __future__ import annotations

import math
import shutil

import dagster as dg
import pytest
from click.testing import CliRunner

from pipeline.app.cli import main
from pipeline.core.paths import Paths
from pipeline.core.quarters import Quarter, quarter_range
from pipeline.core.warehouse import query, read_published
from pipeline.app.diff import diff_published
from pipeline.marts.assumptions import load_assumptions
from pipeline.marts.checks import CROSSOVER_CONSISTENT, NO_NEGATIVE_COSTS
from pipeline.marts.tables import BASE_MARTS, DRIFT_MARTS
from tests.conftest import AS_OF, FIXTURES, refresh

pytestmark = pytest.mark.integration
WHAT_IF = FIXTURES / "marts" / "what_if_reserved.yaml"
RUNNING, LAST, FIRST = Quarter.of(AS_OF), Quarter.of(AS_OF).previous(), Quarter(2025, 2)


@pytest.fixture(scope="module")
def published(tmp_path_factory, instance):
    root = tmp_path_factory.mktemp("marts")
    paths = Paths(warehouse_dir=root / "warehouse", exports_dir=root / "exports")
    # The quarters of the bundled history (2025Q3 on) and the one before it, for its drift.
    report = refresh(paths, instance, mode="replay", quarters=quarter_range(FIRST, RUNNING))
    assert report.published, report.failures
    return paths, report


def frame(paths: Paths, sql: str, params=None):
    with read_published(paths) as con:
        return query(con, sql, params)


def test_mart_checks_pass(published):
    _, report = published
    ours = [c for c in report.checks if c.asset in BASE_MARTS + DRIFT_MARTS]
    assert {c.check for c in ours} >= {NO_NEGATIVE_COSTS, CROSSOVER_CONSISTENT, "crossover_valid"}
    assert [c for c in ours if not c.passed and c.severity == "ERROR"] == []


def test_every_mart_row_has_quarter_provisional_and_the_assumptions_hash(published):
    paths, _ = published
    default = load_assumptions().hash
    for table in BASE_MARTS + DRIFT_MARTS:
        rows = frame(paths, f"SELECT quarter, provisional, assumptions_hash FROM {table}")
        assert rows.height, table
        assert set(rows["assumptions_hash"]) == {default}, table
        assert set(rows.filter(rows["provisional"])["quarter"]) <= {RUNNING.label}, table
        assert set(rows.filter(rows["quarter"] == RUNNING.label)["provisional"]) <= {True}, table
        if table in BASE_MARTS:
            assert RUNNING.label in set(rows["quarter"]), table
    stored = frame(paths, "SELECT assumptions_hash, source FROM run_assumptions")
    assert stored.rows() == [(default, "default")]
    assert (paths.exports_dir / "crossover" / f"quarter={RUNNING}" / "crossover.parquet").exists()


def test_crossover_agrees_with_the_cost_tables(published):
    paths, _ = published
    row = frame(paths, """
        SELECT c.breakeven_requests_gpu_only AS v, s.monthly_gpu_cost_high AS gpu, a.usd_per_request AS api
        FROM crossover c JOIN self_hosted_cost s USING (quarter, deployment)
        JOIN api_cost_at_scale a ON a.quarter = c.quarter AND a.canonical_model = c.canonical_model
        WHERE c.quarter = ? AND c.deployment = '8b-fp16-a10g' AND c.canonical_model = 'openai/gpt-4o-mini'
          AND a.is_reference AND a.monthly_requests = 100000""", [RUNNING.label]).row(0, named=True)
    # One A10G replica serves 1,511,100 requests, more than the break-even: V = ceil(GPU cost / API cost).
    assert row["api"] == 0.00075
    assert row["v"] == math.ceil(round(row["gpu"] / row["api"], 6))


def test_diff_summarises_the_drift_tables(published):
    paths, _ = published
    text = diff_published(paths, LAST.previous(), RUNNING)
    for title in ("API prices", "Quality tiers", "Crossover", "GPU on-demand rates", "Licenses", "Open–closed gap"):
        assert title in text
    cuts = frame(paths, "SELECT canonical_model, provider FROM price_drift WHERE change = 'cut'")
    assert cuts.height > 0  # the bundled history holds real price cuts
    one = diff_published(paths, Quarter(2025, 2), Quarter(2025, 3), limit=100)
    q3_cuts = frame(paths, "SELECT canonical_model, provider FROM price_drift "
                           "WHERE quarter = '2025Q3' AND change = 'cut'")
    for model, provider in q3_cuts.rows():
        assert f"{model} @ {provider}:" in one


def test_diff_cli_refuses_an_uncomputed_quarter(published):
    paths, _ = published
    env = {"LEDGER_WAREHOUSE_DIR": str(paths.warehouse_dir)}
    result = CliRunner().invoke(main, ["diff", "2023Q4", str(RUNNING)], env=env)
    assert result.exit_code == 1
    assert "quarter 2023Q4 has not been computed" in result.output
    assert CliRunner().invoke(main, ["diff", "2026Q5", "2026Q4"], env=env).exit_code == 2


def test_what_if_rerun_of_one_quarter(published, tmp_path, instance):
    source, _ = published
    paths = Paths(warehouse_dir=tmp_path / "warehouse", exports_dir=tmp_path / "exports")
    shutil.copytree(source.warehouse_dir, paths.warehouse_dir,
                    ignore=shutil.ignore_patterns("staging", ".refresh.lock"))
    before = frame(paths, "SELECT count(*) AS n FROM model_prices WHERE quarter = '2025Q3'")["n"][0]
    report = refresh(paths, instance, mode="replay", quarters=[Quarter(2025, 3)], only=["curated_prices"],
                     assumptions_file=WHAT_IF)
    assert report.published, report.failures
    what_if, default = load_assumptions(WHAT_IF).hash, load_assumptions().hash
    hashes = dict(frame(paths, "SELECT DISTINCT quarter, assumptions_hash FROM self_hosted_cost").rows())
    assert hashes.pop("2025Q3") == what_if
    assert set(hashes.values()) == {default}  # the other quarters are left as they were
    hosted = frame(paths, "SELECT * FROM self_hosted_cost WHERE quarter = '2025Q3'")
    assert "8b-int4-l4" in hosted["deployment"].to_list()
    fixed = hosted.filter(hosted["deployment"] == "70b-fp8-2xh100").row(0, named=True)
    assert (fixed["monthly_gpu_cost_low"], fixed["monthly_gpu_cost_high"]) == (5000.0, 5000.0)
    # Recomputed from observations as of the quarter's end: the snapshot is the same as before.
    assert frame(paths, "SELECT count(*) AS n FROM model_prices WHERE quarter = '2025Q3'")["n"][0] == before
    assert frame(paths, "SELECT DISTINCT previous_computed FROM price_drift WHERE quarter = '2025Q3'").rows() == [
        (True,)]
    assert {r[0] for r in frame(paths, "SELECT assumptions_hash FROM run_assumptions").rows()} == {default, what_if}


def test_invalid_assumptions_fail_the_run_with_the_reason(tmp_path, instance):
    paths = Paths(tmp_path / "warehouse", tmp_path / "exports")
    report = refresh(paths, instance, mode="replay", quarters=[Quarter(2025, 3)], only=["curated_prices"],
                     assumptions_file=FIXTURES / "marts" / "broken.yaml")
    assert not report.published and not paths.db.exists()
    assert any("hours_per_mnth: unknown key" in f for f in report.failures), report.failures


def test_mart_inputs_are_real_assets():
    from pipeline.defs.marts import SNAPSHOTS
    from pipeline.definitions import defs

    materializable = {k.to_user_string() for k in defs.resolve_asset_graph().materializable_asset_keys}
    assert set(SNAPSHOTS) <= materializable  # a misspelt key would be an unmaterializable stub


def test_diff_without_a_published_warehouse(tmp_path):
    from pipeline.app.diff import DiffError

    with pytest.raises(DiffError, match="nothing published yet"):
        diff_published(Paths(tmp_path / "warehouse", tmp_path / "exports"), Quarter(2025, 3), Quarter(2025, 4))
