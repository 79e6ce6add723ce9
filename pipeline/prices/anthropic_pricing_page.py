"""Anthropic's pricing page: Claude API prices per 1M tokens, one card per model.

Source: https://www.anthropic.com/pricing (server-rendered Webflow HTML, no key). Changes when a
model is released or repriced (a few times a year).

Quirks:
- Each model is a `.card_pricing_api_wrap` card titled "Sonnet 4.5", "Opus 4.1"…; the number of
  every price sits in a `span.tokens_main_val_number` with a `data-value` attribute, the "$" and
  "/ MTok" in sibling spans. The data-value is read, never the visible text.
- A price's meaning comes from the labels of its nested `tokens_l1/l2/l3_wrap` blocks:
  "Input" / "Output" / "Prompt caching" → "Write" / "Read", and for long-context models
  "Prompts ≤ 200K tokens" / "Prompts > 200K tokens" (a context tier row from 200,000 tokens).
- Batch prices are not listed per model: the page says "Save 50% with batch processing". The
  stated discount is applied to each card's input and output; a page without it leaves the
  batch columns empty.
- Cards without both an input and an output price (none today) are rejected, not guessed.
"""

from __future__ import annotations

import re
from datetime import datetime

import polars as pl
from bs4 import BeautifulSoup, Tag

from pipeline.core.sources import Parsed, Rejects, Source, SourceFormatError, recorded_dir_for
from pipeline.prices.rows import PRICE_ROW_SCHEMA, price_row

URL = "https://www.anthropic.com/pricing"
PARSER_VERSION = "anthropic_pricing_page/1"
CARD = ".card_pricing_api_wrap"
TITLE = ".card_pricing_title_text"
VALUE = "[data-value]"
LABEL = ".tokens_main_label"
BATCH_DISCOUNT = re.compile(r"Save\s+(\d+(?:\.\d+)?)%\s+with\s+batch", re.IGNORECASE)
ABOVE = re.compile(r">\s*(\d+)\s*K", re.IGNORECASE)


def _labels(value: Tag, card: Tag) -> list[str]:
    """The labels of the nested token blocks holding `value`, outermost first."""
    labels = []
    for parent in value.parents:
        if parent is card:
            break
        classes = parent.get("class") or []
        if any(c.startswith("tokens_l") and c.endswith("_wrap") for c in classes):
            label = parent.select_one(LABEL)
            if label is not None:
                labels.append(label.get_text(" ", strip=True))
    return labels[::-1]


def _column(labels: list[str]) -> str | None:
    words = [label.lower() for label in labels]
    if any("caching" in w for w in words):
        if words[-1] == "write":
            return "cache_write_usd_per_mtok"
        if words[-1] == "read":
            return "cached_input_usd_per_mtok"
        return None
    if words and words[0] == "input":
        return "input_usd_per_mtok"
    if words and words[0] == "output":
        return "output_usd_per_mtok"
    return None


def _tier(labels: list[str]) -> int:
    for label in labels:
        m = ABOVE.search(label)
        if m:
            return int(m.group(1)) * 1000
    return 0


def _card_rows(name: str, card: Tag, discount: float | None, rejects: Rejects) -> list[dict]:
    tiers: dict[int, dict[str, float]] = {}
    for value in card.select(VALUE):
        labels = _labels(value, card)
        column = _column(labels)
        if column is None:
            rejects.reject(name, f"price with unknown labels {labels}", "data-value", value["data-value"])
            continue
        try:
            amount = float(value["data-value"])
        except ValueError:
            rejects.reject(name, "data-value is not a number", " / ".join(labels), value["data-value"])
            continue
        tiers.setdefault(_tier(labels), {})[column] = amount
    base = tiers.get(0, {})
    if "input_usd_per_mtok" not in base or "output_usd_per_mtok" not in base:
        rejects.reject(name, "card without an input and an output price", value=sorted(base))
        return []
    rows = []
    for tier, prices in sorted(tiers.items()):
        if discount is not None:
            for col, batch in (("input_usd_per_mtok", "batch_input_usd_per_mtok"),
                               ("output_usd_per_mtok", "batch_output_usd_per_mtok")):
                if col in prices:
                    prices[batch] = round(prices[col] * (1 - discount / 100), 6)
        rows.append(price_row("anthropic", name, prices, context_tier_min_tokens=tier,
                              display_name=f"Claude {name}"))
    return rows


def parse(body: bytes, observed_at: datetime, url: str = URL) -> Parsed:
    soup = BeautifulSoup(body, "lxml")
    cards = soup.select(CARD)
    if not cards:
        raise SourceFormatError(f"no pricing cards ({CARD}) in the page")
    m = BATCH_DISCOUNT.search(soup.get_text(" ", strip=True))
    discount = float(m.group(1)) if m else None
    rows, rejects, seen = [], Rejects(), set()
    for i, card in enumerate(cards):
        title = card.select_one(TITLE)
        name = title.get_text(" ", strip=True) if title is not None else ""
        if not name:
            rejects.reject(f"card[{i}]", "card without a model title")
            continue
        if not card.select(VALUE):
            rejects.exclude(name, "card without per-token prices (plan or tool card)")
            continue
        if name in seen:
            # The page repeats some cards (e.g. a model in both "latest" and "legacy" grids).
            rejects.exclude(name, "card repeated on the page; first one read")
            continue
        seen.add(name)
        rows.extend(_card_rows(name, card, discount, rejects))
    return Parsed(pl.DataFrame(rows, schema=PRICE_ROW_SCHEMA), rejects.frame(), entries=len(cards))


SOURCE = Source(
    name="anthropic_pricing_page",
    family="prices",
    parse=parse,
    parser_version=PARSER_VERSION,
    urls=(URL,),
    redirect_hosts=frozenset({"claude.com", "www.claude.com"}),
    # A dozen cards: one unreadable card is already a layout change worth stopping for.
    max_bad_share=0.1,
    recorded_dir=recorded_dir_for(__file__, "anthropic_pricing_page"),
    description="Anthropic pricing page: Claude prices per 1M tokens, prompt caching, >200K tier, batch",
)
