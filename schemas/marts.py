"""Schemas for the marts: the quarterly decision tables and their drift (pipeline/marts).

Money is USD per month unless the column says otherwise; costs are never negative.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

USD_PER_MONTH = "USD per month"
USD_PER_MTOK = "USD per 1M tokens"
REQUESTS_PER_MONTH = "requests per month"
CHANGES = ("cut", "increase", "up", "down", "unchanged", "new", "gone")


def _usd(description: str, nullable: bool = True, unit: str = USD_PER_MONTH):
    return pa.Field(nullable=nullable, ge=0, description=description, metadata={"unit": unit})


class MartRow(pa.DataFrameModel):
    quarter: str = pa.Field(str_matches=r"^\d{4}Q[1-4]$", description="Quarter label YYYYQn")
    provisional: bool = pa.Field(description="The quarter is still running")
    assumptions_hash: str = pa.Field(str_length={"min_value": 16, "max_value": 16},
                                     description="Hash of the assumptions used (run_assumptions)")

    class Config:
        strict = False


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
    input_usd_per_mtok: float = _usd("Base input price", False, USD_PER_MTOK)
    output_usd_per_mtok: float = _usd("Base output price", False, USD_PER_MTOK)
    usd_per_request: float = _usd("Cost of one request of the mix", False, "USD")
    monthly_cost_usd: float = _usd("monthly_requests × usd_per_request", False)
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
    min_usd_per_gpu_hour: float = _usd("Cheapest on-demand rate", unit="USD per GPU-hour")
    median_usd_per_gpu_hour: float = _usd("Median on-demand rate", unit="USD per GPU-hour")
    gpu_offers: int = pa.Field(nullable=True, ge=0, description="On-demand offers the rates come from")
    monthly_gpu_cost_low: float = _usd("GPU cost of one replica at the cheapest rate")
    monthly_gpu_cost_high: float = _usd("GPU cost of one replica at the median rate")
    cost_basis: str = pa.Field(description="How the GPU cost was obtained")
    monthly_capacity_requests: int = pa.Field(ge=1, description="Requests one replica serves per month",
                                              metadata={"unit": REQUESTS_PER_MONTH})
    usd_per_mtok_output_low: float = _usd("GPU cost per 1M output tokens at full capacity (low)", unit=USD_PER_MTOK)
    usd_per_mtok_output_high: float = _usd("GPU cost per 1M output tokens at full capacity (high)", unit=USD_PER_MTOK)
    hidden_costs_usd: float = _usd("ML engineering + infrastructure + monitoring", False)
    fits_in_memory: bool = pa.Field(nullable=True, description="params × bytes × 1.2 ≤ gpu_count × GPU memory")
    note: str = pa.Field(description="Memory need, or why it does not fit")


class Crossover(MartRow):
    """`crossover`: the smallest monthly volume at which a deployment is not dearer than an API."""

    deployment: str = pa.Field(description="Deployment id")
    canonical_model: str = pa.Field(description="The API model compared")
    provider: str = pa.Field(nullable=True, description="Its reference provider")
    api_usd_per_request: float = _usd("API cost of one request", unit="USD")
    monthly_capacity_requests: int = pa.Field(ge=1, description="Requests one replica serves per month")
    gpu_monthly_cost_usd: float = _usd("One replica's GPU cost (median rate)")
    hidden_costs_usd: float = _usd("Monthly hidden costs", False)
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

    option: str = pa.Field(str_matches=r"^(api|deployment):.+$", description="api:<model> or deployment:<id>")
    kind: str = pa.Field(isin=["api", "deployment"], description="API or self-hosted")
    monthly_requests: int = pa.Field(ge=1, description="Requests per month", metadata={"unit": REQUESTS_PER_MONTH})
    provider: str = pa.Field(nullable=True, description="API options: the provider priced")
    replicas: int = pa.Field(nullable=True, ge=0, description="Deployments: replicas needed")
    inference: float = _usd("API cost, or replicas × GPU monthly cost")
    ml_engineering: float = _usd("Engineering time to run it", False)
    infrastructure: float = _usd("Non-GPU infrastructure", False)
    monitoring: float = _usd("Monitoring", False)
    total: float = _usd("inference + ml_engineering + infrastructure + monitoring")
    note: str = pa.Field(nullable=True, description="What the inference cost is based on, or why it is missing")


class DriftRow(MartRow):
    previous_quarter: str = pa.Field(str_matches=r"^\d{4}Q[1-4]$", description="The quarter compared against")
    previous_computed: bool = pa.Field(description="The previous quarter's snapshots existed")


class ChangeRow(DriftRow):
    pct_change: float = pa.Field(nullable=True, description="(new − old) / old × 100", metadata={"unit": "%"})
    change: str = pa.Field(isin=list(CHANGES), description="cut/increase, up/down, unchanged, new, gone")


class PriceDrift(ChangeRow):
    """`price_drift`: a model's base price at a provider, this quarter vs the previous one."""

    canonical_model: str = pa.Field(description="Canonical model id")
    provider: str = pa.Field(description="Who bills the price")


class TierDrift(ChangeRow):
    """`tier_drift`: a model's tier and score, this quarter vs the previous one."""

    canonical_model: str = pa.Field(description="Canonical model id")
    metric: str = pa.Field(description="The tier metric")


class CrossoverDrift(ChangeRow):
    """`crossover_drift`: break-even volumes, this quarter vs the previous one."""

    deployment: str = pa.Field(description="Deployment id")
    canonical_model: str = pa.Field(description="The API model compared")


class GpuRateDrift(ChangeRow):
    """`gpu_rate_drift`: a GPU's on-demand median and minimum rate, this quarter vs the previous one."""

    gpu: str = pa.Field(description="Canonical GPU")


class LicenseDrift(DriftRow):
    """`license_drift`: license texts changed in the quarter, and models whose license or category moved."""

    kind: str = pa.Field(isin=["license_text", "openness_category", "model_license"], description="What changed")
    license_id: str = pa.Field(nullable=True, description="The license")
    canonical_model: str = pa.Field(nullable=True, description="The model (category and license moves)")


class OpenClosedGap(DriftRow):
    """`open_closed_gap`: best closed-weight vs best open-weight score on the tier metric."""

    metric: str = pa.Field(description="The tier metric")
    best_closed_score: float = pa.Field(nullable=True, ge=0, le=100, description="Best closed-weight score")
    best_open_score: float = pa.Field(nullable=True, ge=0, le=100, description="Best open-weight score")
    gap: float = pa.Field(nullable=True, description="closed − open (> 0: closed ahead)", metadata={"unit": "points"})


MART_SCHEMAS = {"quality_tiers": QualityTier, "api_cost_at_scale": ApiCostAtScale, "self_hosted_cost": SelfHostedCost,
                "crossover": Crossover, "tco_at_volume": TcoAtVolume, "price_drift": PriceDrift,
                "tier_drift": TierDrift, "crossover_drift": CrossoverDrift, "gpu_rate_drift": GpuRateDrift,
                "license_drift": LicenseDrift, "open_closed_gap": OpenClosedGap}
