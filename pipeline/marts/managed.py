"""Managed inference: open-weight models served by someone other than their developer (Together,
Fireworks, Groq, OpenRouter…), the middle ground between a closed API and self-hosting. Pure.

From a quarter's `model_prices`: models whose weights are open (`models.weights_open`; NULL =
unknown, left out), standard service tier, base context tier, both prices stated, at providers
that are not the developer's own API (`api_providers.first_party` in the assumptions). One offer
per model, provider, variant (NULL = the model's own base offer) and free/paid: when several
sources price it, a curated row wins, then the newest, then the cheapest (as for API prices); a
quantization stated by any source for the same offer is kept. Free offers are rate-limited
trials: listed, never the cheapest. `is_cheapest` marks one paid offer per model, the lowest
blended price (ties: the base offer, then the provider's name).
"""

from __future__ import annotations

import polars as pl

from pipeline.marts.api import CURATED_SOURCE, is_first_party, release_order, standard_prices
from pipeline.marts.assumptions import Assumptions
from pipeline.marts.costs import blended_usd_per_mtok, usd_per_request
from pipeline.marts.selfhosted import CROSSOVER_SCHEMA, cheapest_offers, crossover_row, lookup

OFFER = ["canonical_model", "provider", "variant", "is_free"]
MANAGED_SCHEMA = {
    "canonical_model": pl.String, "provider": pl.String, "source": pl.String, "source_model_id": pl.String,
    "variant": pl.String, "quantization": pl.String, "is_free": pl.Boolean, "input_usd_per_mtok": pl.Float64,
    "output_usd_per_mtok": pl.Float64, "blended_usd_per_mtok": pl.Float64, "usd_per_request": pl.Float64,
    "is_cheapest": pl.Boolean, "providers_offering": pl.Int64, "observed_at": pl.Datetime("us"),
    "fetch_id": pl.String, "age_days": pl.Int64, "carried_forward": pl.Boolean}
MANAGED_CROSSOVER_SCHEMA = {**CROSSOVER_SCHEMA, "source": pl.String, "variant": pl.String,
                            "quantization": pl.String, "blended_usd_per_mtok": pl.Float64,
                            "throughput_basis": pl.String}


def managed_inference(prices: pl.DataFrame, models: pl.DataFrame, a: Assumptions) -> pl.DataFrame:
    """One row per managed offer of an open-weight model (MANAGED_SCHEMA), cheapest first per model."""
    open_models = models.filter(pl.col("weights_open").fill_null(False))["canonical_model"].to_list()
    offers = prices.filter(standard_prices() & pl.col("canonical_model").is_in(open_models))
    managed = [not is_first_party(m, p, a.first_party) for m, p in zip(offers["canonical_model"], offers["provider"])]
    offers = offers.filter(pl.Series(managed, dtype=pl.Boolean))
    ins, outs = offers["input_usd_per_mtok"].to_list(), offers["output_usd_per_mtok"].to_list()
    offers = offers.with_columns(
        pl.Series("usd_per_request", [float(usd_per_request(a.input_tokens, a.output_tokens, i, o))
                                      for i, o in zip(ins, outs)], pl.Float64),
        pl.Series("blended_usd_per_mtok", [blended_usd_per_mtok(a.input_tokens, a.output_tokens, i, o)
                                           for i, o in zip(ins, outs)], pl.Float64),
        (pl.col("source") != CURATED_SOURCE).alias("_not_curated"),
        *(key.alias(name) for key, name in zip(release_order(), ("_dated", "_older"))))
    chosen = (offers.sort([*OFFER, "_dated", "_older", "_not_curated", "observed_at", "usd_per_request", "source",
                           "source_model_id"], descending=[False] * 7 + [True, False, False, False], nulls_last=True)
              .group_by(OFFER, maintain_order=True)
              .agg(pl.all().first(), pl.col("quantization").drop_nulls().first().alias("_stated"))
              .with_columns(pl.coalesce("quantization", "_stated").alias("quantization")))
    ranked = chosen.sort(["canonical_model", "is_free", "blended_usd_per_mtok", "usd_per_request", "variant",
                          "quantization", "provider", "source_model_id"], nulls_last=False)
    # Nulls first: the base offer (NULL variant) before a variant at the same price.
    first_paid = ~pl.col("is_free") & (pl.int_range(pl.len()).over("canonical_model") == 0)
    return ranked.with_columns(first_paid.alias("is_cheapest"),
                               pl.col("provider").n_unique().over("canonical_model").cast(pl.Int64)
                               .alias("providers_offering")).select(list(MANAGED_SCHEMA)).cast(MANAGED_SCHEMA)


def managed_crossover(a: Assumptions, hosted: pl.DataFrame, managed: pl.DataFrame) -> pl.DataFrame:
    """Per deployment of a named model: the volume at which it beats that model's cheapest managed offer."""
    cheapest = cheapest_offers(managed)
    rows = []
    for d in a.deployments:
        if d.model is None:
            continue  # no model named: nothing to compare with
        h = lookup(hosted, "deployment", d.id)
        offer = lookup(cheapest, "canonical_model", d.model)
        row = crossover_row(d, d.model, h, offer, f"no paid managed offer for {d.model} this quarter")
        rows.append({**row, "source": offer.get("source"), "variant": offer.get("variant"),
                     "quantization": offer.get("quantization"),
                     "blended_usd_per_mtok": offer.get("blended_usd_per_mtok"),
                     "throughput_basis": h.get("throughput_basis")})
    return pl.DataFrame(rows, schema=MANAGED_CROSSOVER_SCHEMA)

