"""Schemas for GPU rates: what a GPU-rate parser returns, the quarterly `gpu_rates` snapshot and
the `gpu_price_summary` built from it."""

from __future__ import annotations

from typing import Optional

import pandera.polars as pa
import polars as pl

USD_PER_HOUR = "USD per hour"
USD_PER_GPU_HOUR = "USD per GPU-hour"
PRICING_MODELS = ("on_demand", "spot", "reserved_1y", "reserved_3y")


def _not_nan(data: pa.PolarsData) -> pl.LazyFrame:
    return data.lazyframe.select(pl.col(data.key).is_null() | pl.col(data.key).is_not_nan())


class GpuRateObservation(pa.DataFrameModel):
    """One offer as a source states it: an instance (or serverless GPU) at a price per hour."""

    provider: str = pa.Field(str_length={"min_value": 1},
                             description="Who bills the rate (aws, azure, gcp, lambda, runpod, modal…)")
    region: str = pa.Field(str_length={"min_value": 1},
                           description="The provider's region id (eastus, us-east-1…; 'global' when the "
                                       "provider prices one rate everywhere)")
    zone: str = pa.Field(nullable=True, description="For spot rates quoted per availability zone: the "
                                                    "zone of the cheapest quote kept for the region")
    instance_type: str = pa.Field(str_length={"min_value": 1},
                                  description="The provider's instance type or SKU, verbatim")
    pricing_model: str = pa.Field(isin=list(PRICING_MODELS),
                                  description="on_demand, spot, or a reservation converted to an hourly rate")
    usd_per_hour: float = pa.Field(gt=0, description="What the whole instance costs per hour",
                                   metadata={"unit": USD_PER_HOUR})
    gpu_name: str = pa.Field(str_length={"min_value": 1},
                             description="The GPU as the source names it (accelerator name, or the SKU "
                                         "when the source only names the SKU); mapped to a canonical GPU "
                                         "through pipeline/curated/gpu_names.csv")
    gpu_count: float = pa.Field(nullable=True, gt=0,
                                description="GPUs in the instance as the source states it (empty when "
                                            "only the curated name map knows it)")
    gpu_memory_gb: float = pa.Field(nullable=True, gt=0,
                                    description="Memory of one GPU as the source states it",
                                    metadata={"unit": "GB"})
    meter_id: str = pa.Field(nullable=True, description="The source's own id for the price (Azure meterId)")
    detail: str = pa.Field(nullable=True, description="The source's own label for the price")
    citation: str = pa.Field(nullable=True, description="Where a curated rate was published")
    observed_at: Optional[pl.Datetime] = pa.Field(
        nullable=True, description="Curated rows only: the day the rate was published (observed_on)")

    @pa.check("usd_per_hour", "gpu_count", "gpu_memory_gb", name="not_nan")
    @classmethod
    def _finite(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _not_nan(data)

    class Config:
        strict = True
        coerce = False


class GpuRate(pa.DataFrameModel):
    """`gpu_rates`: per quarter, the latest rate of each offer, with its canonical GPU."""

    quarter: str = pa.Field(str_matches=r"^\d{4}Q[1-4]$", description="Quarter label YYYYQn")
    provisional: bool = pa.Field(description="The quarter is still running")
    provider: str = pa.Field(description="Who bills the rate")
    region: str = pa.Field(description="The provider's region id")
    zone: str = pa.Field(nullable=True, description="Zone of the cheapest spot quote, when quoted per zone")
    instance_type: str = pa.Field(description="The provider's instance type or SKU")
    gpu: str = pa.Field(description="Canonical GPU (pipeline/curated/gpus.csv)")
    gpu_count: float = pa.Field(gt=0, description="GPUs in the instance (below 1: a GPU partition)")
    gpu_memory_gb: float = pa.Field(gt=0, description="Memory of one GPU", metadata={"unit": "GB"})
    pricing_model: str = pa.Field(isin=list(PRICING_MODELS), description="on_demand / spot / reserved_1y / reserved_3y")
    usd_per_hour: float = pa.Field(gt=0, description="Rate of the whole instance", metadata={"unit": USD_PER_HOUR})
    usd_per_gpu_hour: float = pa.Field(gt=0, description="usd_per_hour / gpu_count",
                                       metadata={"unit": USD_PER_GPU_HOUR})
    source: str = pa.Field(description="The source the rate was read from")
    source_gpu_name: str = pa.Field(description="The GPU (or SKU) as that source names it")
    observed_at: pl.Datetime = pa.Field(description="When the rate was observed (UTC)")
    age_days: int = pa.Field(ge=0, nullable=True, description="Days from that observation to the quarter's end: how "
                             "old the figure is by the end of the quarter it stands for", metadata={"unit": "days"})
    carried_forward: bool = pa.Field(nullable=True, description="The figure was observed in an earlier quarter and "
                                     "carried into this one (the source said nothing newer before its end)")
    fetch_id: str = pa.Field(description="The fetch (raw_fetch.fetch_id) the rate was read from")
    stale: bool = pa.Field(description="The source could not be reached; this is its last known rate")
    stale_reason: str = pa.Field(nullable=True, description="Why the rate is stale")

    class Config:
        strict = False


class GpuPriceSummary(pa.DataFrameModel):
    """`gpu_price_summary`: per quarter, GPU and pricing model, the spread of USD per GPU-hour."""

    quarter: str = pa.Field(str_matches=r"^\d{4}Q[1-4]$", description="Quarter label YYYYQn")
    provisional: bool = pa.Field(description="The quarter is still running")
    gpu: str = pa.Field(description="Canonical GPU")
    pricing_model: str = pa.Field(isin=list(PRICING_MODELS), description="on_demand / spot / reserved_1y / reserved_3y")
    gpu_memory_gb: float = pa.Field(gt=0, description="Memory of one GPU", metadata={"unit": "GB"})
    min_usd_per_gpu_hour: float = pa.Field(gt=0, description="Cheapest offer", metadata={"unit": USD_PER_GPU_HOUR})
    median_usd_per_gpu_hour: float = pa.Field(gt=0, description="Median over offers",
                                              metadata={"unit": USD_PER_GPU_HOUR})
    max_usd_per_gpu_hour: float = pa.Field(gt=0, description="Dearest offer", metadata={"unit": USD_PER_GPU_HOUR})
    offers: int = pa.Field(ge=1, description="Offers (provider × region × instance type) counted")
    providers: int = pa.Field(ge=1, description="Distinct providers among them")
    stale_offers: int = pa.Field(ge=0, description="Offers whose source could not be reached (last known rate)")

    @pa.dataframe_check(name="min_le_median_le_max")
    @classmethod
    def _ordered(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("min_usd_per_gpu_hour") <= pl.col("median_usd_per_gpu_hour"))
            & (pl.col("median_usd_per_gpu_hour") <= pl.col("max_usd_per_gpu_hour")))

    class Config:
        strict = False
