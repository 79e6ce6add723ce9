"""The publish step's Iceberg copy: with LEDGER_ICEBERG_CATALOG / LEDGER_ICEBERG_WAREHOUSE set, a
published refresh is exported to that target in the same run; a target that cannot be used is a
warning naming why, and the publication stands."""

from __future__ import annotations

import duckdb
import pytest

from pipeline.core.paths import Paths
from pipeline.core.quarters import Quarter
from pipeline.scale_out import IcebergTarget
from tests.conftest import refresh

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _quiet_polars(monkeypatch):
    monkeypatch.setenv("POLARS_ICEBERG_PLANNER", "pyiceberg")


def iceberg_check(report):
    return next(c for c in report.checks if c.asset == "published_warehouse" and c.check == "iceberg_exported")


def test_a_configured_target_receives_the_published_tables_and_a_broken_one_only_warns(tmp_path, instance,
                                                                                         monkeypatch):
    paths = Paths(tmp_path / "warehouse", tmp_path / "exports")
    catalog, lake = f"sqlite:///{tmp_path / 'catalog.db'}", tmp_path / "lake"
    monkeypatch.setenv("LEDGER_ICEBERG_CATALOG", catalog)
    monkeypatch.setenv("LEDGER_ICEBERG_WAREHOUSE", str(lake))
    first = refresh(paths, instance, mode="replay", quarters=[Quarter(2026, 4)])
    assert first.published, first.failures
    check = iceberg_check(first)
    assert check.passed and check.description.startswith("iceberg: ")
    table = IcebergTarget.resolve(catalog, str(lake)).load_catalog().load_table("ledger.model_prices")
    exported = table.scan().to_arrow().num_rows
    with duckdb.connect(str(paths.db), read_only=True) as con:
        (published,), = con.execute("SELECT count(*) FROM model_prices").fetchall()
    assert exported == published > 0

    # Half a configuration: the refresh still publishes; the copy is a warning saying what is missing.
    monkeypatch.delenv("LEDGER_ICEBERG_WAREHOUSE")
    second = refresh(paths, instance, mode="replay", quarters=[Quarter(2026, 4)])
    assert second.published, second.failures
    warned = iceberg_check(second)
    assert not warned.passed and warned.severity == "WARN"
    assert "LEDGER_ICEBERG_CATALOG is set but LEDGER_ICEBERG_WAREHOUSE is not" in warned.description
    assert warned in second.warnings and warned not in second.blocking_failures
