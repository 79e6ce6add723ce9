"""A small published warehouse made directly in DuckDB, for the Iceberg tests.

Four published tables shaped like the real ones (two quarterly tables a pandera model
describes, one reference table no model describes, one with every column type the export maps)
and the bookkeeping tables an export must skip. Model and provider names are made up
(`example/...`): these rows are test data, not facts. `price_factor` moves every price, so two
builds stand for two publishes.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from pipeline.core.warehouse import connect, ident

MODELS = ("example/model-a", "example/model-b", "example/model-c")
PROVIDERS = ("example-cloud", "example-direct")
PUBLISHED = ("model_prices", "models", "quality_tiers", "type_samples")
DDL = """
CREATE TABLE schema_migrations (file VARCHAR PRIMARY KEY, applied_at TIMESTAMP);
CREATE TABLE refresh_runs (run_id VARCHAR PRIMARY KEY, mode VARCHAR NOT NULL, as_of TIMESTAMP NOT NULL,
    started_at TIMESTAMP NOT NULL, published_at TIMESTAMP, quarters VARCHAR, sources VARCHAR);
CREATE TABLE models (canonical_model VARCHAR PRIMARY KEY, developer VARCHAR NOT NULL, params_b DOUBLE,
    release_date DATE, weights_open BOOLEAN NOT NULL, citation VARCHAR NOT NULL);
CREATE TABLE model_prices (quarter VARCHAR NOT NULL, provisional BOOLEAN NOT NULL, canonical_model VARCHAR NOT NULL,
    provider VARCHAR NOT NULL, source VARCHAR NOT NULL, source_model_id VARCHAR NOT NULL,
    service_tier VARCHAR NOT NULL, context_tier_min_tokens BIGINT NOT NULL, is_free BOOLEAN NOT NULL,
    input_usd_per_mtok DOUBLE, output_usd_per_mtok DOUBLE, observed_at TIMESTAMP NOT NULL,
    fetch_id VARCHAR NOT NULL, stale BOOLEAN NOT NULL, stale_reason VARCHAR, citation VARCHAR);
CREATE TABLE quality_tiers (quarter VARCHAR NOT NULL, provisional BOOLEAN NOT NULL, assumptions_hash VARCHAR NOT NULL,
    canonical_model VARCHAR NOT NULL, tier INTEGER NOT NULL, tier_label VARCHAR NOT NULL, metric VARCHAR NOT NULL,
    score DOUBLE NOT NULL, best_score DOUBLE NOT NULL, gap_to_best DOUBLE NOT NULL);
CREATE TABLE type_samples (id UTINYINT, big UBIGINT, amount DECIMAL(12, 4), seen TIMESTAMPTZ, tags VARCHAR[],
    attrs MAP(VARCHAR, INTEGER), nested STRUCT(a INTEGER, b VARCHAR), raw BLOB, day DATE);
"""


def build_warehouse(path: Path, quarters: dict[str, bool], *, price_factor: float = 1.0, run_id: str = "run-1",
                    extra_column: bool = False) -> Path:
    """Write a warehouse at `path` holding `quarters` (label → provisional); returns `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    con = connect(path)
    try:
        con.execute(DDL)
        con.execute("INSERT INTO schema_migrations VALUES ('001_core.sql', TIMESTAMP '2026-01-01 00:00:00')")
        con.execute("INSERT INTO refresh_runs VALUES (?, 'replay', ?, ?, ?, ?, 'example')",
                    [run_id, datetime(2026, 3, 1), datetime(2026, 3, 1), datetime(2026, 3, 1, 0, 5),
                     ",".join(quarters)])
        for i, model in enumerate(MODELS):
            con.execute("INSERT INTO models VALUES (?, 'example', ?, ?, ?, 'test data')",
                        [model, None if i == 2 else 7.0 * (i + 1), date(2025, 1 + i, 15), i != 1])
        for q_index, (quarter, provisional) in enumerate(quarters.items()):
            _quarter_rows(con, q_index, quarter, provisional, price_factor)
        con.execute("""INSERT INTO type_samples VALUES
            (1, 18446744073709551615, 12.3456, TIMESTAMPTZ '2026-01-02 03:04:05+00', ['a', 'b'], MAP {'x': 1},
             {'a': 1, 'b': 'one'}, 'raw'::BLOB, DATE '2026-01-02'),
            (2, NULL, NULL, NULL, [], MAP {}, NULL, NULL, NULL)""")
        if extra_column:
            con.execute("ALTER TABLE model_prices ADD COLUMN batch_input_usd_per_mtok DOUBLE")
            con.execute("UPDATE model_prices SET batch_input_usd_per_mtok = input_usd_per_mtok / 2")
    finally:
        con.close()
    return path


def _quarter_rows(con, q_index: int, quarter: str, provisional: bool, factor: float) -> None:
    observed = datetime(2025 + (q_index + 2) // 4, 1 + 3 * ((q_index + 2) % 4), 20, 12, 0, 0)
    for m_index, model in enumerate(MODELS):
        for p_index, provider in enumerate(PROVIDERS):
            price = round((1.25 + m_index + 0.5 * p_index - 0.1 * q_index) * factor, 6)
            con.execute("INSERT INTO model_prices VALUES (?, ?, ?, ?, 'example_source', ?, 'standard', 0, false, "
                        "?, ?, ?, ?, false, NULL, NULL)",
                        [quarter, provisional, model, provider, model.split("/")[1], price, price * 4, observed,
                         f"fetch-{quarter}-{p_index}"])
        score = 90.0 - 10 * m_index + q_index
        con.execute("INSERT INTO quality_tiers VALUES (?, ?, 'abcdef0123456789', ?, ?, ?, 'composite', ?, ?, ?)",
                    [quarter, provisional, model, m_index + 1,
                     ("frontier", "near-frontier", "capable small")[m_index], score, 90.0 + q_index,
                     10.0 * m_index])


def duckdb_rows(db: Path, table: str, quarter: str | None = None) -> list[dict]:
    """The rows of `table` (of one quarter), sorted, as dicts."""
    con = connect(db, read_only=True)
    try:
        where = " WHERE quarter = ?" if quarter else ""
        frame = con.sql(f"SELECT * FROM {ident(table)}{where}", params=[quarter] if quarter else None).to_arrow_table()
    finally:
        con.close()
    return _sorted(frame.to_pylist())


def iceberg_rows(iceberg_table, snapshot_id: int | None = None, quarter: str | None = None) -> list[dict]:
    """The rows of an Iceberg table at a snapshot (of one quarter), sorted, as dicts."""
    scan = iceberg_table.scan(snapshot_id=snapshot_id, row_filter=f"quarter == '{quarter}'" if quarter else "True")
    return _sorted(scan.to_arrow().to_pylist())


def _sorted(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: [(v is None, str(v)) for v in r.values()])
