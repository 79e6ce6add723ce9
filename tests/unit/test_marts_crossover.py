"""The crossover volume: exact, the smallest, and null with a reason when there is none."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pipeline.marts.costs import usd_per_request
from pipeline.marts.crossover import breakeven, self_hosted_cost

SCAN_LIMIT = 1500


def brute_force(c: Fraction, capacity: int, g: int, h: int) -> int | None:
    """The first volume at which self-hosting is not dearer, by trying them all (integers only)."""
    p, q = c.numerator, c.denominator
    for volume in range(1, SCAN_LIMIT + 1):
        if q * (-(-volume // capacity) * g + h) <= p * volume:
            return volume
    return None


@settings(max_examples=250, deadline=None)
@given(price=st.fractions(min_value=0, max_value=20, max_denominator=20),
       capacity=st.integers(min_value=1, max_value=30),
       gpu=st.integers(min_value=0, max_value=200),
       hidden=st.integers(min_value=0, max_value=200))
def test_matches_a_brute_force_scan(price, capacity, gpu, hidden):
    found = breakeven(price, capacity, Fraction(gpu), Fraction(hidden))
    assume(found.monthly_requests is None or found.monthly_requests <= SCAN_LIMIT)
    assert found.monthly_requests == brute_force(price, capacity, gpu, hidden)
    if found.monthly_requests is None:
        assert found.reason
    else:
        assert found.replicas == -(-found.monthly_requests // capacity)


def test_gpt_4o_mini_against_8b_on_an_a10g():
    # $0.00075 a request; one A10G at $734.38 a month serves 1,511,100 requests.
    c = usd_per_request(1000, 1000, 0.15, 0.60)
    gpu_only = breakeven(c, 1_511_100, 734.38)
    assert (gpu_only.monthly_requests, gpu_only.replicas) == (979_174, 1)  # ceil(734.38 / 0.00075)
    # + $1,797 of hidden costs: one replica saves $398.945 at full load, so 5 replicas are needed.
    hidden = breakeven(c, 1_511_100, 734.38, 1797)
    assert (hidden.monthly_requests, hidden.replicas) == (7_291_867, 5)   # ceil((5 x 734.38 + 1797) / 0.00075)


def test_the_volume_is_the_first_that_breaks_even():
    c, cap, g, h = Fraction(3, 4000), 1_511_100, Fraction(73438, 100), Fraction(1797)
    v = breakeven(c, cap, g, h).monthly_requests
    assert self_hosted_cost(v, cap, g, h) <= c * v
    assert self_hosted_cost(v - 1, cap, g, h) > c * (v - 1)


def test_none_when_the_api_is_cheaper_at_full_load():
    # A hosted Llama 3.1 8B at $0.02 / $0.03: 1,511,100 requests cost $75.56, the A10G $734.38.
    found = breakeven(usd_per_request(1000, 1000, 0.02, 0.03), 1_511_100, 734.38)
    assert found.monthly_requests is None and found.replicas is None
    assert found.reason == ("the API is cheaper even at full load: 1,511,100 requests cost $75.56 through the API "
                            "vs $734.38 for one replica's GPUs")


def test_none_when_a_full_replica_only_matches_the_api_and_hidden_costs_remain():
    found = breakeven(Fraction(1), 10, Fraction(10), Fraction(5))
    assert found.monthly_requests is None and "never recovered" in found.reason
    assert breakeven(Fraction(1), 10, Fraction(10)).monthly_requests == 10  # without hidden costs: at capacity


def test_none_for_a_free_api():
    assert breakeven(0, 100, 50).reason == "the API is free at this request mix"


def test_free_gpus_break_even_at_the_first_request():
    assert breakeven(Fraction(1, 1000), 100, 0).monthly_requests == 1


def test_refuses_nonsense():
    with pytest.raises(ValueError, match="capacity"):
        breakeven(1, 0, 10)
    with pytest.raises(ValueError, match="negative"):
        breakeven(1, 10, -1)
