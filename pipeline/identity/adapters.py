"""The seams the pipeline calls: source frames in, registry and alias tables out.

- `ids_from_rows(rows, url, fetch_id)`: a parser's rows (prices or benchmarks) -> the distinct
  ids the identity rules read (`source_model_id`, `provider`, `display_name`, `rows`, `citation`);
- `resolve_all(openrouter_body, curated_models, curated_aliases, sources)`: the whole job in one
  call -> (registry, resolutions);
- `aliases_table(resolutions)`: the mapped ids in `model_aliases`' columns, plus `variant`,
  `quantization` and `snapshot`;
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
from pipeline.identity.resolve import resolve

ALIAS_COLUMNS = ["source", "source_model_id", "canonical_model", "rule", "citation", "variant", "quantization",
                 "snapshot", "provider", "steps"]
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
    entries = registry_from_openrouter(models, fetch_id, observed_at, url)
    sources = dict(sources)
    sources.setdefault("openrouter", models.select(pl.col("id").alias("source_model_id")))
    registry = build_registry(entries, curated_models, sources, curated_aliases)
    index = build_index(registry, curated_aliases)
    resolved = [resolve(name, ids, registry, curated_aliases, index) for name, ids in sorted(sources.items())]
    return registry, pl.concat(resolved)


def aliases_table(resolutions: pl.DataFrame) -> pl.DataFrame:
    """Mapped ids only, one row per (source, source_model_id) as `model_aliases` keys them (LiteLLM
    ids are unique across providers); the rule's reason is the citation."""
    mapped = resolutions.filter(pl.col("status") == "mapped")
    out = mapped.with_columns(pl.format("{}: {}", "rule", "reason").alias("citation"))
    return out.select(ALIAS_COLUMNS).unique(subset=["source", "source_model_id"], keep="first",
                                            maintain_order=True).sort("source", "source_model_id")


def models_table(registry: pl.DataFrame) -> pl.DataFrame:
    """The registry in the `models` table's columns (plus where each entry came from)."""
    return registry.with_columns(
        pl.col("name").alias("display_name"), pl.col("created").alias("release_date"),
        pl.col("required").fill_null(False),
    ).select(MODEL_COLUMNS)
