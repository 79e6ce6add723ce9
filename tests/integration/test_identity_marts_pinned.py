"""The marts keep their values for the models they had once the registry and the aliases come from
the identity rules: a replay refresh of the bundled history, values pinned from the refresh that
built `models` from models.csv and `model_aliases` from curated aliases and OpenRouter ids only."""

from __future__ import annotations

import pytest

from pipeline.core.warehouse import query, read_published
from tests.support.replay_build import replay_build

pytestmark = pytest.mark.integration
QUARTER = "2026Q4"
VOLUME = 1_000_000
# (canonical model, provider) -> (monthly cost at 1M requests, reference provider?, source id priced)
API_COST = {
    ("openai/gpt-4o-mini", "openai"): (750.0, True, "gpt-4o-mini"),
    ("anthropic/claude-3.5-haiku", "anthropic"): (4800.0, True, "Haiku 3.5"),
    ("deepseek/deepseek-r1", "deepseek"): (2740.0, True, "deepseek/deepseek-r1"),
    ("meta-llama/llama-3.1-70b-instruct", "openrouter"): (800.0, True, "meta-llama/llama-3.1-70b-instruct"),
    ("meta-llama/llama-3.1-70b-instruct", "together_ai"): (
        1760.0, False, "together_ai/meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo"),
    ("meta-llama/llama-3.1-405b-instruct", "together_ai"): (
        7000.0, True, "together_ai/meta-llama/Meta-Llama-3.1-405B-Instruct-Turbo"),
    ("qwen/qwen-2.5-72b-instruct", "together_ai"): (2400.0, False, "qwen2.5-72b-instruct"),
}
# (deployment, canonical model) -> (reference provider, API USD per request, break-even GPU only, with hidden
# costs). A deployment whose capacity is now measured or estimated from throughput (self_hosted_cost's
# throughput_basis) has its break-evens recomputed from that capacity; only the identity-dependent part
# (which provider and price stand for the model) is pinned for it.
CROSSOVER = {
    ("70b-int4-a100", "openai/gpt-4o"): ("openai", 0.0125, 180205, 514765),
    ("8b-fp16-a10g", "anthropic/claude-3.5-haiku"): ("anthropic", 0.0048, 167535, 541910),
    ("405b-fp8-8xh100", "google/gemini-2.5-pro"): ("gemini", 0.01125, 2622602, 3348113),
    ("405b-fp8-8xh100", "meta-llama/llama-3.1-405b-instruct"): ("together_ai", 0.007, None, None),
}


@pytest.fixture(scope="module")
def published(tmp_path_factory, instance):
    paths, _ = replay_build(tmp_path_factory, instance)
    with read_published(paths) as con:
        cost = query(con, "SELECT canonical_model, provider, monthly_cost_usd, is_reference, source_model_id "
                          "FROM api_cost_at_scale WHERE quarter = ? AND monthly_requests = ?", [QUARTER, VOLUME])
        cross = query(con, "SELECT c.deployment, c.canonical_model, c.provider, c.api_usd_per_request, "
                           "c.breakeven_requests_gpu_only, c.breakeven_requests_with_hidden_costs, s.throughput_basis "
                           "FROM crossover c JOIN self_hosted_cost s USING (quarter, deployment) "
                           "WHERE c.quarter = ?", [QUARTER])
    return cost, cross


def test_api_cost_at_scale_is_unchanged_for_the_models_it_had(published):
    cost, _ = published
    got = {(r[0], r[1]): (r[2], r[3], r[4]) for r in cost.iter_rows()}
    assert {k: got.get(k) for k in API_COST} == API_COST
    assert cost.height == 60  # 2026Q4 at 1M requests: the same model-provider pairs as before


def test_crossover_is_unchanged_for_the_models_it_had(published):
    _, cross = published
    got = {(r[0], r[1]): r[2:] for r in cross.iter_rows()}
    assumed = 0
    for key, (provider, usd_per_request, gpu_only, with_hidden) in CROSSOVER.items():
        row = got[key]
        assert row[:2] == (provider, usd_per_request), key
        if row[4] == "assumption":
            assumed += 1
            assert row[2:4] == (gpu_only, with_hidden), key
    assert assumed == 1  # 70b-int4-a100: its capacity is still the cited assumption
    assert cross.height == 40
