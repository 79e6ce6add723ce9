"""LiteLLM price file: every key parsed or excluded with a reason, tiers, batch and service tiers."""

from datetime import datetime

import polars as pl
import pytest

from pipeline.prices.litellm import parse, usd_per_mtok
from tests.conftest import FIXTURES

OBSERVED = datetime(2026, 2, 2)


@pytest.fixture(scope="module")
def parsed():
    return parse((FIXTURES / "prices" / "litellm_quirks.json").read_bytes(), OBSERVED)


def _row(parsed, model, service="standard", tier=0) -> dict:
    rows = parsed.rows.filter((pl.col("source_model_id") == model) & (pl.col("service_tier") == service)
                              & (pl.col("context_tier_min_tokens") == tier))
    assert rows.height == 1, (model, service, tier)
    return rows.to_dicts()[0]


def test_every_key_is_parsed_or_explained(parsed):
    keys = {"sample_spec", "claude-sonnet-4-5", "gpt-5", "dashscope/qwen-flash", "text-embedding-3-small",
            "dall-e-3", "medlm-large", "github_copilot/gpt-4.1", "broken/half-priced", "broken/text-price",
            "last_updated"}
    explained = set(parsed.rejects["record_key"]) | set(parsed.rows["source_model_id"])
    assert explained == keys and parsed.entries == len(keys)


def test_exclusion_reasons(parsed):
    reasons = dict(zip(parsed.rejects["record_key"], parsed.rejects["reason"]))
    assert reasons["sample_spec"] == "format documentation entry, not a model"
    assert reasons["text-embedding-3-small"].startswith("embedding model")
    assert reasons["dall-e-3"] == "image generation: billed per image/pixel"
    assert reasons["medlm-large"] == "billed per character, not per token"
    assert reasons["github_copilot/gpt-4.1"] == "no price listed (subscription or unpriced model)"
    kinds = dict(zip(parsed.rejects["record_key"], parsed.rejects["kind"]))
    assert kinds["broken/half-priced"] == "rejected" and kinds["broken/text-price"] == "rejected"
    assert kinds["dall-e-3"] == "excluded"


def test_prices_are_converted_exactly_per_million(parsed):
    base = _row(parsed, "claude-sonnet-4-5")
    assert (base["provider"], base["input_usd_per_mtok"], base["output_usd_per_mtok"]) == ("anthropic", 3.0, 15.0)
    assert (base["cache_write_usd_per_mtok"], base["cached_input_usd_per_mtok"]) == (3.75, 0.3)
    assert base["context_length"] == 200000
    assert usd_per_mtok(2.25e-05) == 22.5 and usd_per_mtok("1.25e-07") == 0.125


def test_above_200k_keys_become_a_context_tier_row(parsed):
    tier = _row(parsed, "claude-sonnet-4-5", tier=200000)
    assert (tier["input_usd_per_mtok"], tier["output_usd_per_mtok"]) == (6.0, 22.5)
    # The 1-hour cache price is a cache lifetime, not a context tier: not read anywhere.
    assert tier["cache_write_usd_per_mtok"] is None


def test_batches_fill_batch_columns_and_priority_flex_are_their_own_rows(parsed):
    std = _row(parsed, "gpt-5")
    assert (std["input_usd_per_mtok"], std["batch_input_usd_per_mtok"], std["batch_output_usd_per_mtok"]) == (
        1.25, 0.625, 5.0)
    assert (_row(parsed, "gpt-5", "priority")["input_usd_per_mtok"], _row(parsed, "gpt-5", "priority")[
        "output_usd_per_mtok"]) == (2.5, 20.0)
    assert _row(parsed, "gpt-5", "flex")["output_usd_per_mtok"] == 5.0


def test_tiered_pricing_lists_become_context_tiers(parsed):
    assert _row(parsed, "dashscope/qwen-flash")["input_usd_per_mtok"] == pytest.approx(0.05)
    assert _row(parsed, "dashscope/qwen-flash", tier=256000)["output_usd_per_mtok"] == 2.0


def test_a_non_numeric_price_is_rejected_with_its_value(parsed):
    bad = parsed.rejects.filter(pl.col("record_key") == "broken/text-price").to_dicts()[0]
    assert (bad["field"], bad["value"]) == ("input_cost_per_token", "cheap")
    assert "broken/text-price" not in parsed.rows["source_model_id"].to_list()
