"""A self-hosted deployment's capacity, in output tokens/s per GPU, from one quarter's
`throughput_measurements`; with the quality penalty of its precision. Pure: no I/O but the cited
bandwidth table next to this module.

Measured (`throughput_basis = "measured"`): a measurement of
  1. the same canonical GPU and the same precision (fp16 and bf16 count as one: same bytes per
     weight, same kernels);
  2. the same architecture: dense with dense; mixture-of-experts with MoE, active parameters within
     the size tolerance too;
  3. a total model size within SIZE_TOLERANCE (15 %) of the deployment's;
  4. input and output lengths each within a factor LENGTH_FACTOR (2) of the deployment's. Rows
     without lengths (MLPerf: a fixed dataset per benchmark) qualify only when no row with
     lengths does.
Among those: the nearest size, then the nearest lengths (sum of |log ratio|), then the nearest GPU
count, each compared in steps of 0.1 in natural-log units (about 10 %); then the highest figure
(the sources measure saturated serving; the marts' utilisation knob takes the headroom).

Estimated (`"estimated"`, flagged): no measurement matches. A measurement at the same precision,
architecture and lengths is scaled by memory bandwidth (deployment GPU / measured GPU) and by
parameters read per token (measured / deployment; active parameters for MoE): a decode step reads
every weight once, so tokens/s follows bandwidth over bytes per token (Pope et al. 2022, "Efficiently
Scaling Transformer Inference", https://arxiv.org/abs/2211.05102, section 2; per-token compute is
likewise ~2 x parameters, Kaplan et al. 2020, https://arxiv.org/abs/2001.08361). The reference
needing the least scaling is used. At large batches decode turns compute-bound, where bandwidth
understates a newer GPU's lead: the estimate is a rough, flagged figure.

Unavailable (`"unavailable"`, capacity None): nothing at the deployment's precision and lengths,
or a GPU without a bandwidth figure; the caller keeps its own assumption.
"""

from __future__ import annotations

import csv
import functools
import io
import math
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import polars as pl

SIZE_TOLERANCE = 0.15
LENGTH_FACTOR = 2.05  # 2, with 1000 and 1024 taken alike: sources use both (1000/1000, 1024/1024)
STEP = 0.1
MEASURED, ESTIMATED, UNAVAILABLE = "measured", "estimated", "unavailable"
SAME_PRECISION = {"bf16": "fp16"}
SCALING_CITATION = ("Pope et al. 2022, Efficiently Scaling Transformer Inference, https://arxiv.org/abs/2211.05102 "
                    "(decode is memory-bandwidth bound: every weight is read once per step); Kaplan et al. 2020, "
                    "https://arxiv.org/abs/2001.08361 (forward pass ~2 x parameters FLOPs per token)")
QUALITY_CITATION = ("Kurtic, Marques, Pandit, Kurtz, Alistarh, 'Give Me BF16 or Give Me Death? Accuracy-Performance "
                    "Trade-Offs in LLM Quantization', arXiv:2411.02355 (2024-11-04), ACL 2025 "
                    "(https://aclanthology.org/2025.acl-long.1304/): over the Llama-3.1 family, FP8 (W8A8-FP) is "
                    "lossless, tuned INT8 (W8A8-INT) loses 1-3 % accuracy, INT4 weight-only (W4A16-INT) is "
                    "competitive with INT8")


@dataclass(frozen=True)
class Deployment:
    model_size_b: float
    precision: str
    gpu: str
    gpu_count: int
    input_tokens: int
    output_tokens: int
    active_params_b: float | None = None  # mixture-of-experts only


@dataclass(frozen=True)
class QualityPenalty:
    """Accuracy lost against 16-bit weights, in percent (low, high); None where not measured."""

    low_pct: float | None
    high_pct: float | None
    note: str
    citation: str = QUALITY_CITATION


@dataclass(frozen=True)
class Capacity:
    output_tokens_per_s_per_gpu: float | None
    throughput_basis: str
    rule: str
    quality_penalty: QualityPenalty
    source: str | None = None
    observed_at: datetime | None = None
    measured_on: date | None = None
    matched: dict | None = None
    citation: str | None = None

    @property
    def flagged(self) -> bool:
        return self.throughput_basis != MEASURED


def quality_penalty(precision: str) -> QualityPenalty:
    p = SAME_PRECISION.get(precision, precision)
    if p in ("fp32", "fp16"):
        return QualityPenalty(0.0, 0.0, "16-bit or wider weights: the baseline")
    if p == "fp8":
        return QualityPenalty(0.0, 0.0, "FP8 weights and activations: lossless in the cited study")
    if p == "int8":
        return QualityPenalty(1.0, 3.0, "INT8 weights and activations, well tuned: 1-3 % in the cited study")
    if p == "int4":
        return QualityPenalty(1.0, 3.0, "INT4 weight-only: taken as INT8's 1-3 %, which the cited study finds it "
                                        "competitive with")
    return QualityPenalty(None, None, f"{precision}: not measured by the cited study (FP8, INT8, INT4 only)")


@functools.cache
def load_bandwidth() -> dict[str, float]:
    """GPU -> memory bandwidth in GB/s (pipeline/throughput/gpu_bandwidth.csv, cited per row)."""
    text = (Path(__file__).resolve().parent / "gpu_bandwidth.csv").read_text(encoding="utf-8")
    lines = "\n".join(x for x in text.splitlines() if x.strip() and not x.startswith("#"))
    return {r["gpu"]: float(r["memory_bandwidth_gb_per_s"]) for r in csv.DictReader(io.StringIO(lines))}


def _log(a: float, b: float) -> float:
    return abs(math.log(a / b))


def _candidates(d: Deployment, rows: pl.DataFrame) -> pl.DataFrame:
    """Rows at the deployment's precision and architecture, with their distances."""
    prec = SAME_PRECISION.get(d.precision, d.precision)
    rows = rows.filter(pl.col("precision").replace(SAME_PRECISION) == prec)
    moe = d.active_params_b is not None
    rows = rows.filter(pl.col("active_params_b").is_not_null() == moe)
    size_m = pl.col("active_params_b") if moe else pl.col("model_size_b")
    size_d = d.active_params_b if moe else d.model_size_b
    isl, osl = pl.col("input_tokens").cast(pl.Float64), pl.col("output_tokens").cast(pl.Float64)
    return rows.with_columns(
        (pl.col("model_size_b") / d.model_size_b).log().abs().alias("_size"),
        (size_m / size_d).alias("_param_ratio"),
        ((isl / d.input_tokens).log().abs() + (osl / d.output_tokens).log().abs()).alias("_length"),
        pl.max_horizontal((isl / d.input_tokens).log().abs(), (osl / d.output_tokens).log().abs()).alias("_worst"),
        (pl.col("gpu_count").cast(pl.Float64) / d.gpu_count).log().abs().alias("_count"))


def _with_lengths_first(rows: pl.DataFrame) -> pl.DataFrame:
    near = rows.filter(pl.col("_worst") <= math.log(LENGTH_FACTOR))
    return near if near.height else rows.filter(pl.col("input_tokens").is_null())


def _best(rows: pl.DataFrame, first: list[pl.Expr]) -> dict:
    ranked = rows.with_columns(*[(e / STEP).round(0).fill_null(0).alias(f"_r{i}") for i, e in enumerate(first)])
    keys = [f"_r{i}" for i in range(len(first))]
    # Then the unrounded distances and every other column: the choice never depends on row order.
    rest = [c for c in rows.columns if c != "output_tokens_per_s_per_gpu"]
    return ranked.sort([*keys, "output_tokens_per_s_per_gpu", *rest],
                       descending=[*([False] * len(keys)), True, *([False] * len(rest))],
                       nulls_last=True).row(0, named=True)


def _public(row: dict) -> dict:
    return {k: v for k, v in row.items() if not k.startswith("_")}


def capacity(d: Deployment, measurements: pl.DataFrame, bandwidth: dict[str, float] | None = None) -> Capacity:
    """Output tokens/s per GPU for `d`, from one quarter's throughput_measurements (see the module docstring)."""
    penalty = quality_penalty(d.precision)
    rows = _candidates(d, measurements)
    measured = _with_lengths_first(rows.filter(
        (pl.col("gpu") == d.gpu) & (pl.col("_size") <= math.log(1 + SIZE_TOLERANCE))
        & (pl.col("_param_ratio").log().abs() <= math.log(1 + SIZE_TOLERANCE))))
    if measured.height:
        hit = _best(measured, [pl.col("_size"), pl.col("_length"), pl.col("_count")])
        rule = (f"measured: same GPU and precision, size {hit['model_size_b']:g}B within "
                f"{SIZE_TOLERANCE:.0%} of {d.model_size_b:g}B, ISL/OSL "
                + (f"{hit['input_tokens']}/{hit['output_tokens']}" if hit["input_tokens"] else
                   f"not stated ({hit['benchmark']})") + f" on {hit['gpu_count']} GPU(s)")
        return Capacity(hit["output_tokens_per_s_per_gpu"], MEASURED, rule, penalty, hit["source"],
                        hit["observed_at"], hit["measured_on"], _public(hit), f"{hit['source']} ({hit['fetch_id']})")
    bw = load_bandwidth() if bandwidth is None else bandwidth
    if d.gpu not in bw:
        return Capacity(None, UNAVAILABLE, f"no measurement matches and {d.gpu} has no bandwidth figure "
                        "(pipeline/throughput/gpu_bandwidth.csv)", penalty)
    scalable = _with_lengths_first(rows.filter(pl.col("gpu").is_in(list(bw))))
    if scalable.height == 0:
        return Capacity(None, UNAVAILABLE, f"no measurement at {d.precision} for this architecture and these "
                        "lengths on a GPU with a bandwidth figure", penalty)
    scalable = scalable.with_columns(
        (pl.lit(bw[d.gpu]) / pl.col("gpu").replace_strict(bw, default=None)).alias("_bw_ratio"))
    scaling = pl.col("_bw_ratio").log().abs() + pl.col("_param_ratio").log().abs()
    hit = _best(scalable, [scaling, pl.col("_length"), pl.col("_count")])
    value = hit["output_tokens_per_s_per_gpu"] * hit["_bw_ratio"] * hit["_param_ratio"]
    rule = (f"estimated: {hit['output_tokens_per_s_per_gpu']:.1f} tok/s/GPU of {hit['model_name']} "
            f"({hit['model_size_b']:g}B) on {hit['gpu']} x bandwidth {bw[d.gpu]:g}/{bw[hit['gpu']]:g} GB/s "
            f"x parameters per token {hit['_param_ratio']:.3g}")
    return Capacity(value, ESTIMATED, rule, penalty, hit["source"], hit["observed_at"], hit["measured_on"],
                    _public(hit), SCALING_CITATION)


def capacity_frame(deployments: dict[str, Deployment], measurements: pl.DataFrame) -> pl.DataFrame:
    """One row per deployment id: capacity, basis, rule, the matched source and date, quality penalty."""
    out = []
    for name, d in deployments.items():
        c = capacity(d, measurements)
        out.append({"deployment": name, "output_tokens_per_s_per_gpu": c.output_tokens_per_s_per_gpu,
                    "output_tokens_per_s": None if c.output_tokens_per_s_per_gpu is None
                    else c.output_tokens_per_s_per_gpu * d.gpu_count,
                    "throughput_basis": c.throughput_basis, "throughput_rule": c.rule, "throughput_source": c.source,
                    "throughput_observed_at": c.observed_at, "throughput_citation": c.citation,
                    "quality_penalty_pct_low": c.quality_penalty.low_pct,
                    "quality_penalty_pct_high": c.quality_penalty.high_pct})
    return pl.DataFrame(out, schema={"deployment": pl.String, "output_tokens_per_s_per_gpu": pl.Float64,
                                     "output_tokens_per_s": pl.Float64, "throughput_basis": pl.String,
                                     "throughput_rule": pl.String, "throughput_source": pl.String,
                                     "throughput_observed_at": pl.Datetime("us"), "throughput_citation": pl.String,
                                     "quality_penalty_pct_low": pl.Float64, "quality_penalty_pct_high": pl.Float64})
