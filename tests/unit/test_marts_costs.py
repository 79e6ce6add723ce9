"""Cost formulas: API cost at a volume, self-hosted GPU cost, memory fit, TCO."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.marts.costs import (api_monthly_cost_usd, deployment_tco, fits_in_memory, replicas,
                                  self_hosted_range, usd_per_mtok_output, usd_per_request)

prices = st.decimals(min_value=0, max_value=200, places=3).map(float)
volumes = st.integers(min_value=0, max_value=10**9)
tokens = st.integers(min_value=0, max_value=200_000)


def test_worked_example_gpt_4o_mini():
    # $0.15 / $0.60 per 1M tokens, 100,000 requests of 1,000 in + 1,000 out.
    assert api_monthly_cost_usd(100_000, 1000, 1000, 0.15, 0.60) == 75.0
    assert float(usd_per_request(1000, 1000, 0.15, 0.60)) == 0.00075


def test_api_cost_weighs_input_and_output_separately():
    # GPT-4o at $2.50 in / $10 out: 1M requests of 500 in + 2,000 out.
    assert api_monthly_cost_usd(1_000_000, 500, 2000, 2.5, 10.0) == 1_000_000 * (500 * 2.5 + 2000 * 10) / 1e6


@settings(deadline=None)  # a shared machine's load is not the code's speed
@given(volumes, volumes, tokens, tokens, prices, prices)
def test_api_cost_is_additive_in_volume(v1, v2, i, o, pi, po):
    both = api_monthly_cost_usd(v1 + v2, i, o, pi, po)
    assert math.isclose(both, api_monthly_cost_usd(v1, i, o, pi, po) + api_monthly_cost_usd(v2, i, o, pi, po),
                        rel_tol=1e-12, abs_tol=1e-9)


@settings(deadline=None)  # a shared machine's load is not the code's speed
@given(volumes, st.integers(min_value=0, max_value=1000), tokens, tokens, prices, prices)
def test_api_cost_scales_with_volume(v, k, i, o, pi, po):
    assert math.isclose(api_monthly_cost_usd(k * v, i, o, pi, po), k * api_monthly_cost_usd(v, i, o, pi, po),
                        rel_tol=1e-12, abs_tol=1e-9)


def test_api_cost_refuses_negative_volume():
    with pytest.raises(ValueError, match="must not be negative"):
        api_monthly_cost_usd(-1, 1000, 1000, 0.15, 0.6)


def test_self_hosted_low_and_high_from_min_and_median_rate():
    # One A10G: AWS g5.xlarge on-demand $1.006/h as the minimum, $1.212 median, 730 h a month.
    cost = self_hosted_range(1.006, 1.212, 1, 730, None)
    assert (cost.low, cost.high) == (734.38, 884.76)
    # Eight H100 at $2.99 / $6.88 per GPU-hour.
    cost = self_hosted_range(2.99, 6.88, 8, 730, None)
    assert (cost.low, cost.high) == (17461.6, 40179.2)


def test_fixed_monthly_cost_replaces_both_rates():
    cost = self_hosted_range(1.006, 1.212, 1, 730, 500.0)
    assert (cost.low, cost.high, cost.basis) == (500.0, 500.0, "fixed gpu_monthly_cost_usd")


def test_no_rate_gives_no_cost_and_says_why():
    cost = self_hosted_range(None, None, 2, 730, None)
    assert cost.low is None and cost.high is None and "no on-demand rate" in cost.basis


def test_cost_per_million_output_tokens_at_capacity():
    # $734.38 a month for 1,511,100 requests of 1,000 output tokens = 1,511.1 M tokens.
    assert usd_per_mtok_output(734.38, 1_511_100, 1000) == pytest.approx(0.485990338)
    assert usd_per_mtok_output(None, 1_511_100, 1000) is None


def test_fits_in_memory_with_headroom_for_the_kv_cache():
    assert fits_in_memory(8, 2.0, 1, 24) == (True, "needs 19.2 GB of 24 GB")       # 8B fp16 on an A10G
    assert fits_in_memory(8, 0.5, 1, 16)[0] is True                                # 8B int4 on a T4
    assert fits_in_memory(70, 2.0, 4, 80)[0] is True                               # 70B fp16 on 4x A100-80GB
    assert fits_in_memory(405, 1.0, 8, 80) == (True, "needs 486.0 GB of 640 GB")  # 405B fp8 on 8x H100


def test_does_not_fit_says_why():
    fits, note = fits_in_memory(70, 2.0, 2, 80)  # 70B fp16 on 2x H100-80GB: 168 GB > 160 GB
    assert fits is False
    assert note == "does not fit: 70B parameters × 2 bytes × 1.2 = 168.0 GB > 2 × 80 GB = 160 GB"


def test_fit_boundary_is_inclusive():
    assert fits_in_memory(10, 2.0, 1, 24)[0] is True    # exactly 24 GB
    assert fits_in_memory(10.01, 2.0, 1, 24)[0] is False


def test_unknown_gpu_memory_is_not_guessed():
    assert fits_in_memory(8, 2.0, 1, None) == (None, "GPU memory unknown (not in the GPU registry)")


@settings(deadline=None)  # a shared machine's load is not the code's speed
@given(st.integers(min_value=0, max_value=10**9), st.integers(min_value=1, max_value=10**7))
def test_replicas_are_the_fewest_that_serve_the_volume(volume, capacity):
    n = replicas(volume, capacity)
    assert n * capacity >= volume
    assert (n - 1) * capacity < volume or n == 0


def test_deployment_tco_adds_hidden_costs_to_replicas():
    tco = deployment_tco(10_000_000, 5_525_370, 9708.0, 3940, 150, 92)
    assert tco.replicas == 2
    assert (tco.inference, tco.total) == (19416.0, 23598.0)
