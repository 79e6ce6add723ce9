"""Schemas for API prices: what a price parser returns, and the quarterly `model_prices`."""

from __future__ import annotations

import datetime as dt
from typing import Optional

import pandera.polars as pa
import polars as pl

USD_PER_MTOK = "USD per 1M tokens"
PRICE_COLUMNS = ("input_usd_per_mtok", "output_usd_per_mtok", "cached_input_usd_per_mtok",
                 "cache_write_usd_per_mtok", "batch_input_usd_per_mtok", "batch_output_usd_per_mtok")
SERVICE_TIERS = ("standard", "priority", "flex")
ALIAS_STATUSES = ("mapped", "excluded", "unmapped")
VARIANT = ("How the id differs from the model's own offer (docs/identity.md): free, batch, thinking, "
           "region:<r>, fine-tuned, config:<c>…; empty for the model itself")
QUANTIZATION = "The serving precision the id names (fp8, int4, turbo…); empty when it names none"
SNAPSHOT = "The dated snapshot the id names (gpt-4o-2024-08-06: 2024-08-06); empty when undated"


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
    # OpenRouter rows only: the model's registry facts (the prices step builds `models` from them).
    model_created_at: Optional[pl.Datetime] = pa.Field(nullable=True, description="When the source listed the model "
                                                       "first (OpenRouter's `created`, UTC)")
    hugging_face_id: Optional[str] = pa.Field(nullable=True, description="The model's Hugging Face repository "
                                              "(org/name), as the source links it")
    modality: Optional[str] = pa.Field(nullable=True, description="Input and output kinds (text->text, "
                                       "text+image->text…), as the source states them")
    canonical_slug: Optional[str] = pa.Field(nullable=True, description="The source's own permanent slug "
                                             "for the model (OpenRouter's dated canonical_slug)")
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
    variant: str = pa.Field(nullable=True, description=VARIANT)
    quantization: str = pa.Field(nullable=True, description=QUANTIZATION)
    snapshot: dt.date = pa.Field(nullable=True, description=SNAPSHOT)
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


class Model(pa.DataFrameModel):
    """`models`: the canonical model registry, rebuilt every refresh (docs/identity.md): OpenRouter's
    models, curated facts on top (pipeline/curated/models.csv), and models the sources name."""

    canonical_model: str = pa.Field(unique=True, description="Canonical id, OpenRouter's author/slug form")
    display_name: str = pa.Field(nullable=True, description="The model's name (curated, else OpenRouter's)")
    developer: str = pa.Field(description="Who made the model")
    author: str = pa.Field(description="The developer's id: OpenRouter's author slug, else its Hugging Face org")
    family: str = pa.Field(nullable=True, description="Model family (curated)")
    release_date: dt.date = pa.Field(nullable=True, description="Release date: curated, else when OpenRouter "
                                     "listed it (its `created`)")
    params_b: float = pa.Field(nullable=True, gt=0, description="Total parameters (curated)",
                               metadata={"unit": "billion parameters"})
    weights_open: bool = pa.Field(nullable=True, description="Weights downloadable (curated; empty: unknown, "
                                  "not false)")
    data_open: bool = pa.Field(nullable=True, description="Training data published (curated; empty: unknown)")
    code_open: bool = pa.Field(nullable=True, description="Training code published (curated; empty: unknown)")
    license_id: str = pa.Field(nullable=True, description="License (curated)")
    required: bool = pa.Field(description="On the list every quarterly table must cover (curated)")
    context_length: int = pa.Field(nullable=True, ge=0, description="Context window OpenRouter states",
                                   metadata={"unit": "tokens"})
    hugging_face_id: str = pa.Field(nullable=True, description="The model's Hugging Face repository")
    modality: str = pa.Field(nullable=True, description="Input and output kinds, as OpenRouter states them")
    origin: str = pa.Field(description="How the entry came into the registry: openrouter, curated, "
                           "openrouter+curated, or the creation rule of the source id that named it")
    citation: str = pa.Field(description="Where the entry's facts come from (curated | OpenRouter fetch, or the "
                             "source id that created it)")

    class Config:
        strict = False


class ModelAlias(pa.DataFrameModel):
    """`model_aliases`: every model id any source names, mapped to its canonical model by a named rule,
    or listed with the reason it is not (docs/identity.md)."""

    source: str = pa.Field(description="The source that names the id")
    source_model_id: str = pa.Field(description="The model's id in that source, verbatim")
    provider: str = pa.Field(nullable=True, description="Who bills the price (price sources), as the source says")
    canonical_model: str = pa.Field(nullable=True, description="The canonical model; empty unless mapped")
    status: str = pa.Field(isin=list(ALIAS_STATUSES), description="mapped / excluded (not a model: a router, an "
                           "embedding, a local runtime…) / unmapped")
    rule: str = pa.Field(description="The rule that decided (curated_alias, openrouter_id, vendor_naming, "
                         "normalised_name, a creation rule, an exclusion, or unmapped)")
    reason: str = pa.Field(nullable=True, description="Why: the rule's reading, the exclusion, or why unmapped "
                           "(ambiguous: …, fine-tune of …, no registry entry)")
    variant: str = pa.Field(nullable=True, description=VARIANT)
    quantization: str = pa.Field(nullable=True, description=QUANTIZATION)
    snapshot: dt.date = pa.Field(nullable=True, description=SNAPSHOT)
    steps: str = pa.Field(nullable=True, description="The naming rules that read the id, in order")
    current_rows: int = pa.Field(ge=0, description="Rows the source's newest responses hold for the id (0: "
                                 "named only in older responses)", metadata={"unit": "rows"})
    citation: str = pa.Field(nullable=True, description="Where the id was read (response and fetch), or the "
                             "curated alias's citation")

    class Config:
        strict = False
