"""Curated prices: prices published only in prose, sales quotes or contracts, one cited row each.

Source: `prices.csv` in the curated directory (`pipeline/curated/` or `--curated-dir`). Changes
when someone adds a row. Columns (schemas.curated.CuratedPrice): provider, model (a canonical
id), the six USD-per-1M-token prices (empty when not stated; input and output required),
context_tier_min_tokens (empty = 0), observed_on, citation. Read by the one curated reader
(pipeline/core/curated.py): a row that breaks a rule refuses the file, naming the line and rule.

Curated rows win over fetched rows for the same provider, model and tier in `model_prices`, and
confirm a fetched price the guards held back when they state the same price.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl

from pipeline.core.curated import parse_curated, where_of
from pipeline.core.sources import Parsed, Source
from pipeline.prices.rows import PRICE_ROW_SCHEMA, price_row
from schemas.curated import CuratedPrice
from schemas.prices import PRICE_COLUMNS

FILE = "prices.csv"
PARSER_VERSION = "curated_prices/1"
SCHEMA = {**PRICE_ROW_SCHEMA, "observed_at": pl.Datetime("us"), "citation": pl.String}


def read_rows(body: bytes, where: str = FILE) -> list[dict]:
    """The file's rows as price rows with observed_at and citation; CuratedError if a row breaks a rule."""
    rows = []
    for rec in parse_curated(body, where, CuratedPrice).iter_rows(named=True):
        row = price_row(rec["provider"], rec["model"], {c: rec[c] for c in PRICE_COLUMNS if rec[c] is not None},
                        context_tier_min_tokens=rec["context_tier_min_tokens"] or 0)
        day = rec["observed_on"]
        rows.append({**row, "observed_at": datetime(day.year, day.month, day.day), "citation": rec["citation"]})
    return rows


def read_file(curated_dir: Path) -> list[dict]:
    """`read_rows` of the curated directory's prices.csv; no rows when the directory has none."""
    path = Path(curated_dir) / FILE
    return read_rows(path.read_bytes(), str(path)) if path.exists() else []


def parse(body: bytes, observed_at: datetime, url: str = FILE) -> Parsed:
    rows = read_rows(body, where_of(url))
    return Parsed(pl.DataFrame(rows, schema=SCHEMA), entries=len(rows))


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
