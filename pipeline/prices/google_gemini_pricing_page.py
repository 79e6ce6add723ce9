"""Google's Gemini API pricing page: paid-tier prices per 1M tokens, one section per model.

Source: https://ai.google.dev/gemini-api/docs/pricing (HTML, no key). Changes with each model
release or repricing (monthly in 2025–2026).

Quirks:
- A model is an `<h2>` (display name) followed by its API id (`gemini-2.5-pro`) and a table —
  or, in older and trimmed copies, a run of paragraphs — of "label, free tier, paid tier".
  Only the paid tier is read: "Free of charge" / "Not available" cells are the free tier.
- Long-context tiers are prose inside the price: "$1.25, prompts <= 200k tokens" and
  "$2.50, prompts > 200k tokens" (a context tier row from 200,000 tokens).
- "Context caching price" is the cached-input price; its "$4.50 / 1,000,000 tokens per hour
  (storage price)" line is a storage fee, not a token price, and is not read.
- Prices for a modality list ("$0.30 (text / image / video)", "$1.00 (audio)") keep the text
  price, the first one listed.
- Sections under a "Batch" heading fill the batch columns; "Standard" (or none) the main ones.
- Models without an output price (embeddings, Imagen, Veo) are excluded with the reason.
"""

from __future__ import annotations

import re
from datetime import datetime

import polars as pl
from bs4 import BeautifulSoup

from pipeline.core.sources import Parsed, Rejects, Source, SourceFormatError, recorded_dir_for
from pipeline.prices.rows import PRICE_ROW_SCHEMA, price_row

URL = "https://ai.google.dev/gemini-api/docs/pricing"
PARSER_VERSION = "google_gemini_pricing_page/1"
LABELS = {"input price": "input_usd_per_mtok", "output price": "output_usd_per_mtok",
          "context caching price": "cached_input_usd_per_mtok"}
BATCH = {"input_usd_per_mtok": "batch_input_usd_per_mtok", "output_usd_per_mtok": "batch_output_usd_per_mtok"}
MODEL_ID = re.compile(r"^(gemini|gemma)-[a-z0-9.\-]+$")
PRICE = re.compile(r"^\$\s*(?P<amount>\d+(?:,\d{3})*(?:\.\d+)?)(?P<rest>.*)$")
ABOVE = re.compile(r">\s*(\d+)\s*k", re.IGNORECASE)
BLOCKS = ("h2", "h3", "h4", "p", "td", "th", "code", "li")


def _tokens(soup: BeautifulSoup) -> list[tuple[str, str]]:
    """(kind, text line) in document order; kind is h2, section (h3/h4) or text."""
    out = []
    containers = [b for b in BLOCKS if b != "code"]
    for el in soup.find_all(BLOCKS):
        if el.name == "code" and el.find_parent(containers) is not None:
            continue  # read with the paragraph or cell around it
        if el.find(containers):
            continue  # a container: its children are read one by one
        kind = {"h2": "h2", "h3": "section", "h4": "section"}.get(el.name, "text")
        for line in el.get_text("\n").split("\n"):
            if line.strip():
                out.append((kind, " ".join(line.split())))
    return out


def _label(text: str) -> str | None:
    low = text.lower()
    for label, column in LABELS.items():
        if low.startswith(label):
            return column
    return None


def parse(body: bytes, observed_at: datetime, url: str = URL) -> Parsed:
    tokens = _tokens(BeautifulSoup(body, "lxml"))
    models: list[dict] = []
    current: dict | None = None
    for kind, text in tokens:
        if kind == "h2":
            current = {"name": text, "id": None, "prices": {}, "column": None, "batch": False}
            models.append(current)
        elif current is None:
            continue
        elif kind == "section":
            current["batch"] = text.strip().lower().startswith("batch")
            current["column"] = None
        elif current["id"] is None and MODEL_ID.match(text):
            current["id"] = text
        elif _label(text):
            current["column"] = _label(text)
        elif current["column"] and (m := PRICE.match(text)):
            rest = m.group("rest").lower()
            if "per hour" in rest or "storage" in rest:
                continue
            tier_match = ABOVE.search(rest)
            tier = int(tier_match.group(1)) * 1000 if tier_match else 0
            column = BATCH.get(current["column"], None) if current["batch"] else current["column"]
            if column is None:
                continue  # batch context caching: priced as standard caching
            current["prices"].setdefault(tier, {}).setdefault(column, float(m.group("amount").replace(",", "")))
    if not models:
        raise SourceFormatError("no model sections (<h2>) in the page")
    rows, rejects = [], Rejects()
    for model in models:
        key = model["id"] or model["name"]
        base = model["prices"].get(0, {})
        if model["id"] is None:
            rejects.exclude(key, "section without a Gemini API model id (not a model)")
        elif "output_usd_per_mtok" not in base:
            rejects.exclude(key, "no output price (embedding, image or video model)")
        elif "input_usd_per_mtok" not in base:
            rejects.reject(key, "output price without an input price", value=sorted(base))
        else:
            for tier, prices in sorted(model["prices"].items()):
                rows.append(price_row("gemini", key, prices, context_tier_min_tokens=tier,
                                      display_name=model["name"]))
    return Parsed(pl.DataFrame(rows, schema=PRICE_ROW_SCHEMA), rejects.frame(), entries=len(models))


SOURCE = Source(
    name="google_gemini_pricing_page",
    family="prices",
    parse=parse,
    parser_version=PARSER_VERSION,
    urls=(URL,),
    max_bad_share=0.1,
    recorded_dir=recorded_dir_for(__file__, "google_gemini_pricing_page"),
    description="Gemini API pricing page: paid-tier prices per 1M tokens with <=200k / >200k tiers",
)
