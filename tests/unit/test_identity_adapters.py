"""The seams the pipeline calls: parser rows in, registry, alias and coverage tables out."""

from datetime import datetime

import polars as pl

from pipeline.identity import aliases_table, coverage, ids_from_rows, models_table, resolve_all
from pipeline.prices.rows import PRICE_ROW_SCHEMA, price_row
from tests.support.identity_fixtures import OPENROUTER_BODY, curated_aliases, curated_models

PRICES = {"input_usd_per_mtok": 1.0, "output_usd_per_mtok": 2.0}
ROWS = pl.DataFrame([price_row("openai", "gpt-4o", PRICES, display_name="GPT-4o"),
                     price_row("openai", "gpt-4o", PRICES, context_tier_min_tokens=200_000),
                     price_row("bedrock", "eu.meta.llama3-1-8b-instruct-v1:0", PRICES),
                     price_row("ollama", "ollama/llama3", PRICES)], schema=PRICE_ROW_SCHEMA)


def test_ids_from_rows_counts_rows_and_says_where_they_were_read():
    got = ids_from_rows(ROWS, "https://example.test/prices.json", "f-7")
    assert got.sort("source_model_id").rows() == [
        ("eu.meta.llama3-1-8b-instruct-v1:0", "bedrock", 1, None,
         "https://example.test/prices.json (fetch f-7): eu.meta.llama3-1-8b-instruct-v1:0"),
        ("gpt-4o", "openai", 2, "GPT-4o", "https://example.test/prices.json (fetch f-7): gpt-4o"),
        ("ollama/llama3", "ollama", 1, None, "https://example.test/prices.json (fetch f-7): ollama/llama3")]


def test_resolve_all_and_the_tables_it_feeds():
    registry, resolutions = resolve_all(OPENROUTER_BODY.read_bytes(), curated_models(), curated_aliases(),
                                        {"litellm": ids_from_rows(ROWS)}, "f-1", datetime(2026, 8, 19))
    # The OpenRouter body's own ids are resolved too, as the `openrouter` source.
    assert sorted(resolutions["source"].unique()) == ["litellm", "openrouter"]
    aliases = aliases_table(resolutions).filter(pl.col("source") == "litellm")
    # Every id, mapped or not, with its status; rows summed over the id's rows (2 context tiers).
    assert aliases.select("source_model_id", "canonical_model", "status", "rule", "variant", "current_rows").rows() == [
        ("eu.meta.llama3-1-8b-instruct-v1:0", "meta-llama/llama-3.1-8b-instruct", "mapped", "normalised_name",
         "region:eu", 1),
        ("gpt-4o", "openai/gpt-4o", "mapped", "vendor_naming", None, 2),
        ("ollama/llama3", None, "excluded", "local_runtime", None, 1)]
    assert aliases["reason"][1] == "named openai/gpt-4o once the source's naming is read"
    # Where each id was read, as ids_from_rows said (no URL given here: the id alone).
    assert aliases["citation"].to_list() == ["eu.meta.llama3-1-8b-instruct-v1:0", "gpt-4o", "ollama/llama3"]
    models = models_table(registry)
    assert models.columns[:12] == ["canonical_model", "display_name", "developer", "family", "release_date",
                                   "params_b", "weights_open", "data_open", "code_open", "license_id", "required",
                                   "citation"]
    assert models["required"].null_count() == 0  # not on the curated required list: false, a policy fact
    table = coverage(resolutions).filter(pl.col("source") == "litellm").row(0, named=True)
    assert (table["ids"], table["mapped"], table["excluded"], table["unmapped"]) == (3, 2, 1, 0)
