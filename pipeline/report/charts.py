"""The report's four charts, from the warehouse to inline SVG."""

from __future__ import annotations

import math

import duckdb
import polars as pl

from pipeline.report import data
from pipeline.report.provenance import Provenance
from pipeline.report.svg import Marker, Point, Series, compact, line_chart

# Preferred pair for the cost-against-volume chart: a 70B-class deployment, as the guides show.
PREFERRED_SIZE_B = 70


def price_chart(con: duckdb.DuckDBPyConnection, prov: Provenance) -> str:
    frame = data.price_history(con)
    quarters = data.all_quarters(frame)
    series = []
    for (model,), group in frame.group_by("canonical_model", maintain_order=True):
        points = []
        for r in group.iter_rows(named=True):
            entry = prov.fetch(r["fetch_id"], r["source"], r["observed_at"])
            points.append(Point(r["quarter"], r["output_usd_per_mtok"],
                                f"{model} {r['quarter']}: ${r['output_usd_per_mtok']:g} per 1M output tokens "
                                f"({entry.summary})", f"#{entry.id}"))
        series.append(Series(model, points))
    return line_chart(series, title="Output price per 1M tokens, reference provider", y_label="USD per 1M tokens",
                      x_labels=quarters, log_y=True, y_prefix="$", chart_id="c-prices")


def gap_chart(con: duckdb.DuckDBPyConnection) -> str:
    frame = data.gap_history(con)
    quarters = data.all_quarters(frame)
    series = []
    for column, name, dashed in (("best_closed_score", "best closed model", False),
                                 ("best_open_score", "best open-weight model", False), ("gap", "gap (points)", True)):
        if column not in frame.columns:
            continue
        points = [Point(r["quarter"], r[column], f"{name} {r['quarter']}: {r[column]:.1f}")
                  for r in frame.iter_rows(named=True) if r[column] is not None]
        series.append(Series(name, points, dashed=dashed))
    return line_chart(series, title="Open–closed quality gap", y_label="score (0–100)", x_labels=quarters,
                      chart_id="c-gap")


def pick_crossover(con: duckdb.DuckDBPyConnection, quarter: str) -> dict | None:
    rows = data.quarter_rows(con, "crossover", quarter, "deployment, canonical_model")
    if rows.is_empty():
        return None
    usable = rows.filter(pl.col("api_usd_per_request").is_not_null() & pl.col("gpu_monthly_cost_usd").is_not_null())
    if usable.is_empty():
        return None
    hosted = data.quarter_rows(con, "self_hosted_cost", quarter, "deployment").select("deployment", "model_size_b")
    ranked = (usable.join(hosted, on="deployment", how="left")
              .with_columns((pl.col("model_size_b") - PREFERRED_SIZE_B).abs().fill_null(1e9).alias("size_gap"),
                            pl.col("breakeven_requests_gpu_only").is_null().alias("no_breakeven"))
              .sort(["no_breakeven", "size_gap", "deployment", "canonical_model"]))
    return ranked.row(0, named=True)


def cost_volume_chart(con: duckdb.DuckDBPyConnection, quarter: str | None) -> str:
    title = "Monthly cost against volume: API vs self-hosted"
    row = pick_crossover(con, quarter) if quarter else None
    if row is None:
        return line_chart([], title=title, y_label="USD per month", chart_id="c-crossover")
    per_request, capacity = row["api_usd_per_request"], row["monthly_capacity_requests"]
    gpu_cost = row["gpu_monthly_cost_usd"]
    breakeven = row["breakeven_requests_gpu_only"]
    top = max(capacity * 4, (breakeven or 0) * 4, 1_000_000)
    volumes = sorted({int(10 ** (e / 8)) for e in range(32, int(math.log10(top) * 8) + 1)}
                     | {capacity * k for k in range(1, 5)} | {capacity * k - 1 for k in range(2, 5)})
    api = Series(f"API: {row['canonical_model']}",
                 [Point(v, v * per_request, f"{compact(v)} req: ${v * per_request:,.0f}") for v in volumes])
    hosted = Series(f"self-hosted: {row['deployment']}",
                    [Point(v, math.ceil(v / capacity) * gpu_cost,
                           f"{compact(v)} req: {math.ceil(v / capacity)} replica(s), "
                           f"${math.ceil(v / capacity) * gpu_cost:,.0f}") for v in volumes], step=True)
    markers = [Marker(breakeven, f"crossover {compact(breakeven)} req/month")] if breakeven else []
    return line_chart([api, hosted], title=f"{title} ({quarter})", y_label="USD per month", log_x=True,
                      log_y=True, markers=markers, y_prefix="$", chart_id="c-crossover")


def gpu_chart(con: duckdb.DuckDBPyConnection) -> str:
    frame = data.gpu_history(con)
    quarters = data.all_quarters(frame)
    series = [Series(gpu, [Point(r["quarter"], r["median_usd_per_gpu_hour"],
                                 f"{gpu} {r['quarter']}: ${r['median_usd_per_gpu_hour']:.2f}/GPU-hour "
                                 f"(median of {r['offers']} offers)") for r in group.iter_rows(named=True)])
              for (gpu,), group in frame.group_by("gpu", maintain_order=True)] if not frame.is_empty() else []
    return line_chart(series, title="Median on-demand USD per GPU-hour", y_label="USD per GPU-hour",
                      x_labels=quarters, y_prefix="$", chart_id="c-gpu")
