"""Schemas for API prices: what a price parser returns, and the quarterly `model_prices`."""

from __future__ import annotations

from typing import Optional

import pandera.polars as pa
import polars as pl

USD_PER_MTOK = "USD per 1M tokens"
PRICE_COLUMNS = ("input_usd_per_mtok", "output_usd_per_mtok", "cached_input_usd_per_mtok",
                 "cache_write_usd_per_mtok", "batch_input_usd_per_mtok", "batch_output_usd_per_mtok")
SERVICE_TIERS = ("standard", "priority", "flex")


def _price(description: str, nullable: bool = True):
    return pa.Field(nullable=nullable, ge=0, description=description, metadata={"unit": USD_PER_MTOK})


class PriceObservation(pa.DataFrameModel):
    """One price row as a source states it, converted to USD per 1M tokens at the parser."""

    provider: str = pa.Field(str_length={"min_value": 1},
                             description="Who bills the price (openrouter, openai, anthropic, azure…)")
    source_model_id: str = pa.Field(str_length={"min_value": 1},
                                    description="The model's id in the source, verbatim")
    service_tier: str = pa.Field(isin=list(SERVICE_TIERS),
                                 description="standard, or a priority/flex processing tier priced apart")
    context_tier_min_tokens: int = pa.Field(ge=0, description="Prompt length from which this price applies "
                                            "(0 = base price; e.g. 200000 for a >200K-token tier)",
                                            metadata={"unit": "tokens"})
    is_free: bool = pa.Field(description="A deliberately free variant (e.g. OpenRouter ':free')")
    input_usd_per_mtok: float = _price("Price of input (prompt) tokens")
    output_usd_per_mtok: float = _price("Price of output (completion) tokens")
    cached_input_usd_per_mtok: float = _price("Price of input tokens read from a prompt cache")
    cache_write_usd_per_mtok: float = _price("Price of input tokens written to a prompt cache")
    batch_input_usd_per_mtok: float = _price("Input price through the provider's batch API")
    batch_output_usd_per_mtok: float = _price("Output price through the provider's batch API")
    display_name: str = pa.Field(nullable=True, description="The source's display name for the model")
    context_length: int = pa.Field(nullable=True, ge=0, description="Context window the source states",
                                   metadata={"unit": "tokens"})
    # OpenRouter only: when the model was added (its `created`); an earlier observation is held back.
    released_on: Optional[pl.Date] = pa.Field(nullable=True, description="When the source says the model was "
                                              "released or first listed (OpenRouter's `created`)")
    # Curated rows only: each row's own date and citation.
    observed_at: Optional[pl.Datetime] = pa.Field(nullable=True, description="When a curated price was stated")
    citation: Optional[str] = pa.Field(nullable=True, description="Where a curated price comes from")

    @pa.check(*PRICE_COLUMNS, name="not_nan")
    @classmethod
    def _not_nan(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key).is_null() | pl.col(data.key).is_not_nan())

    class Config:
        strict = True
        coerce = False


class ModelPrice(pa.DataFrameModel):
    """`model_prices`: per quarter, the latest price of each canonical model at each provider."""

    quarter: str = pa.Field(str_matches=r"^\d{4}Q[1-4]$", description="Quarter label YYYYQn")
    provisional: bool = pa.Field(description="The quarter is still running")
    canonical_model: str = pa.Field(description="Canonical model id (OpenRouter's author/slug form)")
    provider: str = pa.Field(description="Who bills the price")
    source: str = pa.Field(description="The source the price was read from")
    source_model_id: str = pa.Field(description="The model's id in that source")
    service_tier: str = pa.Field(isin=list(SERVICE_TIERS), description="standard / priority / flex")
    context_tier_min_tokens: int = pa.Field(ge=0, description="Prompt length from which the price applies",
                                            metadata={"unit": "tokens"})
    is_free: bool = pa.Field(description="A deliberately free variant")
    input_usd_per_mtok: float = _price("Price of input tokens")
    output_usd_per_mtok: float = _price("Price of output tokens")
    cached_input_usd_per_mtok: float = _price("Price of cached input tokens")
    cache_write_usd_per_mtok: float = _price("Price of writing input tokens to a cache")
    batch_input_usd_per_mtok: float = _price("Batch API input price")
    batch_output_usd_per_mtok: float = _price("Batch API output price")
    observed_at: pl.Datetime = pa.Field(description="When the price was last observed (UTC)")
    age_days: int = pa.Field(ge=0, nullable=True, description="Days from that observation to the quarter's end: how "
                             "old the figure is by the end of the quarter it stands for", metadata={"unit": "days"})
    carried_forward: bool = pa.Field(nullable=True, description="The figure was observed in an earlier quarter and "
                                     "carried into this one (the source said nothing newer before its end)")
    fetch_id: str = pa.Field(description="The fetch (raw_fetch.fetch_id) the price was read from")
    stale: bool = pa.Field(description="The source could not be reached; this is its last known price")
    stale_reason: str = pa.Field(nullable=True, description="Why the price is stale")
    citation: str = pa.Field(nullable=True, description="Curated rows: where the price comes from")

    class Config:
        strict = False


class PriceDiscrepancy(pa.DataFrameModel):
    """`price_discrepancies`: one model at one provider priced more than 5% apart by two sources."""

    quarter: str = pa.Field(str_matches=r"^\d{4}Q[1-4]$", description="Quarter label YYYYQn")
    provisional: bool = pa.Field(description="The quarter is still running")
    canonical_model: str = pa.Field(description="Canonical model id")
    provider: str = pa.Field(description="Who bills the price")
    service_tier: str = pa.Field(isin=list(SERVICE_TIERS), description="standard / priority / flex")
    context_tier_min_tokens: int = pa.Field(ge=0, description="Prompt length from which the price applies",
                                            metadata={"unit": "tokens"})
    price_column: str = pa.Field(isin=list(PRICE_COLUMNS), description="Which price disagrees")
    source_a: str = pa.Field(description="First source")
    value_a: float = _price("Price stated by the first source", nullable=False)
    fetch_id_a: str = pa.Field(description="Fetch the first price was read from")
    source_b: str = pa.Field(description="Second source")
    value_b: float = _price("Price stated by the second source", nullable=False)
    fetch_id_b: str = pa.Field(description="Fetch the second price was read from")
    relative_gap: float = pa.Field(gt=0, description="|a - b| / min(a, b)", metadata={"unit": "ratio"})

    class Config:
        strict = False
