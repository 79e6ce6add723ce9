"""`make run` on a machine with no network: every source falls back to its bundled responses."""

from urllib.parse import urlsplit

import duckdb

from pipeline.core.paths import CURATED_DIR
from pipeline.core.quarters import Quarter
from pipeline.core.recorded import load_index
from pipeline.core.sources import discover_sources
from pipeline.app.summary import render
from tests.conftest import refresh

# Nothing listens on the discard port of the loopback: every origin is refused at once.
REFUSED = "http://127.0.0.1:9"


def test_auto_mode_offline_publishes_every_source_from_its_bundled_responses(ledger_paths, instance):
    origins = {f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for s in discover_sources() if not s.local
               for u in s.url_list(CURATED_DIR)}
    report = refresh(ledger_paths, instance, mode="auto", quarters=[Quarter(2026, 4)],
                     origin_overrides={o: REFUSED for o in origins},
                     http={"max_attempts": 1, "connect_timeout_s": 2})
    text = render(report)
    assert report.published, text
    # The two sources with no citable bundled record are gaps this run (a warning), not failures.
    gaps = sorted(s["source"] for s in report.sources if s.get("gap"))
    assert gaps == ["google_gemini_pricing_page", "skypilot_catalog"], text
    assert {(c.asset.split("/")[1], c.severity) for c in report.warnings if c.check == "usable_share"} == {
        ("google_gemini_pricing_page", "WARN"), ("skypilot_catalog", "WARN")}
    fetched = [s for s in report.sources if not s["modes"].startswith("file") and s["modes"] != "unchanged"
               and not s.get("gap")]
    assert fetched and all("fallback" in s["modes"] and s["stale"] for s in fetched), text
    assert all("connection failed" in (s["stale_reason"] or "") for s in fetched), text
    # The seed history not yet ingested is replayed first, then every live fetch fails and falls back.
    seeded = [src for src in discover_sources() if not src.local and load_index(src.name, src.recorded_dir)]
    assert f"from {len(seeded)} sources" in text, text
    con = duckdb.connect(str(ledger_paths.db), read_only=True)
    stale = con.execute("SELECT count(DISTINCT source) FROM raw_fetch WHERE mode = 'fallback' AND stale").fetchall()
    assert stale == [(len(fetched),)]
    assert con.execute("SELECT count(*) FROM model_prices WHERE quarter = '2026Q4' AND stale").fetchall()[0][0] > 0
