"""The crossover: the smallest monthly volume at which self-hosting is not dearer than an API.

At V requests a month the API costs c·V (c = USD per request) and self-hosting costs
ceil(V / capacity)·G + H (G = one replica's GPU cost per month, H = monthly hidden costs, 0 for
the GPU-only column). Within the k-th block of volumes ((k−1)·capacity, k·capacity] the
self-hosted cost is flat and the API cost grows, so block k holds a solution iff
k·(c·capacity − G) ≥ H, and its smallest solution is max((k−1)·capacity + 1, ceil((k·G + H) / c)).
Solving for the smallest such k gives V exactly, in rationals, without scanning volumes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from pipeline.marts.costs import exact


@dataclass(frozen=True)
class Breakeven:
    monthly_requests: int | None   # None: no volume makes self-hosting cheaper
    replicas: int | None
    reason: str | None             # why there is none


def self_hosted_cost(monthly_requests: int, capacity: int, gpu_monthly_cost: Fraction,
                     fixed_monthly_cost: Fraction = Fraction(0)) -> Fraction:
    return -(-monthly_requests // capacity) * gpu_monthly_cost + fixed_monthly_cost


def breakeven(api_usd_per_request: Fraction | float, capacity: int, gpu_monthly_cost: Fraction | float,
              fixed_monthly_cost: Fraction | float = 0) -> Breakeven:
    """The smallest V ≥ 1 with ceil(V / capacity)·G + H ≤ c·V, or None with the reason."""
    c, g, h = (x if isinstance(x, Fraction) else exact(x)
               for x in (api_usd_per_request, gpu_monthly_cost, fixed_monthly_cost))
    if capacity < 1:
        raise ValueError(f"capacity must be at least 1 request a month, got {capacity}")
    if c < 0 or g < 0 or h < 0:
        raise ValueError(f"costs must not be negative (api {c}, gpu {g}, fixed {h})")
    if c == 0:
        if g == 0 and h == 0:
            return Breakeven(1, 1, None)  # both free: self-hosting is never dearer
        return Breakeven(None, None, "the API is free at this request mix")
    margin = c * capacity - g  # what one fully loaded replica saves against the API per month
    if margin < 0 or (margin == 0 and h > 0):
        return Breakeven(None, None, _never(c, capacity, g, h))
    k = 1 if h == 0 else max(1, math.ceil(h / margin))
    volume = max((k - 1) * capacity + 1, math.ceil((k * g + h) / c))
    assert volume <= k * capacity, "block k holds a solution by construction"
    return Breakeven(volume, k, None)


def _never(c: Fraction, capacity: int, g: Fraction, h: Fraction) -> str:
    at_capacity = float(c * capacity)
    if c * capacity < g:
        return (f"the API is cheaper even at full load: {capacity:,} requests cost ${at_capacity:,.2f} "
                f"through the API vs ${float(g):,.2f} for one replica's GPUs")
    return (f"a fully loaded replica costs exactly what the API charges (${at_capacity:,.2f}), "
            f"so the ${float(h):,.2f} of monthly hidden costs are never recovered")
