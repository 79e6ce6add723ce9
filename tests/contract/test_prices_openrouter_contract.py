"""OpenRouter's real /api/v1/models response (2026-08-19, 414 models) through the parser."""

import json
from datetime import datetime

import polars as pl
import pytest

from pipeline.prices import FAMILY
from pipeline.prices.openrouter import parse
from pipeline.core.validate import schema_failures
from tests.conftest import real_source

SAMPLE = "prices/openrouter_api_v1_models_2026-08-19.json"


@pytest.fixture(scope="module")
def raw():
    return real_source(SAMPLE).read_bytes()


@pytest.fixture(scope="module")
def parsed(raw):
    return parse(raw, datetime(2026, 8, 19))


def price(parsed, model_id, tier=0):
    r = parsed.rows.filter((pl.col("source_model_id") == model_id) & (pl.col("context_tier_min_tokens") == tier))
    assert r.height == 1
    return r.row(0, named=True)


def test_counts(raw, parsed):
    doc = json.loads(raw)
    assert len(doc["data"]) == 414 and parsed.entries == 414
    base = parsed.rows.filter(pl.col("context_tier_min_tokens") == 0)
    assert base.height == 409  # 414 models less the 5 "-1" routers
    tier_overrides = sum(1 for m in doc["data"] for o in m["pricing"].get("overrides", []) if "min_prompt_tokens" in o)
    assert tier_overrides == 64
    assert parsed.rows.height == 409 + 64
    assert parsed.rows.filter(pl.col("is_free")).height == 17
    assert schema_failures(FAMILY.schema, parsed.rows).height == 0


def test_specific_converted_prices(parsed):
    assert (price(parsed, "openai/gpt-4o")["input_usd_per_mtok"], price(parsed, "openai/gpt-4o")["output_usd_per_mtok"]) == (2.5, 10.0)
    mini = price(parsed, "openai/gpt-4o-mini")
    assert (mini["input_usd_per_mtok"], mini["output_usd_per_mtok"], mini["cached_input_usd_per_mtok"]) == (0.15, 0.6, 0.075)
    opus = price(parsed, "anthropic/claude-opus-4")
    assert (opus["input_usd_per_mtok"], opus["output_usd_per_mtok"]) == (15.0, 75.0)
    assert (opus["cached_input_usd_per_mtok"], opus["cache_write_usd_per_mtok"]) == (1.5, 18.75)
    assert price(parsed, "meta-llama/llama-3.1-70b-instruct")["output_usd_per_mtok"] == 0.4


def test_context_tier_rows(parsed):
    sonnet = price(parsed, "anthropic/claude-sonnet-4.5", tier=200000)
    assert (sonnet["input_usd_per_mtok"], sonnet["output_usd_per_mtok"]) == (6.0, 22.5)
    assert (sonnet["cached_input_usd_per_mtok"], sonnet["cache_write_usd_per_mtok"]) == (0.6, 7.5)
    gemini = price(parsed, "google/gemini-2.5-pro", tier=200000)
    assert (gemini["input_usd_per_mtok"], gemini["output_usd_per_mtok"]) == (2.5, 15.0)
    tiers = parsed.rows.group_by("context_tier_min_tokens").len().sort("context_tier_min_tokens")
    assert dict(tiers.iter_rows()) == {0: 409, 32000: 5, 128000: 10, 200000: 18, 256000: 9, 272000: 22}


def test_rejects(parsed):
    rejects = parsed.rejects
    sentinels = rejects.filter(pl.col("reason").str.contains("sentinel -1"))
    assert sorted(sentinels["record_key"]) == ["openrouter/auto", "openrouter/auto-beta", "openrouter/bodybuilder",
                                              "openrouter/fusion", "openrouter/pareto-code"]
    time_of_day = rejects.filter(pl.col("reason").str.contains("not a context tier"))
    assert time_of_day.height == 8 and time_of_day["record_key"].n_unique() == 2
    assert "deepseek/deepseek-v4-pro-0813" in time_of_day["record_key"].to_list()
    assert rejects.height == 13
