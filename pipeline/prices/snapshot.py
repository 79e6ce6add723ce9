"""The quarterly `model_prices` snapshot, in SQL over the staging warehouse."""

from __future__ import annotations

import duckdb

from pipeline.core.quarters import Quarter

DELETE_QUARTER = "DELETE FROM model_prices WHERE quarter = ?"

# Per source and endpoint, the newest parsed response before the quarter's end (design.md
# step 6); every price in it, mapped to a canonical model through model_aliases.
INSERT_SNAPSHOT = """
INSERT INTO model_prices BY NAME
SELECT ?::VARCHAR AS quarter, ?::BOOLEAN AS provisional,
       a.canonical_model, o.provider, o.source, o.source_model_id, o.service_tier,
       o.context_tier_min_tokens, o.is_free,
       o.input_usd_per_mtok, o.output_usd_per_mtok, o.cached_input_usd_per_mtok,
       o.cache_write_usd_per_mtok, o.batch_input_usd_per_mtok, o.batch_output_usd_per_mtok,
       f.observed_at, f.fetch_id, f.stale, f.stale_reason
FROM snapshot_fetches('prices', ?::TIMESTAMP) AS f
JOIN price_observations AS o ON o.fetch_id = f.parsed_fetch_id
JOIN model_aliases AS a ON a.source = o.source AND a.source_model_id = o.source_model_id
QUALIFY row_number() OVER (
    PARTITION BY a.canonical_model, o.provider, o.source, o.source_model_id, o.service_tier,
                 o.context_tier_min_tokens
    ORDER BY f.observed_at DESC, f.fetch_id DESC) = 1
"""


def snapshot_model_prices(con: duckdb.DuckDBPyConnection, quarter: Quarter, provisional: bool) -> int:
    con.execute(DELETE_QUARTER, [quarter.label])
    con.execute(INSERT_SNAPSHOT, [quarter.label, provisional, quarter.end])
    return con.execute("SELECT count(*) FROM model_prices WHERE quarter = ?", [quarter.label]).fetchall()[0][0]
