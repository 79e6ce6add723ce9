"""Model identity through the pipeline, on the real public samples: `ledger ingest` (the file mode of a
refresh) of OpenRouter's 2026-08-19 listing, LiteLLM's 2026-02-02 price file, LMArena's 2025-12-11
text board, the Open LLM Leaderboard and Epoch's benchmark export into one warehouse, then the
published tables are read: how much of each source lands in the quarterly snapshots, which ids map
where, which do not and why, and what `ledger status` says.

The registry is built from everything the warehouse holds, as a refresh does: OpenRouter alone
lists the models it routes today (414, text output), so older models a price file still prices
get their entry from the developer's own API (LiteLLM) or a leaderboard (LMArena, Epoch) —
without Epoch's board 83.6 % of the LiteLLM file's chat entries resolve, with it 85.4 %.
"""

from __future__ import annotations

import json
from datetime import datetime

import polars as pl
import pytest

from pipeline.app.status import family_reports
from pipeline.benchmarks import epoch, lmarena
from pipeline.core.paths import Paths
from pipeline.core.quarters import Quarter
from pipeline.core.warehouse import query, read_published
from pipeline.prices.coverage import alias_coverage_report, identity_coverage
from tests.conftest import real_source, refresh

pytestmark = pytest.mark.integration
QUARTER = Quarter(2026, 3)  # holds the newest response of every source ingested here
LITELLM = "prices/litellm_model_prices_2026-02-02.json"
LMARENA = "benchmarks/lmarena_leaderboard-text_2025-12-11.json"
EPOCH = {"benchmarks_runs.csv": "epoch_benchmarks_runs_2025-11-21.csv",
         "external_benchmark_aider_polyglot.csv": "epoch_external_benchmark_aider_polyglot.csv",
         "external_benchmark_gsm8k.csv": "epoch_external_benchmark_gsm8k.csv",
         "external_benchmark_mmlu.csv": "epoch_external_benchmark_mmlu.csv"}
WANDB_71K = "wandb/meta-llama/Llama-3.3-70B-Instruct"  # $71,000 per 1M tokens in and out


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, instance):
    root = tmp_path_factory.mktemp("identity_pipeline")
    epoch_zip = root / "benchmark_data.zip"
    epoch_zip.write_bytes(epoch.build_archive({m: real_source("benchmarks/" + f).read_bytes()
                                               for m, f in EPOCH.items()}))
    ingests = [("openrouter", real_source("prices/openrouter_api_v1_models_2026-08-19.json"), "2026-08-19"),
               ("litellm", real_source(LITELLM), "2026-02-02"),
               ("lmarena", real_source(LMARENA), "2025-12-11"),
               ("open_llm_leaderboard", real_source("benchmarks/open_llm_leaderboard_v2_contents_official_subset.csv"),
                "2025-02-12"),
               ("epoch", epoch_zip, "2025-11-21")]
    paths = Paths(root / "warehouse", root / "exports")
    for source, path, day in ingests:
        report = refresh(paths, instance, mode="file", only=[source], ingest_file=path,
                         ingest_observed_at=datetime.fromisoformat(day), quarters=[QUARTER])
        assert report.published, (source, report.failures, report.blocking_failures)
    return paths


def frame(paths: Paths, sql: str, params=None) -> pl.DataFrame:
    with read_published(paths) as con:
        return query(con, sql, params)


def alias(paths: Paths, source: str, model_id: str) -> dict:
    rows = frame(paths, "SELECT * FROM model_aliases WHERE source = ? AND source_model_id = ?", [source, model_id])
    assert rows.height == 1, (source, model_id)
    return rows.row(0, named=True)


def litellm_chat_ids() -> list[str]:
    """The file's chat entries priced per token (input and output), as the file states them."""
    doc = json.loads(real_source(LITELLM).read_bytes())
    return sorted(k for k, v in doc.items() if isinstance(v, dict) and v.get("mode") == "chat"
                  and all(isinstance(v.get(f), (int, float)) and not isinstance(v.get(f), bool)
                          for f in ("input_cost_per_token", "output_cost_per_token")))


def test_litellm_chat_entries_land_in_model_prices_or_are_excluded_with_a_reason(warehouse):
    chat = set(litellm_chat_ids())
    priced = set(frame(warehouse, "SELECT DISTINCT source_model_id FROM model_prices WHERE quarter = ? "
                                  "AND source = 'litellm'", [QUARTER.label])["source_model_id"])
    excluded = set(frame(warehouse, "SELECT source_model_id FROM model_aliases WHERE source = 'litellm' "
                                    "AND status = 'excluded'")["source_model_id"])
    held = set(frame(warehouse, """SELECT json_extract_string("row", '$.source_model_id') AS id FROM quarantine
                                   WHERE source = 'litellm' AND NOT released""")["id"])
    unmapped = set(frame(warehouse, "SELECT source_model_id FROM model_aliases WHERE source = 'litellm' "
                                    "AND status = 'unmapped'")["source_model_id"])
    assert (len(chat), len(chat & priced), len(chat & excluded), len(chat & held)) == (1796, 1435, 82, 16)
    resolved = chat & (priced | excluded | held)
    assert len(resolved) == 1533 and len(resolved) / len(chat) >= 0.85  # 85.4 %
    # Every other chat entry is listed as unmapped, with why: none is dropped silently.
    assert chat - resolved == chat & unmapped
    models = frame(warehouse, "SELECT count(DISTINCT canonical_model) AS n FROM model_prices WHERE quarter = ? "
                              "AND source = 'litellm'", [QUARTER.label])["n"][0]
    assert models == 517 and models >= 300


def test_a_price_of_71000_dollars_per_million_tokens_is_quarantined_not_published(warehouse):
    held = frame(warehouse, """SELECT rule, released, json_extract("row", '$.input_usd_per_mtok')::DOUBLE AS i
                               FROM quarantine WHERE source = 'litellm'
                                 AND json_extract_string("row", '$.source_model_id') = ?""", [WANDB_71K])
    assert held.rows() == [("price_above_cap", False, 71000.0)]
    for table in ("model_prices", "price_observations"):
        n = frame(warehouse, f"SELECT count(*) AS n FROM {table} WHERE source_model_id = ?", [WANDB_71K])["n"][0]
        assert n == 0, table


def test_most_lmarena_board_models_have_benchmark_scores(warehouse):
    board = lmarena.parse(real_source(LMARENA).read_bytes(), datetime(2025, 12, 11)).rows
    ids = pl.DataFrame({"source_model_id": board["source_model_id"].unique().to_list()})
    scored = frame(warehouse, """SELECT a.source_model_id FROM model_aliases a
        WHERE a.source = 'lmarena' AND a.status = 'mapped' AND EXISTS (
          SELECT 1 FROM benchmark_scores s WHERE s.quarter = ? AND s.source = 'lmarena'
             AND s.canonical_model = a.canonical_model)""", [QUARTER.label])
    hit = ids.join(scored, on="source_model_id", how="semi")
    assert (ids.height, hit.height) == (282, 276) and hit.height / ids.height >= 0.9


def test_most_open_llm_leaderboard_rows_map(warehouse):
    rows = frame(warehouse, "SELECT status, count(*) AS n, sum(current_rows) AS scores FROM model_aliases "
                            "WHERE source = 'open_llm_leaderboard' GROUP BY status ORDER BY status")
    assert rows.rows() == [("mapped", 437, 2622), ("unmapped", 2, 12)]  # 99.5 % of the board's models


@pytest.mark.parametrize("source,model_id,canonical,variant,quantization,snapshot", [
    # Quantised serving is the model at another precision: kept in its own column, never folded away.
    ("litellm", "lambda_ai/llama3.3-70b-instruct-fp8", "meta-llama/llama-3.3-70b-instruct", None, "fp8", None),
    ("litellm", "together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo", "meta-llama/llama-3.3-70b-instruct", None,
     "turbo", None),
    ("litellm", "us.anthropic.claude-3-5-haiku-20241022-v1:0", "anthropic/claude-3.5-haiku", "region:us", None,
     "2024-10-22"),
    ("litellm", "gpt-4o-2024-08-06", "openai/gpt-4o-2024-08-06", None, None, None),  # OpenRouter lists it apart
    ("litellm", "ft:gpt-4o-2024-08-06", "openai/gpt-4o-2024-08-06", "fine-tuned", None, None),
    ("openrouter", "google/gemma-4-31b-it:free", "google/gemma-4-31b-it", "free", None, None),
    ("lmarena", "claude-3-5-sonnet-20241022", "anthropic/claude-3.5-sonnet", None, None, "2024-10-22"),
    ("open_llm_leaderboard", "meta-llama/Meta-Llama-3.1-8B-Instruct", "meta-llama/llama-3.1-8b-instruct", None, None,
     None),
])
def test_specific_mappings(warehouse, source, model_id, canonical, variant, quantization, snapshot):
    row = alias(warehouse, source, model_id)
    assert (row["status"], row["canonical_model"], row["variant"], row["quantization"]) == (
        "mapped", canonical, variant, quantization)
    assert (str(row["snapshot"]) if row["snapshot"] else None) == snapshot


def test_a_quantised_offer_is_priced_as_its_own_row(warehouse):
    rows = frame(warehouse, "SELECT source_model_id, provider, quantization FROM model_prices WHERE quarter = ? AND "
                            "canonical_model = 'meta-llama/llama-3.3-70b-instruct' AND provider = 'lambda_ai'",
                 [QUARTER.label])
    assert rows.rows() == [("lambda_ai/llama3.3-70b-instruct-fp8", "lambda_ai", "fp8")]


@pytest.mark.parametrize("source,model_id,status,rule,reason", [
    # A fine-tune is not its base model.
    ("litellm", "fireworks_ai/accounts/fireworks/models/dobby-unhinged-llama-3-3-70b-new", "unmapped", "unmapped",
     "fine-tune of meta-llama/llama-3.3-70b-instruct"),
    ("lmarena", "gemma-2-9b-it-simpo", "unmapped", "unmapped", "fine-tune of google/gemma-2-9b-it"),
    ("open_llm_leaderboard", "mlabonne/Meta-Llama-3.1-8B-Instruct-abliterated", "unmapped", "unmapped",
     "fine-tune of meta-llama/llama-3.1-8b-instruct"),
    # A bare open-weight name served by a host may be the base model or its instruct release.
    ("litellm", "vercel_ai_gateway/meta/llama-3.1-8b", "unmapped", "unmapped",
     "ambiguous: meta-llama/llama-3.1-8b, meta-llama/llama-3.1-8b-instruct"),
    ("litellm", "azure_ai/model_router", "excluded", "router", "router: picks another model per request, not a model"),
    ("litellm", "claude-3-5-sonnet-latest", "excluded", "floating_alias",
     "floating alias: follows whichever model is newest"),
])
def test_specific_non_mappings(warehouse, source, model_id, status, rule, reason):
    row = alias(warehouse, source, model_id)
    assert (row["status"], row["canonical_model"], row["rule"], row["reason"]) == (status, None, rule, reason)


def test_models_hold_openrouter_facts_and_leave_unknown_openness_empty(warehouse):
    models = frame(warehouse, "SELECT origin, count(*) AS n, count(weights_open) AS flagged FROM models "
                              "GROUP BY origin ORDER BY origin")
    total = int(models["n"].sum())
    flagged = dict(zip(models["origin"], models["flagged"]))
    assert flagged["openrouter"] == 0 and flagged["curated"] + flagged["openrouter+curated"] == 45
    assert total >= 1000
    gemma = frame(warehouse, "SELECT release_date, context_length, hugging_face_id, modality, origin FROM models "
                             "WHERE canonical_model = 'google/gemma-3-27b-it'").row(0)
    assert gemma[2:] == ("google/gemma-3-27b-it", "text+image->text", "openrouter")
    assert gemma[0] is not None and gemma[1] > 0


def test_status_shows_coverage_per_source(warehouse):
    with read_published(warehouse) as con:
        table = identity_coverage(con)
        text = alias_coverage_report(con)
    litellm = table.filter(pl.col("source") == "litellm").row(0, named=True)
    assert (litellm["mapped"], litellm["excluded"], litellm["unmapped"]) == (1516, 102, 266)
    assert litellm["excluded_by_rule"][0] == "floating_alias 48"
    assert len(litellm["top_unmapped"]) == 10
    assert "litellm" in text and "excluded: floating_alias 48, local_runtime 34" in text
    # `ledger status` prints it among the families' sections.
    assert any(section.startswith("model identity coverage") for section in family_reports(warehouse))


def test_model_aliases_are_exported(warehouse):
    exported = pl.read_parquet(warehouse.exports_dir / "model_aliases" / "model_aliases.parquet")
    table = frame(warehouse, "SELECT count(*) AS n FROM model_aliases")["n"][0]
    assert exported.height == table and {"status", "reason", "variant", "quantization"} <= set(exported.columns)
