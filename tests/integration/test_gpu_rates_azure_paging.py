"""Azure Retail Prices paging over real sockets: NextPageLink followed to the end, and a page that
fails (live: the source is unavailable, nothing half-stored; auto: the bundled response, stale)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from pipeline.core.archive import RawArchive
from pipeline.core.fetch_records import FetchPlan, SourceUnavailable
from pipeline.core.http import HttpClient, HttpPolicy
from pipeline.core.ingest import ingest_source
from pipeline.core.paths import CURATED_DIR
from pipeline.core.warehouse import apply_ddl, connect
from pipeline.gpu_rates import FAMILY
from pipeline.gpu_rates import azure_retail_prices as azure
from tests.conftest import AS_OF
from tests.support.loopback import Reply

pytestmark = pytest.mark.integration

ORIGIN = "https://prices.azure.com"
PATH = "/api/retail/prices"


def _item(sku: str, region: str, price: float, meter: str) -> dict:
    return {"currencyCode": "USD", "tierMinimumUnits": 0.0, "retailPrice": price, "unitPrice": price,
            "armRegionName": region, "meterId": meter, "meterName": sku.split("_", 1)[1].replace("_", " "),
            "productName": "Virtual Machines N Series", "serviceName": "Virtual Machines", "unitOfMeasure": "1 Hour",
            "type": "Consumption", "isPrimaryMeterRegion": True, "armSkuName": sku}


PAGES = [[_item("Standard_NC4as_T4_v3", "eastus", 0.526, "m1"), _item("Standard_NC24ads_A100_v4", "eastus", 3.673, "m2")],
         [_item("Standard_ND96isr_H100_v5", "eastus", 98.32, "m3"), _item("Standard_NC40ads_H100_v5", "eastus", 6.98, "m4")],
         [_item("Standard_ND96asr_v4", "eastus", 27.197, "m5")]]


def _page(n: int) -> bytes:
    last = n == len(PAGES) - 1
    link = None if last else f"{azure.URL}&$skip={2 * (n + 1)}"
    return json.dumps({"BillingCurrency": "USD", "Items": PAGES[n], "NextPageLink": link,
                       "Count": len(PAGES[n])}).encode()


@pytest.fixture
def setup(tmp_path, loopback):
    con = connect(tmp_path / "ledger.duckdb")
    apply_ddl(con)
    http = HttpClient(HttpPolicy(max_attempts=2, backoff_initial_s=0.01, backoff_max_s=0.01, read_timeout_s=5),
                      origin_overrides={ORIGIN: loopback.origin}, sleep=lambda s: None)
    yield con, http, RawArchive(tmp_path / "raw")
    con.close()


def _plan(mode: str) -> FetchPlan:
    return FetchPlan(mode=mode, as_of=AS_OF, run_id="run-1", curated_dir=CURATED_DIR, env={})


def test_next_page_link_is_followed_to_the_last_page(setup, loopback):
    con, http, archive = setup
    loopback.route(PATH, Reply(200, _page(0)), Reply(200, _page(1)), Reply(200, _page(2)))
    outcome = ingest_source(azure.SOURCE, FAMILY, _plan("live"), http, archive, con)
    assert [r.path.rsplit("$skip=", 1)[-1] if "$skip" in r.path else "first" for r in loopback.requests] == \
        ["first", "2", "4"]
    assert "contains%28armSkuName" in loopback.requests[0].path  # the OData filter went out
    assert outcome.rows_added == 5 and [c.passed for c in outcome.checks] == [True, True, True]
    fetches = con.execute("SELECT page, endpoint, url FROM raw_fetch ORDER BY page").fetchall()
    assert [(page, endpoint == azure.URL) for page, endpoint, _ in fetches] == [(0, True), (1, True), (2, True)]
    assert fetches[2][2].endswith("$skip=4")
    assert con.execute("SELECT count(DISTINCT group_id) FROM raw_fetch").fetchall() == [(1,)]  # one response
    assert con.execute("SELECT usd_per_hour FROM gpu_rate_observations WHERE instance_type = "
                       "'Standard_ND96isr_H100_v5'").fetchall() == [(98.32,)]


def test_a_failing_page_makes_the_live_source_unavailable(setup, loopback):
    con, http, archive = setup
    loopback.route(PATH, Reply(200, _page(0)), Reply(503, b"busy"), Reply(503, b"busy"))
    with pytest.raises(SourceUnavailable) as failed:
        ingest_source(azure.SOURCE, FAMILY, _plan("live"), http, archive, con)
    assert "$skip=2" in failed.value.failures[0]["url"] and "503" in failed.value.failures[0]["error"]
    assert con.execute("SELECT count(*) FROM gpu_rate_observations").fetchall() == [(0,)]  # no half source
    recorded = [(r["page"], r["error"] is None) for r in archive.fetches()]
    assert recorded == [(0, True), (1, False)]  # every attempt journaled, the good page archived


def test_a_failing_page_in_auto_mode_falls_back_to_the_bundled_response(setup, loopback):
    con, http, archive = setup
    loopback.route(PATH, Reply(200, _page(0)), Reply(503, b"busy"), Reply(503, b"busy"))
    outcome = ingest_source(azure.SOURCE, FAMILY, _plan("auto"), http, archive, con)
    fallback = [f for f in outcome.fetches if f["mode"] == "fallback"]
    assert {f["observed_at"][:10] for f in fallback} == {"2026-08-22"}  # the newest bundled response
    assert all(f["stale"] and "503" in f["stale_reason"] and f["parsed_fetch_id"] for f in fallback)
    # What holds now is what that response said: the H200 reservation of 2026-08-22.
    held = con.execute("SELECT valid_from FROM gpu_rate_observations WHERE valid_to IS NULL AND "
                       "instance_type = 'Standard_ND96isr_H200_v5' AND pricing_model = 'reserved_1y'").fetchall()
    assert held == [(datetime(2026, 8, 22),)]
