"""The registry: OpenRouter's models, curated facts on top, and entries the sources themselves create.

- `merge_registry`: OpenRouter entries + `pipeline/curated/models.csv`. A curated row overrides or
  adds the facts it states (name, developer, family, release date, parameters, openness flags,
  license, `required`) and adds models OpenRouter does not list; OpenRouter never overrides a
  curated fact, it only fills what the curated row leaves empty (context length, Hugging Face id,
  modality).
- `derive_entries`: ids no rule maps become entries when a creation rule allows it (resolve.propose):
  `openrouter_entry` (an OpenRouter id quoted by another source), `hugging_face_entry` (a repo id
  of a Hugging Face source), `first_party_entry` (priced by the developer's own API),
  `board_entry` (a leaderboard name whose developer developers.py knows). Third-party hosts
  never create entries: what they serve maps to an existing entry or stays unmapped.
  The rules run as stages in CREATION_RULES order, each seeing the entries of the stages before;
  within a stage, candidates naming one model (same author, same normalised key) become one
  entry whose id is the alphabetically first: whichever order the sources come in, every source
  lands on the same id.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from pipeline.identity.developers import display_of
from pipeline.identity.index import build_index
from pipeline.identity.normalise import key
from pipeline.identity.registry_schema import CREATION_RULES, REGISTRY_SCHEMA, empty_registry
from pipeline.identity.resolve import alias_map, resolve_one
from pipeline.identity.source_parts import style_of

CURATED_FACTS = ("family", "params_b", "weights_open", "data_open", "code_open", "license_id", "required")


def merge_registry(openrouter_entries: pl.DataFrame, curated: pl.DataFrame) -> pl.DataFrame:
    """OpenRouter entries with the curated registry's facts on top (curated: models.csv's columns)."""
    cur = curated.select(
        "canonical_model", pl.col("display_name").alias("c_name"), pl.col("developer").alias("c_developer"),
        pl.col("release_date").alias("c_created"), pl.col("citation").alias("c_citation"), *CURATED_FACTS)
    both = openrouter_entries.drop(*CURATED_FACTS).join(cur, on="canonical_model", how="full", coalesce=True)
    in_or = pl.col("origin").is_not_null()
    in_cur = pl.col("c_citation").is_not_null()
    merged = both.with_columns(
        pl.coalesce("c_name", "name").alias("name"),
        pl.coalesce("c_developer", "developer").alias("developer"),
        pl.coalesce("author", pl.col("canonical_model").str.split("/").list.first()).alias("author"),
        pl.coalesce("c_created", "created").alias("created"),
        pl.when(in_or & in_cur).then(pl.lit("openrouter+curated")).when(in_cur).then(pl.lit("curated"))
        .otherwise("origin").alias("origin"),
        pl.when(in_or).then("origin_ids").otherwise(pl.concat_list(pl.lit("curated:") + pl.col("canonical_model")))
        .alias("origin_ids"),
        pl.when(in_cur & in_or).then(pl.col("c_citation") + " | " + pl.col("citation"))
        .otherwise(pl.coalesce("c_citation", "citation")).alias("citation"),
    )
    return merged.select(list(REGISTRY_SCHEMA)).cast(REGISTRY_SCHEMA).sort("canonical_model")


def _distinct(ids: pl.DataFrame) -> list[tuple[str, str | None, str | None, str | None]]:
    cols = [c if c in ids.columns else None for c in ("source_model_id", "provider", "display_name", "citation")]
    frame = ids.select([pl.col(c) if c else pl.lit(None, pl.String).alias(f"_{i}") for i, c in enumerate(cols)])
    return sorted(set(frame.iter_rows()), key=lambda r: tuple(x or "" for x in r))


def derive_entries(registry: pl.DataFrame, sources: Mapping[str, pl.DataFrame],
                   curated_aliases: pl.DataFrame) -> pl.DataFrame:
    """New registry entries from the sources' ids (`source_model_id`, optional `provider`,
    `display_name`, `citation` columns) that no rule maps to `registry`.

    One stage per creation rule, in CREATION_RULES order: the entries of a stage join the
    registry before the next stage reads the ids again, so a leaderboard's `grok-3-mini-high`
    finds the `x-ai/grok-3-mini` xAI's own API created instead of becoming a model of its own."""
    aliases = alias_map(curated_aliases)
    pending = {source: _distinct(ids) for source, ids in sources.items()}
    current, created = registry, []
    for rule in CREATION_RULES:
        idx = build_index(current, curated_aliases)
        groups: dict[tuple[str, str], list[dict]] = {}
        later: dict[str, list] = {}
        for source in sorted(pending):
            for model_id, provider, display, citation in pending[source]:
                row = resolve_one(source, model_id, provider, idx, aliases, create=True)
                if row["rule"] not in CREATION_RULES:
                    continue
                if row["rule"] != rule:
                    later.setdefault(source, []).append((model_id, provider, display, citation))
                    continue
                author, _, name = row["canonical_model"].partition("/")
                row.update(display_name=display, citation=citation or f"{source}: {model_id!r}")
                groups.setdefault((author, key(name)), []).append(row)
        stage = [_entry(author, rows) for (author, _), rows in sorted(groups.items())]
        if stage:
            frame = pl.DataFrame(stage, schema=REGISTRY_SCHEMA)
            current, created = pl.concat([current, frame]), created + stage
        pending = later
    if not created:
        return empty_registry()
    return pl.DataFrame(created, schema=REGISTRY_SCHEMA).sort("canonical_model")


def _entry(author: str, rows: list[dict]) -> dict:
    """One entry for the candidates naming one model; the first (rule order, then id) gives the id."""
    # An id without variant markers (not `ft:`, `:free`, a region) names the entry it creates.
    rows = sorted(rows, key=lambda r: (r["variant"] is not None, r["canonical_model"], r["source"],
                                       r["source_model_id"]))
    chosen = rows[0]
    hf = next((r["hugging_face_id"] for r in rows if r["hugging_face_id"]), None)
    more = len({(r["source"], r["source_model_id"]) for r in rows}) - 1
    citation = chosen["citation"] + (f" (and {more} more source id{'s' if more > 1 else ''})" if more else "")
    name = chosen["display_name"] or chosen["source_model_id"].rsplit("/", 1)[-1]
    return {"canonical_model": chosen["canonical_model"], "name": name,
            "developer": display_of(author), "author": author, "hugging_face_id": hf, "origin": chosen["rule"],
            "origin_ids": [f"{chosen['source']}:{chosen['source_model_id']}"], "citation": citation}


def link_curated_repos(registry: pl.DataFrame, curated_aliases: pl.DataFrame) -> pl.DataFrame:
    """A curated alias of a Hugging Face source (its ids are repo ids) links that repo to a model
    that has none yet: `mistralai/Mistral-7B-Instruct-v0.1` is then known wherever it appears."""
    hf_sources = [s for s in curated_aliases["source"].unique().to_list() if style_of(s) == "hugging_face"]
    links = (curated_aliases.filter(pl.col("source").is_in(hf_sources))
             .group_by("canonical_model").agg(pl.col("source_model_id").sort().first().alias("_repo")))
    return (registry.join(links, on="canonical_model", how="left")
            .with_columns(pl.coalesce("hugging_face_id", "_repo").alias("hugging_face_id")).drop("_repo"))


def build_registry(openrouter_entries: pl.DataFrame, curated: pl.DataFrame, sources: Mapping[str, pl.DataFrame],
                   curated_aliases: pl.DataFrame) -> pl.DataFrame:
    """The whole registry: OpenRouter + curated, then the entries the sources create."""
    base = link_curated_repos(merge_registry(openrouter_entries, curated), curated_aliases)
    return pl.concat([base, derive_entries(base, sources, curated_aliases)]).sort("canonical_model")
