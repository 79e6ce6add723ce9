"""What every mart schema shares (schemas/marts.py, schemas/marts_drift.py): the key columns of a
quarter's row, the units, the change words and the capacity bases."""

from __future__ import annotations

import pandera.polars as pa

USD_PER_MONTH = "USD per month"
USD_PER_MTOK = "USD per 1M tokens"
REQUESTS_PER_MONTH = "requests per month"
CHANGES = ("cut", "increase", "up", "down", "unchanged", "new", "gone")
THROUGHPUT_BASES = ("measured", "estimated", "assumption")


def usd_field(description: str, nullable: bool = True, unit: str = USD_PER_MONTH):
    return pa.Field(nullable=nullable, ge=0, description=description, metadata={"unit": unit})


class MartRow(pa.DataFrameModel):
    quarter: str = pa.Field(str_matches=r"^\d{4}Q[1-4]$", description="Quarter label YYYYQn")
    provisional: bool = pa.Field(description="The quarter is still running")
    assumptions_hash: str = pa.Field(str_length={"min_value": 16, "max_value": 16},
                                     description="Hash of the assumptions used (run_assumptions)")

    class Config:
        strict = False
