"""Curated benchmark scores: figures published only in model cards, papers and announcements.

File: `benchmark_scores.csv` in the curated directory, one row per published figure:
`model,benchmark,score,scale_max,observed_on,citation`. `model` is a canonical model id,
`benchmark` a canonical benchmark id (pipeline/curated/benchmarks.csv); `score` is on the scale
0–`scale_max` as published (100 for percentages, 10 for MT-Bench…); `observed_on` is the day
the figure was published, and the row counts from then on. Every row cites where it comes from.

The file is read by the one curated reader (pipeline/core/curated.py, schema
schemas.curated.CuratedBenchmarkScore): a row that breaks a rule (a missing citation, a score
that is not a number, a scale_max not positive, a date not YYYY-MM-DD) refuses the file, naming
the line and the rule. A score above its scale_max is kept and quarantined by the scale guard,
so that the mistake is visible.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from pipeline.benchmarks.rows import ROW_SCHEMA, scored_row
from pipeline.core.curated import parse_curated, where_of
from pipeline.core.sources import Parsed, Source
from schemas.curated import CuratedBenchmarkScore

FILE = "benchmark_scores.csv"
PARSER_VERSION = "curated_benchmarks/1"


def parse(body: bytes, observed_at: datetime, url: str = FILE) -> Parsed:
    rows = []
    for rec in parse_curated(body, where_of(url), CuratedBenchmarkScore).iter_rows(named=True):
        scale_max = rec["scale_max"]
        unit = "percent" if scale_max == 100 else "fraction" if scale_max == 1 else "points"
        row = scored_row(rec["model"], rec["benchmark"], rec["score"], unit, scale_max=scale_max)
        day = rec["observed_on"]
        rows.append({**row, "observed_at": datetime(day.year, day.month, day.day)})
    frame = pl.DataFrame(rows, schema={**ROW_SCHEMA, "observed_at": pl.Datetime("us")})
    return Parsed(frame, entries=len(rows))


SOURCE = Source(
    name="curated_benchmarks",
    family="benchmarks",
    parse=parse,
    parser_version=PARSER_VERSION,
    urls=lambda curated_dir: [FILE],
    local=True,
    description="Curated benchmark scores from model cards and papers (pipeline/curated/benchmark_scores.csv)",
)
