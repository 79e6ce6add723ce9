"""Modal's pricing page: serverless GPU rates, billed per second.

Source: https://modal.com/pricing (HTML, server-rendered by SvelteKit). Changes a few times a
year. Modal bills one GPU per second of use, in every region at the same base rate.

Quirks:
- Prices are per second ("$0.001097 / sec"); converted here to USD per hour (× 3,600, exactly:
  0.001097 → 3.9492). A per-hour toggle exists in the page but only the per-second figures are
  rendered in the HTML.
- Rows sit in the block headed "GPU Tasks": each `.line-item` holds a name ("Nvidia A100, 80 GB")
  and a `.price` paragraph. The CPU and memory rows that follow are per core and per GiB, not
  GPU rates, and are not read.
- One GPU per rate: a Modal function asks for N GPUs and pays N times the rate.
"""

from __future__ import annotations

import re
from datetime import datetime

from bs4 import BeautifulSoup

from pipeline.core.sources import Parsed, Rejects, Source, SourceFormatError, recorded_dir_for
from pipeline.gpu_rates.rows import SECONDS_PER_HOUR, BadValue, frame, money, row

URL = "https://modal.com/pricing"
PARSER_VERSION = "modal_pricing_page/1"
SECTION = "GPU Tasks"
REGION = "global"
_PRICE = re.compile(r"^\$?\s*(?P<amount>[0-9.,]+)\s*/\s*(?P<unit>sec|second|s|h|hr|hour)$", re.I)


def parse(body: bytes, observed_at: datetime, url: str = URL) -> Parsed:
    try:
        soup = BeautifulSoup(body, "lxml")
    except Exception as exc:  # lxml raises a handful of types on garbage; all mean "not HTML"
        raise SourceFormatError(f"not HTML: {exc}") from None
    heading = soup.find(lambda tag: tag.name in ("p", "h2", "h3", "h4") and tag.get_text(strip=True) == SECTION)
    block = heading.find_next_sibling("div") if heading else None
    items = block.select(".line-item") if block else []
    if not items:
        raise SourceFormatError(f"no '{SECTION}' block with .line-item rows: the page layout changed")
    rows, rejects = [], Rejects()
    for i, item in enumerate(items):
        parts = item.find_all("p")
        name = parts[0].get_text(" ", strip=True) if parts else ""
        price = item.select_one(".price")
        text = " ".join(price.get_text(" ", strip=True).split()) if price else ""
        if not name or price is None:
            rejects.reject(f"{SECTION}[{i}]", "line item without a name and a price", value=item.get_text(" ", strip=True))
            continue
        m = _PRICE.match(text)
        if not m:
            rejects.reject(name, f"price {text!r} is not '$X / sec' or '$X / hour'", "price", text)
            continue
        try:
            amount = money(m.group("amount"))
        except BadValue as exc:
            rejects.reject(name, f"price {exc}", "price", text)
            continue
        per_second = m.group("unit").lower().startswith("s")
        usd_per_hour = amount * SECONDS_PER_HOUR if per_second else amount
        rows.append(row("modal", REGION, name, "on_demand", usd_per_hour, name, 1.0, detail=text))
    return Parsed(frame(rows), rejects.frame(), entries=len(items))


SOURCE = Source(
    name="modal_pricing_page",
    family="gpu_rates",
    parse=parse,
    parser_version=PARSER_VERSION,
    urls=(URL,),
    redirect_hosts=frozenset({"www.modal.com"}),
    recorded_dir=recorded_dir_for(__file__, "modal_pricing_page"),
    description="Modal pricing page: serverless per-second GPU rates, converted to USD per hour",
)
