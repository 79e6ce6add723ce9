"""Schemas for the marts: the quarterly decision tables (pipeline/marts); their drift tables are in
schemas/marts_drift.py, and MART_SCHEMAS names both.

Money is USD per month unless the column says otherwise; costs are never negative.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas.mart_base import REQUESTS_PER_MONTH, THROUGHPUT_BASES, USD_PER_MTOK, MartRow, usd_field
from schemas.marts_drift import (CrossoverDrift, GpuRateDrift, LicenseDrift, ManagedInferenceDrift, OpenClosedGap,
                                 PriceDrift, ThroughputDrift, TierDrift)


class QualityTier(MartRow):
    """`quality_tiers`: each scored model's tier relative to the quarter's best score."""

    canonical_model: str = pa.Field(description="Canonical model id")
    tier: int = pa.Field(isin=[1, 2, 3], description="1 frontier, 2 near-frontier, 3 capable small")
    tier_label: str = pa.Field(isin=["frontier", "near-frontier", "capable small"], description="The tier's name")
    metric: str = pa.Field(description="composite (the quality index) or a benchmark id")
    score: float = pa.Field(ge=0, le=100, description="The model's score on the metric", metadata={"unit": "0-100"})
    best_score: float = pa.Field(ge=0, le=100, description="The quarter's best score", metadata={"unit": "0-100"})
    gap_to_best: float = pa.Field(ge=0, description="best_score − score", metadata={"unit": "points"})


class ApiCostAtScale(MartRow):
    """`api_cost_at_scale`: a model's monthly API cost at a provider and a volume."""

    canonical_model: str = pa.Field(description="Canonical model id")
    provider: str = pa.Field(description="Who bills the price")
    source: str = pa.Field(description="The source of the price")
    source_model_id: str = pa.Field(description="The model's id in that source")
    is_reference: bool = pa.Field(description="The provider crossover and TCO use for this model")
    monthly_requests: int = pa.Field(ge=1, description="Requests per month", metadata={"unit": REQUESTS_PER_MONTH})
    input_tokens: int = pa.Field(ge=0, description="Input tokens per request", metadata={"unit": "tokens"})
    output_tokens: int = pa.Field(ge=1, description="Output tokens per request", metadata={"unit": "tokens"})
    input_usd_per_mtok: float = usd_field("Base input price", False, USD_PER_MTOK)
    output_usd_per_mtok: float = usd_field("Base output price", False, USD_PER_MTOK)
    usd_per_request: float = usd_field("Cost of one request of the mix", False, "USD")
    monthly_cost_usd: float = usd_field("monthly_requests × usd_per_request", False)
    observed_at: pl.Datetime = pa.Field(description="When the price was observed (UTC)")
    fetch_id: str = pa.Field(description="The fetch the price was read from")


class SelfHostedCost(MartRow):
    """`self_hosted_cost`: what one replica of a deployment costs per month and per 1M output tokens."""

    deployment: str = pa.Field(description="Deployment id (assumptions)")
    model: str = pa.Field(nullable=True, description="The open model deployed")
    model_size_b: float = pa.Field(gt=0, description="Parameters", metadata={"unit": "billions"})
    precision: str = pa.Field(description="Weight precision (fp16, fp8, int4…)")
    gpu: str = pa.Field(description="Canonical GPU")
    gpu_count: int = pa.Field(ge=1, description="GPUs per replica")
    gpu_memory_gb: float = pa.Field(nullable=True, gt=0, description="Memory of one GPU", metadata={"unit": "GB"})
    min_usd_per_gpu_hour: float = usd_field("Cheapest on-demand rate", unit="USD per GPU-hour")
    median_usd_per_gpu_hour: float = usd_field("Median on-demand rate", unit="USD per GPU-hour")
    gpu_offers: int = pa.Field(nullable=True, ge=0, description="On-demand offers the rates come from")
    monthly_gpu_cost_low: float = usd_field("GPU cost of one replica at the cheapest rate")
    monthly_gpu_cost_high: float = usd_field("GPU cost of one replica at the median rate")
    cost_basis: str = pa.Field(description="How the GPU cost was obtained")
    monthly_capacity_requests: int = pa.Field(ge=1, description="Requests one replica serves per month",
                                              metadata={"unit": REQUESTS_PER_MONTH})
    usd_per_mtok_output_low: float = usd_field("GPU cost per 1M output tokens at full capacity (low)",
                                               unit=USD_PER_MTOK)
    usd_per_mtok_output_high: float = usd_field("GPU cost per 1M output tokens at full capacity (high)",
                                                unit=USD_PER_MTOK)
    hidden_costs_usd: float = usd_field("ML engineering + infrastructure + monitoring", False)
    fits_in_memory: bool = pa.Field(nullable=True, description="params × bytes × 1.2 ≤ gpu_count × GPU memory")
    note: str = pa.Field(description="Memory need, or why it does not fit")
    output_tokens_per_s: float = pa.Field(nullable=True, gt=0, description="Output tokens/s of one replica the "
                                          "capacity comes from (NULL: a stated monthly capacity)",
                                          metadata={"unit": "output tokens/s per replica"})
    throughput_basis: str = pa.Field(isin=list(THROUGHPUT_BASES), description="measured (a matching "
                                     "throughput_measurements figure), estimated (scaled from one, flagged) or "
                                     "assumption (the assumptions' cited figure)")
    throughput_flagged: bool = pa.Field(description="The capacity is a rough estimate (basis estimated)")
    throughput_source: str = pa.Field(nullable=True, description="The throughput source measured or scaled from")
    throughput_measured_on: pl.Date = pa.Field(nullable=True, description="When that run was made, where dated")
    throughput_observed_at: pl.Datetime = pa.Field(nullable=True, description="When the source published it (UTC)")
    throughput_fetch_id: str = pa.Field(nullable=True, description="The fetch the measurement was read from")
    throughput_note: str = pa.Field(description="The basis, source and date, and the matching or scaling rule")
    assumed_monthly_capacity_requests: int = pa.Field(ge=1, description="The capacity the assumptions' own figure "
                                                      "gives", metadata={"unit": REQUESTS_PER_MONTH})
    assumed_output_tokens_per_s: float = pa.Field(nullable=True, gt=0, description="The assumptions' cited "
                                                  "throughput", metadata={"unit": "output tokens/s per replica"})
    quality_penalty_pct_low: float = pa.Field(nullable=True, ge=0, le=100, description="Accuracy lost to the "
                                              "precision against 16-bit weights, low (NULL: not measured)",
                                              metadata={"unit": "%"})
    quality_penalty_pct_high: float = pa.Field(nullable=True, ge=0, le=100, description="The same, high",
                                               metadata={"unit": "%"})
    quality_penalty_note: str = pa.Field(description="What the penalty rests on for this precision")
    quality_penalty_citation: str = pa.Field(description="The study the penalty is cited from")
    model_tier: int = pa.Field(nullable=True, isin=[1, 2, 3], description="The deployed model's tier (quality_tiers)")
    model_score: float = pa.Field(nullable=True, ge=0, le=100, description="Its score on the tier metric",
                                  metadata={"unit": "0-100"})
    effective_score: float = pa.Field(nullable=True, ge=0, le=100, description="model_score × (1 − "
                                      "quality_penalty_pct_high / 100): the tier metric this deployment offers",
                                      metadata={"unit": "0-100"})
    effective_tier: int = pa.Field(nullable=True, isin=[1, 2, 3], description="The tier effective_score falls in")

    @pa.dataframe_check(name="measured_or_estimated_names_its_source")
    @classmethod
    def _basis_has_source(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select((pl.col("throughput_basis") == "assumption") | pl.col("throughput_source")
                                     .is_not_null())


class Crossover(MartRow):
    """`crossover`: the smallest monthly volume at which a deployment is not dearer than an API."""

    deployment: str = pa.Field(description="Deployment id")
    canonical_model: str = pa.Field(description="The API model compared")
    provider: str = pa.Field(nullable=True, description="Its reference provider")
    api_usd_per_request: float = usd_field("API cost of one request", unit="USD")
    monthly_capacity_requests: int = pa.Field(ge=1, description="Requests one replica serves per month")
    gpu_monthly_cost_usd: float = usd_field("One replica's GPU cost (median rate)")
    hidden_costs_usd: float = usd_field("Monthly hidden costs", False)
    breakeven_requests_gpu_only: int = pa.Field(nullable=True, ge=1, description="Break-even on GPU cost alone",
                                                metadata={"unit": REQUESTS_PER_MONTH})
    replicas_gpu_only: int = pa.Field(nullable=True, ge=1, description="Replicas at that volume")
    breakeven_requests_with_hidden_costs: int = pa.Field(
        nullable=True, ge=1, description="Break-even with hidden costs", metadata={"unit": REQUESTS_PER_MONTH})
    replicas_with_hidden_costs: int = pa.Field(nullable=True, ge=1, description="Replicas at that volume")
    breakeven_requests_gpu_only_low: int = pa.Field(nullable=True, ge=1, description="Break-even at the cheapest rate")
    reason_gpu_only: str = pa.Field(nullable=True, description="Why there is no GPU-only break-even")
    reason_with_hidden_costs: str = pa.Field(nullable=True, description="Why there is no break-even with hidden costs")

    @pa.dataframe_check(name="a_volume_or_a_reason")
    @classmethod
    def _volume_or_reason(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("breakeven_requests_gpu_only").is_null() != pl.col("reason_gpu_only").is_null())
            & (pl.col("breakeven_requests_with_hidden_costs").is_null()
               != pl.col("reason_with_hidden_costs").is_null()))


class TcoAtVolume(MartRow):
    """`tco_at_volume`: total monthly cost of an option at a volume."""

    option: str = pa.Field(str_matches=r"^(api|managed|deployment):.+$",
                           description="api:<model>, managed:<open model> or deployment:<id>")
    kind: str = pa.Field(isin=["api", "managed", "deployment"],
                         description="API (reference provider), managed inference (cheapest paid offer) or self-hosted")
    monthly_requests: int = pa.Field(ge=1, description="Requests per month", metadata={"unit": REQUESTS_PER_MONTH})
    provider: str = pa.Field(nullable=True, description="API and managed options: the provider priced")
    replicas: int = pa.Field(nullable=True, ge=0, description="Deployments: replicas needed")
    inference: float = usd_field("API cost, or replicas × GPU monthly cost")
    ml_engineering: float = usd_field("Engineering time to run it", False)
    infrastructure: float = usd_field("Non-GPU infrastructure", False)
    monitoring: float = usd_field("Monitoring", False)
    total: float = usd_field("inference + ml_engineering + infrastructure + monitoring")
    note: str = pa.Field(nullable=True, description="What the inference cost is based on, or why it is missing")


class ManagedInference(MartRow):
    """`managed_inference`: an open-weight model offered by a provider other than its developer."""

    canonical_model: str = pa.Field(description="Canonical id of the open-weight model")
    provider: str = pa.Field(description="Who serves and bills it (not the developer's own API)")
    source: str = pa.Field(description="The source of the price")
    source_model_id: str = pa.Field(description="The offer's id in that source")
    variant: str = pa.Field(nullable=True, description="The offer's variant (NULL: the model's own base offer)")
    quantization: str = pa.Field(nullable=True, description="The precision the offer states it serves (NULL: "
                                 "not stated)")
    is_free: bool = pa.Field(description="A free, rate-limited offer: listed, never the cheapest")
    input_usd_per_mtok: float = usd_field("Input price", False, USD_PER_MTOK)
    output_usd_per_mtok: float = usd_field("Output price", False, USD_PER_MTOK)
    blended_usd_per_mtok: float = usd_field("Price per 1M tokens of the request mix (input and output together)", False,
                                       USD_PER_MTOK)
    usd_per_request: float = usd_field("Cost of one request of the mix", False, "USD")
    is_cheapest: bool = pa.Field(description="The model's cheapest paid offer this quarter (one per model)")
    providers_offering: int = pa.Field(ge=1, description="Providers listed for the model this quarter")
    observed_at: pl.Datetime = pa.Field(description="When the price was observed (UTC)")
    fetch_id: str = pa.Field(description="The fetch the price was read from")
    age_days: int = pa.Field(nullable=True, ge=0, description="Days from that observation to the quarter's end",
                             metadata={"unit": "days"})
    carried_forward: bool = pa.Field(nullable=True, description="Observed in an earlier quarter and still the newest")

    @pa.dataframe_check(name="one_row_per_offer")
    @classmethod
    def _one_row_per_offer(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.len().over("quarter", "canonical_model", "provider", "variant", "is_free") == 1)

    @pa.dataframe_check(name="one_paid_cheapest_per_model")
    @classmethod
    def _one_cheapest(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("is_cheapest").cast(pl.Int64).sum().over("quarter", "canonical_model") <= 1)
            & ~(pl.col("is_cheapest") & pl.col("is_free")))


class ManagedCrossover(Crossover):
    """`managed_crossover`: the smallest monthly volume at which a deployment beats its model's cheapest managed offer.
    """

    canonical_model: str = pa.Field(description="The deployed open model, as the managed providers offer it")
    provider: str = pa.Field(nullable=True, description="The provider of its cheapest paid managed offer")
    api_usd_per_request: float = usd_field("That offer's cost of one request", unit="USD")
    source: str = pa.Field(nullable=True, description="The source of that offer's price")
    variant: str = pa.Field(nullable=True, description="That offer's variant (NULL: the base offer)")
    quantization: str = pa.Field(nullable=True, description="The precision that offer states")
    blended_usd_per_mtok: float = usd_field("That offer's price per 1M tokens of the mix", unit=USD_PER_MTOK)
    throughput_basis: str = pa.Field(nullable=True, isin=list(THROUGHPUT_BASES),
                                     description="Where the deployment's capacity comes from (self_hosted_cost)")


MART_SCHEMAS = {"quality_tiers": QualityTier, "api_cost_at_scale": ApiCostAtScale, "self_hosted_cost": SelfHostedCost,
                "crossover": Crossover, "tco_at_volume": TcoAtVolume, "price_drift": PriceDrift,
                "tier_drift": TierDrift, "crossover_drift": CrossoverDrift, "gpu_rate_drift": GpuRateDrift,
                "license_drift": LicenseDrift, "open_closed_gap": OpenClosedGap,
                "managed_inference": ManagedInference, "managed_crossover": ManagedCrossover,
                "managed_inference_drift": ManagedInferenceDrift, "throughput_drift": ThroughputDrift}
