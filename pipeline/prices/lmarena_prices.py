"""LMArena's price catalogue: the $/1M input and output price of each arena model.

Source: https://raw.githubusercontent.com/lmarena/arena-catalog/main/data/scatterplot-data.json
(public, no key). Hand-curated by the arena team for its price-vs-score plot; changes when
models join the arena (weekly).

Quirks:
- Prices are strings already in USD per 1M tokens ("2.5", "0.30"); no unit conversion.
- Each entry cites where its price comes from (`price_source`): the provider is read from that
  URL's host (openai.com -> openai, www.together.ai -> together_ai…), because an open model's
  price depends on who serves it. Hosts that are not a provider's own page (aggregators, blogs)
  keep their host name as the provider, so they never pose as the model's developer.
- `model_api_name` is the arena's id (often dated: "claude-sonnet-4-5-20250929"), kept verbatim;
  aliases map it to a canonical model.
- Entries with empty prices (preview models not sold yet) are excluded with the reason;
  `hidden` entries (dropped from the plot) are still prices and are read.
"""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import urlsplit

import polars as pl

from pipeline.core.sources import Parsed, Rejects, Source, SourceFormatError, recorded_dir_for
from pipeline.prices.rows import PRICE_ROW_SCHEMA, dollars, price_row

URL = "https://raw.githubusercontent.com/lmarena/arena-catalog/main/data/scatterplot-data.json"
PARSER_VERSION = "lmarena_prices/1"
# Price-page host -> provider name (the names LiteLLM uses, so sources can be compared).
PROVIDERS = {
    "openai.com": "openai", "platform.openai.com": "openai",
    "anthropic.com": "anthropic", "claude.com": "anthropic", "docs.claude.com": "anthropic",
    "ai.google.dev": "gemini", "cloud.google.com": "vertex_ai",
    "together.ai": "together_ai", "openrouter.ai": "openrouter", "deepinfra.com": "deepinfra",
    "fireworks.ai": "fireworks_ai", "replicate.com": "replicate", "fal.ai": "fal_ai",
    "mistral.ai": "mistral", "api-docs.deepseek.com": "deepseek", "x.ai": "xai", "docs.x.ai": "xai",
    "alibabacloud.com": "dashscope", "cohere.com": "cohere", "aws.amazon.com": "bedrock",
    "azure.microsoft.com": "azure", "docs.z.ai": "zai", "platform.moonshot.ai": "moonshot",
    "docs.hyperbolic.xyz": "hyperbolic",
}


def provider_of(price_source: str) -> str | None:
    host = (urlsplit(price_source.strip()).hostname or "").lower()
    host = host[4:] if host.startswith("www.") else host
    return PROVIDERS.get(host, host or None)


def parse(body: bytes, observed_at: datetime, url: str = URL) -> Parsed:
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceFormatError(f"not valid JSON: {exc}") from None
    if not isinstance(doc, list):
        raise SourceFormatError("expected a JSON list of models")
    rows, rejects = [], Rejects()
    for i, entry in enumerate(doc):
        model_id = entry.get("model_api_name") if isinstance(entry, dict) else None
        if not isinstance(model_id, str) or not model_id.strip():
            rejects.reject(f"[{i}]", "entry without a model_api_name")
            continue
        raw_in, raw_out = entry.get("input_token_price"), entry.get("output_token_price")
        if not str(raw_in or "").strip() and not str(raw_out or "").strip():
            rejects.exclude(model_id, "no price listed (model not sold through an API yet)")
            continue
        prices = {"input_usd_per_mtok": dollars(str(raw_in)), "output_usd_per_mtok": dollars(str(raw_out))}
        bad = [f"{k}={v!r}" for k, v in (("input", raw_in), ("output", raw_out))
               if prices[f"{k}_usd_per_mtok"] is None]
        if bad:
            rejects.reject(model_id, f"price is not a number: {', '.join(bad)}", "price", f"{raw_in}/{raw_out}")
            continue
        provider = provider_of(str(entry.get("price_source") or ""))
        if provider is None:
            rejects.reject(model_id, "no price_source to tell who charges this price", "price_source")
            continue
        rows.append(price_row(provider, model_id.strip(), prices, display_name=entry.get("name")))
    return Parsed(pl.DataFrame(rows, schema=PRICE_ROW_SCHEMA), rejects.frame(), entries=len(doc))


SOURCE = Source(
    name="lmarena_prices",
    family="prices",
    parse=parse,
    parser_version=PARSER_VERSION,
    urls=(URL,),
    max_bad_share=0.1,
    recorded_dir=recorded_dir_for(__file__, "lmarena_prices"),
    description="LMArena price catalogue: curated $/1M input and output price per arena model",
)
