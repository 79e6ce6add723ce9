"""Provider-prefix and vendor-naming rules: what each source's naming puts together, taken apart."""

import pytest

from pipeline.identity.source_parts import parts_for, take_mode
from pipeline.identity.id_parts import openrouter_parts
from pipeline.identity.vendors import litellm_parts


def test_bedrock_region_vendor_and_version():
    p = litellm_parts("bedrock/us-east-1/meta.llama3-3-70b-instruct-v1:0", "bedrock")
    assert (p.namespace, p.name, p.variants) == ("meta", "llama3-3-70b-instruct-v1", ["region:us-east-1"])
    assert p.alternatives == ["llama3-3-70b-instruct"]  # Bedrock's -v1 model version, tried second
    assert p.rules == ["bedrock_region", "bedrock_vendor"]


def test_bedrock_cross_region_prefix_and_dated_claude():
    p = litellm_parts("us.anthropic.claude-3-5-sonnet-20241022-v2:0", "bedrock_converse")
    assert (p.namespace, p.name, p.variants) == ("anthropic", "claude-3-5-sonnet-20241022", ["region:us"])


@pytest.mark.parametrize("key, name", [
    ("anthropic.claude-v2:1", "claude-2.1"),                           # Claude 2.1
    ("anthropic.claude-instant-v1", "claude-instant-1"),
    ("mistral.mixtral-8x7b-instruct-v0:1", "mixtral-8x7b-instruct-v0.1"),  # v0:1 is version 0.1
    ("deepseek.r1-v1:0", "deepseek-r1-v1"),                            # the vendor's family name put back
    ("bedrock/us-gov-east-1/claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5-20250929"),
])
def test_bedrock_model_names(key, name):
    assert litellm_parts(key, "bedrock").name == name


def test_fireworks_accounts_and_decimal_p():
    p = litellm_parts("fireworks_ai/accounts/fireworks/models/llama-v3p3-70b-instruct", "fireworks_ai")
    assert (p.namespace, p.name) == (None, "llama-3.3-70b-instruct")
    p = litellm_parts("fireworks_ai/accounts/sentientfoundation/models/dobby-unhinged-llama-3-3-70b-new",
                      "fireworks_ai")
    assert (p.namespace, p.name) == ("sentientfoundation", "dobby-unhinged-llama-3-3-70b-new")
    basic = litellm_parts("fireworks_ai/accounts/fireworks/models/deepseek-r1-basic", "fireworks_ai")
    assert (basic.name, basic.variants) == ("deepseek-r1", ["basic"])


def test_together_turbo_is_a_quantised_serving_and_free_a_variant():
    p = litellm_parts("together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo-Free", "together_ai")
    assert (p.namespace, p.name, p.variants, p.quantization) == ("meta-llama", "Llama-3.3-70B-Instruct",
                                                                 ["free"], "turbo")
    # `-turbo` in a model's own name (GPT-3.5 Turbo) is not a serving marker.
    assert litellm_parts("gpt-3.5-turbo", "openai").quantization is None


def test_azure_region_and_gpt35_spelling():
    p = litellm_parts("azure/eu/gpt-35-turbo-0125", "azure")
    assert (p.name, p.variants) == ("gpt-3.5-turbo-0125", ["region:eu"])


def test_vertex_maas_and_revisions():
    p = litellm_parts("vertex_ai/meta/llama-3.1-405b-instruct-maas", "vertex_ai-llama_models")
    assert (p.namespace, p.name) == ("meta", "llama-3.1-405b-instruct")
    p = litellm_parts("vertex_ai/mistral-large@2411-001", "vertex_ai-mistral_models")
    assert (p.name, p.alternatives) == ("mistral-large-2411-001", ["mistral-large-2411"])


def test_groq_and_cerebras_serve_instruct_models_under_bare_names():
    assert litellm_parts("groq/llama-3.3-70b-versatile", "groq").name == "llama-3.3-70b-instruct"
    assert litellm_parts("cerebras/llama3.1-8b", "cerebras").name == "llama3.1-8b-instruct"


def test_fine_tuning_prices_and_first_party():
    p = litellm_parts("ft:gpt-4o-2024-08-06", "openai")
    assert (p.name, p.variants, p.first_party) == ("gpt-4o-2024-08-06", ["fine-tuned"], "openai")
    # Perplexity hosting Meta's model is not Perplexity's own model: no first-party entry.
    assert litellm_parts("perplexity/llama-3.1-8b-instruct", "perplexity").first_party is None
    assert litellm_parts("perplexity/sonar-pro", "perplexity").first_party == "perplexity"


@pytest.mark.parametrize("key, provider, rule", [
    ("ollama/llama3", "ollama", "local_runtime"),
    ("together-ai-up-to-4b", "together_ai", "size_bucket"),
    ("claude-3-5-sonnet-latest", "anthropic", "floating_alias"),
    ("moonshot/kimi-latest-128k", "moonshot", "floating_alias"),
    ("azure_ai/model_router", "azure_ai", "router"),
    ("vercel_ai_gateway/cohere/embed-v4.0", "vercel_ai_gateway", "embedding"),
])
def test_ids_that_are_not_models(key, provider, rule):
    assert litellm_parts(key, provider).exclusion[0] == rule


def test_openrouter_variants_and_non_models():
    p = openrouter_parts("z-ai/glm-5.2:free")
    assert (p.namespace, p.name, p.variants, p.exclusion) == ("z-ai", "glm-5.2", ["free"], None)
    assert openrouter_parts("~anthropic/claude-opus-latest").exclusion[0] == "floating_alias"
    assert openrouter_parts("openrouter/auto").exclusion[0] == "router"


def test_aider_configurations():
    p = parts_for("aider", "gpt-5 (high)")
    assert (p.name, p.variants) == ("gpt-5", ["config:high"])
    assert parts_for("aider", "DeepSeek R1 (0528)").name == "DeepSeek R1-0528"  # a release, not a setting
    assert parts_for("aider", "qwen-2.5-72b-instruct (bf16)").quantization == "bf16"
    assert parts_for("aider", "o3 (high) + gpt-4.1").exclusion[0] == "combination"
    p = parts_for("epoch", "amazon.nova-pro-v1:0")
    assert (p.namespace, p.name) == ("amazon", "nova-pro-v1")


@pytest.mark.parametrize("name, expected", [
    ("claude-opus-4-thinking-16k", ("claude-opus-4", ["thinking:16k"])),
    ("qwen3-235b-a22b-no-thinking", ("qwen3-235b-a22b", ["no-thinking"])),
    ("o3_high", ("o3", ["effort:high"])),
    ("gemini-2.5-flash-preview-05-20_23K", ("gemini-2.5-flash-preview-05-20", ["budget:23k"])),
    ("moonshot-v1-128k", ("moonshot-v1-128k", [])),  # a context size, not a thinking budget
])
def test_mode_suffixes(name, expected):
    assert take_mode(name) == expected
