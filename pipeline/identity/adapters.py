"""The seams the pipeline calls: source frames in, registry and alias tables out.

- `ids_from_rows(rows, url, fetch_id)`: a parser's rows (prices or benchmarks) -> the distinct
  ids the identity rules read (`source_model_id`, `provider`, `display_name`, `rows`, `citation`);
- `resolve_all(openrouter_body, curated_models, curated_aliases, sources)`: the whole job in one
  call -> (registry, resolutions);
- `resolve_models(openrouter_models, curated_models, curated_aliases, sources)`: the same from
  OpenRouter's model fields as a frame (a refresh reads them from the observation versions, each
  row with its own `fetch_id`, `observed_at` and `url`);
- `aliases_table(resolutions, curated_aliases)`: every id in `model_aliases`' columns: mapped,
  excluded or unmapped with its rule and reason, `variant`, `quantization` and `snapshot`;
- `models_table(registry)`: the registry in `models`' columns (openness flags stay empty for
  entries no curated row describes: unknown is not false).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import polars as pl

from pipeline.identity.index import build_index
from pipeline.identity.openrouter_models import URL, openrouter_models, registry_from_openrouter
from pipeline.identity.registry import build_registry
from pipeline.identity.resolve import RESOLUTION_SCHEMA, resolve

ALIAS_COLUMNS = ["source", "source_model_id", "provider", "canonical_model", "status", "rule", "reason", "variant",
                 "quantization", "snapshot", "steps", "current_rows", "citation"]
MODEL_COLUMNS = ["canonical_model", "display_name", "developer", "family", "release_date", "params_b",
                 "weights_open", "data_open", "code_open", "license_id", "required", "citation", "author",
                 "context_length", "hugging_face_id", "modality", "origin"]


def ids_from_rows(rows: pl.DataFrame, url: str | None = None, fetch_id: str | None = None) -> pl.DataFrame:
    """Distinct ids of a parser's rows, with how many rows each has and where they were read."""
    keys = ["source_model_id"] + [c for c in ("provider",) if c in rows.columns]
    aggs = [pl.len().alias("rows")]
    if "display_name" in rows.columns:
        aggs.append(pl.col("display_name").drop_nulls().first().alias("display_name"))
    where = " ".join(p for p in (url, f"(fetch {fetch_id})" if fetch_id else None) if p)
    out = rows.group_by(keys).agg(aggs).sort(keys)
    return out.with_columns((pl.lit(f"{where}: " if where else "") + pl.col("source_model_id")).alias("citation"))


def resolve_all(openrouter_body: bytes, curated_models: pl.DataFrame, curated_aliases: pl.DataFrame,
                sources: Mapping[str, pl.DataFrame], fetch_id: str | None = None,
                observed_at: datetime | None = None, url: str = URL) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(registry, resolutions of every source's ids). `sources`: source name -> ids_from_rows frame
    (several fetches of one source concatenated); the OpenRouter body also supplies the
    `openrouter` source's ids when `sources` has none."""
    models = openrouter_models(openrouter_body)
    sources = dict(sources)
    sources.setdefault("openrouter", models.select(pl.col("id").alias("source_model_id")))
    return resolve_models(models, curated_models, curated_aliases, sources, fetch_id, observed_at, url)


def resolve_models(openrouter: pl.DataFrame, curated_models: pl.DataFrame, curated_aliases: pl.DataFrame,
                   sources: Mapping[str, pl.DataFrame], fetch_id: str | None = None,
                   observed_at: datetime | None = None, url: str = URL) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(registry, resolutions) from OpenRouter's model fields (`openrouter_models`' columns, with
    `fetch_id` / `observed_at` / `url` per row or given once) and every source's ids."""
    entries = registry_from_openrouter(openrouter, fetch_id, observed_at, url)
    registry = build_registry(entries, curated_models, sources, curated_aliases)
    index = build_index(registry, curated_aliases)
    resolved = [resolve(name, ids, registry, curated_aliases, index) for name, ids in sorted(sources.items())]
    if not resolved:  # a warehouse that holds no observations yet
        return registry, pl.DataFrame(schema={**RESOLUTION_SCHEMA, "rows": pl.Int64})
    return registry, pl.concat(resolved, how="diagonal_relaxed")


def aliases_table(resolutions: pl.DataFrame, curated_aliases: pl.DataFrame | None = None) -> pl.DataFrame:
    """Every resolved id, one row per (source, source_model_id) as `model_aliases` keys them (LiteLLM
    ids are unique across providers; a source naming one id under several providers keeps the
    first provider and sums the rows). `citation`: the curated alias's for `curated_alias`, else
    where the id was read; `current_rows`: the `rows` resolve counted."""
    frame = resolutions
    for col, dtype in (("citation", pl.String), ("rows", pl.Int64)):
        if col not in frame.columns:
            frame = frame.with_columns(pl.lit(None if col == "citation" else 1, dtype).alias(col))
    if curated_aliases is not None and curated_aliases.height:
        cur = curated_aliases.select("source", "source_model_id", pl.col("citation").alias("_curated"))
        frame = frame.join(cur, on=["source", "source_model_id"], how="left").with_columns(
            pl.when(pl.col("rule") == "curated_alias").then(pl.coalesce("_curated", "citation"))
            .otherwise("citation").alias("citation"))
    frame = frame.sort("source", "source_model_id", pl.col("provider").fill_null(""))
    rows = frame.group_by("source", "source_model_id").agg(pl.col("rows").sum().alias("current_rows"))
    first = frame.unique(subset=["source", "source_model_id"], keep="first", maintain_order=True)
    out = first.drop("rows").join(rows, on=["source", "source_model_id"]).with_columns(
        pl.col("snapshot").str.to_date("%Y-%m-%d", strict=False).alias("snapshot"))
    return out.select(ALIAS_COLUMNS).sort("source", "source_model_id")


def models_table(registry: pl.DataFrame) -> pl.DataFrame:
    """The registry in the `models` table's columns (plus where each entry came from)."""
    return registry.with_columns(
        pl.col("name").alias("display_name"), pl.col("created").alias("release_date"),
        pl.col("required").fill_null(False),
    ).select(MODEL_COLUMNS)
