"""Write-audit-publish across processes: a killed refresh, a second refresh, a reader meanwhile.

A real `ledger refresh` runs as a subprocess; the loopback server holds its request open, so the
refresh is caught mid-run with its lock held and its staging copy being written.
"""

import hashlib
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest

from pipeline.core.paths import Paths
from pipeline.core.quarters import Quarter
from tests.conftest import FIXTURES, refresh, subprocess_env
from tests.support.loopback import Reply

pytestmark = pytest.mark.integration
GOOD = (FIXTURES / "prices" / "openrouter_healthy.json").read_bytes()
DUCKDB_CLI = Path(sys.executable).parent / "duckdb"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def baseline(tmp_path_factory, instance):
    root = tmp_path_factory.mktemp("baseline")
    paths = Paths(root / "warehouse", root / "exports")
    assert refresh(paths, instance, mode="replay", only=["openrouter"], quarters=[Quarter(2026, 4)]).published
    return paths


@pytest.fixture
def published(baseline, ledger_paths):
    shutil.copytree(baseline.warehouse_dir, ledger_paths.warehouse_dir)
    return ledger_paths


def ledger(*args: str) -> list[str]:
    return [sys.executable, "-m", "pipeline.app.cli", *args]


def live_refresh_args(loopback) -> list[str]:
    # Live: stamped with the time it runs (no --as-of); 2026Q4 is never after the running quarter.
    return ledger("refresh", "--mode", "live", "--only", "openrouter", "--quarter", "2026Q4",
                  "--mirror", f"https://openrouter.ai={loopback.origin}")


@pytest.fixture
def stalled_refresh(published, dagster_home, loopback):
    """A live refresh whose fetch hangs until released; yields (process, gate, env)."""
    gate = threading.Event()
    loopback.route("/api/v1/models", Reply(200, GOOD, wait_for=gate))
    env = subprocess_env(published, dagster_home)
    proc = subprocess.Popen(live_refresh_args(loopback), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert loopback.request_seen.wait(90), "the refresh never reached the source"
    yield proc, gate, env
    gate.set()
    if proc.poll() is None:
        proc.kill()
    proc.wait(30)


OPENROUTER_Q4 = ("SELECT count(*) FROM model_prices WHERE quarter = '2026Q4' AND source = 'openrouter' "
                 "AND fetch_id LIKE 'bundled-%'")
LIVE_Q4 = OPENROUTER_Q4.replace("LIKE 'bundled-%'", "NOT LIKE 'bundled-%'")


def count_in_new_process(db: Path, sql: str) -> str:
    """A reader in a process of its own (within one process DuckDB hands out the open database)."""
    probe = ("import duckdb, sys; con = duckdb.connect(sys.argv[1], read_only=True); "
             "print(con.execute(sys.argv[2]).fetchall()[0][0])")
    done = subprocess.run([sys.executable, "-c", probe, str(db), sql], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_during_a_refresh_readers_read_a_second_is_refused_and_a_kill_changes_nothing(
        published, stalled_refresh, loopback):
    proc, gate, env = stalled_refresh
    before = digest(published.db)

    # 1. Readers work while the refresh runs, and see the last published state.
    reader = duckdb.connect(str(published.db), read_only=True)
    (n_before,), = reader.execute(OPENROUTER_Q4).fetchall()
    assert n_before > 12  # the bundled responses' models
    if DUCKDB_CLI.exists():  # the analysts' DuckDB 1.5 CLI, read-only
        cli = subprocess.run([str(DUCKDB_CLI), "-readonly", str(published.db), "-csv", "-c", OPENROUTER_Q4],
                             capture_output=True, text=True, timeout=60)
        assert cli.returncode == 0 and cli.stdout.split()[-1] == str(n_before), cli.stderr

    # 2. A second refresh is refused, naming the running one, which goes on untouched.
    second = subprocess.run(live_refresh_args(loopback), env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 75
    assert "refresh refused" in second.stderr and f"pid {proc.pid}" in second.stderr
    assert proc.poll() is None

    # 3. Killed while its staging copy is open: the published file does not change.
    staging = list(published.staging_dir.glob("*.duckdb"))
    assert len(staging) == 1 and staging[0].stat().st_size > 0
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    assert digest(published.db) == before

    # 4. The next refresh succeeds; the killed run's copy is set aside for inspection.
    gate.set()
    loopback.route("/api/v1/models", Reply(200, GOOD))
    done = subprocess.run(live_refresh_args(loopback), env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "published:" in done.stdout and digest(published.db) != before
    assert [p.name for p in (published.staging_dir / "failed").glob("*.duckdb")] == [staging[0].name]

    # 5. The reader opened before publication keeps its snapshot; a new reader sees the new one.
    assert reader.execute(OPENROUTER_Q4).fetchall() == [(n_before,)]
    assert count_in_new_process(published.db, OPENROUTER_Q4) == "0"
    assert count_in_new_process(published.db, LIVE_Q4) == "12"
