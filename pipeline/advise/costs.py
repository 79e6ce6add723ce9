"""Monthly cost of an option at a volume and token mix, and where two options cross. Pure.

An API option (closed or managed) costs requests × usd_per_request, where usd_per_request =
(input tokens × input price + output tokens × output price) / 1M. A self-hosted deployment costs
replicas × its GPU monthly cost (median on-demand rate) + its hidden costs (ML engineering,
infrastructure, monitoring: fixed per month, from the assumptions), where replicas =
ceil(requests / capacity) and capacity = floor(output tokens it serves a month / output tokens
per request): decode throughput bounds a deployment, so a longer answer lowers its capacity and
a longer prompt does not (the marts' own rule, self_hosted_cost.monthly_capacity_requests).

Every option is piecewise linear in the volume (an API is one piece; a deployment is flat within
each block of `capacity` requests), so the crossover of two options is found piece by piece,
exactly, without sampling volumes. The report's calculator (templates/calculator.js) does the same
arithmetic in the same order, so both give the same figures to the last bit.
"""

from __future__ import annotations

import math

TOKENS_PER_MTOK = 1_000_000
MAX_PIECES = 10_000  # blocks walked when looking for a crossover before giving up (say so)


def usd_per_request(c: dict, inputs) -> float:
    p = c["pricing"]
    return (inputs.input_tokens * p["input_usd_per_mtok"] + inputs.output_tokens * p["output_usd_per_mtok"]) \
        / TOKENS_PER_MTOK


def capacity_requests(c: dict, inputs) -> int:
    """Requests a month one replica serves at this output length (0: not even one)."""
    return math.floor(c["hosting"]["capacity_output_tokens"] / inputs.output_tokens)


def monthly_cost(c: dict, requests: int, inputs) -> float:
    if c["kind"] != "self_hosted":
        return requests * usd_per_request(c, inputs)
    h = c["hosting"]
    return math.ceil(requests / capacity_requests(c, inputs)) * h["monthly_gpu_cost_usd"] + h["hidden_costs_usd"]


def breakdown(c: dict, requests: int, inputs) -> dict:
    """The parts of an option's monthly cost, for the answer."""
    if c["kind"] != "self_hosted":
        return {"usd_per_request": usd_per_request(c, inputs), "requests_per_month": requests,
                **{k: c["pricing"][k] for k in ("input_usd_per_mtok", "output_usd_per_mtok")}}
    h, capacity = c["hosting"], capacity_requests(c, inputs)
    return {"replicas": math.ceil(requests / capacity), "capacity_requests_per_replica": capacity,
            "gpu_monthly_cost_usd": h["monthly_gpu_cost_usd"], "gpu_monthly_cost_low_usd": h.get("monthly_gpu_cost_low_usd"),
            "hidden_costs_usd": h["hidden_costs_usd"]}


def marginal_usd_per_request(c: dict, inputs) -> float:
    """What one more request costs at scale: the API price, or a replica's cost per request served."""
    if c["kind"] != "self_hosted":
        return usd_per_request(c, inputs)
    return c["hosting"]["monthly_gpu_cost_usd"] / capacity_requests(c, inputs)


def _piece(c: dict, v: int, inputs) -> tuple[float, float, float, float]:
    """(slope, intercept, first volume, last volume) of the linear piece holding volume v."""
    if c["kind"] != "self_hosted":
        return usd_per_request(c, inputs), 0.0, 1, math.inf
    h, capacity = c["hosting"], capacity_requests(c, inputs)
    k = math.ceil(v / capacity)
    return 0.0, k * h["monthly_gpu_cost_usd"] + h["hidden_costs_usd"], (k - 1) * capacity + 1, k * capacity


def _cheaper(a: dict, b: dict, v: int, inputs) -> bool:
    return monthly_cost(b, v, inputs) < monthly_cost(a, v, inputs)


def _search_up(a: dict, b: dict, v: int, inputs) -> int | None:
    """The smallest volume above v at which b costs less than a."""
    x = v + 1
    for _ in range(MAX_PIECES):
        sa, ia, _, ea = _piece(a, x, inputs)
        sb, ib, _, eb = _piece(b, x, inputs)
        end = min(ea, eb)
        if _cheaper(a, b, x, inputs):
            return x
        slope = sa - sb
        if slope > 0:  # a - b grows along the piece: it turns positive past (ib - ia) / slope
            guess = max(x + 1, math.floor((ib - ia) / slope) + 1)
            for y in (guess, guess + 1):  # the division may round one short
                if y <= end and _cheaper(a, b, y, inputs):
                    return y
        if end == math.inf:
            return None
        x = end + 1
    return None


def _search_down(a: dict, b: dict, v: int, inputs) -> int | None:
    """The largest volume below v at which b costs less than a."""
    x = v - 1
    for _ in range(MAX_PIECES):
        if x < 1:
            return None
        sa, ia, fa, _ = _piece(a, x, inputs)
        sb, ib, fb, _ = _piece(b, x, inputs)
        first = max(fa, fb)
        if _cheaper(a, b, x, inputs):
            return x
        slope = sa - sb
        if slope < 0:  # a - b grows as the volume falls: positive below (ib - ia) / slope
            guess = min(x - 1, math.ceil((ib - ia) / slope) - 1)
            for y in (guess, guess - 1):
                if y >= first and y >= 1 and _cheaper(a, b, y, inputs):
                    return y
        x = first - 1
    return None


def crossover(a: dict, b: dict, inputs) -> dict:
    """Where `b`, ranked just after `a` at the inputs' volume, becomes the cheaper of the two: above
    the volume when b costs less per request at scale, else below it (a's fixed costs)."""
    v = inputs.requests_per_month
    if marginal_usd_per_request(b, inputs) < marginal_usd_per_request(a, inputs):
        direction, found = "above", _search_up(a, b, v, inputs)
    else:
        direction, found = "below", _search_down(a, b, v, inputs)
    return {"next": b["key"], "direction": direction if found is not None else None, "requests_per_month": found}
