"""The registry and alias tables the prices step rebuilds from the warehouse's observations
(pipeline/prices/registry.py): OpenRouter facts from the observation versions, every source's ids,
curated facts on top, every id listed with its status."""

from datetime import date, datetime

import duckdb
import polars as pl
import pytest

from pipeline.core.warehouse import apply_ddl, query
from pipeline.prices.registry import rebuild_identity
from schemas.prices import Model, ModelAlias
from pipeline.core.validate import schema_failures

T1, T2 = datetime(2026, 5, 2), datetime(2026, 8, 19)
OR_URL = "https://openrouter.ai/api/v1/models"
PRICE = """INSERT INTO price_observations (source, fetch_id, observed_at, endpoint, valid_from, valid_to, provider,
    source_model_id, service_tier, context_tier_min_tokens, is_free, input_usd_per_mtok, output_usd_per_mtok,
    display_name, context_length, model_created_at, hugging_face_id, modality, canonical_slug)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'standard', ?, ?, 1.0, 2.0, ?, ?, ?, ?, ?, ?)"""
SCORE = """INSERT INTO benchmark_observations (source, fetch_id, observed_at, endpoint, valid_from, valid_to,
    source_model_id, source_benchmark, raw_score, raw_unit, score) VALUES (?, ?, ?, ?, ?, NULL, ?, ?, 1300, 'elo', 80)"""
MODELS_CSV = """canonical_model,display_name,developer,family,release_date,params_b,weights_open,data_open,code_open,license_id,required,citation
openai/gpt-4o,GPT-4o,OpenAI,GPT-4o,2024-05-13,,false,false,false,proprietary,true,https://openai.com/index/hello-gpt-4o/
deepseek/deepseek-r1,DeepSeek R1,DeepSeek,DeepSeek R1,2025-01-20,671,true,false,false,MIT,false,https://huggingface.co/deepseek-ai/DeepSeek-R1
"""
ALIASES_CSV = """source,source_model_id,canonical_model,citation
openai_pricing_page,GPT-4o card,openai/gpt-4o,https://openai.com/api/pricing (card "GPT-4o")
"""


def _openrouter(con, model_id, name, created, hf=None, tier=0, valid_to=None, fetch="f-or-2", at=T2):
    con.execute(PRICE, ["openrouter", fetch, at, OR_URL, at, valid_to, "openrouter", model_id, tier,
                        model_id.endswith(":free"), name, 128000, created, hf, "text->text", model_id])


def _price(con, source, provider, model_id, valid_to=None):
    con.execute(PRICE, [source, f"f-{source}", T2, f"https://{source}.test/prices", T2, valid_to, provider, model_id,
                        0, False, None, None, None, None, None, None])


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    curated = tmp_path_factory.mktemp("curated")
    (curated / "models.csv").write_text(MODELS_CSV)
    (curated / "model_aliases.csv").write_text(ALIASES_CSV)
    con = duckdb.connect()
    apply_ddl(con)
    _openrouter(con, "acme/widget-1", "Acme: Widget 1", datetime(2026, 3, 1, 12), hf="acme/Widget-1")
    _openrouter(con, "acme/widget-1", "Acme: Widget 1", datetime(2026, 3, 1, 12), hf="acme/Widget-1", tier=200000)
    _openrouter(con, "acme/widget-1:free", "Acme: Widget 1 (free)", datetime(2026, 3, 1, 12))
    _openrouter(con, "openai/gpt-4o", "OpenAI: GPT-4o", datetime(2024, 5, 13))
    # Delisted before the newest response: its version ended, its entry stays for older quarters.
    _openrouter(con, "acme/old-gadget", "Acme: Old Gadget", None, valid_to=T2, fetch="f-or-1", at=T1)
    for provider, model_id in [("openai", "gpt-4o-2024-08-06"), ("openai", "ft:gpt-4o-2024-08-06"),
                               ("ollama", "ollama/llama3"), ("together_ai", "together_ai/acme/mystery-9000"),
                               ("openrouter", "openrouter/acme/widget-1")]:
        _price(con, "litellm", provider, model_id)
    _price(con, "openai_pricing_page", "openai", "GPT-4o card")
    _price(con, "curated_prices", "deepseek", "deepseek/deepseek-r1")
    con.execute(SCORE, ["lmarena", "f-arena", T2, "https://arena.test/board.json", T2, "gpt-4o-2024-05-13", "text"])
    identity = rebuild_identity(con, curated)
    yield con, identity
    con.close()


def _alias(identity, source, model_id) -> dict:
    rows = identity.aliases.filter((pl.col("source") == source) & (pl.col("source_model_id") == model_id))
    assert rows.height == 1, (source, model_id)
    return rows.row(0, named=True)


def _model(identity, canonical) -> dict:
    rows = identity.models.filter(pl.col("canonical_model") == canonical)
    assert rows.height == 1, canonical
    return rows.row(0, named=True)


def test_openrouter_entries_come_from_the_observation_versions_with_their_facts(built):
    _, identity = built
    widget = _model(identity, "acme/widget-1")
    assert (widget["release_date"], widget["context_length"], widget["hugging_face_id"], widget["modality"],
            widget["origin"], widget["developer"]) == (date(2026, 3, 1), 128000, "acme/Widget-1", "text->text",
                                                        "openrouter", "Acme")
    assert widget["citation"] == f"{OR_URL} (fetched 2026-08-19, fetch f-or-2)"
    # Unknown openness is not closed: no curated row, no flag.
    assert (widget["weights_open"], widget["data_open"], widget["code_open"], widget["required"]) == (
        None, None, None, False)
    # A model OpenRouter no longer lists keeps its entry, cited to the response that last listed it.
    old = _model(identity, "acme/old-gadget")
    assert (old["release_date"], old["citation"]) == (None, f"{OR_URL} (fetched 2026-05-02, fetch f-or-1)")


def test_curated_facts_win_and_openrouter_fills_the_rest(built):
    _, identity = built
    gpt = _model(identity, "openai/gpt-4o")
    assert (gpt["origin"], gpt["release_date"], gpt["weights_open"], gpt["license_id"], gpt["required"],
            gpt["context_length"]) == ("openrouter+curated", date(2024, 5, 13), False, "proprietary", True, 128000)
    assert gpt["citation"].startswith("https://openai.com/index/hello-gpt-4o/ | " + OR_URL)
    # A curated model OpenRouter does not list.
    assert _model(identity, "deepseek/deepseek-r1")["origin"] == "curated"


def test_every_id_of_every_source_is_listed_with_its_status(built):
    _, identity = built
    got = {(r["source"], r["source_model_id"]): (r["status"], r["canonical_model"], r["rule"], r["variant"],
                                                 r["quantization"], r["snapshot"])
           for r in identity.aliases.iter_rows(named=True)}
    assert got == {
        ("curated_prices", "deepseek/deepseek-r1"): ("mapped", "deepseek/deepseek-r1", "curated_id", None, None, None),
        ("lmarena", "gpt-4o-2024-05-13"): ("mapped", "openai/gpt-4o", "vendor_naming", None, None, date(2024, 5, 13)),
        ("litellm", "ft:gpt-4o-2024-08-06"): ("mapped", "openai/gpt-4o", "vendor_naming", "fine-tuned", None,
                                              date(2024, 8, 6)),
        ("litellm", "gpt-4o-2024-08-06"): ("mapped", "openai/gpt-4o", "vendor_naming", None, None, date(2024, 8, 6)),
        ("litellm", "ollama/llama3"): ("excluded", None, "local_runtime", None, None, None),
        ("litellm", "openrouter/acme/widget-1"): ("mapped", "acme/widget-1", "openrouter_id", None, None, None),
        ("litellm", "together_ai/acme/mystery-9000"): ("unmapped", None, "unmapped", None, None, None),
        ("openai_pricing_page", "GPT-4o card"): ("mapped", "openai/gpt-4o", "curated_alias", None, None, None),
        ("openrouter", "acme/old-gadget"): ("mapped", "acme/old-gadget", "openrouter_id", None, None, None),
        ("openrouter", "acme/widget-1"): ("mapped", "acme/widget-1", "openrouter_id", None, None, None),
        ("openrouter", "acme/widget-1:free"): ("mapped", "acme/widget-1", "openrouter_id", "free", None, None),
        ("openrouter", "openai/gpt-4o"): ("mapped", "openai/gpt-4o", "openrouter_id", None, None, None),
    }
    assert _alias(identity, "litellm", "together_ai/acme/mystery-9000")["reason"] == "no registry entry"
    assert _alias(identity, "openai_pricing_page", "GPT-4o card")["citation"] == \
        'https://openai.com/api/pricing (card "GPT-4o")'
    assert _alias(identity, "litellm", "ollama/llama3")["citation"] == \
        "https://litellm.test/prices (fetch f-litellm): ollama/llama3"


def test_current_rows_count_the_versions_still_holding(built):
    _, identity = built
    assert _alias(identity, "openrouter", "acme/widget-1")["current_rows"] == 2  # two context tiers
    assert _alias(identity, "openrouter", "acme/old-gadget")["current_rows"] == 0  # ended


def test_tables_are_written_and_pass_their_schemas(built):
    con, identity = built
    assert query(con, "SELECT count(*) AS n FROM models")["n"][0] == identity.models.height == 4
    assert query(con, "SELECT count(*) AS n FROM model_aliases")["n"][0] == identity.aliases.height == 12
    assert schema_failures(Model, identity.models).height == 0
    assert schema_failures(ModelAlias, identity.aliases).height == 0


def test_a_warehouse_from_before_takes_the_new_registry(tmp_path):
    """`models` and `model_aliases` as they were published before (openness flags and canonical ids
    NOT NULL, no status): the DDL relaxes and extends them, and the rebuilt tables fit."""
    (tmp_path / "models.csv").write_text(MODELS_CSV)
    con = duckdb.connect()
    con.execute("""CREATE TABLE models (canonical_model VARCHAR PRIMARY KEY, display_name VARCHAR,
        developer VARCHAR NOT NULL, family VARCHAR, release_date DATE, params_b DOUBLE, weights_open BOOLEAN NOT NULL,
        data_open BOOLEAN NOT NULL, code_open BOOLEAN NOT NULL, license_id VARCHAR, required BOOLEAN NOT NULL,
        citation VARCHAR NOT NULL)""")
    con.execute("""CREATE TABLE model_aliases (source VARCHAR NOT NULL, source_model_id VARCHAR NOT NULL,
        canonical_model VARCHAR NOT NULL, rule VARCHAR NOT NULL, citation VARCHAR, PRIMARY KEY (source, source_model_id))""")
    con.execute("INSERT INTO model_aliases VALUES ('litellm', 'gpt-4o', 'openai/gpt-4o', 'curated', 'x')")
    apply_ddl(con)
    _openrouter(con, "acme/widget-1", "Acme: Widget 1", datetime(2026, 3, 1, 12))
    _price(con, "litellm", "ollama", "ollama/llama3")
    identity = rebuild_identity(con, tmp_path)
    assert con.execute("SELECT canonical_model, weights_open, origin FROM models ORDER BY ALL").fetchall() == [
        ("acme/widget-1", None, "openrouter"), ("deepseek/deepseek-r1", True, "curated"),
        ("openai/gpt-4o", False, "curated")]
    assert con.execute("SELECT source, source_model_id, canonical_model, status FROM model_aliases "
                       "ORDER BY ALL").fetchall() == [
        ("litellm", "ollama/llama3", None, "excluded"), ("openrouter", "acme/widget-1", "acme/widget-1", "mapped")]
    assert identity.aliases.height == 2
