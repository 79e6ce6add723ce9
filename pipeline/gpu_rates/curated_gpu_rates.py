"""Curated GPU rates: offers published only in prose, on pages without a stable layout, or in
quotes and contracts — `gpu_rates.csv` in the curated directory.

Columns: provider, region, instance_type, gpu, gpu_count, pricing_model, usd_per_hour,
observed_on, citation. `gpu` is a canonical GPU (pipeline/curated/gpus.csv). Every row dates
itself (`observed_on`) and cites where the rate was published; a row for the same offer with a
later date is the rate from then on, so the file keeps the history. A curated offer wins over a
fetched one for the same provider, region, instance type and pricing model.
"""

from __future__ import annotations

import csv
from datetime import date, datetime

import polars as pl

from pipeline.core.sources import Parsed, Rejects, Source, SourceFormatError, utf8_text
from pipeline.gpu_rates.rows import BadValue, frame, money, row
from schemas.gpu_rates import PRICING_MODELS

FILE = "gpu_rates.csv"
PARSER_VERSION = "curated_gpu_rates/1"
COLUMNS = ("provider", "region", "instance_type", "gpu", "gpu_count", "pricing_model", "usd_per_hour",
           "observed_on", "citation")


def _one(line: int, rec: dict) -> dict:
    missing = [c for c in COLUMNS if not rec.get(c)]
    if missing:
        raise BadValue(f"line {line}: column(s) {missing} empty")
    if rec["pricing_model"] not in PRICING_MODELS:
        raise BadValue(f"line {line}: pricing_model {rec['pricing_model']!r} is not one of {PRICING_MODELS}")
    try:
        observed_on = date.fromisoformat(rec["observed_on"])
    except ValueError:
        raise BadValue(f"line {line}: observed_on {rec['observed_on']!r} is not a YYYY-MM-DD date") from None
    price = money(rec["usd_per_hour"])
    count = float(money(rec["gpu_count"]))
    out = row(rec["provider"], rec["region"], rec["instance_type"], rec["pricing_model"], price, rec["gpu"],
              count, citation=rec["citation"])
    out["observed_at"] = datetime(observed_on.year, observed_on.month, observed_on.day)
    return out


def parse(body: bytes, observed_at: datetime, url: str = FILE) -> Parsed:
    text = utf8_text(body, url)
    # Line numbers as in the file (comment and blank lines count), for messages that point at it.
    numbered = [(n, ln) for n, ln in enumerate(text.splitlines(), start=1)
                if ln.strip() and not ln.lstrip().startswith("#")]
    header = [h.strip() for h in next(csv.reader([numbered[0][1]]))] if numbered else []
    if sorted(header) != sorted(COLUMNS):
        raise SourceFormatError(f"{url}: header must be {','.join(COLUMNS)}; got {','.join(header)}")
    rows, rejects = [], Rejects()
    for line, text_line in numbered[1:]:
        values = next(csv.reader([text_line]))
        rec = {k: v.strip() for k, v in zip(header, values)}
        try:
            if len(values) != len(header):
                raise BadValue(f"line {line}: {len(values)} fields, expected {len(header)}")
            rows.append(_one(line, rec))
        except BadValue as exc:
            rejects.reject(f"{url}:{line}", f"{url}: {exc}", value=text_line)
    entries = max(len(numbered) - 1, 0)
    return Parsed(frame(rows, {"observed_at": pl.Datetime("us")}), rejects.frame(), entries=entries)


SOURCE = Source(
    name="curated_gpu_rates",
    family="gpu_rates",
    parse=parse,
    parser_version=PARSER_VERSION,
    urls=lambda curated_dir: [FILE],
    local=True,
    description="Curated GPU rates (gpu_rates.csv): offers published in prose or quotes, each cited and dated",
)
