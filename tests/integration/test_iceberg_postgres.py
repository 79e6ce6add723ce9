"""Iceberg with a PostgreSQL catalog (a throwaway local cluster): what a team shares.

Two "machines" — two catalog objects from two URIs, one taking its password from PGPASSWORD,
one from the URI — publish in turn and read each other's tags. The catalog's rows hold no
password, and a refused login names the catalog without it.
"""

from __future__ import annotations

import psycopg2
import pytest

from pipeline.scale_out import IcebergExportError, IcebergTarget, export_to_iceberg, final_quarters_in
from tests.support import postgres
from tests.support.small_warehouse import build_warehouse, duckdb_rows, iceberg_rows

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def catalog_db():
    pg = postgres.cluster()
    return pg, pg.create_database("iceberg_catalog")


def test_two_machines_share_a_postgresql_catalog(catalog_db, tmp_path, monkeypatch):
    pg, dbname = catalog_db
    lake = str(tmp_path / "lake")
    first = build_warehouse(tmp_path / "first.duckdb", {"2025Q4": False, "2026Q1": True})
    second = build_warehouse(tmp_path / "second.duckdb", {"2025Q4": False, "2026Q1": False}, price_factor=0.9,
                             run_id="run-2")

    monkeypatch.setenv("PGPASSWORD", pg.password)  # machine A: the password from libpq's variable
    machine_a = IcebergTarget(pg.url(dbname, password=False), lake)
    export_to_iceberg(first, machine_a, run_id="run-1", final_quarters=final_quarters_in(first))
    monkeypatch.delenv("PGPASSWORD")

    machine_b = IcebergTarget(pg.url(dbname), lake)  # machine B: the password in its URI
    prices_b = machine_b.load_catalog().load_table("ledger.model_prices")
    assert iceberg_rows(prices_b, prices_b.snapshot_by_name("2025Q4").snapshot_id, "2025Q4") == \
        duckdb_rows(first, "model_prices", "2025Q4")
    result = export_to_iceberg(second, machine_b, run_id="run-2", final_quarters=final_quarters_in(second))
    assert {t.table: t.tags_added for t in result.tables}["quality_tiers"] == ("refresh-run-2", "2026Q1")

    monkeypatch.setenv("PGPASSWORD", pg.password)
    tiers_a = machine_a.load_catalog().load_table("ledger.quality_tiers")
    assert iceberg_rows(tiers_a, tiers_a.snapshot_by_name("2026Q1").snapshot_id, "2026Q1") == \
        duckdb_rows(second, "quality_tiers", "2026Q1")
    assert tiers_a.snapshot_by_name("2025Q4").snapshot_id == tiers_a.snapshot_by_name("refresh-run-1").snapshot_id

    con = psycopg2.connect(**pg.conninfo(dbname))
    try:
        with con.cursor() as cur:
            cur.execute("SELECT table_namespace, table_name, metadata_location FROM iceberg_tables ORDER BY 2")
            rows = cur.fetchall()
    finally:
        con.close()
    assert [r[1] for r in rows] == ["model_prices", "models", "quality_tiers", "type_samples"]
    assert all(r[0] == "ledger" and r[2].startswith("file://") for r in rows)
    assert pg.password not in repr(rows)


def test_a_refused_login_names_the_catalog_but_not_the_password(catalog_db, tmp_path, monkeypatch):
    pg, dbname = catalog_db
    monkeypatch.delenv("PGPASSWORD", raising=False)
    wrong = "Wrong-Password-31f0"
    target = IcebergTarget(pg.url(dbname).replace(pg.password, wrong), str(tmp_path / "lake"))
    db = build_warehouse(tmp_path / "ledger.duckdb", {"2025Q4": True})
    with pytest.raises(IcebergExportError) as caught:
        export_to_iceberg(db, target, run_id="run-1", final_quarters=[])
    message = str(caught.value)
    assert wrong not in message
    assert f"postgresql://{pg.user}:***@127.0.0.1:{pg.port}/{dbname}" in message
    assert "password authentication failed" in message
