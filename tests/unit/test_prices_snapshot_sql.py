"""The snapshot checks in SQL: cross-source discrepancies, dropped models, quarantine release."""

import json
from datetime import datetime

import duckdb
import pytest

from pipeline.core.quarters import Quarter
from pipeline.core.warehouse import apply_ddl
from pipeline.prices.confirm import release_confirmed
from pipeline.prices.snapshot import missing_models, record_discrepancies

HEADER = ("provider,model,input_usd_per_mtok,output_usd_per_mtok,cached_input_usd_per_mtok,cache_write_usd_per_mtok,"
          "batch_input_usd_per_mtok,batch_output_usd_per_mtok,context_tier_min_tokens,observed_on,citation\n")
INSERT = """INSERT INTO model_prices (quarter, provisional, canonical_model, provider, source, source_model_id,
    service_tier, context_tier_min_tokens, is_free, input_usd_per_mtok, output_usd_per_mtok, observed_at, fetch_id, stale)
    VALUES (?, false, ?, ?, ?, ?, 'standard', 0, false, ?, ?, TIMESTAMP '2026-08-19', ?, false)"""


@pytest.fixture
def con():
    c = duckdb.connect()
    apply_ddl(c)
    yield c
    c.close()


def test_discrepancy_above_five_percent_is_recorded_with_both_sides(con):
    for q, model, src, sid, i, o, fid in [
            ("2026Q3", "openai/gpt-4o", "litellm", "gpt-4o", 2.5, 10.0, "f-lite"),
            ("2026Q3", "openai/gpt-4o", "openai_pricing_page", "gpt-4o", 2.5, 10.4, "f-page"),   # 4%: fine
            ("2026Q3", "openai/o3", "litellm", "o3", 10.0, 40.0, "f-lite"),                      # stale
            ("2026Q3", "openai/o3", "openai_pricing_page", "o3", 2.0, 8.0, "f-page")]:
        con.execute(INSERT, [q, model, "openai", src, sid, i, o, fid])
    found = record_discrepancies(con, [Quarter(2026, 3)])
    assert sorted(found.select("canonical_model", "price_column", "source_a", "value_a", "fetch_id_a", "source_b",
                               "value_b", "fetch_id_b", "relative_gap").rows()) == [
        ("openai/o3", "input_usd_per_mtok", "litellm", 10.0, "f-lite", "openai_pricing_page", 2.0, "f-page", 4.0),
        ("openai/o3", "output_usd_per_mtok", "litellm", 40.0, "f-lite", "openai_pricing_page", 8.0, "f-page", 4.0)]


def test_a_source_whose_facts_were_read_from_another_is_not_a_second_witness(con):
    # A bundled OpenAI page file whose prices were read from LiteLLM's record (facts_from) agrees with
    # LiteLLM by construction, and disagrees with nothing either: it is compared with no one but the others.
    for fetch_id, source, facts_from in [("f-lite", "litellm", None), ("f-page", "openai_pricing_page", "litellm"),
                                         ("f-or", "openrouter", None)]:
        con.execute("INSERT INTO raw_fetch (fetch_id, source, family, url, endpoint, requested_at, observed_at, mode, "
                    "group_id, run_id, facts_from) VALUES (?, ?, 'prices', 'u', 'u', TIMESTAMP '2026-08-19', "
                    "TIMESTAMP '2026-08-19', 'bundled', ?, 'r', ?)", [fetch_id, source, fetch_id, facts_from])
    for model, src, i, o, fid in [("openai/o3", "litellm", 10.0, 40.0, "f-lite"),
                                  ("openai/o3", "openai_pricing_page", 2.0, 8.0, "f-page"),
                                  ("openai/gpt-4o", "litellm", 2.5, 10.0, "f-lite"),
                                  ("openai/gpt-4o", "openrouter", 3.0, 10.0, "f-or")]:
        con.execute(INSERT, ["2026Q3", model, "openai", src, model.split("/")[1], i, o, fid])
    found = record_discrepancies(con, [Quarter(2026, 3)])
    # o3: litellm and the page are one witness; gpt-4o: litellm and OpenRouter are two, 20 % apart.
    assert found.select("canonical_model", "price_column", "source_a", "source_b", "relative_gap").rows() == [
        ("openai/gpt-4o", "input_usd_per_mtok", "litellm", "openrouter", 0.2)]
    con.execute("UPDATE raw_fetch SET facts_from = NULL WHERE fetch_id = 'f-page'")
    again = record_discrepancies(con, [Quarter(2026, 3)])
    assert sorted(again["canonical_model"].to_list()) == ["openai/gpt-4o", "openai/o3", "openai/o3"]


def test_models_priced_last_quarter_and_missing_now(con):
    con.execute(INSERT, ["2026Q2", "anthropic/claude-3.5-haiku", "anthropic", "litellm", "x", 0.8, 4.0, "f1"])
    con.execute(INSERT, ["2026Q2", "openai/gpt-4o", "openai", "litellm", "gpt-4o", 2.5, 10.0, "f1"])
    con.execute(INSERT, ["2026Q3", "openai/gpt-4o", "openai", "litellm", "gpt-4o", 2.5, 10.0, "f2"])
    assert missing_models(con, [Quarter(2026, 3)]).rows() == [("2026Q3", "anthropic/claude-3.5-haiku", "anthropic")]


def test_a_curated_row_with_the_same_price_releases_a_quarantined_one(con, tmp_path):
    row = {"provider": "openai", "source_model_id": "o1-pro", "service_tier": "standard", "context_tier_min_tokens": 0,
           "is_free": False, "input_usd_per_mtok": 1500.0, "output_usd_per_mtok": 6000.0}
    for rid, prices in (("held-same", row), ("held-other", {**row, "source_model_id": "o1-mega"})):
        con.execute("""INSERT INTO quarantine (source, family, fetch_id, observed_at, rule, detail, row_key, "row")
            VALUES ('litellm', 'prices', ?, TIMESTAMP '2026-08-19', 'price_above_cap', 'crafted', '{}', ?)""",
                    [rid, json.dumps(prices)])
        # The response the row was held back from.
        con.execute("""INSERT INTO raw_fetch (fetch_id, source, family, url, endpoint, requested_at, observed_at,
            mode, group_id, run_id, parsed_fetch_id) VALUES (?, 'litellm', 'prices', 'https://l/p.json',
            'https://l/p.json', TIMESTAMP '2026-08-19', TIMESTAMP '2026-08-19', 'live', ?, 'r', ?)""", [rid, rid, rid])
    (tmp_path / "prices.csv").write_text(HEADER + "openai,openai/o1-pro,1500,6000,,,,,,2025-03-19,https://example.org/c\n")
    (tmp_path / "model_aliases.csv").write_text("source,source_model_id,canonical_model,citation\n"
                                               "litellm,o1-pro,openai/o1-pro,https://platform.openai.com/docs/models\n")
    assert release_confirmed(con, tmp_path) == 1
    assert con.execute("SELECT fetch_id, released, released_by FROM quarantine ORDER BY fetch_id").fetchall() == [
        ("held-other", False, None), ("held-same", True, "prices.csv: https://example.org/c")]
    assert con.execute("SELECT source_model_id, input_usd_per_mtok, observed_at, valid_from, valid_to, fetch_id "
                       "FROM price_observations").fetchall() == [
        ("o1-pro", 1500.0, datetime(2026, 8, 19), datetime(2026, 8, 19), None, "held-same")]


def test_a_released_openrouter_row_keeps_the_model_facts_it_was_held_with(con, tmp_path):
    row = {"provider": "openrouter", "source_model_id": "openai/o1-pro", "service_tier": "standard",
           "context_tier_min_tokens": 0, "is_free": False, "input_usd_per_mtok": 150.0, "output_usd_per_mtok": 600.0,
           "display_name": "OpenAI: o1-pro", "context_length": 200000, "model_created_at": datetime(2025, 3, 19, 17, 2),
           "hugging_face_id": None, "modality": "text+image->text", "canonical_slug": "openai/o1-pro"}
    con.execute("""INSERT INTO quarantine (source, family, fetch_id, observed_at, rule, detail, row_key, "row")
        VALUES ('openrouter', 'prices', 'held', TIMESTAMP '2026-08-19', 'price_jump_x100', 'crafted', '{}', ?)""",
                [json.dumps(row, default=str)])  # as the quarantine stores it: datetimes as text
    con.execute("""INSERT INTO raw_fetch (fetch_id, source, family, url, endpoint, requested_at, observed_at,
        mode, group_id, run_id, parsed_fetch_id) VALUES ('held', 'openrouter', 'prices', 'https://o/m',
        'https://o/m', TIMESTAMP '2026-08-19', TIMESTAMP '2026-08-19', 'live', 'held', 'r', 'held')""")
    (tmp_path / "prices.csv").write_text(HEADER + "openrouter,openai/o1-pro,150,600,,,,,,2025-03-19,https://x.test/c\n")
    assert release_confirmed(con, tmp_path) == 1
    assert con.execute("SELECT source_model_id, model_created_at, modality, canonical_slug, display_name "
                       "FROM price_observations").fetchall() == [
        ("openai/o1-pro", datetime(2025, 3, 19, 17, 2), "text+image->text", "openai/o1-pro", "OpenAI: o1-pro")]
