"""A quarter's options, built from the published tables: every closed-weight model × provider of
`api_cost_at_scale`, every open-weight model × provider of `managed_inference` (when the marts
have it), every deployment of `self_hosted_cost`; each with its quality tier (`quality_tiers`),
openness (`openness_spectrum`), license clauses (`licenses`) and the provenance of each number.

A candidate is a plain JSON-able dict, the same one the report's calculator embeds, so that
`ledger advise` and the page rank exactly the same data. Open-weight rows of api_cost_at_scale
are left to managed_inference (said in the notes), so one hosted open model is never counted
twice or under the wrong kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb

from pipeline.advise import tables
from pipeline.core.quarters import Quarter
from pipeline.core.warehouse import table_columns
from pipeline.marts.assumptions import BYTES_PER_PARAMETER
from pipeline.marts.costs import MEMORY_OVERHEAD

KIND_ORDER = ("closed_api", "managed", "self_hosted")
LICENSE_FACTS = ("license_id", "document", "source_url", "version_sha256", "first_seen", "commercial_use",
                 "non_commercial", "non_commercial_evidence", "mau_threshold", "mau_threshold_evidence",
                 "attribution_required", "aup_by_reference", "output_use_terms", "osi_approved")


@dataclass
class Catalog:
    quarter: str
    provisional: bool
    candidates: list[dict] = field(default_factory=list)
    unpriced: list[dict] = field(default_factory=list)  # options the quarter cannot price, with why
    notes: list[str] = field(default_factory=list)
    mix: dict | None = None  # the quarter's default token mix and where it comes from
    hours_per_month: float | None = None


def plain(value):
    """A value as JSON has it (dates as ISO text)."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


class _Facts:
    """The quarter's per-model facts shared by every kind of option."""

    def __init__(self, con: duckdb.DuckDBPyConnection, quarter: str):
        self.quarter = quarter
        self.end = Quarter.parse(quarter).end
        self.tiers = tables.by_model(con, tables.TIER_TABLE, quarter)
        self.spectrum = tables.by_model(con, "openness_spectrum", quarter)
        self.registry = tables.registry(con)
        self.licenses = tables.licenses(con)
        self.fetches = tables.fetches(con)

    def fetch(self, fetch_id: str | None) -> dict:
        f = self.fetches.get(fetch_id) or {}
        return {"fetch_id": fetch_id, "url": f.get("url"), "provenance": f.get("provenance"),
                "observed_at": plain(f.get("observed_at")), "mode": f.get("mode")}

    def license(self, model: str) -> dict | None:
        s = self.spectrum.get(model) or {}
        found = self.licenses.get((s.get("license_source_url"), s.get("license_version_sha256")))
        license_id = s.get("license_id") or (self.registry.get(model) or {}).get("license_id")
        if found is None and license_id:  # no version named: the newest license text seen by the quarter's end
            seen = [r for r in self.licenses.values() if r.get("license_id") == license_id
                    and r.get("document", "license") == "license" and r.get("first_seen") and r["first_seen"] < self.end]
            found = max(seen, key=lambda r: r["first_seen"], default=None)
        return {k: plain(found.get(k)) for k in LICENSE_FACTS} if found else None

    def model(self, model: str | None, params_b: float | None = None) -> tuple[dict, list[dict]]:
        """(facts, evidence) of a model: tier, openness, weights, parameters, license."""
        tier, s, reg = self.tiers.get(model) or {}, self.spectrum.get(model) or {}, self.registry.get(model) or {}
        weights = s["weights_open"] if s.get("weights_open") is not None else reg.get("weights_open")
        lic = self.license(model) if model else None
        facts = {"tier": tier.get("tier"), "tier_label": tier.get("tier_label"), "openness": s.get("category"),
                 "weights_open": weights, "params_b": params_b if params_b is not None else reg.get("params_b"),
                 "license": lic}
        evidence = []
        if tier:
            evidence.append({"what": "tier", "table": tables.TIER_TABLE, "quarter": self.quarter, "tier": tier["tier"],
                             "metric": tier.get("metric"), "score": tier.get("score"),
                             "gap_to_best": tier.get("gap_to_best"), "assumptions_hash": tier.get("assumptions_hash")})
        if s:
            evidence.append({"what": "openness", "table": "openness_spectrum", "quarter": self.quarter,
                             "category": s.get("category"), "license_id": s.get("license_id"),
                             "detail": s.get("evidence"), "citation": s.get("artifact_citation")})
        elif reg:
            evidence.append({"what": "openness", "table": "models", "weights_open": reg.get("weights_open"),
                             "citation": reg.get("citation")})
        if lic:
            evidence.append({"what": "license", "table": "licenses", **{k: lic[k] for k in (
                "license_id", "source_url", "version_sha256", "first_seen")}})
        return facts, evidence


def _key(kind: str, ident: str, provider: str | None, variant: str | None = None) -> str:
    return f"{kind}:{ident}" + (f"@{provider}" if provider else "") + (f"#{variant}" if variant else "")


def _closed(con, quarter: str, facts: _Facts, catalog: Catalog) -> None:
    citations = tables.price_citations(con, quarter)
    open_rows = 0
    for r in tables.api_prices(con, quarter):
        model = r["canonical_model"]
        info, evidence = facts.model(model)
        if info["weights_open"] is True:
            open_rows += 1
            continue
        price = {"what": "price", "table": "api_cost_at_scale", "quarter": quarter, "source": r["source"],
                 "source_model_id": r["source_model_id"], "input_usd_per_mtok": r["input_usd_per_mtok"],
                 "output_usd_per_mtok": r["output_usd_per_mtok"], **facts.fetch(r["fetch_id"]),
                 "citation": citations.get((model, r["provider"], r["fetch_id"]))}
        price["observed_at"] = plain(r["observed_at"])
        catalog.candidates.append({
            "key": _key("closed_api", model, r["provider"]), "kind": "closed_api", "id": model,
            "provider": r["provider"], "model": model, "is_reference": r["is_reference"],
            "pricing": {"input_usd_per_mtok": r["input_usd_per_mtok"], "output_usd_per_mtok": r["output_usd_per_mtok"]},
            "hosting": None, "facts": info, "evidence": [price, *evidence]})
    if open_rows:
        catalog.notes.append(f"{open_rows} open-weight model × provider price(s) of api_cost_at_scale are offered "
                             "through managed_inference (managed options), not as closed APIs")


def _managed(con, quarter: str, facts: _Facts, catalog: Catalog) -> None:
    if not table_columns(con, "managed_inference"):
        catalog.notes.append("managed_inference is not in this warehouse: managed open-weight API options are absent")
        return
    found = tables.quarter_rows(con, "managed_inference", quarter)
    if not found:
        catalog.notes.append(f"managed_inference has no rows for {quarter}: managed open-weight API options are absent")
    for r in found:
        model, provider = r.get("canonical_model"), r.get("provider")
        variant = r.get("quantization") or r.get("variant")
        info, evidence = facts.model(model)
        key = _key("managed", model, provider, variant)
        pin, pout = r.get("input_usd_per_mtok"), r.get("output_usd_per_mtok")
        if pin is None or pout is None:
            catalog.unpriced.append({"key": key, "kind": "managed", "id": model, "provider": provider,
                                     "reason": "no separate input and output price in managed_inference"})
            continue
        price = {"what": "price", "table": "managed_inference", "quarter": quarter, "source": r.get("source"),
                 "input_usd_per_mtok": pin, "output_usd_per_mtok": pout, "quantization": r.get("quantization"),
                 "is_cheapest": r.get("is_cheapest"), "providers_offering": r.get("providers_offering"),
                 "assumptions_hash": r.get("assumptions_hash"), **facts.fetch(r.get("fetch_id"))}
        if r.get("observed_at") is not None:
            price["observed_at"] = plain(r["observed_at"])
        catalog.candidates.append({
            "key": key, "kind": "managed", "id": model, "provider": provider, "model": model,
            "quantization": r.get("quantization"), "pricing": {"input_usd_per_mtok": pin, "output_usd_per_mtok": pout},
            "hosting": None, "facts": info, "evidence": [price, *evidence]})


def _self_hosted(con, quarter: str, facts: _Facts, catalog: Catalog, docs: dict) -> None:
    offers = tables.gpu_offers(con, quarter)
    for r in tables.quarter_rows(con, "self_hosted_cost", quarter):
        key, model = _key("self_hosted", r["deployment"], None), r.get("model")
        doc = docs.get(r.get("assumptions_hash")) or {}
        out_tokens = (doc.get("request_mix") or {}).get("output_tokens")
        reason = (f"no on-demand rate for {r['gpu']} in {quarter}" if r.get("monthly_gpu_cost_high") is None else
                  f"does not fit its GPUs ({r.get('note')})" if r.get("fits_in_memory") is False else
                  f"assumptions {r.get('assumptions_hash')} not in run_assumptions" if not out_tokens else None)
        if reason:
            catalog.unpriced.append({"key": key, "kind": "self_hosted", "id": r["deployment"], "provider": None,
                                     "reason": reason})
            continue
        info, evidence = facts.model(model, r.get("model_size_b"))
        info["precision"] = r.get("precision")
        bytes_per = BYTES_PER_PARAMETER.get(r.get("precision"))
        info["weights_gb"] = (float(r["model_size_b"] * bytes_per * float(MEMORY_OVERHEAD))
                              if bytes_per and r.get("model_size_b") else None)
        cite = next((d.get("citations", {}) for d in doc.get("deployments", []) if d.get("id") == r["deployment"]), {})
        h = r.get("assumptions_hash")
        cost = {"what": "self_hosted_cost", "table": "self_hosted_cost", "quarter": quarter,
                "deployment": r["deployment"], "gpu": r["gpu"], "gpu_count": r["gpu_count"],
                "median_usd_per_gpu_hour": r.get("median_usd_per_gpu_hour"), "gpu_offers": r.get("gpu_offers"),
                "detail": f"{r.get('cost_basis')}; {r.get('note')}", "assumptions_hash": h,
                "throughput_basis": r.get("throughput_basis")}
        rates = [{"what": "gpu_rate", "table": "gpu_rates", "quarter": quarter, "gpu": r["gpu"], "source": o["source"],
                  "offers": o["offers"], **facts.fetch(o["fetch_id"]), "observed_at": plain(o["observed_at"])}
                 for o in offers.get(r["gpu"], [])]
        capacity = {"what": "capacity", "assumptions_hash": h, "requests_per_month": r["monthly_capacity_requests"],
                    "output_tokens": out_tokens, "citation": cite.get("throughput_output_tokens_per_s")}
        hidden = {"what": "hidden_costs", "assumptions_hash": h, "usd_per_month": r["hidden_costs_usd"],
                  "citation": cite.get("hidden_costs")}
        catalog.candidates.append({
            "key": key, "kind": "self_hosted", "id": r["deployment"], "provider": None, "model": model,
            "pricing": None,
            "hosting": {"monthly_gpu_cost_usd": r["monthly_gpu_cost_high"],
                        "monthly_gpu_cost_low_usd": r.get("monthly_gpu_cost_low"),
                        "hidden_costs_usd": r["hidden_costs_usd"], "gpu": r["gpu"], "gpu_count": r["gpu_count"],
                        "capacity_output_tokens": r["monthly_capacity_requests"] * out_tokens},
            "facts": info, "evidence": [cost, *rates, capacity, hidden, *evidence]})


def _mix(con, quarter: str, docs: dict, catalog: Catalog) -> None:
    hashes = [r.get("assumptions_hash") for t in ("api_cost_at_scale", "self_hosted_cost")
              for r in tables.rows(con, t, f'SELECT DISTINCT assumptions_hash FROM "{t}" WHERE quarter = ?', [quarter],
                                   needs=("assumptions_hash",))]
    for h in hashes:
        doc = docs.get(h) or {}
        mix = doc.get("request_mix") or {}
        if mix.get("input_tokens") is not None and mix.get("output_tokens") is not None:
            cite = (doc.get("citations") or {}).get("request_mix")
            catalog.mix = {"input_tokens": mix["input_tokens"], "output_tokens": mix["output_tokens"],
                           "provenance": f"assumptions {h} request_mix ({doc.get('source')}): {cite}"}
            catalog.hours_per_month = doc.get("hours_per_month")
            return


def load(con: duckdb.DuckDBPyConnection, quarter: str) -> Catalog:
    """Every option of `quarter` the published tables can price, and those they cannot, with why."""
    facts, docs = _Facts(con, quarter), tables.assumptions(con)
    flags = [r["provisional"] for t in ("api_cost_at_scale", "self_hosted_cost")
             for r in tables.rows(con, t, f'SELECT bool_or(provisional) AS provisional FROM "{t}" WHERE quarter = ?',
                                  [quarter], needs=("provisional",))]
    catalog = Catalog(quarter, any(bool(f) for f in flags))
    _closed(con, quarter, facts, catalog)
    _managed(con, quarter, facts, catalog)
    _self_hosted(con, quarter, facts, catalog, docs)
    _mix(con, quarter, docs, catalog)
    _unique_keys(catalog.candidates)
    catalog.candidates.sort(key=lambda c: (KIND_ORDER.index(c["kind"]), c["key"]))
    return catalog


def _unique_keys(found: list[dict]) -> None:
    """Keys must tell options apart (the page and the answer match on them): a second row for the
    same kind, model, provider and variant (a table that grew a column this module does not read)
    is numbered rather than merged or dropped."""
    seen: dict[str, int] = {}
    for c in found:
        n = seen[c["key"]] = seen.get(c["key"], 0) + 1
        if n > 1:
            c["key"] = f"{c['key']}~{n}"
