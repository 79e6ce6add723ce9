"""Publication as one act: the warehouse and its exports swap in together, or neither does."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime
from pathlib import Path

import pytest

from pipeline.core.paths import Paths
from pipeline.core.plan import PlanInputs, RefreshPlan
from pipeline.core.quarters import Quarter
from pipeline.core.session import (ExportFailed, RunSession, exchange_dirs, finish_interrupted_publish,
                                   staging_exports_dir)
from pipeline.core.warehouse import RefreshInProgress, RefreshLock, connect

NOW = datetime(2026, 11, 28, 12)


def _plan(state, run_id="r2") -> RefreshPlan:
    return RefreshPlan(run_id=run_id, inputs=PlanInputs(mode="replay"), as_of=NOW, quarters=(Quarter(2026, 4),),
                       quarters_reason="as asked", sources=(), fingerprint="f", consistent_fingerprint="f")


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def published(tmp_path) -> Paths:
    """A published warehouse (one table) and its exports (a data file and a manifest)."""
    paths = Paths(tmp_path / "warehouse", tmp_path / "exports")
    paths.warehouse_dir.mkdir()
    con = connect(paths.db)
    con.execute("CREATE TABLE t AS SELECT 1 AS v")
    con.close()
    (paths.exports_dir / "t").mkdir(parents=True)
    (paths.exports_dir / "t" / "t.csv").write_text("v\n1\n")
    (paths.exports_dir / "manifest.json").write_text('{"run": "r1"}')
    return paths


def _write(con, folder: Path) -> str:
    (folder / "t" / "t.csv").unlink()  # replaced, never rewritten in place
    (folder / "t" / "t.csv").write_text("v\n2\n")
    (folder / "manifest.json").write_text('{"run": "r2"}')
    return "written"


def test_publish_swaps_the_warehouse_and_the_exports_in_together(published):
    before_link = published.exports_dir / "t" / "t.csv"
    session = RunSession.begin(published, "r2", NOW, "replay", _plan)
    session.con.execute("UPDATE t SET v = 2")
    done = session.publish(NOW, _write)
    session.close()
    assert done.detail == "written"
    assert connect(published.db, read_only=True).execute("SELECT v FROM t").fetchall() == [(2,)]
    assert json.loads((published.exports_dir / "manifest.json").read_text()) == {"run": "r2"}
    assert before_link.read_text() == "v\n2\n"
    assert not staging_exports_dir(published, "r2").exists()
    assert not RefreshLock(published.lock_file).is_held()


def test_a_failed_export_leaves_warehouse_and_exports_byte_identical(published):
    db_before, exports_before = hashlib.sha256(published.db.read_bytes()).hexdigest(), tree(published.exports_dir)
    session = RunSession.begin(published, "r2", NOW, "replay", _plan)
    session.con.execute("UPDATE t SET v = 2")

    def broken(con, folder):
        (folder / "manifest.json").write_text("half")
        raise ExportFailed("disk full while writing t.parquet")

    with pytest.raises(ExportFailed, match="disk full"):
        session.publish(NOW, broken)
    session.close()
    assert hashlib.sha256(published.db.read_bytes()).hexdigest() == db_before
    assert tree(published.exports_dir) == exports_before
    assert not staging_exports_dir(published, "r2").exists()
    assert list((published.staging_dir / "failed").glob("r2.duckdb"))  # the computed copy is kept for inspection


def test_a_publication_killed_after_its_intent_is_finished_by_the_next_refresh(published):
    session = RunSession.begin(published, "r2", NOW, "replay", _plan)
    session.con.execute("UPDATE t SET v = 2")
    real_replace = os.replace
    calls = []

    def killed(src, dst):  # the process dies right after the warehouse file is swapped
        calls.append(dst)
        real_replace(src, dst)
        if Path(dst) == published.db:
            raise SystemExit("killed")

    os.replace = killed
    try:
        with pytest.raises(SystemExit):
            session.publish(NOW, _write)
    finally:
        os.replace = real_replace
    session.lock.release()
    # Half-published: the new warehouse beside the old exports, and the intent on disk.
    assert json.loads((published.exports_dir / "manifest.json").read_text()) == {"run": "r1"}
    assert finish_interrupted_publish(published) == "r2"
    assert json.loads((published.exports_dir / "manifest.json").read_text()) == {"run": "r2"}
    assert finish_interrupted_publish(published) is None


def test_a_second_refresh_is_refused_naming_the_first(published):
    first = RunSession.begin(published, "r1", NOW, "replay", lambda s: _plan(s, "r1"))
    try:
        with pytest.raises(RefreshInProgress, match="refresh r1 .* mode replay"):
            RunSession.begin(published, "r2", NOW, "live", _plan)
    finally:
        first.close()
    RunSession.begin(published, "r3", NOW, "replay", lambda s: _plan(s, "r3")).close()


def test_exchange_dirs_swaps_two_folders(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x").write_text("new")
    (b / "x").write_text("old")
    exchange_dirs(a, b)
    assert (b / "x").read_text() == "new" and (a / "x").read_text() == "old"
