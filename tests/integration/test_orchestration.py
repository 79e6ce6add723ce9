"""One orchestrator: a run launched by Dagster itself plans, publishes and is listed by `ledger
status` exactly as a `ledger refresh`; the schedule asks for the same run; nothing but stock
Dagster is used."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime

import dagster as dg
import duckdb
import pytest
import yaml
from click.testing import CliRunner

from pipeline.app.cli import main
from pipeline.core.paths import ROOT
from tests.conftest import AS_OF, subprocess_env

pytestmark = pytest.mark.integration


def test_no_private_dagster_module_is_imported_or_configured():
    offenders = [str(p.relative_to(ROOT)) for pattern in ("pipeline/**/*.py", "tests/**/*.py", "perf/*.py",
                                                          "dagster.yaml", "deploy/**/*.yaml")
                 for p in ROOT.glob(pattern) if re.search(r"\bdagster\._", p.read_text(encoding="utf-8"))
                 and p.name != "test_orchestration.py"]
    assert offenders == []


def test_a_run_launched_by_dagster_job_execute_publishes_and_is_listed_by_status(ledger_paths, dagster_home):
    config = dagster_home / "run.yaml"
    config.write_text(yaml.safe_dump({"ops": {"refresh_plan": {"config": {
        "mode": "replay", "only": ["openrouter"], "quarters": ["2026Q4"], "as_of": AS_OF.isoformat()}}}}))
    env = subprocess_env(ledger_paths, dagster_home)
    done = subprocess.run([sys.executable, "-m", "dagster", "job", "execute", "-m", "pipeline.definitions",
                           "-j", "refresh", "-c", str(config)], env=env, capture_output=True, text=True,
                          timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        run = instance.get_run_records(filters=dg.RunsFilter(job_name="refresh"), limit=1)[0].dagster_run
    assert run.status == dg.DagsterRunStatus.SUCCESS
    con = duckdb.connect(str(ledger_paths.db), read_only=True)
    recorded = con.execute("SELECT mode, quarters, started_at < published_at FROM refresh_runs WHERE run_id = ?",
                           [run.run_id]).fetchall()
    con.close()
    assert recorded == [("replay", "2026Q4", True)]

    status = CliRunner().invoke(main, ["status"], env=env)
    assert status.exit_code == 0, status.output
    assert f"refresh {run.run_id} (replay, quarters 2026Q4, success): published" in status.output
    assert re.search(r"prices/openrouter\s+\S+ \S+\s+bundled", status.output)


def test_a_refused_run_is_listed_with_its_reason(ledger_paths, dagster_home, instance):
    from pipeline.app.launch import run_refresh
    from pipeline.app.runs import recent_runs
    from pipeline.defs.settings import RefreshSettings

    summary = run_refresh(RefreshSettings(mode="auto", as_of="2025-01-01"), paths=ledger_paths, instance=instance)
    assert not summary.published and summary.refused == "invalid_settings"
    assert any("cannot be used with mode 'auto'" in f for f in summary.failures)
    assert not ledger_paths.db.exists()
    listed = recent_runs(instance, limit=1)[0]
    assert listed.run_id == summary.run_id and listed.failures == summary.failures


def test_the_quarterly_schedule_asks_for_the_same_run_as_ledger_refresh():
    from pipeline.definitions import REFRESH_JOB, defs

    schedule = defs.resolve_schedule_def("quarterly_refresh")
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2027, 1, 5, 6))
    request = schedule.evaluate_tick(context).run_requests[0]
    assert request.run_key == "quarterly-2027Q1"
    job = defs.resolve_job_def(REFRESH_JOB)
    assert dg.validate_run_config(job, request.run_config or {}) is not None
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED


@pytest.mark.parametrize("mode", ["live", "auto"])
def test_as_of_cannot_rewrite_a_published_past_quarter(tmp_path, dagster_home, instance, mode):
    """`--as-of` with a mode that fetches now is refused before anything is fetched: the past
    quarter's published rows and files stay byte-identical."""
    import hashlib

    from pipeline.core.paths import Paths
    from pipeline.core.quarters import Quarter
    from tests.conftest import refresh

    paths = Paths(tmp_path / "warehouse", tmp_path / "exports")
    assert refresh(paths, instance, mode="replay", only=["openrouter"], quarters=[Quarter(2025, 1)]).published
    past = paths.exports_dir / "model_prices" / "quarter=2025Q1" / "model_prices.parquet"

    def digests():
        return hashlib.sha256(paths.db.read_bytes()).hexdigest(), hashlib.sha256(past.read_bytes()).hexdigest()

    before = digests()
    env = {"LEDGER_WAREHOUSE_DIR": str(paths.warehouse_dir), "LEDGER_EXPORTS_DIR": str(paths.exports_dir),
           "DAGSTER_HOME": str(dagster_home)}
    result = CliRunner().invoke(main, ["refresh", "--mode", mode, "--as-of", "2025-01-01", "--only", "openrouter",
                                       "--mirror", "https://openrouter.ai=http://127.0.0.1:9"], env=env)
    assert result.exit_code == 2, result.output
    assert f"--as-of cannot be used with mode '{mode}'" in result.output
    assert digests() == before
