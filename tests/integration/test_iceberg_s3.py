"""Iceberg on S3-compatible storage (moto on 127.0.0.1): tags read back by pyiceberg and polars,
and the credentials never written anywhere — not in an object, the catalog, a log or an error."""

from __future__ import annotations

import logging

import polars as pl
import pytest
from pyiceberg.catalog import load_catalog

from pipeline.scale_out import IcebergExportError, IcebergTarget, export_to_iceberg, final_quarters_in
from pipeline.scale_out.target import redact
from tests.support import s3
from tests.support.small_warehouse import PUBLISHED, build_warehouse, duckdb_rows, iceberg_rows

pytestmark = pytest.mark.integration
BUCKET = "ledger-lake"


@pytest.fixture
def s3_env(monkeypatch):
    server = s3.server()
    for name, value in server.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("POLARS_ICEBERG_PLANNER", "pyiceberg")
    server.create_bucket(BUCKET)
    return server


def test_tables_on_s3_read_back_per_quarter_tag_and_no_secret_is_written(s3_env, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    db = build_warehouse(tmp_path / "ledger.duckdb", {"2025Q4": False, "2026Q1": True})
    catalog_file = tmp_path / "catalog.db"
    target = IcebergTarget.resolve(f"sqlite:///{catalog_file}", f"s3://{BUCKET}/{tmp_path.name}")
    result = export_to_iceberg(db, target, run_id="run-s3", final_quarters=final_quarters_in(db))
    assert result.snapshots_added == len(PUBLISHED)

    catalog = target.load_catalog()
    prices = catalog.load_table("ledger.model_prices")
    assert prices.location() == f"s3://{BUCKET}/{tmp_path.name}/ledger/model_prices"
    tagged = prices.snapshot_by_name("2025Q4").snapshot_id
    assert iceberg_rows(prices, tagged, "2025Q4") == duckdb_rows(db, "model_prices", "2025Q4")
    # as the README reads it: only the endpoint given, the key and secret from AWS_*
    reader = load_catalog("ledger", type="sql", uri=f"sqlite:///{catalog_file}", warehouse=target.warehouse,
                          **{"s3.endpoint": s3_env.endpoint})
    frame = pl.scan_iceberg(reader.load_table("ledger.model_prices"), snapshot_id=tagged,
                            storage_options={"s3.endpoint": s3_env.endpoint}).collect()
    assert frame.group_by("quarter").len().sort("quarter").rows() == [("2025Q4", 6), ("2026Q1", 6)]
    assert sorted(frame.filter(pl.col("quarter") == "2025Q4")["output_usd_per_mtok"].to_list()) == \
        sorted(r["output_usd_per_mtok"] for r in duckdb_rows(db, "model_prices", "2025Q4"))

    objects = s3_env.objects(BUCKET)
    assert any(k.endswith(".parquet") for k in objects) and any(k.endswith(".metadata.json") for k in objects)
    secret = s3.SECRET_KEY.encode()
    assert not [k for k, body in objects.items() if secret in body]
    assert secret not in catalog_file.read_bytes()
    assert s3.SECRET_KEY not in caplog.text
    assert all(s3.SECRET_KEY not in str(v) for v in prices.current_snapshot().summary.additional_properties.values())


def test_a_storage_error_names_the_table_and_hides_the_secret(s3_env, tmp_path):
    db = build_warehouse(tmp_path / "ledger.duckdb", {"2025Q4": True})
    target = IcebergTarget.resolve(f"sqlite:///{tmp_path / 'catalog.db'}", "s3://no-such-bucket/lake")
    with pytest.raises(IcebergExportError) as caught:
        export_to_iceberg(db, target, run_id="run-s3", final_quarters=[])
    message = str(caught.value)
    assert message.startswith("table ledger.model_prices was not published to catalog sqlite:///")
    assert "no-such-bucket" in message
    assert s3.SECRET_KEY not in message
    assert caught.value.__context__ is None and caught.value.__cause__ is None  # nothing chained to leak it



def test_redact_removes_every_secret_a_message_could_carry(s3_env, monkeypatch):
    monkeypatch.setenv("AWS_SESSION_TOKEN", "session-token-5d2e")
    monkeypatch.setenv("PGPASSWORD", "pg-pass-77aa")
    target = IcebergTarget("postgresql://ledger:url-pass%2F9@127.0.0.1:5432/iceberg", "s3://b/lake")
    text = (f"failed: secret {s3.SECRET_KEY} token session-token-5d2e pg pg-pass-77aa "
            f"url {target.catalog} decoded url-pass/9")
    shown = redact(text, target)
    for secret in (s3.SECRET_KEY, "session-token-5d2e", "pg-pass-77aa", "url-pass%2F9", "url-pass/9"):
        assert secret not in shown
    assert "postgresql://ledger:***@127.0.0.1:5432/iceberg" in shown
    assert target.describe() == "catalog postgresql://ledger:***@127.0.0.1:5432/iceberg, warehouse s3://b/lake"
