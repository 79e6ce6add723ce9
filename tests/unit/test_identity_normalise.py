"""The normalisation the identity rules may apply: equal keys for one name written several ways,
different keys for different models (another version, another size, base vs instruct)."""

import pytest

from pipeline.identity.normalise import key, slug, snapshot_of, take_quantization


@pytest.mark.parametrize("a, b", [
    ("qwen2.5-72b-instruct", "qwen-2.5-72b-instruct"),        # a hyphen between family and version
    ("Qwen2.5-72B-Instruct", "qwen-2.5-72b-instruct"),        # case
    ("Meta-Llama-3.1-70B-Instruct", "llama-3.1-70b-instruct"),  # Meta's old repo names
    ("llama3-3-70b-instruct", "llama-3.3-70b-instruct"),      # Bedrock's version separator
    ("Meta-Llama-3_3-70B-Instruct", "llama-3.3-70b-instruct"),  # an underscore between digits
    ("granite-3.0-8b-instruct", "granite-3-8b-instruct"),     # a trailing .0
    ("amazon-nova-lite-v1.0", "nova-lite-v1"),                # the developer's own name in front
    ("Llama-2-7b-chat-hf", "llama-2-7b-chat"),                # the -hf conversion marker
    ("Anthropic: Claude Sonnet 4", "claude-sonnet-4"),        # a display name's developer prefix
    ("Codestral 25.01", "codestral-2501"),                    # Mistral's prose release code
])
def test_one_name_written_several_ways_has_one_key(a, b):
    assert key(a) == key(b)


@pytest.mark.parametrize("a, b", [
    ("llama-3.1-70b-instruct", "llama-3.3-70b-instruct"),     # another generation
    ("llama-3.1-8b-instruct", "llama-3.1-70b-instruct"),      # another size
    ("llama-3.1-70b", "llama-3.1-70b-instruct"),              # base vs instruct
    ("mistral-large-2407", "mistral-large-2512"),             # a four-digit release code is kept
    ("deepseek-r1-distill-llama-70b", "llama-3.3-70b-instruct"),
    ("qwen-25.01", "qwen-2501"),                              # the YY.MM reading is Mistral's only
])
def test_different_models_keep_different_keys(a, b):
    assert key(a) != key(b)


def test_key_splits_letters_from_digits_and_keeps_decimals():
    assert key("qwen2.5-72b-instruct") == "qwen-2.5-72-b-instruct"
    assert key("gpt-4o") == "gpt-4-o"
    # `2-9b` is a version 2 model of 9B, not version 2.9: the second digit runs into `b`.
    assert key("gemma-2-9b-it") == "gemma-2-9-b-it"


def test_slug_is_the_readable_form_of_new_ids():
    assert slug("Meta-Llama-3_1-70B-Instruct") == "llama-3.1-70b-instruct"
    assert slug("claude-3-5-sonnet") == "claude-3.5-sonnet"
    assert slug("internlm2_5-20b-chat") == "internlm2.5-20b-chat"
    assert slug("Chinchilla (70B)") == "chinchilla-70b"
    assert slug("ring-flash-2.0") == "ring-flash-2.0"  # ids keep `.0`; only keys drop it


@pytest.mark.parametrize("name, expected", [
    ("gpt-4o-2024-08-06", ("gpt-4o", "2024-08-06")),
    ("claude-3-5-sonnet-20241022", ("claude-3-5-sonnet", "2024-10-22")),
    ("claude-opus-4-20250514-thinking-16k", ("claude-opus-4-thinking-16k", "2025-05-14")),
    ("claude-3-5-sonnet@20240620", ("claude-3-5-sonnet", "2024-06-20")),
    ("chatgpt-4o-01-29-2025", ("chatgpt-4o", "2025-01-29")),  # Epoch's month-first spelling
    ("gpt-3.5-turbo-0125", ("gpt-3.5-turbo-0125", None)),      # four digits are a release code
    ("mistral-large-2512", ("mistral-large-2512", None)),
    ("model-20241399", ("model-20241399", None)),              # not a date
])
def test_dated_snapshots(name, expected):
    assert snapshot_of(name) == expected


@pytest.mark.parametrize("name, expected", [
    ("Llama-4-Maverick-17B-128E-Instruct-FP8", ("Llama-4-Maverick-17B-128E-Instruct", "fp8")),
    ("llama-3.1-405b-instruct-bf16", ("llama-3.1-405b-instruct", "bf16")),
    ("gpt-oss-20b-mxfp4-GGUF", ("gpt-oss-20b", "mxfp4+gguf")),
    ("ALIA-40b-instruct_Q8_0", ("ALIA-40b-instruct", "q8")),
    ("Qwen3-235B-A22B-fp8-tput", ("Qwen3-235B-A22B-tput", "fp8")),
    ("gpt-4o", ("gpt-4o", None)),
])
def test_quantisation_tokens(name, expected):
    assert take_quantization(name) == expected
