"""The report's managed inference section: per open model, what managed providers charge, against
self-hosting it and against the closed APIs of the same quality tier.

All three are put in one unit, USD per 1,000 requests of the assumptions' token mix: a managed or
closed API at its price; a self-hosted deployment at the full load of one replica (its GPU cost at
the median rate over its monthly capacity, no hidden costs), the cheapest deployment of the model.
"""

from __future__ import annotations

import duckdb
import polars as pl

from pipeline.report import data
from pipeline.report.cells import Missing, Table, number, text
from pipeline.report.sections import Inputs, usd

PER = 1000  # requests: the unit the three options are compared in


def _cheapest_deployments(hosted: pl.DataFrame) -> dict[str, dict]:
    """Per model, its deployment with the lowest GPU cost per request at full load."""
    if hosted.is_empty():
        return {}
    usable = hosted.filter(pl.col("model").is_not_null() & pl.col("monthly_gpu_cost_high").is_not_null()
                           & (pl.col("fits_in_memory").fill_null(True)))
    usable = usable.with_columns((pl.col("monthly_gpu_cost_high") / pl.col("monthly_capacity_requests"))
                                 .alias("_per_request")).sort(["model", "_per_request", "deployment"])
    return {r["model"]: r for r in usable.unique("model", keep="first", maintain_order=True).iter_rows(named=True)}


def _closed_by_tier(con: duckdb.DuckDBPyConnection, quarter: str, tiers: pl.DataFrame) -> dict[int, dict]:
    """Per tier, the cheapest closed-weight model at its reference provider (per request)."""
    prices = data.read(con, "api_cost_at_scale",
                       "SELECT DISTINCT canonical_model, provider, usd_per_request FROM api_cost_at_scale "
                       "WHERE quarter = ? AND is_reference", [quarter], needs=("is_reference",))
    closed = data.read(con, "models", "SELECT canonical_model FROM models WHERE weights_open = false")
    if prices.is_empty() or closed.is_empty() or tiers.is_empty():
        return {}
    joined = (prices.join(closed, on="canonical_model").join(tiers.select("canonical_model", "tier"),
                                                             on="canonical_model")
              .sort(["tier", "usd_per_request", "canonical_model"]))
    return {r["tier"]: r for r in joined.unique("tier", keep="first", maintain_order=True).iter_rows(named=True)}


def managed(con: duckdb.DuckDBPyConnection, quarter: str, inputs: Inputs) -> Table | Missing:
    offers = data.quarter_rows(con, "managed_inference", quarter, "canonical_model, usd_per_request, provider")
    if offers.is_empty():
        return Missing("managed_inference")
    tiers = data.quarter_rows(con, "quality_tiers", quarter, "canonical_model")
    tier_of = {r["canonical_model"]: r for r in tiers.iter_rows(named=True)}
    hosted = _cheapest_deployments(data.quarter_rows(con, "self_hosted_cost", quarter, "deployment"))
    closed = _closed_by_tier(con, quarter, tiers)
    out = []
    for (model,), group in offers.group_by("canonical_model", maintain_order=True):
        paid = group.filter(~pl.col("is_free"))
        assumptions = inputs.assumptions(group.row(0, named=True).get("assumptions_hash"))
        cheapest = paid.filter(pl.col("is_cheapest"))
        low = cheapest.row(0, named=True) if cheapest.height else {}
        high = paid.row(-1, named=True) if paid.height else {}
        tier = tier_of.get(model, {})
        dep, api = hosted.get(model, {}), closed.get(tier.get("tier"), {})
        out.append([
            text(model), text(tier.get("tier_label")), text(group["provider"].n_unique()),
            text(low.get("provider") or ("free offers only" if group.height else None)),
            _price(inputs, model, low, assumptions), _price(inputs, model, high, assumptions),
            text(dep.get("deployment")),
            number(dep["_per_request"] * PER if dep else None, usd, inputs.deployment(dep) if dep else None),
            text(dep.get("throughput_basis")), text(api.get("canonical_model")),
            _closed_price(inputs, api, assumptions)])
    mix = data.read(con, "api_cost_at_scale", "SELECT input_tokens, output_tokens FROM api_cost_at_scale "
                    "WHERE quarter = ? LIMIT 1", [quarter])
    tokens = (f"{mix['input_tokens'][0]:,} input + {mix['output_tokens'][0]:,} output tokens" if not mix.is_empty()
              else "the assumptions' token mix")
    note = (f"USD per {PER:,} requests of {tokens}. Managed: the cheapest and dearest paid offer (free, "
            "rate-limited offers are counted, never priced). Self-hosted: the model's cheapest deployment at the "
            "full load of one replica, GPU cost at the median on-demand rate, without engineering, infrastructure "
            "or monitoring. Closed API: the cheapest closed-weight model of the same quality tier at its "
            "reference provider.")
    return Table("t-managed", ["model", "tier", "managed providers", "cheapest managed", f"managed $/{PER:,} req low",
                               f"managed $/{PER:,} req high", "cheapest deployment", f"self-hosted $/{PER:,} req",
                               "capacity basis", "closed API of the tier", f"closed $/{PER:,} req"], out, note)


def _price(inputs: Inputs, model: str, offer: dict, assumptions):
    if not offer:
        return number(None, usd, None)
    fetched = inputs.prov.fetch(offer["fetch_id"], offer["source"], offer["observed_at"])
    entry = inputs.prov.derived(f"managed price of {model} at {offer['provider']} per {PER:,} requests",
                                [fetched, assumptions])
    return number(offer["usd_per_request"] * PER, usd, entry)


def _closed_price(inputs: Inputs, api: dict, assumptions):
    if not api:
        return number(None, usd, None)
    model = api["canonical_model"]
    parts = [inputs.prices[model], assumptions] if model in inputs.prices else [assumptions]
    entry = inputs.prov.derived(f"API cost of {model} per {PER:,} requests", parts)
    return number(api["usd_per_request"] * PER, usd, entry)
