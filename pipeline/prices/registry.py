"""The canonical model registry and the source-id aliases, from curated files.

`pipeline/curated/models.csv`: one row per canonical model (OpenRouter's `author/slug` form
where one exists), with its developer, size, openness flags, license and a citation.
`pipeline/curated/model_aliases*.csv` (one file per family that needs aliases, e.g.
`model_aliases.csv`, `model_aliases_benchmarks.csv`): a source's own id -> canonical id, exact,
cited.

Matching is exact, never fuzzy. OpenRouter ids are canonical ids by definition, so an
OpenRouter id maps to itself (":free" variants to their paid id); dated or regional variants
of other sources map only when a curated alias says so.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipeline.core.curated import CuratedError, columns_of, read_curated
from schemas.curated import CuratedAlias, CuratedModel

MODELS_FILE = "models.csv"
# The curated files' columns and types, from their pandera models (schemas/curated.py).
MODELS_SCHEMA = columns_of(CuratedModel)
ALIASES_SCHEMA = columns_of(CuratedAlias)
ALIAS_COLUMNS = ["source", "source_model_id", "canonical_model", "rule", "citation"]
FREE_SUFFIX = ":free"


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
                        or [pl.DataFrame(schema=columns_of(CuratedAlias))])
    dupes = aliases.filter(pl.struct("source", "source_model_id").is_duplicated())
    if dupes.height:
        raise CuratedError(f"{curated_dir}/model_aliases*.csv: source ids mapped twice: "
                           f"{dupes.select('source', 'source_model_id').unique().rows()}")
    return aliases


def openrouter_canonical(source_model_id: str) -> str:
    return source_model_id[: -len(FREE_SUFFIX)] if source_model_id.endswith(FREE_SUFFIX) else source_model_id


# Sources whose ids are canonical ids already: OpenRouter's by definition (design.md), and the
# curated price file's, whose `model` column is a canonical id.
IDENTITY_SOURCES = {
    "openrouter": ("openrouter_id", "OpenRouter ids are the canonical ids (design.md)"),
    "curated_prices": ("curated_id", "prices.csv names models by canonical id"),
}


def build_aliases(curated: pl.DataFrame, observed: pl.DataFrame) -> pl.DataFrame:
    """Curated aliases, plus the ids of IDENTITY_SOURCES observed in any source frame
    (`source`, `source_model_id`)."""
    rows = curated.with_columns(pl.lit("curated").alias("rule")).select(ALIAS_COLUMNS)
    identity = [
        observed.filter(pl.col("source") == source).select("source", "source_model_id").unique()
        .with_columns(pl.col("source_model_id").map_elements(openrouter_canonical, pl.String)
                      .alias("canonical_model"),
                      pl.lit(rule).alias("rule"), pl.lit(citation).alias("citation"))
        .select(ALIAS_COLUMNS)
        for source, (rule, citation) in IDENTITY_SOURCES.items()]
    both = pl.concat([rows, *identity])
    # A curated alias wins over the identity rule for the same source id.
    return both.unique(subset=["source", "source_model_id"], keep="first", maintain_order=True).sort(
        "source", "source_model_id")


def release_dates(curated_dir: Path) -> pl.DataFrame:
    """Release dates of the models each price source names (for `observed_before_release`)."""
    from pipeline.core.releases import release_rows

    return release_rows(load_models(curated_dir), load_aliases(curated_dir),
                        {s: why for s, (_, why) in IDENTITY_SOURCES.items()})
