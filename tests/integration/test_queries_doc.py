"""Every query in docs/queries.md runs on a replay-built warehouse and returns rows with the
columns its documented output shows (the values are left free: they follow the recorded data),
from Python's duckdb and from the analysts' DuckDB 1.5 CLI."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipeline.core.paths import ROOT
from tests.support.replay_build import replay_build

pytestmark = pytest.mark.integration
DOC = ROOT / "docs" / "queries.md"
# A ```sql block, then the first Markdown table after it (its header row is what we compare).
DUCKDB_CLI = Path(sys.executable).parent / "duckdb"
BLOCK = re.compile(r"```sql\n(.*?)```\s*\n\|(.*?)\|\n\|[-|]+\n", re.S)


def documented() -> list[tuple[str, str, list[str]]]:
    text = DOC.read_text(encoding="utf-8")
    titles = re.findall(r"^## (.+)$", text, re.M)
    blocks = BLOCK.findall(text)
    assert len(blocks) == len(titles), "every question has one SQL block followed by its output table"
    return [(title, sql, [c.strip() for c in header.split("|")]) for title, (sql, header) in zip(titles, blocks)]


QUERIES = documented()


def test_the_document_asks_a_dozen_questions():
    assert len(QUERIES) >= 12


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, instance):
    paths, _ = replay_build(tmp_path_factory, instance)
    con = duckdb.connect(str(paths.db), read_only=True)
    yield con, paths
    con.close()


@pytest.mark.parametrize(("title", "sql", "columns"), QUERIES, ids=[q[0].split(".")[0] for q in QUERIES])
def test_query_runs_and_returns_the_documented_columns(warehouse, title, sql, columns):
    con, paths = warehouse
    # Paths in the document are relative to the repository root; the test's exports live elsewhere.
    result = con.sql(sql.replace("'exports/", f"'{paths.exports_dir}/"))
    rows = result.fetchall()
    assert result.columns == columns, title
    assert rows, f"{title}: no rows"


@pytest.mark.skipif(not DUCKDB_CLI.exists(), reason=f"the DuckDB 1.5 CLI (duckdb-cli) is not installed at {DUCKDB_CLI}")
def test_every_query_runs_in_the_duckdb_1_5_cli(warehouse):
    _, paths = warehouse
    for title, sql, columns in QUERIES:
        done = subprocess.run([str(DUCKDB_CLI), "-readonly", str(paths.db), "-csv", "-c",
                               sql.replace("'exports/", f"'{paths.exports_dir}/")],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"{title}: {done.stderr}"
        lines = done.stdout.splitlines()
        assert lines[0].split(",") == columns and len(lines) > 1, title
