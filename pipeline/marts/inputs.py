"""What the marts read for one quarter: that quarter's snapshots, from the warehouse.

Only rows of the asked quarter are read (plus license texts changed during it), so a quarter's
marts depend on its own snapshots and nothing later. A table another family has not created
(a warehouse from an older version) reads as empty and is named in `missing`, which the mart
assets report, rather than failing the refresh.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import polars as pl

from pipeline.core.quarters import Quarter
from pipeline.core.warehouse import query, table_columns
from pipeline.marts.api import PRICES_SCHEMA
from pipeline.marts.capacity import MEASUREMENTS_SCHEMA
from pipeline.marts.selfhosted import GPU_MEMORY_SCHEMA, GPU_RATES_SCHEMA
from pipeline.marts.tiers import SCORES_SCHEMA

COMPOSITE = "composite"
PRICES_SQL = """
SELECT canonical_model, provider, source, source_model_id, service_tier, context_tier_min_tokens, is_free,
       input_usd_per_mtok, output_usd_per_mtok, observed_at, fetch_id, {optional}
FROM model_prices WHERE quarter = ?"""
# Columns a model_prices of an older (or newer) shape may lack: read as NULL when absent. NULL
# variant and quantization mean the model's own base offer.
OPTIONAL_PRICE_COLUMNS = {"variant": "VARCHAR", "quantization": "VARCHAR", "snapshot": "DATE",
                          "age_days": "BIGINT", "carried_forward": "BOOLEAN"}
MEASUREMENTS_SQL = "SELECT * EXCLUDE (quarter, provisional) FROM throughput_measurements WHERE quarter = ?"
GPU_RATES_SQL = """
SELECT gpu, min_usd_per_gpu_hour, median_usd_per_gpu_hour, offers
FROM gpu_price_summary WHERE quarter = ? AND pricing_model = 'on_demand'"""
# The GPU registry when it is a table of its own, else the memory the GPU summary states.
GPU_MEMORY_REGISTRY_SQL = "SELECT gpu, memory_gb AS gpu_memory_gb FROM gpus"
GPU_MEMORY_SUMMARY_SQL = "SELECT DISTINCT gpu, gpu_memory_gb FROM gpu_price_summary WHERE quarter = ?"
COMPOSITE_SQL = """
SELECT canonical_model, quality_index AS score FROM quality_index
WHERE quarter = ? AND meets_coverage AND quality_index IS NOT NULL"""
# A single benchmark: the mean over the sources that report it (each already on 0-100).
BENCHMARK_SQL = """
SELECT canonical_model, avg(score) AS score FROM benchmark_scores
WHERE quarter = ? AND benchmark = ? GROUP BY canonical_model"""
MODELS_SQL = "SELECT canonical_model, weights_open, {required} AS required FROM models"
SPECTRUM_SQL = "SELECT canonical_model, category, license_id FROM openness_spectrum WHERE quarter = ?"
LICENSE_CHANGES_SQL = """
SELECT license_id, source_url, old_sha256, new_sha256, material, CAST(clauses_changed AS VARCHAR) AS clauses_changed,
       observed_at
FROM license_changes WHERE observed_at >= ? AND observed_at < ? ORDER BY observed_at, license_id"""

MODELS_SCHEMA = {"canonical_model": pl.String, "weights_open": pl.Boolean, "required": pl.Boolean}
SPECTRUM_SCHEMA = {"canonical_model": pl.String, "category": pl.String, "license_id": pl.String}
LICENSE_CHANGES_SCHEMA = {"license_id": pl.String, "source_url": pl.String, "old_sha256": pl.String,
                          "new_sha256": pl.String,
                          "material": pl.Boolean, "clauses_changed": pl.String, "observed_at": pl.Datetime("us")}


@dataclass
class QuarterInputs:
    quarter: Quarter
    prices: pl.DataFrame
    gpu_rates: pl.DataFrame
    gpu_memory: pl.DataFrame
    scores: pl.DataFrame
    models: pl.DataFrame
    spectrum: pl.DataFrame
    license_changes: pl.DataFrame
    measurements: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=MEASUREMENTS_SCHEMA))
    missing: list[str] = field(default_factory=list)

    @property
    def has_snapshots(self) -> bool:
        """Whether the quarter's snapshots were computed at all (prices is the one every quarter has)."""
        return self.prices.height > 0


def _read(con, missing: list[str], table: str, sql: str, params: list, schema: dict) -> pl.DataFrame:
    if not table_columns(con, table):
        missing.append(table)
        return pl.DataFrame(schema=schema)
    return query(con, sql, params).cast(schema).select(list(schema))


def load_quarter(con: duckdb.DuckDBPyConnection, quarter: Quarter, metric: str) -> QuarterInputs:
    missing: list[str] = []
    q = quarter.label
    have = table_columns(con, "model_prices")
    optional = ", ".join(c if c in have else f"CAST(NULL AS {t}) AS {c}" for c, t in OPTIONAL_PRICE_COLUMNS.items())
    prices = _read(con, missing, "model_prices", PRICES_SQL.format(optional=optional), [q], PRICES_SCHEMA)
    rates = _read(con, missing, "gpu_price_summary", GPU_RATES_SQL, [q], GPU_RATES_SCHEMA)
    if "memory_gb" in table_columns(con, "gpus"):
        memory = query(con, GPU_MEMORY_REGISTRY_SQL).cast(GPU_MEMORY_SCHEMA)
    else:
        memory = _read(con, [], "gpu_price_summary", GPU_MEMORY_SUMMARY_SQL, [q], GPU_MEMORY_SCHEMA)
    if metric == COMPOSITE:
        scores = _read(con, missing, "quality_index", COMPOSITE_SQL, [q], SCORES_SCHEMA)
    else:
        scores = _read(con, missing, "benchmark_scores", BENCHMARK_SQL, [q, metric], SCORES_SCHEMA)
    model_cols = table_columns(con, "models")
    sql = MODELS_SQL.format(required="required" if "required" in model_cols else "true")
    models = _read(con, missing, "models", sql, [], MODELS_SCHEMA)
    spectrum = _read(con, missing, "openness_spectrum", SPECTRUM_SQL, [q], SPECTRUM_SCHEMA)
    changes = _read(con, missing, "license_changes", LICENSE_CHANGES_SQL, [quarter.start, quarter.end],
                    LICENSE_CHANGES_SCHEMA)
    measurements = _measurements(con, missing, q)
    return QuarterInputs(quarter, prices, rates, memory, scores, models, spectrum, changes, measurements, missing)


def _measurements(con: duckdb.DuckDBPyConnection, missing: list[str], quarter: str) -> pl.DataFrame:
    """The quarter's throughput_measurements: every column (the capacity match ranks on them all)."""
    if not table_columns(con, "throughput_measurements"):
        missing.append("throughput_measurements")
        return pl.DataFrame(schema=MEASUREMENTS_SCHEMA)
    return query(con, MEASUREMENTS_SQL, [quarter]).cast(MEASUREMENTS_SCHEMA)


def coverage_inputs(con: duckdb.DuckDBPyConnection, quarters: list[Quarter]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """openness_spectrum rows of these quarters (with quarter) and the registry, for the coverage check."""
    schema = {"quarter": pl.String, **SPECTRUM_SCHEMA}
    frames = [load_spectrum(con, q).with_columns(pl.lit(q.label).alias("quarter")).select(list(schema))
              for q in quarters]
    spectrum = pl.concat(frames) if frames else pl.DataFrame(schema=schema)
    model_cols = table_columns(con, "models")
    sql = MODELS_SQL.format(required="required" if "required" in model_cols else "true")
    return spectrum, _read(con, [], "models", sql, [], MODELS_SCHEMA)


def load_spectrum(con: duckdb.DuckDBPyConnection, quarter: Quarter) -> pl.DataFrame:
    return _read(con, [], "openness_spectrum", SPECTRUM_SQL, [quarter.label], SPECTRUM_SCHEMA)
