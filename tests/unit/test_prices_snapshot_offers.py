"""`model_prices` joins the mapped ids of `model_aliases` only and keeps each offer apart: a variant,
a quantised serving or a dated snapshot is a row of its own, a curated price replaces only the
model's own undated row, and discrepancies compare only the same offer."""

from datetime import date, datetime

import duckdb
import pytest

from pipeline.core.quarters import Quarter
from pipeline.core.warehouse import apply_ddl, query
from pipeline.prices.snapshot import record_discrepancies, snapshot_model_prices

T = datetime(2026, 8, 19)
Q = Quarter(2026, 3)
FETCH = """INSERT INTO raw_fetch (fetch_id, source, family, url, endpoint, requested_at, observed_at, mode, group_id,
    run_id, parsed_fetch_id, page) VALUES (?, ?, 'prices', ?, ?, ?, ?, ?, ?, 'r', ?, 0)"""
PRICE = """INSERT INTO price_observations (source, fetch_id, observed_at, endpoint, valid_from, provider,
    source_model_id, service_tier, context_tier_min_tokens, is_free, input_usd_per_mtok, output_usd_per_mtok, citation)
    VALUES (?, ?, ?, ?, ?, ?, ?, 'standard', 0, ?, ?, ?, ?)"""
ALIAS = """INSERT INTO model_aliases (source, source_model_id, canonical_model, status, rule, variant, quantization,
    snapshot, current_rows) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)"""


def _response(con, source, endpoint, rows, at=T, curated=False):
    fetch = f"f-{source}"
    con.execute(FETCH, [fetch, source, endpoint, endpoint, at, at, "file", fetch, fetch])
    for provider, model_id, i, o, *cite in rows:
        con.execute(PRICE, [source, fetch, at, endpoint, at, provider, model_id, model_id.endswith(":free"), i, o,
                            cite[0] if cite else None])


@pytest.fixture
def con():
    c = duckdb.connect()
    apply_ddl(c)
    _response(c, "litellm", "https://litellm.test/p.json", [
        ("openai", "gpt-4o", 2.5, 10.0), ("openai", "gpt-4o-2024-05-13", 5.0, 15.0),
        ("openai", "ft:gpt-4o-2024-08-06", 3.75, 15.0), ("together_ai", "together_ai/acme/widget-1-fp8", 0.2, 0.2),
        ("together_ai", "together_ai/acme/widget-1", 0.3, 0.3), ("together_ai", "together_ai/acme/mystery", 1, 1),
        ("ollama", "ollama/llama3", 0.0, 0.0)])
    _response(c, "openai_pricing_page", "https://openai.test/pricing", [("openai", "gpt-4o", 2.5, 11.0)])
    _response(c, "openrouter", "https://openrouter.test/models", [
        ("openrouter", "acme/widget-1", 0.3, 0.3), ("openrouter", "acme/widget-1:free", 0.0, 0.0)])
    _response(c, "curated_prices", "curated:prices.csv", [("openai", "openai/gpt-4o", 2.0, 8.0, "https://x.test/c")],
              at=datetime(2026, 7, 1))
    for row in [("litellm", "gpt-4o", "openai/gpt-4o", "mapped", "vendor_naming", None, None, None),
                ("litellm", "gpt-4o-2024-05-13", "openai/gpt-4o", "mapped", "vendor_naming", None, None,
                 date(2024, 5, 13)),
                ("litellm", "ft:gpt-4o-2024-08-06", "openai/gpt-4o", "mapped", "vendor_naming", "fine-tuned", None,
                 date(2024, 8, 6)),
                ("litellm", "together_ai/acme/widget-1-fp8", "acme/widget-1", "mapped", "vendor_naming", None, "fp8",
                 None),
                ("litellm", "together_ai/acme/widget-1", "acme/widget-1", "mapped", "vendor_naming", None, None, None),
                ("litellm", "together_ai/acme/mystery", None, "unmapped", "unmapped", None, None, None),
                ("litellm", "ollama/llama3", None, "excluded", "local_runtime", None, None, None),
                ("openai_pricing_page", "gpt-4o", "openai/gpt-4o", "mapped", "curated_alias", None, None, None),
                ("openrouter", "acme/widget-1", "acme/widget-1", "mapped", "openrouter_id", None, None, None),
                ("openrouter", "acme/widget-1:free", "acme/widget-1", "mapped", "openrouter_id", "free", None, None),
                ("curated_prices", "openai/gpt-4o", "openai/gpt-4o", "mapped", "curated_id", None, None, None)]:
        c.execute(ALIAS, list(row))
    yield c
    c.close()


def _rows(con):
    snapshot_model_prices(con, Q, provisional=False)
    return {(r[0], r[1]): r[2:] for r in con.execute(
        "SELECT source, source_model_id, canonical_model, provider, variant, quantization, snapshot, "
        "input_usd_per_mtok FROM model_prices WHERE quarter = ? ORDER BY ALL", [Q.label]).fetchall()}


def test_only_mapped_ids_are_priced_and_each_offer_keeps_its_markers(con):
    rows = _rows(con)
    assert rows == {
        ("curated_prices", "openai/gpt-4o"): ("openai/gpt-4o", "openai", None, None, None, 2.0),
        ("litellm", "ft:gpt-4o-2024-08-06"): ("openai/gpt-4o", "openai", "fine-tuned", None, date(2024, 8, 6), 3.75),
        ("litellm", "gpt-4o-2024-05-13"): ("openai/gpt-4o", "openai", None, None, date(2024, 5, 13), 5.0),
        ("litellm", "together_ai/acme/widget-1"): ("acme/widget-1", "together_ai", None, None, None, 0.3),
        ("litellm", "together_ai/acme/widget-1-fp8"): ("acme/widget-1", "together_ai", None, "fp8", None, 0.2),
        ("openrouter", "acme/widget-1"): ("acme/widget-1", "openrouter", None, None, None, 0.3),
        ("openrouter", "acme/widget-1:free"): ("acme/widget-1", "openrouter", "free", None, None, 0.0),
    }
    # Unmapped and excluded ids are not priced; the curated row replaced the fetched undated gpt-4o rows
    # (LiteLLM's and the page's) and nothing else.
    assert ("litellm", "together_ai/acme/mystery") not in rows and ("litellm", "ollama/llama3") not in rows
    assert ("litellm", "gpt-4o") not in rows and ("openai_pricing_page", "gpt-4o") not in rows


def test_discrepancies_compare_the_same_offer_only(con):
    con.execute("DELETE FROM price_observations WHERE source = 'curated_prices'")
    _rows(con)
    found = record_discrepancies(con, [Q])
    # LiteLLM's gpt-4o (10.0 out) against the page's (11.0): 10 % apart, both the undated model.
    # The dated snapshot (5.0 in), the fine-tune and the fp8 serving are other offers: never compared.
    assert found.select("canonical_model", "price_column", "source_a", "source_model_id_a", "value_a", "source_b",
                        "value_b", "variant", "quantization", "snapshot").rows() == [
        ("openai/gpt-4o", "output_usd_per_mtok", "litellm", "gpt-4o", 10.0, "openai_pricing_page", 11.0, None, None,
         None)]


def test_a_warehouse_without_aliases_prices_nothing_fetched(con):
    con.execute("DELETE FROM model_aliases")
    assert set(_rows(con)) == {("curated_prices", "openai/gpt-4o")}
    assert query(con, "SELECT count(*) AS n FROM model_prices")["n"][0] == 1
