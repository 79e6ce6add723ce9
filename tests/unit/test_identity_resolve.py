"""Resolution: each rule in its order, every mapping names its rule, distractors never merge."""

import polars as pl
import pytest

from pipeline.identity.registry import build_registry
from pipeline.identity.resolve import resolve
from tests.support.identity_fixtures import curated_aliases, curated_models, ids, names, openrouter_entries

ALIASES = curated_aliases(("litellm", "claude-sonnet-4-20250514", "anthropic/claude-sonnet-4"),
                          ("lmarena", "gpt-4o-2024-05-13", "openai/gpt-4o"),
                          ("litellm", "gpt-9", "openai/gpt-9"))  # names a model the registry lacks
LITELLM = ids(
    ("claude-sonnet-4-20250514", "anthropic"),                                         # curated alias
    ("gpt-9", "openai"),
    ("openrouter/meta-llama/llama-3.1-8b-instruct", "openrouter"),                     # an OpenRouter id
    ("deepinfra/meta-llama/Meta-Llama-3.1-70B-Instruct", "deepinfra"),                 # a linked HF repo
    ("together_ai/meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo", "together_ai"),       # HF repo, quantised
    ("bedrock/us-east-1/meta.llama3-3-70b-instruct-v1:0", "bedrock"),                  # vendor naming
    ("fireworks_ai/accounts/fireworks/models/llama-v3p1-8b-instruct", "fireworks_ai"),
    ("lambda_ai/llama3.3-70b-instruct-fp8", "lambda_ai"),                              # normalised + fp8
    ("groq/deepseek-r1-distill-llama-70b", "groq"),                                    # a distill: its own id
    ("fireworks_ai/accounts/sentientfoundation/models/dobby-unhinged-llama-3-3-70b-new", "fireworks_ai"),
    ("gpt-4o-2024-08-06", "openai"),                                                   # a dated snapshot
    ("ft:gpt-4o-2024-08-06", "openai"),
    ("azure/eu/gpt-4o", "azure"),
    ("cerebras/llama-4-scout", "cerebras"),                                            # nothing to map to
    ("ollama/llama3.1", "ollama"),
    ("gpt-9-preview-latest", "openai"),
    ("vercel_ai_gateway/meta/llama-3-8b", "vercel_ai_gateway"),                        # base or instruct?
    ("replicate/meta/llama-3-8b", "replicate"), ("replicate/meta/llama-3-8b-instruct", "replicate"),
)
SOURCES = {"litellm": LITELLM,
           "lmarena": names("gpt-4o-2024-05-13", "llama-3.3-70b-instruct", "claude-sonnet-4-20250514-thinking-32k",
                            "gemma-2-9b-it-simpo"),
           "open_llm_leaderboard": names("meta-llama/Meta-Llama-3-8B", "meta-llama/Meta-Llama-3-8B-Instruct",
                                         "google/gemma-2-9b-it"),
           "openrouter": names("z-ai/glm-9-air:free", "openai/gpt-4o:batch", "~openai/gpt-latest", "openrouter/auto")}


@pytest.fixture(scope="module")
def resolved():
    registry = build_registry(openrouter_entries(), curated_models(), SOURCES, ALIASES)
    frames = [resolve(source, frame, registry, ALIASES) for source, frame in SOURCES.items()]
    return pl.concat(frames)


def row(resolved, model_id: str) -> dict:
    hits = resolved.filter(pl.col("source_model_id") == model_id)
    assert hits.height == 1, model_id
    return hits.row(0, named=True)


@pytest.mark.parametrize("model_id, canonical, rule", [
    ("claude-sonnet-4-20250514", "anthropic/claude-sonnet-4", "curated_alias"),
    ("openrouter/meta-llama/llama-3.1-8b-instruct", "meta-llama/llama-3.1-8b-instruct", "openrouter_id"),
    ("deepinfra/meta-llama/Meta-Llama-3.1-70B-Instruct", "meta-llama/llama-3.1-70b-instruct", "hugging_face_id"),
    ("together_ai/meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo", "meta-llama/llama-3.1-70b-instruct",
     "hugging_face_id"),
    ("bedrock/us-east-1/meta.llama3-3-70b-instruct-v1:0", "meta-llama/llama-3.3-70b-instruct", "normalised_name"),
    ("fireworks_ai/accounts/fireworks/models/llama-v3p1-8b-instruct", "meta-llama/llama-3.1-8b-instruct",
     "vendor_naming"),
    ("lambda_ai/llama3.3-70b-instruct-fp8", "meta-llama/llama-3.3-70b-instruct", "normalised_name"),
    ("groq/deepseek-r1-distill-llama-70b", "deepseek/deepseek-r1-distill-llama-70b", "vendor_naming"),
    ("gpt-4o-2024-08-06", "openai/gpt-4o", "vendor_naming"),
    ("llama-3.3-70b-instruct", "meta-llama/llama-3.3-70b-instruct", "vendor_naming"),
    ("meta-llama/Meta-Llama-3-8B", "meta-llama/llama-3-8b", "hugging_face_entry"),
    ("z-ai/glm-9-air:free", "z-ai/glm-9-air", "openrouter_id"),
])
def test_each_mapping_names_its_rule(resolved, model_id, canonical, rule):
    r = row(resolved, model_id)
    assert (r["status"], r["canonical_model"], r["rule"]) == ("mapped", canonical, rule)


def test_markers_are_kept_not_folded(resolved):
    assert row(resolved, "lambda_ai/llama3.3-70b-instruct-fp8")["quantization"] == "fp8"
    assert row(resolved, "together_ai/meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo")["quantization"] == "turbo"
    assert row(resolved, "gpt-4o-2024-08-06")["snapshot"] == "2024-08-06"
    assert row(resolved, "ft:gpt-4o-2024-08-06")["variant"] == "fine-tuned"
    assert row(resolved, "azure/eu/gpt-4o")["variant"] == "region:eu"
    assert row(resolved, "z-ai/glm-9-air:free")["variant"] == "free"
    assert row(resolved, "openai/gpt-4o:batch")["variant"] == "batch"
    thinking = row(resolved, "claude-sonnet-4-20250514-thinking-32k")
    assert (thinking["canonical_model"], thinking["variant"], thinking["snapshot"]) == (
        "anthropic/claude-sonnet-4", "thinking:32k", "2025-05-14")
    bedrock = row(resolved, "bedrock/us-east-1/meta.llama3-3-70b-instruct-v1:0")
    assert (bedrock["variant"], bedrock["steps"]) == ("region:us-east-1", "bedrock_region,bedrock_vendor")


def test_distractors_never_merge(resolved):
    # A fine-tune is not its base: listed, with the base it was tuned from.
    dobby = row(resolved, "fireworks_ai/accounts/sentientfoundation/models/dobby-unhinged-llama-3-3-70b-new")
    assert (dobby["status"], dobby["reason"]) == ("unmapped", "fine-tune of meta-llama/llama-3.3-70b-instruct")
    simpo = row(resolved, "gemma-2-9b-it-simpo")
    assert (simpo["canonical_model"], simpo["reason"]) == (None, "fine-tune of google/gemma-2-9b-it")
    # A distill is neither the teacher nor the student.
    assert row(resolved, "groq/deepseek-r1-distill-llama-70b")["canonical_model"] not in (
        "deepseek/deepseek-r1", "meta-llama/llama-3.3-70b-instruct")
    # A bare open-weight name from a host that does not list the instruct release is ambiguous…
    vercel = row(resolved, "vercel_ai_gateway/meta/llama-3-8b")
    assert (vercel["status"], vercel["reason"]) == (
        "unmapped", "ambiguous: meta-llama/llama-3-8b, meta-llama/llama-3-8b-instruct")
    # …and the base model where the host lists both.
    assert row(resolved, "replicate/meta/llama-3-8b")["canonical_model"] == "meta-llama/llama-3-8b"
    assert row(resolved, "replicate/meta/llama-3-8b-instruct")["canonical_model"] == "meta-llama/llama-3-8b-instruct"


def test_a_curated_alias_wins_and_says_when_its_model_is_missing(resolved):
    r = row(resolved, "gpt-9")
    assert (r["canonical_model"], r["rule"], r["entry_origin"]) == ("openai/gpt-9", "curated_alias", None)
    assert r["reason"] == "curated alias (pipeline/curated/model_aliases*.csv); openai/gpt-9 is not in the registry"
    # An alias to an existing model carries that entry's origin.
    assert row(resolved, "gpt-4o-2024-05-13")["entry_origin"] == "openrouter"


def test_unmappable_ids_are_listed_with_the_reason(resolved):
    assert row(resolved, "cerebras/llama-4-scout")["reason"] == "no registry entry"
    for model_id, rule in [("ollama/llama3.1", "local_runtime"), ("gpt-9-preview-latest", "floating_alias"),
                           ("~openai/gpt-latest", "floating_alias"), ("openrouter/auto", "router")]:
        r = row(resolved, model_id)
        assert (r["status"], r["rule"], r["canonical_model"]) == ("excluded", rule, None)
        assert r["reason"]


def test_every_id_of_every_source_is_in_the_result(resolved):
    for source, frame in SOURCES.items():
        got = resolved.filter(pl.col("source") == source)["source_model_id"].sort().to_list()
        assert got == frame["source_model_id"].sort().to_list()
    assert resolved.filter(pl.col("status") == "mapped")["rule"].null_count() == 0
