"""`ledger backfill` end to end against a loopback imitation of GitHub and the Wayback Machine
(tests/support/history_server.py serving tests/fixtures/history): past quarters rebuilt from
commits and captures, gaps and unreadable captures reported, `ledger diff` across the rebuilt
quarters, and a second backfill that adds nothing."""

import logging

import dagster as dg
import duckdb
import pytest
from click.testing import CliRunner

from pipeline.app.cli import main
from pipeline.core.paths import Paths
from pipeline.core.quarters import Quarter
from tests.conftest import AS_OF, refresh
from tests.support.history_server import HISTORY, HistoryServer, commit_sha

pytestmark = pytest.mark.integration
HISTORY_FILE = HISTORY / "history_sources.csv"
SOURCES = ["aider", "litellm", "modal_pricing_page", "openrouter"]


def counts(paths: Paths) -> dict[str, int]:
    con = duckdb.connect(str(paths.db), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                for t in ("raw_fetch", "price_observations", "benchmark_observations", "gpu_rate_observations",
                          "backfill_coverage")}
    finally:
        con.close()


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory, instance):
    root = tmp_path_factory.mktemp("backfill")
    paths = Paths(root / "warehouse", root / "exports")
    env = {"LEDGER_WAREHOUSE_DIR": str(paths.warehouse_dir), "LEDGER_EXPORTS_DIR": str(paths.exports_dir),
           "DAGSTER_HOME": str(root), "LEDGER_DAGSTER_STORAGE": str(root / "storage")}
    with HistoryServer() as server, pytest.MonkeyPatch.context() as mp:
        # The verb runs in this process on the tests' in-memory Dagster instance.
        mp.setattr(dg.DagsterInstance, "get", staticmethod(lambda: instance))
        mirrors = [arg for origin in server.overrides for arg in ("--mirror", f"{origin}={server.origin}")]
        first = CliRunner().invoke(main, ["backfill", "--from", "2024Q3", "--to", "2025Q3", "--history-file",
                                          str(HISTORY_FILE), "--as-of", AS_OF.isoformat(), "--pause", "0", *mirrors],
                                   env=env)
        progress = logging.getLogger("llm_ledger.progress")
        for handler in [h for h in progress.handlers if getattr(h, "_ledger", False)]:
            progress.removeHandler(handler)  # it writes to the runner's stream, closed now
        after_first = (counts(paths), len(server.requests))
        second = refresh(paths, instance, mode="backfill", only=SOURCES, backfill_from=Quarter(2024, 3),
                         backfill_to=Quarter(2025, 3), history_file=HISTORY_FILE, backfill_pause_s=0,
                         origin_overrides=server.overrides)
        after_second = (counts(paths), len(server.requests))
    return {"paths": paths, "env": env, "first": first, "second": second, "after_first": after_first,
            "after_second": after_second}


def query(paths: Paths, sql: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(paths.db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_backfill_publishes_and_reports_the_gap_and_the_unreadable_capture(backfilled):
    result = backfilled["first"]
    assert result.exit_code == 0, result.output
    assert "published:" in result.output
    assert "backfill: 7 found, 9 carried, 2 gap, 2 unreadable" in result.output
    # The polyglot board began in December 2024: no commit before 2024Q3's end, reported, not filled.
    assert ("aider 2024Q3 gap: polyglot_leaderboard.yml: no commit touching "
            "Aider-AI/aider/aider/website/_data/polyglot_leaderboard.yml before 2024-10-01") in result.output
    assert ("modal_pricing_page 2024Q4 unreadable: pricing: 20241115093012 2024-11-15 — no 'GPU Tasks' block"
            in result.output)


def test_each_backfilled_fetch_is_archived_with_its_commit_or_capture(backfilled):
    paths = backfilled["paths"]
    rows = query(paths, "SELECT source, observed_at, provenance FROM raw_fetch WHERE mode = 'backfill' "
                        "AND source IN ('litellm', 'modal_pricing_page') ORDER BY observed_at")
    sha = commit_sha("BerriAI/litellm", "model_prices_and_context_window.json", "2024-08-21T17:02:11Z")
    assert [(s, str(at)) for s, at, _ in rows] == [
        ("litellm", "2024-08-21 17:02:11"), ("litellm", "2024-11-05 09:14:52"), ("litellm", "2025-06-11 02:25:40"),
        ("modal_pricing_page", "2025-06-12 08:30:15"), ("litellm", "2025-08-08 11:05:27")]
    assert rows[0][2] == f"https://github.com/BerriAI/litellm/blob/{sha}/model_prices_and_context_window.json"
    assert rows[3][2] == "https://web.archive.org/web/20250612083015/https://modal.com/pricing"
    coverage = dict(query(paths, "SELECT quarter || ' ' || source, status FROM backfill_coverage"))
    assert coverage["2024Q3 aider"] == "gap" and coverage["2025Q1 litellm"] == "carried"
    assert coverage["2024Q4 modal_pricing_page"] == "unreadable" and coverage["2025Q2 litellm"] == "found"


def test_rebuilt_quarters_hold_the_prices_of_their_day(backfilled):
    paths = backfilled["paths"]
    prices = {(q, m): (i, o) for q, m, i, o in query(paths, """
        SELECT quarter, canonical_model, input_usd_per_mtok, output_usd_per_mtok FROM model_prices
        WHERE source = 'litellm' AND service_tier = 'standard' AND context_tier_min_tokens = 0
          AND snapshot IS NULL""")}  # the undated name's price; a dated snapshot is its own offer
    assert prices[("2024Q3", "openai/gpt-4o")] == (5.0, 15.0)
    assert prices[("2024Q4", "openai/gpt-4o")] == (2.5, 10.0)
    assert ("2025Q1", "openai/o3") not in prices
    assert prices[("2025Q2", "openai/o3")] == (2.0, 8.0)  # the 2025-06-10 cut, before the quarter's end
    assert prices[("2025Q3", "openai/gpt-5")] == (1.25, 10.0)
    h100 = query(paths, "SELECT quarter, usd_per_hour FROM gpu_rates WHERE source = 'modal_pricing_page' "
                        "AND gpu = 'H100-SXM' ORDER BY quarter")
    assert h100[0] == ("2025Q2", pytest.approx(3.9492))


def test_ledger_diff_across_rebuilt_quarters_shows_the_drift(backfilled):
    runner = CliRunner()
    cut = runner.invoke(main, ["diff", "2024Q3", "2024Q4"], env=backfilled["env"])
    assert cut.exit_code == 0, cut.output
    assert "openai/gpt-4o @ openai: $5.00 / $15.00 → $2.50 / $10.00  cut" in cut.output
    launch = runner.invoke(main, ["diff", "2025Q1", "2025Q2"], env=backfilled["env"])
    assert "openai/o3 @ openai: — / — → $2.00 / $8.00  new" in launch.output
    assert "H100-SXM: — → $3.95" in launch.output


def test_a_second_backfill_adds_nothing_and_downloads_nothing(backfilled):
    second = backfilled["second"]
    assert second.published, second.failures
    assert backfilled["after_second"][0] == backfilled["after_first"][0]
    # Closed quarters' answers and every body were kept: not one request to GitHub or the archive.
    assert backfilled["after_second"][1] == backfilled["after_first"][1]
    assert {s["source"]: s["rows_added"] for s in second.sources} == dict.fromkeys(SOURCES, 0)
    assert second.quarters[0] == "2024Q3" and len(second.backfill) == 20
