"""Benchmarks: leaderboard scores from public sources, normalised to 0–100 and mapped to models."""

from pipeline.benchmarks.guards import GUARDS
from pipeline.benchmarks.status import status_report
from pipeline.core.family import Family
from schemas.benchmarks import BenchmarkObservation

FAMILY = Family(
    name="benchmarks",
    observation_table="benchmark_observations",
    # observed_at is part of the key only for curated rows, which carry their own date: a figure
    # republished later is history, not a duplicate. Fetched rows have no such column.
    key_columns=("source_model_id", "source_benchmark", "observed_at"),
    schema=BenchmarkObservation,
    guards=GUARDS,
    status_report=status_report,
    description="Benchmark scores (0-100, higher is better) with intervals, per model and source",
)
