"""The backfill's coverage rows: stored per quarter, source and endpoint, replaced by a later
backfill, provisional only while their quarter runs, and summed up for the terminal."""

import duckdb
import pytest

from pipeline.core.backfill import coverage_summary
from pipeline.core.history_sources import HistoryLog, store_coverage
from pipeline.core.quarters import Quarter
from pipeline.core.warehouse import apply_ddl

EP = "https://raw.githubusercontent.com/Aider-AI/aider/main/aider/website/_data/polyglot_leaderboard.yml"
SHA = "690100ac94dbe5d7c511b7b509545e6c430b9b61"


def row(quarter: str, status: str, **kw) -> dict:
    return {"quarter": quarter, "provisional": False, "source": "aider", "endpoint": EP, "kind": "git",
            "status": status, "version": None, "observed_at": None, "provenance": None, "fetch_id": None,
            "sha256": None, "detail": None, **kw}


GAP = row("2024Q3", "gap", detail="no commit touching Aider-AI/aider/aider/website/_data/polyglot_leaderboard.yml "
                                  "before 2024-10-01 00:00")
FOUND = row("2024Q4", "found", version=SHA, observed_at="2024-12-21T22:10:05",
            fetch_id="backfill-aider-b584b144-690100ac94db",
            provenance=f"https://github.com/Aider-AI/aider/blob/{SHA}/aider/website/_data/polyglot_leaderboard.yml")


@pytest.fixture
def con():
    c = duckdb.connect()
    apply_ddl(c)
    yield c
    c.close()


def test_coverage_rows_are_replaced_and_only_the_running_quarter_is_provisional(con):
    store_coverage(con, [GAP, {**FOUND, "provisional": True}], running=Quarter(2024, 4))
    assert con.execute("SELECT quarter, status, provisional FROM backfill_coverage ORDER BY 1").fetchall() == [
        ("2024Q3", "gap", False), ("2024Q4", "found", True)]
    # A later backfill (once 2024Q4 is over) replaces its rows; the old quarter stops being provisional.
    store_coverage(con, [{**GAP, "status": "not_reached", "detail": "the cap of 3 requests was reached"}],
                   running=Quarter(2025, 1))
    assert con.execute("SELECT quarter, status, provisional FROM backfill_coverage ORDER BY 1").fetchall() == [
        ("2024Q3", "not_reached", False), ("2024Q4", "found", False)]


def test_a_coverage_row_that_breaks_the_schema_is_refused(con):
    with pytest.raises(Exception, match="status"):
        store_coverage(con, [row("2024Q3", "guessed")], running=Quarter(2026, 4))
    assert con.execute("SELECT count(*) FROM backfill_coverage").fetchall() == [(0,)]


def test_the_log_keeps_each_runs_coverage_apart(tmp_path):
    log = HistoryLog(tmp_path)
    log.append_coverage("run-a", [GAP])
    log.append_coverage("run-b", [FOUND])
    assert log.coverage("run-a") == [GAP] and log.coverage("run-b") == [FOUND]
    with open(log.path, "a") as fh:
        fh.write('{"record": "coverage", "run_id": "run-b", "quar')  # a line cut short by a kill
    log.append_coverage("run-b", [GAP])
    assert sorted(r["quarter"] for r in log.coverage("run-b")) == ["2024Q3", "2024Q4"]


def test_the_summary_groups_quarters_by_status_and_names_each_gap():
    text = coverage_summary([GAP, FOUND])
    assert text.splitlines()[0] == "backfill: 1 found, 1 gap"
    assert "polyglot_leaderboard.yml" in text.splitlines()[1] and "found 2024Q4 · gap 2024Q3" in text
    assert ("aider 2024Q3 gap: polyglot_leaderboard.yml: no commit touching "
            "Aider-AI/aider/aider/website/_data/polyglot_leaderboard.yml before 2024-10-01 00:00") in text
