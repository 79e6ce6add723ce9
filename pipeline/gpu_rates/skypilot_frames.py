"""The frame steps of the SkyPilot catalog parser (pipeline/gpu_rates/skypilot_catalog.py, whose
docstring says what the catalogs hold and why each step exists).

Everything here works on whole columns; Python sees only the values that need it: numbers polars
cannot read (re-read by `money`, whose rules and messages are the family's), the distinct
`GpuInfo` literals, the messages of rejected groups, and GCP's VM + GPU sums (a few hundred rows,
added in exact decimal as the prices are published).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

import polars as pl

from pipeline.core.sources import REJECT_SCHEMA
from pipeline.gpu_rates.rows import BadValue, Excluded, money

REJECTS = REJECT_SCHEMA
OFFER_COLUMNS = ["__line", "InstanceType", "Region", "AcceleratorName", "AcceleratorCount", "Price", "SpotPrice",
                 "AvailabilityZone", "GpuInfo", "__detail"]
MemoryFn = Callable[[str, float], tuple[float | None, str | None]]


@dataclass(frozen=True)
class Combined:
    rows: pl.DataFrame  # VM rows carrying their GPUs' name, count, GpuInfo and the summed prices
    rejects: pl.DataFrame
    leftover: pl.DataFrame  # accelerator rows no VM used: __line, reason, key


@dataclass(frozen=True)
class Offers:
    rows: pl.DataFrame
    rejects: pl.DataFrame


def rejects(frame: pl.DataFrame, record_key, reason, field, value=None, kind: str = "rejected") -> pl.DataFrame:
    """`frame`'s rows as reject rows (expressions or literals for each reject column)."""
    lit = lambda v: v if isinstance(v, pl.Expr) else pl.lit(v, pl.String)  # noqa: E731
    return frame.select(lit(record_key).alias("record_key"), lit(field).alias("field"),
                        lit(value).str.slice(0, 500).alias("value"), lit(reason).alias("reason"),
                        pl.lit(kind).alias("kind"))


def _money(text: str) -> tuple[float | None, str | None]:
    try:
        return float(money(text)), None
    except BadValue as exc:
        return None, str(exc)


def with_money(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """`<column>__v` (the amount) and `<column>__err` (why it is not one; "empty" for "")."""
    text, value, error = pl.col(column), f"{column}__v", f"{column}__err"
    frame = frame.with_columns(text.str.strip_chars_start("$").str.replace_all(",", "", literal=True)
                               .cast(pl.Float64, strict=False).alias(value),
                               pl.when(text == "").then(pl.lit("empty")).alias(error))
    v = pl.col(value)
    odd = frame.filter((text != "") & (v.is_null() | ~v.is_finite()))[column].unique().to_list()
    if not odd:
        return frame
    read = {t: _money(t) for t in odd}  # polars refuses a few forms Decimal takes ("1_000"), and vice versa
    return frame.with_columns(
        pl.when(text.is_in(odd)).then(text.replace_strict({t: r[0] for t, r in read.items()}, default=None,
                                                          return_dtype=pl.Float64)).otherwise(v).alias(value),
        pl.coalesce(error, text.replace_strict({t: r[1] for t, r in read.items()}, default=None,
                                               return_dtype=pl.String)).alias(error))


def combine_gcp(vms: pl.DataFrame, accels: pl.DataFrame, host_gpus: dict[str, str], leftover_reason: str) -> Combined:
    """GCP VM rows joined to their GPUs' accelerator row in the same zone (the last such row)."""
    vms = vms.with_columns(pl.col("__family").replace_strict(host_gpus).alias("__accel"))
    accels = accels.with_columns(pl.col("AcceleratorCount").str.split(".").list.first().alias("__count"))
    gpus = accels.unique(["AcceleratorName", "__count", "AvailabilityZone"], keep="last", maintain_order=True).select(
        pl.col("AcceleratorName").alias("__accel"), "__count", "AvailabilityZone", pl.col("__line").alias("__gpu_line"),
        pl.col("Price").alias("__gpu_price"), pl.col("SpotPrice").alias("__gpu_spot"),
        pl.col("GpuInfo").alias("__gpu_info"))
    joined = vms.join(gpus, on=["__accel", "__count", "AvailabilityZone"], how="left", maintain_order="left")
    unmatched = (joined.filter(pl.col("__gpu_line").is_null())
                 .group_by("InstanceType", "Region", "__accel", "__count", maintain_order=True)
                 .agg(pl.when(pl.col("AvailabilityZone") == "").then(pl.lit("?")).otherwise("AvailabilityZone")
                      .str.join(", ").alias("zones")))
    missing = rejects(unmatched, pl.format("{}@{}", "InstanceType", "Region"), pl.format(
        "{}: the price covers the VM only; its {}x{} GPUs are billed apart and this catalog has no such "
        "accelerator row in zone(s) {}", "InstanceType", "__count", "__accel", "zones"), "AcceleratorName",
        kind="excluded")
    matched = joined.filter(pl.col("__gpu_line").is_not_null())
    summed, bad = [], []
    for rec in matched.iter_rows(named=True):
        try:
            price = money(rec["Price"]) + money(rec["__gpu_price"])
            both = rec["SpotPrice"] and rec["__gpu_spot"]
            spot = money(rec["SpotPrice"]) + money(rec["__gpu_spot"]) if both else ""
        except BadValue as exc:
            bad.append({"line": f"line {rec['__line']}", "reason": f"{rec['InstanceType']}: VM or GPU price {exc}"})
            summed.append((None, None))
            continue
        summed.append((str(price), str(spot)))
    sums = pl.DataFrame(summed, schema={"__sum": pl.String, "__spot_sum": pl.String}, orient="row")
    rows = (pl.concat([matched, sums], how="horizontal").filter(pl.col("__sum").is_not_null())
            .with_columns(pl.col("__accel").alias("AcceleratorName"), pl.col("__count").alias("AcceleratorCount"),
                          pl.col("__gpu_info").alias("GpuInfo"), pl.col("__sum").alias("Price"),
                          pl.col("__spot_sum").alias("SpotPrice"),
                          pl.format("VM + {}x{} accelerator row (line {})", "__count", "__accel", "__gpu_line")
                          .alias("__detail")))
    price_rejects = rejects(pl.DataFrame(bad, schema={"line": pl.String, "reason": pl.String}),
                            pl.col("line"), pl.col("reason"), "Price")
    left = accels.filter(~pl.col("__line").is_in(matched["__gpu_line"].implode())).select(
        "__line", pl.lit(leftover_reason).alias("reason"),
        pl.format("{}x{}@{}", "AcceleratorName", "AcceleratorCount",
                  pl.when(pl.col("AvailabilityZone") != "").then("AvailabilityZone").otherwise("Region")).alias("key"))
    return Combined(rows, pl.concat([price_rejects, missing]), left)


def _disagreement(counts: list[float], price_texts: list[str]) -> str:
    return _disagreement_of(tuple(counts), tuple(price_texts))


@lru_cache(maxsize=4096)
def _disagreement_of(counts: tuple[float, ...], price_texts: tuple[str, ...]) -> str:
    distinct: dict[Decimal, Decimal] = {}
    for text in price_texts:  # equal amounts written differently ("0.5", "0.50") are one price
        distinct.setdefault(money(text), money(text))
    return (f"zones disagree on the GPU count or on-demand price: {sorted(counts)}, "
            f"{sorted(map(str, distinct.values()))}")


def offers(provider: str, rows: pl.DataFrame, memory: MemoryFn) -> Offers:
    """One on-demand and at most one spot row per instance type and region (the cheapest zone's)."""
    rows = rows.with_row_index("__pos")
    for column in ("AcceleratorCount", "Price", "SpotPrice"):
        rows = with_money(rows, column)
    has_spot = pl.col("SpotPrice") != ""
    spot_ok = has_spot & pl.col("SpotPrice__err").is_null()
    rows = rows.with_columns(pl.when(spot_ok).then("SpotPrice__v").alias("__spot"))
    key = ["InstanceType", "Region"]
    groups = rows.group_by(key, maintain_order=True).agg(
        pl.col("__pos").first(), pl.col("Price").first().alias("first_price"),
        pl.coalesce(pl.col("AcceleratorCount__err").drop_nulls().first(),
                    pl.col("Price__err").drop_nulls().first()).alias("error"),
        ((pl.col("AcceleratorCount__v").n_unique() > 1) | (pl.col("Price__v").n_unique() > 1)).alias("split"),
        pl.col("AcceleratorCount__v").first().alias("count"), pl.col("Price__v").first().alias("price"),
        pl.col("AcceleratorName", "GpuInfo", "__detail").first(),
        pl.col("__spot").min().alias("spot"),
        pl.col("AvailabilityZone").get(pl.col("__spot").arg_min()).alias("spot_zone"))  # the first cheapest zone
    where = pl.format("{}@{}", "InstanceType", "Region")
    broken = groups.filter(pl.col("error").is_not_null())
    groups = groups.filter(pl.col("error").is_null())
    # The few groups that are rejected get their lines and prices listed for the message.
    listed = rows.join(pl.concat([broken, groups.filter(pl.col("split"))]).select(key), on=key).group_by(
        key, maintain_order=True).agg(pl.col("__line").alias("lines"), pl.col("AcceleratorCount__v").unique(),
                                       pl.col("Price").alias("price_texts"))
    broken = broken.join(listed, on=key, how="left", maintain_order="left")
    disagree = groups.filter(pl.col("split")).join(listed, on=key, how="left", maintain_order="left").with_columns(
        pl.struct("AcceleratorCount__v", "price_texts").map_elements(
            lambda s: _disagreement(s["AcceleratorCount__v"], s["price_texts"]), pl.String).alias("reason"))
    bad_spots = (rows.filter(has_spot & pl.col("SpotPrice__err").is_not_null())
                 .join(groups.select(*key, pl.col("__pos").alias("__group")), on=key))
    found = pl.concat([
        rejects(broken, where, pl.format("line(s) [{}]: Price or AcceleratorCount {}",
                                         pl.col("lines").cast(pl.List(pl.String)).list.join(", "), "error"),
                "Price", pl.col("first_price")).with_columns(broken["__pos"].alias("__at"), pl.lit(0).alias("__sub")),
        rejects(bad_spots, where, pl.format("line {}: SpotPrice {}", "__line", "SpotPrice__err"), "SpotPrice",
                pl.col("SpotPrice")).with_columns(bad_spots["__group"].alias("__at"), pl.lit(0).alias("__sub")),
        rejects(disagree, where, pl.col("reason"), "Price").with_columns(disagree["__pos"].alias("__at"),
                                                                          pl.lit(1).alias("__sub"))])
    return Offers(_rows(provider, groups.filter(~pl.col("split")), memory),
                  found.sort("__at", "__sub", maintain_order=True).drop("__at", "__sub"))


def _rows(provider: str, good: pl.DataFrame, memory: MemoryFn) -> pl.DataFrame:
    pairs = good.select("GpuInfo", "count").unique()
    read = [memory(info, count) for info, count in pairs.iter_rows()]
    pairs = pairs.with_columns(pl.Series("gpu_memory_gb", [m for m, _ in read], pl.Float64),
                               pl.Series("__note", [n for _, n in read], pl.String))
    good = good.join(pairs, on=["GpuInfo", "count"], how="left", maintain_order="left", nulls_equal=True)
    detail = pl.concat_str(pl.col("__detail"), pl.col("__note"), separator="; ", ignore_nulls=True)
    common = [pl.lit(provider).alias("provider"), pl.col("Region").alias("region"),
              pl.col("InstanceType").alias("instance_type"), pl.col("AcceleratorName").alias("gpu_name"),
              pl.col("count").alias("gpu_count"), "gpu_memory_gb", pl.lit(None, pl.String).alias("meter_id"),
              pl.when(detail != "").then(detail).alias("detail"), pl.lit(None, pl.String).alias("citation"), "__pos"]
    on_demand = good.select(pl.lit(None, pl.String).alias("zone"), pl.lit("on_demand").alias("pricing_model"),
                            pl.col("price").alias("usd_per_hour"), *common, pl.lit(0).alias("__sub"))
    spot = good.filter(pl.col("spot").is_not_null()).select(
        pl.when(pl.col("spot_zone") != "").then("spot_zone").alias("zone"), pl.lit("spot").alias("pricing_model"),
        pl.col("spot").alias("usd_per_hour"), *common, pl.lit(1).alias("__sub"))
    return pl.concat([on_demand, spot]).sort("__pos", "__sub").drop("__pos", "__sub")


def summarise(out_of_scope: pl.DataFrame) -> pl.DataFrame:
    """One exclusion per reason (in the order reasons first appear): the count and sample keys."""
    n = Excluded.SAMPLES
    grouped = out_of_scope.group_by("reason", maintain_order=True).agg(pl.len().alias("n"), pl.col("key").head(n))
    return rejects(grouped, "*", pl.format("{} entries: {}", "n", "reason"), None,
                   pl.col("key").list.join(", ") + pl.when(pl.col("n") > n).then(pl.lit(", …")).otherwise(pl.lit("")),
                   kind="excluded")
