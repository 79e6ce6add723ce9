"""Exports on a small hand-made warehouse: layout, byte-identical re-exports, the manifest and
its check, and read-back by polars, pyarrow and DuckDB."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest

from pipeline.core.export import (EXPORT_SCHEMA_VERSION, breaking_changes, export_all, read_manifest,
                                  verify_exports)
from pipeline.core.quarters import Quarter
from pipeline.core.warehouse import apply_ddl

Q3, Q4 = Quarter(2026, 3), Quarter(2026, 4)
# Two hand-made quarters of one model at one provider, with the fetches they were read from.
PRICES = [
    ("2026Q3", False, "openai/gpt-4o", 2.5, 10.0, datetime(2026, 9, 1), "f-q3"),
    ("2026Q4", True, "openai/gpt-4o", 2.5, 10.0, datetime(2026, 10, 1), "f-q4"),
    ("2026Q4", True, "openai/gpt-4o-mini", 0.15, 0.6, datetime(2026, 10, 1), "f-q4"),
]
FETCHES = [("f-q3", datetime(2026, 9, 1)), ("f-q4", datetime(2026, 10, 1)), ("f-later", datetime(2027, 1, 5))]


def build(path: Path, reverse: bool = False) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    apply_ddl(con)
    for fetch_id, observed in FETCHES:
        con.execute("INSERT INTO raw_fetch (fetch_id, source, family, url, endpoint, requested_at, observed_at, mode, "
                    "group_id, run_id, parsed_fetch_id) VALUES (?, 'openrouter', 'prices', ?, ?, ?, ?, 'replay', ?, "
                    "'r1', ?)", [fetch_id, "https://openrouter.ai/api/v1/models", "https://openrouter.ai/api/v1/models",
                                 observed, observed, fetch_id, fetch_id])
    for row in (reversed(PRICES) if reverse else PRICES):
        quarter, provisional, model, inp, out, observed, fetch_id = row
        con.execute("INSERT INTO model_prices (quarter, provisional, canonical_model, provider, source, source_model_id, "
                    "service_tier, context_tier_min_tokens, is_free, input_usd_per_mtok, output_usd_per_mtok, "
                    "observed_at, fetch_id, stale) VALUES (?, ?, ?, 'openai', 'openrouter', ?, 'standard', 0, false, "
                    "?, ?, ?, ?, false)", [quarter, provisional, model, model, inp, out, observed, fetch_id])
    con.execute("CREATE TABLE tagged_rows (quarter VARCHAR, provisional BOOLEAN, tags VARCHAR[])")
    con.execute("INSERT INTO tagged_rows VALUES ('2026Q4', true, ['b', 'a']), ('2026Q4', true, NULL)")
    return con


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    root = tmp_path_factory.mktemp("exports")
    con = build(root / "ledger.duckdb")
    result = export_all(con, root / "exports", None, {"run_id": "r1"})
    con.close()
    return root / "exports", result


def sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_layout_per_table_quarter_latest_and_reference(exported):
    exports, _ = exported
    for name in ("model_prices.parquet", "model_prices.csv"):
        assert (exports / "model_prices" / "quarter=2026Q3" / name).exists()
        assert (exports / "model_prices" / "quarter=2026Q4" / name).exists()
    assert (exports / "model_prices" / "latest.parquet").exists()
    # Reference tables come whole; refresh bookkeeping does not leave the warehouse.
    assert (exports / "raw_fetch" / "raw_fetch.csv").exists()
    assert not (exports / "schema_migrations").exists()
    assert (exports / "model_prices" / "latest.csv").stat().st_mode & 0o777 == 0o644  # readable by every reader


def test_latest_holds_the_newest_quarter(exported):
    exports, _ = exported
    latest = pl.read_parquet(exports / "model_prices" / "latest.parquet")
    assert latest["quarter"].unique().to_list() == ["2026Q4"]
    assert latest["canonical_model"].to_list() == ["openai/gpt-4o", "openai/gpt-4o-mini"]


def test_manifest_lists_each_file_with_rows_bytes_sha_and_the_quarters_fetches(exported):
    exports, _ = exported
    manifest = json.loads((exports / "manifest.json").read_text())
    assert manifest["schema_version"] == EXPORT_SCHEMA_VERSION and manifest["run_id"] == "r1"
    entry = next(f for f in manifest["files"] if f["path"] == "model_prices/quarter=2026Q4/model_prices.parquet")
    assert entry["table"] == "model_prices" and entry["quarter"] == "2026Q4" and entry["rows"] == 2
    assert entry["bytes"] == (exports / entry["path"]).stat().st_size
    assert entry["sha256"] == sha(exports / entry["path"])
    # A quarter stands on the newest fetch before its end, not on one observed later.
    assert manifest["quarters"]["2026Q3"]["fetch_ids"] == ["f-q3"]
    assert manifest["quarters"]["2026Q4"]["fetch_ids"] == ["f-q4"]
    assert manifest["tables"]["model_prices"]["columns"]["input_usd_per_mtok"] == "Float64"


def test_reexport_is_byte_identical_whatever_the_row_order(exported, tmp_path):
    exports, _ = exported
    con = build(tmp_path / "ledger.duckdb", reverse=True)
    export_all(con, tmp_path / "exports", [Q4], {})
    for name in ("model_prices.parquet", "model_prices.csv"):
        assert sha(tmp_path / "exports" / "model_prices" / "quarter=2026Q4" / name) == \
            sha(exports / "model_prices" / "quarter=2026Q4" / name)


def test_lists_become_json_text_in_csv(exported):
    exports, _ = exported
    text = (exports / "tagged_rows" / "quarter=2026Q4" / "tagged_rows.csv").read_text()
    assert sorted(text.splitlines()[1:]) == ["2026Q4,true,", '2026Q4,true,"[""b"", ""a""]"']
    assert sorted(pq.read_table(exports / "tagged_rows" / "latest.parquet").column("tags").to_pylist(),
                  key=str) == [None, ["b", "a"]]


def test_read_back_by_polars_pyarrow_and_duckdb(exported):
    exports, _ = exported
    folder = exports / "model_prices"
    frame = pl.read_parquet(folder / "quarter=2026Q4" / "model_prices.parquet")
    assert frame.filter(pl.col("canonical_model") == "openai/gpt-4o-mini")["output_usd_per_mtok"].to_list() == [0.6]
    table = pq.read_table(folder / "quarter=2026Q3" / "model_prices.parquet")
    assert table.column("input_usd_per_mtok").to_pylist() == [2.5]
    csv = pl.read_csv(folder / "quarter=2026Q4" / "model_prices.csv", try_parse_dates=True)
    assert csv["observed_at"].to_list() == [datetime(2026, 10, 1)] * 2
    rows = duckdb.sql(f"SELECT quarter, count(*) FROM read_parquet('{folder}/*/*.parquet', hive_partitioning=true) "
                      "GROUP BY quarter ORDER BY quarter").fetchall()
    assert rows == [("2026Q3", 1), ("2026Q4", 2)]  # the text label is not mistaken for a date


def test_check_passes_then_names_a_tampered_file(exported, tmp_path):
    import shutil

    exports = tmp_path / "copy"
    shutil.copytree(exported[0], exports)
    assert verify_exports(exports) == []
    csv = exports / "model_prices" / "quarter=2026Q4" / "model_prices.csv"
    csv.write_text(csv.read_text().replace("0.15", "0.16"))  # same size, different bytes
    (exports / "model_prices" / "quarter=2026Q3" / "model_prices.parquet").unlink()
    problems = verify_exports(exports)
    assert problems == ["model_prices/quarter=2026Q3/model_prices.parquet: missing",
                        "model_prices/quarter=2026Q4/model_prices.csv: sha256 differs from the manifest"]


def test_check_counts_rows(exported, tmp_path):
    import shutil

    exports = tmp_path / "copy"
    shutil.copytree(exported[0], exports)
    manifest = read_manifest(exports)
    entry = next(f for f in manifest["files"] if f["path"].endswith("2026Q4/model_prices.csv"))
    entry["rows"] = 3
    (exports / "manifest.json").write_text(json.dumps(manifest))
    assert verify_exports(exports) == ["model_prices/quarter=2026Q4/model_prices.csv: 2 rows, manifest says 3"]


def test_a_quarter_with_no_rows_left_loses_its_files(exported, tmp_path):
    con = build(tmp_path / "ledger.duckdb")
    export_all(con, tmp_path / "exports", None, {})
    con.execute("DELETE FROM model_prices WHERE quarter = '2026Q3'")
    export_all(con, tmp_path / "exports", [Q3], {})
    assert not (tmp_path / "exports" / "model_prices" / "quarter=2026Q3" / "model_prices.parquet").exists()
    assert "2026Q3" not in read_manifest(tmp_path / "exports")["quarters"]
    assert verify_exports(tmp_path / "exports") == []


def test_breaking_changes_are_removals_and_retypes_not_additions():
    before = {"model_prices": {"quarter": "String", "input_usd_per_mtok": "Float64", "fetch_id": "String"}}
    after = {"model_prices": {"quarter": "String", "input_usd_per_mtok": "Int64", "note": "String"}}
    assert breaking_changes(before, after) == ["model_prices.fetch_id removed",
                                               "model_prices.input_usd_per_mtok changed type Float64 -> Int64"]
    assert breaking_changes(before, {**before, "new_table": {"x": "String"}}) == []


def test_the_current_schema_version_is_in_the_changelog():
    from pipeline.core.paths import ROOT

    changelog = (ROOT / "docs" / "schema_changelog.md").read_text(encoding="utf-8")
    assert f"\n## {EXPORT_SCHEMA_VERSION} — " in changelog
