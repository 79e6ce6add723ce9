"""One offline refresh of every price source: the cited seed's prices, registry, snapshot."""

import shutil
from datetime import datetime

import duckdb
import pytest

from pipeline.core.paths import CURATED_DIR
from pipeline.core.sources import discover_sources
from pipeline.prices.coverage import alias_coverage_report
from tests.conftest import FIXTURES, refresh

pytestmark = pytest.mark.integration
PRICE_SOURCES = [s.name for s in discover_sources("prices")]


@pytest.fixture(scope="module")
def published(tmp_path_factory, instance):
    from pipeline.core.paths import Paths

    root = tmp_path_factory.mktemp("prices")
    paths = Paths(warehouse_dir=root / "warehouse", exports_dir=root / "exports")
    curated = root / "curated"
    shutil.copytree(CURATED_DIR, curated)
    report = refresh(paths, instance, mode="replay", only=PRICE_SOURCES, curated_dir=curated)
    # Publication also waits on the other families' marts; the prices tables are read from the
    # run's warehouse either way (published, or its staging copy kept for inspection).
    db = paths.db if paths.db.exists() else max((paths.staging_dir / "failed").glob("*.duckdb"))
    con = duckdb.connect(str(db), read_only=True)
    yield report, con
    con.close()


def _price(con, quarter, model, source, provider=None):
    rows = con.execute("""SELECT input_usd_per_mtok, output_usd_per_mtok FROM model_prices
        WHERE quarter = ? AND canonical_model = ? AND source = ? AND provider = coalesce(?, provider)
          AND service_tier = 'standard' AND context_tier_min_tokens = 0""", [quarter, model, source, provider]).fetchall()
    return rows[0] if rows else None


def test_every_price_source_replays_and_its_blocking_checks_pass(published):
    report, con = published
    prices_assets = ("prices/", "model_prices", "price_discrepancies")
    failed = [c for c in report.checks if c.asset.startswith(prices_assets) and not c.passed and c.severity == "ERROR"]
    assert failed == []
    sources = {s["source"]: s for s in report.sources}
    for name in ("litellm", "anthropic_pricing_page", "openai_pricing_page", "lmarena_prices", "openrouter",
                 "curated_prices"):
        assert sources[name]["rows_added"] > 0, name
    # Nothing citable is bundled for Gemini's page: it reads nothing, and says nothing wrong.
    assert sources["google_gemini_pricing_page"]["rows_added"] == 0
    quarters = [q for (q,) in con.execute("SELECT DISTINCT quarter FROM model_prices ORDER BY 1").fetchall()]
    assert quarters == ["2024Q3", "2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3",
                        "2026Q4"]


def test_real_price_moves_show_quarter_over_quarter(published):
    _, con = published
    # GPT-4o on OpenRouter: the 2024-08-06 snapshot's price became the model's by 2024Q4.
    assert _price(con, "2024Q3", "openai/gpt-4o", "openrouter") == (5.0, 15.0)
    assert _price(con, "2024Q4", "openai/gpt-4o", "openrouter") == (2.5, 10.0)
    # o3 after OpenAI's June 2025 cut, and LMArena's catalog still stating the old price.
    assert _price(con, "2025Q2", "openai/o3", "openrouter") == (2.0, 8.0)
    assert _price(con, "2025Q2", "openai/o3", "lmarena_prices") == (10.0, 40.0)
    assert _price(con, "2025Q4", "anthropic/claude-opus-4.5", "anthropic_pricing_page") is None  # page of 2025-11-13: before its launch
    assert _price(con, "2026Q1", "anthropic/claude-opus-4.5", "anthropic_pricing_page") == (5.0, 25.0)
    assert _price(con, "2025Q4", "anthropic/claude-opus-4", "anthropic_pricing_page") == (15.0, 75.0)
    # Anthropic's page was last recorded in January 2026: later quarters carry it forward, and say so.
    assert con.execute("""SELECT quarter, observed_at::DATE::VARCHAR, carried_forward, age_days FROM model_prices
        WHERE canonical_model = 'anthropic/claude-opus-4.5' AND source = 'anthropic_pricing_page'
          AND service_tier = 'standard' AND context_tier_min_tokens = 0 ORDER BY quarter""").fetchall() == [
        ("2026Q1", "2026-01-24", False, 67), ("2026Q2", "2026-01-24", True, 158),
        ("2026Q3", "2026-01-24", True, 250), ("2026Q4", "2026-01-24", True, 342)]


def test_curated_rows_win_and_registry_is_published(published):
    _, con = published
    rows = con.execute("""SELECT source, citation FROM model_prices WHERE quarter = '2026Q3'
        AND canonical_model = 'anthropic/claude-opus-4.1' AND provider = 'anthropic'""").fetchall()
    assert rows and {s for s, _ in rows} == {"curated_prices"} and rows[0][1].startswith("https://www.anthropic.com")
    assert con.execute("SELECT count(*) FROM models WHERE required").fetchall() == [(19,)]


DISCREPANCIES = """SELECT quarter, canonical_model, provider, price_column, source_a, value_a, source_b, value_b,
    round(relative_gap, 6) FROM price_discrepancies ORDER BY ALL"""


def test_two_sources_that_disagree_are_a_discrepancy_and_sources_that_agree_are_not(published, tmp_path, instance):
    """Independent sources disagree where the public record did: LiteLLM's entry for DeepSeek R1
    on OpenRouter kept $0.55 input while OpenRouter's own catalog listed $0.45 (2025Q2). Rows are
    compared only for the same variant, quantization and snapshot: LiteLLM's undated `o3` and
    LMArena's `o3-2025-04-16` are not set against each other. Where they agree (LiteLLM and
    OpenAI's page both price GPT-4o at $2.50 / $10) nothing is listed; a LiteLLM copy stating
    $2.75 input and the same $10 output, ingested in 2026Q4, disagrees on the input by 10 %."""
    from pipeline.core.paths import Paths

    _, con = published
    r1 = con.execute(DISCREPANCIES.replace("ORDER BY ALL", "WHERE quarter = '2025Q2' AND canonical_model = "
                                                          "'deepseek/deepseek-r1' ORDER BY ALL")).fetchall()
    assert r1 == [("2025Q2", "deepseek/deepseek-r1", "openrouter", "input_usd_per_mtok", "litellm", 0.55,
                   "openrouter", 0.45, round(0.10 / 0.45, 6))]
    o3 = con.execute("SELECT source, snapshot, input_usd_per_mtok FROM model_prices WHERE quarter = '2025Q2' "
                     "AND canonical_model = 'openai/o3' AND provider = 'openai' ORDER BY source").fetchall()
    assert [(s, str(d), p) for s, d, p in o3] == [("litellm", "None", 2.0), ("lmarena_prices", "2025-04-16", 10.0)]
    assert con.execute("SELECT count(*) FROM price_discrepancies WHERE canonical_model = 'openai/o3'").fetchall() == [(0,)]
    gpt4o = DISCREPANCIES.replace("ORDER BY ALL", "WHERE canonical_model = 'openai/gpt-4o' ORDER BY ALL")
    assert con.execute(gpt4o).fetchall() == []
    assert con.execute("""SELECT source, input_usd_per_mtok, output_usd_per_mtok FROM model_prices
        WHERE quarter = '2026Q4' AND canonical_model = 'openai/gpt-4o' AND provider = 'openai'
          AND service_tier = 'standard' AND context_tier_min_tokens = 0 ORDER BY source""").fetchall() == [
        ("litellm", 2.5, 10.0), ("openai_pricing_page", 2.5, 10.0)]
    paths = Paths(warehouse_dir=tmp_path / "warehouse", exports_dir=tmp_path / "exports")
    paths.warehouse_dir.mkdir()
    shutil.copy(con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()")
                .fetchall()[0][0], paths.db)
    refresh(paths, instance, mode="file", only=["litellm"], curated_dir=CURATED_DIR,
            ingest_file=FIXTURES / "prices" / "litellm_gpt4o_disagrees.json", ingest_observed_at=datetime(2026, 11, 20))
    failed = paths.staging_dir / "failed"
    db = max(failed.glob("*.duckdb")) if failed.exists() else paths.db
    after = duckdb.connect(str(db), read_only=True)
    try:
        assert after.execute(gpt4o).fetchall() == [("2026Q4", "openai/gpt-4o", "openai", "input_usd_per_mtok",
                                                    "litellm", 2.75, "openai_pricing_page", 2.5, 0.1)]
    finally:
        after.close()


def test_status_reports_alias_coverage(published):
    _, con = published
    text = alias_coverage_report(con)
    mapped = con.execute("SELECT count(*) FROM model_aliases WHERE source = 'litellm' AND status = 'mapped' "
                         "AND current_rows > 0").fetchall()[0][0]
    litellm = next(line.split() for line in text.splitlines() if line.strip().startswith("litellm"))
    assert text.startswith("model identity coverage") and litellm[2] == str(mapped)
