"""Wider identity resolution does not let a bad price through: the prices family's row guards run
on the parsed rows, before any id is mapped, so a mapped id is quarantined all the same."""

import json
from datetime import datetime

import polars as pl

from pipeline.core.family import GuardContext
from pipeline.core.validate import validate
from pipeline.identity.adapters import aliases_table, ids_from_rows
from pipeline.identity.registry import build_registry
from pipeline.identity.resolve import resolve
from pipeline.prices import FAMILY
from pipeline.prices import litellm
from pipeline.prices.rows import PRICE_ROW_SCHEMA
from tests.support.identity_fixtures import curated_aliases, curated_models, openrouter_entries

# $71,000 per 1M tokens: a price per 1K tokens entered in the per-token field, the slip the cap catches.
BODY = json.dumps({
    "gpt-4o": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 0.071,
               "output_cost_per_token": 0.00001, "max_input_tokens": 128000},
    "bedrock/us-east-1/meta.llama3-3-70b-instruct-v1:0": {
        "litellm_provider": "bedrock", "mode": "chat", "input_cost_per_token": 7.2e-07,
        "output_cost_per_token": 7.2e-07},
}).encode()


def test_a_mapped_id_priced_at_71000_per_mtok_is_still_quarantined():
    parsed = litellm.parse(BODY, datetime(2026, 2, 2))
    assert parsed.rows.filter(pl.col("source_model_id") == "gpt-4o")["input_usd_per_mtok"].to_list() == [71000.0]

    # The id now maps (OpenAI's own API name, read by the vendor naming rule)…
    aliases = curated_aliases()
    registry = build_registry(openrouter_entries(), curated_models(), {"litellm": ids_from_rows(parsed.rows)},
                              aliases)
    mapped = aliases_table(resolve("litellm", ids_from_rows(parsed.rows), registry, aliases))
    assert dict(mapped.select("source_model_id", "canonical_model").iter_rows()) == {
        "gpt-4o": "openai/gpt-4o",
        "bedrock/us-east-1/meta.llama3-3-70b-instruct-v1:0": "meta-llama/llama-3.3-70b-instruct"}

    # …and the prices family's guards still hold its row back, with the rule and the value.
    checked = validate(FAMILY, parsed.rows, GuardContext("litellm", pl.DataFrame(schema=PRICE_ROW_SCHEMA)))
    held = checked.quarantined.select("source_model_id", "rule").rows()
    assert held == [("gpt-4o", "price_above_cap")]
    assert "input_usd_per_mtok=71000.0" in checked.quarantined["detail"][0]
    assert checked.clean["source_model_id"].to_list() == ["bedrock/us-east-1/meta.llama3-3-70b-instruct-v1:0"]
