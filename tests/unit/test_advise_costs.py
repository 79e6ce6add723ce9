"""Monthly cost of an option and the crossover between two, checked by hand and against a volume
by volume scan (the crossover is solved piece by piece, never sampled)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.advise import costs
from pipeline.advise.inputs import Inputs


def api(key: str, pin: float, pout: float) -> dict:
    return {"key": key, "kind": "closed_api", "pricing": {"input_usd_per_mtok": pin, "output_usd_per_mtok": pout}}


def hosted(key: str, gpu: float, hidden: float, capacity_tokens: int) -> dict:
    return {"key": key, "kind": "self_hosted", "hosting": {"monthly_gpu_cost_usd": gpu, "hidden_costs_usd": hidden,
                                                          "monthly_gpu_cost_low_usd": None,
                                                          "capacity_output_tokens": capacity_tokens}}


def ask(v: int, i: int = 1000, o: int = 1000) -> Inputs:
    return Inputs(requests_per_month=v, input_tokens=i, output_tokens=o)


def test_api_cost_is_volume_times_the_mix_priced_per_million_tokens():
    mini = api("mini", 0.15, 0.60)
    # GPT-4o mini at $0.15 / $0.60, 100,000 requests of 1,000 + 1,000 tokens: $75 (docs/marts.md).
    assert costs.monthly_cost(mini, 100_000, ask(100_000)) == 75.0
    assert costs.monthly_cost(mini, 1_000_000, ask(1_000_000, 3000, 500)) == 1_000_000 * (3000 * 0.15 + 500 * 0.60) / 1e6


def test_self_hosted_cost_is_whole_replicas_plus_hidden_costs_and_capacity_follows_output_length():
    box = hosted("box", 1000.0, 500.0, 2_000_000_000)  # 2M requests of 1,000 output tokens a month
    assert costs.capacity_requests(box, ask(1)) == 2_000_000
    assert costs.monthly_cost(box, 2_000_000, ask(2_000_000)) == 1500.0
    assert costs.monthly_cost(box, 2_000_001, ask(2_000_001)) == 2500.0
    # Answers four times as long: a quarter of the requests per replica; a longer prompt changes nothing.
    assert costs.capacity_requests(box, ask(1, 1000, 4000)) == 500_000
    assert costs.capacity_requests(box, ask(1, 90_000, 1000)) == 2_000_000
    assert costs.breakdown(box, 4_500_000, ask(4_500_000)) == {
        "replicas": 3, "capacity_requests_per_replica": 2_000_000, "gpu_monthly_cost_usd": 1000.0,
        "gpu_monthly_cost_low_usd": None, "hidden_costs_usd": 500.0}


def test_crossover_above_when_the_next_option_is_cheaper_per_request_at_scale():
    # $0.001 a request against replicas of 1,000,000 requests at $600 + $400 hidden a month. In block
    # k the deployment costs 600k + 400 and the API up to 1,000k: block 2 is the first where the API
    # can cost more ($1,600 from 1,600,001 requests on).
    a, b = api("api", 0.5, 0.5), hosted("box", 600.0, 400.0, 1_000_000_000)
    found = costs.crossover(a, b, ask(500_000))
    assert found == {"next": "box", "direction": "above", "requests_per_month": 1_600_001}
    assert costs.monthly_cost(b, 1_600_001, ask(1)) < costs.monthly_cost(a, 1_600_001, ask(1))
    assert costs.monthly_cost(b, 1_600_000, ask(1)) == costs.monthly_cost(a, 1_600_000, ask(1)) == 1600.0


def test_crossover_below_when_the_next_option_wins_on_fixed_costs():
    a, b = hosted("box", 600.0, 400.0, 1_000_000_000), api("api", 0.5, 0.5)
    # At 3M requests self-hosting ($2,200) beats the API ($3,000); below 2.2M... the API is cheaper
    # at 2,199,999 (2,199.999 < 2,200).
    assert costs.crossover(a, b, ask(3_000_000)) == {"next": "api", "direction": "below",
                                                     "requests_per_month": 2_199_999}


def test_two_apis_never_cross():
    assert costs.crossover(api("a", 1, 1), api("b", 1, 2), ask(10)) == {
        "next": "b", "direction": None, "requests_per_month": None}


def _scan(a, b, v, inputs, direction, limit):
    span = range(v + 1, limit) if direction == "above" else range(v - 1, 0, -1)
    return next((x for x in span if costs.monthly_cost(b, x, inputs) < costs.monthly_cost(a, x, inputs)), None)


options = st.one_of(
    st.builds(lambda p, q: api("api", p, q), st.integers(0, 40).map(lambda n: n / 4), st.integers(0, 40).map(lambda n: n / 4)),
    st.builds(lambda g, h, c: hosted("box", float(g), float(h), c * 10), st.integers(1, 60), st.integers(0, 200),
              st.integers(1, 40)))


@settings(max_examples=300, deadline=None)
@given(a=options, b=options, v=st.integers(1, 400))
def test_crossover_equals_a_volume_by_volume_scan(a, b, v):
    a, b = {**a, "key": "a"}, {**b, "key": "b"}
    inputs = Inputs(requests_per_month=v, input_tokens=3, output_tokens=10)
    if costs.monthly_cost(b, v, inputs) < costs.monthly_cost(a, v, inputs):
        a, b = b, a  # a is the one ranked first at v
    found = costs.crossover(a, b, inputs)
    direction = "above" if costs.marginal_usd_per_request(b, inputs) < costs.marginal_usd_per_request(a, inputs) \
        else "below"
    limit = 20_000
    expected = _scan(a, b, v, inputs, direction, limit)
    got = found["requests_per_month"]
    if expected is None and direction == "above" and got is not None:
        assert got >= limit  # beyond the scan
    else:
        assert got == expected
        assert found["direction"] == (direction if expected is not None else None)
