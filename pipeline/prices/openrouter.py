"""OpenRouter's model list: every routed model and its price per token.

Source: https://openrouter.ai/api/v1/models (public, no key). Changes continuously: models
arrive weekly and prices follow the upstream providers.

Quirks:
- Prices are strings in USD per *token* ("0.000003"); converted here to USD per 1M tokens.
- "-1" is a sentinel for routers whose price depends on the model they pick (openrouter/auto):
  rejected with a reason, like any non-numeric price.
- `pricing.overrides` holds context tiers (`min_prompt_tokens`): one more row per tier, with
  `context_tier_min_tokens`; fields a tier does not restate stay empty rather than guessed.
  Overrides keyed by time of day (`utc_start`/`utc_end`) are not context tiers: rejected.
- ":free" variants are priced 0 on purpose: kept, flagged `is_free`.
- Per-request, per-image, audio and web-search prices are not per-token text prices and are
  not read.
- Older responses (2024 captures, read by `ledger backfill`) carry only `prompt` and `completion`
  prices and no `created`: cache prices then stay empty, nothing is guessed.
- Each row also keeps the model's registry facts (`created` as `model_created_at`,
  `hugging_face_id`, `architecture.modality`, `canonical_slug`; read by
  `pipeline.identity.openrouter_models.model_facts`): the prices step builds the model registry
  from these observation versions, so the registry needs no raw body.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

import polars as pl

from pipeline.core.sources import Parsed, Rejects, Source, SourceFormatError, recorded_dir_for
from pipeline.identity.openrouter_models import model_facts
from schemas.prices import PriceObservation

URL = "https://openrouter.ai/api/v1/models"
PARSER_VERSION = "openrouter/2"  # 2: the registry facts (created, hugging_face_id…)
SENTINEL = "-1"

# OpenRouter pricing field -> our column (USD per token in, USD per 1M tokens out)
FIELDS = {
    "prompt": "input_usd_per_mtok",
    "completion": "output_usd_per_mtok",
    "input_cache_read": "cached_input_usd_per_mtok",
    "input_cache_write": "cache_write_usd_per_mtok",
}
REQUIRED = ("prompt", "completion")


class _Bad(ValueError):
    pass


def usd_per_mtok(value: object) -> float:
    """'0.000003' (USD per token) -> 3.0 (USD per 1M tokens), exactly."""
    if isinstance(value, bool) or value is None:
        raise _Bad("missing")
    text = str(value).strip()
    if text == SENTINEL:
        raise _Bad("sentinel -1 (price depends on the routed model)")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise _Bad("not a number") from None
    if not amount.is_finite():
        raise _Bad("not a finite number")
    return float(amount * 1_000_000)


def _facts(model: dict) -> dict:
    """What the rows say about the model itself: its name and context, and its registry facts."""
    facts = model_facts(model)
    created = facts["created"]
    context_length = model.get("context_length")
    return {"display_name": model.get("name"),
            "context_length": context_length if isinstance(context_length, int) else None,
            "model_created_at": (datetime.fromtimestamp(created, tz=timezone.utc).replace(tzinfo=None)
                                 if created is not None else None),
            "hugging_face_id": facts["hugging_face_id"], "modality": facts["modality"],
            "canonical_slug": facts["canonical_slug"]}


def _row(model_id: str, facts: dict, prices: dict, tier: int) -> dict:
    row = {"provider": "openrouter", "source_model_id": model_id, "service_tier": "standard",
           "context_tier_min_tokens": tier, "is_free": model_id.endswith(":free"), **facts}
    row.update({col: None for col in PriceObservation.to_schema().columns if col.endswith("_usd_per_mtok")})
    row.update(prices)
    return row


def _prices(model_id: str, pricing: dict, rejects: Rejects, where: str) -> dict | None:
    out = {}
    for field, column in FIELDS.items():
        if field not in pricing:
            if field in REQUIRED:
                rejects.reject(model_id, f"{where}: no '{field}' price", field)
                return None
            continue
        try:
            out[column] = usd_per_mtok(pricing[field])
        except _Bad as exc:
            if field in REQUIRED:
                rejects.reject(model_id, f"{where}: {field} price {exc}", field, pricing[field])
                return None
            rejects.reject(model_id, f"{where}: {field} price {exc}; left empty", field, pricing[field])
    return out


def parse(body: bytes, observed_at: datetime, url: str = URL) -> Parsed:
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceFormatError(f"not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
        raise SourceFormatError("expected a JSON object with a 'data' list of models")
    rows, rejects = [], Rejects()
    for i, model in enumerate(doc["data"]):
        model_id = model.get("id") if isinstance(model, dict) else None
        if not isinstance(model_id, str) or not model_id:
            rejects.reject(f"data[{i}]", "entry without a string 'id'")
            continue
        pricing = model.get("pricing")
        if not isinstance(pricing, dict):
            rejects.reject(model_id, "no 'pricing' object", "pricing", pricing)
            continue
        base = _prices(model_id, pricing, rejects, "base")
        if base is None:
            continue
        facts = _facts(model)
        rows.append(_row(model_id, facts, base, 0))
        for j, override in enumerate(pricing.get("overrides") or []):
            where = f"overrides[{j}]"
            if not isinstance(override, dict) or "min_prompt_tokens" not in override:
                keys = sorted(override) if isinstance(override, dict) else override
                rejects.reject(model_id, f"{where}: not a context tier (keys {keys})", "overrides", keys)
                continue
            tier = override["min_prompt_tokens"]
            if not isinstance(tier, int) or isinstance(tier, bool) or tier <= 0:
                rejects.reject(model_id, f"{where}: min_prompt_tokens is not a positive integer",
                               "min_prompt_tokens", tier)
                continue
            tier_prices = _prices(model_id, override, rejects, where)
            if tier_prices is not None:
                rows.append(_row(model_id, facts, tier_prices, tier))
    frame = pl.DataFrame(rows, schema=_SCHEMA)
    return Parsed(frame, rejects.frame(), entries=len(doc["data"]))


_SCHEMA = {"provider": pl.String, "source_model_id": pl.String, "service_tier": pl.String,
           "context_tier_min_tokens": pl.Int64, "is_free": pl.Boolean,
           **{c: pl.Float64 for c in ("input_usd_per_mtok", "output_usd_per_mtok",
                                     "cached_input_usd_per_mtok", "cache_write_usd_per_mtok",
                                     "batch_input_usd_per_mtok", "batch_output_usd_per_mtok")},
           "display_name": pl.String, "context_length": pl.Int64, "model_created_at": pl.Datetime("us"),
           "hugging_face_id": pl.String, "modality": pl.String, "canonical_slug": pl.String}

SOURCE = Source(
    name="openrouter",
    family="prices",
    parse=parse,
    parser_version=PARSER_VERSION,
    urls=(URL,),
    recorded_dir=recorded_dir_for(__file__, "openrouter"),
    description="OpenRouter model list: USD per token for every routed model, with context tiers",
)
