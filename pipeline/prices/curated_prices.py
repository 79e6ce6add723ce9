"""Curated prices: prices published only in prose, sales quotes or contracts, one cited row each.

Source: `prices.csv` in the curated directory (`pipeline/curated/` or `--curated-dir`). Changes
when someone adds a row. Columns: provider, model (a canonical id), the six USD-per-1M-token
prices (empty when not stated), context_tier_min_tokens (empty = 0), observed_on, citation.

Curated rows win over fetched rows for the same provider, model and tier in `model_prices`, and
confirm a fetched price the guards held back when they state the same price.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import polars as pl

from pipeline.core.sources import Parsed, Rejects, Source, SourceFormatError, utf8_text
from pipeline.prices.rows import PRICE_ROW_SCHEMA, price_row
from schemas.prices import PRICE_COLUMNS

FILE = "prices.csv"
PARSER_VERSION = "curated_prices/1"
COLUMNS = ("provider", "model", *PRICE_COLUMNS, "context_tier_min_tokens", "observed_on", "citation")
SCHEMA = {**PRICE_ROW_SCHEMA, "observed_at": pl.Datetime("us"), "citation": pl.String}


def read_rows(body: bytes, rejects: Rejects) -> tuple[list[dict], int]:
    """The file's rows as price rows with observed_at and citation; bad lines go to rejects."""
    text = utf8_text(body, FILE)
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    header = tuple(reader.fieldnames or ())
    if set(header) != set(COLUMNS):
        raise SourceFormatError(f"{FILE}: header must be {','.join(COLUMNS)}; got {','.join(header)}")
    rows, n = [], 0
    for n, raw in enumerate(reader, start=1):
        where = f"{FILE}:{n + 1}"  # line 1 is the header
        try:
            rows.append(_row(raw))
        except ValueError as exc:
            rejects.reject(where, str(exc), value=",".join(raw.get(c) or "" for c in COLUMNS))
    return rows, n


def _row(raw: dict) -> dict:
    text = {c: (raw.get(c) or "").strip() for c in COLUMNS}
    for col in ("provider", "model", "observed_on", "citation", "input_usd_per_mtok", "output_usd_per_mtok"):
        if not text[col]:
            raise ValueError(f"column '{col}' is required")
    prices = {}
    for col in PRICE_COLUMNS:
        if text[col]:
            try:
                prices[col] = float(text[col])
            except ValueError:
                raise ValueError(f"column '{col}': not a number: {text[col]!r}") from None
    try:
        observed = date.fromisoformat(text["observed_on"])
    except ValueError:
        raise ValueError(f"column 'observed_on': not an ISO date: {text['observed_on']!r}") from None
    tier = int(text["context_tier_min_tokens"] or 0)
    row = price_row(text["provider"], text["model"], prices, context_tier_min_tokens=tier)
    row["observed_at"] = datetime(observed.year, observed.month, observed.day)
    row["citation"] = text["citation"]
    return row


def parse(body: bytes, observed_at: datetime, url: str = FILE) -> Parsed:
    rejects = Rejects()
    rows, n = read_rows(body, rejects)
    return Parsed(pl.DataFrame(rows, schema=SCHEMA), rejects.frame(), entries=n)


SOURCE = Source(
    name="curated_prices",
    family="prices",
    parse=parse,
    parser_version=PARSER_VERSION,
    urls=lambda curated_dir: [FILE],
    local=True,
    # Every curated row is typed by hand: one bad row is worth stopping for.
    max_bad_share=0.0,
    description="Curated prices (pipeline/curated/prices.csv): cited prices that win over fetched ones",
)
