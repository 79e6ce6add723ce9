"""`benchmark_scores` joins the mapped ids of `model_aliases` only, and where several of a board's
names map to one model keeps one row: the undated name, else the newest dated snapshot; then the
best score; its variant, quantization and snapshot say which name it is."""

from datetime import date, datetime

import duckdb
import pytest

from pipeline.benchmarks.snapshot import snapshot_benchmark_scores
from pipeline.core.quarters import Quarter
from pipeline.core.warehouse import apply_ddl

T = datetime(2026, 8, 19)
Q = Quarter(2026, 3)
BOARD = "https://arena.test/board.json"
FETCH = """INSERT INTO raw_fetch (fetch_id, source, family, url, endpoint, requested_at, observed_at, mode, group_id,
    run_id, parsed_fetch_id, page) VALUES ('f-1', 'lmarena', 'benchmarks', ?, ?, ?, ?, 'file', 'f-1', 'r', 'f-1', 0)"""
SCORE = """INSERT INTO benchmark_observations (source, fetch_id, observed_at, endpoint, valid_from, source_model_id,
    source_benchmark, raw_score, raw_unit, score) VALUES ('lmarena', 'f-1', ?, ?, ?, ?, 'text', ?, 'elo', ?)"""
ALIAS = """INSERT INTO model_aliases (source, source_model_id, canonical_model, status, rule, variant, snapshot,
    current_rows) VALUES ('lmarena', ?, ?, ?, 'x', ?, ?, 1)"""
# name, canonical, status, variant, snapshot, score
NAMES = [
    # Two dated snapshots of one model: the newer stands for it although the older scores higher.
    ("claude-x-20240620", "anthropic/claude-x", "mapped", None, date(2024, 6, 20), 80.0),
    ("claude-x-20241022", "anthropic/claude-x", "mapped", None, date(2024, 10, 22), 78.0),
    ("claude-x-20241022-thinking-32k", "anthropic/claude-x", "mapped", "thinking:32k", date(2024, 10, 22), 79.0),
    # An undated name beside a dated one: the undated name stands for the model.
    ("o9", "openai/o9", "mapped", None, None, 70.0),
    ("o9-2025-04-16", "openai/o9", "mapped", None, date(2025, 4, 16), 75.0),
    # Undated names only: the best score (the model at its best setting).
    ("gpt-z", "openai/gpt-z", "mapped", None, None, 60.0),
    ("gpt-z-high", "openai/gpt-z", "mapped", "effort:high", None, 66.0),
    # Not mapped: no score, whatever its alias row says.
    ("mystery-tune", None, "unmapped", None, None, 90.0),
]


@pytest.fixture
def con():
    c = duckdb.connect()
    apply_ddl(c)
    c.execute("INSERT INTO benchmarks VALUES ('arena_text', 'Arena text', 'elo', true, true, 'arena', 1, 'c')")
    c.execute("INSERT INTO benchmark_names VALUES ('lmarena', 'text', 'arena_text')")
    c.execute(FETCH, [BOARD, BOARD, T, T])
    for name, canonical, status, variant, snap, score in NAMES:
        c.execute(SCORE, [T, BOARD, T, name, 1000 + score, score])
        c.execute(ALIAS, [name, canonical, status, variant, snap])
    yield c
    c.close()


def test_one_row_per_model_by_snapshot_then_score(con):
    snapshot_benchmark_scores(con, Q, provisional=False)
    rows = con.execute("SELECT canonical_model, source_model_id, variant, snapshot, score FROM benchmark_scores "
                       "WHERE quarter = ? ORDER BY canonical_model", [Q.label]).fetchall()
    assert rows == [
        ("anthropic/claude-x", "claude-x-20241022-thinking-32k", "thinking:32k", date(2024, 10, 22), 79.0),
        ("openai/gpt-z", "gpt-z-high", "effort:high", None, 66.0),
        ("openai/o9", "o9", None, None, 70.0),
    ]


def test_scores_asof_lists_every_mapped_name_with_its_markers(con):
    rows = con.execute("SELECT source_model_id, canonical_model, variant, snapshot FROM scores_asof(DATE '2026-08-19') "
                       "ORDER BY source_model_id").fetchall()
    assert len(rows) == 7 and ("mystery-tune", None, None, None) not in rows
    assert ("claude-x-20240620", "anthropic/claude-x", None, date(2024, 6, 20)) in rows
