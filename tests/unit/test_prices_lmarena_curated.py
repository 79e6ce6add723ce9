"""LMArena's price catalogue and the curated price file."""

from datetime import datetime

import pytest

from pipeline.core.sources import SourceFormatError
from pipeline.prices import curated_prices, lmarena_prices
from tests.conftest import FIXTURES

HEADER = ("provider,model,input_usd_per_mtok,output_usd_per_mtok,cached_input_usd_per_mtok,cache_write_usd_per_mtok,"
          "batch_input_usd_per_mtok,batch_output_usd_per_mtok,context_tier_min_tokens,observed_on,citation\n")


def test_lmarena_prices_provider_from_price_source_and_reasons():
    parsed = lmarena_prices.parse((FIXTURES / "prices" / "lmarena_sample.json").read_bytes(), datetime(2025, 12, 17))
    rows = {r["source_model_id"]: r for r in parsed.rows.to_dicts()}
    assert (rows["llama-3.1-405b-instruct-fp8"]["provider"], rows["llama-3.1-405b-instruct-fp8"]["input_usd_per_mtok"]) == (
        "together_ai", 3.5)
    assert (rows["claude-sonnet-4-5-20250929"]["provider"], rows["claude-sonnet-4-5-20250929"]["output_usd_per_mtok"]) == (
        "anthropic", 15.0)
    assert rows["o1-mini"]["input_usd_per_mtok"] == 1.1  # hidden entries still carry a price
    assert rows["hunyuan-t1-20250711"]["provider"] == "lobechat.com"  # an aggregator never poses as Tencent
    reasons = {r["record_key"]: (r["kind"], r["reason"]) for r in parsed.rejects.to_dicts()}
    assert reasons["mai-1-preview"][0] == "excluded"
    assert reasons["gemini-3-flash"] == ("rejected", "no price_source to tell who charges this price")
    assert reasons["mystery-model"][1].startswith("price is not a number: input='TBD'")
    assert parsed.entries == 7 and len(rows) == 4


def test_curated_rows_carry_their_own_date_and_citation():
    body = (HEADER + "mistral,mistralai/mistral-large-2407,2,6,,,,,,2024-09-17,https://mistral.ai/news/september-24-release\n"
            "anthropic,anthropic/claude-sonnet-4.5,6,22.5,,,,,200000,2025-09-29,https://www.anthropic.com/pricing\n").encode()
    parsed = curated_prices.parse(body, datetime(2026, 11, 28))
    first, tier = parsed.rows.to_dicts()
    assert (first["provider"], first["source_model_id"], first["input_usd_per_mtok"]) == (
        "mistral", "mistralai/mistral-large-2407", 2.0)
    assert first["observed_at"] == datetime(2024, 9, 17) and first["citation"].startswith("https://mistral.ai")
    assert first["cached_input_usd_per_mtok"] is None and tier["context_tier_min_tokens"] == 200000


def test_curated_bad_rows_refuse_the_file_naming_file_line_and_rule():
    body = (HEADER + "openai,openai/gpt-4o,2.5,10,,,,,,2024-05-13,\n"
            "openai,openai/gpt-4o-mini,cheap,0.6,,,,,,2024-07-18,https://openai.com/api/pricing/\n").encode()
    with pytest.raises(SourceFormatError) as err:
        curated_prices.parse(body, datetime(2026, 11, 28), "file:///work/pipeline/curated/prices.csv")
    assert str(err.value) == ("/work/pipeline/curated/prices.csv:2: column 'citation' is required; "
                              "/work/pipeline/curated/prices.csv:3: column 'input_usd_per_mtok' must be a number, "
                              "not 'cheap'")


def test_curated_file_with_a_wrong_header_fails_as_a_whole():
    with pytest.raises(SourceFormatError, match="header must be"):
        curated_prices.parse(b"model,price\nx,1\n", datetime(2026, 11, 28))
