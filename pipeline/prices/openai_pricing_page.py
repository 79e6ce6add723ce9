"""OpenAI's API pricing page: text-token prices per 1M tokens, from the page's embedded props.

Source: https://openai.com/api/pricing/ (HTML, no key). Changes with each model launch and
repricing (several times a quarter).

Quirks:
- The tables are not HTML tables: each one is an `<astro-island props="…">` whose props are
  Astro's serialised JSON, every value wrapped as `[type, value]` (0 = plain value, 1 = array).
  Decoded, a table is {"groups": [{"model": group name, "rows": [[name, input, cached, output]]}]}.
- The page shows the same models once per processing tier (Standard, Batch, Flex, Priority),
  one island per tier. The tier is read from the island's own `tier` prop or from the tier
  label just before it. Standard prices fill the main columns; Batch fills the batch columns of
  the standard row; Flex and Priority become their own service_tier rows. Reading a Priority
  table as Standard doubles a model's price, so a page with several islands and one whose tier
  cannot be told is rejected for that island rather than guessed; a single unlabeled island
  (the page's main table) is Standard.
- Row names carry conditions: "gpt-5.5 (<272K context length)" is the base price of gpt-5.5;
  "(>272K context length)" a context tier from 272,000 tokens. "-" means not offered.
- Groups of non-token prices (image generation "Image"/"Text" rows under a model name) are
  excluded with the reason.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

import polars as pl
from bs4 import BeautifulSoup, Tag

from pipeline.core.sources import Parsed, Rejects, Source, SourceFormatError, recorded_dir_for
from pipeline.prices.rows import PRICE_ROW_SCHEMA, price_row

URL = "https://openai.com/api/pricing/"
PARSER_VERSION = "openai_pricing_page/1"
TIERS = {"standard": "standard", "batch": "batch", "flex": "flex", "priority": "priority"}
CONDITION = re.compile(r"^(?P<model>[^()]+?)\s*\((?P<cond>[^)]*)\)\s*$")
CONTEXT = re.compile(r"(?P<op>[<>])\s*(?P<k>\d+)\s*K", re.IGNORECASE)
MODEL_ID = re.compile(r"^(gpt|o\d|chatgpt|codex|computer-use)[a-z0-9.\-]*$")
COLUMNS = ("input_usd_per_mtok", "cached_input_usd_per_mtok", "output_usd_per_mtok")


def decode(value: object) -> object:
    """Astro's serialised props -> plain JSON ([0, v] plain value, [1, [...]] array)."""
    if isinstance(value, list) and len(value) == 2 and value[0] in (0, 1):
        kind, inner = value
        if kind == 1:
            return [decode(v) for v in inner]
        return {k: decode(v) for k, v in inner.items()} if isinstance(inner, dict) else inner
    if isinstance(value, dict):
        return {k: decode(v) for k, v in value.items()}
    return value


def _label_before(island: Tag) -> str | None:
    """The processing-tier label written just before the island (a tab or heading)."""
    for el in island.find_all_previous(string=True, limit=8):
        text = el.strip().lower()
        if text in TIERS:
            return TIERS[text]
    return None


def _price(value: object) -> float | None:
    if isinstance(value, bool):
        raise ValueError(f"not a price: {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    if value is None or str(value).strip() in ("-", ""):
        return None
    text = str(value).strip().lstrip("$").replace(",", "")
    return float(text)  # ValueError for words: caught by the caller


def _islands(soup: BeautifulSoup) -> list[tuple[str | None, dict]]:
    out = []
    for island in soup.find_all("astro-island"):
        raw = island.get("props")
        if not raw or "groups" not in raw:
            continue
        try:
            props = decode(json.loads(raw))
        except json.JSONDecodeError as exc:
            raise SourceFormatError(f"astro-island props are not JSON: {exc}") from None
        tier = props.get("tier") if isinstance(props.get("tier"), str) else None
        out.append((TIERS.get((tier or "").strip().lower()) or _label_before(island), props))
    return out


def parse(body: bytes, observed_at: datetime, url: str = URL) -> Parsed:
    islands = _islands(BeautifulSoup(body, "lxml"))
    if not islands:
        raise SourceFormatError("no astro-island with pricing groups in the page")
    rejects = Rejects()
    # (model, context tier, service tier) -> prices
    found: dict[tuple[str, int, str], dict[str, float]] = {}
    entries = 0
    for i, (tier, props) in enumerate(islands):
        if tier is None and len(islands) > 1:
            rejects.reject(f"island[{i}]", "processing tier (Standard/Batch/Flex/Priority) not labelled; "
                           "not read, so that no other tier is taken for Standard")
            entries += 1
            continue
        for group in props.get("groups") or []:
            for row in group.get("rows") or []:
                entries += 1
                _read_row(group.get("model"), row, tier or "standard", found, rejects)
    rows = []
    for (model, context, service), prices in sorted(found.items()):
        if service == "batch":
            continue
        batch = found.get((model, context, "batch"), {})
        prices = dict(prices, **{f"batch_{c.split('_', 1)[0]}_usd_per_mtok": v for c, v in batch.items()
                                 if c in ("input_usd_per_mtok", "output_usd_per_mtok")})
        if "input_usd_per_mtok" not in prices or "output_usd_per_mtok" not in prices:
            rejects.reject(model, f"{service} row without an input and an output price", value=sorted(prices))
            continue
        rows.append(price_row("openai", model, prices, service_tier=service, context_tier_min_tokens=context))
    return Parsed(pl.DataFrame(rows, schema=PRICE_ROW_SCHEMA), rejects.frame(), entries=entries)


def _read_row(group: object, row: object, tier: str, found: dict, rejects: Rejects) -> None:
    if not (isinstance(row, list) and len(row) == 4 and isinstance(row[0], str)):
        rejects.reject(str(group), "row is not [name, input, cached input, output]", value=row)
        return
    name = row[0].strip()
    m = CONDITION.match(name)
    model, condition = (m.group("model").strip(), m.group("cond")) if m else (name, "")
    if not MODEL_ID.match(model):
        rejects.exclude(f"{group}/{name}", "not a text model row (e.g. image or audio token prices)")
        return
    context = 0
    c = CONTEXT.search(condition)
    if c and c.group("op") == ">":
        context = int(c.group("k")) * 1000
    try:
        prices = {col: _price(v) for col, v in zip(COLUMNS, row[1:])}
    except ValueError:
        rejects.reject(name, f"{tier}: a price is not a number", value=row[1:])
        return
    key = (model, context, tier)
    if key in found:
        rejects.reject(name, f"{tier}: model listed twice in one tier; first kept", value=row[1:])
        return
    found[key] = {col: v for col, v in prices.items() if v is not None}


SOURCE = Source(
    name="openai_pricing_page",
    family="prices",
    parse=parse,
    parser_version=PARSER_VERSION,
    urls=(URL,),
    redirect_hosts=frozenset({"platform.openai.com", "developers.openai.com"}),
    max_bad_share=0.1,
    recorded_dir=recorded_dir_for(__file__, "openai_pricing_page"),
    description="OpenAI API pricing page: Standard prices per 1M tokens, Batch columns, Flex/Priority rows",
)
