"""Iceberg publication on a SQLite catalog and local files: tags, exact contents, schemas, idempotence.

Two publishes of a small warehouse: the first holds 2025Q3 and 2025Q4 as final and 2026Q1 as
provisional; the second makes 2026Q1 final, adds 2026Q2, moves every price by 10 % (as a
correction would, final quarters included) and adds a column. Each quarter tag must keep
returning what the warehouse held when it was set.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from pipeline.scale_out import (
    IcebergExportError,
    IcebergTarget,
    export_to_iceberg,
    final_quarters_in,
    publish_configured,
)
from pipeline.scale_out.commit import SUMMARY_HASH, SUMMARY_RUN
from tests.support.small_warehouse import PUBLISHED, build_warehouse, duckdb_rows, iceberg_rows

pytestmark = pytest.mark.integration
FIRST = {"2025Q3": False, "2025Q4": False, "2026Q1": True}
SECOND = {"2025Q3": False, "2025Q4": False, "2026Q1": False, "2026Q2": True}


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """Two publishes exported in turn; the two warehouse files are kept to compare with."""
    root = Path(tmp_path_factory.mktemp("iceberg_sqlite"))
    first = build_warehouse(root / "first.duckdb", FIRST)
    second = build_warehouse(root / "second.duckdb", SECOND, price_factor=1.1, run_id="run-2", extra_column=True)
    target = IcebergTarget.resolve(None, str(root / "iceberg"))
    results = [export_to_iceberg(first, target, run_id="run-1", final_quarters=final_quarters_in(first)),
               export_to_iceberg(second, target, run_id="run-2", final_quarters=final_quarters_in(second))]
    return {"first": first, "second": second, "target": target, "results": results, "root": root}


@pytest.fixture(autouse=True)
def _quiet_polars(monkeypatch):
    monkeypatch.setenv("POLARS_ICEBERG_PLANNER", "pyiceberg")  # no planner plugin installed: say so once


def _table(published, name):
    return published["target"].load_catalog().load_table(f"ledger.{name}")


def test_final_quarters_come_from_the_provisional_column(published):
    assert final_quarters_in(published["first"]) == ["2025Q3", "2025Q4"]
    assert final_quarters_in(published["second"]) == ["2025Q3", "2025Q4", "2026Q1"]


def test_every_published_table_is_exported_and_bookkeeping_is_not(published):
    catalog = published["target"].load_catalog()
    assert sorted(name for _, name in catalog.list_tables("ledger")) == sorted(PUBLISHED)
    first, second = published["results"]
    assert [t.status for t in first.tables] == ["created"] * 4
    # models did not change between the publishes: no snapshot, only the new tags
    assert {t.table: t.status for t in second.tables} == {"model_prices": "updated", "models": "unchanged",
                                                          "quality_tiers": "updated", "type_samples": "unchanged"}
    assert second.snapshots_added == 2


def test_quarter_tags_return_what_the_warehouse_held_at_that_publish(published):
    prices = _table(published, "model_prices")
    run1, run2 = prices.snapshot_by_name("refresh-run-1"), prices.snapshot_by_name("refresh-run-2")
    assert prices.snapshot_by_name("2025Q3").snapshot_id == run1.snapshot_id
    assert prices.snapshot_by_name("2025Q4").snapshot_id == run1.snapshot_id
    assert prices.snapshot_by_name("2026Q1").snapshot_id == run2.snapshot_id
    assert prices.snapshot_by_name("2026Q2") is None  # still provisional
    for quarter, db in (("2025Q3", published["first"]), ("2025Q4", published["first"]),
                        ("2026Q1", published["second"])):
        expected = duckdb_rows(db, "model_prices", quarter)
        tagged = prices.snapshot_by_name(quarter).snapshot_id
        assert len(expected) == 6
        assert iceberg_rows(prices, tagged, quarter) == expected, quarter
    # the correction reached the main branch, not the tag set before it
    old = iceberg_rows(prices, prices.snapshot_by_name("2025Q3").snapshot_id, "2025Q3")
    new = iceberg_rows(prices, None, "2025Q3")
    assert [r["input_usd_per_mtok"] for r in old][:2] == [1.25, 1.75]
    assert [r["input_usd_per_mtok"] for r in new][:2] == [pytest.approx(1.375), pytest.approx(1.925)]
    assert new == duckdb_rows(published["second"], "model_prices", "2025Q3")


def test_polars_reads_a_tag_like_pyiceberg(published):
    tiers = _table(published, "quality_tiers")
    tagged = tiers.snapshot_by_name("2025Q4").snapshot_id
    frame = (pl.scan_iceberg(tiers, snapshot_id=tagged).filter(pl.col("quarter") == "2025Q4")
             .sort("canonical_model").collect())
    expected = pl.DataFrame(duckdb_rows(published["first"], "quality_tiers", "2025Q4")).sort("canonical_model")
    assert frame.height == 3
    assert frame["score"].to_list() == expected["score"].to_list() == [91.0, 81.0, 71.0]
    assert frame["tier"].dtype == pl.Int64  # the pandera model's int, over DuckDB's INTEGER
    counts = pl.scan_iceberg(tiers).group_by("quarter").len().sort("quarter").collect()
    assert counts.rows() == [("2025Q3", 3), ("2025Q4", 3), ("2026Q1", 3), ("2026Q2", 3)]


def test_columns_carry_the_pandera_models_types_required_flags_and_docs(published):
    fields = {f.name: f for f in _table(published, "model_prices").schema().fields}
    assert fields["input_usd_per_mtok"].doc == "Price of input tokens (USD per 1M tokens)"
    assert not fields["input_usd_per_mtok"].required
    assert fields["canonical_model"].required and fields["observed_at"].required
    assert str(fields["observed_at"].field_type) == "timestamp"
    models = {f.name: f for f in _table(published, "models").schema().fields}
    assert (str(models["params_b"].field_type), str(models["release_date"].field_type)) == ("double", "date")
    assert models["params_b"].doc == "Total parameters (curated) (billion parameters)" and not models["params_b"].required
    # A table no pandera model describes keeps DuckDB's types, with no docs and nothing required.
    untyped = _table(published, "type_samples").schema().fields
    assert all(f.doc is None and not f.required for f in untyped)
    assert _table(published, "quality_tiers").properties["comment"].startswith("Each scored model's tier")
    samples = {f.name: str(f.field_type) for f in _table(published, "type_samples").schema().fields}
    assert samples == {"id": "int", "big": "decimal(20, 0)", "amount": "decimal(12, 4)", "seen": "timestamptz",
                       "tags": "list<string>", "attrs": "map<string, int>",
                       "nested": "struct<13: a: optional int, 14: b: optional string>", "raw": "binary", "day": "date"}


def test_a_new_column_evolves_the_schema_and_leaves_history_alone(published):
    prices = _table(published, "model_prices")
    added = prices.schema().find_field("batch_input_usd_per_mtok")
    assert not added.required and added.doc == "Batch API input price (USD per 1M tokens)"
    assert published["results"][1].tables[0].schema_changes == ("added column batch_input_usd_per_mtok (double)",)
    run1 = prices.snapshot_by_name("refresh-run-1")
    old_rows = prices.scan(snapshot_id=run1.snapshot_id).to_arrow()
    assert "batch_input_usd_per_mtok" not in old_rows.column_names  # read with the schema it was written with
    assert old_rows.num_rows == 18
    current = [r["batch_input_usd_per_mtok"] for r in iceberg_rows(prices, None, "2026Q2")]
    warehouse = duckdb_rows(published["second"], "model_prices", "2026Q2")
    assert current == [r["batch_input_usd_per_mtok"] for r in warehouse]
    assert len(current) == 6 and None not in current


def test_exporting_the_same_publish_again_adds_no_snapshot(published):
    before = {name: len(_table(published, name).snapshots()) for name in PUBLISHED}
    again = export_to_iceberg(published["second"], published["target"], run_id="run-2",
                              final_quarters=final_quarters_in(published["second"]))
    assert again.snapshots_added == 0 and all(t.tags_added == () for t in again.tables)
    assert {name: len(_table(published, name).snapshots()) for name in PUBLISHED} == before
    summary = _table(published, "model_prices").current_snapshot().summary.additional_properties
    assert summary[SUMMARY_RUN] == "run-2" and len(summary[SUMMARY_HASH]) == 64


def test_the_cli_exports_the_published_warehouse_and_repeats_as_a_no_op(published, tmp_path, monkeypatch):
    from pipeline.app.cli import main

    warehouse_dir = tmp_path / "warehouse"
    warehouse_dir.mkdir()
    shutil.copy(published["first"], warehouse_dir / "ledger.duckdb")
    monkeypatch.setenv("LEDGER_WAREHOUSE_DIR", str(warehouse_dir))
    monkeypatch.setenv("LEDGER_EXPORTS_DIR", str(tmp_path / "exports"))
    args = ["export", "--to", "iceberg", "--catalog", f"sqlite:///{tmp_path / 'cat.db'}", "--warehouse",
            str(tmp_path / "lake")]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "4 new snapshot(s)" in first.output and "quarter tags added: 2025Q3, 2025Q4" in first.output
    assert "refresh-run-1" in first.output  # the run id comes from the warehouse's refresh_runs
    second = CliRunner().invoke(main, args)
    assert second.exit_code == 0 and "0 new snapshot(s), 4 unchanged" in second.output
    refused = CliRunner().invoke(main, [*args, "--check"])
    assert refused.exit_code == 2 and "--check apply to --to files" in refused.output


def test_publish_configured_does_nothing_unless_both_settings_are_there(published, tmp_path, monkeypatch):
    for name in ("LEDGER_ICEBERG_CATALOG", "LEDGER_ICEBERG_WAREHOUSE"):
        monkeypatch.delenv(name, raising=False)
    assert publish_configured(published["first"], "run-x") is None
    monkeypatch.setenv("LEDGER_ICEBERG_CATALOG", f"sqlite:///{tmp_path / 'c.db'}")
    with pytest.raises(IcebergExportError, match="LEDGER_ICEBERG_WAREHOUSE is not"):
        publish_configured(published["first"], "run-x")
    monkeypatch.setenv("LEDGER_ICEBERG_WAREHOUSE", str(tmp_path / "lake"))
    result = publish_configured(published["first"], "run-x")
    assert result is not None and result.snapshots_added == 4
    assert all(t.tags_added == ("refresh-run-x", "2025Q3", "2025Q4") for t in result.tables)


def test_bad_input_is_refused_by_name(published, tmp_path):
    with pytest.raises(IcebergExportError, match="run id 'a b'"):
        export_to_iceberg(published["first"], published["target"], run_id="a b", final_quarters=[])
    with pytest.raises(IcebergExportError, match="not quarter labels.*2025-Q1"):
        export_to_iceberg(published["first"], published["target"], run_id="r", final_quarters=["2025-Q1"])
    with pytest.raises(IcebergExportError, match="no published warehouse at .*missing.duckdb"):
        export_to_iceberg(tmp_path / "missing.duckdb", published["target"], run_id="r", final_quarters=[])
    with pytest.raises(IcebergExportError, match="needs a catalog URI"):
        IcebergTarget.resolve(None, "s3://bucket/lake")


def test_every_table_the_warehouse_ddl_creates_can_be_published(tmp_path):
    from pipeline.core.warehouse import apply_ddl, connect
    from pipeline.scale_out.iceberg import published_tables

    db = tmp_path / "ledger.duckdb"
    con = connect(db)
    try:
        apply_ddl(con)
        tables = published_tables(con)
    finally:
        con.close()
    assert "model_prices" in tables and "schema_migrations" not in tables and "refresh_runs" not in tables
    target = IcebergTarget.resolve(None, str(tmp_path / "lake"))
    result = export_to_iceberg(db, target, run_id="ddl", final_quarters=[])
    assert [t.table for t in result.tables] == tables and all(t.rows == 0 for t in result.tables)
    catalog = target.load_catalog()
    assert sorted(name for _, name in catalog.list_tables("ledger")) == tables
    tiers = catalog.load_table("ledger.quality_tiers").schema()
    assert tiers.find_field("gap_to_best").doc == "best_score − score (points)"


def test_a_dropped_column_stays_null_and_a_widened_one_widens(tmp_path):
    from pipeline.core.warehouse import connect

    db = build_warehouse(tmp_path / "ledger.duckdb", {"2025Q4": False})
    target = IcebergTarget.resolve(None, str(tmp_path / "lake"))
    export_to_iceberg(db, target, run_id="run-1", final_quarters=["2025Q4"])
    con = connect(db)
    try:
        con.execute("ALTER TABLE model_prices DROP COLUMN fetch_id")  # required in Iceberg until now
        con.execute("ALTER TABLE type_samples ALTER COLUMN id TYPE BIGINT")
    finally:
        con.close()
    result = export_to_iceberg(db, target, run_id="run-2", final_quarters=["2025Q4"])
    changes = {t.table: t.schema_changes for t in result.tables}
    assert changes["model_prices"] == ("fetch_id is no longer in the warehouse: kept, null from now on",)
    assert changes["type_samples"] == ("widened id from int32 to int64",)
    catalog = target.load_catalog()
    prices = catalog.load_table("ledger.model_prices")
    assert not prices.schema().find_field("fetch_id").required
    assert {r["fetch_id"] for r in iceberg_rows(prices)} == {None}
    tagged = iceberg_rows(prices, prices.snapshot_by_name("2025Q4").snapshot_id, "2025Q4")
    assert [r["fetch_id"] for r in tagged] == ["fetch-2025Q4-0", "fetch-2025Q4-1"] * 3
    assert str(catalog.load_table("ledger.type_samples").schema().find_field("id").field_type) == "long"


def test_the_cli_says_what_is_missing_without_a_target(published, tmp_path, monkeypatch):
    from pipeline.app.cli import main

    for name in ("LEDGER_ICEBERG_CATALOG", "LEDGER_ICEBERG_WAREHOUSE"):
        monkeypatch.delenv(name, raising=False)
    warehouse_dir = tmp_path / "warehouse"
    warehouse_dir.mkdir()
    shutil.copy(published["first"], warehouse_dir / "ledger.duckdb")
    monkeypatch.setenv("LEDGER_WAREHOUSE_DIR", str(warehouse_dir))
    missing = CliRunner().invoke(main, ["export", "--to", "iceberg"])
    assert missing.exit_code == 2
    assert "no Iceberg warehouse location given" in missing.output and "LEDGER_ICEBERG_WAREHOUSE" in missing.output
    monkeypatch.setenv("LEDGER_WAREHOUSE_DIR", str(tmp_path / "empty"))
    nothing = CliRunner().invoke(main, ["export", "--to", "iceberg", "--warehouse", str(tmp_path / "lake")])
    assert nothing.exit_code == 2 and "nothing published yet" in nothing.output
