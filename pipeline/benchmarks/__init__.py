"""Benchmarks: leaderboard scores from public sources, normalised to 0–100 and mapped to models."""

from pipeline.benchmarks.guards import GUARDS
from pipeline.benchmarks.status import status_report
from pipeline.core.family import Family
from pipeline.prices.registry import load_aliases, load_models
from pipeline.core.releases import release_rows
from schemas.benchmarks import BenchmarkObservation

def release_dates(curated_dir):
    """Release dates of the models each benchmark source names (curated scores name canonical ids)."""
    return release_rows(load_models(curated_dir), load_aliases(curated_dir),
                        {"curated_benchmarks": "curated scores name canonical ids"})


FAMILY = Family(
    name="benchmarks",
    observation_table="benchmark_observations",
    # observed_at is part of the key only for curated rows, which carry their own date: a figure
    # republished later is history, not a duplicate. Fetched rows have no such column.
    key_columns=("source_model_id", "source_benchmark", "observed_at"),
    schema=BenchmarkObservation,
    guards=GUARDS,
    releases=release_dates,
    status_report=status_report,
    description="Benchmark scores (0-100, higher is better) with intervals, per model and source",
)
