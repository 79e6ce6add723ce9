"""Schemas for measured inference throughput: what a throughput parser returns, and the quarterly
`throughput_measurements` snapshot.

Every figure is output tokens per second PER GPU, converted in the parser from the source's unit
(per system, per decode GPU, …); docs/throughput.md says how, per source and layout.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

OUTPUT_TOKENS_PER_S_PER_GPU = "output tokens per second per GPU"
TOTAL_TOKENS_PER_S_PER_GPU = "input + output tokens per second per GPU"
PRECISIONS = ("fp32", "fp16", "bf16", "fp8", "fp4", "mxfp4", "int8", "int4")
# offline: all requests queued at once (maximum throughput); server / interactive: MLPerf's
# scenarios with latency bounds; online: a serving benchmark at a fixed client concurrency.
SCENARIOS = ("offline", "server", "interactive", "online")


def _not_nan(data: pa.PolarsData) -> pl.LazyFrame:
    return data.lazyframe.select(pl.col(data.key).is_null() | pl.col(data.key).is_not_nan())


class ThroughputObservation(pa.DataFrameModel):
    """One measurement as a source publishes it, converted to tokens/s per GPU."""

    model_name: str = pa.Field(str_length={"min_value": 1}, description="The model as the source names it "
                               "(an MLPerf benchmark id keeps its accuracy target, e.g. llama2-70b-99)")
    model_size_b: float = pa.Field(gt=0, description="Total parameters (pipeline/throughput/models.csv, cited)",
                                   metadata={"unit": "billion parameters"})
    active_params_b: float = pa.Field(nullable=True, gt=0, description="Mixture-of-experts models: parameters "
                                      "used per token; empty for dense models", metadata={"unit": "billion parameters"})
    canonical_model: str = pa.Field(nullable=True, description="The model's id in pipeline/curated/models.csv, if listed")
    precision: str = pa.Field(isin=list(PRECISIONS), description="Weight precision the source states")
    gpu_name: str = pa.Field(str_length={"min_value": 1}, description="The accelerator as the source names it")
    gpu: str = pa.Field(str_length={"min_value": 1}, description="Canonical GPU id (pipeline/curated/gpus.csv or "
                        "the proposed pipeline/throughput/new_gpus.csv)")
    gpu_count: int = pa.Field(ge=1, description="GPUs the measurement ran on (all of them: nodes x GPUs, "
                              "TP x PP, prefill + decode)")
    parallelism: str = pa.Field(str_length={"min_value": 1}, description="How the model was split: TP2, TP1,PP2, "
                                "DEP8, nodes x GPUs (MLPerf), prefill/decode pools (disaggregated serving)")
    input_tokens: int = pa.Field(nullable=True, ge=1, description="Input length per request; empty for MLPerf "
                                 "(a fixed dataset per benchmark, see `benchmark`)", metadata={"unit": "tokens"})
    output_tokens: int = pa.Field(nullable=True, ge=1, description="Output length per request; empty for MLPerf",
                                  metadata={"unit": "tokens"})
    concurrency: int = pa.Field(nullable=True, ge=1, description="Concurrent requests the client kept in flight")
    batch_size: int = pa.Field(nullable=True, ge=1, description="Static batch size (TensorRT-LLM before v0.10)")
    scenario: str = pa.Field(isin=list(SCENARIOS), description="offline / server / interactive / online")
    output_tokens_per_s_per_gpu: float = pa.Field(gt=0, description="Generated tokens per second per GPU",
                                                  metadata={"unit": OUTPUT_TOKENS_PER_S_PER_GPU})
    total_tokens_per_s_per_gpu: float = pa.Field(nullable=True, gt=0, description="Input and output tokens per "
                                                 "second per GPU, where the source states it",
                                                 metadata={"unit": TOTAL_TOKENS_PER_S_PER_GPU})
    measured_on: pl.Date = pa.Field(nullable=True, description="When the source says the run was made, if it dates rows")
    framework: str = pa.Field(nullable=True, description="Inference software (TensorRT-LLM 0.9.0, sglang, …)")
    benchmark: str = pa.Field(nullable=True, description="A named benchmark with a fixed dataset (MLPerf)")
    variant: str = pa.Field(nullable=True, description="Configuration beyond the columns above: speculative "
                            "decoding, disaggregated prefill/decode, MLPerf availability")
    result_id: str = pa.Field(nullable=True, description="The source's id for the run (MLPerf result ID, "
                              "InferenceX workflow run)")
    detail: str = pa.Field(nullable=True, description="How the figure was converted and what else the source said")

    @pa.check("model_size_b", "active_params_b", "output_tokens_per_s_per_gpu", "total_tokens_per_s_per_gpu",
              name="not_nan")
    @classmethod
    def _finite(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return _not_nan(data)

    @pa.dataframe_check(name="output_not_above_total")
    @classmethod
    def _output_within_total(cls, data: pa.PolarsData) -> pl.LazyFrame:
        total = pl.col("total_tokens_per_s_per_gpu")
        return data.lazyframe.select(total.is_null() | (pl.col("output_tokens_per_s_per_gpu") <= total * 1.0001))

    class Config:
        strict = True
        coerce = False


class ThroughputMeasurement(pa.DataFrameModel):
    """`throughput_measurements`: per quarter, every measurement of each source's newest response."""

    quarter: str = pa.Field(str_matches=r"^\d{4}Q[1-4]$", description="Quarter label YYYYQn")
    provisional: bool = pa.Field(description="The quarter is still running")
    source: str = pa.Field(description="The source the measurement was read from")
    model_name: str = pa.Field(description="The model as the source names it")
    model_size_b: float = pa.Field(gt=0, description="Total parameters", metadata={"unit": "billion parameters"})
    active_params_b: float = pa.Field(nullable=True, gt=0, description="Parameters used per token (MoE only)",
                                      metadata={"unit": "billion parameters"})
    precision: str = pa.Field(isin=list(PRECISIONS), description="Weight precision")
    gpu: str = pa.Field(description="Canonical GPU id")
    gpu_count: int = pa.Field(ge=1, description="GPUs the measurement ran on")
    parallelism: str = pa.Field(description="How the model was split over the GPUs")
    input_tokens: int = pa.Field(nullable=True, ge=1, description="Input length per request",
                                 metadata={"unit": "tokens"})
    output_tokens: int = pa.Field(nullable=True, ge=1, description="Output length per request",
                                  metadata={"unit": "tokens"})
    scenario: str = pa.Field(isin=list(SCENARIOS), description="offline / server / interactive / online")
    output_tokens_per_s_per_gpu: float = pa.Field(gt=0, description="Generated tokens per second per GPU",
                                                  metadata={"unit": OUTPUT_TOKENS_PER_S_PER_GPU})
    total_tokens_per_s_per_gpu: float = pa.Field(nullable=True, gt=0, description="Input + output tokens/s per GPU",
                                                 metadata={"unit": TOTAL_TOKENS_PER_S_PER_GPU})
    measured_on: pl.Date = pa.Field(nullable=True, description="When the run was made, where the source dates it")
    observed_at: pl.Datetime = pa.Field(description="When the source published it (the response's date, UTC)")
    fetch_id: str = pa.Field(description="The fetch (raw_fetch.fetch_id) the measurement was read from")
    stale: bool = pa.Field(description="The source could not be reached; this is its last known response")

    class Config:
        strict = False
