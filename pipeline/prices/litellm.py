"""LiteLLM's model price file: USD per token for every model LiteLLM can route, by provider.

Source: https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json
(public, no key). Changes several times a week: community pull requests add models and fix
prices. One JSON object keyed by LiteLLM's model name ("gpt-4o", "bedrock/…", "vertex_ai/…").

Quirks:
- Prices are floats in USD per *token* (3e-06); converted here to USD per 1M tokens through
  Decimal, so 3e-06 becomes exactly 3.0.
- The biller is `litellm_provider` (openai, anthropic, bedrock, vertex_ai-language-models,
  gemini…), not the key's prefix.
- `*_above_200k_tokens` (and `_above_128k_tokens`) are context tiers: one more row with
  `context_tier_min_tokens`; fields a tier does not restate stay empty rather than guessed.
  `tiered_pricing` (a list of {range: [from, to], …}) is the same thing written another way.
- `*_batches` are batch-API prices: the batch columns of the base row.
- `*_priority` / `*_flex` are processing tiers priced apart: rows with service_tier
  priority / flex, never mixed into the standard row.
- `sample_spec` documents the format; `last_updated` is not a model (some mirrors add it).
- Older versions of the file (backfilled from its git history) have no `max_input_tokens` on
  some entries (context length left empty) and spell the moderation mode `moderations`.
- Entries billed per image, second, character, pixel, query or request, embeddings and rerankers
  are excluded with the reason: this table is per-token text generation. Embeddings are left
  out on purpose: they price input only and feed no generation cost.
- `cache_creation_input_token_cost_above_1hr` is a cache lifetime (1-hour TTL), not a context
  tier, and is not read; neither are audio/image token prices or `search_context_cost_per_query`
  (a dict of per-query prices).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

import polars as pl

from pipeline.core.sources import Parsed, Rejects, Source, SourceFormatError, recorded_dir_for
from pipeline.prices.rows import PRICE_ROW_SCHEMA, price_row

URL = "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json"
PARSER_VERSION = "litellm/1"

# LiteLLM field -> our column, for the standard row and for each context tier.
BASE_FIELDS = {
    "input_cost_per_token": "input_usd_per_mtok",
    "output_cost_per_token": "output_usd_per_mtok",
    "cache_read_input_token_cost": "cached_input_usd_per_mtok",
    "cache_creation_input_token_cost": "cache_write_usd_per_mtok",
    "input_cost_per_token_batches": "batch_input_usd_per_mtok",
    "output_cost_per_token_batches": "batch_output_usd_per_mtok",
}
# Fields restated per processing tier (`<field>_priority`, `<field>_flex`).
SERVICE_TIER_FIELDS = ("input_cost_per_token", "output_cost_per_token", "cache_read_input_token_cost")
SERVICE_TIERS = ("priority", "flex")
CONTEXT_TIER = re.compile(r"^(?P<field>[a-z_]+?)_above_(?P<k>\d+)k_tokens$")

DOC_KEYS = {"sample_spec": "format documentation entry, not a model",
            "last_updated": "mirror timestamp, not a model"}
# Modes that are not text generation billed per token.
OUT_OF_SCOPE_MODES = {
    "embedding": "embedding model: input-only pricing, no generation (out of scope)",
    "rerank": "reranker: billed per query (out of scope)",
    "image_generation": "image generation: billed per image/pixel",
    "image_edit": "image editing: billed per image",
    "video_generation": "video generation: billed per second",
    "audio_transcription": "audio transcription: billed per second of audio",
    "audio_speech": "text to speech: billed per character/second",
    "moderation": "moderation endpoint: not a generation price",
    # Files before 2025 spell it in the plural (e.g. text-moderation-stable).
    "moderations": "moderation endpoint: not a generation price",
    "search": "search API: billed per query",
    "ocr": "OCR: billed per page",
    "vector_store": "vector store: billed per GB-day",
}
TEXT_MODES = {"chat", "completion", "responses", None}
# Non-token billing units, named in the exclusion reason when an entry has no per-token price.
UNIT_HINTS = (("per_character", "character"), ("per_second", "second"), ("per_image", "image"),
              ("per_pixel", "pixel"), ("per_query", "query"), ("per_request", "request"),
              ("per_page", "page"), ("per_session", "session"))


class _Bad(ValueError):
    pass


def usd_per_mtok(value: object) -> float:
    """3e-06 (USD per token) -> 3.0 (USD per 1M tokens), exactly."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _Bad(f"not a number ({type(value).__name__})")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise _Bad("not a number") from None
    if not amount.is_finite():
        raise _Bad("not a finite number")
    return float(amount * 1_000_000)


def _read(key: str, entry: dict, fields: dict[str, str], rejects: Rejects, where: str) -> dict:
    out = {}
    for field, column in fields.items():
        if field not in entry:
            continue
        try:
            out[column] = usd_per_mtok(entry[field])
        except _Bad as exc:
            rejects.reject(key, f"{where}: {field} {exc}; left empty", field, entry[field])
    return out


def _context_tiers(entry: dict) -> dict[int, dict[str, str]]:
    """{min_tokens: {litellm field: column}} from the `*_above_Nk_tokens` keys."""
    tiers: dict[int, dict[str, str]] = {}
    for name in entry:
        m = CONTEXT_TIER.match(name)
        if m and m.group("field") in BASE_FIELDS:
            tiers.setdefault(int(m.group("k")) * 1000, {})[name] = BASE_FIELDS[m.group("field")]
    return tiers


def _unit_of(entry: dict) -> str | None:
    for needle, unit in UNIT_HINTS:
        if any(needle in name for name in entry):
            return unit
    return None


def _entry_rows(key: str, entry: dict, rejects: Rejects) -> list[dict]:
    provider = entry.get("litellm_provider")
    if not isinstance(provider, str) or not provider:
        rejects.reject(key, "no litellm_provider", "litellm_provider", provider)
        return []
    common = {"provider": provider, "source_model_id": key,
              "context_length": entry.get("max_input_tokens")}
    if isinstance(entry.get("tiered_pricing"), list) and "input_cost_per_token" not in entry:
        return _tiered_pricing(key, entry["tiered_pricing"], common, rejects)
    if "input_cost_per_token" not in entry or "output_cost_per_token" not in entry:
        unit = _unit_of(entry)
        if unit:
            rejects.exclude(key, f"billed per {unit}, not per token", "mode", entry.get("mode"))
        elif not any("cost" in name for name in entry):
            rejects.exclude(key, "no price listed (subscription or unpriced model)", "mode", entry.get("mode"))
        else:
            missing = [f for f in ("input_cost_per_token", "output_cost_per_token") if f not in entry]
            rejects.reject(key, f"no per-token price ({', '.join(missing)} missing)", missing[0])
        return []
    base = _read(key, entry, BASE_FIELDS, rejects, "base")
    if "input_usd_per_mtok" not in base or "output_usd_per_mtok" not in base:
        return []  # the unreadable price is already rejected with its value
    rows = [price_row(**common, prices=base)]
    for tier, fields in sorted(_context_tiers(entry).items()):
        prices = _read(key, entry, fields, rejects, f"above {tier} tokens")
        if prices:
            rows.append(price_row(**common, prices=prices, context_tier_min_tokens=tier))
    for service_tier in SERVICE_TIERS:
        fields = {f"{f}_{service_tier}": BASE_FIELDS[f] for f in SERVICE_TIER_FIELDS}
        prices = _read(key, entry, fields, rejects, service_tier)
        if prices:
            rows.append(price_row(**common, prices=prices, service_tier=service_tier))
    return rows


def _tiered_pricing(key: str, tiers: list, common: dict, rejects: Rejects) -> list[dict]:
    rows = []
    for i, tier in enumerate(tiers):
        where = f"tiered_pricing[{i}]"
        bounds = tier.get("range") if isinstance(tier, dict) else None
        if not (isinstance(bounds, list) and bounds and isinstance(bounds[0], (int, float))):
            rejects.reject(key, f"{where}: no numeric range", "tiered_pricing", tier)
            continue
        prices = _read(key, tier, BASE_FIELDS, rejects, where)
        if "input_usd_per_mtok" in prices and "output_usd_per_mtok" in prices:
            rows.append(price_row(**common, prices=prices, context_tier_min_tokens=int(bounds[0])))
        else:
            rejects.reject(key, f"{where}: no input and output price", "tiered_pricing", tier)
    return rows


def parse(body: bytes, observed_at: datetime, url: str = URL) -> Parsed:
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceFormatError(f"not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or not any(isinstance(v, dict) and "litellm_provider" in v for v in doc.values()):
        raise SourceFormatError("expected a JSON object of model entries with 'litellm_provider'")
    rows, rejects = [], Rejects()
    for key, entry in doc.items():
        if key in DOC_KEYS:
            rejects.exclude(key, DOC_KEYS[key])
        elif not isinstance(entry, dict):
            rejects.reject(key, "entry is not an object", value=entry)
        elif entry.get("mode") in OUT_OF_SCOPE_MODES:
            rejects.exclude(key, OUT_OF_SCOPE_MODES[entry["mode"]], "mode", entry["mode"])
        elif entry.get("mode") not in TEXT_MODES:
            rejects.reject(key, "unknown mode", "mode", entry.get("mode"))
        else:
            rows.extend(_entry_rows(key, entry, rejects))
    return Parsed(pl.DataFrame(rows, schema=PRICE_ROW_SCHEMA), rejects.frame(), entries=len(doc))


SOURCE = Source(
    name="litellm",
    family="prices",
    parse=parse,
    parser_version=PARSER_VERSION,
    urls=(URL,),
    # A few malformed community entries are normal; a tenth means the format moved.
    max_bad_share=0.1,
    recorded_dir=recorded_dir_for(__file__, "litellm"),
    description="LiteLLM price file: USD per token per provider, with context, batch and service tiers",
)
