"""Schemas for the drift tables: each compares a quarter of a mart with the previous quarter
(pipeline/marts/drift.py)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas.mart_base import CHANGES, REQUESTS_PER_MONTH, THROUGHPUT_BASES, USD_PER_MTOK, MartRow, usd_field


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


class ManagedInferenceDrift(ChangeRow):
    """`managed_inference_drift`: an open model's cheapest paid managed offer, this quarter vs the previous one."""

    canonical_model: str = pa.Field(description="Canonical id of the open-weight model")
    old_provider: str = pa.Field(nullable=True, description="Provider of the cheapest paid offer, previous quarter")
    new_provider: str = pa.Field(nullable=True, description="Provider of the cheapest paid offer, this quarter")
    old_blended_usd_per_mtok: float = usd_field("Its blended price, previous quarter", unit=USD_PER_MTOK)
    new_blended_usd_per_mtok: float = usd_field("Its blended price, this quarter (pct_change is of this)",
                                                unit=USD_PER_MTOK)
    old_usd_per_request: float = usd_field("Its cost of one request, previous quarter", unit="USD")
    new_usd_per_request: float = usd_field("Its cost of one request, this quarter", unit="USD")
    old_providers_offering: int = pa.Field(nullable=True, ge=1, description="Providers listing the model before")
    new_providers_offering: int = pa.Field(nullable=True, ge=1, description="Providers listing the model now")


class ThroughputDrift(ChangeRow):
    """`throughput_drift`: a deployment's capacity and its basis, this quarter vs the previous one."""

    deployment: str = pa.Field(description="Deployment id")
    old_monthly_capacity_requests: int = pa.Field(nullable=True, ge=1, description="Capacity of one replica before",
                                                  metadata={"unit": REQUESTS_PER_MONTH})
    new_monthly_capacity_requests: int = pa.Field(nullable=True, ge=1, description="Capacity of one replica now "
                                                  "(pct_change is of this)", metadata={"unit": REQUESTS_PER_MONTH})
    old_output_tokens_per_s: float = pa.Field(nullable=True, gt=0, description="Tokens/s it came from before",
                                              metadata={"unit": "output tokens/s per replica"})
    new_output_tokens_per_s: float = pa.Field(nullable=True, gt=0, description="Tokens/s it comes from now",
                                              metadata={"unit": "output tokens/s per replica"})
    old_throughput_basis: str = pa.Field(nullable=True, isin=list(THROUGHPUT_BASES), description="Basis before")
    new_throughput_basis: str = pa.Field(nullable=True, isin=list(THROUGHPUT_BASES), description="Basis now")
    old_throughput_source: str = pa.Field(nullable=True, description="Throughput source before")
    new_throughput_source: str = pa.Field(nullable=True, description="Throughput source now")
    old_throughput_observed_at: pl.Datetime = pa.Field(nullable=True, description="When that source published it")
    new_throughput_observed_at: pl.Datetime = pa.Field(nullable=True, description="When this source published it")
