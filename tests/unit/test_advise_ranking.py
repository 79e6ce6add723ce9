"""Ranking: cheapest first after the rules, ties broken by kind then key, exclusions listed with
their first rule and the others, and a deployment that cannot serve one request left unpriced."""

from __future__ import annotations

from pipeline.advise.inputs import Inputs
from pipeline.advise.ranking import rank
from pipeline.advise.rules import load_rules


def facts(tier=3, weights=False, license=None, params=None) -> dict:
    return {"tier": tier, "openness": "fully_closed" if not weights else "open_weight_permissive",
            "weights_open": weights, "params_b": params, "license": license, "weights_gb": None}


def api(kind: str, model: str, provider: str, pin: float, pout: float, **kw) -> dict:
    return {"key": f"{kind}:{model}@{provider}", "kind": kind, "id": model, "provider": provider, "model": model,
            "pricing": {"input_usd_per_mtok": pin, "output_usd_per_mtok": pout}, "hosting": None,
            "facts": facts(**kw), "evidence": [{"what": "price", "table": "api_cost_at_scale"}]}


def hosted(ident: str, gpu: float, hidden: float, capacity_tokens: int, **kw) -> dict:
    return {"key": f"self_hosted:{ident}", "kind": "self_hosted", "id": ident, "provider": None, "model": "m/open",
            "pricing": None, "facts": facts(weights=True, **kw), "evidence": [],
            "hosting": {"monthly_gpu_cost_usd": gpu, "monthly_gpu_cost_low_usd": gpu / 2, "hidden_costs_usd": hidden,
                        "capacity_output_tokens": capacity_tokens}}


CANDIDATES = [
    api("closed_api", "v/big", "v", 3.0, 15.0, tier=1),
    api("closed_api", "v/small", "z-router", 0.5, 1.5),
    api("closed_api", "v/small", "v", 0.5, 1.5),
    api("managed", "o/open", "host", 0.5, 1.5, weights=True, params=70),
    hosted("box", 1500.0, 2000.0, 3_000_000_000, params=70),
]


def ask(v: int, **kw) -> Inputs:
    return Inputs(requests_per_month=v, input_tokens=1000, output_tokens=1000, **kw)


def test_cheapest_first_with_ties_by_kind_then_key_and_each_crossover_against_the_next():
    out = rank(CANDIDATES, load_rules(), ask(1_000_000))
    assert [(o["rank"], o["key"], o["monthly_cost_usd"]) for o in out["options"]] == [
        (1, "closed_api:v/small@v", 2000.0), (2, "closed_api:v/small@z-router", 2000.0),
        (3, "managed:o/open@host", 2000.0), (4, "self_hosted:box", 3500.0), (5, "closed_api:v/big@v", 18000.0)]
    first, _, managed, box, _ = out["options"]
    assert first["crossover"] == {"next": "closed_api:v/small@z-router", "direction": None, "requests_per_month": None}
    # $0.002 a request against $1,500 a replica of 3M requests + $2,000: cheaper from 1,750,001 requests.
    assert managed["crossover"] == {"next": "self_hosted:box", "direction": "above", "requests_per_month": 1_750_001}
    assert box["cost"] == {"replicas": 1, "capacity_requests_per_replica": 3_000_000, "gpu_monthly_cost_usd": 1500.0,
                           "gpu_monthly_cost_low_usd": 750.0, "hidden_costs_usd": 2000.0}
    assert out["options"][-1]["crossover"] is None and out["excluded"] == [] and out["unpriced"] == []


def test_excluded_options_carry_their_cost_first_rule_and_the_other_rules():
    out = rank(CANDIDATES, load_rules(), ask(1_000_000, data_in_house=True, vendor_independence=True, task="complex"))
    assert [o["key"] for o in out["options"]] == []
    by_key = {e["key"]: e for e in out["excluded"]}
    big = by_key["closed_api:v/big@v"]
    assert (big["rule"], big["also"], big["monthly_cost_usd"]) == ("data_in_house", ["vendor_independence"], 18000.0)
    assert big["evidence"][0]["rule"] == "data_in_house" and "30 days" in big["evidence"][0]["citation"]
    assert (by_key["self_hosted:box"]["rule"], by_key["self_hosted:box"]["also"]) == ("task_complex", [])


def test_a_deployment_that_cannot_serve_one_request_is_unpriced_not_ranked():
    out = rank([hosted("tiny", 10.0, 0.0, 500)], load_rules(), ask(10))
    assert out["options"] == [] and out["unpriced"][0]["key"] == "self_hosted:tiny"
    assert "fewer than one request of 1,000" in out["unpriced"][0]["reason"]
