"""Self-hosted cost per deployment, the crossover against each compared API, and TCO. Pure.

GPU rates come from the quarter's GPU price summary: the minimum and median on-demand
usd_per_gpu_hour of the deployment's GPU across providers and regions (low and high).
Crossover and TCO use the high (median) cost: a typical market rate rather than the single
cheapest offer; the `_low` crossover columns give the same at the cheapest rate. A replica's
capacity is the quarter's (pipeline/marts/capacity.py: measured, estimated or the assumption).
"""

from __future__ import annotations

import polars as pl

from pipeline.marts.assumptions import Assumptions, Deployment
from pipeline.marts.capacity import CAPACITY_SCHEMA, QUALITY_SCHEMA, capacities, quality_after_penalty
from pipeline.marts.costs import (api_monthly_cost_usd, api_tco, deployment_tco, fits_in_memory,
                                  self_hosted_range, usd_per_mtok_output)
from pipeline.marts.crossover import breakeven

GPU_RATES_SCHEMA = {"gpu": pl.String, "min_usd_per_gpu_hour": pl.Float64, "median_usd_per_gpu_hour": pl.Float64,
                    "offers": pl.Int64}
GPU_MEMORY_SCHEMA = {"gpu": pl.String, "gpu_memory_gb": pl.Float64}
SELF_HOSTED_SCHEMA = {
    "deployment": pl.String, "model": pl.String, "model_size_b": pl.Float64, "precision": pl.String,
    "gpu": pl.String, "gpu_count": pl.Int64, "gpu_memory_gb": pl.Float64, "min_usd_per_gpu_hour": pl.Float64,
    "median_usd_per_gpu_hour": pl.Float64, "gpu_offers": pl.Int64, "monthly_gpu_cost_low": pl.Float64,
    "monthly_gpu_cost_high": pl.Float64, "cost_basis": pl.String, "monthly_capacity_requests": pl.Int64,
    "usd_per_mtok_output_low": pl.Float64, "usd_per_mtok_output_high": pl.Float64,
    "hidden_costs_usd": pl.Float64, "fits_in_memory": pl.Boolean, "note": pl.String,
    **{k: v for k, v in CAPACITY_SCHEMA.items() if k not in ("deployment", "monthly_capacity_requests")},
    **QUALITY_SCHEMA}
CROSSOVER_SCHEMA = {
    "deployment": pl.String, "canonical_model": pl.String, "provider": pl.String,
    "api_usd_per_request": pl.Float64, "monthly_capacity_requests": pl.Int64, "gpu_monthly_cost_usd": pl.Float64,
    "hidden_costs_usd": pl.Float64, "breakeven_requests_gpu_only": pl.Int64, "replicas_gpu_only": pl.Int64,
    "breakeven_requests_with_hidden_costs": pl.Int64, "replicas_with_hidden_costs": pl.Int64,
    "breakeven_requests_gpu_only_low": pl.Int64, "reason_gpu_only": pl.String,
    "reason_with_hidden_costs": pl.String}
TCO_SCHEMA = {"option": pl.String, "kind": pl.String, "monthly_requests": pl.Int64, "provider": pl.String,
              "replicas": pl.Int64, "inference": pl.Float64, "ml_engineering": pl.Float64,
              "infrastructure": pl.Float64, "monitoring": pl.Float64, "total": pl.Float64, "note": pl.String}


def lookup(frame: pl.DataFrame, key: str, value: str) -> dict:
    hit = frame.filter(pl.col(key) == value)
    return hit.row(0, named=True) if hit.height else {}


def self_hosted_cost(a: Assumptions, gpu_rates: pl.DataFrame, gpu_memory: pl.DataFrame,
                     capacity: pl.DataFrame | None = None, tiers: pl.DataFrame | None = None) -> pl.DataFrame:
    """Per deployment: GPU cost range, capacity (`capacity`: capacity.capacities, default the
    assumptions'), cost per 1M output tokens, memory fit, and the tier after the quality penalty."""
    capacity = capacities(a, None) if capacity is None else capacity
    rows = []
    for d in a.deployments:
        rate, mem, cap = (lookup(gpu_rates, "gpu", d.gpu), lookup(gpu_memory, "gpu", d.gpu),
                          lookup(capacity, "deployment", d.id))
        requests = cap["monthly_capacity_requests"]
        cost = self_hosted_range(rate.get("min_usd_per_gpu_hour"), rate.get("median_usd_per_gpu_hour"),
                                 d.gpu_count, a.hours_per_month, d.gpu_monthly_cost_usd)
        fits, note = fits_in_memory(d.model_size_b, d.bytes_per_parameter, d.gpu_count, mem.get("gpu_memory_gb"))
        if cost.low is None:
            note = f"{note}; {cost.basis}"
        rows.append({**cap, "model": d.model, "model_size_b": d.model_size_b, "precision": d.precision,
                     "gpu": d.gpu, "gpu_count": d.gpu_count, "gpu_memory_gb": mem.get("gpu_memory_gb"),
                     "min_usd_per_gpu_hour": rate.get("min_usd_per_gpu_hour"),
                     "median_usd_per_gpu_hour": rate.get("median_usd_per_gpu_hour"),
                     "gpu_offers": rate.get("offers"), "monthly_gpu_cost_low": cost.low,
                     "monthly_gpu_cost_high": cost.high, "cost_basis": cost.basis,
                     "usd_per_mtok_output_low": usd_per_mtok_output(cost.low, requests, a.output_tokens),
                     "usd_per_mtok_output_high": usd_per_mtok_output(cost.high, requests, a.output_tokens),
                     "hidden_costs_usd": d.hidden_costs.total, "fits_in_memory": fits, "note": note,
                     **quality_after_penalty(d.model, cap["quality_penalty_pct_high"], tiers, a)})
    return pl.DataFrame(rows, schema=SELF_HOSTED_SCHEMA)


def crossover(a: Assumptions, hosted: pl.DataFrame, reference: pl.DataFrame) -> pl.DataFrame:
    """Per deployment and compared API model: the break-even monthly volume, or why there is none."""
    rows = []
    for d in a.deployments:
        h = lookup(hosted, "deployment", d.id)
        for model in d.compare_with:
            api = lookup(reference, "canonical_model", model)
            rows.append(crossover_row(d, model, h, api, f"no base API price for {model} this quarter"))
    return pl.DataFrame(rows, schema=CROSSOVER_SCHEMA)


def crossover_row(d: Deployment, model: str, hosted: dict, api: dict, no_price: str) -> dict:
    """Break-even of one deployment against one priced offer (`api`: provider, usd_per_request)."""
    capacity = hosted.get("monthly_capacity_requests", d.monthly_capacity_requests)
    row = {"deployment": d.id, "canonical_model": model, "provider": api.get("provider"),
           "api_usd_per_request": api.get("usd_per_request"), "monthly_capacity_requests": capacity,
           "gpu_monthly_cost_usd": hosted.get("monthly_gpu_cost_high"), "hidden_costs_usd": d.hidden_costs.total}
    why = None
    if not api:
        why = no_price
    elif hosted.get("monthly_gpu_cost_high") is None:
        why = f"no GPU cost for {d.gpu} this quarter"
    elif hosted.get("fits_in_memory") is False:
        why = f"the model does not fit this deployment ({hosted.get('note')})"
    if why:
        return {**row, "reason_gpu_only": why, "reason_with_hidden_costs": why}
    gpu_only = breakeven(api["usd_per_request"], capacity, hosted["monthly_gpu_cost_high"])
    hidden = breakeven(api["usd_per_request"], capacity, hosted["monthly_gpu_cost_high"], d.hidden_costs.total)
    low = breakeven(api["usd_per_request"], capacity, hosted["monthly_gpu_cost_low"])
    return {**row, "breakeven_requests_gpu_only": gpu_only.monthly_requests, "replicas_gpu_only": gpu_only.replicas,
            "breakeven_requests_with_hidden_costs": hidden.monthly_requests,
            "replicas_with_hidden_costs": hidden.replicas, "breakeven_requests_gpu_only_low": low.monthly_requests,
            "reason_gpu_only": gpu_only.reason, "reason_with_hidden_costs": hidden.reason}


def tco_at_volume(a: Assumptions, hosted: pl.DataFrame, reference: pl.DataFrame,
                  managed: pl.DataFrame | None = None) -> pl.DataFrame:
    """Per TCO option and volume: inference + ML engineering + infrastructure + monitoring.

    `managed:<model>` options price the cheapest paid managed offer (`managed`: managed_inference
    rows with is_cheapest) like an API: same hidden costs, the provider's per-request price."""
    rows = []
    for option in a.tco_options:
        kind, _, name = option.partition(":")
        for volume in a.tco_requests:
            if kind == "deployment":
                rows.append(_deployment_tco(a, option, a.deployment(name), volume, hosted))
            else:
                prices = reference if kind == "api" else cheapest_offers(managed)
                rows.append(_api_tco(a, option, kind, name, volume, prices))
    return pl.DataFrame(rows, schema=TCO_SCHEMA)


def cheapest_offers(managed: pl.DataFrame | None) -> pl.DataFrame:
    """The cheapest paid managed offer of each model (managed_inference rows with is_cheapest)."""
    if managed is None or managed.height == 0:
        return pl.DataFrame(schema={"canonical_model": pl.String})
    return managed.filter(pl.col("is_cheapest"))


def _api_tco(a: Assumptions, option: str, kind: str, model: str, volume: int, prices: pl.DataFrame) -> dict:
    api, hidden = lookup(prices, "canonical_model", model), a.api_hidden_costs
    row = {"option": option, "kind": kind, "monthly_requests": volume, "provider": api.get("provider"),
           "ml_engineering": hidden.ml_engineering, "infrastructure": hidden.infrastructure,
           "monitoring": hidden.monitoring}
    if not api:
        what = "base API price" if kind == "api" else "paid managed offer"
        return {**row, "note": f"no {what} for {model} this quarter"}
    cost = api_monthly_cost_usd(volume, a.input_tokens, a.output_tokens, api["input_usd_per_mtok"],
                                api["output_usd_per_mtok"])
    tco = api_tco(cost, hidden.ml_engineering, hidden.infrastructure, hidden.monitoring)
    note = f"{api['provider']} price"
    if kind == "managed":
        quantization = f", {api['quantization']}" if api.get("quantization") else ""
        note = f"cheapest managed offer: {api['provider']} ({api['source']}{quantization})"
    return {**row, "inference": tco.inference, "total": tco.total, "note": note}


def _deployment_tco(a: Assumptions, option: str, d: Deployment, volume: int, hosted: pl.DataFrame) -> dict:
    h, hidden = lookup(hosted, "deployment", d.id), d.hidden_costs
    row = {"option": option, "kind": "deployment", "monthly_requests": volume, "provider": None,
           "ml_engineering": hidden.ml_engineering, "infrastructure": hidden.infrastructure,
           "monitoring": hidden.monitoring}
    if h.get("monthly_gpu_cost_high") is None:
        return {**row, "note": f"no GPU cost for {d.gpu} this quarter"}
    tco = deployment_tco(volume, h["monthly_capacity_requests"], h["monthly_gpu_cost_high"], hidden.ml_engineering,
                         hidden.infrastructure, hidden.monitoring)
    note = f"{tco.replicas} replica(s) of {d.gpu_count}x {d.gpu} at the median on-demand rate"
    if h.get("fits_in_memory") is False:
        note += f"; {h.get('note')}"
    return {**row, "replicas": tco.replicas, "inference": tco.inference, "total": tco.total, "note": note}
