"""`ledger advise` on a small hand-built warehouse holding the tables other parts of the ledger are
adding: `managed_inference` (quarter × open-weight model × provider) present, absent or partial,
a model the registry does not know. The warehouse is the project's DDL plus a few rows written
here; `managed_inference` has the columns its marts are to publish."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.app.cli import main
from pipeline.core.paths import Paths
from pipeline.core.warehouse import apply_ddl, connect

pytestmark = pytest.mark.integration
Q = "2026Q3"
DAY = datetime(2026, 8, 1)
DOC = {"request_mix": {"input_tokens": 1000, "output_tokens": 500}, "hours_per_month": 730,
       "citations": {"request_mix": "test mix"},
       "deployments": [{"id": "big-fp8-2xh100", "citations": {"throughput_output_tokens_per_s": "https://example.org/tp",
                                                               "hidden_costs": "https://example.org/hidden"}}]}
QWEN_STYLE = ("If you are commercially using the Materials, and your product or service has more than 100 million "
              "monthly active users, you shall request a license from us.")
MANAGED_DDL = """CREATE TABLE managed_inference (quarter VARCHAR, provisional BOOLEAN, canonical_model VARCHAR,
    provider VARCHAR, input_usd_per_mtok DOUBLE, output_usd_per_mtok DOUBLE, blended_usd_per_mtok DOUBLE,
    quantization VARCHAR, is_cheapest BOOLEAN, providers_offering BIGINT, source VARCHAR, observed_at TIMESTAMP,
    fetch_id VARCHAR)"""


def insert(con, table: str, **row) -> None:
    names = ", ".join(row)
    con.execute(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(row))})", list(row.values()))


def api_row(con, model: str, provider: str, pin: float, pout: float, fetch: str) -> None:
    insert(con, "api_cost_at_scale", quarter=Q, provisional=False, assumptions_hash="h1", canonical_model=model,
           provider=provider, source="openrouter", source_model_id=model, is_reference=True, monthly_requests=100_000,
           input_tokens=1000, output_tokens=500, input_usd_per_mtok=pin, output_usd_per_mtok=pout,
           usd_per_request=0.0, monthly_cost_usd=0.0, observed_at=DAY, fetch_id=fetch)


def model_rows(con, model: str, tier: int, weights: bool, params: float | None, license_url: str | None) -> None:
    insert(con, "quality_tiers", quarter=Q, provisional=False, assumptions_hash="h1", canonical_model=model, tier=tier,
           tier_label="t", metric="composite", score=50.0, best_score=90.0, gap_to_best=40.0)
    insert(con, "openness_spectrum", quarter=Q, provisional=False, canonical_model=model,
           category="open_weight_restricted" if weights else "fully_closed", weights_open=weights, data_open=False,
           code_open=False, license_id="qwen" if license_url else "proprietary", license_source_url=license_url,
           license_version_sha256="v1" if license_url else None, evidence="test evidence")
    if params is not None:
        insert(con, "models", canonical_model=model, developer="d", params_b=params, weights_open=weights,
               data_open=False, code_open=False, required=False, citation="https://example.org/card")


def build(root: Path, managed: list[dict] | None) -> Paths:
    paths = Paths(root / "warehouse", root / "exports")
    paths.warehouse_dir.mkdir(parents=True)
    con = connect(paths.db)
    apply_ddl(con)
    insert(con, "run_assumptions", assumptions_hash="h1", source="default", document=json.dumps(DOC), first_run_id="r",
           first_used_at=DAY, last_run_id="r", last_used_at=DAY)
    insert(con, "raw_fetch", fetch_id="f1", source="openrouter", family="prices", url="https://openrouter.ai/api/v1/models",
           endpoint="https://openrouter.ai/api/v1/models", requested_at=DAY, observed_at=DAY, mode="live",
           group_id="f1", run_id="r")
    api_row(con, "acme/closed-pro", "acme", 2.0, 8.0, "f1")
    api_row(con, "open/big", "host-a", 0.6, 0.8, "f1")  # open weights: a managed option, not a closed API
    api_row(con, "mystery/m", "acme", 0.1, 0.1, "f1")  # no registry row, no spectrum row: weights unknown
    model_rows(con, "acme/closed-pro", 1, False, None, None)
    model_rows(con, "open/big", 3, True, 72, "https://example.org/qwen/LICENSE")
    insert(con, "licenses", license_id="qwen", document="license", source_url="https://example.org/qwen/LICENSE",
           version_sha256="v1", first_seen=datetime(2024, 9, 19), last_seen=DAY, fetches=1, text="…",
           commercial_use=True, mau_threshold=100_000_000, mau_threshold_evidence=QWEN_STYLE,
           attribution_required=True, aup_by_reference=False, non_commercial=False, restricts_output_use=False,
           redistribution_conditions=True, use_restrictions=False)
    for deployment, gpu_cost in (("big-fp8-2xh100", 7000.0), ("big-fp8-b300", None)):
        insert(con, "self_hosted_cost", quarter=Q, provisional=False, assumptions_hash="h1", deployment=deployment,
               model="open/big", model_size_b=72, precision="fp8", gpu="H100-SXM" if gpu_cost else "B300",
               gpu_count=2, monthly_gpu_cost_low=gpu_cost and 5000.0, monthly_gpu_cost_high=gpu_cost,
               cost_basis="median", monthly_capacity_requests=5_000_000, hidden_costs_usd=4000.0,
               fits_in_memory=True, note="fits")
    # The published DDL's managed_inference is replaced by a looser one (nullable prices, no variant column) so the
    # reader is tested on partial rows and on a warehouse written before the table existed (managed=None).
    con.execute("DROP TABLE managed_inference")
    if managed is not None:
        con.execute(MANAGED_DDL)
        for row in managed:
            insert(con, "managed_inference", quarter=Q, provisional=False, source="openrouter", observed_at=DAY,
                   fetch_id="f1", **row)
    con.close()
    return paths


MANAGED = [
    dict(canonical_model="open/big", provider="host-a", input_usd_per_mtok=0.6, output_usd_per_mtok=0.8,
         blended_usd_per_mtok=0.65, quantization="fp8", is_cheapest=True, providers_offering=3),
    dict(canonical_model="open/big", provider="host-b", input_usd_per_mtok=0.9, output_usd_per_mtok=0.9,
         blended_usd_per_mtok=0.9, quantization="bf16", is_cheapest=False, providers_offering=3),
    dict(canonical_model="open/big", provider="host-c", input_usd_per_mtok=None, output_usd_per_mtok=None,
         blended_usd_per_mtok=0.7, quantization=None, is_cheapest=False, providers_offering=3),
    # A second bf16 row at host-b (the table may grow a variant column this reader does not know).
    dict(canonical_model="open/big", provider="host-b", input_usd_per_mtok=1.2, output_usd_per_mtok=1.2,
         blended_usd_per_mtok=1.2, quantization="bf16", is_cheapest=False, providers_offering=3)]


def advise(paths: Paths, *args: str) -> dict:
    done = CliRunner().invoke(main, ["advise", "--format", "json", *args],
                              env={"LEDGER_WAREHOUSE_DIR": str(paths.warehouse_dir)})
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


def test_managed_options_are_ranked_from_managed_inference_with_their_provenance(tmp_path):
    out = advise(build(tmp_path, MANAGED), "--requests-per-month", "2000000")
    by_key = {o["key"]: o for o in out["options"]}
    cheap = by_key["managed:open/big@host-a#fp8"]
    assert cheap["kind"] == "managed" and cheap["monthly_cost_usd"] == pytest.approx(2e6 * (1000 * 0.6 + 500 * 0.8) / 1e6)
    price = cheap["evidence"][0]
    assert (price["table"], price["is_cheapest"], price["providers_offering"], price["quantization"]) == (
        "managed_inference", True, 3, "fp8")
    assert (price["fetch_id"], price["url"]) == ("f1", "https://openrouter.ai/api/v1/models")
    assert "managed:open/big@host-b#bf16" in by_key and "closed_api:open/big@host-a" not in by_key
    assert by_key["managed:open/big@host-b#bf16~2"]["cost"]["input_usd_per_mtok"] == 1.2  # kept, told apart
    assert any("1 open-weight model × provider price(s) of api_cost_at_scale" in n for n in out["notes"])
    assert {u["key"]: u["reason"] for u in out["unpriced"]} == {
        "managed:open/big@host-c": "no separate input and output price in managed_inference",
        "self_hosted:big-fp8-b300": "no on-demand rate for B300 in 2026Q3"}
    # The default mix is the quarter's assumptions (1,000 + 500), named with its hash.
    assert out["inputs"]["provenance"]["output_tokens"].startswith("assumptions h1 request_mix")


def test_constraints_treat_managed_options_as_apis_on_open_weights(tmp_path):
    paths = build(tmp_path, MANAGED)
    kinds = {o["kind"] for o in advise(paths, "--requests-per-month", "1000", "--data-in-house")["options"]}
    assert kinds == {"self_hosted"}
    independent = advise(paths, "--requests-per-month", "1000", "--vendor-independence")
    assert {o["kind"] for o in independent["options"]} == {"managed", "self_hosted"}
    unknown = next(e for e in independent["excluded"] if e["id"] == "mystery/m")
    assert unknown["rule"] == "vendor_independence" and unknown["evidence"][1]["detail"] == \
        "weights not known to be published"
    many = advise(paths, "--requests-per-month", "1000", "--monthly-active-users", "150000000")
    assert {o["kind"] for o in many["options"]} == {"closed_api"}
    quoted = {e["key"]: e["evidence"][1]["passage"] for e in many["excluded"]}
    assert quoted["managed:open/big@host-a#fp8"] == QWEN_STYLE == quoted["self_hosted:big-fp8-2xh100"]
    structured = advise(paths, "--requests-per-month", "1000", "--task", "structured")
    # Tier 1 closed, and the 72B open model credited tier 2; the model with no tier is left out.
    assert {o["key"] for o in structured["options"]} == {
        "closed_api:acme/closed-pro@acme", "managed:open/big@host-a#fp8", "managed:open/big@host-b#bf16",
        "managed:open/big@host-b#bf16~2", "self_hosted:big-fp8-2xh100"}
    assert {e["key"]: e["rule"] for e in structured["excluded"]} == {"closed_api:mystery/m@acme": "task_structured"}


def test_without_managed_inference_the_managed_options_are_absent_and_the_answer_says_so(tmp_path):
    out = advise(build(tmp_path, None), "--requests-per-month", "1000")
    assert {o["kind"] for o in out["options"]} == {"closed_api", "self_hosted"}
    assert "managed_inference is not in this warehouse: managed open-weight API options are absent" in out["notes"]
    mystery = next(o for o in out["options"] if o["id"] == "mystery/m")
    assert (mystery["kind"], mystery["openness"], mystery["weights_open"], mystery["tier"]) == (
        "closed_api", None, None, None)
