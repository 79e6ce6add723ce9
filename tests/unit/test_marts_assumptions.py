"""The assumptions file: defaults, citations, what-if overrides, validation errors, the hash."""

from __future__ import annotations

import copy

import pytest

from pipeline.marts.assumptions import (AssumptionsError, load_assumptions, merge, missing_citations,
                                        parse_assumptions, read_yaml)
from pipeline.marts.assumptions import DEFAULT_FILE
from tests.conftest import FIXTURES

WHAT_IF = FIXTURES / "marts" / "what_if_reserved.yaml"
BROKEN = FIXTURES / "marts" / "broken.yaml"


@pytest.fixture(scope="module")
def default():
    return load_assumptions()


def test_default_file_values(default):
    assert (default.input_tokens, default.output_tokens, default.hours_per_month) == (1000, 1000, 730.0)
    assert default.volumes == (100_000, 1_000_000, 10_000_000, 100_000_000)
    assert (default.tier_metric, default.tier1_max_gap, default.tier2_max_gap) == ("composite", 2.0, 8.0)
    a10g = default.deployment("8b-fp16-a10g")
    # 1,150 tokens/s x 50% x 730 h x 3,600 s / 1,000 output tokens per request
    assert a10g.monthly_capacity_requests == 1_511_100
    assert (a10g.gpu, a10g.gpu_count, a10g.bytes_per_parameter, a10g.hidden_costs.total) == ("A10G", 1, 2.0, 1797.0)


def test_default_file_covers_the_usual_deployments(default):
    by_class = {(d.model_size_b, d.precision) for d in default.deployments}
    assert {(8, "fp16"), (8, "int4"), (70, "fp16"), (70, "int4"), (405, "fp8")} <= by_class
    assert all(d.compare_with for d in default.deployments)


def test_every_number_in_the_default_file_is_cited():
    assert missing_citations(read_yaml(DEFAULT_FILE)) == []


def test_an_uncited_number_is_found():
    doc = read_yaml(DEFAULT_FILE)
    doc["deployments"][0]["citations"].pop("throughput_output_tokens_per_s")
    doc["citations"].pop("hours_per_month")
    assert missing_citations(doc) == ["deployments[8b-fp16-a10g].throughput_output_tokens_per_s", "hours_per_month"]


def test_what_if_overrides_a_subset(default):
    a = load_assumptions(WHAT_IF)
    assert a.source == str(WHAT_IF.resolve())
    assert a.hours_per_month == 720.0
    assert a.volumes == default.volumes                                   # untouched
    fp8 = a.deployment("70b-fp8-2xh100")
    assert fp8.gpu_monthly_cost_usd == 5000.0                             # merged by id ...
    assert (fp8.gpu, fp8.gpu_count) == ("H100-SXM", 2)                    # ... keeping the rest
    assert fp8.monthly_capacity_requests == 4205 * 0.5 * 720 * 3600 // 1000  # capacity follows the month
    assert a.deployment("8b-int4-l4").monthly_capacity_requests == 700_000   # a new deployment
    assert len(a.deployments) == len(default.deployments) + 1
    assert a.tco_options == ("api:openai/gpt-4o-mini", "deployment:8b-int4-l4")  # lists replace
    assert a.hash != default.hash


def test_every_problem_is_reported_with_file_and_key():
    with pytest.raises(AssumptionsError) as err:
        load_assumptions(BROKEN)
    message = str(err.value)
    assert message.startswith(f"assumptions ({BROKEN}) is not valid:")
    for expected in ("hours_per_mnth: unknown key",
                     "tiers.tier2_max_gap: must be at least tier1_max_gap (5), got 3",
                     "deployments[8b-fp16-a10g].precision: must be one of fp32, fp16, bf16, fp8, int8, int4, "
                     "got 'fp12'",
                     "deployments[8b-fp16-a10g].gpu_count: must be at least 1, got 0",
                     "tco.options[0]: no deployment 'does-not-exist'",
                     "tco.options[1]: must be 'api:<canonical model>', 'managed:<canonical model>' or 'deployment:<id>', "
                     "got 'ollama:llama3'"):
        assert expected in message


def test_an_override_deployment_needs_an_id():
    with pytest.raises(AssumptionsError, match="needs an `id`"):
        merge(read_yaml(DEFAULT_FILE), {"deployments": [{"gpu": "L4"}]})


def test_unreadable_yaml_is_named(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("volumes: [1, 2\n")
    with pytest.raises(AssumptionsError, match=f"assumptions {bad}: cannot be read as YAML"):
        load_assumptions(bad)


def test_hash_ignores_citations_order_and_number_spelling(default):
    doc = copy.deepcopy(default.document)
    doc["citations"]["hours_per_month"] = "another citation"
    doc["tiers"] = {"tier2_max_gap": 8, "metric": "composite", "tier1_max_gap": 2}  # ints, other order
    assert parse_assumptions(doc).hash == default.hash
    doc["tiers"]["tier1_max_gap"] = 2.5
    assert parse_assumptions(doc).hash != default.hash


def test_hash_is_stable_across_loads(default):
    assert load_assumptions().hash == default.hash
    assert len(default.hash) == 16


def test_the_first_party_mapping_is_a_cited_fact():
    doc = read_yaml(DEFAULT_FILE)
    assert doc["api_providers"]["first_party"]["meta-llama"] == ["meta_llama"]
    doc["citations"].pop("api_providers.first_party")
    assert missing_citations(doc) == ["api_providers.first_party"]


def test_a_deployment_keeps_its_cited_throughput_for_the_marts(default):
    h100 = default.deployment("70b-fp8-2xh100")
    assert (h100.throughput_output_tokens_per_s, h100.utilization, h100.active_params_b) == (4205.0, 0.5, None)
    what_if = load_assumptions(WHAT_IF)
    assert what_if.deployment("8b-int4-l4").throughput_output_tokens_per_s is None  # a stated capacity


def test_managed_tco_options(default):
    assert {"managed:meta-llama/llama-3.1-8b-instruct", "managed:meta-llama/llama-3.1-70b-instruct",
            "managed:meta-llama/llama-3.1-405b-instruct"} <= set(default.tco_options)
    doc = copy.deepcopy(default.document)
    doc["tco"]["options"] = ["managed:"]
    with pytest.raises(AssumptionsError, match=r"tco.options\[0\]: must be 'api:<canonical model>', 'managed:"):
        parse_assumptions(doc)
