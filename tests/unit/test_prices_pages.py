"""Pricing pages: Anthropic cards, OpenAI astro-island props (tiers!), Gemini tables and prose."""

from datetime import datetime

import polars as pl
import pytest

from pipeline.core.sources import SourceFormatError
from pipeline.prices import anthropic_pricing_page, google_gemini_pricing_page, openai_pricing_page
from tests.conftest import FIXTURES

OBSERVED = datetime(2026, 5, 1)


def _read(name: str) -> bytes:
    return (FIXTURES / "prices" / name).read_bytes()


def _prices(parsed, model, service="standard", tier=0) -> dict:
    rows = parsed.rows.filter((pl.col("source_model_id") == model) & (pl.col("service_tier") == service)
                              & (pl.col("context_tier_min_tokens") == tier))
    assert rows.height == 1, (model, service, tier)
    return rows.to_dicts()[0]


def test_anthropic_cards_read_data_values_tiers_cache_and_stated_batch_discount():
    parsed = anthropic_pricing_page.parse(_read("anthropic_cards.html"), OBSERVED)
    base, long = _prices(parsed, "Sonnet 4.5"), _prices(parsed, "Sonnet 4.5", tier=200000)
    assert (base["input_usd_per_mtok"], base["output_usd_per_mtok"]) == (3.0, 15.0)
    assert (base["cache_write_usd_per_mtok"], base["cached_input_usd_per_mtok"]) == (3.75, 0.3)
    assert (base["batch_input_usd_per_mtok"], base["batch_output_usd_per_mtok"]) == (1.5, 7.5)
    assert (long["input_usd_per_mtok"], long["output_usd_per_mtok"]) == (6.0, 22.5)
    reasons = dict(zip(parsed.rejects["record_key"], parsed.rejects["reason"]))
    assert reasons["Haiku 3"] == "card without an input and an output price"
    assert reasons["Claude Max"].startswith("card without per-token prices")


def test_anthropic_page_without_cards_fails_as_a_whole():
    with pytest.raises(SourceFormatError, match="no pricing cards"):
        anthropic_pricing_page.parse(b"<html><body><h1>Pricing</h1></body></html>", OBSERVED)


def test_openai_priority_table_first_is_not_read_as_standard():
    """The known scraping mistake: the first table on the page is Priority, not Standard."""
    parsed = openai_pricing_page.parse(_read("openai_priority_first.html"), OBSERVED)
    std, prio = _prices(parsed, "gpt-5.2"), _prices(parsed, "gpt-5.2", "priority")
    assert (std["input_usd_per_mtok"], std["output_usd_per_mtok"]) == (1.75, 14.0)
    assert (prio["input_usd_per_mtok"], prio["output_usd_per_mtok"]) == (3.5, 28.0)
    assert _prices(parsed, "gpt-5.2", "flex")["output_usd_per_mtok"] == 7.0
    gpt4o = _prices(parsed, "gpt-4o")
    assert (gpt4o["input_usd_per_mtok"], gpt4o["batch_input_usd_per_mtok"], gpt4o["batch_output_usd_per_mtok"]) == (
        2.5, 1.25, 5.0)
    assert _prices(parsed, "gpt-5.5", tier=272000)["input_usd_per_mtok"] == 10.0
    assert _prices(parsed, "gpt-5.5")["input_usd_per_mtok"] == 5.0
    assert set(parsed.rows["service_tier"]) == {"standard", "priority", "flex"}


def test_openai_unlabelled_tables_are_rejected_not_guessed():
    parsed = openai_pricing_page.parse(_read("openai_unlabelled_tiers.html"), OBSERVED)
    assert parsed.rows.height == 0
    assert parsed.rejects["reason"].str.contains("not labelled").all() and parsed.rejects.height == 2


def test_openai_astro_props_decoding():
    assert openai_pricing_page.decode([1, [[0, "a"], [0, {"k": [0, 2.5]}]]]) == ["a", {"k": 2.5}]


def test_gemini_tables_paid_tier_context_tiers_and_batch():
    parsed = google_gemini_pricing_page.parse(_read("gemini_tables.html"), OBSERVED)
    base, long = _prices(parsed, "gemini-2.5-pro"), _prices(parsed, "gemini-2.5-pro", tier=200000)
    assert (base["provider"], base["input_usd_per_mtok"], base["output_usd_per_mtok"]) == ("gemini", 1.25, 10.0)
    assert base["cached_input_usd_per_mtok"] == 0.125  # not the $4.50/hour storage fee
    assert (base["batch_input_usd_per_mtok"], base["batch_output_usd_per_mtok"]) == (0.625, 5.0)
    assert (long["input_usd_per_mtok"], long["output_usd_per_mtok"], long["cached_input_usd_per_mtok"]) == (
        2.5, 15.0, 0.25)
    flash = _prices(parsed, "gemini-2.5-flash-preview-05-20")
    assert (flash["input_usd_per_mtok"], flash["output_usd_per_mtok"]) == (0.15, 0.6)  # text, non-thinking
    reasons = dict(zip(parsed.rejects["record_key"], parsed.rejects["reason"]))
    assert reasons["gemini-embedding-001"].startswith("no output price")
    assert reasons["Grounding with Google Search"].startswith("section without")
