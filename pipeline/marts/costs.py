"""Cost formulas: API cost at a volume, self-hosted GPU cost, memory fit, TCO. Pure, scalar.

Money is computed with exact rationals from the decimal values the sources state (0.15, not
0.1499999…) and returned as floats, so $75.00 comes out as 75.0 and the crossover search
(pipeline/marts/crossover.py) compares exactly the numbers these functions return.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

TOKENS_PER_MTOK = 1_000_000
SECONDS_PER_HOUR = 3600
# Room for the KV cache, activations and the runtime on top of the weights.
MEMORY_OVERHEAD = Fraction(6, 5)


@lru_cache(maxsize=65536)
def exact(value: float | int) -> Fraction:
    """A float as the decimal it was written as (0.15 -> 3/20), so sums of prices stay exact."""
    if isinstance(value, int):
        return Fraction(value)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    return Fraction(repr(float(value)))


@lru_cache(maxsize=65536)
def usd_per_request(input_tokens: int, output_tokens: int, input_usd_per_mtok: float,
                    output_usd_per_mtok: float) -> Fraction:
    """What one request of the mix costs at these per-1M-token prices."""
    return (input_tokens * exact(input_usd_per_mtok) + output_tokens * exact(output_usd_per_mtok)) / TOKENS_PER_MTOK


def blended_usd_per_mtok(input_tokens: int, output_tokens: int, input_usd_per_mtok: float,
                         output_usd_per_mtok: float) -> float:
    """One price per 1M tokens at the request mix: what 1M tokens of it cost, input and output together."""
    total = input_tokens + output_tokens
    if total < 1:
        raise ValueError("a request mix needs at least one token")
    return float(usd_per_request(input_tokens, output_tokens, input_usd_per_mtok, output_usd_per_mtok)
                 * TOKENS_PER_MTOK / total)


def api_monthly_cost_usd(monthly_requests: int, input_tokens: int, output_tokens: int,
                         input_usd_per_mtok: float, output_usd_per_mtok: float) -> float:
    """requests × (input tokens × input price + output tokens × output price) / 1,000,000."""
    if monthly_requests < 0:
        raise ValueError(f"monthly_requests must not be negative, got {monthly_requests}")
    return float(monthly_requests * usd_per_request(input_tokens, output_tokens, input_usd_per_mtok,
                                                    output_usd_per_mtok))


def gpu_monthly_cost_usd(usd_per_gpu_hour: float, gpu_count: int, hours_per_month: float) -> float:
    return float(exact(usd_per_gpu_hour) * gpu_count * exact(hours_per_month))


@dataclass(frozen=True)
class GpuCostRange:
    low: float | None
    high: float | None
    basis: str  # how the numbers were obtained, for the table's reader


def self_hosted_range(min_usd_per_gpu_hour: float | None, median_usd_per_gpu_hour: float | None,
                      gpu_count: int, hours_per_month: float, fixed_monthly_usd: float | None = None) -> GpuCostRange:
    """Monthly GPU cost, low from the cheapest and high from the median on-demand rate.

    A fixed monthly cost (a reservation, an on-prem price) replaces both when given.
    """
    if fixed_monthly_usd is not None:
        return GpuCostRange(float(fixed_monthly_usd), float(fixed_monthly_usd), "fixed gpu_monthly_cost_usd")
    if min_usd_per_gpu_hour is None or median_usd_per_gpu_hour is None:
        return GpuCostRange(None, None, "no on-demand rate for this GPU in the quarter")
    return GpuCostRange(gpu_monthly_cost_usd(min_usd_per_gpu_hour, gpu_count, hours_per_month),
                        gpu_monthly_cost_usd(median_usd_per_gpu_hour, gpu_count, hours_per_month),
                        "min / median on-demand usd_per_gpu_hour × gpu_count × hours_per_month")


def usd_per_mtok_output(monthly_gpu_cost: float | None, monthly_capacity_requests: int,
                        output_tokens: int) -> float | None:
    """GPU cost per 1M output tokens when the deployment serves its full monthly capacity."""
    if monthly_gpu_cost is None:
        return None
    mtok = Fraction(monthly_capacity_requests * output_tokens, TOKENS_PER_MTOK)
    return float(exact(monthly_gpu_cost) / mtok)


def monthly_capacity_requests(output_tokens_per_s: float, utilization: float, hours_per_month: float,
                              output_tokens: int) -> int:
    """Requests one replica serves in a month: floor(tokens/s × utilization × hours × 3600 / output tokens)."""
    return math.floor(output_tokens_per_s * utilization * hours_per_month * SECONDS_PER_HOUR / output_tokens)


def fits_in_memory(params_b: float, bytes_per_parameter: float, gpu_count: int,
                   gpu_memory_gb: float | None) -> tuple[bool | None, str]:
    """parameters × bytes per parameter × 1.2 ≤ gpu_count × GPU memory, and a note saying why."""
    if gpu_memory_gb is None:
        return None, "GPU memory unknown (not in the GPU registry)"
    need = exact(params_b) * exact(bytes_per_parameter) * MEMORY_OVERHEAD
    have = gpu_count * exact(gpu_memory_gb)
    if need <= have:
        return True, f"needs {float(need):.1f} GB of {float(have):.0f} GB"
    return False, (f"does not fit: {params_b:g}B parameters × {bytes_per_parameter:g} bytes × 1.2 = "
                   f"{float(need):.1f} GB > {gpu_count} × {gpu_memory_gb:g} GB = {float(have):.0f} GB")


def replicas(monthly_requests: int, monthly_capacity_requests: int) -> int:
    """Copies of a deployment needed to serve a volume (none for no traffic)."""
    if monthly_capacity_requests < 1:
        raise ValueError(f"capacity must be at least 1 request a month, got {monthly_capacity_requests}")
    return -(-monthly_requests // monthly_capacity_requests)


@dataclass(frozen=True)
class Tco:
    inference: float
    ml_engineering: float
    infrastructure: float
    monitoring: float
    replicas: int | None

    @property
    def total(self) -> float:
        return float(sum(exact(x) for x in (self.inference, self.ml_engineering, self.infrastructure,
                                            self.monitoring)))


def deployment_tco(monthly_requests: int, monthly_capacity_requests: int, gpu_monthly_cost: float,
                   ml_engineering: float, infrastructure: float, monitoring: float) -> Tco:
    """Inference = replicas × GPU monthly cost; the hidden costs are monthly, whatever the volume."""
    n = replicas(monthly_requests, monthly_capacity_requests)
    return Tco(float(n * exact(gpu_monthly_cost)), ml_engineering, infrastructure, monitoring, n)


def api_tco(monthly_cost: float, ml_engineering: float, infrastructure: float, monitoring: float) -> Tco:
    return Tco(monthly_cost, ml_engineering, infrastructure, monitoring, None)
