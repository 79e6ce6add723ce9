"""Schemas for benchmark scores: what a benchmark parser returns, and the published tables.

Every score is carried twice: in the source's own unit (`raw_score` with `raw_unit`: an Elo
rating, a 0–1 fraction, a percentage) and on one scale, `score`, 0–100 and higher is better.
The conversion happens in the parser; docs/benchmarks.md describes it per unit.
"""

from __future__ import annotations

import datetime as dt
from typing import Optional

import pandera.polars as pa
import polars as pl

from schemas.prices import QUANTIZATION, SNAPSHOT, VARIANT

RAW_UNITS = ("elo", "fraction", "percent", "points")
SCORE_0_100 = "0-100, higher is better"
ANCHOR_BASES = ("reference_models", "board_median")


class BenchmarkObservation(pa.DataFrameModel):
    """One score as a source states it: a model, a benchmark (under the source's own name)."""

    source_model_id: str = pa.Field(str_length={"min_value": 1},
                                    description="The model's name in the source, verbatim")
    source_benchmark: str = pa.Field(str_length={"min_value": 1},
                                     description="The benchmark's name in the source (an LMArena view/category, "
                                     "an Epoch task or file, an Open LLM Leaderboard column, an Aider board)")
    raw_score: float = pa.Field(description="The score in the source's unit (see raw_unit)")
    raw_unit: str = pa.Field(isin=list(RAW_UNITS), description="elo (an arena rating), fraction (0–1), "
                             "percent (0–100) or points (a curated score on its own 0–scale_max scale)")
    raw_ci_low: float = pa.Field(nullable=True, description="Lower end of the source's 95% interval, in raw_unit")
    raw_ci_high: float = pa.Field(nullable=True, description="Upper end of the source's 95% interval, in raw_unit")
    score: float = pa.Field(description="The score on one scale", metadata={"unit": SCORE_0_100})
    ci_low: float = pa.Field(nullable=True, description="Lower end of the interval on the 0–100 scale",
                             metadata={"unit": SCORE_0_100})
    ci_high: float = pa.Field(nullable=True, description="Upper end of the interval on the 0–100 scale",
                              metadata={"unit": SCORE_0_100})
    anchor_raw: float = pa.Field(nullable=True, description="Elo ratings only: this version's anchor (median rating "
                                 "of the reference models in the same category), in Elo", metadata={"unit": "Elo"})
    anchor_basis: str = pa.Field(nullable=True, isin=list(ANCHOR_BASES),
                                 description="What the anchor is the median of: the reference models, or the whole "
                                 "board when fewer than three reference models are listed")
    anchor_models: int = pa.Field(nullable=True, ge=0, description="How many ratings the anchor is the median of")
    source_normalised: float = pa.Field(nullable=True, description="The source's own normalised score where it "
                                        "publishes one (Open LLM Leaderboard: raw rescaled above the random baseline)",
                                        metadata={"unit": "0-100"})
    evaluated_at: pl.Datetime = pa.Field(nullable=True, description="When the source ran or dated the evaluation (UTC)")
    display_name: str = pa.Field(nullable=True, description="The source's display name for the model, if different")
    # Curated rows carry their own date (the row's observed_on); fetched rows take the fetch's.
    observed_at: Optional[pl.Datetime] = pa.Field(nullable=False, description="When the score was observed (UTC)")

    @pa.check("raw_score", "score", name="not_nan")
    @classmethod
    def _not_nan(cls, data: pa.PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(pl.col(data.key).is_not_nan())

    class Config:
        strict = True
        coerce = False


class BenchmarkScore(pa.DataFrameModel):
    """`benchmark_scores`: per quarter, each canonical model's latest score on each benchmark, per source."""

    quarter: str = pa.Field(str_matches=r"^\d{4}Q[1-4]$", description="Quarter label YYYYQn")
    provisional: bool = pa.Field(description="The quarter is still running")
    canonical_model: str = pa.Field(description="Canonical model id (OpenRouter's author/slug form)")
    benchmark: str = pa.Field(description="Canonical benchmark id (table `benchmarks`)")
    source: str = pa.Field(description="The source the score was read from")
    score: float = pa.Field(ge=0, le=100, description="The score on one scale", metadata={"unit": SCORE_0_100})
    ci_low: float = pa.Field(nullable=True, ge=0, le=100, description="Lower end of the 95% interval",
                             metadata={"unit": SCORE_0_100})
    ci_high: float = pa.Field(nullable=True, ge=0, le=100, description="Upper end of the 95% interval",
                              metadata={"unit": SCORE_0_100})
    raw_score: float = pa.Field(description="The score in the source's unit")
    raw_unit: str = pa.Field(isin=list(RAW_UNITS), description="elo / fraction / percent")
    raw_ci_low: float = pa.Field(nullable=True, description="Lower end of the interval, in raw_unit")
    raw_ci_high: float = pa.Field(nullable=True, description="Upper end of the interval, in raw_unit")
    anchor_raw: float = pa.Field(nullable=True, description="Elo only: the version's anchor rating",
                                 metadata={"unit": "Elo"})
    source_model_id: str = pa.Field(description="The model's name in the source (when several of the source's "
                                    "names map to this model: the undated one, else the newest snapshot; then the "
                                    "best-scoring)")
    variant: str = pa.Field(nullable=True, description=VARIANT)
    quantization: str = pa.Field(nullable=True, description=QUANTIZATION)
    snapshot: dt.date = pa.Field(nullable=True, description=SNAPSHOT)
    source_benchmark: str = pa.Field(description="The benchmark's name in the source")
    observed_at: pl.Datetime = pa.Field(description="When the score was observed (UTC)")
    age_days: int = pa.Field(ge=0, nullable=True, description="Days from that observation to the quarter's end: how "
                             "old the figure is by the end of the quarter it stands for", metadata={"unit": "days"})
    carried_forward: bool = pa.Field(nullable=True, description="The figure was observed in an earlier quarter and "
                                     "carried into this one (the source said nothing newer before its end)")
    fetch_id: str = pa.Field(description="The fetch (raw_fetch.fetch_id) the score was read from")
    stale: bool = pa.Field(description="The source could not be reached; this is its last known score")

    class Config:
        strict = False


class QualityIndex(pa.DataFrameModel):
    """`quality_index`: per quarter, a composite 0–100 index per model over the benchmarks it has."""

    quarter: str = pa.Field(str_matches=r"^\d{4}Q[1-4]$", description="Quarter label YYYYQn")
    provisional: bool = pa.Field(description="The quarter is still running")
    canonical_model: str = pa.Field(description="Canonical model id")
    quality_index: float = pa.Field(nullable=True, ge=0, le=100,
                                    description="Mean of the model's benchmark scores, each rescaled 0–100 across "
                                    "the quarter's models; empty below the minimum coverage",
                                    metadata={"unit": "0-100"})
    benchmarks_used: int = pa.Field(ge=0, description="How many index benchmarks the model has this quarter")
    benchmarks_available: int = pa.Field(ge=0, description="How many index benchmarks the quarter has")
    coverage: float = pa.Field(ge=0, le=1, description="benchmarks_used / benchmarks_available")
    meets_coverage: bool = pa.Field(description="benchmarks_used reaches the minimum the method requires")
    benchmarks: str = pa.Field(description="The benchmarks used, comma-separated")
    method: str = pa.Field(description="Method id and parameters (docs/benchmarks.md)")

    class Config:
        strict = False


class BenchmarkMove(pa.DataFrameModel):
    """`benchmark_score_moves`: a score's move from the previous quarter, net of re-anchoring."""

    quarter: str = pa.Field(str_matches=r"^\d{4}Q[1-4]$", description="Quarter label YYYYQn")
    provisional: bool = pa.Field(description="The quarter is still running")
    canonical_model: str = pa.Field(description="Canonical model id")
    benchmark: str = pa.Field(description="Canonical benchmark id")
    source: str = pa.Field(description="The source both scores come from")
    unit: str = pa.Field(isin=["elo", "points"], description="elo: raw ratings; points: the 0–100 score")
    previous_value: float = pa.Field(description="The value in the previous quarter")
    value: float = pa.Field(description="The value this quarter")
    delta: float = pa.Field(description="value minus previous_value")
    anchor_delta: float = pa.Field(description="Elo: this version's anchor minus the previous one (0 otherwise)")
    adjusted_delta: float = pa.Field(description="delta minus anchor_delta: the move re-anchoring does not explain")
    threshold: float = pa.Field(gt=0, description="The adjusted move beyond which it is flagged, in unit")
    unexplained: bool = pa.Field(description="|adjusted_delta| exceeds the threshold")

    class Config:
        strict = False
