"""Options ranked by monthly cost at the caller's volume and token mix, after the rules. Pure.

Each candidate is judged by the active rules (pipeline/advise/rules.py): excluded ones are listed
with the first rule that excludes them (and any others), the rest are ranked cheapest first (ties:
closed API, managed, self-hosted, then by key), each with the crossover against the next one.
The report's calculator (templates/calculator.js) ports this file: keep the two in step.
"""

from __future__ import annotations

from pipeline.advise import costs
from pipeline.advise.candidates import KIND_ORDER
from pipeline.advise.rules import Rule, judge


def _unservable(c: dict, inputs) -> str | None:
    if c["kind"] == "self_hosted" and costs.capacity_requests(c, inputs) < 1:
        return (f"one replica serves {c['hosting']['capacity_output_tokens']:,} output tokens a month, "
                f"fewer than one request of {inputs.output_tokens:,}")
    return None


def rank(candidates: list[dict], rules: list[Rule], inputs) -> dict:
    """{"options": ranked and kept, "excluded": ruled out with the rule and evidence,
    "unpriced": options this mix cannot price}: the answer's body (docs/advise.md)."""
    volume = inputs.requests_per_month
    kept, excluded, unpriced = [], [], []
    for c in candidates:
        reason = _unservable(c, inputs)
        if reason:
            unpriced.append({"key": c["key"], "kind": c["kind"], "id": c["id"], "provider": c["provider"],
                             "reason": reason})
            continue
        verdict = judge(c, rules, inputs)
        cost = costs.monthly_cost(c, volume, inputs)
        if verdict["exclusions"]:
            first, *others = verdict["exclusions"]
            excluded.append({"key": c["key"], "kind": c["kind"], "id": c["id"], "provider": c["provider"],
                             "model": c["model"], "monthly_cost_usd": cost, "rule": first["rule"],
                             "also": [o["rule"] for o in others], "evidence": first["evidence"],
                             "option_evidence": c["evidence"]})
            continue
        kept.append((cost, c, verdict))
    kept.sort(key=lambda t: (t[0], KIND_ORDER.index(t[1]["kind"]), t[1]["key"]))
    options = []
    for i, (cost, c, verdict) in enumerate(kept):
        nxt = kept[i + 1][1] if i + 1 < len(kept) else None
        options.append({
            "rank": i + 1, "key": c["key"], "kind": c["kind"], "id": c["id"], "provider": c["provider"],
            "model": c["model"], "monthly_cost_usd": cost, "cost": costs.breakdown(c, volume, inputs),
            "tier": c["facts"]["tier"], "tier_for_task": verdict["task_tier"],
            "openness": c["facts"]["openness"], "weights_open": c["facts"]["weights_open"],
            "license": c["facts"]["license"], "excluded": False,
            "crossover": costs.crossover(c, nxt, inputs) if nxt else None,
            "credits": verdict["credits"], "notes": verdict["notes"], "evidence": c["evidence"]})
    return {"options": options, "excluded": excluded, "unpriced": unpriced}
