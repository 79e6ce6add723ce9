"""Exports after a real replay refresh: the manifest check inside the run, `ledger export` and
`ledger export --check`, the latest views, and the as-of macros against the quarterly tables."""

from __future__ import annotations

import hashlib
import json
import shutil

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from pipeline.app.cli import main
from pipeline.defs.publish import EXPORTS_MATCH_MANIFEST
from tests.support.replay_build import replay_build

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def built(tmp_path_factory, instance):
    return replay_build(tmp_path_factory, instance)


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_refresh_checked_its_exports_and_wrote_the_documents(built):
    paths, report = built
    checks = {c.check: c for c in report.checks if c.asset == "published_warehouse"}
    assert checks[EXPORTS_MATCH_MANIFEST].passed
    for name in ("manifest.json", "dictionary.md", "dictionary.json", "report/index.html"):
        assert (paths.exports_dir / name).stat().st_size > 0


def test_every_quarterly_table_is_exported_per_quarter_with_its_fetches(built):
    paths, _ = built
    manifest = json.loads((paths.exports_dir / "manifest.json").read_text())
    con = duckdb.connect(str(paths.db), read_only=True)
    expected = {(t, q, n) for t in manifest["tables"] if manifest["tables"][t]["kind"] == "quarterly"
                for q, n in con.execute(f"SELECT quarter, count(*) FROM {t} GROUP BY 1").fetchall()}
    listed = {(f["table"], f["quarter"], f["rows"]) for f in manifest["files"]
              if f["kind"] == "quarter" and f["format"] == "parquet"}
    assert listed == expected
    assert {"model_prices", "gpu_rates", "quality_tiers", "crossover"} <= {t for t, _, _ in listed}
    # The 2026Q4 prices stand on fetches the manifest names for that quarter.
    price_fetches = {r[0] for r in con.execute("SELECT DISTINCT fetch_id FROM model_prices WHERE quarter = '2026Q4'")
                     .fetchall()}
    assert price_fetches <= set(manifest["quarters"]["2026Q4"]["fetch_ids"])


def test_exports_read_back_by_polars_pyarrow_and_duckdb(built):
    paths, _ = built
    folder = paths.exports_dir / "model_prices"
    con = duckdb.connect(str(paths.db), read_only=True)
    in_db = con.execute("SELECT count(*) FROM model_prices WHERE quarter = '2026Q3'").fetchall()[0][0]
    assert pl.read_parquet(folder / "quarter=2026Q3" / "model_prices.parquet").height == in_db
    assert pq.read_table(folder / "quarter=2026Q3" / "model_prices.parquet").num_rows == in_db
    assert pl.read_csv(folder / "quarter=2026Q3" / "model_prices.csv").height == in_db
    total = duckdb.sql(f"SELECT count(*) FROM read_parquet('{folder}/*/*.parquet', hive_partitioning=true) "
                       "WHERE quarter = '2026Q3'").fetchall()[0][0]
    assert total == in_db
    assert pl.read_parquet(folder / "latest.parquet")["quarter"].unique().to_list() == ["2026Q4"]


def test_ledger_export_rewrites_identical_files_and_check_names_a_tampered_one(built, tmp_path, monkeypatch):
    paths, _ = built
    exports = tmp_path / "exports"
    shutil.copytree(paths.exports_dir, exports)
    monkeypatch.setenv("LEDGER_WAREHOUSE_DIR", str(paths.warehouse_dir))
    monkeypatch.setenv("LEDGER_EXPORTS_DIR", str(exports))
    target = exports / "gpu_rates" / "quarter=2026Q3" / "gpu_rates.parquet"
    before = digest(target)
    done = CliRunner().invoke(main, ["export"])
    assert done.exit_code == 0, done.output
    assert "every file matches" in done.output and digest(target) == before
    target.write_bytes(target.read_bytes()[:-10])
    checked = CliRunner().invoke(main, ["export", "--check"])
    assert checked.exit_code == 1
    assert "gpu_rates/quarter=2026Q3/gpu_rates.parquet" in checked.output


def test_latest_views_and_as_of_macros_agree_with_the_quarterly_tables(built):
    paths, _ = built
    con = duckdb.connect(str(paths.db), read_only=True)
    one = lambda sql: con.execute(sql).fetchall()[0][0]  # noqa: E731
    assert one("SELECT count(*) FROM latest_model_prices") == one(
        "SELECT count(*) FROM model_prices WHERE quarter = (SELECT max(quarter) FROM model_prices)")
    assert one("SELECT DISTINCT quarter FROM latest_gpu_price_summary") == "2026Q4"
    # As of a quarter's last day is what the quarter's snapshot holds.
    assert one("SELECT count(*) FROM prices_asof('2026-09-30')") == one(
        "SELECT count(*) FROM model_prices WHERE quarter = '2026Q3'")
    chosen = "SELECT provider, region, instance_type, pricing_model, source, usd_per_hour FROM "
    assert one(f"SELECT count(*) FROM ({chosen} gpu_rates WHERE quarter = '2026Q3' EXCEPT "
               f"{chosen} gpu_rates_asof('2026-09-30'))") == 0
    kept = "SELECT canonical_model, benchmark, source, raw_score FROM "
    assert one(f"SELECT count(*) FROM ({kept} benchmark_scores WHERE quarter = '2026Q3' EXCEPT "
               f"{kept} scores_asof('2026-09-30'))") == 0
    assert one("SELECT count(*) FROM benchmark_scores WHERE quarter = '2026Q3'") > 0
