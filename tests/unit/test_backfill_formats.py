"""Older formats met in a source's history, and the curated history list itself."""

from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from pipeline.core.backfill import unreadable
from pipeline.core.curated import CuratedError
from pipeline.core.history_sources import HISTORY_FILE, load_locations, locations_for
from pipeline.core.paths import CURATED_DIR
from pipeline.core.sources import discover_sources, source_by_name
from pipeline.prices import litellm, openrouter
from tests.support.history_server import HISTORY

HEADER = "source,kind,endpoint,repo,path,url,citation\n"


def test_litellm_2024_file_excludes_moderation_models_spelt_in_the_plural():
    parsed = litellm.parse((HISTORY / "litellm" / "2024-08-21.json").read_bytes(), datetime(2024, 8, 21))
    prices = {r["source_model_id"]: (r["input_usd_per_mtok"], r["output_usd_per_mtok"])
              for r in parsed.rows.iter_rows(named=True)}
    assert prices == {"gpt-4o": (5.0, 15.0), "gpt-4o-2024-08-06": (2.5, 10.0), "gpt-4o-mini": (0.15, 0.6),
                      "claude-3-5-sonnet-20240620": (3.0, 15.0)}
    rejects = parsed.rejects.filter(pl.col("record_key") == "text-moderation-stable").to_dicts()
    assert rejects == [{"record_key": "text-moderation-stable", "field": "mode", "value": "moderations",
                        "reason": "moderation endpoint: not a generation price", "kind": "excluded"}]
    assert parsed.rejects.filter(pl.col("kind") == "rejected").height == 0


def test_openrouter_2024_response_without_created_or_cache_prices_parses():
    body = (HISTORY / "openrouter" / "2024-03-20.json").read_bytes()
    assert b'"created"' not in body and b"input_cache_read" not in body
    parsed = openrouter.parse(body, datetime(2024, 3, 20))
    rows = {r["source_model_id"]: r for r in parsed.rows.iter_rows(named=True)}
    assert len(rows) == 5 and parsed.rejects.height == 0
    opus = rows["anthropic/claude-3-opus"]
    assert (opus["input_usd_per_mtok"], opus["output_usd_per_mtok"]) == (15.0, 75.0)
    assert opus["cached_input_usd_per_mtok"] is None  # no cache prices then: left empty, not guessed
    assert rows["openai/gpt-4-turbo-preview"]["context_length"] == 128000


def test_a_page_layout_the_parser_does_not_know_is_named_unreadable():
    modal = source_by_name("modal_pricing_page")
    old = (HISTORY / "modal" / "unknown-layout.html").read_bytes()
    assert "no 'GPU Tasks' block" in unreadable(modal, old, datetime(2024, 11, 15), "https://modal.com/pricing")
    assert unreadable(modal, (HISTORY / "modal" / "2025-06-12.html").read_bytes(), datetime(2025, 6, 12),
                      "https://modal.com/pricing") is None


def test_the_curated_history_list_names_each_sources_own_endpoints_with_a_citation():
    path = CURATED_DIR / HISTORY_FILE
    listed = {loc.source for loc in load_locations(path)}
    by_source = {s.name: locations_for(s, path, CURATED_DIR) for s in discover_sources()}
    assert {"litellm", "lmarena", "aider", "skypilot_catalog", "license_texts", "modal_pricing_page",
            "anthropic_pricing_page", "openai_pricing_page", "google_gemini_pricing_page", "openrouter"} <= listed
    assert all(loc.citation.startswith("https://") for locs in by_source.values() for loc in locs)
    # Every endpoint of the git-hosted sources has a history.
    for name in ("aider", "lmarena", "skypilot_catalog", "litellm"):
        assert {loc.endpoint for loc in by_source[name]} == set(source_by_name(name).url_list(CURATED_DIR)), name
    gemma = [loc for loc in by_source["license_texts"] if loc.kind == "wayback"]
    assert "https://ai.google.dev/gemma/terms" in {loc.url for loc in gemma}


@pytest.mark.parametrize("row, rule", [
    ("litellm,git,{ep},BerriAI/litellm,../../etc/passwd,,https://x", "relative file path"),
    ("litellm,git,{ep},BerriAI/litellm,/etc/passwd,,https://x", "relative file path"),
    ("litellm,git,{ep},BerriAI/litellm/extra,x.json,,https://x", "owner/name"),
    ("litellm,git,{ep},BerriAI/litellm,x.json?ref=1,,https://x", "relative file path"),
    ("litellm,wayback,{ep},,,file:///etc/passwd,https://x", "http(s) url"),
    ("litellm,svn,{ep},BerriAI/litellm,x.json,,https://x", "kind must be one of"),
    ("litellm,git,{ep},BerriAI/litellm,x.json,,", "column 'citation' is required"),
])
def test_a_history_row_that_breaks_a_rule_refuses_the_file_naming_it(tmp_path: Path, row, rule):
    ep = litellm.URL
    path = tmp_path / HISTORY_FILE
    path.write_text(HEADER + row.format(ep=ep) + "\n")
    with pytest.raises(CuratedError, match=rule.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")) as err:
        load_locations(path)
    assert str(path) in str(err.value)


def test_an_endpoint_the_source_does_not_have_is_refused(tmp_path: Path):
    path = tmp_path / HISTORY_FILE
    path.write_text(HEADER + "litellm,git,https://example.org/prices.json,BerriAI/litellm,x.json,,https://x\n")
    with pytest.raises(CuratedError, match="litellm has no endpoint 'https://example.org/prices.json'"):
        locations_for(source_by_name("litellm"), path, CURATED_DIR)
