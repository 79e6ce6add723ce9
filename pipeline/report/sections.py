"""The latest quarter's tables, in the shapes the public guides print them, every number linked
to its provenance entry. Each section is data (cells.Table or cells.Missing); the templates in
templates/ write the HTML."""

from __future__ import annotations

import duckdb
import polars as pl

from pipeline.core.quarters import Quarter
from pipeline.report import data
from pipeline.report.cells import Cell, Missing, Table, number, text
from pipeline.report.provenance import Entry, Provenance
from pipeline.report.svg import compact


def usd(v: float) -> str:
    if abs(v) >= 100:
        return f"${v:,.0f}"
    # Cents where cents say it all ($0.30), else three significant digits ($0.075).
    return f"${v:,.2f}" if abs(v) >= 1 or round(v, 2) == v else f"${v:.3g}"


def count(v: float) -> str:
    return f"{v:,.0f}"


def score(v: float) -> str:
    return f"{v:.1f}"


class Inputs:
    """Provenance entries of the quarter's inputs, shared by the sections."""

    def __init__(self, con: duckdb.DuckDBPyConnection, quarter: str, prov: Provenance):
        self.prov = prov
        api = data.read(con, "api_cost_at_scale",
                        "SELECT DISTINCT canonical_model, source, observed_at, fetch_id FROM api_cost_at_scale "
                        "WHERE quarter = ? AND is_reference", [quarter], needs=("is_reference",))
        self.prices = {r["canonical_model"]: prov.fetch(r["fetch_id"], r["source"], r["observed_at"])
                       for r in api.iter_rows(named=True)}
        self.gpus: dict[str, Entry] = {}
        rates = data.gpu_inputs(con, quarter)
        for gpu in rates["gpu"].unique().sort().to_list() if not rates.is_empty() else []:
            found = [prov.fetch(r["fetch_id"], r["source"], r["observed_at"])
                     for r in rates.filter(pl.col("gpu") == gpu).iter_rows(named=True)]
            self.gpus[gpu] = prov.derived(f"{gpu} on-demand USD per GPU-hour (min / median over offers)", found)
        self.scores: dict[str, list[Entry]] = {}
        for r in data.benchmark_inputs(con, quarter).iter_rows(named=True):
            self.scores.setdefault(r["canonical_model"], []).append(
                prov.fetch(r["fetch_id"], r["source"], r["observed_at"]))
        hashes = data.read(con, "run_assumptions", "SELECT assumptions_hash, source FROM run_assumptions")
        self.origins = dict(hashes.iter_rows()) if not hashes.is_empty() else {}

    def assumptions(self, assumptions_hash: str | None) -> Entry:
        return self.prov.assumptions(assumptions_hash, self.origins.get(assumptions_hash, ""))

    def deployment(self, row: dict) -> Entry:
        parts = [self.assumptions(row.get("assumptions_hash"))]
        if row.get("gpu") in self.gpus:
            parts.append(self.gpus[row["gpu"]])
        if row.get("throughput_fetch_id"):  # a capacity measured or scaled from a throughput source
            parts.append(self.prov.fetch(row["throughput_fetch_id"], row["throughput_source"],
                                         row.get("throughput_observed_at")))
        return self.prov.derived(f"self-hosted cost of {row['deployment']}", parts)


def spectrum(con, quarter: str, prov: Provenance) -> Table | Missing:
    rows = data.quarter_rows(con, "openness_spectrum", quarter, "category, canonical_model")
    if rows.is_empty():
        return Missing("openness_spectrum")
    licenses = {}
    for r in data.license_inputs(con).iter_rows(named=True):
        licenses[r["license_id"]] = prov.derived(f"license text {r['license_id']} ({r['source_url']})",
                                                 [prov.fetch(None, r["source_url"], r["last_seen"])])
    out = []
    for r in rows.iter_rows(named=True):
        lic = licenses.get(r.get("license_id"))
        license_cell = Cell(str(r["license_id"]), link=lic) if lic else text(r.get("license_id"))
        out.append([text(r["category"]), text(r["canonical_model"]), text(r.get("weights_open")),
                    text(r.get("data_open")), text(r.get("code_open")), license_cell, text(r.get("evidence"))])
    return Table("t-spectrum", ["category", "model", "weights", "data", "code", "license", "evidence"], out)


def tiers(con, quarter: str, inputs: Inputs) -> Table | Missing:
    rows = data.quarter_rows(con, "quality_tiers", quarter, "tier, gap_to_best, canonical_model")
    if rows.is_empty():
        return Missing("quality_tiers")
    # The gap is to the best score on the same metric: it comes from both models' scores.
    best = {r["metric"]: r["canonical_model"] for r in rows.sort("gap_to_best").unique("metric", keep="first")
            .iter_rows(named=True)}
    out = []
    for r in rows.iter_rows(named=True):
        model, metric = r["canonical_model"], r["metric"]
        entry = inputs.prov.derived(f"{metric} score of {model}", inputs.scores.get(model, []))
        gap = inputs.prov.derived(f"gap of {model} to the best {metric} score ({best[metric]})",
                                  inputs.scores.get(model, []) + inputs.scores.get(best[metric], []))
        out.append([text(r.get("tier_label", r["tier"])), text(model), text(metric),
                    number(r["score"], score, entry), number(r["gap_to_best"], score, gap)])
    return Table("t-tiers", ["tier", "model", "metric", "score", "gap to best"], out)


def api_cost(con, quarter: str, inputs: Inputs) -> Table | Missing:
    rows = data.read(con, "api_cost_at_scale", "SELECT * FROM api_cost_at_scale WHERE quarter = ? AND is_reference "
                     "ORDER BY canonical_model, monthly_requests", [quarter], needs=("is_reference",))
    if rows.is_empty():
        return Missing("api_cost_at_scale")
    volumes = sorted(rows["monthly_requests"].unique().to_list())
    start = Quarter.parse(quarter).start
    out = []
    for (model,), group in rows.group_by("canonical_model", maintain_order=True):
        first = group.row(0, named=True)
        entry = inputs.prices.get(model)
        # A monthly cost is the price times the assumptions' token mix and volume.
        cost = inputs.prov.derived(f"API cost of {model} at scale",
                                   [entry, inputs.assumptions(first.get("assumptions_hash"))] if entry else
                                   [inputs.assumptions(first.get("assumptions_hash"))])
        by_volume = {r["monthly_requests"]: r["monthly_cost_usd"] for r in group.iter_rows(named=True)}
        # A price observed before the quarter began: the newest there is, carried forward, and marked.
        observed = first["observed_at"]
        carried = observed.date().isoformat() if observed is not None and observed < start else ""
        out.append([text(model), text(first["provider"]), number(first["input_usd_per_mtok"], usd, entry, carried),
                    number(first["output_usd_per_mtok"], usd, entry, carried),
                    *(number(by_volume.get(v), usd, cost) for v in volumes)])
    mix = rows.row(0, named=True)
    note = (f"Monthly cost in USD for requests of {mix['input_tokens']:,} input + {mix['output_tokens']:,} "
            "output tokens, at each model's reference provider. † carried forward: no newer price was observed "
            "in this quarter, so the newest earlier one stands (its date is in its provenance entry).")
    return Table("t-api-cost", ["model", "provider", "input $/1M", "output $/1M",
                                *(f"{compact(v)} req/month" for v in volumes)], out, note)


def self_hosted(con, quarter: str, inputs: Inputs) -> Table | Missing:
    rows = data.quarter_rows(con, "self_hosted_cost", quarter, "model_size_b, deployment")
    if rows.is_empty():
        return Missing("self_hosted_cost")
    out = []
    for r in rows.iter_rows(named=True):
        entry = inputs.deployment(r)
        out.append([text(r["deployment"]), text(r.get("model")), text(r["precision"]),
                    text(f"{r['gpu_count']}× {r['gpu']}"), number(r["monthly_gpu_cost_low"], usd, entry),
                    number(r["monthly_gpu_cost_high"], usd, entry),
                    number(r["monthly_capacity_requests"], count, entry), text(r.get("throughput_basis")),
                    number(r["usd_per_mtok_output_low"], usd, entry), number(r["usd_per_mtok_output_high"], usd, entry),
                    text(r.get("fits_in_memory")), text(r.get("note"))])
    return Table("t-self-hosted", ["deployment", "model", "precision", "GPUs", "GPU $/month low", "GPU $/month high",
                                   "capacity req/month", "capacity basis", "$/1M output low", "$/1M output high", "fits", "note"], out)


def crossover(con, quarter: str, inputs: Inputs) -> Table | Missing:
    rows = data.quarter_rows(con, "crossover", quarter, "deployment, canonical_model")
    if rows.is_empty():
        return Missing("crossover")
    out = []
    for r in rows.iter_rows(named=True):
        parts = [inputs.deployment(r)] + ([inputs.prices[r["canonical_model"]]]
                                          if r["canonical_model"] in inputs.prices else [])
        entry = inputs.prov.derived(f"crossover of {r['deployment']} against {r['canonical_model']}", parts)
        reason = r.get("reason_gpu_only") or r.get("reason_with_hidden_costs")
        out.append([text(r["deployment"]), text(r["canonical_model"]),
                    number(r["breakeven_requests_gpu_only"], count, entry),
                    number(r["breakeven_requests_with_hidden_costs"], count, entry), text(reason)])
    return Table("t-crossover", ["deployment", "API model", "break-even req/month (GPU only)",
                                 "break-even req/month (with hidden costs)", "why none"], out)


def tco(con, quarter: str, inputs: Inputs) -> Table | Missing:
    rows = data.quarter_rows(con, "tco_at_volume", quarter, "monthly_requests, total, option")
    if rows.is_empty():
        return Missing("tco_at_volume")
    out = []
    for r in rows.iter_rows(named=True):
        target = r["option"].split(":", 1)[-1]
        volume = inputs.assumptions(r.get("assumptions_hash"))  # the volumes are the assumptions file's
        parts = [volume]
        if r["kind"] == "api" and target in inputs.prices:
            parts.append(inputs.prices[target])
        entry = inputs.prov.derived(f"TCO of {r['option']}", parts)
        out.append([text(r["option"]), number(r["monthly_requests"], count, volume),
                    *(number(r[c], usd, entry) for c in ("inference", "ml_engineering", "infrastructure",
                                                         "monitoring", "total")), text(r.get("note"))])
    return Table("t-tco", ["option", "req/month", "inference", "ML engineering", "infrastructure", "monitoring",
                           "total $/month", "note"], out)
