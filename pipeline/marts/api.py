"""API prices as the marts use them: one base price per model and provider, and a reference provider.

From a quarter's `model_prices`: standard service tier, base context tier (0), not a free
variant, both input and output prices stated; a provider's base offer (NULL `variant`) before
its variants of the same model. Where a provider lists the model under several release names,
the undated name (the release the model's name serves) stands for it, else the newest dated
snapshot: the rule benchmark_scores follows, so a model's price and score are of one release.
Several sources may price the same model at the same provider (a pricing page, LiteLLM, a curated
row): a curated row wins, then the newest observation, then the cheapest, then the source name
(so the choice is deterministic).

The reference provider of a model (the one crossover and TCO compare against) follows
`api_providers.preference` in the assumptions: `first_party` (the developer's own API, e.g.
openai for openai/…), then named providers (openrouter), then the cheapest remaining one.
"""

from __future__ import annotations

import polars as pl

from pipeline.marts.assumptions import Assumptions
from pipeline.marts.costs import api_monthly_cost_usd, usd_per_request

CURATED_SOURCE = "curated_prices"
FIRST_PARTY = "first_party"
PRICE_COLUMNS = ["canonical_model", "provider", "source", "source_model_id", "input_usd_per_mtok",
                 "output_usd_per_mtok", "observed_at", "fetch_id"]
PRICES_SCHEMA = {"canonical_model": pl.String, "provider": pl.String, "source": pl.String,
                 "source_model_id": pl.String, "service_tier": pl.String, "context_tier_min_tokens": pl.Int64,
                 "is_free": pl.Boolean, "input_usd_per_mtok": pl.Float64, "output_usd_per_mtok": pl.Float64,
                 "observed_at": pl.Datetime("us"), "fetch_id": pl.String, "variant": pl.String,
                 "quantization": pl.String, "snapshot": pl.Date, "age_days": pl.Int64,
                 "carried_forward": pl.Boolean}


def standard_prices() -> pl.Expr:
    """Standard service tier, base context tier, both prices stated: the price of a plain request."""
    return ((pl.col("service_tier") == "standard") & (pl.col("context_tier_min_tokens") == 0)
            & pl.col("input_usd_per_mtok").is_not_null() & pl.col("output_usd_per_mtok").is_not_null())


def is_first_party(model: str, provider: str, first_party: dict[str, tuple[str, ...]]) -> bool:
    author = model.split("/", 1)[0]
    return provider == author or provider in first_party.get(author, ())


def release_order() -> list[pl.Expr]:
    """Sort keys (ascending) putting the undated release name first, then the newest snapshot."""
    return [pl.col("snapshot").is_not_null(), -pl.col("snapshot").cast(pl.Int32).fill_null(0)]


def base_prices(prices: pl.DataFrame, a: Assumptions) -> pl.DataFrame:
    """One row per (canonical_model, provider): the base standard price, with usd_per_request."""
    # A provider's own base offer of the model (NULL variant) stands for it where it has one.
    dated, newest = release_order()
    usable = prices.filter(standard_prices() & ~pl.col("is_free")).select(
        *PRICE_COLUMNS, pl.col("variant").is_not_null().alias("_variant"), dated.alias("_dated"),
        newest.alias("_older"))
    per_request = [float(usd_per_request(a.input_tokens, a.output_tokens, i, o))
                   for i, o in zip(usable["input_usd_per_mtok"], usable["output_usd_per_mtok"])]
    usable = usable.with_columns(pl.Series("usd_per_request", per_request, pl.Float64),
                                 (pl.col("source") != CURATED_SOURCE).alias("_not_curated"))
    chosen = (usable.sort(["canonical_model", "provider", "_variant", "_dated", "_older", "_not_curated",
                           "observed_at", "usd_per_request", "source", "source_model_id"],
                          descending=[False] * 6 + [True, False, False, False], nulls_last=True)
              .unique(subset=["canonical_model", "provider"], keep="first", maintain_order=True)
              .drop("_not_curated", "_variant", "_dated", "_older"))
    return _mark_reference(chosen, a)


def _mark_reference(prices: pl.DataFrame, a: Assumptions) -> pl.DataFrame:
    def rank(model: str, provider: str) -> int:
        for i, name in enumerate(a.provider_preference):
            if (name == FIRST_PARTY and is_first_party(model, provider, a.first_party)) or name == provider:
                return i
        return len(a.provider_preference)

    ranks = [rank(m, p) for m, p in zip(prices["canonical_model"], prices["provider"])]
    ranked = prices.with_columns(pl.Series("_rank", ranks, pl.Int64)).sort(
        ["canonical_model", "_rank", "usd_per_request", "provider"])
    first = pl.int_range(pl.len()).over("canonical_model") == 0
    return ranked.with_columns(first.alias("is_reference")).drop("_rank")


def reference_prices(base: pl.DataFrame) -> pl.DataFrame:
    return base.filter(pl.col("is_reference"))


def api_cost_at_scale(base: pl.DataFrame, a: Assumptions) -> pl.DataFrame:
    """Monthly cost of every model at every provider, at every volume of the assumptions."""
    volumes = pl.DataFrame({"monthly_requests": list(a.volumes)}, schema={"monthly_requests": pl.Int64})
    rows = base.join(volumes, how="cross")
    costs = [api_monthly_cost_usd(v, a.input_tokens, a.output_tokens, i, o)
             for v, i, o in zip(rows["monthly_requests"], rows["input_usd_per_mtok"], rows["output_usd_per_mtok"])]
    return rows.with_columns(pl.lit(a.input_tokens, pl.Int64).alias("input_tokens"),
                             pl.lit(a.output_tokens, pl.Int64).alias("output_tokens"),
                             pl.Series("monthly_cost_usd", costs, pl.Float64)).sort(
        ["canonical_model", "provider", "monthly_requests"])
