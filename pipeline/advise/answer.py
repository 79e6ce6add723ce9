"""`ledger advise` end to end: the published warehouse (read-only, so it works while a refresh
runs), a quarter, the inputs, the rules -> the answer of the JSON contract (docs/advise.md)."""

from __future__ import annotations

import duckdb

from pathlib import Path

from pipeline.advise import candidates, ranking, tables
from pipeline.advise.inputs import InputError, Inputs
from pipeline.advise.rules import Rule
from pipeline.advise.usage import read_usage, whole
from pipeline.core.paths import Paths
from pipeline.core.quarters import Quarter
from pipeline.core.warehouse import read_published

SCHEMA = "llm-ledger.advise/1"
HIDDEN_COSTS_NOTE = ("self-hosted costs include the deployment's hidden costs (ML engineering, infrastructure, "
                     "monitoring) in full every month; API options carry none (assumptions tco.api_hidden_costs)")


class AdviseError(RuntimeError):
    """Nothing to answer from: no warehouse, no such quarter, no token mix."""


def pick_quarter(con: duckdb.DuckDBPyConnection, wanted: str | None) -> str:
    found = tables.quarters(con)
    if not found:
        raise AdviseError("the published warehouse has no quarter with api_cost_at_scale, managed_inference or "
                          "self_hosted_cost rows (run `ledger refresh`)")
    if wanted is None:
        return found[-1]
    label = Quarter.parse(wanted).label
    if label not in found:
        raise AdviseError(f"no options computed for {label}; quarters in the warehouse: {', '.join(found)}")
    return label


def complete(inputs: Inputs, catalog: candidates.Catalog) -> Inputs:
    """The inputs with the quarter's default token mix where none was given."""
    if inputs.complete:
        return inputs
    if catalog.mix is None:
        raise InputError(f"no default token mix for {catalog.quarter} (run_assumptions has no request_mix): "
                         "give --input-tokens and --output-tokens")
    prov = catalog.mix["provenance"]
    return inputs.with_mix(catalog.mix["input_tokens"], catalog.mix["output_tokens"],
                           {"input_tokens": prov, "output_tokens": prov})


def from_usage(ask: dict, usage: dict) -> Inputs:
    """Inputs whose volume (unless given) and token mix come from a usage file (usage.read_usage)."""
    where = f"usage {usage['file']}"
    prov = {"input_tokens": f"{where}: mean {usage['columns'].get('input_tokens')} over {usage['requests']:,} requests",
            "output_tokens": f"{where}: mean {usage['columns'].get('output_tokens')} over {usage['requests']:,} requests",
            "requests_per_month": (f"{where}: {usage['requests']:,} requests in {usage['days']} day(s) "
                                   f"x {usage['hours_per_month']:g} h a month / 24")}
    if ask.get("requests_per_month") is not None:
        prov["requests_per_month"] = "--requests-per-month"
    rpm = ask.get("requests_per_month") or usage["requests_per_month"]
    return Inputs(**{**ask, "requests_per_month": max(1, rpm), "input_tokens": whole(usage["mean_input_tokens"]),
                     "output_tokens": max(1, whole(usage["mean_output_tokens"]))}, provenance=prov)


def answer(con: duckdb.DuckDBPyConnection, ask: dict, rules: list[Rule], quarter: str | None = None,
           usage_file: Path | None = None) -> tuple[dict, Inputs]:
    """(the answer of the JSON contract, the inputs as completed) for one quarter and `ask`: the
    keyword arguments of Inputs; with `usage_file`, the volume and mix come from that file."""
    catalog = candidates.load(con, pick_quarter(con, quarter))
    usage = None
    if usage_file is not None:
        usage = read_usage(usage_file, catalog.hours_per_month or 730)
        inputs = from_usage(ask, usage)
    else:
        if ask.get("requests_per_month") is None:
            raise InputError("requests_per_month is required (--requests-per-month N, or --usage FILE)")
        inputs = Inputs(**ask, provenance={k: f"--{k.replace('_', '-')}" for k in
                                           ("requests_per_month", "input_tokens", "output_tokens")
                                           if ask.get(k) is not None})
    inputs = complete(inputs, catalog)
    body = ranking.rank(catalog.candidates, rules, inputs)
    notes = [*catalog.notes, HIDDEN_COSTS_NOTE]
    if not body["options"]:
        notes.append("no option is left after the rules: every priced option is excluded (see excluded)")
    return {"schema": SCHEMA, "quarter": catalog.quarter, "provisional": catalog.provisional,
            "inputs": {**inputs.as_dict(), "usage": usage},
            "active_rules": [r.rule_id for r in rules if r.active(inputs)],
            "options": body["options"], "excluded": body["excluded"],
            "unpriced": [*catalog.unpriced, *body["unpriced"]], "notes": notes}, inputs


def history(con: duckdb.DuckDBPyConnection, inputs: Inputs, rules: list[Rule]) -> list[dict]:
    """The top option and its cost in every quarter, with the same inputs (`inputs` as answered:
    volume and token mix fixed, so the quarters differ only by their data)."""
    out = []
    for quarter in tables.quarters(con):
        catalog = candidates.load(con, quarter)
        body = ranking.rank(catalog.candidates, rules, inputs)
        top = body["options"][0] if body["options"] else None
        out.append({"quarter": quarter, "provisional": catalog.provisional, "options": len(body["options"]),
                    "excluded": len(body["excluded"]),
                    "top": {k: top[k] for k in ("key", "kind", "id", "provider", "model", "monthly_cost_usd", "tier",
                                                "openness", "evidence")} if top else None})
    return out


def advise_published(paths: Paths, ask: dict, rules: list[Rule], quarter: str | None = None,
                     with_history: bool = False, usage_file: Path | None = None) -> dict:
    """`answer` (and `history`) from the published warehouse, opened read-only."""
    with read_published(paths) as con:
        if con is None:
            raise AdviseError(f"nothing published yet: {paths.db} does not exist (run `ledger refresh`)")
        result, inputs = answer(con, ask, rules, quarter, usage_file)
        if with_history:
            result["history"] = history(con, inputs, rules)
        return result
