"""Contract: the real public price samples in ../shared/real-sources/prices/ parse as expected."""

from datetime import datetime

import polars as pl
import pytest

from pipeline.prices import anthropic_pricing_page, google_gemini_pricing_page, litellm, lmarena_prices, openai_pricing_page
from tests.conftest import real_source

pytestmark = pytest.mark.contract


def _parse(module, name: str, observed: datetime):
    return module.parse(real_source(f"prices/{name}").read_bytes(), observed)


@pytest.fixture(scope="module")
def litellm_2025():
    return _parse(litellm, "litellm_model_prices_2025-08-05.json", datetime(2025, 8, 5))


@pytest.fixture(scope="module")
def litellm_2026():
    return _parse(litellm, "litellm_model_prices_2026-02-02.json", datetime(2026, 2, 2))


@pytest.fixture(scope="module")
def anthropic():
    return _parse(anthropic_pricing_page, "anthropic_com_pricing_page_2025-11-13.html", datetime(2025, 11, 13))


def _reasons(parsed) -> dict[str, int]:
    counts = parsed.rejects.group_by("kind", "reason").len()
    return {f"{k}: {r}": n for k, r, n in counts.iter_rows()}


def _one(parsed, model, service="standard", tier=0) -> dict:
    rows = parsed.rows.filter((pl.col("source_model_id") == model) & (pl.col("service_tier") == service)
                              & (pl.col("context_tier_min_tokens") == tier))
    assert rows.height == 1, (model, service, tier)
    return rows.to_dicts()[0]


def test_litellm_2025_every_key_parsed_or_excluded(litellm_2025):
    p = litellm_2025
    assert p.entries == 1258 and p.rows["source_model_id"].n_unique() == 972 and p.rows.height == 1023
    assert p.rejects.filter(pl.col("kind") == "rejected").height == 0
    assert _reasons(p) == {
        "excluded: image generation: billed per image/pixel": 66,
        "excluded: embedding model: input-only pricing, no generation (out of scope)": 62,
        "excluded: audio transcription: billed per second of audio": 49,
        "excluded: no price listed (subscription or unpriced model)": 40,
        "excluded: billed per second, not per token": 36,
        "excluded: reranker: billed per query (out of scope)": 13,
        "excluded: text to speech: billed per character/second": 7,
        "excluded: moderation endpoint: not a generation price": 6,
        "excluded: billed per character, not per token": 5,
        "excluded: format documentation entry, not a model": 1,
        "excluded: mirror timestamp, not a model": 1,
    }
    tiers = p.rows.group_by("context_tier_min_tokens").len().sort("context_tier_min_tokens").rows()
    assert tiers == [(0, 972), (128000, 38), (200000, 13)]
    gpt4o = _one(p, "gpt-4o")
    assert (gpt4o["input_usd_per_mtok"], gpt4o["output_usd_per_mtok"], gpt4o["batch_input_usd_per_mtok"]) == (2.5, 10.0, 1.25)
    pro = _one(p, "gemini/gemini-2.5-pro", tier=200000)
    assert (pro["provider"], pro["input_usd_per_mtok"], pro["output_usd_per_mtok"]) == ("gemini", 2.5, 15.0)


def test_litellm_2026_tiers_priority_and_flex(litellm_2026):
    p = litellm_2026
    assert p.entries == 2472 and p.rows["source_model_id"].n_unique() == 1900 and p.rows.height == 2046
    assert p.rejects.filter(pl.col("kind") == "rejected").height == 0
    reasons = _reasons(p)
    assert reasons["excluded: image generation: billed per image/pixel"] == 179
    assert reasons["excluded: embedding model: input-only pricing, no generation (out of scope)"] == 102
    assert reasons["excluded: no price listed (subscription or unpriced model)"] == 74
    assert reasons["excluded: video generation: billed per second"] == 24
    assert sum(reasons.values()) == 2472 - 1900
    kinds = dict(p.rows.group_by("service_tier").len().rows())
    assert kinds == {"standard": 2009, "priority": 29, "flex": 8}
    assert _one(p, "gpt-5", "priority")["output_usd_per_mtok"] == 20.0
    assert _one(p, "gpt-5", "flex")["input_usd_per_mtok"] == 0.625
    assert _one(p, "dashscope/qwen-flash", tier=256000)["input_usd_per_mtok"] == 0.25


def test_anthropic_page_sonnet_45(anthropic):
    base, long = _one(anthropic, "Sonnet 4.5"), _one(anthropic, "Sonnet 4.5", tier=200000)
    assert (base["input_usd_per_mtok"], base["output_usd_per_mtok"]) == (3.0, 15.0)
    assert (long["input_usd_per_mtok"], long["output_usd_per_mtok"]) == (6.0, 22.5)
    assert (base["cache_write_usd_per_mtok"], base["cached_input_usd_per_mtok"]) == (3.75, 0.3)
    assert (base["batch_input_usd_per_mtok"], base["batch_output_usd_per_mtok"]) == (1.5, 7.5)
    assert anthropic.rows.height == 10 and anthropic.entries == 9 and anthropic.rejects.height == 0
    assert _one(anthropic, "Haiku 3.5")["input_usd_per_mtok"] == 0.8


def test_anthropic_page_agrees_with_litellm_2026(anthropic, litellm_2026):
    columns = ["input_usd_per_mtok", "output_usd_per_mtok", "cache_write_usd_per_mtok", "cached_input_usd_per_mtok"]
    for tier in (0, 200000):
        page, lite = _one(anthropic, "Sonnet 4.5", tier=tier), _one(litellm_2026, "claude-sonnet-4-5", tier=tier)
        assert lite["provider"] == "anthropic"
        assert [page[c] for c in columns] == pytest.approx([lite[c] for c in columns])


def test_openai_trimmed_page():
    p = _parse(openai_pricing_page, "TRIMMED_FIXTURE_openai_pricing_chigwell.html", datetime(2026, 6, 12))
    assert p.rows["source_model_id"].to_list() == ["gpt-5.3-codex", "gpt-5.4", "gpt-5.4-mini", "gpt-5.5"]
    gpt55 = _one(p, "gpt-5.5")
    assert (gpt55["input_usd_per_mtok"], gpt55["cached_input_usd_per_mtok"], gpt55["output_usd_per_mtok"]) == (5.0, 0.5, 30.0)
    assert p.rejects["kind"].to_list() == ["excluded", "excluded"]  # gpt-image-2 Image/Text rows


def test_gemini_trimmed_page():
    p = _parse(google_gemini_pricing_page, "TRIMMED_FIXTURE_google_gemini_pricing_chigwell.html", datetime(2026, 6, 12))
    base, long = _one(p, "gemini-2.5-pro"), _one(p, "gemini-2.5-pro", tier=200000)
    assert (base["input_usd_per_mtok"], base["output_usd_per_mtok"], base["cached_input_usd_per_mtok"]) == (1.25, 10.0, 0.31)
    assert (long["input_usd_per_mtok"], long["output_usd_per_mtok"], long["cached_input_usd_per_mtok"]) == (2.5, 15.0, 0.625)


def test_lmarena_price_file():
    p = _parse(lmarena_prices, "lmarena_scatterplot-data_2025-12-17.json", datetime(2025, 12, 17))
    assert (p.entries, p.rows.height) == (141, 137)
    assert _reasons(p) == {"excluded: no price listed (model not sold through an API yet)": 3,
                           "rejected: no price_source to tell who charges this price": 1}
    sonnet = _one(p, "claude-sonnet-4-5-20250929")
    assert (sonnet["provider"], sonnet["input_usd_per_mtok"], sonnet["output_usd_per_mtok"]) == ("anthropic", 3.0, 15.0)
    assert _one(p, "llama-3.1-405b-instruct-fp8")["provider"] == "together_ai"
