"""The Dagster instance dagster.yaml configures: stock SQLite layout, pooled event-log connections.

Runs go through the repository's dagster.yaml (in a temporary DAGSTER_HOME), are read back by
an instance configured with Dagster's stock `storage: sqlite` on the same folder (what a
`dagster dev` without our module would see), and the run shards' files are inspected directly.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import dagster as dg
import pytest

from pipeline import dagster_storage
from pipeline.dagster_storage import PooledSqliteEventLogStorage


@dg.asset
def tiny() -> int:
    return 1


@dg.asset(deps=[tiny])
def tiny_downstream() -> int:
    return 2


def _materialize(instance: dg.DagsterInstance) -> str:
    result = dg.materialize([tiny, tiny_downstream], instance=instance)
    assert result.success
    return result.run_id


def _event_rows(db_file: Path) -> int:
    con = sqlite3.connect(db_file)
    try:
        return con.execute("SELECT count(*) FROM event_logs").fetchone()[0]
    finally:
        con.close()


def _stock_instance(home: Path, storage: Path) -> dg.DagsterInstance:
    stock_home = home.parent / "stock_home"
    stock_home.mkdir(exist_ok=True)
    (stock_home / "dagster.yaml").write_text(
        f"telemetry:\n  enabled: false\nstorage:\n  sqlite:\n    base_dir: {storage}\n")
    return dg.DagsterInstance.from_config(str(stock_home))


def test_dagster_yaml_selects_the_pooled_storage_and_stock_dagster_reads_its_runs(dagster_home: Path):
    storage_dir = dagster_home / "storage"
    with dg.DagsterInstance.get() as instance:
        assert instance.get_ref().storage_data.class_name == "LedgerSqliteStorage"   # what child processes load
        assert type(instance.event_log_storage) is PooledSqliteEventLogStorage
        run_id = _materialize(instance)
    shard = storage_dir / "history" / "runs" / f"{run_id}.db"
    assert shard.exists()
    assert not Path(f"{shard}-wal").exists()   # closed (and checkpointed) when the instance was disposed
    assert _event_rows(shard) >= 10           # run start, steps, outputs, materializations, success

    with _stock_instance(dagster_home, storage_dir) as stock:
        run = stock.get_run_by_id(run_id)
        assert run is not None and run.status == dg.DagsterRunStatus.SUCCESS
        latest = stock.get_latest_materialization_event(dg.AssetKey("tiny_downstream"))
        assert latest is not None and latest.run_id == run_id
        assert len(stock.all_logs(run_id)) == _event_rows(shard)


def test_run_shard_file_is_checkpointed_for_the_webservers_file_watcher(dagster_home: Path,
                                                                       monkeypatch: pytest.MonkeyPatch):
    """The UI's live view watches `<run_id>.db`: checkpoints must reach that file during a run."""
    storage_dir = dagster_home / "storage"
    copies = dagster_home.parent / "copies"
    copies.mkdir()

    def run_and_copy_db_alone(every_s: float) -> tuple[int, int]:
        monkeypatch.setattr(dagster_storage, "CHECKPOINT_EVERY_S", every_s)
        with dg.DagsterInstance.get() as instance:
            run_id = _materialize(instance)
            shard = storage_dir / "history" / "runs" / f"{run_id}.db"
            alone = copies / f"{run_id}.db"        # the main file without its WAL: checkpointed rows only
            shutil.copy(shard, alone)
        return _event_rows(alone), _event_rows(shard)

    in_db_file, total = run_and_copy_db_alone(0.0)
    assert in_db_file == total                   # every write checkpointed
    in_db_file, total = run_and_copy_db_alone(3600.0)
    assert 0 < in_db_file < total                # only the first write's checkpoint reached the file


def test_pools_are_bounded_and_closed_shards_reopen(dagster_home: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(dagster_storage, "MAX_OPEN_SHARDS", 2)
    with dg.DagsterInstance.get() as instance:
        run_ids = [_materialize(instance) for _ in range(3)]
        storage = instance.event_log_storage
        assert len(storage._engines) == 2       # noqa: SLF001  the index and the newest run shard
        counts = [len(instance.all_logs(r)) for r in run_ids]  # the first run's shard reopened to read
        assert all(c >= 10 for c in counts) and counts[0] == counts[2]


def test_wipe_closes_pools_before_deleting_shards(dagster_home: Path):
    storage_dir = dagster_home / "storage" / "history" / "runs"
    with dg.DagsterInstance.get() as instance:
        first = _materialize(instance)
        instance.event_log_storage.wipe()
        assert not (storage_dir / f"{first}.db").exists()
        assert instance.all_logs(first) == []
        second = _materialize(instance)             # pools re-opened on the recreated shards
        assert len(instance.all_logs(second)) >= 10
