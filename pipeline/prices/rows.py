"""The row every price parser returns (the shape schemas.prices.PriceObservation checks)."""

from __future__ import annotations

import re

import polars as pl

from schemas.prices import PRICE_COLUMNS

PRICE_ROW_SCHEMA = {"provider": pl.String, "source_model_id": pl.String, "service_tier": pl.String,
                    "context_tier_min_tokens": pl.Int64, "is_free": pl.Boolean,
                    **{c: pl.Float64 for c in PRICE_COLUMNS},
                    "display_name": pl.String, "context_length": pl.Int64}

_MONEY = re.compile(r"^\$?\s*(\d+(?:,\d{3})*(?:\.\d+)?)$")


def price_row(provider: str, source_model_id: str, prices: dict[str, float], *,
              service_tier: str = "standard", context_tier_min_tokens: int = 0,
              display_name: str | None = None, context_length: object = None) -> dict:
    """One price row; price columns a source does not state stay empty, never guessed."""
    row = {"provider": provider, "source_model_id": source_model_id, "service_tier": service_tier,
           "context_tier_min_tokens": context_tier_min_tokens,
           "display_name": display_name,
           "context_length": context_length if isinstance(context_length, int)
           and not isinstance(context_length, bool) else None}
    row.update({c: None for c in PRICE_COLUMNS})
    row.update(prices)
    # A deliberately free offer: both main prices stated and zero.
    row["is_free"] = row["input_usd_per_mtok"] == 0 and row["output_usd_per_mtok"] == 0
    return row


def dollars(text: str) -> float | None:
    """'$1.25' / '1,000' / '$0.625' -> float; anything else (words, '-', ranges) -> None."""
    m = _MONEY.match(text.strip())
    return float(m.group(1).replace(",", "")) if m else None
