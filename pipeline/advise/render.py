"""The answer of `ledger advise` as text for a terminal (`--format json` prints the contract itself)."""

from __future__ import annotations

from collections import defaultdict

CROSS = {"above": "next is cheaper from {n:,} requests/month", "below": "next is cheaper at {n:,} requests/month"}


def usd(v: float | None) -> str:
    if v is None:
        return "–"
    return f"${v:,.0f}" if abs(v) >= 100 else f"${v:,.2f}"


def label(o: dict) -> str:
    if o["kind"] == "self_hosted":
        return f"{o['id']} ({o.get('model') or 'model not named'})"
    return f"{o['id']} @ {o['provider']}"


def _crossing(o: dict) -> str:
    c = o.get("crossover")
    if c is None:
        return ""
    if c["requests_per_month"] is None:
        return "next is never cheaper" if c["direction"] is None else ""
    return CROSS[c["direction"]].format(n=c["requests_per_month"])


def _constraints(i: dict) -> str:
    words = [w for flag, w in (("data_in_house", "data stays in house"), ("no_ml_ops", "no ML-ops team"),
                               ("edge", "runs on the edge device"), ("vendor_independence", "vendor independence"))
             if i.get(flag)]
    if i.get("fine_tune"):
        words.append(f"{i['fine_tune']} fine-tuning")
    if i.get("monthly_active_users") is not None:
        words.append(f"{i['monthly_active_users']:,} monthly active users")
    if i.get("task"):
        words.append(f"{i['task']} task")
    if i.get("min_tier"):
        words.append(f"tier {i['min_tier']} or better")
    return ", ".join(words) or "none"


def _table(options: list[dict], limit: int) -> list[str]:
    head = f" {'#':>3}  {'option':<52} {'kind':<11} {'USD/month':>11}  tier  {'openness':<23} crossover with the next"
    lines = [head]
    for o in options[:limit]:
        tier = "–" if o["tier"] is None else str(o["tier"])
        if o["tier_for_task"] is not None and o["tier_for_task"] != o["tier"]:
            tier += f"→{o['tier_for_task']}"
        lines.append(f" {o['rank']:>3}  {label(o)[:52]:<52} {o['kind']:<11} {usd(o['monthly_cost_usd']):>11}  "
                     f"{tier:<5} {(o['openness'] or 'unknown'):<23} {_crossing(o)}".rstrip())
    if len(options) > limit:
        lines.append(f"      … {len(options) - limit} more (--limit N, or --format json for all)")
    return lines


def _excluded(excluded: list[dict]) -> list[str]:
    by_rule: dict[str, list[dict]] = defaultdict(list)
    for e in excluded:
        by_rule[e["rule"]].append(e)
    lines = []
    for rule, group in by_rule.items():
        first = group[0]["evidence"][0]
        lines.append(f"  {rule} ({len(group)}): {first['explanation']}")
        lines.append(f"    citation: {first['citation']}")
        clauses: dict[tuple, list[str]] = defaultdict(list)
        for e in group:
            for item in e["evidence"]:
                if item.get("what") == "license_clause":
                    clauses[(item["license_id"], item["source_url"], item["version_sha256"], item["first_seen"],
                             item["passage"])].append(label(e))
        for (license_id, url, sha, seen, passage), names in clauses.items():
            lines.append(f"    {license_id} ({url}, version {str(sha)[:12]}, first seen {str(seen)[:10]}): "
                         f"\"{passage}\"")
            lines.append(f"      excludes {', '.join(sorted(set(names)))}")
        if not clauses:
            names = sorted({label(e) for e in group})
            shown = ", ".join(names[:8]) + (f", … ({len(names) - 8} more)" if len(names) > 8 else "")
            lines.append(f"    excludes {shown}")
    return lines


def _short(text: str, width: int = 110) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def render_text(result: dict, limit: int = 10) -> str:
    i = result["inputs"]
    prov = i.get("provenance", {})
    out = [f"ledger advise · {result['quarter']}{' (provisional)' if result['provisional'] else ''} · "
           f"{i['requests_per_month']:,} requests/month · {i['input_tokens']:,} input + {i['output_tokens']:,} "
           f"output tokens per request",
           f"  volume from {_short(prov.get('requests_per_month', '?'))}",
           f"  token mix from {_short(prov.get('input_tokens', '?'))}",
           f"  constraints: {_constraints(i)}"]
    usage = i.get("usage")
    if usage:
        out.append(f"  usage file: {usage['rows_used']:,} of {usage['rows']:,} rows used, {usage['requests']:,} "
                   f"requests over {usage['days']} day(s); p95 tokens in/out: {usage['p95_input_tokens']} / "
                   f"{usage['p95_output_tokens']}{' (' + usage['p95_note'] + ')' if usage['p95_note'] else ''}")
        for bad in usage["bad"]:
            out.append(f"    bad row {bad['where']}: {bad['reason']}")
        if usage["bad_rows"] > len(usage["bad"]):
            out.append(f"    … {usage['bad_rows'] - len(usage['bad'])} more bad rows")
    out.append("")
    out += _table(result["options"], limit) if result["options"] else ["  no option is left after the rules"]
    if result["excluded"]:
        out += ["", f"Excluded ({len(result['excluded'])}):", *_excluded(result["excluded"])]
    if result["unpriced"]:
        out += ["", f"Not priced this quarter ({len(result['unpriced'])}):"]
        out += [f"  {u['key']}: {u['reason']}" for u in result["unpriced"]]
    out += ["", "Notes:", *(f"  - {n}" for n in result["notes"])]
    if "history" in result:
        out += ["", "History (top option per quarter, same inputs):"]
        for h in result["history"]:
            top = h["top"]
            what = f"{label(top):<52} {top['kind']:<11} {usd(top['monthly_cost_usd']):>11}" if top else "no option left"
            out.append(f"  {h['quarter']}{'*' if h['provisional'] else ' '} {what}")
        out.append("  (* provisional: the quarter is still running)")
    return "\n".join(out)
