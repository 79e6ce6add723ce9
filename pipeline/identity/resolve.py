"""Resolution: each source id -> one canonical model, by the first rule that applies.

The rules, in order (docs/identity.md):
1. `curated_alias`    - a row of pipeline/curated/model_aliases*.csv for this source and id;
2. `openrouter_id`    - the id (routing prefix and `:variant` taken off) is an OpenRouter id;
3. `hugging_face_id`  - the id is a Hugging Face repo some registry model is linked to;
4. `vendor_naming`    - after the provider's naming rules (vendors.py), dated snapshot, thinking
                        or effort suffix and quantisation taken off, `<developer>/<name>` is a
                        registry id;
5. `normalised_name`  - the normalised key (normalise.key) equals the key of exactly one registry
                        model's id, OpenRouter slug, Hugging Face name, display name or
                        curated alias name.
Then, for ids none of these maps: exclusions with their reason, the creation rules
(registry.py decides when a source's id becomes a new entry), and otherwise `unmapped` with the
reason: `ambiguous: …`, `fine-tune of …` or `no registry entry`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import polars as pl

from pipeline.identity.developers import author_of_name, author_of_namespace
from pipeline.identity.id_parts import IdParts
from pipeline.identity.index import (OPENROUTER_ORIGINS, Hit, Index, base_of_finetune, build_index, lookup_hf,
                                     lookup_key, lookup_normalised, role_siblings)
from pipeline.identity.normalise import key, slug, snapshot_of, take_quantization
from pipeline.identity.registry_schema import CREATION_RULES
from pipeline.identity.source_parts import CREATING, parts_for, style_of, take_mode

RESOLUTION_SCHEMA = {
    "source": pl.String, "source_model_id": pl.String, "provider": pl.String, "canonical_model": pl.String,
    "status": pl.String, "rule": pl.String, "steps": pl.String, "variant": pl.String,
    "quantization": pl.String, "snapshot": pl.String, "reason": pl.String, "hugging_face_id": pl.String,
}
# Excluded before any matching: never a model, whatever its name resembles.
EXCLUDED_FIRST = ("router", "embedding", "local_runtime", "size_bucket", "combination")
# Words after a model's name that mark someone's further training of it.
TUNING_SUFFIXES = ("simpo", "dpo", "sft", "orpo", "kto", "abliterated", "lorablated", "uncensored")


@dataclass(frozen=True)
class Attempt:
    name: str
    snapshot: str | None
    modes: tuple[str, ...]
    quantization: str | None
    steps: tuple[str, ...]
    primary: bool = True  # a reading of the name as written, not of a vendor rule's alternative


def attempts(parts: IdParts) -> Iterator[Attempt]:
    """The readings of a name, most literal first: as written, without its dated snapshot,
    without a thinking/effort suffix, without both; each without quantisation tokens."""
    seen = set()
    for text in (parts.name, *parts.alternatives):
        primary = text is parts.name
        mode_text, modes = take_mode(text)
        for t, mode in [(text, ())] + ([(mode_text, tuple(modes))] if modes else []):
            dated, snap = snapshot_of(t)
            for name, day, undated in [(t, parts.snapshot, False)] + ([(dated, snap, True)] if snap else []):
                bare, quant = take_quantization(name)
                if not bare or (bare, day, mode) in seen:
                    continue
                seen.add((bare, day, mode))
                steps = (("dated_snapshot",) if undated else ()) + (("mode_suffix",) if mode else ()) + \
                        (("quantization",) if quant else ())
                yield Attempt(bare, day, mode, quant or parts.quantization, steps, primary)


def _row(source: str, model_id: str, provider: str | None, **kw) -> dict:
    return {"source": source, "source_model_id": model_id, "provider": provider, **kw}


def _mapped(base: dict, canonical: str, rule: str, parts: IdParts, att: Attempt | None, reason: str,
            hf: str | None = None) -> dict:
    variants = list(parts.variants) + (list(att.modes) if att else [])
    steps = list(parts.rules) + (list(att.steps) if att else [])
    quant = (att.quantization if att else None) or parts.quantization
    return {**base, "canonical_model": canonical, "status": "mapped", "rule": rule,
            "steps": ",".join(steps) or None, "variant": ";".join(variants) or None, "quantization": quant,
            "snapshot": (att.snapshot if att else None) or parts.snapshot, "reason": reason, "hugging_face_id": hf}


def listed_names(source: str, pairs: list[tuple[str, str | None]]) -> frozenset[tuple[str | None, str]]:
    """(provider, key) of every id a source lists, as its naming rules read it."""
    return frozenset((prov, key(parts_for(source, mid, prov).name)) for mid, prov in pairs)


def resolve_one(source: str, model_id: str, provider: str | None, idx: Index,
                aliases: Mapping[tuple[str, str], str], create: bool = False,
                listed: frozenset[tuple[str | None, str]] = frozenset()) -> dict:
    row = _resolve(source, model_id, provider, idx, aliases, create)
    cid = row.get("canonical_model")
    # An API host's bare open-weight name (`meta/llama-3.1-8b`) may serve the base model or its
    # instruct release: with both in the registry it is ambiguous, not the base by default,
    # unless the same provider also lists the instruct release under its own name.
    if (row.get("status") == "mapped" and style_of(source) == "litellm" and row["rule"] != "curated_alias"
            and cid in idx.ids and idx.origins[cid] not in OPENROUTER_ORIGINS):
        siblings = role_siblings(cid, idx)
        name_key = key(parts_for(source, model_id, provider).name)
        if siblings and not any((provider, f"{name_key}-{role}") in listed for role in ("instruct", "chat", "it")):
            return {**_row(source, model_id, provider), "status": "unmapped", "rule": "unmapped",
                    "reason": "ambiguous: " + ", ".join((cid, *siblings))}
    return row


def _resolve(source: str, model_id: str, provider: str | None, idx: Index,
             aliases: Mapping[tuple[str, str], str], create: bool) -> dict:
    base = _row(source, model_id, provider)
    parts = parts_for(source, model_id, provider)
    if (source, model_id) in aliases:
        # The curated row names the model; the id's own markers (fp8, a snapshot, a thinking
        # budget) are still read and kept.
        plain = [r for r in attempts(parts) if r.primary and not any(m.startswith("effort:") for m in r.modes)]
        return _mapped(base, aliases[(source, model_id)], "curated_alias", parts, plain[-1] if plain else None,
                       "curated alias (pipeline/curated/model_aliases*.csv)")
    if parts.exclusion and parts.exclusion[0] in EXCLUDED_FIRST:
        return {**base, "status": "excluded", "rule": parts.exclusion[0], "reason": parts.exclusion[1],
                "variant": ";".join(parts.variants) or None}
    stated = author_of_namespace(parts.namespace, idx.namespaces)
    readings = list(attempts(parts))
    if parts.namespace:
        as_id = f"{parts.namespace}/{parts.name}".lower()
        if as_id in idx.ids:
            from_openrouter = idx.origins[as_id] in OPENROUTER_ORIGINS
            return _mapped(base, as_id, "openrouter_id" if from_openrouter else "vendor_naming", parts, None,
                           "the id is a registry id")
        # The repo as written (`…-Instruct-FP8` can be a repo of its own), then without quantisation.
        for att in (None, readings[0]) if readings else (None,):
            hit = lookup_hf(f"{parts.namespace}/{att.name if att else parts.name}", idx)
            if hit and hit.canonical:
                return _mapped(base, hit.canonical, "hugging_face_id", parts, att, "Hugging Face repo linked "
                               "to the registry model")
    for att in readings:
        author = stated or parts.first_party or author_of_name(slug(att.name))
        candidate = f"{author}/{slug(att.name)}" if author else None
        if candidate in idx.ids:
            return _mapped(base, candidate, "vendor_naming", parts, att, f"named {candidate} once the "
                           "source's naming is read")
    ambiguous: Hit | None = None
    for att in readings:
        hit = lookup_key(att.name, stated or parts.first_party, author_of_name(slug(att.name)), idx)
        if hit and hit.canonical:
            return _mapped(base, hit.canonical, "normalised_name", parts, att, f"normalised name {key(att.name)}")
        ambiguous = ambiguous or hit
    if parts.exclusion:
        return {**base, "status": "excluded", "rule": parts.exclusion[0], "reason": parts.exclusion[1]}
    if ambiguous:
        return {**base, "status": "unmapped", "rule": "unmapped",
                "reason": "ambiguous: " + ", ".join(ambiguous.ambiguous)}
    tuned = _tuning_suffix(readings[-1].name if readings else parts.name, idx)
    if tuned:
        return {**base, "status": "unmapped", "rule": "unmapped", "reason": f"fine-tune of {tuned}"}
    if create and source in CREATING:
        proposal = propose(source, parts, readings, idx)
        if proposal:
            return _mapped(base, *proposal[:2], parts, *proposal[2:])
    bases = base_of_finetune(readings[-1].name if readings else parts.name, idx)
    if bases:
        return {**base, "status": "unmapped", "rule": "unmapped", "reason": "fine-tune of " + ", ".join(bases)}
    why = "no registry entry"
    if style_of(source) == "board" and source in CREATING and not author_of_name(slug(parts.name)):
        why += " (developer of this name unknown: developers.py)"
    return {**base, "status": "unmapped", "rule": "unmapped", "reason": why}


def _tuning_suffix(name: str, idx: Index) -> str | None:
    """`gemma-2-9b-it-simpo` -> 'google/gemma-2-9b-it' when the name less its tuning word is a model."""
    tokens = key(name).split("-")
    if len(tokens) < 2 or tokens[-1] not in TUNING_SUFFIXES:
        return None
    hit = lookup_normalised("-".join(tokens[:-1]), None, None, idx)
    return hit.canonical if hit and hit.canonical else None


def propose(source: str, parts: IdParts, readings: list[Attempt], idx: Index):
    """(canonical id, creation rule, reading, reason, hugging_face_id) for an id that may create a
    registry entry, or None. The id is the developer's author slug and the normalised name."""
    style = style_of(source)
    # A reasoning-effort word is only read off a name that already exists (`gpt-5-high`): a new
    # entry keeps it (`mistral-medium` is a model, not Mistral at medium effort).
    plain = [r for r in readings if r.primary and not any(m.startswith("effort:") for m in r.modes)]
    last = plain[-1] if plain else None
    if last is None:
        return None
    if "litellm_openrouter_route" in parts.rules and parts.namespace:
        first = readings[0]
        return (f"{parts.namespace}/{parts.name}".lower(), "openrouter_entry", first,
                "OpenRouter id (LiteLLM's openrouter/ route)", None)
    if style == "hugging_face" and parts.namespace:
        author = author_of_namespace(parts.namespace, idx.namespaces) or parts.namespace.lower()
        first = readings[0]
        return (f"{author}/{slug(first.name)}", "hugging_face_entry", first, "Hugging Face repository",
                f"{parts.namespace}/{parts.name}")
    if parts.first_party:
        return (f"{parts.first_party}/{slug(last.name)}", "first_party_entry", last,
                f"priced by {parts.first_party}'s own API", None)
    if style == "board":
        author = author_of_namespace(parts.namespace) or author_of_name(slug(last.name))
        if author:
            return f"{author}/{slug(last.name)}", "board_entry", last, "leaderboard model", None
    return None


def resolve(source: str, ids: pl.DataFrame, registry: pl.DataFrame, curated_aliases: pl.DataFrame,
            index: Index | None = None) -> pl.DataFrame:
    """One row per distinct (source_model_id, provider) of `ids`: the canonical model or why not.
    `rows`: how many rows of `ids` name it (their `rows` column summed when `ids` has one);
    `citation`: where it was read, when `ids` says."""
    idx = index or build_index(registry, curated_aliases)
    aliases = alias_map(curated_aliases)
    frame = ids if "provider" in ids.columns else ids.with_columns(pl.lit(None, pl.String).alias("provider"))
    weight = pl.col("rows").sum() if "rows" in ids.columns else pl.len()
    # Where the id was read (ids_from_rows' `citation`), kept for the alias table.
    cited = [pl.col("citation").drop_nulls().sort().first()] if "citation" in ids.columns else []
    counts = frame.group_by("source_model_id", "provider").agg(weight.cast(pl.Int64).alias("rows"), *cited)
    pairs = sorted(counts.select("source_model_id", "provider").iter_rows(), key=lambda p: (p[0], p[1] or ""))
    listed = listed_names(source, pairs)
    rows = [resolve_one(source, mid, prov, idx, aliases, listed=listed) for mid, prov in pairs]
    out = pl.DataFrame(rows, schema=RESOLUTION_SCHEMA).join(counts, on=["source_model_id", "provider"],
                                                             how="left", nulls_equal=True)
    return with_origin(out, registry, source)


def alias_map(curated_aliases: pl.DataFrame) -> dict[tuple[str, str], str]:
    cols = curated_aliases.select("source", "source_model_id", "canonical_model").iter_rows()
    return {(s, m): c for s, m, c in cols}


def with_origin(resolved: pl.DataFrame, registry: pl.DataFrame, source: str) -> pl.DataFrame:
    """Adds `entry_origin`: how the entry an id maps to came into the registry; an id that created
    its own entry reports the creation rule as its `rule`."""
    origins = registry.select("canonical_model", pl.col("origin").alias("entry_origin"), "origin_ids")
    out = resolved.join(origins, on="canonical_model", how="left")
    created = (pl.col("origin_ids").list.contains(pl.lit(source) + ":" + pl.col("source_model_id")).fill_null(False)
               & pl.col("entry_origin").is_in(list(CREATION_RULES)) & (pl.col("rule") != "curated_alias"))
    # A curated alias may name a model the registry lacks: mapped as curated, and said so.
    missing = (pl.col("status") == "mapped") & pl.col("entry_origin").is_null()
    return out.with_columns(
        pl.when(created).then(pl.col("entry_origin")).otherwise(pl.col("rule")).alias("rule"),
        pl.when(created).then(pl.lit("this id created the registry entry"))
        .when(missing).then(pl.format("{}; {} is not in the registry", "reason", "canonical_model"))
        .otherwise(pl.col("reason")).alias("reason"),
    ).drop("origin_ids")
