"""`ledger diff QA QB`: what moved between two quarters, in words, from the published warehouse.

Any two computed quarters (not only consecutive ones): price cuts and increases, tier changes,
crossover moves, managed inference moves (each open model's cheapest managed offer), self-hosted
capacity moves, GPU rate moves, license changes and the open–closed gap. The comparisons are
the drift functions of the marts (pipeline/marts/drift.py) applied to the two quarters' stored
tables; nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import polars as pl

from pipeline.core.paths import Paths
from pipeline.core.quarters import Quarter
from pipeline.core.warehouse import query, read_published, table_columns
from pipeline.marts import drift
from pipeline.marts.inputs import (GPU_RATES_SCHEMA, GPU_RATES_SQL, LICENSE_CHANGES_SCHEMA, LICENSE_CHANGES_SQL,
                                   load_spectrum)

COMPUTED_QUARTERS = "SELECT DISTINCT quarter FROM api_cost_at_scale ORDER BY quarter"
BASE_PRICES_SQL = """
SELECT DISTINCT canonical_model, provider, input_usd_per_mtok, output_usd_per_mtok, usd_per_request
FROM api_cost_at_scale WHERE quarter = ?"""
HASHES_SQL = "SELECT DISTINCT assumptions_hash FROM api_cost_at_scale WHERE quarter = ?"
SUMMARY_SQL = "SELECT * FROM {table} WHERE quarter = ?"
# Tables a warehouse written before them lacks: compared as empty.
MANAGED_SCHEMA = {"canonical_model": pl.String, "provider": pl.String, "blended_usd_per_mtok": pl.Float64,
                  "usd_per_request": pl.Float64, "providers_offering": pl.Int64, "is_cheapest": pl.Boolean}
CAPACITY_SCHEMA = {"deployment": pl.String, "monthly_capacity_requests": pl.Int64, "output_tokens_per_s": pl.Float64,
                   "throughput_basis": pl.String, "throughput_source": pl.String,
                   "throughput_observed_at": pl.Datetime("us")}


class DiffError(ValueError):
    """The quarters cannot be compared (nothing published, or a quarter never computed)."""


@dataclass
class Diff:
    old: Quarter
    new: Quarter
    provisional: bool
    hashes: tuple[list[str], list[str]]
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    gaps: tuple[dict | None, dict | None] = (None, None)


def _one(con, table: str, quarter: Quarter) -> pl.DataFrame:
    return query(con, SUMMARY_SQL.format(table=table), [quarter.label])


def _columns(con, table: str, quarter: Quarter, schema: dict) -> pl.DataFrame:
    """`schema`'s columns of one quarter of `table`, empty when the warehouse lacks them."""
    if not set(schema) <= table_columns(con, table):
        return pl.DataFrame(schema=schema)
    return _one(con, table, quarter).select(list(schema)).cast(schema)


def compare_quarters(con: duckdb.DuckDBPyConnection, old: Quarter, new: Quarter) -> Diff:
    if not table_columns(con, "api_cost_at_scale"):
        raise DiffError("the published warehouse has no marts yet: run `ledger refresh` first")
    computed = [r[0] for r in con.execute(COMPUTED_QUARTERS).fetchall()]
    for q in (old, new):
        if q.label not in computed:
            raise DiffError(f"quarter {q} has not been computed (computed: {', '.join(computed) or 'none'}); "
                            f"run `ledger refresh --quarter {q}`")
    hashes = tuple([r[0] for r in con.execute(HASHES_SQL, [q.label]).fetchall()] for q in (old, new))
    base = [query(con, BASE_PRICES_SQL, [q.label]) for q in (old, new)]
    tiers = [_one(con, "quality_tiers", q) for q in (old, new)]
    cross = [_one(con, "crossover", q) for q in (old, new)]
    rates = [query(con, GPU_RATES_SQL, [q.label]).cast(GPU_RATES_SCHEMA) if table_columns(con, "gpu_price_summary")
             else pl.DataFrame(schema=GPU_RATES_SCHEMA) for q in (old, new)]
    lo, hi = sorted((old, new))
    texts = (query(con, LICENSE_CHANGES_SQL, [lo.end, hi.end]).cast(LICENSE_CHANGES_SCHEMA)
             if table_columns(con, "license_changes") else pl.DataFrame(schema=LICENSE_CHANGES_SCHEMA))
    gaps = [_one(con, "open_closed_gap", q) for q in (old, new)]
    provisional = bool(_one(con, "api_cost_at_scale", new)["provisional"].any())
    return Diff(old, new, provisional, hashes, {
        "prices": drift.price_drift(*base),
        "tiers": drift.tier_drift(*tiers),
        "crossover": drift.crossover_drift(*cross),
        "managed": drift.managed_inference_drift(*[_columns(con, "managed_inference", q, MANAGED_SCHEMA)
                                                   for q in (old, new)]),
        "capacity": drift.throughput_drift(*[_columns(con, "self_hosted_cost", q, CAPACITY_SCHEMA)
                                             for q in (old, new)]),
        "gpu_rates": drift.gpu_rate_drift(*rates),
        "licenses": drift.license_drift(texts, load_spectrum(con, old), load_spectrum(con, new)),
    }, tuple(g.row(0, named=True) if g.height else None for g in gaps))


def _money(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"${x:,.{digits}f}"


def _volume(x: int | None) -> str:
    return "never" if x is None else f"{x:,}"


def _score(x: float | None) -> str:
    return "—" if x is None else f"{x:.1f}"


def _pct(x: float | None) -> str:
    return "" if x is None else f"{x:+.1f}%"


def _section(title: str, frame: pl.DataFrame, limit: int, line) -> list[str]:
    """Counts per change word, then the moves (largest first), then what appeared, then what went."""
    counts = frame.group_by("change").len().sort("change").rows()
    out = [title, "  " + (", ".join(f"{n} {word}" for word, n in counts) or "nothing to compare")]
    rank = pl.col("change").replace_strict({"new": 1, "gone": 2}, default=0, return_dtype=pl.Int8)
    moved = (frame.filter(pl.col("change") != "unchanged")
             .with_columns(rank.alias("_rank"), pl.col("pct_change").abs().alias("_size"))
             .sort(["_rank", "_size"], descending=[False, True], nulls_last=True))
    out += ["  " + line(r) for r in moved.head(limit).iter_rows(named=True)]
    if moved.height > limit:
        out.append(f"  … and {moved.height - limit} more")
    return out


def render(d: Diff, limit: int = 15) -> str:
    t = d.tables
    lines = [f"drift {d.old} → {d.new}" + (f" ({d.new} is provisional)" if d.provisional else "")]
    if d.hashes[0] != d.hashes[1]:
        lines.append(f"note: the two quarters were computed with different assumptions "
                     f"({', '.join(d.hashes[0])} vs {', '.join(d.hashes[1])}): cost moves may come from them")
    lines += [""] + _section("API prices (base, USD per 1M tokens in / out)", t["prices"], limit, lambda r: (
        f"{r['canonical_model']} @ {r['provider']}: {_money(r['old_input_usd_per_mtok'])} / "
        f"{_money(r['old_output_usd_per_mtok'])} → {_money(r['new_input_usd_per_mtok'])} / "
        f"{_money(r['new_output_usd_per_mtok'])}  {r['change']} {_pct(r['pct_change'])}".rstrip()))
    lines += [""] + _section("Quality tiers", t["tiers"], limit, lambda r: (
        f"{r['canonical_model']}: tier {r['old_tier'] or '—'} → {r['new_tier'] or '—'}  "
        f"(score {_score(r['old_score'])} → {_score(r['new_score'])})  {r['change']}"))
    lines += [""] + _section("Crossover (requests a month at which self-hosting breaks even, GPU only)",
                             t["crossover"], limit, lambda r: (
        f"{r['deployment']} vs {r['canonical_model']}: {_volume(r['old_breakeven_requests_gpu_only'])} → "
        f"{_volume(r['new_breakeven_requests_gpu_only'])}  {_pct(r['pct_change'])}".rstrip()))
    lines += [""] + _section("Managed inference (cheapest paid offer of each open model, USD per 1M tokens of the "
                             "mix)", t["managed"], limit, lambda r: (
        f"{r['canonical_model']}: {_money(r['old_blended_usd_per_mtok'], 3)} @ {r['old_provider'] or '—'} → "
        f"{_money(r['new_blended_usd_per_mtok'], 3)} @ {r['new_provider'] or '—'}  {r['change']} "
        f"{_pct(r['pct_change'])}  ({r['old_providers_offering'] or 0} → {r['new_providers_offering'] or 0} "
        "providers)"))
    lines += [""] + _section("Self-hosted capacity (requests a month per replica)", t["capacity"], limit, lambda r: (
        f"{r['deployment']}: {_volume(r['old_monthly_capacity_requests'])} ({r['old_throughput_basis'] or '—'}) → "
        f"{_volume(r['new_monthly_capacity_requests'])} ({r['new_throughput_basis'] or '—'})  "
        f"{_pct(r['pct_change'])}".rstrip()))
    lines += [""] + _section("GPU on-demand rates (median USD per GPU-hour)", t["gpu_rates"], limit, lambda r: (
        f"{r['gpu']}: {_money(r['old_median_usd_per_gpu_hour'])} → {_money(r['new_median_usd_per_gpu_hour'])}  "
        f"{_pct(r['pct_change'])}  (cheapest {_money(r['old_min_usd_per_gpu_hour'])} → "
        f"{_money(r['new_min_usd_per_gpu_hour'])})"))
    lines += ["", "Licenses"] + (_license_lines(t["licenses"]) or ["  no license change"])
    lines += ["", "Open–closed gap"] + _gap_lines(d)
    return "\n".join(lines)


def _license_lines(frame: pl.DataFrame) -> list[str]:
    out = []
    for r in frame.iter_rows(named=True):
        if r["kind"] == "license_text":
            weight = "material" if r["material"] else "cosmetic"
            clauses = f": {r['clauses_changed']}" if r["clauses_changed"] else ""
            out.append(f"  {r['license_id']}: text changed {r['observed_at']:%Y-%m-%d} ({weight}{clauses})")
        else:
            what = "openness" if r["kind"] == "openness_category" else "license"
            out.append(f"  {r['canonical_model']}: {what} {r['old_value']} → {r['new_value']}")
    return out


def _gap_lines(d: Diff) -> list[str]:
    out = []
    for q, g in zip((d.old, d.new), d.gaps):
        if not g or g["gap"] is None:
            out.append(f"  {q}: not enough scores")
            continue
        out.append(f"  {q}: closed {g['best_closed_model']} {g['best_closed_score']:.1f} vs open "
                   f"{g['best_open_model']} {g['best_open_score']:.1f} → gap {g['gap']:.1f} points ({g['metric']})")
    if all(g and g["gap"] is not None for g in d.gaps):
        out.append(f"  change: {d.gaps[1]['gap'] - d.gaps[0]['gap']:+.1f} points")
    return out


def diff_published(paths: Paths, old: Quarter, new: Quarter, limit: int = 15) -> str:
    with read_published(paths) as con:
        if con is None:
            raise DiffError(f"nothing published yet at {paths.db}: run `ledger refresh` first")
        return render(compare_quarters(con, old, new), limit)
