"""An export killed halfway: each table is at its previous snapshot or its new one, and a rerun completes.

A child process exports the second publish and is stopped for good (SIGKILL) while committing
`quality_tiers`, the third table: its data files are written, the catalog is not yet told. The
catalog read back must show the two tables before it at the new publish, `quality_tiers` and
the table after it exactly at the first publish, and the rerun must finish without touching
the tables already done.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pipeline.core.paths import ROOT
from pipeline.scale_out import IcebergTarget, export_to_iceberg, final_quarters_in
from tests.support.small_warehouse import PUBLISHED, build_warehouse, duckdb_rows, iceberg_rows

pytestmark = pytest.mark.integration
CHILD = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from pyiceberg.catalog.sql import SqlCatalog
    from pipeline.scale_out import IcebergTarget, export_to_iceberg, final_quarters_in

    db, catalog, warehouse, marker = sys.argv[1:5]
    commit = SqlCatalog.commit_table

    def stalled_commit(self, table, requirements, updates):
        if table.name()[-1] == "quality_tiers":
            Path(marker).write_text("data files written, catalog not yet committed")
            time.sleep(600)  # the parent kills this process here
        return commit(self, table, requirements, updates)

    SqlCatalog.commit_table = stalled_commit
    export_to_iceberg(Path(db), IcebergTarget(catalog, warehouse), run_id="run-2",
                      final_quarters=final_quarters_in(Path(db)))
""")


def test_a_killed_export_leaves_each_table_whole_and_a_rerun_completes_it(tmp_path):
    first = build_warehouse(tmp_path / "first.duckdb", {"2025Q3": False, "2025Q4": True})
    second = build_warehouse(tmp_path / "second.duckdb", {"2025Q3": False, "2025Q4": False, "2026Q1": True},
                             price_factor=1.1, run_id="run-2")
    target = IcebergTarget.resolve(None, str(tmp_path / "lake"))
    export_to_iceberg(first, target, run_id="run-1", final_quarters=final_quarters_in(first))
    catalog = target.load_catalog()
    before = {name: catalog.load_table(f"ledger.{name}").current_snapshot().snapshot_id for name in PUBLISHED}

    marker = tmp_path / "stalled"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(second), target.catalog, target.warehouse, str(marker)],
                             env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        while not marker.exists():
            assert child.poll() is None, child.stdout.read().decode(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "the child never reached the quality_tiers commit"
            time.sleep(0.2)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL

    catalog = target.load_catalog()
    tables = {name: catalog.load_table(f"ledger.{name}") for name in PUBLISHED}
    # committed before the kill: the new publish, tagged
    assert tables["model_prices"].current_snapshot().snapshot_id != before["model_prices"]
    assert iceberg_rows(tables["model_prices"]) == duckdb_rows(second, "model_prices")
    assert tables["models"].snapshot_by_name("refresh-run-2") is not None
    # the table being committed, and the one after it: exactly the first publish, no new tag
    for name in ("quality_tiers", "type_samples"):
        assert tables[name].current_snapshot().snapshot_id == before[name], name
        assert tables[name].snapshot_by_name("refresh-run-2") is None, name
        assert iceberg_rows(tables[name]) == duckdb_rows(first, name), name
    # the killed commit had written its data files: they exist, unreferenced
    referenced = {Path(urlsplit(task.file.file_path).path).name
                  for task in tables["quality_tiers"].scan().plan_files()}
    written = {p.name for p in (tmp_path / "lake" / "ledger" / "quality_tiers" / "data").glob("*.parquet")}
    assert referenced and referenced < written

    rerun = export_to_iceberg(second, target, run_id="run-2", final_quarters=final_quarters_in(second))
    assert {t.table: t.status for t in rerun.tables} == {"model_prices": "unchanged", "models": "unchanged",
                                                         "quality_tiers": "updated", "type_samples": "unchanged"}
    catalog = target.load_catalog()
    for name in PUBLISHED:
        table = catalog.load_table(f"ledger.{name}")
        assert iceberg_rows(table) == duckdb_rows(second, name), name
        assert table.snapshot_by_name("refresh-run-2").snapshot_id == table.current_snapshot().snapshot_id
    tiers = catalog.load_table("ledger.quality_tiers")
    # 2025Q3 was final in the first publish, 2025Q4 became final in the second (set by the rerun)
    assert tiers.snapshot_by_name("2025Q3").snapshot_id == before["quality_tiers"]
    assert tiers.snapshot_by_name("2025Q4").snapshot_id == tiers.current_snapshot().snapshot_id
    for quarter, db in (("2025Q3", first), ("2025Q4", second)):
        assert iceberg_rows(tiers, tiers.snapshot_by_name(quarter).snapshot_id, quarter) == \
            duckdb_rows(db, "quality_tiers", quarter)
