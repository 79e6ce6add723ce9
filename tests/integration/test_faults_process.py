"""Process faults: SIGKILL at random points, a full disk, garbage in the warehouse folder.

The kills hit real processes. To afford twenty of them, each refresh runs in a process forked
from a server that has already imported the pipeline (multiprocessing's forkserver), so a kill
can land anywhere in the refresh itself rather than mostly in Python's imports. The refresh
ingests the bundled OpenRouter responses into a warehouse published without them, so a kill can
land in the archive, the journal, the parse, the inserts, the marts or the publication.

The disk-full and garbage-file cases run in-process and read the run's Dagster event log, which
is where the reason of a failure outside any step (the staging copy) is recorded.
"""

import contextlib
import errno
import hashlib
import multiprocessing
import os
import random
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

from pipeline.core.paths import Paths
from pipeline.core.quarters import Quarter
from pipeline.app.summary import render
from tests.conftest import AS_OF, refresh

pytestmark = pytest.mark.integration
Q4 = [Quarter(2026, 4)]
KILLS = 20
SECONDS: dict[str, float] = {}  # how long a refresh takes on this machine, first guess
ROWS = "SELECT count(*) FROM model_prices WHERE quarter = '2026Q4' AND source = 'lmarena_prices'"
RUNS = "SELECT count(*) FROM refresh_runs"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read(db: Path, sql: str) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()[0][0]
    finally:
        con.close()


def _refresh_child(warehouse_dir: str, exports_dir: str) -> None:
    """One `ledger refresh --mode replay --only openrouter --quarter 2026Q4`, in a forked child."""
    import dagster as dg

    from tests.conftest import refresh

    paths = Paths(Path(warehouse_dir), Path(exports_dir))
    with dg.DagsterInstance.ephemeral() as inst:
        report = refresh(paths, inst, mode="replay", only=["openrouter"], quarters=Q4)
    sys.exit(0 if report.published else 1)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory, instance):
    """Published with LMArena's prices only: the OpenRouter responses are left for the runs to ingest."""
    root = tmp_path_factory.mktemp("process_baseline")
    paths = Paths(root / "warehouse", root / "exports")
    report = refresh(paths, instance, mode="replay", only=["lmarena_prices"], quarters=Q4)
    assert report.published, render(report)
    SECONDS["refresh"] = report.seconds
    return paths


@pytest.fixture
def published(baseline, ledger_paths):
    shutil.copytree(baseline.warehouse_dir, ledger_paths.warehouse_dir)
    return ledger_paths


@pytest.fixture(scope="module")
def forkserver():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["pipeline.definitions", "pipeline.app.launch", __name__])
    return context


def _kill_series(paths: Paths, baseline_db: Path, forkserver, seed: int, kills: int, whole: float) -> list[str]:
    """`kills` refreshes of `paths`, each SIGKILLed at a random moment; what each one left."""
    args = (str(paths.warehouse_dir), str(paths.exports_dir))
    expected = read(paths.db, ROWS)
    rng = random.Random(seed)
    outcomes = []
    for _ in range(kills):
        before, runs_before = digest(paths.db), read(paths.db, RUNS)
        child = forkserver.Process(target=_refresh_child, args=args)
        started = time.monotonic()
        child.start()
        child.join(rng.uniform(0.05, 1.0) * whole)
        if child.exitcode is None:
            with contextlib.suppress(ProcessLookupError):  # it may have ended a moment ago
                os.kill(child.pid, 9)
        else:
            whole = time.monotonic() - started  # a whole refresh takes this long here now
        child.join(60)
        runs_after = read(paths.db, RUNS)  # a valid DuckDB file, or this raises
        assert read(paths.db, ROWS) == expected
        if runs_after == runs_before:
            assert digest(paths.db) == before, "an unfinished refresh changed the published file"
            outcomes.append("killed before publishing")
            continue
        # Published whole; a kill, if any, came while the exports were written.
        assert runs_after == runs_before + 1
        outcomes.append("published" if child.exitcode == 0 else "killed after publishing")
        # Back to the state without OpenRouter, so that every run has the same work to do.
        shutil.copyfile(baseline_db, paths.db.with_name("restore.tmp"))
        os.replace(paths.db.with_name("restore.tmp"), paths.db)
    return outcomes


def test_sigkill_at_random_points_leaves_the_published_warehouse_whole(published, baseline, forkserver):
    # Two warehouses killed side by side (one per core), half of the kills each.
    twin = Paths(published.warehouse_dir.parent / "twin", published.exports_dir.parent / "twin_exports")
    shutil.copytree(published.warehouse_dir, twin.warehouse_dir)
    with ThreadPoolExecutor(2) as pool:
        series = [pool.submit(_kill_series, paths, baseline.db, forkserver, seed, KILLS // 2, SECONDS["refresh"])
                  for seed, paths in ((20261128, published), (20261129, twin))]
        outcomes = [o for s in series for o in s.result()]
    assert len(outcomes) == KILLS and outcomes.count("killed before publishing") >= KILLS // 4, outcomes
    runs_before = read(published.db, RUNS)
    child = forkserver.Process(target=_refresh_child, args=(str(published.warehouse_dir), str(published.exports_dir)))
    child.start()
    child.join(120)
    assert child.exitcode == 0 and read(published.db, RUNS) == runs_before + 1
    assert read(published.db, "SELECT count(*) FROM price_observations WHERE source = 'openrouter'") > 0
    assert list(published.staging_dir.glob("*.duckdb")) == []  # every killed run's copy was set aside


def _enospc(*_args, **_kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def run_errors(instance, run_id: str) -> str:
    """Every error message the run's event log holds (what the Dagster UI shows for the run)."""
    messages = []
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        error = getattr(event.event_specific_data, "error", None) if event else None
        while error is not None:
            messages.append(error.message)
            error = error.cause
    return "\n".join(messages)


def test_disk_full_while_writing_the_staging_copy(published, instance, monkeypatch):
    import pipeline.core.warehouse as warehouse

    before = digest(published.db)

    def copy_until_full(src, dst, *args, **kwargs):
        with open(dst, "wb") as out:
            out.write(Path(src).read_bytes()[:4096])
        _enospc()

    monkeypatch.setattr(warehouse.shutil, "copyfile", copy_until_full)
    report = refresh(published, instance, mode="replay", only=["openrouter"], quarters=Q4)
    monkeypatch.undo()
    assert not report.published and digest(published.db) == before
    errors = run_errors(instance, report.run_id)
    assert "cannot copy the published warehouse" in errors and "No space left on device" in errors, errors
    assert list(published.staging_dir.rglob("*.duckdb")) == []  # the partial copy did not stay to fill the disk
    assert refresh(published, instance, mode="replay", only=["openrouter"], quarters=Q4).published


def test_disk_full_while_publishing(published, instance, monkeypatch):
    before = digest(published.db)
    real_fsync = os.fsync

    def fsync(fd):
        if os.readlink(f"/proc/self/fd/{fd}").startswith(str(published.staging_dir)):
            _enospc()
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    report = refresh(published, instance, mode="replay", only=["openrouter"], quarters=Q4)
    monkeypatch.undo()
    assert not report.published and digest(published.db) == before
    assert [f.split(":")[0] for f in report.failures] == ["published_warehouse"], report.failures
    assert "No space left on device" in run_errors(instance, report.run_id)
    # The observations were ingested into the staging copy, which is kept for inspection.
    (kept,) = (published.staging_dir / "failed").glob("*.duckdb")
    assert read(kept, "SELECT count(*) FROM price_observations WHERE source = 'openrouter'") > 0
    assert read(published.db, "SELECT count(*) FROM price_observations WHERE source = 'openrouter'") == 0
    assert refresh(published, instance, mode="replay", only=["openrouter"], quarters=Q4).published


def test_garbage_staging_files_left_by_a_killed_run_are_set_aside(published, instance):
    garbage = published.staging_dir / "killed-run.duckdb"
    garbage.parent.mkdir(parents=True, exist_ok=True)
    garbage.write_bytes(b"\x00garbage" * 4096)
    garbage.with_name("killed-run.duckdb.wal").write_bytes(b"half a write-ahead log")
    report = refresh(published, instance, mode="replay", only=["openrouter"], quarters=Q4)
    assert report.published, render(report)
    assert sorted(p.name for p in (published.staging_dir / "failed").iterdir()) == [
        "killed-run.duckdb", "killed-run.duckdb.wal"]
    assert read(published.db, "SELECT count(*) FROM price_observations WHERE source = 'openrouter'") > 0


def test_a_corrupt_published_warehouse_is_refused_clearly_and_never_published_over(published, instance, baseline):
    published.db.write_bytes(b"\x00not a database" * 4096)
    damaged = digest(published.db)
    report = refresh(published, instance, mode="replay", only=["openrouter"], quarters=Q4)
    assert not report.published and digest(published.db) == damaged
    errors = run_errors(instance, report.run_id)
    assert f"the published warehouse {published.db} cannot be opened" in errors, errors
    assert list(published.staging_dir.rglob("*.duckdb")) == []
    shutil.copyfile(baseline.db, published.db)  # what the message asks for: a good copy back
    assert refresh(published, instance, mode="replay", only=["openrouter"], quarters=Q4).published
