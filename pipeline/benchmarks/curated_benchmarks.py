"""Curated benchmark scores: figures published only in model cards, papers and announcements.

File: `benchmark_scores.csv` in the curated directory, one row per published figure:
`model,benchmark,score,scale_max,observed_on,citation`. `model` is a canonical model id,
`benchmark` a canonical benchmark id (pipeline/curated/benchmarks.csv); `score` is on the scale
0–`scale_max` as published (100 for percentages, 10 for MT-Bench…); `observed_on` is the day
the figure was published, and the row counts from then on. Every row cites where it comes from.

A row that breaks a rule is rejected with its line and the rule; a score above its scale_max
is kept and quarantined by the scale guard, so that the mistake is visible.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import polars as pl

from pipeline.benchmarks.rows import ROW_SCHEMA, BadValue, number, scored_row
from pipeline.core.sources import Parsed, Rejects, Source, SourceFormatError, utf8_text

FILE = "benchmark_scores.csv"
PARSER_VERSION = "curated_benchmarks/1"
COLUMNS = ("model", "benchmark", "score", "scale_max", "observed_on", "citation")


def parse(body: bytes, observed_at: datetime, url: str = FILE) -> Parsed:
    text = utf8_text(body, url)
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise SourceFormatError(f"{url}: header must be {','.join(COLUMNS)}; found {reader.fieldnames}")
    rows, rejects, entries = [], Rejects(), 0
    for n, rec in enumerate(reader, start=1):
        entries += 1
        where = f"{FILE} row {n}"
        model, bench = (rec["model"] or "").strip(), (rec["benchmark"] or "").strip()
        missing = [c for c in COLUMNS if not (rec.get(c) or "").strip()]
        if missing:
            rejects.reject(model or where, f"{where}: required column(s) {missing} empty", missing[0])
            continue
        try:
            score, scale_max = number(rec["score"]), number(rec["scale_max"])
            day = date.fromisoformat(rec["observed_on"].strip())
        except (BadValue, ValueError) as exc:
            rejects.reject(model, f"{where}: {exc}", "score", rec["score"])
            continue
        if scale_max <= 0:
            rejects.reject(model, f"{where}: scale_max must be positive", "scale_max", scale_max)
            continue
        unit = "percent" if scale_max == 100 else "fraction" if scale_max == 1 else "points"
        row = scored_row(model, bench, score, unit, scale_max=scale_max)
        row["observed_at"] = datetime(day.year, day.month, day.day)
        rows.append(row)
    frame = pl.DataFrame(rows, schema={**ROW_SCHEMA, "observed_at": pl.Datetime("us")})
    return Parsed(frame, rejects.frame(), entries=entries)


SOURCE = Source(
    name="curated_benchmarks",
    family="benchmarks",
    parse=parse,
    parser_version=PARSER_VERSION,
    urls=lambda curated_dir: [FILE],
    local=True,
    description="Curated benchmark scores from model cards and papers (pipeline/curated/benchmark_scores.csv)",
)
