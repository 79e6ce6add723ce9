"""Azure Retail Prices: the list price of every Azure meter, here narrowed to GPU virtual machines.

Source: https://prices.azure.com/api/retail/prices (public, no key). The `$filter` keeps Virtual
Machines whose ARM SKU is in the N family (NC, ND, NV: Azure's GPU series); the API answers 100
to 1,000 items a page and `NextPageLink` points at the next page until it is null. Prices change
monthly at most (effectiveStartDate is the first of a month).

Quirks:
- The API wraps items in {"BillingCurrency", "Items", "NextPageLink", "Count"}; saved copies
  often keep only the item array. Both are accepted.
- One meter per SKU, region and price type: `type` Consumption is on-demand, or spot when the
  meter name ends in "Spot"; "Low Priority" meters are Azure Batch's low-priority VMs (retired
  in favour of spot) and are excluded; `DevTestConsumption` is Dev/Test subscription pricing and
  Windows products include the Windows licence: both excluded with the reason.
- Reservations (`type` Reservation) say `unitOfMeasure` "1 Hour" but `retailPrice` is the total
  for the whole `reservationTerm` (1 Year: 42,066 for an NC48ads A100 v4 whose on-demand rate is
  7.346/hour): converted here to an hourly rate over 8,760 hours a year, kept as reserved_1y /
  reserved_3y.
- The SKU alone says how many GPUs an instance has (ND96isr_H100_v5 has 8): that count lives in
  the curated GPU name map, not in the price list.
- `armRegionName` is empty for a few global meters (licences): such a VM price is rejected
  rather than placed in a made-up region.
"""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import quote

import polars as pl

from pipeline.core.sources import Parsed, Rejects, Source, SourceFormatError, recorded_dir_for
from pipeline.gpu_rates.rows import HOURS_PER_YEAR, BadValue, Excluded, frame, money, row

ENDPOINT = "https://prices.azure.com/api/retail/prices"
# OData filter values are case-sensitive; every GPU SKU's ARM name starts with Standard_N.
FILTER = "serviceName eq 'Virtual Machines' and currencyCode eq 'USD' and contains(armSkuName, 'Standard_N')"
URL = f"{ENDPOINT}?$filter={quote(FILTER)}"
PARSER_VERSION = "azure_retail_prices/1"
GPU_SKU_PREFIX = "Standard_N"
RESERVATION_TERMS = {"1 Year": ("reserved_1y", 1), "3 Years": ("reserved_3y", 3)}

Item = dict


def items_of(doc: object) -> list:
    """The items of a page: the API's envelope, or a bare array of items."""
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict) and isinstance(doc.get("Items"), list):
        return doc["Items"]
    raise SourceFormatError("expected the API envelope with an 'Items' array, or an array of price items")


def _load(body: bytes) -> object:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceFormatError(f"not valid JSON: {exc}") from None


def next_page(body: bytes, url: str) -> str | None:
    """`NextPageLink` of an envelope (absolute; null on the last page). A bare array has no next page."""
    doc = _load(body)
    items_of(doc)
    link = doc.get("NextPageLink") if isinstance(doc, dict) else None
    if link is not None and (not isinstance(link, str) or not link.startswith("https://prices.azure.com/")):
        raise SourceFormatError(f"NextPageLink is not a prices.azure.com URL: {str(link)[:120]!r}")
    return link or None


class _Skip(Exception):
    """A meter left out: `rejected` when it is not understood, else out of scope by design."""

    def __init__(self, reason: str, rejected: bool = False):
        super().__init__(reason)
        self.rejected = rejected


def _pricing_model(item: Item) -> tuple[str, int]:
    """(pricing model, years of a reservation term or 0); raises _Skip for meters left out."""
    kind, meter = item.get("type"), str(item.get("meterName") or "")
    if kind == "DevTestConsumption":
        raise _Skip("Dev/Test pricing (Visual Studio subscriptions only)")
    if "Windows" in str(item.get("productName") or ""):
        raise _Skip("Windows meter (the price includes the Windows licence)")
    if meter.endswith("Low Priority"):
        raise _Skip("Low Priority meter (Azure Batch low-priority VMs, superseded by spot)")
    if kind == "Consumption":
        return ("spot", 0) if meter.endswith("Spot") else ("on_demand", 0)
    if kind == "Reservation":
        term = item.get("reservationTerm")
        if term not in RESERVATION_TERMS:
            raise _Skip(f"reservation term {term!r} not understood", rejected=True)
        return RESERVATION_TERMS[term]
    raise _Skip(f"price type {kind!r} not understood", rejected=True)


def _key(item: Item, i: int) -> str:
    return str(item.get("meterId") or item.get("skuId") or f"item[{i}]")


def parse(body: bytes, observed_at: datetime, url: str = URL) -> Parsed:
    items = items_of(_load(body))
    rows, rejects, bulk = [], Rejects(), Excluded()
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            rejects.reject(f"item[{i}]", "price item is not an object")
            continue
        key, sku = _key(item, i), str(item.get("armSkuName") or "")
        if item.get("serviceName") != "Virtual Machines":
            bulk.add(f"not a virtual machine meter ({item.get('serviceName')})", key)
            continue
        if not sku.startswith(GPU_SKU_PREFIX):
            bulk.add("not a GPU VM series (ARM SKU outside the N family)", sku or key)
            continue
        try:
            pricing_model, years = _pricing_model(item)
        except _Skip as skip:
            if skip.rejected:
                rejects.reject(key, f"{sku}: {skip}", "type", item.get("type"))
            else:
                rejects.exclude(key, f"{sku}: {skip}", "meterName", item.get("meterName"))
            continue
        region = str(item.get("armRegionName") or "").strip()
        if item.get("currencyCode", "USD") != "USD":
            rejects.exclude(key, f"{sku}: price in {item.get('currencyCode')}, not USD", "currencyCode")
        elif not region:
            rejects.reject(key, f"{sku}: empty armRegionName (a VM price must name its region)",
                           "armRegionName", item.get("location"))
        elif item.get("unitOfMeasure") != "1 Hour":
            rejects.reject(key, f"{sku}: unit {item.get('unitOfMeasure')!r} is not '1 Hour'", "unitOfMeasure",
                           item.get("unitOfMeasure"))
        else:
            try:
                price = money(item.get("retailPrice"))
            except BadValue as exc:
                rejects.reject(key, f"{sku}: retailPrice {exc}", "retailPrice", item.get("retailPrice"))
                continue
            hourly = price / (HOURS_PER_YEAR * years) if years else price
            rows.append(row("azure", region, sku, pricing_model, hourly, sku, meter_id=item.get("meterId"),
                            detail=f"{item.get('productName')} / {item.get('meterName')}"
                                   + (f" / {item.get('reservationTerm')} total {price}" if years else "")))
    bulk.record(rejects)
    return Parsed(frame(rows), rejects.frame(), entries=len(items))


METER_KEY = ("meterId", "skuId", "type", "reservationTerm", "tierMinimumUnits")


def meter_prices(items: list) -> pl.DataFrame:
    """Every item of a price list keyed by meter (meter, SKU, price type, term, tier) with its price."""
    recs = [{k: (None if it.get(k) is None else str(it.get(k))) for k in METER_KEY}
            | {"retailPrice": it.get("retailPrice")} for it in items if isinstance(it, dict)]
    return pl.DataFrame(recs, schema={**{k: pl.String for k in METER_KEY}, "retailPrice": pl.Float64})


def meter_price_changes(old_items: list, new_items: list) -> pl.DataFrame:
    """Meters present in both price lists whose retail price changed, old and new price side by side."""
    old = meter_prices(old_items).rename({"retailPrice": "old_price"})
    new = meter_prices(new_items).rename({"retailPrice": "new_price"})
    both = old.join(new, on=list(METER_KEY), how="inner", nulls_equal=True)
    return both.filter(pl.col("old_price") != pl.col("new_price"))


SOURCE = Source(
    name="azure_retail_prices",
    family="gpu_rates",
    parse=parse,
    parser_version=PARSER_VERSION,
    urls=(URL,),
    next_page=next_page,
    # The API is public but asks clients not to hammer it.
    page_delay_s=0.2,
    recorded_dir=recorded_dir_for(__file__, "azure_retail_prices"),
    description="Azure Retail Prices API: on-demand, spot and reserved hourly rates of Azure GPU VMs",
)
