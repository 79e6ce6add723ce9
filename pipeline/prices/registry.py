"""The model registry (`models`) and every source id's mapping (`model_aliases`), rebuilt every refresh.

Built by the identity rules (pipeline/identity, docs/identity.md) from what the warehouse holds,
so that every quarter, however old, is mapped by today's rules:
- OpenRouter's models: the newest observation version of every OpenRouter id ever observed
  (a model OpenRouter no longer lists keeps its entry, so older quarters keep their model), with
  the registry facts the OpenRouter parser keeps on its rows (`created`, `hugging_face_id`…),
  each cited to its own response;
- every id any price or benchmark source ever named (all versions, current or ended), with the
  rows the newest responses hold for it (`current_rows`, which `ledger status` ranks by);
- `pipeline/curated/models.csv` (one row per canonical model: developer, size, openness flags,
  license, `required`, citation), whose facts win over OpenRouter's and which adds models;
- `pipeline/curated/model_aliases*.csv` (a source's own id -> canonical id, exact, cited), the
  first rule.
The curated price and score files name canonical ids themselves (rule `curated_id`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from pipeline.core.curated import CuratedError, columns_of, read_curated
from pipeline.core.warehouse import query, replace_rows
from pipeline.identity import aliases_table, models_table, resolve_models
from pipeline.identity.openrouter_models import MODEL_FIELDS
from pipeline.identity.resolve import RESOLUTION_SCHEMA
from schemas.curated import CuratedAlias, CuratedModel

MODELS_FILE = "models.csv"
# The curated files' columns and types, from their pandera models (schemas/curated.py).
MODELS_SCHEMA = columns_of(CuratedModel)
ALIASES_SCHEMA = columns_of(CuratedAlias)
FREE_SUFFIX = ":free"
# Sources whose ids are canonical ids already: the curated price and score files.
CURATED_ID_SOURCES = ("curated_prices", "curated_benchmarks")

# The newest version of every OpenRouter id (its base price row carries the model's facts).
OPENROUTER_MODELS = """
SELECT source_model_id AS id, display_name AS name, CAST(epoch(model_created_at) AS BIGINT) AS created,
       context_length, hugging_face_id, modality, canonical_slug, fetch_id, observed_at, endpoint AS url
FROM price_observations
WHERE source = 'openrouter' AND service_tier = 'standard' AND context_tier_min_tokens = 0
QUALIFY row_number() OVER (PARTITION BY source_model_id ORDER BY valid_from DESC, fetch_id DESC) = 1
ORDER BY id
"""
# Every id each source ever named; `rows`: the rows its newest responses hold (versions still holding).
_IDS = """
SELECT source, source_model_id, {provider} AS provider,
       arg_max(display_name, valid_from) FILTER (WHERE display_name IS NOT NULL) AS display_name,
       count(*) FILTER (WHERE valid_to IS NULL) AS rows,
       arg_max(endpoint || ' (fetch ' || fetch_id || '): ' || source_model_id, valid_from) AS citation
FROM {table} GROUP BY ALL
"""
SOURCE_IDS = (_IDS.format(provider="provider", table="price_observations") + " UNION ALL BY NAME "
              + _IDS.format(provider="CAST(NULL AS VARCHAR)", table="benchmark_observations")
              + " ORDER BY source, source_model_id, provider")


def load_models(curated_dir: Path) -> pl.DataFrame:
    path = Path(curated_dir) / MODELS_FILE
    models = read_curated(path, CuratedModel)
    dupes = models.filter(pl.col("canonical_model").is_duplicated())["canonical_model"].unique().to_list()
    if dupes:
        raise CuratedError(f"{path}: canonical_model repeated: {sorted(dupes)}")
    return models


def load_aliases(curated_dir: Path) -> pl.DataFrame:
    files = sorted(Path(curated_dir).glob("model_aliases*.csv"))
    aliases = pl.concat([read_curated(p, CuratedAlias) for p in files]
                        or [pl.DataFrame(schema=ALIASES_SCHEMA)])
    dupes = aliases.filter(pl.struct("source", "source_model_id").is_duplicated())
    if dupes.height:
        raise CuratedError(f"{curated_dir}/model_aliases*.csv: source ids mapped twice: "
                           f"{dupes.select('source', 'source_model_id').unique().rows()}")
    return aliases


def openrouter_canonical(source_model_id: str) -> str:
    """OpenRouter's `:free` id -> its paid id (how curated confirmations key OpenRouter rows)."""
    return source_model_id[: -len(FREE_SUFFIX)] if source_model_id.endswith(FREE_SUFFIX) else source_model_id


@dataclass
class Identity:
    models: pl.DataFrame        # the `models` table
    aliases: pl.DataFrame       # the `model_aliases` table
    resolutions: pl.DataFrame   # resolve()'s rows for every (source, id, provider), with `rows`


def curated_id_rows(ids: pl.DataFrame, registry_ids: set[str]) -> pl.DataFrame:
    """The curated files' ids: each is the canonical id it names (said so when the registry lacks it)."""
    in_registry = pl.col("source_model_id").is_in(list(registry_ids))
    return ids.select(
        "source", "source_model_id", "provider", pl.col("source_model_id").alias("canonical_model"),
        pl.lit("mapped").alias("status"), pl.lit("curated_id").alias("rule"),
        pl.when(in_registry).then(pl.lit("the curated file names the canonical model"))
        .otherwise(pl.lit("the curated file names the canonical model; not in the registry")).alias("reason"),
        "rows", "citation")


def resolve_observed(con: duckdb.DuckDBPyConnection, curated_dir: Path) -> Identity:
    """The registry and every source id's resolution, from the warehouse's observations."""
    curated_models, curated_aliases = load_models(curated_dir), load_aliases(curated_dir)
    openrouter = query(con, OPENROUTER_MODELS).cast({k: v for k, v in MODEL_FIELDS.items()})
    ids = query(con, SOURCE_IDS).with_columns(pl.col("rows").cast(pl.Int64))
    curated = ids.filter(pl.col("source").is_in(CURATED_ID_SOURCES))
    sources = {source: frame.drop("source") for (source,), frame in
               ids.filter(~pl.col("source").is_in(CURATED_ID_SOURCES)).partition_by("source", as_dict=True).items()}
    registry, resolutions = resolve_models(openrouter, curated_models, curated_aliases, sources)
    resolved = pl.concat([resolutions, curated_id_rows(curated, set(registry["canonical_model"]))],
                         how="diagonal_relaxed") if curated.height else resolutions
    resolved = resolved.cast({k: v for k, v in RESOLUTION_SCHEMA.items() if k in resolved.columns})
    return Identity(models_table(registry), aliases_table(resolved, curated_aliases), resolved)


def rebuild_identity(con: duckdb.DuckDBPyConnection, curated_dir: Path) -> Identity:
    """Rewrite `models` and `model_aliases` from the warehouse's observations and the curated files."""
    identity = resolve_observed(con, curated_dir)
    replace_rows(con, "models", identity.models)
    replace_rows(con, "model_aliases", identity.aliases)
    return identity


def release_dates(curated_dir: Path) -> pl.DataFrame:
    """Release dates of the models each price source names (for `observed_before_release`): the
    registry's, through the curated aliases; OpenRouter's ids are canonical ids, and OpenRouter
    rows carry the model's own `created` besides."""
    from pipeline.core.releases import release_rows

    return release_rows(load_models(curated_dir), load_aliases(curated_dir),
                        {"openrouter": "OpenRouter ids are the canonical ids",
                         **{s: "the curated file names canonical ids" for s in CURATED_ID_SOURCES}})
