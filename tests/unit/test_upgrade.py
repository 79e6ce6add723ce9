"""A warehouse written before observations were versions opens as versions, nothing lost."""

from __future__ import annotations

from datetime import datetime

from pipeline.core.paths import Paths
from pipeline.core.warehouse import Staging, connect

OLD_PRICES = """CREATE TABLE price_observations (
    source VARCHAR NOT NULL, fetch_id VARCHAR NOT NULL, observed_at TIMESTAMP NOT NULL, provider VARCHAR NOT NULL,
    source_model_id VARCHAR NOT NULL, service_tier VARCHAR NOT NULL, context_tier_min_tokens BIGINT NOT NULL,
    is_free BOOLEAN NOT NULL, input_usd_per_mtok DOUBLE, output_usd_per_mtok DOUBLE,
    cached_input_usd_per_mtok DOUBLE, cache_write_usd_per_mtok DOUBLE, batch_input_usd_per_mtok DOUBLE,
    batch_output_usd_per_mtok DOUBLE, display_name VARCHAR, context_length BIGINT, citation VARCHAR,
    PRIMARY KEY (source, provider, source_model_id, service_tier, context_tier_min_tokens, fetch_id))"""
OLD_FETCHES = """CREATE TABLE raw_fetch (fetch_id VARCHAR PRIMARY KEY, source VARCHAR NOT NULL, family VARCHAR NOT NULL,
    url VARCHAR NOT NULL, endpoint VARCHAR NOT NULL, requested_at TIMESTAMP NOT NULL, observed_at TIMESTAMP NOT NULL,
    status INTEGER, sha256 VARCHAR, bytes BIGINT, content_type VARCHAR, mode VARCHAR NOT NULL, error VARCHAR,
    etag VARCHAR, last_modified VARCHAR, attempts INTEGER, elapsed_ms BIGINT, stale BOOLEAN NOT NULL DEFAULT false,
    stale_reason VARCHAR, reused_fetch_id VARCHAR, group_id VARCHAR NOT NULL, page INTEGER NOT NULL DEFAULT 0,
    run_id VARCHAR NOT NULL, parser_version VARCHAR, parsed_fetch_id VARCHAR)"""
URL = "https://openrouter.ai/api/v1/models"
DAYS = [datetime(2025, 5, 1), datetime(2025, 8, 1), datetime(2025, 11, 1)]


def test_old_observations_become_one_version_per_change(tmp_path):
    paths = Paths(tmp_path / "warehouse", tmp_path / "exports")
    paths.warehouse_dir.mkdir()
    con = connect(paths.db)
    con.execute(OLD_PRICES)
    con.execute(OLD_FETCHES)
    # Three responses: the second the same bytes as the first (not parsed again), the third a cut.
    for fid, day, parsed in (("f1", DAYS[0], "f1"), ("f2", DAYS[1], "f1"), ("f3", DAYS[2], "f3")):
        con.execute("INSERT INTO raw_fetch (fetch_id, source, family, url, endpoint, requested_at, observed_at, mode, "
                    "group_id, run_id, parsed_fetch_id) VALUES (?, 'openrouter', 'prices', ?, ?, ?, ?, 'live', ?, 'r', ?)",
                    [fid, URL, URL, day, day, fid, parsed])
    for fid, day, price in (("f1", DAYS[0], 10.0), ("f3", DAYS[2], 2.0)):
        con.execute("INSERT INTO price_observations (source, fetch_id, observed_at, provider, source_model_id, "
                    "service_tier, context_tier_min_tokens, is_free, input_usd_per_mtok) "
                    "VALUES ('openrouter', ?, ?, 'openrouter', 'openai/o3', 'standard', 0, false, ?)", [fid, day, price])
    con.close()

    staging = Staging(paths, "upgrade")
    upgraded = staging.open()
    try:
        rows = upgraded.execute("SELECT source_model_id, input_usd_per_mtok, endpoint, valid_from, valid_to, fetch_id "
                                "FROM price_observations ORDER BY valid_from").fetchall()
        tables = {r[0] for r in upgraded.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    finally:
        staging.close()
    assert rows == [("openai/o3", 10.0, URL, DAYS[0], DAYS[2], "f1"), ("openai/o3", 2.0, URL, DAYS[2], None, "f3")]
    assert not any(t.endswith("_before_versions") for t in tables)
