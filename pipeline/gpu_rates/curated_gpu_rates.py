"""Curated GPU rates: offers published only in prose, on pages without a stable layout, or in
quotes and contracts — `gpu_rates.csv` in the curated directory.

Columns: provider, region, instance_type, gpu, gpu_count, pricing_model, usd_per_hour,
observed_on, citation. `gpu` is a canonical GPU (pipeline/curated/gpus.csv). Every row dates
itself (`observed_on`) and cites where the rate was published; a row for the same offer with a
later date is the rate from then on, so the file keeps the history. A curated offer wins over a
fetched one for the same provider, region, instance type and pricing model. Read by the one
curated reader (pipeline/core/curated.py, schema schemas.curated.CuratedGpuRate): a row that
breaks a rule refuses the file, naming the line and the rule.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from pipeline.core.curated import parse_curated, where_of
from pipeline.core.sources import Parsed, Source
from pipeline.gpu_rates.rows import frame, row
from schemas.curated import CuratedGpuRate

FILE = "gpu_rates.csv"
PARSER_VERSION = "curated_gpu_rates/1"


def parse(body: bytes, observed_at: datetime, url: str = FILE) -> Parsed:
    rows = []
    for rec in parse_curated(body, where_of(url), CuratedGpuRate).iter_rows(named=True):
        out = row(rec["provider"], rec["region"], rec["instance_type"], rec["pricing_model"], rec["usd_per_hour"],
                  rec["gpu"], rec["gpu_count"], citation=rec["citation"])
        day = rec["observed_on"]
        rows.append({**out, "observed_at": datetime(day.year, day.month, day.day)})
    return Parsed(frame(rows, {"observed_at": pl.Datetime("us")}), entries=len(rows))


SOURCE = Source(
    name="curated_gpu_rates",
    family="gpu_rates",
    parse=parse,
    parser_version=PARSER_VERSION,
    urls=lambda curated_dir: [FILE],
    local=True,
    description="Curated GPU rates (gpu_rates.csv): offers published in prose or quotes, each cited and dated",
)
