"""Throughput: published, measured inference throughput (output tokens/s per GPU) by model, size,
precision, GPU, parallelism and input/output length, from public benchmark tables.

Sources: TensorRT-LLM's performance overview, MLPerf Inference results (one repository per round)
and the SemiAnalysis InferenceX API. `snapshot.snapshot_quarter` builds the quarterly
`throughput_measurements`; `capacity.capacity` matches a deployment against one quarter of them.
"""

import polars as pl

from pipeline.core.family import Family, Guard, GuardContext
from schemas.throughput import ThroughputObservation

KEY = ("model_name", "precision", "gpu_name", "gpu_count", "parallelism", "input_tokens", "output_tokens",
       "concurrency", "batch_size", "scenario", "framework", "benchmark", "variant", "result_id")
# A per-GPU figure moving this much against the same key's previous observation is more likely a
# unit slip (a per-system total left undivided: TP4/TP8) than a faster release.
JUMP_FACTOR = 4.0
THROUGHPUT_JUMP = "throughput_jump_x4"
LATEST_QUARTER = """
SELECT quarter, count(*), count(DISTINCT model_name), count(DISTINCT gpu), count(DISTINCT source)
FROM throughput_measurements GROUP BY quarter ORDER BY quarter DESC LIMIT 1
"""


def _jumps(rows: pl.DataFrame, ctx: GuardContext) -> pl.DataFrame:
    empty = pl.DataFrame(schema={"__row": pl.Int64, "detail": pl.String})
    prev = ctx.previous
    if prev.height == 0 or "output_tokens_per_s_per_gpu" not in prev.columns:
        return empty
    keys = [k for k in KEY if k in rows.columns and k in prev.columns]
    before = prev.select(*keys, pl.col("output_tokens_per_s_per_gpu").alias("__prev"))
    joined = rows.join(before, on=keys, how="inner", nulls_equal=True)
    ratio = pl.col("output_tokens_per_s_per_gpu") / pl.col("__prev")
    hits = joined.filter((ratio >= JUMP_FACTOR) | (ratio <= 1 / JUMP_FACTOR))
    return hits.select(pl.col("__row").cast(pl.Int64), pl.format(
        "output tok/s per GPU {} -> {}: a x{} move against the previous observation",
        pl.col("__prev"), pl.col("output_tokens_per_s_per_gpu"), ratio.round(2)).alias("detail"))


def status_report(con) -> str:
    """`ledger status` line: the newest quarter's measurements."""
    latest = con.execute(LATEST_QUARTER).fetchall()
    if not latest:
        return ""
    quarter, n, models, gpus, sources = latest[0]
    return f"throughput: {n} measurements of {models} models on {gpus} GPUs from {sources} sources in {quarter}"


FAMILY = Family(
    name="throughput",
    observation_table="throughput_observations",
    key_columns=KEY,
    schema=ThroughputObservation,
    guards=(Guard(THROUGHPUT_JUMP, _jumps, "Output tok/s per GPU moved x4 or more against the previous observation"),),
    status_report=status_report,
    description="Measured inference throughput: output tokens/s per GPU by model, precision, GPU and ISL/OSL",
)
