"""The registry: OpenRouter's models as the backbone, curated facts on top, entries the sources create."""

from datetime import date

import polars as pl
import pytest

from pipeline.identity.openrouter_models import OpenRouterBodyError, openrouter_models
from pipeline.identity.registry import build_registry, merge_registry
from tests.support.identity_fixtures import (OPENROUTER_BODY, curated_aliases, curated_models, ids, names,
                                             openrouter_entries)


def entry(registry: pl.DataFrame, canonical: str) -> dict:
    rows = registry.filter(pl.col("canonical_model") == canonical)
    assert rows.height == 1, canonical
    return rows.row(0, named=True)


def test_openrouter_models_reads_the_registry_fields():
    models = openrouter_models(OPENROUTER_BODY.read_bytes())
    assert models.height == 12  # the entry without an id is left to the price parser's rejects
    llama = models.filter(pl.col("id") == "meta-llama/llama-3.3-70b-instruct").row(0, named=True)
    assert llama == {"id": "meta-llama/llama-3.3-70b-instruct", "name": "Meta: Llama 3.3 70B Instruct",
                     "created": 1733506137, "context_length": 131072,
                     "hugging_face_id": "meta-llama/Llama-3.3-70B-Instruct", "modality": "text->text",
                     "canonical_slug": "meta-llama/llama-3.3-70b-instruct"}
    sonnet = models.filter(pl.col("id") == "anthropic/claude-sonnet-4").row(0, named=True)
    assert sonnet["hugging_face_id"] is None  # "" links no repository
    legacy = models.filter(pl.col("id") == "legacy/old-model").row(0, named=True)
    assert (legacy["created"], legacy["modality"]) == (None, None)  # older captures: left empty


def test_openrouter_models_refuses_a_body_that_is_not_a_model_list():
    with pytest.raises(OpenRouterBodyError, match="openrouter.ai/api/v1/models: expected a JSON object"):
        openrouter_models(b'{"models": []}')


def test_registry_from_openrouter_one_entry_per_model():
    registry = openrouter_entries()
    assert registry["canonical_model"].to_list() == [
        "anthropic/claude-sonnet-4", "deepseek/deepseek-r1-distill-llama-70b", "google/gemini-2.5-pro-preview-05-06",
        "legacy/old-model", "meta-llama/llama-3.1-70b-instruct", "meta-llama/llama-3.1-8b-instruct",
        "meta-llama/llama-3.3-70b-instruct", "openai/gpt-4o", "z-ai/glm-9-air"]  # no router, no floating alias
    llama = entry(registry, "meta-llama/llama-3.3-70b-instruct")
    assert (llama["developer"], llama["author"], llama["created"], llama["context_length"]) == (
        "Meta", "meta-llama", date(2024, 12, 6), 131072)
    assert llama["citation"] == "https://openrouter.ai/api/v1/models (fetched 2026-08-19, fetch fetch-1)"
    # A model listed only as its :free variant gets its entry from the variant, name without "(free)".
    glm = entry(registry, "z-ai/glm-9-air")
    assert (glm["name"], glm["origin_ids"]) == ("Z.ai: GLM 9 Air", ["openrouter:z-ai/glm-9-air:free"])
    assert entry(registry, "openai/gpt-4o")["origin_ids"] == ["openrouter:openai/gpt-4o"]


def test_curated_facts_override_openrouter_and_never_the_reverse():
    merged = merge_registry(openrouter_entries(), curated_models())
    llama = entry(merged, "meta-llama/llama-3.3-70b-instruct")
    assert (llama["name"], llama["params_b"], llama["weights_open"], llama["license_id"], llama["required"]) == (
        "Llama 3.3 70B Instruct", 70.0, True, "llama3.3", False)
    assert llama["context_length"] == 131072  # OpenRouter fills what the curated row leaves empty
    assert llama["origin"] == "openrouter+curated"
    assert llama["citation"].startswith("https://huggingface.co/meta-llama/Llama-3.3-70B-Instruct | ")
    pythia = entry(merged, "eleutherai/pythia-12b")  # a curated model OpenRouter does not list
    assert (pythia["origin"], pythia["author"], pythia["data_open"]) == ("curated", "eleutherai", True)
    assert entry(merged, "openai/gpt-4o")["weights_open"] is None  # unknown, not false


SOURCES = {
    "litellm": ids(("gpt-3.5-turbo-0125", "openai"), ("claude-3-5-sonnet-20241022", "anthropic"),
                   ("xai/grok-3-mini", "xai"), ("together_ai/meta-llama/Llama-3-70b-chat-hf", "together_ai"),
                   ("openrouter/anthropic/claude-3-opus", "openrouter")),
    "lmarena": names("claude-3-5-sonnet-20240620", "grok-3-mini-high", "vicuna-13b", "gemma-2-9b-it-simpo"),
    "open_llm_leaderboard": names("meta-llama/Meta-Llama-3-8B", "google/gemma-2-9b-it"),
}


def built(sources=SOURCES):
    return build_registry(openrouter_entries(), curated_models(), sources, curated_aliases())


def test_sources_create_entries_by_named_rules():
    registry = built()
    created = dict(registry.filter(~pl.col("origin").is_in(["openrouter", "curated", "openrouter+curated"]))
                   .select("canonical_model", "origin").iter_rows())
    assert created == {
        "anthropic/claude-3-opus": "openrouter_entry",        # an OpenRouter id quoted by LiteLLM
        "anthropic/claude-3.5-sonnet": "first_party_entry",   # priced by Anthropic's own API
        "openai/gpt-3.5-turbo-0125": "first_party_entry",
        "x-ai/grok-3-mini": "first_party_entry",
        "meta-llama/llama-3-8b": "hugging_face_entry",        # a repo on the Open LLM Leaderboard
        "google/gemma-2-9b-it": "hugging_face_entry",
        "lmsys/vicuna-13b": "board_entry",                    # a leaderboard name of a known developer
    }
    # Together's `Llama-3-70b-chat-hf` is a host's name, not a repository: it creates nothing, and
    # LMArena's `grok-3-mini-high` is xAI's grok-3-mini at high effort, not a model of its own.
    assert entry(registry, "meta-llama/llama-3-8b")["hugging_face_id"] == "meta-llama/Meta-Llama-3-8B"
    assert entry(registry, "lmsys/vicuna-13b")["citation"] == "lmarena: 'vicuna-13b'"


def test_the_registry_does_not_depend_on_the_order_of_the_sources():
    reordered = dict(reversed(list(SOURCES.items())))
    assert built(reordered).equals(built())
