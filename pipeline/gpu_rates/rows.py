"""What every GPU-rate parser shares: the row shape, exact money parsing, and summarised exclusions."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal, InvalidOperation

import polars as pl

from pipeline.core.sources import Rejects

ROW_SCHEMA = {"provider": pl.String, "region": pl.String, "zone": pl.String, "instance_type": pl.String,
              "pricing_model": pl.String, "usd_per_hour": pl.Float64, "gpu_name": pl.String,
              "gpu_count": pl.Float64, "gpu_memory_gb": pl.Float64, "meter_id": pl.String,
              "detail": pl.String, "citation": pl.String}
SECONDS_PER_HOUR = Decimal(3600)
MIB_PER_GB = Decimal(1024)
# Reservation terms are quoted as one total for the term: 365-day years, as the clouds' own
# calculators count them (730 hours a month).
HOURS_PER_YEAR = Decimal(8760)
# Rows that name an exact duplicate say so with this text, the same words the core uses.
EXACT_DUPLICATES = "exact duplicate row(s) removed"


class BadValue(ValueError):
    """A field that is not usable (missing, not a number, not finite)."""


def money(value: object) -> Decimal:
    """A price as an exact decimal: '0.001097' stays 0.001097 (no float noise before unit conversion)."""
    if value is None or isinstance(value, bool):
        raise BadValue("missing")
    text = str(value).strip().lstrip("$").replace(",", "")
    if not text:
        raise BadValue("empty")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise BadValue(f"not a number: {str(value)[:40]!r}") from None
    if not amount.is_finite():
        raise BadValue(f"not a finite number: {value!r}")
    return amount


def row(provider: str, region: str, instance_type: str, pricing_model: str, usd_per_hour: Decimal | float,
        gpu_name: str, gpu_count: float | None = None, gpu_memory_gb: float | None = None, *,
        zone: str | None = None, meter_id: str | None = None, detail: str | None = None,
        citation: str | None = None) -> dict:
    return {"provider": provider, "region": region, "zone": zone, "instance_type": instance_type,
            "pricing_model": pricing_model, "usd_per_hour": float(usd_per_hour), "gpu_name": gpu_name,
            "gpu_count": gpu_count, "gpu_memory_gb": gpu_memory_gb, "meter_id": meter_id,
            "detail": detail, "citation": citation}


def frame(rows: list[dict], extra: dict | None = None) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={**ROW_SCHEMA, **(extra or {})})


class Excluded:
    """Out-of-scope entries counted by reason and recorded once per reason (with sample keys):
    a catalog of thousands of CPU instances, or a price list of every Azure service, would
    otherwise fill the rejects table with one row per entry it was never meant to hold."""

    SAMPLES = 5

    def __init__(self) -> None:
        self._keys: dict[str, list[str]] = defaultdict(list)

    def add(self, reason: str, key: str) -> None:
        self._keys[reason].append(key)

    def record(self, rejects: Rejects) -> None:
        for reason, keys in self._keys.items():
            sample = ", ".join(keys[: self.SAMPLES]) + (", …" if len(keys) > self.SAMPLES else "")
            rejects.exclude("*", f"{len(keys)} entries: {reason}", value=sample)

    def count(self) -> int:
        return sum(len(k) for k in self._keys.values())
