"""OpenRouter parser on a hand-made response showing each quirk the module docstring names."""

from datetime import datetime

import polars as pl
import pytest

from pipeline.prices import FAMILY
from pipeline.prices.openrouter import parse, usd_per_mtok
from pipeline.core.sources import SourceFormatError
from pipeline.core.validate import schema_failures
from tests.conftest import FIXTURES

OBSERVED = datetime(2026, 10, 1)


@pytest.fixture(scope="module")
def parsed():
    return parse((FIXTURES / "prices" / "openrouter_models.json").read_bytes(), OBSERVED)


def row(parsed, model_id, tier=0):
    rows = parsed.rows.filter((pl.col("source_model_id") == model_id) & (pl.col("context_tier_min_tokens") == tier))
    assert rows.height == 1, f"{model_id} tier {tier}: {rows.height} rows"
    return rows.row(0, named=True)


def reasons(parsed, model_id):
    return parsed.rejects.filter(pl.col("record_key") == model_id)["reason"].to_list()


def test_usd_per_token_strings_become_usd_per_million_exactly():
    assert usd_per_mtok("0.00000015") == 0.15
    assert usd_per_mtok("0.0000225") == 22.5
    assert usd_per_mtok("0") == 0.0


def test_base_prices_and_cache_prices(parsed):
    sonnet = row(parsed, "anthropic/claude-sonnet-4.5")
    assert (sonnet["input_usd_per_mtok"], sonnet["output_usd_per_mtok"]) == (3.0, 15.0)
    assert (sonnet["cached_input_usd_per_mtok"], sonnet["cache_write_usd_per_mtok"]) == (0.3, 3.75)
    assert sonnet["provider"] == "openrouter" and sonnet["service_tier"] == "standard"
    mini = row(parsed, "openai/gpt-4o-mini")
    assert (mini["input_usd_per_mtok"], mini["output_usd_per_mtok"], mini["cached_input_usd_per_mtok"]) == (0.15, 0.6, 0.075)
    assert mini["cache_write_usd_per_mtok"] is None and mini["context_length"] == 128000


def test_context_tier_override_is_its_own_row_without_guessed_fields(parsed):
    tier = row(parsed, "anthropic/claude-sonnet-4.5", tier=200000)
    assert (tier["input_usd_per_mtok"], tier["output_usd_per_mtok"], tier["cached_input_usd_per_mtok"]) == (6.0, 22.5, 0.6)
    # The tier does not restate the cache write price: left empty, not copied from the base.
    assert tier["cache_write_usd_per_mtok"] is None


def test_time_of_day_override_is_rejected_not_read_as_a_tier(parsed):
    assert row(parsed, "deepseek/deepseek-chat")["input_usd_per_mtok"] == 0.27
    assert parsed.rows.filter(pl.col("source_model_id") == "deepseek/deepseek-chat").height == 1
    assert any("not a context tier" in r and "utc_start" in r for r in reasons(parsed, "deepseek/deepseek-chat"))


def test_free_variant_kept_at_zero_and_flagged(parsed):
    free = row(parsed, "openai/gpt-oss-20b:free")
    assert free["is_free"] is True and free["input_usd_per_mtok"] == 0.0
    assert row(parsed, "openai/gpt-4o-mini")["is_free"] is False


def test_sentinel_and_non_numeric_prices_go_to_rejects(parsed):
    assert parsed.rows.filter(pl.col("source_model_id") == "openrouter/auto").height == 0
    assert reasons(parsed, "openrouter/auto") == ["base: prompt price sentinel -1 (price depends on the routed model)"]
    assert parsed.rows.filter(pl.col("source_model_id") == "example/not-a-number").height == 0
    assert reasons(parsed, "example/not-a-number") == ["base: completion price not a number"]


def test_bad_optional_price_rejects_the_field_but_keeps_the_row(parsed):
    odd = row(parsed, "example/odd-cache")
    assert odd["input_usd_per_mtok"] == 1.0 and odd["cached_input_usd_per_mtok"] is None
    assert reasons(parsed, "example/odd-cache") == ["base: input_cache_read price not a number; left empty"]


def test_structural_problems_are_rejected_with_reasons(parsed):
    assert reasons(parsed, "example/no-pricing") == ["no 'pricing' object"]
    assert reasons(parsed, "data[9]") == ["entry without a string 'id'"]
    assert reasons(parsed, "example/zero-tier") == ["overrides[0]: min_prompt_tokens is not a positive integer"]
    assert set(parsed.rejects["kind"]) == {"rejected"}
    assert parsed.entries == 11


def test_negative_price_is_parsed_and_caught_by_the_schema_row_by_row(parsed):
    neg = row(parsed, "example/negative")
    assert neg["input_usd_per_mtok"] == -1.0
    failures = schema_failures(FAMILY.schema, parsed.rows)
    bad = failures.filter(pl.col("index").is_not_null())
    assert bad["column"].to_list() == ["input_usd_per_mtok"]
    assert parsed.rows.row(int(bad["index"][0]), named=True)["source_model_id"] == "example/negative"


@pytest.mark.parametrize("body, message", [
    (b'{"data": [{"id": "a", "pricing": {"prompt": "0.1"', "not valid JSON"),
    (b'[{"id": "a"}]', "'data' list"),
    (b'{"models": []}', "'data' list"),
    (b"\xff\xfe not utf-8", "not valid JSON"),
])
def test_unusable_bodies_raise_a_format_error(body, message):
    with pytest.raises(SourceFormatError, match=message):
        parse(body, OBSERVED)


def test_rows_keep_the_models_registry_facts():
    # The identity fixture's body carries `created`, `hugging_face_id`, `architecture` and `canonical_slug`.
    body = (FIXTURES / "identity" / "openrouter_models.json").read_bytes()
    facts = parse(body, OBSERVED).rows.select("source_model_id", "model_created_at", "hugging_face_id", "modality",
                                              "canonical_slug")
    by_id = {r[0]: r[1:] for r in facts.iter_rows()}
    # `created` is Unix seconds: 1733506137 is 2024-12-06 17:28:57 UTC.
    assert by_id["meta-llama/llama-3.3-70b-instruct"] == (
        datetime(2024, 12, 6, 17, 28, 57), "meta-llama/Llama-3.3-70B-Instruct", "text->text",
        "meta-llama/llama-3.3-70b-instruct")
    assert by_id["anthropic/claude-sonnet-4"][1] is None  # "" links no repository
    assert by_id["legacy/old-model"] == (None, None, None, None)  # an older capture: left empty
    assert schema_failures(FAMILY.schema, parse(body, OBSERVED).rows).height == 0
