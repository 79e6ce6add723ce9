"""`ledger ingest litellm FILE --observed-at D` on LiteLLM's two real price files, then the query of
docs/prices.md lists the prices that changed between them."""

from datetime import datetime

import duckdb
import pytest

from pipeline.app.summary import render
from tests.conftest import real_source, refresh

pytestmark = pytest.mark.integration
FILES = {"2025-08-05": "prices/litellm_model_prices_2025-08-05.json",
         "2026-02-02": "prices/litellm_model_prices_2026-02-02.json"}
CHANGES = """
WITH ingested AS (SELECT fetch_id FROM raw_fetch WHERE source = 'litellm' AND mode = 'file'),
     a AS (SELECT * FROM price_observations WHERE fetch_id IN (SELECT fetch_id FROM ingested)
           AND observed_at = TIMESTAMP '2025-08-05'),
     b AS (SELECT * FROM price_observations WHERE fetch_id IN (SELECT fetch_id FROM ingested)
           AND observed_at = TIMESTAMP '2026-02-02')
SELECT b.provider, b.source_model_id, a.input_usd_per_mtok, b.input_usd_per_mtok,
       a.output_usd_per_mtok, b.output_usd_per_mtok
FROM a JOIN b USING (provider, source_model_id, service_tier, context_tier_min_tokens)
WHERE a.input_usd_per_mtok IS DISTINCT FROM b.input_usd_per_mtok
   OR a.output_usd_per_mtok IS DISTINCT FROM b.output_usd_per_mtok
   OR a.cached_input_usd_per_mtok IS DISTINCT FROM b.cached_input_usd_per_mtok
"""


def test_two_ingested_litellm_versions_show_their_price_changes(ledger_paths, instance):
    for day, sample in FILES.items():
        report = refresh(ledger_paths, instance, mode="file", only=["litellm"], ingest_file=real_source(sample),
                         ingest_observed_at=datetime.fromisoformat(day))
        assert report.published, render(report)
    con = duckdb.connect(str(ledger_paths.db), read_only=True)
    rows = con.execute(CHANGES).fetchall()
    assert len(rows) == 62  # price rows (any tier, any service tier) that moved between the two files
    changes = {(r[0], r[1]): r[2:] for r in rows}
    # DeepSeek's September 2025 repricing and an older OpenAI cut, as the two files state them.
    assert changes[("deepseek", "deepseek/deepseek-chat")] == (0.27, 0.28, 1.1, 0.42)
    assert changes[("deepseek", "deepseek/deepseek-reasoner")] == (0.55, 0.28, 2.19, 0.42)
    assert changes[("openai", "gpt-3.5-turbo")] == (1.5, 0.5, 2.0, 1.5)
    modes = {r[0] for r in con.execute("SELECT DISTINCT mode FROM raw_fetch WHERE source = 'litellm'").fetchall()}
    assert modes == {"file"}
